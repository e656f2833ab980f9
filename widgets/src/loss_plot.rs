//! Curves of named series (loss terms, metrics over steps) with log scale, smoothing and hover values.

use egui::{Color32, Ui};
use egui_plot::{HoverPosition, Legend, Line, Plot};

use crate::ema::ema_smooth;

/// Colours of the series, in order (repeats after the last).
const PALETTE: [Color32; 8] = [
    Color32::from_rgb(90, 160, 255),
    Color32::from_rgb(255, 140, 60),
    Color32::from_rgb(80, 200, 120),
    Color32::from_rgb(230, 80, 90),
    Color32::from_rgb(180, 120, 230),
    Color32::from_rgb(200, 180, 60),
    Color32::from_rgb(70, 200, 200),
    Color32::from_rgb(230, 120, 190),
];

/// Settings of a loss plot; keep one per plot (the owner may persist the fields).
#[derive(Debug, Clone, PartialEq)]
pub struct LossPlot {
    /// Draw y on a log10 scale (points with y ≤ 0 are left out).
    pub log_y: bool,
    /// EMA weight of the past in `[0, 0.99]`; `0` = raw curves.
    pub smoothing: f64,
    /// Height of the plot area, in points.
    pub height: f32,
}

impl Default for LossPlot {
    fn default() -> Self {
        Self {
            log_y: true,
            smoothing: 0.6,
            height: 220.0,
        }
    }
}

/// The points with y > 0 (and finite), with y replaced by log10(y).
pub(crate) fn to_log10(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    points
        .iter()
        .filter(|p| p[1] > 0.0 && p[1].is_finite())
        .map(|&[x, y]| [x, y.log10()])
        .collect()
}

impl LossPlot {
    /// Draws the controls (log scale, smoothing) and the plot of `series` (name, `[x, y]` points).
    /// `id_salt` keeps several plots apart. Smoothed curves are drawn over faint raw ones.
    pub fn ui(&mut self, ui: &mut Ui, id_salt: &str, series: &[(String, Vec<[f64; 2]>)]) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.log_y, "Log scale");
            ui.add(egui::Slider::new(&mut self.smoothing, 0.0..=0.99).text("Smoothing"));
        });
        let log_y = self.log_y;
        let transform = |pts: &[[f64; 2]]| if log_y { to_log10(pts) } else { pts.to_vec() };
        let mut plot = Plot::new(id_salt)
            .height(self.height)
            .legend(Legend::default())
            .label_formatter(move |pos| {
                let value = |y: f64| if log_y { 10f64.powf(y) } else { y };
                match pos {
                    HoverPosition::NearDataPoint {
                        plot_name,
                        position,
                        ..
                    } => Some(format!(
                        "{plot_name}\nx {:.0}\ny {:.5}",
                        position.x,
                        value(position.y)
                    )),
                    HoverPosition::Elsewhere { position } => {
                        Some(format!("x {:.0}\ny {:.5}", position.x, value(position.y)))
                    }
                }
            });
        if log_y {
            plot = plot.y_axis_formatter(|mark, _| format!("{:.3e}", 10f64.powf(mark.value)));
        }
        let smoothing = self.smoothing;
        plot.show(ui, |plot_ui| {
            for (i, (name, points)) in series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                if smoothing > 0.0 {
                    let raw = transform(points);
                    plot_ui.line(
                        Line::new(format!("{name} (raw)"), raw)
                            .color(color.gamma_multiply(0.3))
                            .allow_hover(false),
                    );
                    plot_ui.line(
                        Line::new(name.clone(), transform(&ema_smooth(points, smoothing)))
                            .color(color),
                    );
                } else {
                    plot_ui.line(Line::new(name.clone(), transform(points)).color(color));
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_degenerate_series_in_both_scales() {
        let ctx = egui::Context::default();
        let series = vec![
            (
                "loss".to_string(),
                vec![[0.0, 1.0], [1.0, 0.0], [2.0, -3.0], [3.0, f64::NAN]],
            ),
            ("empty".to_string(), Vec::new()),
        ];
        for log_y in [true, false] {
            let mut plot = LossPlot {
                log_y,
                ..LossPlot::default()
            };
            let mut out = ctx.run_ui(egui::RawInput::default(), |ui| plot.ui(ui, "p", &series));
            out.textures_delta.clear();
            assert_eq!(plot.log_y, log_y);
        }
    }

    #[test]
    fn log_drops_non_positive() {
        let out = to_log10(&[
            [0.0, 100.0],
            [1.0, 0.0],
            [2.0, -1.0],
            [3.0, 0.01],
            [4.0, f64::INFINITY],
        ]);
        assert_eq!(out, vec![[0.0, 2.0], [3.0, -2.0]]);
    }
}
