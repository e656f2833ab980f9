//! Compare in the All runs view: one loss column of the selected runs of both sources overlaid
//! (chosen from the columns every selected run has, shared names aligned, the world loss first),
//! against step, wall time or cumulative FLOPs (ours: step × the model's FLOPs per step), and
//! their configs' differences per key (their keys aligned to ours by `storage::config_aliases`).

use worldbench_storage::their_runs::columns::{common_loss_labels, loss_column_of};
use worldbench_storage::their_runs::config_align::{differing_keys, ConfigRow};
use worldbench_storage::their_runs::{curve, RunDetail, XAxis};

use crate::gui::plots::{line_plot_over, PlotSettings, Series};

/// What Compare shows: the x-axis, the chosen loss label, and the series last plotted.
#[derive(Default)]
pub struct CrossCompare {
    pub x_axis: XAxis,
    /// The chosen loss label (`None`: the world loss).
    pub column: Option<String>,
    plotted: Vec<(String, Vec<[f64; 2]>)>,
    /// The columns every compared run has and their configs' differences, worked out once per
    /// set of compared runs (`None`: not yet for these runs).
    shared: Option<(Vec<String>, Vec<ConfigRow>)>,
    /// The (column, x-axis) `plotted` was made for; the plot is made again only when they change.
    plotted_for: Option<(String, XAxis)>,
}

impl CrossCompare {
    /// The series drawn on the last frame: name and points.
    pub fn plotted(&self) -> &[(String, Vec<[f64; 2]>)] {
        &self.plotted
    }

    /// The compared runs were read again: what was worked out from them is out of date.
    pub fn runs_changed(&mut self) {
        self.shared = None;
        self.plotted_for = None;
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, runs: &[RunDetail]) {
        if runs.len() < 2 {
            self.plotted.clear();
            self.plotted_for = None;
            return;
        }
        ui.strong(format!("Comparing {} runs", runs.len()));
        let (labels, diff) = self.shared.get_or_insert_with(|| {
            let tables: Vec<_> = runs.iter().map(|d| &d.loss).collect();
            (common_loss_labels(&tables), differing_keys(runs))
        });
        let (labels, diff) = (labels.clone(), std::mem::take(diff));
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
            self.plotted_for = None;
            config_ui(ui, runs, &diff);
            self.put_back(diff);
            return;
        };
        let wanted = (chosen.clone(), self.x_axis);
        if self.plotted_for.as_ref() != Some(&wanted) {
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
            self.plotted_for = Some(wanted);
        }
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
        config_ui(ui, runs, &diff);
        self.put_back(diff);
    }

    /// Returns the config differences taken for this frame's drawing to the cache.
    fn put_back(&mut self, diff: Vec<ConfigRow>) {
        if let Some(shared) = self.shared.as_mut() {
            shared.1 = diff;
        }
    }
}

fn config_ui(ui: &mut egui::Ui, runs: &[RunDetail], diff: &[ConfigRow]) {
    ui.strong("Config differences");
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
            for row in diff {
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
