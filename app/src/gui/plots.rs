//! Loss and metric curves (egui_plot): optional log scale (log10 of y, axis labelled in real values),
//! exponential smoothing, and hover labels that show the real value.

use egui_plot::{GridMark, HoverPosition, Legend, Line, Plot, PlotPoints, Points};

/// How curves are drawn; persisted with the app's state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PlotSettings {
    /// Plot log10(y) (losses span decades).
    pub log_scale: bool,
    /// Exponential moving average weight of the past, 0 (raw) ..< 1.
    pub smoothing: f64,
}

impl Default for PlotSettings {
    fn default() -> Self {
        Self {
            log_scale: true,
            smoothing: 0.6,
        }
    }
}

impl PlotSettings {
    /// The log-scale checkbox and the smoothing slider, each with its accessible label.
    pub fn controls(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.log_scale, "Log scale");
            let label = ui.label("Smoothing");
            ui.add(egui::Slider::new(&mut self.smoothing, 0.0..=0.99).fixed_decimals(2))
                .labelled_by(label.id);
        });
    }
}

/// Exponential moving average: `s_i = w·s_{i-1} + (1−w)·y_i`, started at the first value.
pub fn smooth(values: &[[f64; 2]], weight: f64) -> Vec<[f64; 2]> {
    let w = weight.clamp(0.0, 0.999);
    let mut out = Vec::with_capacity(values.len());
    let mut state: Option<f64> = None;
    for &[x, y] in values {
        let s = state.map_or(y, |s| w * s + (1.0 - w) * y);
        state = Some(s);
        out.push([x, s]);
    }
    out
}

/// The y value as plotted: log10 (of positive values; others are dropped) or as is.
fn transform(points: &[[f64; 2]], log_scale: bool) -> Vec<[f64; 2]> {
    if log_scale {
        points
            .iter()
            .filter(|p| p[1] > 0.0 && p[1].is_finite())
            .map(|p| [p[0], p[1].log10()])
            .collect()
    } else {
        points
            .iter()
            .filter(|p| p[1].is_finite())
            .copied()
            .collect()
    }
}

fn y_label(y: f64, log_scale: bool) -> f64 {
    if log_scale {
        10f64.powf(y)
    } else {
        y
    }
}

/// Distinct colours for curves, by index.
pub fn series_color(i: usize) -> egui::Color32 {
    const PALETTE: [egui::Color32; 6] = [
        egui::Color32::from_rgb(90, 160, 255),
        egui::Color32::from_rgb(240, 120, 90),
        egui::Color32::from_rgb(110, 200, 120),
        egui::Color32::from_rgb(220, 180, 70),
        egui::Color32::from_rgb(190, 120, 230),
        egui::Color32::from_rgb(90, 210, 210),
    ];
    PALETTE[i % PALETTE.len()]
}

/// One named curve.
pub struct Series<'a> {
    pub name: String,
    pub points: &'a [[f64; 2]],
}

/// Lines over steps, smoothed (with the raw curve faint behind) and on the chosen scale.
pub fn line_plot(
    ui: &mut egui::Ui,
    id: &str,
    series: &[Series<'_>],
    settings: PlotSettings,
    height: f32,
    y_name: &str,
) {
    let log = settings.log_scale;
    let y_name = y_name.to_string();
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("step")
        .y_axis_label(if log {
            format!("{y_name} (log)")
        } else {
            y_name.clone()
        })
        .y_axis_formatter(move |mark: GridMark, _range| format_value(y_label(mark.value, log)))
        .label_formatter(step_hover_label(y_name, move |y| y_label(y, log)))
        .show(ui, |plot_ui| {
            for (i, s) in series.iter().enumerate() {
                let color = series_color(i);
                if settings.smoothing > 0.0 && s.points.len() > 2 {
                    let raw = transform(s.points, log);
                    plot_ui.line(
                        Line::new(format!("{} (raw)", s.name), PlotPoints::from(raw))
                            .color(color.gamma_multiply(0.3)),
                    );
                }
                let smoothed = transform(&smooth(s.points, settings.smoothing), log);
                plot_ui.line(Line::new(s.name.clone(), PlotPoints::from(smoothed)).color(color));
            }
        });
}

/// The hover text of a point on a plot over steps: series name, step and the y value (mapped by
/// `y_value` back to the data's scale).
fn step_hover_label(
    y_name: String,
    y_value: impl Fn(f64) -> f64,
) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\nstep {:.0}\n{y_name} {}",
            position.x,
            format_value(y_value(position.y))
        )),
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// Metric values at checkpoints: lines with a marker at each checkpoint, linear scale.
pub fn checkpoint_plot(
    ui: &mut egui::Ui,
    id: &str,
    series: &[Series<'_>],
    height: f32,
    y_name: &str,
) {
    let y_name = y_name.to_string();
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("step")
        .y_axis_label(y_name.clone())
        .label_formatter(step_hover_label(y_name, |y| y))
        .show(ui, |plot_ui| {
            for (i, s) in series.iter().enumerate() {
                let color = series_color(i);
                plot_ui.line(
                    Line::new(s.name.clone(), PlotPoints::from(s.points.to_vec())).color(color),
                );
                plot_ui.points(
                    Points::new(s.name.clone(), PlotPoints::from(s.points.to_vec()))
                        .radius(3.0)
                        .color(color),
                );
            }
        });
}

/// A number with about 4 significant digits, without exponent for everyday magnitudes.
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_an_ema_started_at_the_first_value() {
        let s = smooth(&[[0.0, 1.0], [1.0, 3.0], [2.0, 3.0]], 0.5);
        assert_eq!(s, vec![[0.0, 1.0], [1.0, 2.0], [2.0, 2.5]]);
        assert_eq!(
            smooth(&[[0.0, 1.0], [1.0, 3.0]], 0.0),
            vec![[0.0, 1.0], [1.0, 3.0]]
        );
    }

    #[test]
    fn log_transform_drops_non_positive_values() {
        assert_eq!(
            transform(&[[1.0, 100.0], [2.0, 0.0], [3.0, 0.1]], true),
            vec![[1.0, 2.0], [3.0, -1.0]]
        );
        assert_eq!(format_value(0.012_34), "0.0123");
        assert_eq!(format_value(2.5e-5), "2.500e-5");
    }
}
