//! The statistics of a sweep over one metric: each cell's mean ± std over its seeds (with n), the
//! per-parameter marginal means with their spread, a two-parameter heatmap, and which parameter
//! matters most (Spearman rank correlation of each parameter with the metric, with its n).
//! Pure computation on [`Observation`]s; [`observations`] reads them from a sweep's runs.

use std::path::Path;

use serde_json::Value;

use super::spec::Params;
use super::state::SweepState;
use crate::planning_metrics::PlanningMetric;
use crate::PlanningRow;

/// One finished cell × seed: its parameters, seed and the metric's final value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub params: Params,
    pub seed: u64,
    pub value: f64,
    /// The run folder it came from.
    pub run: Option<std::path::PathBuf>,
}

/// Mean and sample standard deviation (n − 1; 0 for one value) of `n` values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    pub std: f64,
}

impl Stats {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (ss / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Self { n, mean, std })
    }

    /// "0.512 ± 0.031 (n=3)".
    pub fn text(&self) -> String {
        format!("{:.3} ± {:.3} (n={})", self.mean, self.std, self.n)
    }
}

/// One cell (its parameters) over its seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    pub params: Params,
    pub seeds: Vec<u64>,
    pub runs: Vec<std::path::PathBuf>,
    pub stats: Stats,
}

/// The cells, in first-seen order, each with the stats of its seeds.
pub fn by_cell(obs: &[Observation]) -> Vec<CellSummary> {
    let mut groups: Vec<(Params, Vec<&Observation>)> = Vec::new();
    for o in obs {
        match groups.iter_mut().find(|(p, _)| *p == o.params) {
            Some((_, g)) => g.push(o),
            None => groups.push((o.params.clone(), vec![o])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(params, g)| {
            let values: Vec<f64> = g.iter().map(|o| o.value).collect();
            Some(CellSummary {
                params,
                seeds: g.iter().map(|o| o.seed).collect(),
                runs: g.iter().filter_map(|o| o.run.clone()).collect(),
                stats: Stats::of(&values)?,
            })
        })
        .collect()
}

/// The parameters the observations vary (a key with one value only is left out), sorted.
pub fn varied_keys(obs: &[Observation]) -> Vec<String> {
    let mut keys: Vec<String> = obs.iter().flat_map(|o| o.params.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| levels(obs, k).len() > 1);
    keys
}

/// The values `key` takes, sorted (numbers by value, others by their text).
pub fn levels(obs: &[Observation], key: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for o in obs {
        if let Some(v) = o.params.get(key) {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
    }
    out.sort_by(|a, b| match (number(a), number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    });
    out
}

/// A parameter's value as a number (booleans as 0/1), for ranking.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        v => v.as_f64(),
    }
}

/// A parameter's value as a table shows it (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// The mean of the metric at each value of one parameter, over every other parameter and seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    pub key: String,
    pub levels: Vec<(Value, Stats)>,
}

pub fn marginals(obs: &[Observation]) -> Vec<Marginal> {
    varied_keys(obs)
        .into_iter()
        .map(|key| {
            let levels = levels(obs, &key)
                .into_iter()
                .filter_map(|lv| {
                    let vals: Vec<f64> = obs
                        .iter()
                        .filter(|o| o.params.get(&key) == Some(&lv))
                        .map(|o| o.value)
                        .collect();
                    Some((lv, Stats::of(&vals)?))
                })
                .collect();
            Marginal { key, levels }
        })
        .collect()
}

/// Ranks from 1, ties sharing their mean rank.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]].total_cmp(&xs[idx[i]]).is_eq() {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson on average ranks); `None` under 3 pairs or when either
/// side is constant.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

/// How strongly one parameter goes with the metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    pub key: String,
    /// Spearman's ρ; `None` when it cannot be computed (a non-numeric parameter, n < 3).
    pub rho: Option<f64>,
    pub n: usize,
}

/// Each varied parameter's rank correlation with the metric over every observation, the
/// strongest |ρ| first.
pub fn importance(obs: &[Observation]) -> Vec<Importance> {
    let mut out: Vec<Importance> = varied_keys(obs)
        .into_iter()
        .map(|key| {
            let pairs: Vec<(f64, f64)> = obs
                .iter()
                .filter_map(|o| Some((number(o.params.get(&key)?)?, o.value)))
                .collect();
            let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
            Importance {
                key,
                rho: spearman(&xs, &ys),
                n: pairs.len(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let m = |i: &Importance| i.rho.map_or(-1.0, f64::abs);
        m(b).total_cmp(&m(a)).then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// The metric's mean over two parameters: `values[y][x]`, `None` where no observation is.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub x_key: String,
    pub y_key: String,
    pub xs: Vec<Value>,
    pub ys: Vec<Value>,
    pub values: Vec<Vec<Option<Stats>>>,
}

pub fn heatmap(obs: &[Observation], x_key: &str, y_key: &str) -> Heatmap {
    let (xs, ys) = (levels(obs, x_key), levels(obs, y_key));
    let values = ys
        .iter()
        .map(|y| {
            xs.iter()
                .map(|x| {
                    let vals: Vec<f64> = obs
                        .iter()
                        .filter(|o| {
                            o.params.get(x_key) == Some(x) && o.params.get(y_key) == Some(y)
                        })
                        .map(|o| o.value)
                        .collect();
                    Stats::of(&vals)
                })
                .collect()
        })
        .collect();
    Heatmap {
        x_key: x_key.into(),
        y_key: y_key.into(),
        xs,
        ys,
        values,
    }
}

/// The cell with the best mean (highest, or lowest when lower is better).
pub fn best(cells: &[CellSummary], higher_is_better: bool) -> Option<&CellSummary> {
    cells.iter().reduce(|a, b| {
        let better = if higher_is_better {
            b.stats.mean > a.stats.mean
        } else {
            b.stats.mean < a.stats.mean
        };
        if better {
            b
        } else {
            a
        }
    })
}

/// Every cell whose mean equals the best mean (within 1e-9 of its size): more than one when the
/// best is tied, so that no view calls one of them "the best" by its order alone.
pub fn best_cells(cells: &[CellSummary], higher_is_better: bool) -> Vec<&CellSummary> {
    let Some(top) = best(cells, higher_is_better) else {
        return Vec::new();
    };
    let tolerance = 1e-9 * top.stats.mean.abs().max(1.0);
    cells
        .iter()
        .filter(|c| (c.stats.mean - top.stats.mean).abs() <= tolerance)
        .collect()
}

/// The final value of `metric` (its last checkpoint's row) in each completed cell's run; cells
/// without a run or without planning metrics are left out.
pub fn observations(state: &SweepState, metric: &PlanningMetric) -> Vec<Observation> {
    state
        .cells
        .iter()
        .filter(|c| c.status == crate::queue::JobState::Completed)
        .filter_map(|c| {
            let run = c.run.as_ref()?;
            let value = final_value(run, metric)?;
            Some(Observation {
                params: c.params.clone(),
                seed: c.seed,
                value,
                run: Some(run.clone()),
            })
        })
        .collect()
}

/// The metric in the last row of a run's `planning_metrics.csv`.
pub fn final_value(run: &Path, metric: &PlanningMetric) -> Option<f64> {
    let csv = crate::RunPaths::new(run).planning_csv();
    let rows: Vec<PlanningRow> = crate::metrics::read_csv(&csv).ok()?;
    rows.iter().max_by_key(|r| r.step).map(|r| metric.of(r))
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
