//! The Sweeps view: one registered sweep's cells with the chosen metric's mean ± std over seeds
//! (and n), the parameter that matters most (Spearman ρ with its n), per-parameter marginal means
//! with their spread, a two-parameter heatmap and parallel coordinates. Clicking a cell selects its
//! runs for the Runs panel's comparison. The statistics are `storage::sweep::summary`'s; the runs'
//! metrics come from the run index (read off the UI thread), so nothing here touches a file.

mod charts;

use std::path::PathBuf;

use worldbench_storage::planning_metrics::{self, PlanningMetric, REACH_H_P10};
use worldbench_storage::queue::JobState;
use worldbench_storage::sweep::summary::{self, Observation};

use super::runs::compare_metrics;
use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::run_index::{RunIndex, SweepRecord};

/// The Sweeps view's persisted state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SweepsState {
    /// The sweep folder shown (the newest when none).
    pub sweep: Option<PathBuf>,
    /// The key of the metric, one of the Runs compare metrics.
    pub metric: String,
}

impl Default for SweepsState {
    fn default() -> Self {
        Self {
            sweep: None,
            metric: REACH_H_P10.key.into(),
        }
    }
}

pub struct SweepsPanel {
    pub state: SweepsState,
}

/// Each completed cell's final value of `metric` (its run's last checkpoint evaluation).
pub fn observations(
    sweep: &SweepRecord,
    runs: &RunIndex,
    metric: &PlanningMetric,
) -> Vec<Observation> {
    sweep
        .state
        .cells
        .iter()
        .filter(|c| c.status == JobState::Completed)
        .filter_map(|c| {
            let dir = c.run.as_ref()?;
            let row = runs.get(dir)?.last_planning()?;
            Some(Observation {
                params: c.params.clone(),
                seed: c.seed,
                value: metric.of(row),
                run: Some(dir.clone()),
            })
        })
        .collect()
}

fn params_text(params: &worldbench_storage::sweep::Params) -> String {
    let parts: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", summary::value_text(v)))
        .collect();
    parts.join(", ")
}

impl SweepsPanel {
    pub fn new(state: SweepsState) -> Self {
        Self { state }
    }
}

