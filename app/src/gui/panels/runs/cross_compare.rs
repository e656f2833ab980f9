//! Compare in the All runs view: the world loss of the selected runs of both sources overlaid,
//! against step, wall time or cumulative FLOPs (ours: step × the model's FLOPs per step), and
//! their configs' differences per key.

use std::collections::BTreeMap;

use worldbench_storage::their_runs::columns::flatten;
use worldbench_storage::their_runs::{curve, world_loss_column, RunDetail, XAxis};

use crate::gui::plots::{line_plot_over, PlotSettings, Series};

pub fn ui(ui: &mut egui::Ui, runs: &[RunDetail], x_axis: &mut XAxis) {
    if runs.len() < 2 {
        return;
    }
    ui.strong(format!("Comparing {} runs", runs.len()));
    ui.horizontal(|ui| {
        ui.label("x-axis");
        for a in XAxis::ALL {
            ui.selectable_value(x_axis, a, a.label());
        }
    });
    let curves: Vec<(String, Vec<[f64; 2]>)> = runs
        .iter()
        .map(|d| {
            let y = world_loss_column(&d.loss).unwrap_or("loss");
            (
                format!("{} ({})", d.listing.title, d.listing.source.as_str()),
                curve(&d.loss, y, *x_axis, d.flops_per_step),
            )
        })
        .collect();
    for (name, c) in &curves {
        if c.is_empty() {
            ui.weak(format!("{name}: no points against {}", x_axis.label()));
        }
    }
    let series: Vec<Series<'_>> = curves
        .iter()
        .map(|(name, points)| Series {
            name: name.clone(),
            points,
        })
        .collect();
    line_plot_over(
        ui,
        "cross_compare_loss",
        &series,
        PlotSettings::default(),
        220.0,
        x_axis.label(),
        "world loss",
    );
    ui.strong("Config differences");
    let diff = differing_keys(runs);
    if diff.is_empty() {
        ui.weak("The configs are the same.");
        return;
    }
    egui::Grid::new("cross_compare_config")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("key");
            for d in runs {
                ui.strong(&d.listing.title);
            }
            ui.end_row();
            for (k, values) in &diff {
                ui.label(k);
                for v in values {
                    ui.label(v.as_deref().unwrap_or("–"));
                }
                ui.end_row();
            }
        });
}

/// Dotted config keys whose values differ between the runs: key → one value per run.
pub fn differing_keys(runs: &[RunDetail]) -> Vec<(String, Vec<Option<String>>)> {
    let flat: Vec<BTreeMap<String, String>> = runs.iter().map(|d| flatten(&d.config)).collect();
    let keys: std::collections::BTreeSet<&String> = flat.iter().flat_map(BTreeMap::keys).collect();
    keys.into_iter()
        .filter_map(|k| {
            let values: Vec<Option<String>> = flat.iter().map(|m| m.get(k).cloned()).collect();
            values
                .iter()
                .any(|v| v != &values[0])
                .then(|| (k.clone(), values))
        })
        .collect()
}
