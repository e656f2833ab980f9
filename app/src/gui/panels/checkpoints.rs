//! The Checkpoints panel: for one run, a row per checkpoint file with its planning metrics coloured
//! pass/fail, Evaluate for a checkpoint without metrics, and Resume for a stopped run.
//!
//! The rolling `last` is keyed by the step it holds (its metadata, read in the background): it shows
//! the metrics row of that step when there is one, points at the step file of the same step when
//! there is one, and otherwise offers Evaluate (`worldbench eval --checkpoint last`, which writes a
//! row for that step). Above the table, the Assessment (scorecard) and Provenance sections
//! (`scorecard.rs`).

mod last_step;
mod scorecard;

use std::path::PathBuf;

use worldbench_storage::{PlanningRow, RunStatus};

pub use last_step::{read_checkpoint_step, LastSteps, StepOrError};

use super::runs::{status_color, status_text};
use super::{short_name, Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::jobs::{pid_is_live_worldbench, JobCommand, JobSpec};
use crate::gui::planning_table::{
    metric_cells, metric_dashes, metric_headers, verdict_cell, verdict_header, Columns,
    TABLE_SPACING,
};
use crate::gui::run_index::{CheckpointFile, RunRecord};

/// The Checkpoints panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CheckpointsState {
    /// The run shown.
    pub run: Option<PathBuf>,
}

pub struct CheckpointsPanel {
    pub state: CheckpointsState,
    /// Steps held by `last` files, read off the UI thread.
    last_steps: LastSteps,
    /// The Assessment and Provenance sections.
    sections: scorecard::Sections,
}

/// Whether a run can be resumed: it stopped (cancelled, failed or interrupted, or "running" with its
/// process gone) and has a `last` checkpoint.
pub fn can_resume(run: &RunRecord) -> bool {
    let stopped = match run.manifest.status {
        RunStatus::Cancelled | RunStatus::Failed | RunStatus::Interrupted => true,
        RunStatus::Running => !run.manifest.pid.is_some_and(pid_is_live_worldbench),
        // Requeued on Slurm: the cluster restarts it from `last`.
        RunStatus::Completed | RunStatus::Preempted | RunStatus::Pending => false,
    };
    stopped && run.checkpoints.iter().any(|c| c.step.is_none())
}

impl CheckpointsPanel {
    pub fn new(state: CheckpointsState) -> Self {
        Self {
            state,
            last_steps: LastSteps::default(),
            sections: scorecard::Sections::default(),
        }
    }
}

impl Panel for CheckpointsPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
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

        let last_step = self.last_steps.of_run(run, cx.runs.generation(), ui.ctx());
        ui.horizontal(|ui| {
            ui.label("Status:");
            ui.label(
                egui::RichText::new(status_text(run.manifest.status))
                    .color(status_color(run.manifest.status)),
            );
            ui.label(format!(
                "· {} / {} steps",
                shown_steps(run, last_step.as_ref()),
                run.total_steps()
            ));
            if let Some(job) = active_job {
                // No spinner: it repaints every frame, for as long as the job runs.
                ui.label(format!("· {} ({:.0}%)", job.label, job.fraction() * 100.0));
            } else {
                resume_button(ui, run, commands);
            }
        });
        if let Some(err) = &run.manifest.error {
            ui.colored_label(crate::gui::criteria::FAIL, format!("Error: {err}"));
        }
        self.sections
            .ui(ui, run, cx.runs.generation(), cx.assessment);
        ui.separator();
        if run.checkpoints.is_empty() {
            ui.label("No checkpoint files yet.");
            return;
        }
        let last = last_view(run, last_step.as_ref());
        // Not shrunk to the table: a shrunk area's floating horizontal scroll bar lies over the bottom
        // row (`last`) and takes its clicks.
        egui::ScrollArea::both()
            .id_salt("checkpoints_table")
            .auto_shrink(false)
            .show(ui, |ui| {
                egui::Grid::new("checkpoints_grid")
                    .striped(true)
                    .spacing(TABLE_SPACING)
                    .show(ui, |ui| {
                        verdict_header(ui);
                        ui.strong("checkpoint");
                        ui.strong("");
                        ui.strong("step");
                        let columns = Columns::for_rows(&run.planning);
                        metric_headers(ui, &columns);
                        ui.end_row();
                        for ck in &run.checkpoints {
                            let table = RowContext {
                                last: &last,
                                columns: &columns,
                                busy: active_job.is_some(),
                            };
                            checkpoint_row(ui, run, ck, table, cx, commands);
                            ui.end_row();
                        }
                    });
            });
    }
}

