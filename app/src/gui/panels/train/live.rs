//! The Train panel's live view: the newest training job (status in words, progress with ETA,
//! Cancel, Resume once stopped, loss curves, the planning metrics of each checkpoint as it lands), or
//! after a restart the last run shown, read from disk.

use worldbench_storage::{PlanningRow, RunStatus};

use crate::gui::command::AppCommand;
use crate::gui::jobs::{Job, JobKind, JobState, LossPoint};
use crate::gui::panels::checkpoints::resume_button;
use crate::gui::panels::runs::{status_color, status_text};
use crate::gui::panels::{format_duration, short_name, PanelContext};
use crate::gui::planning_table::{
    metric_cells, metric_headers, verdict_cell, verdict_header, Columns, TABLE_SPACING,
};
use crate::gui::plots::{line_plot, PlotSettings, Series};
use crate::gui::run_index::RunRecord;

/// The status line of a job, in words.
pub fn status_words(job: &Job) -> String {
    match &job.state {
        JobState::Running if job.kind == JobKind::Follow && job.slurm => {
            "on Slurm (submitted before this window; followed)".to_string()
        }
        JobState::Running if job.kind == JobKind::Follow => {
            "running (started before this window; followed)".to_string()
        }
        JobState::Running => "running".to_string(),
        JobState::Cancelling => "cancelling: writing the \"last\" checkpoint…".to_string(),
        JobState::Completed => "finished".to_string(),
        JobState::Cancelled => {
            "cancelled. The \"last\" checkpoint was written: press Resume run to continue."
                .to_string()
        }
        JobState::Failed(msg) => format!("failed: {msg}"),
    }
}

pub(super) fn job_ui(
    ui: &mut egui::Ui,
    job: &Job,
    plot: &mut PlotSettings,
    cx: &PanelContext<'_>,
    commands: &mut Vec<AppCommand>,
) {
    ui.strong(&job.label);
    if let Some(dir) = &job.run_dir {
        ui.weak(short_name(dir))
            .on_hover_text(dir.display().to_string());
    }
    ui.add(egui::Label::new(format!("Status: {}", status_words(job))).wrap());
    if let Some(id) = job.slurm_job_id() {
        ui.label(format!("Slurm job {id}"))
            .on_hover_text("Cancel runs `scancel`; the trainer writes `last` first");
    } else if job.slurm && job.state.is_active() {
        ui.label("Submitting to Slurm…");
    }
    let eta = if job.state.is_active() && job.eta_secs > 0.0 {
        format!(" · ETA {}", format_duration(job.eta_secs))
    } else {
        String::new()
    };
    let text = format!(
        "step {} / {} · {:.1} steps/s{eta}",
        job.step, job.total_steps, job.steps_per_s
    );
    // Not animated: an animated bar repaints every frame, and the software renderer then takes
    // half a core from the trainer; the bar moves when a progress event arrives.
    ui.add(egui::ProgressBar::new(job.fraction()).text(text));
    ui.horizontal(|ui| {
        if job.state == JobState::Running
            && ui
                .button("Cancel")
                .on_hover_text("Stop the run; it writes the \"last\" checkpoint first")
                .clicked()
        {
            commands.push(AppCommand::Cancel(job.id));
        }
        if let Some(dir) = &job.run_dir {
            if !job.state.is_active() {
                if let Some(run) = cx.runs.get(dir) {
                    resume_button(ui, run, commands);
                }
            }
            if ui.button("Open checkpoints").clicked() {
                commands.push(AppCommand::ShowCheckpoints(dir.clone()));
            }
        }
    });
    ui.separator();
    loss_plot(ui, &job.losses, plot);
    ui.weak(curve_summary(job))
        .on_hover_text("The run's logged steps; a resumed run's include those before the resume");
    ui.separator();
    if job.evals.is_empty() {
        ui.strong("Planning metrics at checkpoints");
        ui.weak(if job.checkpoints.is_empty() {
            "No checkpoint yet."
        } else {
            "No planning metrics (evaluation is off, or running)."
        });
    } else {
        evals_table(ui, &job.evals, cx);
    }
}

