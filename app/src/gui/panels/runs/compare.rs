//! The Runs panel's compare view: loss curves of the selected runs, a key planning metric over
//! their checkpoints, and the config keys that differ.

use std::collections::BTreeMap;

use worldbench_storage::planning_metrics::{self, PlanningMetric};
use worldbench_storage::worklog::run_data::flatten_json;

use super::{compare_metrics, RunsPanel};
use crate::gui::criteria::FAIL;
use crate::gui::panels::PanelContext;
use crate::gui::plots::{checkpoint_plot, line_plot, Series};
use crate::gui::run_index::RunRecord;

/// The config keys (plus dataset and device) whose values differ between runs: key → one value per run
/// (`None` where a run lacks the key).
pub fn differing_config(runs: &[&RunRecord]) -> Vec<(String, Vec<Option<String>>)> {
    let flat: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|r| {
            let mut m: BTreeMap<String, String> = flatten_json(&r.manifest.config.to_json())
                .into_iter()
                .collect();
            m.insert("dataset".into(), r.manifest.dataset_path.clone());
            m.insert("device".into(), r.manifest.device.clone());
            m
        })
        .collect();
    let keys: std::collections::BTreeSet<&String> = flat.iter().flat_map(BTreeMap::keys).collect();
    keys.into_iter()
        .filter_map(|k| {
            let values: Vec<Option<String>> = flat.iter().map(|m| m.get(k).cloned()).collect();
            let first = &values[0];
            values
                .iter()
                .any(|v| v != first)
                .then(|| (k.clone(), values))
        })
        .collect()
}

impl RunsPanel {
    pub(super) fn compare_ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>) {
        let runs: Vec<&RunRecord> = self
            .state
            .selected
            .iter()
            .filter_map(|d| cx.runs.get(d))
            .collect();
        ui.strong(format!("Comparing {} runs", runs.len()));
        if runs.len() < 2 {
            ui.weak("Some selected runs are gone from the workspace.");
            return;
        }
        self.state.plot.controls(ui);
        let losses: Vec<Vec<[f64; 2]>> = runs
            .iter()
            .map(|r| r.train.iter().map(|t| [t.step as f64, t.loss]).collect())
            .collect();
        let series: Vec<Series<'_>> = runs
            .iter()
            .zip(&losses)
            .map(|(r, pts)| Series {
                name: r.title(),
                points: pts,
            })
            .collect();
        line_plot(ui, "compare_loss", &series, self.state.plot, 200.0, "loss");

        ui.horizontal(|ui| {
            let label = ui.label("Metric");
            let combo = egui::ComboBox::from_id_salt("compare_metric")
                .selected_text(self.state.compare_metric.clone())
                .show_ui(ui, |ui| {
                    for m in compare_metrics() {
                        ui.selectable_value(&mut self.state.compare_metric, m.key.into(), m.key);
                    }
                });
            combo.response.labelled_by(label.id);
        });
        match planning_metrics::find_in(compare_metrics(), &self.state.compare_metric) {
            Ok(metric) => metric_plot(ui, &runs, metric),
            Err(e) => {
                ui.colored_label(FAIL, format!("Cannot plot: {e}"));
            }
        }
        config_diff_ui(ui, &runs);
    }
}

/// One curve per run: `metric` over the checkpoints.
fn metric_plot(ui: &mut egui::Ui, runs: &[&RunRecord], metric: &PlanningMetric) {
    let points: Vec<Vec<[f64; 2]>> = runs
        .iter()
        .map(|r| {
            r.planning
                .iter()
                .map(|p| [p.step as f64, metric.of(p)])
                .collect()
        })
        .collect();
    let series: Vec<Series<'_>> = runs
        .iter()
        .zip(&points)
        .map(|(r, pts)| Series {
            name: r.title(),
            points: pts,
        })
        .collect();
    checkpoint_plot(ui, "compare_metric_plot", &series, 180.0, metric.key);
}

/// The config keys that differ between the compared runs, one column per run.
fn config_diff_ui(ui: &mut egui::Ui, runs: &[&RunRecord]) {
    ui.strong("Config keys that differ");
    let diff = differing_config(runs);
    if diff.is_empty() {
        ui.weak("The selected runs have the same configuration.");
        return;
    }
    egui::Grid::new("compare_config")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("key");
            for r in runs {
                ui.strong(r.title());
            }
            ui.end_row();
            for (key, values) in &diff {
                ui.label(key);
                for v in values {
                    ui.label(v.as_deref().unwrap_or("(absent)"));
                }
                ui.end_row();
            }
        });
}
