//! The Queue view: the workspace's persistent queue (`queue/`, shared with the CLI) in order, each
//! job's state, a running job's progress; cancel, requeue, reorder (drag the handle, or Up/Down);
//! and "Work the queue", which runs `worldbench queue work` as a job of the app. The queue is read
//! off the UI thread on a timer; changes go through [`AppCommand::Queue`] and run as a task too.

pub mod ops;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use worldbench_storage::queue::JobState;
use worldbench_storage::RunStatus;

pub use ops::{QueueOp, QueueRow, QueueSnapshot};

use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::criteria::{FAIL, PASS};
use crate::gui::jobs::{JobCommand, JobSpec};
use crate::gui::panels::runs::{slurm_runs, status_color, status_text};
use crate::gui::slurm_status::SlurmPoll;
use crate::gui::task::Task;
use crate::launch::slurm::SlurmState;
use crate::launch::QueuedJob;

/// The label of the app's job that works the queue.
pub const WORKER_LABEL: &str = "work the queue";

/// How often the view reads the queue again while it is shown.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The Queue view's persisted state (nothing yet: the queue itself lives on disk).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct QueueState {}

pub struct QueuePanel {
    pub state: QueueState,
    snapshot: Option<QueueSnapshot>,
    task: Option<Task<QueueSnapshot>>,
    /// Changes asked for while a read or change was under way, started one at a time.
    pending: Vec<QueueOp>,
    last_read: Option<Instant>,
    error: Option<String>,
    /// The workspace's runs on Slurm (not in this queue): job id, partition, state.
    pub slurm: SlurmPoll,
}

pub fn state_color(state: JobState) -> egui::Color32 {
    match state {
        JobState::Queued => egui::Color32::GRAY,
        JobState::Running => egui::Color32::from_rgb(100, 170, 255),
        JobState::Completed => PASS,
        JobState::Failed => FAIL,
        JobState::Cancelled => egui::Color32::from_rgb(230, 180, 60),
    }
}

impl QueuePanel {
    pub fn new(state: QueueState) -> Self {
        Self {
            state,
            snapshot: None,
            task: None,
            pending: Vec::new(),
            last_read: None,
            error: None,
            slurm: SlurmPoll::default(),
        }
    }

    /// What the last read found.
    pub fn snapshot(&self) -> Option<&QueueSnapshot> {
        self.snapshot.as_ref()
    }

    /// Reads the queue again now (off the UI thread), unless a read or change is under way.
    pub fn refresh(&mut self, ws: &Path, ctx: Option<egui::Context>) {
        if self.task.is_none() {
            let ws = ws.to_path_buf();
            self.task = Some(Task::spawn("queue read", ctx, move |_| ops::read(&ws)));
        }
    }

    /// Applies a change to the queue as a task (after the read or change under way, without
    /// waiting for it), then reads the queue again.
    pub fn apply(&mut self, ws: &Path, op: QueueOp, ctx: Option<egui::Context>) {
        self.pending.push(op);
        self.start_next(ws, ctx);
    }

    fn start_next(&mut self, ws: &Path, ctx: Option<egui::Context>) {
        if self.task.is_some() || self.pending.is_empty() {
            return;
        }
        let op = self.pending.remove(0);
        let ws: PathBuf = ws.to_path_buf();
        self.task = Some(Task::spawn("queue change", ctx, move |_| {
            ops::apply(&ws, &op)
        }));
    }

    fn take(&mut self, r: Result<QueueSnapshot, String>) {
        self.last_read = Some(Instant::now());
        match r {
            Ok(s) => {
                self.snapshot = Some(s);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn poll(&mut self, ws: &Path, ctx: &egui::Context) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.task = None;
                self.take(r);
            }
        }
        self.start_next(ws, Some(ctx.clone()));
        let due = self.last_read.is_none_or(|t| t.elapsed() >= REFRESH);
        if due {
            self.refresh(ws, Some(ctx.clone()));
        }
        ctx.request_repaint_after(REFRESH);
    }
}

