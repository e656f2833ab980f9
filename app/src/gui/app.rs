//! `WorldbenchApp`: the shell (left bar, error area, Help window, shortcuts), the persisted [`State`],
//! and the wiring of panels, jobs and the run index.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use worldbench_storage::{RunStatus, Workspace};

use super::command::AppCommand;
use super::criteria::{read_assessment, read_criteria};
use super::jobs::{pid_is_live_worldbench, JobKind, JobSupervisor};
use super::panels::checkpoints::CheckpointsPanel;
use super::panels::datasets::DatasetsPanel;
use super::panels::gate::GatePanel;
use super::panels::table::{PanelId, Panels, State};
use super::panels::worklog::WorklogPanel;
use super::panels::PanelContext;
use super::run_index::RunIndex;
use worldbench_storage::assessment::Assessment;
use worldbench_storage::success_criteria::SuccessCriteria;

/// Folder name of the one-click demo dataset under `datasets/`.
pub const DEMO_DATASET: &str = "demo-corner-loops";
/// While a job runs, the runs table is re-read this often.
const LIVE_REFRESH: Duration = Duration::from_secs(2);

/// How often eframe writes the persisted [`State`] (at a frame, when this long has passed since the
/// last write); a panel that changes something worth keeping asks for a frame after it
/// ([`SAVE_AFTER`]), so that it is kept even when the app is then killed rather than closed.
pub const AUTO_SAVE_INTERVAL: Duration = Duration::from_secs(10);

/// A frame this long after a change is past the next autosave.
pub const SAVE_AFTER: Duration = Duration::from_secs(11);

/// The shortcuts besides Ctrl+1… for the panels (those come from the panel table), as Help lists them.
pub const SHORTCUTS: [(&str, &str); 5] = [
    ("Ctrl+Enter", "Launch the run set up in the Train panel"),
    ("F5", "Re-read runs and datasets"),
    ("F1 or ?", "This help"),
    ("Esc", "Close this help"),
    (
        "Left/Right, Home/End, Space",
        "Datasets: one frame back/on, the trajectory's first/last frame, play/pause",
    ),
];

/// Every shortcut as Help lists it: the panels' (from the panel table), then [`SHORTCUTS`].
pub fn shortcut_rows() -> Vec<(String, String)> {
    PanelId::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("Ctrl+{}", i + 1), p.help().to_string()))
        .chain(
            SHORTCUTS
                .iter()
                .map(|(k, w)| ((*k).to_string(), (*w).to_string())),
        )
        .collect()
}

/// The desktop app.
pub struct WorldbenchApp {
    pub(super) workspace: Workspace,
    pub(super) panel: PanelId,
    pub(super) panels: Panels,
    pub(super) jobs: JobSupervisor,
    pub(super) run_index: RunIndex,
    pub(super) criteria: SuccessCriteria,
    /// `[assessment]` of worldbench.toml: the scorecard's thresholds.
    pub(super) assessment: Assessment,
    /// Dataset folders of the workspace (read on start and after a dataset job).
    pub(super) dataset_dirs: Vec<PathBuf>,
    /// Messages shown in the error area until dismissed.
    pub(super) errors: Vec<String>,
    pub(super) show_help: bool,
    pub(super) commands: Vec<AppCommand>,
    pub(super) ctx: Option<egui::Context>,
    pub(super) last_live_refresh: Instant,
    /// The run index load whose running runs were last checked for following.
    pub(super) followed_generation: u64,
}

impl WorldbenchApp {
    /// The app on the workspace at `workspace_root` (created when missing), restoring `state`;
    /// jobs run `worldbench_exe` (the real app passes its own executable).
    pub fn new(
        workspace_root: PathBuf,
        state: State,
        worldbench_exe: PathBuf,
    ) -> anyhow::Result<Self> {
        let mut errors = Vec::new();
        let workspace = match Workspace::open_or_create(&workspace_root) {
            Ok(ws) => ws,
            Err(e) => {
                errors.push(format!("{e} — choose another workspace with --workspace"));
                Workspace {
                    root: workspace_root,
                }
            }
        };
        let (criteria, criteria_error) = read_criteria(&workspace.config_path());
        errors.extend(criteria_error);
        let (assessment, assessment_error) = read_assessment(&workspace.config_path());
        errors.extend(assessment_error);
        let jobs = JobSupervisor::new(worldbench_exe)
            .map_err(|e| anyhow::anyhow!("cannot start the job runtime: {e}"))?;
        let mut run_index = RunIndex::new(workspace.clone());
        run_index.refresh(None);
        let mut app = Self {
            panel: state.panel,
            panels: Panels::new(&workspace.root, state),
            workspace,
            jobs,
            run_index,
            criteria,
            assessment,
            dataset_dirs: Vec::new(),
            errors,
            show_help: false,
            commands: Vec::new(),
            ctx: None,
            last_live_refresh: Instant::now(),
            followed_generation: 0,
        };
        app.refresh_datasets();
        Ok(app)
    }

