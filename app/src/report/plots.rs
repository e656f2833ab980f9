//! Line charts of a run's metrics, as PNG.

use std::path::Path;

use anyhow::{bail, Result};
use image::Rgb;
use worldbench_storage::planning_metrics::{self, Shown};
use worldbench_storage::{PlanningRow, TrainRow};

use super::canvas::{Canvas, BLACK, GRID, PALETTE};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 420;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
/// Grid lines per axis.
const TICKS: usize = 5;

/// One line of a chart.
pub struct Series {
    pub name: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// "0.125", "1200", "1.2E-5": short tick labels.
fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Draws `series` against a shared x axis; `y_range` fixes the y axis (else it fits the data).
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
    markers: bool,
) -> Result<()> {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().filter(finite).copied())
        .collect();
    if all.is_empty() {
        bail!("no data points");
    }
    let (mut x0, mut x1) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, mut y1) = y_range.unwrap_or_else(|| {
        all.iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)))
    });
    if x1 <= x0 {
        x0 -= 1.0;
        x1 += 1.0;
    }
    if y1 <= y0 {
        y0 -= 0.5;
        y1 += 0.5;
    }
    let mut c = Canvas::new(WIDTH, HEIGHT);
    let (w, h) = (
        f64::from(WIDTH) - LEFT - RIGHT,
        f64::from(HEIGHT) - TOP - BOTTOM,
    );
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * w;
    let py = |y: f64| TOP + h - (y - y0) / (y1 - y0) * h;
    for i in 0..=TICKS {
        let f = i as f64 / TICKS as f64;
        let (gx, gy) = (LEFT + f * w, TOP + h - f * h);
        c.line(gx, TOP, gx, TOP + h, GRID, 1);
        c.line(LEFT, gy, LEFT + w, gy, GRID, 1);
        c.text_right(
            LEFT as i64 - 6,
            gy as i64 - 5,
            &tick_label(y0 + f * (y1 - y0)),
            2,
            BLACK,
        );
        let xl = tick_label(x0 + f * (x1 - x0));
        let xw = i64::from(super::font::text_width(&xl, 2));
        c.text(gx as i64 - xw / 2, (TOP + h) as i64 + 8, &xl, 2, BLACK);
    }
    c.line(LEFT, TOP, LEFT, TOP + h, BLACK, 1);
    c.line(LEFT, TOP + h, LEFT + w, TOP + h, BLACK, 1);
    c.text(LEFT as i64, 12, title, 2, BLACK);
    let xw = i64::from(super::font::text_width(x_label, 2));
    c.text(
        (LEFT + w / 2.0) as i64 - xw / 2,
        i64::from(HEIGHT) - 18,
        x_label,
        2,
        BLACK,
    );
    let mut legend_y = TOP as i64 + 6;
    for (i, s) in series.iter().enumerate() {
        let colour: Rgb<u8> = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = s.points.iter().filter(finite).copied().collect();
        for pair in pts.windows(2) {
            c.line(
                px(pair[0].0),
                py(pair[0].1),
                px(pair[1].0),
                py(pair[1].1),
                colour,
                2,
            );
        }
        if markers || pts.len() == 1 {
            for p in &pts {
                c.dot(px(p.0), py(p.1), 7, colour);
            }
        }
        let lx = (LEFT + w) as i64 - 150;
        c.line(
            lx as f64,
            legend_y as f64 + 4.0,
            lx as f64 + 18.0,
            legend_y as f64 + 4.0,
            colour,
            2,
        );
        c.text(lx + 24, legend_y, s.name, 2, BLACK);
        legend_y += 16;
    }
    c.save_png(path)
}

/// A named column of a metrics row: the series name and how to read its value.
type Column<R> = (&'static str, fn(&R) -> f64);

/// One series per `(name, value)` column, each point a row's step and value; an error naming `csv`
/// when there are no rows.
fn step_series<R>(
    csv: &str,
    rows: &[R],
    step_of: fn(&R) -> u64,
    columns: &[Column<R>],
) -> Result<Vec<Series>> {
    if rows.is_empty() {
        bail!("{csv} has no rows");
    }
    Ok(columns
        .iter()
        .map(|&(name, f)| Series {
            name,
            points: rows.iter().map(|r| (step_of(r) as f64, f(r))).collect(),
        })
        .collect())
}

/// loss, pred, var and cov against the step.
pub fn loss_curves(path: &Path, rows: &[TrainRow]) -> Result<()> {
    let series = step_series(
        "metrics/train.csv",
        rows,
        |r| r.step,
        &[
            ("loss", |r| r.loss),
            ("pred", |r| r.loss_pred),
            ("var", |r| r.loss_var),
            ("cov", |r| r.loss_cov),
        ],
    )?;
    line_chart(path, "LOSS CURVES", "STEP", &series, None, false)
}

/// Reachability, local success and the canonical tests against the checkpoint step (0 to 1).
pub fn planning_metrics(path: &Path, rows: &[PlanningRow]) -> Result<()> {
    let columns: Vec<Column<PlanningRow>> = planning_metrics::shown(Shown::Key)
        .filter(|m| m.is_unit_range())
        .map(|m| (m.label, m.value))
        .collect();
    let series = step_series("metrics/planning_metrics.csv", rows, |r| r.step, &columns)?;
    line_chart(
        path,
        "PLANNING METRICS",
        "CHECKPOINT STEP",
        &series,
        Some((0.0, 1.0)),
        true,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn tick_labels_are_short() {
        assert_eq!(super::tick_label(0.25), "0.25");
        assert_eq!(super::tick_label(1200.0), "1200");
        assert_eq!(super::tick_label(0.0), "0");
        assert_eq!(super::tick_label(0.000_02), "2.0e-5");
    }
}