impl Panel for QueuePanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.poll(&cx.workspace.root, ui.ctx());
        self.slurm.poll(slurm_runs(cx), Some(ui.ctx()));
        let app_worker = cx
            .jobs
            .jobs()
            .iter()
            .find(|j| j.label == WORKER_LABEL && j.state.is_active());
        ui.horizontal(|ui| {
            ui.heading("Queue of this workspace");
            if self.task.is_some() {
                ui.spinner();
            }
        });
        let snap = self.snapshot.clone().unwrap_or_default();
        ui.horizontal(|ui| {
            let queued = snap.count(JobState::Queued);
            ui.label(format!(
                "{} jobs: {queued} queued, {} running, {} completed, {} failed, {} cancelled",
                snap.rows.len(),
                snap.count(JobState::Running),
                snap.count(JobState::Completed),
                snap.count(JobState::Failed),
                snap.count(JobState::Cancelled),
            ));
            if let Some(job) = app_worker {
                {
                    ui.label("This app works the queue.");
                    if ui.button("Stop working the queue").clicked() {
                        commands.push(AppCommand::Cancel(job.id));
                    }
                }
            } else {
                {
                    let work = ui
                        .button("Work the queue")
                        .on_hover_text("Run `worldbench queue work` as a job until the queue is empty");
                    if work.clicked() {
                        commands.push(AppCommand::Launch(Box::new(JobSpec::new(
                            WORKER_LABEL,
                            JobCommand::Queued(QueuedJob {
                                workspace: cx.workspace.root.clone(),
                                args: ops::work_args(),
                                run: None,
                                resume: false,
                                job_id: None,
                            }),
                        ))));
                    }
                    if queued > 0 && !snap.is_worked() {
                        ui.colored_label(
                            FAIL,
                            "Nothing is working the queue: click Work the queue, or run `worldbench queue work`.",
                        );
                    } else if snap.is_worked() {
                        ui.label("Another process works the queue.");
                    }
                }
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(FAIL, e);
        }
        self.slurm_ui(ui, cx, commands);
        ui.separator();
        if snap.rows.is_empty() {
            ui.label("The queue is empty: a sweep (`worldbench sweep run`) adds jobs to it.");
            return;
        }
        egui::ScrollArea::vertical()
            .id_salt("queue_rows")
            .show(ui, |ui| Self::rows_ui(ui, &snap, commands));
    }
}

/// Whether a Slurm run can still be cancelled: Slurm says pending, running or preempted; or,
/// while Slurm has not answered (or has forgotten the job), run.json has not ended.
fn is_live(slurm: Option<SlurmState>, run: RunStatus) -> bool {
    match slurm {
        Some(s) => matches!(
            s,
            SlurmState::Pending | SlurmState::Running | SlurmState::Preempted
        ),
        None => matches!(
            run,
            RunStatus::Running | RunStatus::Preempted | RunStatus::Pending
        ),
    }
}