    /// The state to persist.
    pub fn state(&self) -> State {
        self.panels.state(self.panel)
    }

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    pub fn panel(&self) -> PanelId {
        self.panel
    }

    pub fn jobs(&self) -> &JobSupervisor {
        &self.jobs
    }

    pub fn run_index(&self) -> &RunIndex {
        &self.run_index
    }

    /// The messages of the error area.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The Train panel's form (tests fill it in).
    pub fn train_form_mut(&mut self) -> &mut super::panels::train::TrainForm {
        &mut self.panels.train.state.form
    }

    /// The Runs panel (tests read its state).
    pub fn runs_panel_mut(&mut self) -> &mut super::panels::runs::RunsPanel {
        &mut self.panels.runs
    }

    /// The Train panel (tests read its state).
    pub fn train_panel_mut(&mut self) -> &mut super::panels::train::TrainPanel {
        &mut self.panels.train
    }

    /// The Datasets panel (tests wait on its background loads).
    pub fn datasets_mut(&mut self) -> &mut DatasetsPanel {
        &mut self.panels.datasets
    }

    /// The Gate panel (tests edit its gate).
    pub fn gate_panel_mut(&mut self) -> &mut GatePanel {
        &mut self.panels.gate
    }

    /// The Worklog panel (tests wait on its export).
    pub fn plans_panel_mut(&mut self) -> &mut super::panels::plans::PlansPanel {
        &mut self.panels.plans
    }

    pub fn worklog_panel_mut(&mut self) -> &mut WorklogPanel {
        &mut self.panels.worklog
    }

    /// The Checkpoints panel (tests wait on its background read of `last`'s step).
    pub fn checkpoints_panel_mut(&mut self) -> &mut CheckpointsPanel {
        &mut self.panels.checkpoints
    }

    /// The Queue panel (tests wait on its reads and changes of the queue).
    pub fn queue_panel_mut(&mut self) -> &mut super::panels::queue::QueuePanel {
        &mut self.panels.queue
    }

    /// Dataset folders the Train panel offers.
    pub fn dataset_dirs(&self) -> &[PathBuf] {
        &self.dataset_dirs
    }

    /// Queues a command as if a panel had pushed it (applied after the next frame).
    pub fn push_command(&mut self, command: AppCommand) {
        self.commands.push(command);
    }

    /// Blocks up to `timeout` for job output and applies it (tests wait on jobs with this instead of
    /// sleeping); the next frame shows the result.
    pub fn wait_for_job_update(&mut self, timeout: Duration) {
        let notices = self.jobs.wait_for_update(timeout);
        self.handle_notices(notices);
    }

    pub(super) fn refresh_datasets(&mut self) {
        let mut dirs = self.workspace.list_datasets();
        if let Some(sel) = &self.panels.train.state.form.dataset {
            if !dirs.contains(sel) && sel.exists() {
                dirs.push(sel.clone());
            }
        }
        self.dataset_dirs = dirs;
        if self.panels.train.state.form.dataset.is_none() {
            self.panels.train.state.form.dataset = self.dataset_dirs.first().cloned();
        }
    }

    pub(super) fn refresh_runs(&mut self) {
        self.run_index.refresh(self.ctx.as_ref());
    }

    /// Follows every run whose run.json says "running" with a live worldbench process and that no job
    /// of this app watches yet; and re-adopts the runs on Slurm (below).
    fn follow_live_runs(&mut self) {
        self.adopt_slurm_runs();
        let to_follow: Vec<(PathBuf, u32, String)> = self
            .run_index
            .runs()
            .iter()
            .filter(|r| r.manifest.status == RunStatus::Running)
            .filter(|r| r.manifest.slurm_job_id.is_none())
            .filter(|r| {
                self.jobs
                    .job_for_run(&r.dir)
                    .is_none_or(|j| !j.state.is_active())
            })
            .filter_map(|r| {
                r.manifest
                    .pid
                    .filter(|&pid| pid_is_live_worldbench(pid))
                    .map(|pid| (r.dir.clone(), pid, r.title()))
            })
            .collect();
        for (dir, pid, title) in to_follow {
            // A job of ours that trains this run is not "followed": it is ours.
            let ours = self
                .jobs
                .jobs()
                .iter()
                .any(|j| j.state.is_active() && j.pid() == Some(pid));
            if !ours {
                self.jobs.follow(dir, pid, format!("run \"{title}\""));
            }
        }
    }

