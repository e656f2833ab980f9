//! Line charts of a run's metrics, as PNG: round 1-2-5 ticks (`ticks.rs`), labels in egui's font,
//! one panel per loss term (each on its own y axis, so the covariance term does not flatten the
//! others), and planning metrics told apart by colour, dash and marker shape, with the markers of
//! equal values set side by side and the legend outside the plot area.

use std::path::Path;

use anyhow::{bail, Result};
use image::Rgb;
use worldbench_storage::planning_metrics::{self, Shown};
use worldbench_storage::{PlanningRow, TrainRow};

use super::canvas::{Canvas, BLACK, DASHES, GRID, MARKERS, PALETTE};
use super::ticks::{nice_axis, tick_label};

const GREY: Rgb<u8> = Rgb([90, 90, 90]);
/// Label sizes in pixels.
const TITLE: f32 = 17.0;
const LABEL: f32 = 13.0;
const TICK: f32 = 12.0;

/// One line of a chart.
pub struct Series {
    pub name: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// A plot area on the canvas, in pixels.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// How a chart draws its series.
struct Style {
    /// A fixed y range (else the data's, widened to round ticks).
    y_range: Option<(f64, f64)>,
    /// Markers at every point, set side by side where series coincide.
    markers: bool,
    /// The first series' index into the palette, dashes and markers.
    first: usize,
}

fn finite_points(s: &Series) -> Vec<(f64, f64)> {
    s.points
        .iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .copied()
        .collect()
}

/// Draws `series` in `area` (axes, round ticks and grid, a title above); returns nothing to draw
/// as an error.
fn chart(
    c: &mut Canvas,
    area: Area,
    title: &str,
    x_label: &str,
    series: &[Series],
    style: &Style,
) -> Result<()> {
    let all: Vec<(f64, f64)> = series.iter().flat_map(finite_points).collect();
    if all.is_empty() {
        bail!("no data points");
    }
    let (x0, x1) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = style.y_range.unwrap_or_else(|| {
        all.iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)))
    });
    // With markers set side by side, some room left and right so none sits on the y labels.
    let pad = if style.markers {
        (x1 - x0).max(1.0) * 0.04
    } else {
        0.0
    };
    let xa = nice_axis(x0 - pad, x1 + pad, 6, false);
    let ya = nice_axis(y0, y1, 5, style.y_range.is_none());
    let Area { x, y, w, h } = area;
    let px = |v: f64| x + (v - xa.lo) / (xa.hi - xa.lo) * w;
    let py = |v: f64| y + h - (v - ya.lo) / (ya.hi - ya.lo) * h;
    for &t in &ya.ticks {
        let gy = py(t).round() + 0.5;
        c.line(x, gy, x + w, gy, GRID, 1);
        c.text_right(x - 6.0, gy, &tick_label(t, ya.step), TICK, BLACK);
    }
    for &t in &xa.ticks {
        let gx = px(t).round() + 0.5;
        c.line(gx, y, gx, y + h, GRID, 1);
        c.line(gx, y + h, gx, y + h + 4.0, BLACK, 1);
        c.text_centered(gx, y + h + 6.0, &tick_label(t, xa.step), TICK, BLACK);
    }
    c.line(x, y, x, y + h, BLACK, 1);
    c.line(x, y + h, x + w, y + h, BLACK, 1);
    c.text(x, y - 24.0, title, TITLE, BLACK);
    c.text_centered(x + w / 2.0, y + h + 22.0, x_label, LABEL, GREY);
    let n = series.len() as f64;
    for (i, s) in series.iter().enumerate() {
        let k = style.first + i;
        let colour = PALETTE[k % PALETTE.len()];
        // Where series coincide they stay visible: with markers, series i sits (i − (n−1)/2) × 6
        // pixels off its x and earlier series are drawn wider, so each shows around the next.
        let (dodge, width) = if style.markers {
            (
                (i as f64 - (n - 1.0) / 2.0) * 6.0,
                1.6 + (n - 1.0 - i as f64) * 0.6,
            )
        } else {
            (0.0, 2.0)
        };
        let pts: Vec<(f64, f64)> = finite_points(s)
            .into_iter()
            .map(|(a, b)| (px(a) + dodge, py(b)))
            .collect();
        c.polyline(&pts, colour, width, DASHES[k % DASHES.len()]);
        if style.markers || pts.len() == 1 {
            for &(a, b) in &pts {
                c.marker(a, b, MARKERS[k % MARKERS.len()], 9.0, colour);
            }
        }
    }
    Ok(())
}

/// A legend of `series` (colour, dash and marker of each) with its top-left corner at (x, y).
fn legend(c: &mut Canvas, x: f64, y: f64, series: &[Series], markers: bool) {
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let ly = y + i as f64 * 22.0;
        c.polyline(
            &[(x, ly + 8.0), (x + 34.0, ly + 8.0)],
            colour,
            2.0,
            DASHES[i % DASHES.len()],
        );
        if markers {
            c.marker(x + 17.0, ly + 8.0, MARKERS[i % MARKERS.len()], 9.0, colour);
        }
        c.text(x + 42.0, ly, s.name, LABEL, BLACK);
    }
}

