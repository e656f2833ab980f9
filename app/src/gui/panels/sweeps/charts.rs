//! The Sweeps view's two charts, drawn with egui's painter: a heatmap of the metric's mean over
//! two parameters, and parallel coordinates (each seed's run a line from its parameters to the
//! metric). The numbers come from `worldbench_storage::sweep::summary`.

use worldbench_storage::sweep::summary::{self, Heatmap, Observation};

/// A colour from dark blue (low) to yellow (high) for `t` in 0..=1.
fn ramp(t: f64) -> egui::Color32 {
    let t = t.clamp(0.0, 1.0) as f32;
    let lerp = |a: f32, b: f32| (a + (b - a) * t) as u8;
    egui::Color32::from_rgb(lerp(40.0, 250.0), lerp(60.0, 210.0), lerp(140.0, 60.0))
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

/// The heatmap: one square per (x, y) pair with its mean and n.
pub fn heatmap_ui(ui: &mut egui::Ui, h: &Heatmap) {
    let cell = egui::vec2(110.0, 38.0);
    let label_w = 110.0;
    let size = egui::vec2(
        label_w + cell.x * h.xs.len() as f32,
        cell.y * (h.ys.len() + 1) as f32,
    );
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let p = ui.painter_at(rect);
    let (lo, hi) = range(h.values.iter().flatten().flatten().map(|s| s.mean));
    let font = egui::FontId::proportional(13.0);
    let text = ui.visuals().text_color();
    for (yi, y) in h.ys.iter().enumerate() {
        let top = rect.min.y + cell.y * yi as f32;
        p.text(
            egui::pos2(rect.min.x + 4.0, top + cell.y / 2.0),
            egui::Align2::LEFT_CENTER,
            format!("{} = {}", h.y_key, summary::value_text(y)),
            font.clone(),
            text,
        );
        for (xi, v) in h.values[yi].iter().enumerate() {
            let r = egui::Rect::from_min_size(
                egui::pos2(rect.min.x + label_w + cell.x * xi as f32, top),
                cell,
            )
            .shrink(1.0);
            let (fill, label) = match v {
                Some(s) => (
                    ramp((s.mean - lo) / (hi - lo)),
                    format!("{:.3} (n={})", s.mean, s.n),
                ),
                None => (egui::Color32::from_gray(50), "–".into()),
            };
            p.rect_filled(r, 2.0, fill);
            p.text(
                r.center(),
                egui::Align2::CENTER_CENTER,
                label,
                font.clone(),
                egui::Color32::BLACK,
            );
        }
    }
    let bottom = rect.min.y + cell.y * h.ys.len() as f32;
    for (xi, x) in h.xs.iter().enumerate() {
        p.text(
            egui::pos2(
                rect.min.x + label_w + cell.x * (xi as f32 + 0.5),
                bottom + cell.y / 2.0,
            ),
            egui::Align2::CENTER_CENTER,
            format!("{} = {}", h.x_key, summary::value_text(x)),
            font.clone(),
            text,
        );
    }
}

/// Parallel coordinates: an axis per varied parameter (its values in order) and one for the
/// metric; each observation a line, coloured by its metric.
pub fn parallel_ui(ui: &mut egui::Ui, obs: &[Observation], metric_label: &str) {
    let keys = summary::varied_keys(obs);
    let width = (ui.available_width() - 20.0).clamp(300.0, 900.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 220.0), egui::Sense::hover());
    let p = ui.painter_at(rect);
    let plot = egui::Rect::from_min_max(
        rect.min + egui::vec2(60.0, 10.0),
        rect.max - egui::vec2(60.0, 30.0),
    );
    let axes = keys.len() + 1;
    let x_of = |i: usize| {
        if axes == 1 {
            plot.center().x
        } else {
            plot.min.x + plot.width() * i as f32 / (axes - 1) as f32
        }
    };
    let levels: Vec<Vec<serde_json::Value>> =
        keys.iter().map(|k| summary::levels(obs, k)).collect();
    let (lo, hi) = range(obs.iter().map(|o| o.value));
    let y_of = |t: f64| plot.max.y - plot.height() * t as f32;
    let text = ui.visuals().text_color();
    let font = egui::FontId::proportional(12.0);
    for i in 0..axes {
        let x = x_of(i);
        p.line_segment(
            [egui::pos2(x, plot.min.y), egui::pos2(x, plot.max.y)],
            (1.0, egui::Color32::GRAY),
        );
        let name = keys.get(i).map_or(metric_label, String::as_str);
        p.text(
            egui::pos2(x, plot.max.y + 14.0),
            egui::Align2::CENTER_CENTER,
            name,
            font.clone(),
            text,
        );
        if let Some(lv) = levels.get(i) {
            for (j, v) in lv.iter().enumerate() {
                let t = if lv.len() > 1 {
                    j as f64 / (lv.len() - 1) as f64
                } else {
                    0.5
                };
                p.text(
                    egui::pos2(x - 4.0, y_of(t)),
                    egui::Align2::RIGHT_CENTER,
                    summary::value_text(v),
                    font.clone(),
                    text,
                );
            }
        }
    }
    for (t, v) in [(0.0, lo), (1.0, hi)] {
        p.text(
            egui::pos2(x_of(axes - 1) + 4.0, y_of(t)),
            egui::Align2::LEFT_CENTER,
            format!("{v:.3}"),
            font.clone(),
            text,
        );
    }
    for o in obs {
        let t_metric = (o.value - lo) / (hi - lo);
        let mut pts: Vec<egui::Pos2> = keys
            .iter()
            .zip(&levels)
            .enumerate()
            .map(|(i, (k, lv))| {
                let j = o
                    .params
                    .get(k)
                    .and_then(|v| lv.iter().position(|l| l == v))
                    .unwrap_or(0);
                let t = if lv.len() > 1 {
                    j as f64 / (lv.len() - 1) as f64
                } else {
                    0.5
                };
                egui::pos2(x_of(i), y_of(t))
            })
            .collect();
        pts.push(egui::pos2(x_of(axes - 1), y_of(t_metric)));
        p.add(egui::Shape::line(pts, (1.5, ramp(t_metric))));
    }
}
