//! The PNG plots of a sweep's worklog post, on the report canvas: a heatmap of the metric's mean
//! over two parameters, the per-parameter marginal means with ± std bars, and parallel
//! coordinates (each run a line from its parameters to the metric). The numbers are
//! `storage::sweep::summary`'s, as in the app's Sweeps view.

use std::path::Path;

use anyhow::{bail, Result};
use image::Rgb;
use worldbench_storage::sweep::parallel::{self, value_range};
use worldbench_storage::sweep::summary::{self, Heatmap, Observation};

use super::canvas::{Canvas, BLACK, GRID, PALETTE};

fn ramp(t: f64) -> Rgb<u8> {
    Rgb(worldbench_widgets::ramp_rgb(t))
}

fn fill(c: &mut Canvas, x: f64, y: f64, w: f64, h: f64, colour: Rgb<u8>) {
    for yy in y as i64..(y + h) as i64 {
        for xx in x as i64..(x + w) as i64 {
            c.put(xx, yy, colour);
        }
    }
}

/// The heatmap: one square per (x, y) pair with its mean and n.
pub fn heatmap(path: &Path, h: &Heatmap, metric: &str) -> Result<()> {
    if h.xs.is_empty() || h.ys.is_empty() {
        bail!("no two varied parameters");
    }
    let (cw, ch, left, top) = (150.0, 56.0, 190.0, 50.0);
    let w = left + cw * h.xs.len() as f64 + 20.0;
    let hh = top + ch * h.ys.len() as f64 + 50.0;
    let mut c = Canvas::new(w as u32, hh as u32);
    c.text(
        10.0,
        12.0,
        &format!("{metric}: {} × {}", h.y_key, h.x_key),
        17.0,
        BLACK,
    );
    let (lo, hi) = value_range(h.values.iter().flatten().flatten().map(|s| s.mean));
    for (yi, y) in h.ys.iter().enumerate() {
        let ty = top + ch * yi as f64;
        let label = format!("{} = {}", h.y_key, summary::value_text(y));
        c.text_right(left - 8.0, ty + ch / 2.0, &label, 13.0, BLACK);
        for (xi, v) in h.values[yi].iter().enumerate() {
            let tx = left + cw * xi as f64;
            let (colour, text) = match v {
                Some(s) => (
                    ramp((s.mean - lo) / (hi - lo)),
                    format!("{:.3} (n={})", s.mean, s.n),
                ),
                None => (GRID, "–".into()),
            };
            fill(&mut c, tx + 1.0, ty + 1.0, cw - 2.0, ch - 2.0, colour);
            c.text_centered(tx + cw / 2.0, ty + ch / 2.0 - 8.0, &text, 13.0, BLACK);
        }
    }
    let by = top + ch * h.ys.len() as f64 + 10.0;
    for (xi, x) in h.xs.iter().enumerate() {
        let label = format!("{} = {}", h.x_key, summary::value_text(x));
        c.text_centered(left + cw * (xi as f64 + 0.5), by, &label, 13.0, BLACK);
    }
    c.save_png(path)
}

/// One small chart per parameter: the metric's mean at each value, with a ± std bar.
pub fn marginals(path: &Path, obs: &[Observation], metric: &str) -> Result<()> {
    let ms = summary::marginals(obs);
    if ms.is_empty() {
        bail!("no varied parameter");
    }
    let (cell_w, cell_h) = (420.0, 280.0);
    let mut c = Canvas::new((cell_w * ms.len() as f64) as u32, cell_h as u32);
    let (lo, hi) = value_range(
        ms.iter()
            .flat_map(|m| m.levels.iter())
            .flat_map(|(_, s)| [s.mean - s.std, s.mean + s.std]),
    );
    for (i, m) in ms.iter().enumerate() {
        let x0 = cell_w * i as f64 + 60.0;
        let (w, y0, h) = (cell_w - 90.0, 40.0, cell_h - 90.0);
        c.text(x0, 10.0, &format!("{metric} by {}", m.key), 15.0, BLACK);
        let y_of = |v: f64| y0 + h - h * (v - lo) / (hi - lo);
        for v in [lo, hi] {
            c.text_right(x0 - 6.0, y_of(v), &format!("{v:.3}"), 12.0, BLACK);
            c.line(x0, y_of(v), x0 + w, y_of(v), GRID, 1);
        }
        let n = m.levels.len();
        let mut pts = Vec::new();
        for (j, (v, s)) in m.levels.iter().enumerate() {
            let x = x0 + w * (j as f64 + 0.5) / n as f64;
            c.line(
                x,
                y_of(s.mean - s.std),
                x,
                y_of(s.mean + s.std),
                PALETTE[0],
                2,
            );
            c.dot(x, y_of(s.mean), 4, PALETTE[1]);
            pts.push((x, y_of(s.mean)));
            c.text_centered(x, y0 + h + 8.0, &summary::value_text(v), 12.0, BLACK);
            c.text_centered(x, y0 + h + 26.0, &format!("n={}", s.n), 11.0, BLACK);
        }
        c.polyline(&pts, PALETTE[1], 1.5, None);
    }
    c.save_png(path)
}

/// Parallel coordinates (`storage::sweep::parallel`'s layout): an axis per varied parameter and
/// one for the metric.
pub fn parallel(path: &Path, obs: &[Observation], metric: &str) -> Result<()> {
    if obs.is_empty() {
        bail!("no finished run");
    }
    let layout = parallel::layout(obs, metric);
    let (w, h) = (960.0, 420.0);
    let mut c = Canvas::new(w as u32, h as u32);
    c.text(10.0, 10.0, &format!("Parameters to {metric}"), 17.0, BLACK);
    let (x0, x1, y0, y1) = (90.0, w - 90.0, 50.0, h - 60.0);
    let axes = layout.axes.len();
    let x_of = |i: usize| {
        if axes == 1 {
            f64::midpoint(x0, x1)
        } else {
            x0 + (x1 - x0) * i as f64 / (axes - 1) as f64
        }
    };
    let y_of = |t: f64| y1 - (y1 - y0) * t;
    for (i, axis) in layout.axes.iter().enumerate() {
        let x = x_of(i);
        c.line(x, y0, x, y1, BLACK, 1);
        c.text_centered(x, y1 + 14.0, &axis.name, 13.0, BLACK);
        for (t, label) in &axis.ticks {
            // Parameter levels to the left of their axis; the metric's range to the right.
            if i + 1 == axes {
                c.text(x + 6.0, y_of(*t) - 7.0, label, 12.0, BLACK);
            } else {
                c.text_right(x - 6.0, y_of(*t), label, 12.0, BLACK);
            }
        }
    }
    for line in &layout.lines {
        let pts: Vec<(f64, f64)> = line
            .positions
            .iter()
            .enumerate()
            .map(|(i, t)| (x_of(i), y_of(*t)))
            .collect();
        c.polyline(&pts, ramp(line.metric_fraction), 1.5, None);
    }
    c.save_png(path)
}