impl QueuePanel {
    /// The runs submitted to Slurm (`--backend slurm`), which Slurm queues rather than this queue.
    fn slurm_ui(&self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        let runs: Vec<_> = cx
            .runs
            .runs()
            .iter()
            .filter(|r| r.manifest.slurm_job_id.is_some())
            .collect();
        if runs.is_empty() {
            return;
        }
        ui.separator();
        ui.strong(format!("On Slurm: {} runs", runs.len()));
        egui::Grid::new("queue_slurm_grid")
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for h in [
                    "Run",
                    "Slurm job",
                    "Partition",
                    "Slurm state",
                    "Run status",
                    "",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for run in runs {
                    let info = self.slurm.get(&run.dir);
                    ui.label(run.title())
                        .on_hover_text(run.dir.display().to_string());
                    ui.label(
                        info.map(|i| i.job_id.clone())
                            .or_else(|| run.manifest.slurm_job_id.clone())
                            .unwrap_or_default(),
                    );
                    ui.label(info.and_then(|i| i.partition.clone()).unwrap_or("–".into()));
                    ui.label(info.map_or("…", |i| i.state.map_or("gone", |s| s.as_str())));
                    ui.label(
                        egui::RichText::new(status_text(run.manifest.status))
                            .color(status_color(run.manifest.status)),
                    );
                    let job_id = info
                        .map(|i| i.job_id.clone())
                        .or_else(|| run.manifest.slurm_job_id.clone())
                        .unwrap_or_default();
                    let cancelling = cx.jobs.job_for_run(&run.dir).is_some_and(|j| {
                        j.state == crate::gui::jobs::JobState::Cancelling
                            && j.slurm_job_id().is_some()
                    });
                    let live = is_live(info.and_then(|i| i.state), run.manifest.status);
                    let button = ui
                        .add_enabled(
                            live && !cancelling,
                            egui::Button::new(format!("Cancel Slurm job {job_id}")),
                        )
                        .on_hover_text("`scancel` the job; a running trainer writes `last` first")
                        .on_disabled_hover_text(if cancelling {
                            "Cancelling: waiting for Slurm to end the job"
                        } else {
                            "The job has ended: there is nothing to cancel"
                        });
                    if button.clicked() {
                        commands.push(AppCommand::CancelSlurm {
                            run: run.dir.clone(),
                            job_id,
                        });
                    }
                    ui.end_row();
                }
            });
    }

    fn rows_ui(ui: &mut egui::Ui, snap: &QueueSnapshot, commands: &mut Vec<AppCommand>) {
        let n = snap.rows.len();
        egui::Grid::new("queue_grid")
            .striped(true)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                for h in ["", "#", "Id", "State", "Job", "Progress", "Actions"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (i, row) in snap.rows.iter().enumerate() {
                    let job = &row.job;
                    let handle = ui
                        .dnd_drag_source(
                            ui.scope_id().with(("queue_drag", &job.id)),
                            job.id.clone(),
                            |ui| ui.label("☰"),
                        )
                        .response
                        .on_hover_text("Drag onto another row to move this job there");
                    let drag_label = format!("Drag {}", job.id);
                    handle.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, &drag_label)
                    });
                    let pos = ui.label((i + 1).to_string());
                    let id_label = ui.label(&job.id);
                    for r in [handle, pos, id_label] {
                        if let Some(from) = r.dnd_release_payload::<String>() {
                            if *from != job.id {
                                commands.push(AppCommand::Queue(QueueOp::Move((*from).clone(), i)));
                            }
                        }
                    }
                    ui.label(egui::RichText::new(job.state.as_str()).color(state_color(job.state)))
                        .on_hover_text(job.error.clone().unwrap_or_default());
                    ui.label(&job.label).on_hover_text(
                        job.run
                            .as_ref()
                            .map(|r| r.display().to_string())
                            .unwrap_or_default(),
                    );
                    match row.progress {
                        Some((done, total)) if total > 0 => {
                            ui.add(
                                egui::ProgressBar::new(done as f32 / total as f32)
                                    .desired_width(180.0)
                                    .text(format!("step {done} / {total}")),
                            );
                        }
                        _ => {
                            ui.label(job.finished.as_deref().map_or("–", |_| "done"));
                        }
                    }
                    ui.horizontal(|ui| {
                        let id = job.id.clone();
                        let can_cancel = matches!(job.state, JobState::Queued | JobState::Running);
                        let can_requeue =
                            matches!(job.state, JobState::Failed | JobState::Cancelled);
                        if ui
                            .add_enabled(can_cancel, egui::Button::new(format!("Cancel {id}")))
                            .clicked()
                        {
                            commands.push(AppCommand::Queue(QueueOp::Cancel(id.clone())));
                        }
                        if ui
                            .add_enabled(can_requeue, egui::Button::new(format!("Requeue {id}")))
                            .clicked()
                        {
                            commands.push(AppCommand::Queue(QueueOp::Requeue(id.clone())));
                        }
                        if ui
                            .add_enabled(i > 0, egui::Button::new(format!("Up {id}")))
                            .clicked()
                        {
                            commands.push(AppCommand::Queue(QueueOp::Move(id.clone(), i - 1)));
                        }
                        if ui
                            .add_enabled(i + 1 < n, egui::Button::new(format!("Down {id}")))
                            .clicked()
                        {
                            commands.push(AppCommand::Queue(QueueOp::Move(id, i + 1)));
                        }
                    });
                    ui.end_row();
                }
            });
    }
}