/// Draws `series` against a shared x axis in one chart, with the legend to the right of the plot
/// area; `y_range` fixes the y axis (else it fits the data).
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
    markers: bool,
) -> Result<()> {
    let mut c = Canvas::new(960, 460);
    let legend_w = 210.0;
    let area = Area {
        x: 70.0,
        y: 50.0,
        w: 960.0 - 70.0 - legend_w - 30.0,
        h: 460.0 - 50.0 - 60.0,
    };
    let style = Style {
        y_range,
        markers,
        first: 0,
    };
    chart(&mut c, area, title, x_label, series, &style)?;
    legend(
        &mut c,
        area.x + area.w + 24.0,
        area.y + 4.0,
        series,
        markers,
    );
    c.save_png(path)
}

/// One chart per series in a grid of `cols` columns, each on its own y axis.
fn small_multiples(path: &Path, x_label: &str, series: &[Series], cols: usize) -> Result<()> {
    if series.iter().all(|s| finite_points(s).is_empty()) {
        bail!("no data points");
    }
    let (cell_w, cell_h) = (480.0, 300.0);
    let rows = series.len().div_ceil(cols.max(1));
    let mut c = Canvas::new((cell_w * cols as f64) as u32, (cell_h * rows as f64) as u32);
    for (i, s) in series.iter().enumerate() {
        let (col, row) = ((i % cols) as f64, (i / cols) as f64);
        let area = Area {
            x: col * cell_w + 70.0,
            y: row * cell_h + 44.0,
            w: cell_w - 70.0 - 24.0,
            h: cell_h - 44.0 - 56.0,
        };
        let style = Style {
            y_range: None,
            markers: false,
            first: i,
        };
        let one = [Series {
            name: s.name,
            points: s.points.clone(),
        }];
        if chart(&mut c, area, s.name, x_label, &one, &style).is_err() {
            c.text(
                area.x,
                area.y + area.h / 2.0,
                &format!("{}: no finite values", s.name),
                LABEL,
                GREY,
            );
        }
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

/// The total loss and its prediction, variance and covariance terms against the step, one panel
/// each (their scales differ: the covariance term is often ten times the others).
pub fn loss_curves(path: &Path, rows: &[TrainRow]) -> Result<()> {
    let series = step_series(
        "metrics/train.csv",
        rows,
        |r| r.step,
        &[
            ("total loss", |r| r.loss),
            ("prediction term", |r| r.loss_pred),
            ("variance term", |r| r.loss_var),
            ("covariance term", |r| r.loss_cov),
        ],
    )?;
    small_multiples(path, "training step", &series, 2)
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
        "Planning metrics over checkpoints",
        "checkpoint step",
        &series,
        // A little room above 1 and below 0, so markers there are not cut by the axes.
        Some((-0.04, 1.04)),
        true,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn train_rows(n: u64) -> Vec<TrainRow> {
        (0..n)
            .map(|i| {
                let t = i as f64 * 10.0;
                TrainRow {
                    step: 10 + i * 12,
                    wall_s: t,
                    loss: 6.0 - t / 400.0,
                    loss_pred: 0.5 / (1.0 + t / 100.0),
                    loss_var: 0.8 * (-t / 300.0).exp(),
                    loss_cov: 4.5 - t / 1000.0,
                    lr: 1e-3,
                    h_std: 1.0,
                    h_norm: 1.0,
                    steps_per_s: 10.0,
                }
            })
            .collect()
    }

    /// Writes the PNGs of a synthetic run to `WORLDBENCH_PLOTS_DIR` when set (to look at them),
    /// else to a temporary folder; checks they decode with the sizes drawn.
    #[test]
    fn loss_and_planning_pngs_draw() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("WORLDBENCH_PLOTS_DIR")
            .map_or_else(|| tmp.path().to_path_buf(), std::path::PathBuf::from);
        let loss = dir.join("loss_curves.png");
        loss_curves(&loss, &train_rows(100)).unwrap();
        let img = image::open(&loss).unwrap();
        assert_eq!((img.width(), img.height()), (960, 600));
        // The reach percentiles and local success coincide (all 1 once the graph is connected).
        let planning: Vec<PlanningRow> = (1..=6u64)
            .map(|k| {
                let reach = (k as f64 / 3.0).min(1.0);
                PlanningRow {
                    step: k * 200,
                    num_nodes_h: 10,
                    num_edges_h: 20,
                    reach_h_median: reach,
                    reach_h_p10: reach,
                    reach_h_p90: reach,
                    h_local_success: reach,
                    test1_success: u8::from(k > 3),
                    test1_steps: 9,
                    test2_success: u8::from(k > 4),
                    test2_steps: 9,
                    merge_radius: 0.1,
                    eval_secs: 1.0,
                    node_purity: None,
                    tiles_per_node: None,
                    nodes_per_tile: None,
                    path_agreement: None,
                    ..Default::default()
                }
            })
            .collect();
        let path = dir.join("planning_metrics.png");
        planning_metrics(&path, &planning).unwrap();
        assert_eq!(image::open(&path).unwrap().width(), 960);
    }
}
