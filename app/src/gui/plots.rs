//! Loss and metric curves (egui_plot): optional log scale (log10 of y, with 1-2-5 ticks labelled in
//! real values), exponential smoothing, hover labels that show the real value, bounds that keep a
//! constant series at its value, and a compact legend above the plot (never over the curves).

use egui_plot::{GridInput, GridMark, HoverPosition, Line, Plot, PlotPoints, Points};

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

/// Points of a curve, `[x, y]`.
type Points2 = Vec<[f64; 2]>;

/// One named curve.
pub struct Series<'a> {
    pub name: String,
    pub points: &'a [[f64; 2]],
}

/// Lines over steps, smoothed (with the raw curve faint behind) and on the chosen scale. The plot's
/// id is `egui::Id::unique(id)` (tests read its bounds from `egui_plot::PlotMemory`).
pub fn line_plot(
    ui: &mut egui::Ui,
    id: &str,
    series: &[Series<'_>],
    settings: PlotSettings,
    height: f32,
    y_name: &str,
) {
    line_plot_over(ui, id, series, settings, height, "step", y_name);
}

/// [`line_plot`] over another x (wall time, cumulative FLOPs), named `x_name`.
pub fn line_plot_over(
    ui: &mut egui::Ui,
    id: &str,
    series: &[Series<'_>],
    settings: PlotSettings,
    height: f32,
    x_name: &str,
    y_name: &str,
) {
    let log = settings.log_scale;
    let y_name = y_name.to_string();
    // (raw, smoothed) per series, on the plotted scale.
    let curves: Vec<(Points2, Points2)> = series
        .iter()
        .map(|s| {
            let raw = if settings.smoothing > 0.0 && s.points.len() > 2 {
                transform(s.points, log)
            } else {
                Vec::new()
            };
            (raw, transform(&smooth(s.points, settings.smoothing), log))
        })
        .collect();
    legend_row(ui, series, settings.smoothing > 0.0);
    let all = curves.iter().flat_map(|(r, s)| r.iter().chain(s));
    let mut plot = with_bounds(Plot::new(id).id(egui::Id::unique(id)), all)
        .height(height)
        .x_axis_label(x_name.to_string())
        .y_axis_label(if log {
            format!("{y_name} (log)")
        } else {
            y_name.clone()
        })
        .label_formatter(step_hover_label(x_name.to_string(), y_name, move |y| {
            y_label(y, log)
        }));
    plot = if log {
        plot.y_grid_spacer(log_grid_marks)
            .y_axis_formatter(|mark: GridMark, _range| log_tick_label(mark.value))
    } else {
        plot.y_axis_formatter(|mark: GridMark, _range| format_value(mark.value))
    };
    plot.show(ui, |plot_ui| {
        for (i, (s, (raw, smoothed))) in series.iter().zip(curves).enumerate() {
            let color = series_color(i);
            if !raw.is_empty() {
                plot_ui.line(
                    Line::new(s.name.clone(), PlotPoints::from(raw))
                        .id(("raw", i))
                        .color(color.gamma_multiply(0.3)),
                );
            }
            plot_ui.line(
                Line::new(s.name.clone(), PlotPoints::from(smoothed))
                    .id(("smoothed", i))
                    .color(color),
            );
        }
    });
}

/// The names of the curves in their colours, in one wrapped row above a plot.
fn legend_row(ui: &mut egui::Ui, series: &[Series<'_>], smoothed: bool) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 12.0;
        for (i, s) in series.iter().enumerate() {
            ui.label(egui::RichText::new(format!("— {}", s.name)).color(series_color(i)));
        }
        if smoothed {
            ui.weak("(faint: raw, bright: smoothed)");
        }
    });
}

/// The y (and x) range to include so that a series of one value (or one step) is drawn at its value
/// on a small range around it, not on an axis egui_plot makes up from the other axis's extent.
pub fn degenerate_padding(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let scale = lo.abs().max(hi.abs());
    if hi - lo > 1e-9 * scale.max(1e-12) {
        return None;
    }
    let pad = if scale > 0.0 { 0.1 * scale } else { 1.0 };
    Some((lo - pad, hi + pad))
}

/// A plot whose bounds include a range around any axis whose points all share one value.
fn with_bounds<'a, 'p>(
    mut plot: Plot<'p>,
    points: impl Iterator<Item = &'a [f64; 2]> + Clone,
) -> Plot<'p> {
    if let Some((lo, hi)) = degenerate_padding(points.clone().map(|p| p[1])) {
        plot = plot.include_y(lo).include_y(hi);
    }
    if let Some((lo, hi)) = degenerate_padding(points.map(|p| p[0])) {
        plot = plot.include_x(lo).include_x(hi);
    }
    plot
}