/// The steps a run has done, as every panel shows them: the step `last` holds when that is further
/// than train.csv's last logged row (a cancelled run writes `last` between logged steps).
pub fn shown_steps(run: &RunRecord, last_step: Option<&StepOrError>) -> u64 {
    match last_step {
        Some(Ok(step)) => run.steps_done().max(*step),
        _ => run.steps_done(),
    }
}

/// The command that resumes a stopped run from its `last` (the same from every panel).
pub fn resume_command(run: &RunRecord) -> AppCommand {
    AppCommand::Launch(Box::new(JobSpec::new(
        format!("resume \"{}\"", run.title()),
        JobCommand::Resume {
            run: run.dir.clone(),
        },
    )))
}

/// "Resume run" when the run can be resumed ([`can_resume`]); pushes [`resume_command`].
pub fn resume_button(ui: &mut egui::Ui, run: &RunRecord, commands: &mut Vec<AppCommand>) {
    if !can_resume(run) {
        return;
    }
    let resp = ui
        .button("Resume run")
        .on_hover_text("Continue training from `last` (worldbench train --resume)");
    if resp.clicked() {
        commands.push(resume_command(run));
    }
}

/// What the table shows for a run's `last`, from the step it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum LastView<'a> {
    /// Its step is being read.
    Reading,
    /// Its step cannot be read: why.
    Unknown(String),
    /// The metrics row of its step; `step_file` when a step checkpoint of that step exists too.
    Evaluated {
        row: &'a PlanningRow,
        step_file: bool,
    },
    /// A step checkpoint of the same step exists, without metrics: it is evaluated there.
    SameAsStepFile(u64),
    /// No metrics for its step: Evaluate is offered.
    NotEvaluated(u64),
}

/// What to show for `last`, given the step it holds (`None` while it is being read).
pub fn last_view<'a>(run: &'a RunRecord, step: Option<&StepOrError>) -> LastView<'a> {
    let step = match step {
        None => return LastView::Reading,
        Some(Err(why)) => return LastView::Unknown(why.clone()),
        Some(Ok(step)) => *step,
    };
    let step_file = run.checkpoints.iter().any(|c| c.step == Some(step));
    match run.planning_at(step) {
        Some(row) => LastView::Evaluated { row, step_file },
        None if step_file => LastView::SameAsStepFile(step),
        None => LastView::NotEvaluated(step),
    }
}

/// The `worldbench eval` job for one checkpoint of `run` (`checkpoint`: a step number or `last`).
fn eval_job(run: &RunRecord, checkpoint: &str, what: &str) -> JobSpec {
    JobSpec::new(
        format!("evaluate {what} of \"{}\"", run.title()),
        JobCommand::Eval {
            run: run.dir.clone(),
            checkpoint: checkpoint.to_string(),
        },
    )
}

/// An Evaluate button, greyed out while a job works on the run; pushes `job` when clicked.
fn evaluate_button(
    ui: &mut egui::Ui,
    text: String,
    busy: bool,
    job: impl FnOnce() -> JobSpec,
    commands: &mut Vec<AppCommand>,
) {
    let resp = ui
        .add_enabled(!busy, egui::Button::new(text))
        .on_disabled_hover_text("A job is running on this run; wait for it to end");
    if resp.clicked() {
        commands.push(AppCommand::Launch(Box::new(job())));
    }
}

/// What every row of the table shares: `last`'s view, the metric columns, and whether a job runs.
#[derive(Clone, Copy)]
struct RowContext<'a> {
    last: &'a LastView<'a>,
    columns: &'a Columns,
    busy: bool,
}

/// One row of the table: file, Evaluate or a note (next to the name, so it is always in view),
/// step, size and metrics.
fn checkpoint_row(
    ui: &mut egui::Ui,
    run: &RunRecord,
    ck: &CheckpointFile,
    table: RowContext<'_>,
    cx: &PanelContext<'_>,
    commands: &mut Vec<AppCommand>,
) {
    let RowContext {
        last,
        columns,
        busy,
    } = table;
    let metrics = match ck.step {
        Some(step) => run.planning_at(step),
        None => match last {
            LastView::Evaluated { row, .. } => Some(*row),
            _ => None,
        },
    };
    match metrics {
        Some(row) => verdict_cell(ui, row, cx.criteria),
        None => {
            ui.weak("–");
        }
    }
    ui.horizontal(|ui| {
        // The file's stem ("step_000100"): every checkpoint is a .safetensors file, so the
        // extension only widens the table; the whole path is on hover.
        let stem = ck.path.file_stem().map_or_else(
            || short_name(&ck.path),
            |s| s.to_string_lossy().into_owned(),
        );
        ui.label(stem).on_hover_text(format!(
            "{} ({:.1} KiB)",
            ck.path.display(),
            ck.size_bytes as f64 / 1024.0
        ));
        if ui
            .small_button("Open h-graph")
            .on_hover_text("Show this checkpoint's h-graph (H-graph panel)")
            .clicked()
        {
            commands.push(AppCommand::OpenHGraph(ck.path.clone()));
        }
    });
    action_cell(ui, run, ck.step, last, metrics.is_some(), busy, commands);
    let shown_step = match (ck.step, last) {
        (Some(step), _) => step.to_string(),
        (None, LastView::Evaluated { row, .. }) => format!("{} (rolling)", row.step),
        (None, LastView::SameAsStepFile(step) | LastView::NotEvaluated(step)) => {
            format!("{step} (rolling)")
        }
        (None, LastView::Reading | LastView::Unknown(_)) => "rolling".into(),
    };
    ui.label(shown_step);
    match metrics {
        Some(row) => metric_cells(ui, columns, row, cx.criteria),
        None => metric_dashes(ui, columns),
    }
}