impl Panel for SweepsPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        ui.heading("Sweeps of this workspace");
        let sweeps = cx.runs.sweeps();
        if sweeps.is_empty() {
            ui.label("No sweeps yet: `worldbench sweep run <sweep.toml>` registers one.");
            return;
        }
        let shown = self
            .state
            .sweep
            .as_deref()
            .and_then(|p| cx.runs.sweep(p))
            .unwrap_or_else(|| &sweeps[sweeps.len() - 1]);
        let metric = match planning_metrics::find_in(compare_metrics(), &self.state.metric) {
            Ok(m) => m,
            Err(e) => {
                ui.colored_label(crate::gui::criteria::FAIL, e.to_string());
                &REACH_H_P10
            }
        };
        ui.horizontal(|ui| {
            let label = ui.label("Sweep");
            egui::ComboBox::from_id_salt("sweeps_pick")
                .selected_text(&shown.state.title)
                .show_ui(ui, |ui| {
                    for s in sweeps {
                        if ui
                            .selectable_label(
                                s.root == shown.root,
                                format!("{} ({})", s.state.title, s.name()),
                            )
                            .clicked()
                        {
                            self.state.sweep = Some(s.root.clone());
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Metric");
            egui::ComboBox::from_id_salt("sweeps_metric")
                .selected_text(metric.label)
                .show_ui(ui, |ui| {
                    for m in compare_metrics() {
                        if ui.selectable_label(m == metric, m.label).clicked() {
                            self.state.metric = m.key.into();
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.label(shown.counts_text());
        });
        if let Some(gate) = &shown.state.gate {
            ui.weak(format!("Gate: {gate}"));
        }
        ui.separator();
        let obs = observations(shown, cx.runs, metric);
        if obs.is_empty() {
            ui.label("No cell has finished with planning metrics yet.");
            return;
        }
        egui::ScrollArea::vertical()
            .id_salt("sweeps_scroll")
            .show(ui, |ui| {
                stats_ui(ui, &obs, metric, commands);
            });
    }
}

fn stats_ui(
    ui: &mut egui::Ui,
    obs: &[Observation],
    metric: &PlanningMetric,
    commands: &mut Vec<AppCommand>,
) {
    let cells = summary::by_cell(obs);
    let best = summary::best_cells(&cells, metric.higher_is_better);
    let best_mark = if best.len() > 1 {
        "(tied best)"
    } else {
        "(best)"
    };
    let direction = if metric.higher_is_better {
        "higher"
    } else {
        "lower"
    };
    ui.strong(format!(
        "Cells: {} over seeds ({direction} is better); click a cell to compare its runs",
        metric.label
    ));
    egui::Grid::new("sweep_cells")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for h in ["Cell", "Seeds", "n", "Mean ± std"] {
                ui.strong(h);
            }
            ui.end_row();
            for c in &cells {
                let text = params_text(&c.params);
                let is_best = best.iter().any(|b| b.params == c.params);
                let shown = if is_best {
                    format!("{text} {best_mark}")
                } else {
                    text
                };
                if ui
                    .button(shown)
                    .on_hover_text("Select its runs in the Runs panel")
                    .clicked()
                {
                    commands.push(AppCommand::SelectRuns(c.runs.clone()));
                }
                let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
                ui.label(seeds.join(", "));
                ui.label(c.stats.n.to_string());
                ui.label(format!("{:.3} ± {:.3}", c.stats.mean, c.stats.std));
                ui.end_row();
            }
        });
    match best.as_slice() {
        [] => {}
        [b] => {
            ui.label(format!(
                "Best cell: {} — {}",
                params_text(&b.params),
                b.stats.text()
            ));
        }
        tied => {
            let names: Vec<String> = tied.iter().map(|b| params_text(&b.params)).collect();
            ui.label(format!(
                "Best cells, tied: {} — {}",
                names.join("; "),
                tied[0].stats.text()
            ));
        }
    }
    ui.separator();
    let importance = summary::importance(obs);
    ui.strong("Which parameter matters most (Spearman rank correlation with the metric)");
    egui::Grid::new("sweep_importance")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for h in ["Parameter", "ρ", "n"] {
                ui.strong(h);
            }
            ui.end_row();
            for i in &importance {
                ui.label(&i.key);
                ui.label(i.rho.map_or_else(|| "–".into(), |r| format!("{r:+.3}")));
                ui.label(i.n.to_string());
                ui.end_row();
            }
        });
    if let Some(top) = importance.first().filter(|i| i.rho.is_some()) {
        ui.label(format!(
            "Matters most: {} (ρ = {:+.3}, n = {})",
            top.key,
            top.rho.unwrap_or_default(),
            top.n
        ));
    }
    ui.separator();
    ui.strong("Marginal means (over the other parameters and seeds)");
    egui::Grid::new("sweep_marginals")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for m in summary::marginals(obs) {
                ui.label(&m.key);
                for (v, s) in &m.levels {
                    ui.label(format!("{}: {}", summary::value_text(v), s.text()));
                }
                ui.end_row();
            }
        });
    let keys = summary::varied_keys(obs);
    if keys.len() >= 2 {
        ui.separator();
        ui.strong(format!(
            "Heatmap of {}: {} × {}",
            metric.label, keys[0], keys[1]
        ));
        charts::heatmap_ui(ui, &summary::heatmap(obs, &keys[0], &keys[1]));
    }
    ui.separator();
    ui.strong(format!(
        "Parallel coordinates: parameters to {}",
        metric.label
    ));
    charts::parallel_ui(ui, obs, metric.label);
}