/// Grid marks of a log10 axis: decades, 2 and 5 (labelled when there is room) and the other digits
/// (lines only); over many decades, decades only. A decade's mark has the step size of the
/// coarsest stride (1, 2, 10, 20 or 100 decades) it is a multiple of, so that however
/// many decades the axis spans, every few decades keep a label.
#[allow(clippy::needless_pass_by_value)] // egui_plot's grid spacer signature
pub fn log_grid_marks(input: GridInput) -> Vec<GridMark> {
    // Nested (each divides the next), so two labelled decades are never closer than the stride.
    const STRIDES: [i32; 5] = [100, 20, 10, 2, 1];
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let first = lo.floor() as i32;
    let last = hi.ceil() as i32;
    let many = last - first > 6;
    let mut marks = Vec::new();
    for k in first..=last {
        for d in 1..=9u32 {
            let value = f64::from(k) + f64::from(d).log10();
            let step_size = match d {
                1 => f64::from(
                    STRIDES
                        .into_iter()
                        .find(|s| k.rem_euclid(*s) == 0)
                        .unwrap_or(1),
                ),
                2 | 5 => 0.3,
                _ => 0.04,
            };
            if (d != 1 && many) || value < lo || value > hi {
                continue;
            }
            marks.push(GridMark { value, step_size });
        }
    }
    marks
}

/// A log-axis tick (log10 of the value) in round words: "0.2", "1", "50", "1e-5".
pub fn log_tick_label(log_value: f64) -> String {
    let v = 10f64.powf(log_value);
    let e = v.log10().floor();
    let m = (v / 10f64.powf(e)).round();
    let v = m * 10f64.powf(e);
    if !(1e-4..1e6).contains(&v) {
        return format!("{m:.0}e{e:.0}");
    }
    let decimals = (-e).max(0.0) as usize;
    format!("{v:.decimals$}")
}

/// The hover text of a point on a plot over steps: series name, step and the y value (mapped by
/// `y_value` back to the data's scale).
fn step_hover_label(
    x_name: String,
    y_name: String,
    y_value: impl Fn(f64) -> f64,
) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\n{x_name} {}\n{y_name} {}",
            if x_name == "step" {
                format!("{:.0}", position.x)
            } else {
                format_value(position.x)
            },
            format_value(y_value(position.y))
        )),
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// Metric values at checkpoints: lines with a marker at each checkpoint, linear scale. The plot's
/// id is `egui::Id::unique(id)`.
pub fn checkpoint_plot(
    ui: &mut egui::Ui,
    id: &str,
    series: &[Series<'_>],
    height: f32,
    y_name: &str,
) {
    let y_name = y_name.to_string();
    legend_row(ui, series, false);
    let all = series.iter().flat_map(|s| s.points.iter());
    with_bounds(Plot::new(id).id(egui::Id::unique(id)), all)
        .height(height)
        .x_axis_label("step")
        .y_axis_label(y_name.clone())
        .label_formatter(step_hover_label("step".into(), y_name, |y| y))
        .show(ui, |plot_ui| {
            for (i, s) in series.iter().enumerate() {
                let color = series_color(i);
                plot_ui.line(
                    Line::new(s.name.clone(), PlotPoints::from(s.points.to_vec()))
                        .id(("line", i))
                        .color(color),
                );
                plot_ui.points(
                    Points::new(s.name.clone(), PlotPoints::from(s.points.to_vec()))
                        .id(("points", i))
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

    #[test]
    fn a_constant_series_gets_a_range_around_its_value() {
        let (lo, hi) = degenerate_padding([1.0, 1.0, 1.0].into_iter()).unwrap();
        assert!(lo < 1.0 && hi > 1.0 && hi - lo < 0.5, "{lo}..{hi}");
        let (lo, hi) = degenerate_padding([0.0, 0.0].into_iter()).unwrap();
        assert!(lo < 0.0 && hi > 0.0);
        assert_eq!(degenerate_padding([0.1, 0.3].into_iter()), None);
        assert_eq!(degenerate_padding(std::iter::empty()), None);
    }

    #[test]
    fn log_ticks_are_1_2_5_with_round_labels() {
        let input = GridInput {
            bounds: (-1.2, 0.4),
            base_step_size: 0.01,
        };
        let labelled: Vec<String> = log_grid_marks(input)
            .iter()
            .filter(|m| m.step_size >= 0.3)
            .map(|m| log_tick_label(m.value))
            .collect();
        assert_eq!(labelled, ["0.1", "0.2", "0.5", "1", "2"]);
        assert_eq!(log_tick_label(5f64.log10() - 3.0), "0.005");
        assert_eq!(log_tick_label(50f64.log10()), "50");
        // Many decades: decades only, every second one (and every tenth) with a coarser step, so
        // that labels stay when a decade is too short for one.
        let wide = log_grid_marks(GridInput {
            bounds: (-11.0, 0.1),
            base_step_size: 0.01,
        });
        assert_eq!(wide.len(), 12);
        let steps: Vec<f64> = wide.iter().map(|m| m.step_size).collect();
        assert_eq!(
            steps,
            [1.0, 10.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 100.0]
        );
    }
}