/// Evaluate for a checkpoint without metrics, or a note on what `last` is.
fn action_cell(
    ui: &mut egui::Ui,
    run: &RunRecord,
    step: Option<u64>,
    last: &LastView<'_>,
    has_metrics: bool,
    busy: bool,
    commands: &mut Vec<AppCommand>,
) {
    if let Some(step) = step {
        if has_metrics {
            ui.label("");
        } else {
            evaluate_button(
                ui,
                format!("Evaluate step {step}"),
                busy,
                || eval_job(run, &step.to_string(), &format!("step {step}")),
                commands,
            );
        }
        return;
    }
    match last {
        LastView::Evaluated { row, step_file } => {
            if *step_file {
                ui.weak(format!("same as step {}", row.step));
            } else {
                ui.label("");
            }
        }
        LastView::SameAsStepFile(step) => {
            ui.weak(format!("same as step {step}"));
        }
        LastView::NotEvaluated(step) => {
            evaluate_button(
                ui,
                format!("Evaluate last (step {step})"),
                busy,
                || eval_job(run, "last", &format!("last (step {step})")),
                commands,
            );
        }
        LastView::Reading => {
            ui.weak("reading its step…");
        }
        LastView::Unknown(why) => {
            ui.weak("step unknown").on_hover_text(why.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::RunManifest;

    use crate::gui::test_fixtures::planning_row as row;

    fn file(step: Option<u64>) -> CheckpointFile {
        let name = step.map_or_else(
            || "last.safetensors".to_string(),
            |s| format!("step_{s:06}.safetensors"),
        );
        CheckpointFile {
            step,
            path: PathBuf::from("/r/checkpoints").join(name),
            size_bytes: 8,
        }
    }

    /// A run with step files 5 and 10 (5 evaluated), `last`, and a metrics row at 7.
    fn run() -> RunRecord {
        RunRecord {
            dir: "/r".into(),
            manifest: RunManifest::default(),
            train: Vec::new(),
            planning: vec![row(5), row(7)],
            checkpoints: vec![file(Some(5)), file(Some(10)), file(None)],
        }
    }

    #[test]
    fn last_is_keyed_by_the_step_it_holds() {
        let run = run();
        // Equal to an evaluated step file: that row, no second evaluation.
        assert_eq!(
            last_view(&run, Some(&Ok(5))),
            LastView::Evaluated {
                row: &run.planning[0],
                step_file: true
            }
        );
        // A step with no step file, evaluated before (`eval --checkpoint last`).
        assert_eq!(
            last_view(&run, Some(&Ok(7))),
            LastView::Evaluated {
                row: &run.planning[1],
                step_file: false
            }
        );
        // Equal to a step file without metrics: Evaluate is on that file's row.
        assert_eq!(last_view(&run, Some(&Ok(10))), LastView::SameAsStepFile(10));
        // A cancelled run's `last` between scheduled checkpoints: Evaluate is offered.
        assert_eq!(last_view(&run, Some(&Ok(8))), LastView::NotEvaluated(8));
        assert_eq!(last_view(&run, None), LastView::Reading);
        assert_eq!(
            last_view(&run, Some(&Err("bad".into()))),
            LastView::Unknown("bad".into())
        );
    }

    #[test]
    fn evaluating_last_runs_eval_with_checkpoint_last() {
        let spec = eval_job(&run(), "last", "last (step 8)");
        assert_eq!(spec.kind(), crate::gui::jobs::JobKind::Eval);
        let args: Vec<String> = spec
            .argv()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            ["eval", "--run", "/r", "--checkpoint", "last", "--json"]
        );
        assert_eq!(spec.run_dir(), Some(std::path::Path::new("/r")));
    }
}
