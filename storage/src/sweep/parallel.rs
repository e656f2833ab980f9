//! The layout of a sweep's parallel-coordinates chart, shared by the app's Sweeps view and the
//! sweep post's PNG: an axis per varied parameter (its levels in order) and a last one for the
//! metric; each observation a line through one position per axis. Positions are fractions of the
//! axis height (0 = bottom, 1 = top), so each renderer only maps them to its own pixels.

use super::summary::{levels, value_text, varied_keys, Observation};

/// One axis: its name and its labelled positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub name: String,
    /// (position 0..=1, label), bottom first.
    pub ticks: Vec<(f64, String)>,
}

/// One observation's line: a position per axis (the metric's last) and where its metric sits in
/// the range, for its colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub positions: Vec<f64>,
    pub metric_fraction: f64,
}

/// The whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The parameter axes, then the metric's.
    pub axes: Vec<Axis>,
    pub lines: Vec<Line>,
}

/// The smallest and largest value; a range of width 1 from the value when all are equal (or
/// none is finite), so fractions stay defined.
pub fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

/// Where level `j` of `n` sits on its axis (a single level in the middle).
fn level_fraction(j: usize, n: usize) -> f64 {
    if n > 1 {
        j as f64 / (n - 1) as f64
    } else {
        0.5
    }
}

/// The chart of `obs` with the metric's axis named `metric`.
pub fn layout(obs: &[Observation], metric: &str) -> Layout {
    let keys = varied_keys(obs);
    let key_levels: Vec<_> = keys.iter().map(|k| levels(obs, k)).collect();
    let (lo, hi) = value_range(obs.iter().map(|o| o.value));
    let mut axes: Vec<Axis> = keys
        .iter()
        .zip(&key_levels)
        .map(|(k, lv)| Axis {
            name: k.clone(),
            ticks: lv
                .iter()
                .enumerate()
                .map(|(j, v)| (level_fraction(j, lv.len()), value_text(v)))
                .collect(),
        })
        .collect();
    axes.push(Axis {
        name: metric.to_string(),
        ticks: vec![(0.0, format!("{lo:.3}")), (1.0, format!("{hi:.3}"))],
    });
    let lines = obs
        .iter()
        .map(|o| {
            let metric_fraction = (o.value - lo) / (hi - lo);
            let mut positions: Vec<f64> = keys
                .iter()
                .zip(&key_levels)
                .map(|(k, lv)| {
                    let j = o
                        .params
                        .get(k)
                        .and_then(|v| lv.iter().position(|l| l == v))
                        .unwrap_or(0);
                    level_fraction(j, lv.len())
                })
                .collect();
            positions.push(metric_fraction);
            Line {
                positions,
                metric_fraction,
            }
        })
        .collect();
    Layout { axes, lines }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obs(lr: f64, hidden: u64, seed: u64, value: f64) -> Observation {
        Observation {
            params: [
                ("lr".to_string(), json!(lr)),
                ("model.hidden".to_string(), json!(hidden)),
            ]
            .into_iter()
            .collect(),
            seed,
            value,
            run: None,
        }
    }

    #[test]
    fn each_run_is_a_line_through_its_levels_to_its_metric() {
        let all = [
            obs(0.001, 128, 0, 0.2),
            obs(0.001, 256, 0, 0.6),
            obs(0.01, 128, 0, 1.0),
        ];
        let l = layout(&all, "test1");
        let names: Vec<&str> = l.axes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["lr", "model.hidden", "test1"]);
        assert_eq!(
            l.axes[1].ticks,
            vec![(0.0, "128".into()), (1.0, "256".into())]
        );
        assert_eq!(
            l.axes[2].ticks,
            vec![(0.0, "0.200".into()), (1.0, "1.000".into())]
        );
        assert_eq!(l.lines[1].positions[..2], [0.0, 1.0]);
        assert!((l.lines[1].metric_fraction - 0.5).abs() < 1e-12);
        assert_eq!(l.lines[2].positions, vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn a_constant_metric_and_a_single_level_stay_defined() {
        let all = [obs(0.001, 128, 0, 0.5), obs(0.001, 128, 1, 0.5)];
        let l = layout(&all, "m");
        // Nothing varies: only the metric's axis.
        assert_eq!(l.axes.len(), 1);
        assert_eq!(l.lines[0].positions, vec![0.0]);
        assert_eq!(value_range([2.0, 2.0].into_iter()), (2.0, 3.0));
    }
}
