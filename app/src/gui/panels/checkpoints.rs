//! The Checkpoints panel: for one run, a row per checkpoint file with its planning metrics coloured
//! pass/fail, Evaluate for a checkpoint without metrics, and Resume for a stopped run.

use std::path::PathBuf;

use worldbench_storage::RunStatus;

use super::runs::{status_color, status_text};
use super::{short_name, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::criteria::{planning_cells, PLANNING_HEADERS};
use crate::gui::jobs::{pid_is_live_worldbench, JobKind, JobSpec};
use crate::gui::run_index::RunRecord;

/// The Checkpoints panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CheckpointsState {
    /// The run shown.
    pub run: Option<PathBuf>,
}

pub struct CheckpointsPanel {
    pub state: CheckpointsState,
}

/// Whether a run can be resumed: it stopped (cancelled or failed, or "running" with its process gone)
/// and has a `last` checkpoint.
pub fn can_resume(run: &RunRecord) -> bool {
    let stopped = match run.manifest.status {
        RunStatus::Cancelled | RunStatus::Failed => true,
        RunStatus::Running => !run.manifest.pid.is_some_and(pid_is_live_worldbench),
        RunStatus::Completed => false,
    };
    stopped && run.checkpoints.iter().any(|c| c.step.is_none())
}

impl CheckpointsPanel {
    pub fn new(state: CheckpointsState) -> Self {
        Self { state }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        ui.heading("Checkpoints of a run");
        if self.state.run.is_none() {
            self.state.run = cx.runs.runs().last().map(|r| r.dir.clone());
        }
        ui.horizontal(|ui| {
            let label = ui.label("Run");
            let shown = self.state.run.as_deref().map_or_else(
                || "(choose a run)".into(),
                |d| {
                    cx.runs.get(d).map_or_else(
                        || short_name(d),
                        |r| format!("{} — {}", r.title(), r.name()),
                    )
                },
            );
            let combo = egui::ComboBox::from_id_salt("checkpoints_run")
                .selected_text(shown)
                .width(420.0)
                .show_ui(ui, |ui| {
                    for r in cx.runs.runs().iter().rev() {
                        ui.selectable_value(
                            &mut self.state.run,
                            Some(r.dir.clone()),
                            format!("{} — {}", r.title(), r.name()),
                        );
                    }
                });
            combo.response.labelled_by(label.id);
            if ui
                .button("Refresh")
                .on_hover_text("Read the run folders again (F5)")
                .clicked()
            {
                commands.push(AppCommand::RefreshRuns);
            }
        });
        let Some(dir) = self.state.run.clone() else {
            ui.label("No runs yet: launch one from the Train panel (Ctrl+2).");
            return;
        };
        let Some(run) = cx.runs.get(&dir) else {
            if cx.runs.is_loading() {
                ui.spinner();
            } else {
                ui.label(format!(
                    "{}: this run folder cannot be read (see the error above), or is gone.",
                    dir.display()
                ));
            }
            return;
        };
        let active_job = cx
            .jobs
            .jobs()
            .iter()
            .rev()
            .find(|j| j.run_dir.as_deref() == Some(dir.as_path()) && j.state.is_active());

        ui.horizontal(|ui| {
            ui.label("Status:");
            ui.label(
                egui::RichText::new(status_text(run.manifest.status))
                    .color(status_color(run.manifest.status)),
            );
            ui.label(format!(
                "· {} / {} steps",
                run.steps_done(),
                run.total_steps()
            ));
            if let Some(job) = active_job {
                ui.spinner();
                ui.label(format!("{} ({:.0}%)", job.label, job.fraction() * 100.0));
            } else if can_resume(run) {
                let resp = ui
                    .button("Resume run")
                    .on_hover_text("Continue training from `last` (worldbench train --resume)");
                if resp.clicked() {
                    commands.push(AppCommand::Launch(JobSpec {
                        kind: JobKind::Resume,
                        label: format!("resume \"{}\"", run.title()),
                        args: vec![
                            "train".into(),
                            "--resume".into(),
                            run.dir.clone().into_os_string(),
                            "--progress".into(),
                            "json".into(),
                        ],
                        run_dir: Some(run.dir.clone()),
                    }));
                }
            }
        });
        if let Some(err) = &run.manifest.error {
            ui.colored_label(crate::gui::criteria::FAIL, format!("Error: {err}"));
        }
        ui.separator();
        if run.checkpoints.is_empty() {
            ui.label("No checkpoint files yet.");
            return;
        }
        egui::ScrollArea::both()
            .id_salt("checkpoints_table")
            .show(ui, |ui| {
                egui::Grid::new("checkpoints_grid")
                    .striped(true)
                    .spacing([14.0, 6.0])
                    .show(ui, |ui| {
                        ui.strong("checkpoint");
                        ui.strong("step");
                        ui.strong("size");
                        for h in PLANNING_HEADERS {
                            ui.strong(h);
                        }
                        ui.strong("");
                        ui.end_row();
                        for ck in &run.checkpoints {
                            ui.horizontal(|ui| {
                                ui.label(short_name(&ck.path))
                                    .on_hover_text(ck.path.display().to_string());
                                if ui
                                    .small_button("Open h-graph")
                                    .on_hover_text("Show this checkpoint's h-graph (H-graph panel)")
                                    .clicked()
                                {
                                    commands.push(AppCommand::OpenHGraph(ck.path.clone()));
                                }
                            });
                            ui.label(ck.step.map_or_else(|| "rolling".into(), |s| s.to_string()));
                            ui.label(format!("{:.1} KiB", ck.size_bytes as f64 / 1024.0));
                            if let Some(row) = ck.step.and_then(|s| run.planning_at(s)) {
                                planning_cells(ui, row, cx.criteria);
                                ui.label("");
                            } else {
                                {
                                    for _ in PLANNING_HEADERS {
                                        ui.weak("–");
                                    }
                                    match ck.step {
                                        Some(step) => {
                                            let text = format!("Evaluate step {step}");
                                            let resp = ui.add_enabled(
                                                active_job.is_none(),
                                                egui::Button::new(text),
                                            );
                                            let resp = resp.on_disabled_hover_text(
                                                "A job is running on this run; wait for it to end",
                                            );
                                            if resp.clicked() {
                                                commands.push(AppCommand::Launch(JobSpec {
                                                    kind: JobKind::Eval,
                                                    label: format!(
                                                        "evaluate step {step} of \"{}\"",
                                                        run.title()
                                                    ),
                                                    args: vec![
                                                        "eval".into(),
                                                        "--run".into(),
                                                        run.dir.clone().into_os_string(),
                                                        "--checkpoint".into(),
                                                        step.to_string().into(),
                                                        "--json".into(),
                                                    ],
                                                    run_dir: Some(run.dir.clone()),
                                                }));
                                            }
                                        }
                                        None => {
                                            ui.weak("copy of the newest step");
                                        }
                                    }
                                }
                            }
                            ui.end_row();
                        }
                    });
            });
    }
}