    /// After a restart (and on every load of the runs): each run on Slurm that has not ended
    /// (pending, running or preempted) and that no job of this app is on, or ever was, is
    /// followed as a freshly submitted one is (Slurm's state with backoff, progress from its
    /// folder, Cancel = `scancel`).
    fn adopt_slurm_runs(&mut self) {
        // A submission under way may not have told its run folder yet: the next load adopts.
        let submitting =
            self.jobs.jobs().iter().any(|j| {
                j.slurm && j.state.is_active() && (j.run_dir.is_none() || j.handle.is_none())
            });
        if submitting {
            return;
        }
        let to_adopt: Vec<(PathBuf, String, String)> = self
            .run_index
            .runs()
            .iter()
            .filter(|r| {
                matches!(
                    r.manifest.status,
                    RunStatus::Running | RunStatus::Preempted | RunStatus::Pending
                )
            })
            .filter(|r| self.jobs.job_for_run(&r.dir).is_none())
            .filter_map(|r| {
                let id = r.manifest.slurm_job_id.clone()?;
                Some((r.dir.clone(), id, r.title()))
            })
            .collect();
        for (dir, job_id, title) in to_adopt {
            self.jobs
                .follow_slurm(dir, job_id, format!("run \"{title}\" on Slurm"));
        }
    }

    /// The job of this app on `run` (followed now if it is not yet, when it is on Slurm) for
    /// the Queue view's Cancel of a Slurm run: `scancel` through the job, off the UI thread.
    pub(super) fn cancel_slurm_run(&mut self, run: PathBuf, job_id: String) {
        let id = match self.jobs.job_for_run(&run) {
            Some(j) if j.state.is_active() && j.slurm_job_id().is_some() => j.id,
            _ => {
                let title = self.run_index.get(&run).map_or_else(
                    || run.display().to_string(),
                    crate::gui::run_index::RunRecord::title,
                );
                self.jobs
                    .follow_slurm(run, job_id, format!("run \"{title}\" on Slurm"))
            }
        };
        self.cancel(id);
        self.panels.queue.slurm.poll_soon();
        self.panels.runs.slurm.poll_soon();
    }

    pub(super) fn demo_dataset_dir(&self) -> PathBuf {
        self.workspace.datasets_dir().join(DEMO_DATASET)
    }

