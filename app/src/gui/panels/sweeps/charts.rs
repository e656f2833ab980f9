//! The Sweeps view's two charts, drawn with egui's painter: a heatmap of the metric's mean over
//! two parameters, and parallel coordinates (each seed's run a line from its parameters to the
//! metric). The numbers come from `worldbench_storage::sweep::summary`.

use worldbench_storage::sweep::parallel::{self, value_range};
use worldbench_storage::sweep::summary::{self, Heatmap, Observation};

/// The colour scale of the charts (`worldbench_widgets::ramp_rgb`).
fn ramp(t: f64) -> egui::Color32 {
    let [r, g, b] = worldbench_widgets::ramp_rgb(t);
    egui::Color32::from_rgb(r, g, b)
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
    let (lo, hi) = value_range(h.values.iter().flatten().flatten().map(|s| s.mean));
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

/// Parallel coordinates (`storage::sweep::parallel`'s layout): an axis per varied parameter and
/// one for the metric; each observation a line, coloured by its metric.
pub fn parallel_ui(ui: &mut egui::Ui, obs: &[Observation], metric_label: &str) {
    let layout = parallel::layout(obs, metric_label);
    let width = (ui.available_width() - 20.0).clamp(300.0, 900.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 220.0), egui::Sense::hover());
    let p = ui.painter_at(rect);
    let plot = egui::Rect::from_min_max(
        rect.min + egui::vec2(60.0, 10.0),
        rect.max - egui::vec2(60.0, 30.0),
    );
    let axes = layout.axes.len();
    let x_of = |i: usize| {
        if axes == 1 {
            plot.center().x
        } else {
            plot.min.x + plot.width() * i as f32 / (axes - 1) as f32
        }
    };
    let y_of = |t: f64| plot.max.y - plot.height() * t as f32;
    let text = ui.visuals().text_color();
    let font = egui::FontId::proportional(12.0);
    for (i, axis) in layout.axes.iter().enumerate() {
        let x = x_of(i);
        p.line_segment(
            [egui::pos2(x, plot.min.y), egui::pos2(x, plot.max.y)],
            (1.0, egui::Color32::GRAY),
        );
        p.text(
            egui::pos2(x, plot.max.y + 14.0),
            egui::Align2::CENTER_CENTER,
            &axis.name,
            font.clone(),
            text,
        );
        // Parameter levels to the left of their axis; the metric's range to the right of its own.
        let (dx, align) = if i + 1 == axes {
            (4.0, egui::Align2::LEFT_CENTER)
        } else {
            (-4.0, egui::Align2::RIGHT_CENTER)
        };
        for (t, label) in &axis.ticks {
            p.text(
                egui::pos2(x + dx, y_of(*t)),
                align,
                label,
                font.clone(),
                text,
            );
        }
    }
    for line in &layout.lines {
        let pts: Vec<egui::Pos2> = line
            .positions
            .iter()
            .enumerate()
            .map(|(i, t)| egui::pos2(x_of(i), y_of(*t)))
            .collect();
        p.add(egui::Shape::line(pts, (1.5, ramp(line.metric_fraction))));
    }
}