/// The last run shown, from disk (after a restart): status, steps (`steps_done`, as the
/// Checkpoints header counts them), Resume, curves and metrics.
pub(super) fn record_ui(
    ui: &mut egui::Ui,
    run: &RunRecord,
    steps_done: u64,
    plot: &mut PlotSettings,
    cx: &PanelContext<'_>,
    commands: &mut Vec<AppCommand>,
) {
    ui.strong(run.title());
    ui.weak(run.name())
        .on_hover_text(run.dir.display().to_string());
    ui.horizontal(|ui| {
        ui.label("Status:");
        let status = run.manifest.status;
        ui.label(egui::RichText::new(status_text(status)).color(status_color(status)));
        ui.label(format!("· {steps_done} / {} steps", run.total_steps()));
    });
    ui.horizontal(|ui| {
        if run.manifest.status != RunStatus::Running {
            resume_button(ui, run, commands);
        }
        if ui.button("Open checkpoints").clicked() {
            commands.push(AppCommand::ShowCheckpoints(run.dir.clone()));
        }
    });
    ui.separator();
    let losses: Vec<LossPoint> = run.train.iter().map(LossPoint::from).collect();
    loss_plot(ui, &losses, plot);
    ui.separator();
    if run.planning.is_empty() {
        ui.strong("Planning metrics at checkpoints");
        ui.weak("No planning metrics.");
    } else {
        evals_table(ui, &run.planning, cx);
    }
}

/// The four loss terms over steps, with the plot controls.
fn loss_plot(ui: &mut egui::Ui, losses: &[LossPoint], plot: &mut PlotSettings) {
    plot.controls(ui);
    let term = |f: fn(&LossPoint) -> f64| -> Vec<[f64; 2]> {
        losses.iter().map(|p| [p.step as f64, f(p)]).collect()
    };
    let curves = [
        ("loss", term(|p| p.loss)),
        ("pred", term(|p| p.loss_pred)),
        ("var", term(|p| p.loss_var)),
        ("cov", term(|p| p.loss_cov)),
    ];
    let series: Vec<Series<'_>> = curves
        .iter()
        .map(|(name, pts)| Series {
            name: (*name).to_string(),
            points: pts,
        })
        .collect();
    line_plot(ui, "train_loss_plot", &series, *plot, 220.0, "loss");
}

/// The planning metrics of each checkpoint, by step, verdict first.
fn evals_table(ui: &mut egui::Ui, evals: &[PlanningRow], cx: &PanelContext<'_>) {
    ui.strong("Planning metrics at checkpoints");
    let mut rows = evals.to_vec();
    rows.sort_by_key(|r| r.step);
    let columns = Columns::for_rows(&rows);
    egui::Grid::new("train_evals")
        .striped(true)
        .spacing(TABLE_SPACING)
        .show(ui, |ui| {
            ui.strong("step");
            verdict_header(ui);
            metric_headers(ui, &columns);
            ui.end_row();
            for row in &rows {
                ui.label(row.step.to_string());
                verdict_cell(ui, row, cx.criteria);
                metric_cells(ui, &columns, row, cx.criteria);
                ui.end_row();
            }
        });
}

/// "12 logged steps, from step 1 to step 12 · resumed at step 7": what the loss curve holds.
pub fn curve_summary(job: &Job) -> String {
    let (Some(first), Some(last)) = (job.losses.first(), job.losses.last()) else {
        return "No logged step yet.".into();
    };
    let resumed = if job.kind == JobKind::Resume && job.start_step > 0 {
        format!(" · resumed at step {}", job.start_step)
    } else {
        String::new()
    };
    format!(
        "{} logged steps, from step {} to step {}{resumed}",
        job.losses.len(),
        first.step,
        last.step
    )
}