    pub(super) fn demo_job_active(&self) -> bool {
        self.jobs
            .jobs()
            .iter()
            .any(|j| j.kind == JobKind::GenerateDataset && j.state.is_active())
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            for &panel in PanelId::ALL {
                if i.consume_key(egui::Modifiers::COMMAND, panel.key()) {
                    self.panel = panel;
                }
            }
            if i.consume_key(egui::Modifiers::NONE, egui::Key::F1)
                || (!typing && i.consume_key(egui::Modifiers::NONE, egui::Key::Questionmark))
            {
                self.show_help = !self.show_help;
            }
            if self.show_help && i.consume_key(egui::Modifiers::NONE, egui::Key::Escape) {
                self.show_help = false;
            }
            if i.consume_key(egui::Modifiers::NONE, egui::Key::F5) {
                self.commands.push(AppCommand::RefreshRuns);
            }
            if self.panel == PanelId::Train
                && i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter)
            {
                self.panels
                    .train
                    .launch(self.workspace.root(), &mut self.commands);
            }
        });
    }

    fn dropped_folders(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            let folder = if path.is_dir() {
                path
            } else {
                path.parent().map_or(path.clone(), Path::to_path_buf)
            };
            self.panels.datasets.open_folder(folder);
            self.panel = PanelId::Datasets;
        }
    }

    fn nav_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        ui.heading("Worldbench");
        ui.add_space(6.0);
        for (i, &panel) in PanelId::ALL.iter().enumerate() {
            let text = egui::RichText::new(panel.label()).size(16.0);
            let resp = ui.add_sized(
                [ui.available_width(), 28.0],
                egui::Button::selectable(self.panel == panel, text),
            );
            if resp.on_hover_text(format!("Ctrl+{}", i + 1)).clicked() {
                self.panel = panel;
            }
        }
        ui.separator();
        let active: Vec<_> = self
            .jobs
            .jobs()
            .iter()
            .filter(|j| j.state.is_active())
            .collect();
        if active.is_empty() {
            ui.weak("No jobs running");
        } else {
            ui.strong("Jobs");
            for job in active {
                ui.label(&job.label);
                if job.kind.is_training() {
                    ui.add(egui::ProgressBar::new(job.fraction()).desired_height(6.0));
                } else {
                    ui.spinner();
                }
            }
        }
        ui.with_layout(egui::Layout::bottom_up(egui::Align::LEFT), |ui| {
            ui.add_space(6.0);
            if ui.button("Help (F1)").clicked() {
                self.show_help = true;
            }
        });
    }

    fn errors_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        ui.horizontal(|ui| {
            ui.colored_label(
                super::criteria::FAIL,
                format!("{} problem(s)", self.errors.len()),
            );
            if ui.button("Dismiss all").clicked() {
                dismiss = Some(usize::MAX);
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("errors_area")
            .max_height(140.0)
            .show(ui, |ui| {
                for (i, msg) in self.errors.iter().enumerate() {
                    ui.horizontal(|ui| {
                        if ui
                            .small_button("Dismiss")
                            .on_hover_text("Hide this message")
                            .clicked()
                        {
                            dismiss = Some(i);
                        }
                        ui.label(egui::RichText::new(msg).color(ui.visuals().error_fg_color));
                    });
                }
            });
        match dismiss {
            Some(usize::MAX) => self.errors.clear(),
            Some(i) if i < self.errors.len() => {
                self.errors.remove(i);
            }
            _ => {}
        }
    }

    fn empty_workspace_ui(&mut self, ui: &mut egui::Ui) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                if self.demo_job_active() {
                    ui.spinner();
                    ui.label("Generating the demo dataset…");
                } else {
                    ui.label("This workspace has no datasets yet.");
                    if ui
                        .button("Generate demo dataset")
                        .on_hover_text(format!("worldbench data gen --out datasets/{DEMO_DATASET} (a grid-world dataset)"))
                        .clicked()
                    {
                        self.commands.push(AppCommand::GenerateDemoDataset);
                    }
                    ui.weak("or open a dataset folder in the Datasets panel, or drop one on this window.");
                }
            });
        });
        ui.add_space(6.0);
    }

    fn help_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_help;
        egui::Window::new("Help")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.strong("Keyboard shortcuts");
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for (keys, what) in shortcut_rows() {
                        ui.monospace(keys);
                        ui.label(what);
                        ui.end_row();
                    }
                });
                ui.separator();
                ui.label(format!("Workspace: {}", self.workspace.root.display()));
                ui.label("Drop a dataset folder on the window to open it.");
            });
        self.show_help = open && self.show_help;
    }

    /// Drains job output and finished loads; keeps repainting while jobs run.
    fn background(&mut self, ctx: &egui::Context) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
            self.jobs.set_context(ctx);
        }
        let notices = self.jobs.poll();
        self.handle_notices(notices);
        let new_errors = self.run_index.poll(Some(ctx));
        self.errors.extend(new_errors);
        if self.run_index.generation() != self.followed_generation {
            self.followed_generation = self.run_index.generation();
            self.follow_live_runs();
        }
        if self.jobs.any_active() {
            if self.last_live_refresh.elapsed() >= LIVE_REFRESH && !self.run_index.is_loading() {
                self.last_live_refresh = Instant::now();
                self.refresh_runs();
            }
            ctx.request_repaint_after(LIVE_REFRESH);
        }
    }
}

impl eframe::App for WorldbenchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.background(ctx);
        self.shortcuts(ctx);
        self.dropped_folders(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let gpu = frame.wgpu_render_state().map(super::gpu_target);
        self.panels.hgraph.set_gpu(gpu);
        let ctx = ui.ctx().clone();
        egui::Panel::left("nav")
            .resizable(false)
            .exact_size(150.0)
            .show(ui, |ui| self.nav_ui(ui));
        if !self.errors.is_empty() {
            egui::Panel::bottom("errors")
                .resizable(true)
                .show(ui, |ui| self.errors_ui(ui));
        }
        let mut commands = std::mem::take(&mut self.commands);
        egui::CentralPanel::default().show(ui, |ui| {
            if self.dataset_dirs.is_empty() {
                self.empty_workspace_ui(ui);
            }
            let cx = PanelContext {
                workspace: &self.workspace,
                jobs: &self.jobs,
                runs: &self.run_index,
                datasets: &self.dataset_dirs,
                criteria: &self.criteria,
                assessment: &self.assessment,
            };
            self.panels.ui(self.panel, ui, &cx, &mut commands);
        });
        self.commands.extend(commands);
        self.help_ui(&ctx);
        self.apply_commands();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state());
    }

    fn auto_save_interval(&self) -> Duration {
        AUTO_SAVE_INTERVAL
    }
}
