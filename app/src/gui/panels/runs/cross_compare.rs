//! Compare in the All runs view: one loss column of the selected runs of both sources overlaid
//! (chosen from the columns every selected run has, shared names aligned, the world loss first),
//! against step, wall time or cumulative FLOPs (ours: step × the model's FLOPs per step), and
//! their configs' differences per key (their keys aligned to ours by `storage::config_aliases`).

use worldbench_storage::their_runs::columns::{common_loss_labels, loss_column_of};
use worldbench_storage::their_runs::config_align::differing_keys;
use worldbench_storage::their_runs::{curve, RunDetail, XAxis};

use crate::gui::plots::{line_plot_over, PlotSettings, Series};

/// What Compare shows: the x-axis, the chosen loss label, and the series last plotted.
#[derive(Default)]
pub struct CrossCompare {
    pub x_axis: XAxis,
    /// The chosen loss label (`None`: the world loss).
    pub column: Option<String>,
    plotted: Vec<(String, Vec<[f64; 2]>)>,
}

impl CrossCompare {
    /// The series drawn on the last frame: name and points.
    pub fn plotted(&self) -> &[(String, Vec<[f64; 2]>)] {
        &self.plotted
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, runs: &[RunDetail]) {
        if runs.len() < 2 {
            self.plotted.clear();
            return;
        }
        ui.strong(format!("Comparing {} runs", runs.len()));
        let tables: Vec<_> = runs.iter().map(|d| &d.loss).collect();
        let labels = common_loss_labels(&tables);
        let chosen = self
            .column
            .clone()
            .filter(|c| labels.contains(c))
            .or_else(|| labels.first().cloned());
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Compare column")
                .selected_text(chosen.as_deref().unwrap_or("–"))
                .show_ui(ui, |ui| {
                    for l in &labels {
                        if ui
                            .selectable_label(chosen.as_ref() == Some(l), l.as_str())
                            .clicked()
                        {
                            self.column = Some(l.clone());
                        }
                    }
                });
            ui.label("x-axis");
            for a in XAxis::ALL {
                ui.selectable_value(&mut self.x_axis, a, a.label());
            }
        });
        let Some(chosen) = chosen else {
            ui.weak("The selected runs have no loss column in common.");
            self.plotted.clear();
            return;
        };
        self.plotted = runs
            .iter()
            .map(|d| {
                let y = loss_column_of(&d.loss, &chosen).unwrap_or(&chosen);
                (
                    format!("{} ({}) · {y}", d.listing.title, d.listing.source.as_str()),
                    curve(&d.loss, y, self.x_axis, d.flops_per_step),
                )
            })
            .collect();
        for (name, c) in &self.plotted {
            if c.is_empty() {
                ui.weak(format!("{name}: no points against {}", self.x_axis.label()));
            }
        }
        let series: Vec<Series<'_>> = self
            .plotted
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
            self.x_axis.label(),
            &chosen,
        );
        config_ui(ui, runs);
    }
}

fn config_ui(ui: &mut egui::Ui, runs: &[RunDetail]) {
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
            for row in &diff {
                match &row.their_key {
                    Some(t) => ui.label(format!("{} (nes-ai {t})", row.key)),
                    None => ui.label(&row.key),
                };
                for v in &row.values {
                    ui.label(v.as_deref().unwrap_or("–"));
                }
                ui.end_row();
            }
        });
}
