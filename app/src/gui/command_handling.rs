//! Applying what panels and jobs asked for, after the frame: panels push [`AppCommand`]s while
//! they draw, jobs report [`JobNotice`]s when their output arrives, and only here does either change
//! anything outside the panel that asked (as rerun's `command_handling.rs`).

use super::app::WorldbenchApp;
use super::command::AppCommand;
use super::jobs::{GenerateJob, JobCommand, JobId, JobKind, JobNotice, JobSpec, JobState};
use super::panels::table::PanelId;

impl WorldbenchApp {
    pub(super) fn handle_notices(&mut self, notices: Vec<JobNotice>) {
        let mut refresh = false;
        for notice in notices {
            match notice {
                JobNotice::RunChanged(_) => refresh = true,
                JobNotice::Ended {
                    kind,
                    state,
                    run_dir,
                    ..
                } => {
                    refresh = true;
                    if let JobState::Failed(msg) = &state {
                        self.errors.push(msg.clone());
                    }
                    if kind == JobKind::GenerateDataset {
                        self.refresh_datasets();
                        self.panels.datasets.refresh();
                    }
                    if kind == JobKind::Train && state == JobState::Completed {
                        if let Some(dir) = run_dir {
                            self.panels.checkpoints.state.run = Some(dir);
                        }
                    }
                }
            }
        }
        if refresh {
            self.refresh_runs();
        }
    }

    pub(super) fn apply_commands(&mut self) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                AppCommand::ShowError(msg) => {
                    if !self.errors.contains(&msg) {
                        self.errors.push(msg);
                    }
                }
                AppCommand::UseDatasetForTraining(dir) => {
                    if !self.dataset_dirs.contains(&dir) {
                        self.dataset_dirs.push(dir.clone());
                    }
                    self.panels.train.state.form.dataset = Some(dir);
                    self.panel = PanelId::Train;
                }
                AppCommand::ShowSweep(root) => {
                    self.panels.sweeps.state.sweep = Some(root);
                    self.panel = PanelId::Sweeps;
                }
                AppCommand::SelectRuns(runs) => {
                    self.panels.runs.state.selected = runs;
                    self.panel = PanelId::Runs;
                }
                AppCommand::WriteRuns(write) => {
                    let config = self.workspace.config_path();
                    let ctx = self.ctx.clone();
                    self.panels.runs.all.apply(write, config, ctx);
                }
                AppCommand::Queue(op) => {
                    let ctx = self.ctx.clone();
                    self.panels.queue.apply(&self.workspace.root, op, ctx);
                }
                AppCommand::Launch(spec) => {
                    let is_train = matches!(spec.command, JobCommand::Train(_));
                    self.jobs.launch(*spec);
                    if is_train {
                        self.panel = PanelId::Train;
                    }
                }
                AppCommand::Cancel(id) => self.cancel(id),
                AppCommand::CancelSlurm { run, job_id } => self.cancel_slurm_run(run, job_id),
                AppCommand::ShowPanel(panel) => self.panel = panel,
                AppCommand::ShowCheckpoints(dir) => {
                    self.panels.checkpoints.state.run = Some(dir);
                    if self.panel != PanelId::Runs {
                        self.panel = PanelId::Checkpoints;
                    }
                }
                AppCommand::RefreshRuns => {
                    self.refresh_runs();
                    self.refresh_datasets();
                }
                AppCommand::GenerateDemoDataset => self.generate_demo_dataset(),
                AppCommand::OpenHGraph(checkpoint) => {
                    self.panels.hgraph.open(checkpoint, false);
                    self.panel = PanelId::HGraph;
                }
                AppCommand::SetCardType { card, card_type } => {
                    self.panels.plans.set_type(card, card_type);
                }
                AppCommand::UseGateForTraining(gate) => {
                    self.panels.train.state.form.gate = Some(gate);
                    self.panels.train.state.form.kind = worldbench_storage::RunKind::Attempt;
                    self.panel = PanelId::Train;
                }
            }
        }
    }

    pub(super) fn cancel(&mut self, id: JobId) {
        if let Err(e) = self.jobs.cancel(id) {
            self.errors.push(e);
        }
    }

    pub(super) fn generate_demo_dataset(&mut self) {
        if self.demo_job_active() {
            return;
        }
        let out = self.demo_dataset_dir();
        self.jobs.launch(JobSpec::new(
            "generate the demo dataset",
            JobCommand::GenerateDataset(GenerateJob {
                workspace: self.workspace.root.clone(),
                preset: "corner-loops".into(),
                out,
            }),
        ));
    }
}
