//! Frames per action as a bar chart.

use egui::{Color32, Ui};
use egui_plot::{Bar, BarChart, Plot};

/// Draws `counts` (action name, frames) as bars, `highlight` (an index into `counts`) in orange.
/// `id_salt` keeps several histograms apart.
pub fn action_histogram(
    ui: &mut Ui,
    id_salt: &str,
    counts: &[(String, usize)],
    highlight: Option<usize>,
    height: f32,
) {
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let bar = Bar::new(i as f64, *n as f64).name(name).width(0.7);
            if Some(i) == highlight {
                bar.fill(Color32::from_rgb(255, 150, 40))
            } else {
                bar.fill(Color32::from_rgb(90, 140, 220))
            }
        })
        .collect();
    let names: Vec<String> = counts.iter().map(|(n, _)| n.clone()).collect();
    Plot::new(id_salt)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(false)
        .include_y(0.0)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("frames per action", bars));
        });
}
