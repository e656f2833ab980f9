//! The Train panel: the setup form, Launch, and the live view of the newest training job (progress
//! with ETA, loss curves, the planning metrics of each checkpoint as it lands, Cancel).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use worldbench_model::config::TrainConfig;
use worldbench_storage::RunKind;

use super::checkpoints::{shown_steps, LastSteps};
use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::file_dialog::PickDialog;
use crate::gui::jobs::{JobCommand, JobSpec, TrainJob};
use crate::gui::plots::PlotSettings;
use crate::gui::slurm_status::SlurmAvailability;

pub mod devices;
mod form;
mod live;
pub mod sweep_form;

pub use form::{suggested_title, truncate_middle};
pub use live::curve_summary;

/// Why Launch is greyed out for an attempt without a gate.
pub const GATE_NEEDED_REASON: &str =
    "A training attempt needs a hypothesis gate: choose one with \"Choose gate…\" \
     (or launch a smoke run, which needs none)";

/// The setup form; persisted.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrainForm {
    /// The dataset folder to train on.
    pub dataset: Option<PathBuf>,
    pub preset: String,
    pub steps: u64,
    /// Checkpoint steps, comma separated; empty means the preset's schedule.
    pub checkpoints: String,
    pub seed: u64,
    /// "cpu" or "cuda".
    pub device: String,
    pub title: String,
    pub kind: RunKind,
    /// The hypothesis gate file (needed for an attempt).
    pub gate: Option<PathBuf>,
    /// Evaluate planning at every checkpoint.
    pub plan_eval: bool,
    /// The planners the per-checkpoint evaluation sweeps (graph, lattice, mpc), in that order.
    pub eval_planners: Vec<String>,
    /// Submit to Slurm (`--backend slurm`) instead of training here.
    pub slurm: bool,
}

impl Default for TrainForm {
    fn default() -> Self {
        let cfg = TrainConfig::default();
        Self {
            dataset: None,
            preset: "default".into(),
            steps: cfg.steps,
            checkpoints: String::new(),
            seed: cfg.seed,
            device: "cpu".into(),
            title: String::new(),
            kind: RunKind::Smoke,
            gate: None,
            plan_eval: true,
            eval_planners: cfg
                .eval_planners()
                .map(|p| p.into_iter().map(String::from).collect())
                .unwrap_or_default(),
            slurm: false,
        }
    }
}

impl TrainForm {
    /// The checkpoint list, or why it is not one.
    pub fn checkpoint_list(&self) -> Result<Option<Vec<u64>>, String> {
        let text = self.checkpoints.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let mut steps = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u64>() {
                Ok(s) if s > 0 && s <= self.steps => steps.push(s),
                Ok(s) if s > 0 => {
                    return Err(format!(
                        "checkpoint schedule: step {s} can never be reached, the run has {} steps",
                        self.steps
                    ))
                }
                _ => {
                    return Err(format!(
                        "checkpoint schedule: {part:?} is not a positive step number"
                    ))
                }
            }
        }
        Ok(Some(steps))
    }

    /// The steps at which the run will write a checkpoint, in words: the typed list, or the
    /// preset's schedule for the form's Steps ("10, 3000 (the tiny preset's schedule)").
    pub fn schedule_text(&self) -> Option<String> {
        let typed = self.checkpoint_list().ok()?;
        let mut cfg = TrainConfig::preset(&self.preset).ok()?;
        cfg.steps = self.steps;
        let from_preset = typed.is_none();
        if let Some(list) = typed {
            cfg.checkpoint_steps = list;
            cfg.checkpoint_every = 0;
        }
        let mut set: std::collections::BTreeSet<u64> = cfg
            .checkpoint_steps
            .iter()
            .copied()
            .filter(|&s| (1..=cfg.steps).contains(&s))
            .collect();
        if let Some(n) = cfg.steps.checked_div(cfg.checkpoint_every) {
            set.extend((1..=n).map(|i| i * cfg.checkpoint_every));
        }
        set.insert(cfg.steps);
        let steps: Vec<u64> = set.into_iter().collect();
        let shown: Vec<String> = if steps.len() > 8 {
            let tail = steps[steps.len() - 2..].iter().map(u64::to_string);
            steps[..5]
                .iter()
                .map(u64::to_string)
                .chain(std::iter::once(format!("… ({} in all)", steps.len())))
                .chain(tail)
                .collect()
        } else {
            steps.iter().map(u64::to_string).collect()
        };
        let whose = if from_preset {
            format!(" (the {} preset's schedule)", self.preset)
        } else {
            String::new()
        };
        Some(format!("Checkpoints at steps {}{whose}", shown.join(", ")))
    }

    /// A note when the preset chose to leave planning evaluation off.
    pub fn plan_eval_note(&self) -> Option<String> {
        let preset_off = TrainConfig::preset(&self.preset).is_ok_and(|c| !c.plan_eval);
        (preset_off && !self.plan_eval).then(|| {
            format!(
                "The {} preset turns planning evaluation off (for speed); tick it to evaluate \
                 each checkpoint anyway.",
                self.preset
            )
        })
    }

    /// Why Launch cannot be pressed, if it cannot.
    pub fn launch_blocker(&self) -> Option<String> {
        if self.dataset.is_none() {
            return Some("Choose a dataset to train on (or generate the demo dataset)".into());
        }
        if self.kind == RunKind::Attempt {
            match &self.gate {
                None => return Some(GATE_NEEDED_REASON.into()),
                Some(gate) => {
                    if let Some(why) = super::gate::gate_blocker(gate) {
                        return Some(why);
                    }
                }
            }
        }
        self.form_error()
    }

    /// A value of the form that is wrong (shown as an error): Steps, or the checkpoint list.
    pub fn form_error(&self) -> Option<String> {
        if self.steps == 0 {
            return Some("Steps must be at least 1".into());
        }
        self.checkpoint_list().err()
    }

    /// The job the form describes, or why it cannot be launched.
    pub fn train_job(&self, workspace: &Path) -> Result<TrainJob, String> {
        if let Some(why) = self.launch_blocker() {
            return Err(why);
        }
        let dataset = self.dataset.clone().ok_or("no dataset")?;
        let title = if self.title.trim().is_empty() {
            "untitled"
        } else {
            self.title.trim()
        };
        let gate = match self.kind {
            RunKind::Smoke => self.gate.clone(),
            RunKind::Attempt => Some(self.gate.clone().ok_or(GATE_NEEDED_REASON)?),
        };
        Ok(TrainJob {
            workspace: workspace.to_path_buf(),
            data: dataset,
            preset: self.preset.clone(),
            steps: self.steps,
            seed: self.seed,
            title: title.to_string(),
            checkpoints: self.checkpoint_list()?,
            smoke: self.kind == RunKind::Smoke,
            gate,
            plan_eval: self.plan_eval,
            plan_eval_planners: self.eval_planners.clone(),
            device: self.device.clone(),
            slurm: self.slurm,
        })
    }

    /// `worldbench --workspace <ws> train …` arguments (after the program name).
    pub fn launch_args(&self, workspace: &Path) -> Result<Vec<OsString>, String> {
        let job = self.train_job(workspace)?;
        Ok(JobSpec::new("", JobCommand::Train(job)).argv())
    }
}

/// The Train panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrainState {
    pub form: TrainForm,
    /// The sweep form beside it (its base is `form`).
    pub sweep: sweep_form::SweepForm,
    pub plot: PlotSettings,
    /// The run folder of the last training job shown: re-opened (from disk) after a restart.
    pub last_run: Option<PathBuf>,
}

pub struct TrainPanel {
    pub state: TrainState,
    /// The gate file picker, while it is open.
    gate_dialog: Option<PickDialog>,
    sweep_ui: sweep_form::SweepFormUi,
    /// Whether Slurm can be chosen (checked in a task).
    slurm: SlurmAvailability,
    /// The step the shown run's `last` holds (its header shows it when further than train.csv).
    last_steps: LastSteps,
    /// A frame is asked for at this time (past the next autosave, after `last_run` changed).
    frame_at: Option<std::time::Instant>,
    /// The device choice: CPU and the CUDA devices, asked in a task.
    devices: devices::DeviceChoice,
}

impl TrainPanel {
    pub fn new(state: TrainState) -> Self {
        Self {
            state,
            gate_dialog: None,
            sweep_ui: sweep_form::SweepFormUi::default(),
            slurm: SlurmAvailability::default(),
            last_steps: LastSteps::default(),
            frame_at: None,
            devices: devices::DeviceChoice::from_driver(),
        }
    }

    /// Builds the launch command from the form (Ctrl+Enter does the same as the button).
    pub fn launch(&self, workspace: &Path, commands: &mut Vec<AppCommand>) {
        let form = &self.state.form;
        let slurm_blocker = self.slurm.blocker().filter(|_| form.slurm);
        match form.train_job(workspace) {
            Ok(_) if slurm_blocker.is_some() => commands.push(AppCommand::ShowError(format!(
                "Cannot submit to Slurm: {}",
                slurm_blocker.unwrap_or_default()
            ))),
            Ok(job) => {
                let title = if form.title.trim().is_empty() {
                    "untitled"
                } else {
                    form.title.trim()
                };
                let kind = if form.kind == RunKind::Smoke {
                    "smoke run"
                } else {
                    "attempt"
                };
                let on = if job.slurm { " on Slurm" } else { "" };
                commands.push(AppCommand::Launch(Box::new(JobSpec::new(
                    format!("{kind} \"{title}\"{on}"),
                    JobCommand::Train(job),
                ))));
            }
            Err(why) => commands.push(AppCommand::ShowError(format!("Cannot launch: {why}"))),
        }
    }
}

/// The width of the setup form; the live view takes the rest (its planning table needs the room).
const FORM_WIDTH: f32 = 430.0;

impl Panel for TrainPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        if let Some(at) = self.frame_at {
            // Asked again each frame: egui forgets a delayed repaint once another frame ran.
            match at.checked_duration_since(std::time::Instant::now()) {
                Some(left) => ui.ctx().request_repaint_after(left),
                None => self.frame_at = None,
            }
        }
        self.slurm.poll(cx.workspace.root(), ui.ctx());
        ui.heading("Train a world model");
        ui.add_space(4.0);
        let height = ui.available_height();
        ui.horizontal_top(|ui| {
            ui.allocate_ui_with_layout(
                egui::vec2(FORM_WIDTH, height),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
                    ui.set_width(FORM_WIDTH);
                    egui::ScrollArea::vertical()
                        .id_salt("train_form")
                        .show(ui, |ui| {
                            self.form_ui(ui, cx, commands);
                            ui.separator();
                            egui::CollapsingHeader::new("Sweep over config keys")
                                .id_salt("sweep_form")
                                .show(ui, |ui| {
                                    let state = &mut self.state;
                                    self.sweep_ui.ui(
                                        ui,
                                        &mut state.sweep,
                                        &state.form,
                                        self.slurm.blocker().as_deref(),
                                        cx,
                                        commands,
                                    );
                                });
                        });
                },
            );
            ui.separator();
            let width = ui.available_width();
            ui.allocate_ui_with_layout(
                egui::vec2(width, height),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("train_live")
                        .show(ui, |ui| self.live_ui(ui, cx, commands));
                },
            );
        });
    }
}

impl TrainPanel {
    /// The newest training job, or else the last run shown (persisted, so a restart re-opens it).
    fn live_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        let job = cx.jobs.jobs().iter().rev().find(|j| j.kind.is_training());
        if let Some(job) = job {
            if job.run_dir.is_some() && self.state.last_run != job.run_dir {
                self.state.last_run.clone_from(&job.run_dir);
                // Written at the next autosave even if the app is idle by then.
                self.frame_at = Some(std::time::Instant::now() + crate::gui::app::SAVE_AFTER);
            }
            live::job_ui(ui, job, &mut self.state.plot, cx, commands);
            return;
        }
        match self.state.last_run.as_deref().and_then(|d| cx.runs.get(d)) {
            Some(run) => {
                let last = self.last_steps.of_run(run, cx.runs.generation(), ui.ctx());
                let done = shown_steps(run, last.as_ref());
                live::record_ui(ui, run, done, &mut self.state.plot, cx, commands);
            }
            None if self.state.last_run.is_some() && cx.runs.is_loading() => {
                ui.spinner();
            }
            None => {
                ui.label("No training run yet. Fill in the form and press Launch (Ctrl+Enter).");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_args_for_a_smoke_run_and_an_attempt_without_gate_is_refused() {
        let form = TrainForm {
            dataset: Some("/ws/datasets/d".into()),
            preset: "tiny".into(),
            steps: 6,
            checkpoints: "3, 6".into(),
            title: "first".into(),
            ..TrainForm::default()
        };
        let args = form.launch_args(Path::new("/ws")).unwrap();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(
            joined
                .starts_with("--workspace /ws train --data /ws/datasets/d --preset tiny --steps 6"),
            "{joined}"
        );
        assert!(
            joined.contains("--checkpoints 3,6") && joined.contains("--smoke"),
            "{joined}"
        );
        assert!(joined.ends_with("--progress json"), "{joined}");

        let attempt = TrainForm {
            kind: RunKind::Attempt,
            ..form.clone()
        };
        assert_eq!(
            attempt.launch_blocker().as_deref(),
            Some(GATE_NEEDED_REASON)
        );
        assert!(attempt.launch_args(Path::new("/ws")).is_err());
        let bad = TrainForm {
            checkpoints: "3,x".into(),
            ..form
        };
        assert!(bad.launch_blocker().unwrap().contains("\"x\""));
        let beyond = TrainForm {
            checkpoints: "3,60".into(),
            ..bad
        };
        assert!(beyond
            .launch_blocker()
            .unwrap()
            .contains("step 60 can never be reached"));
    }

    #[test]
    fn the_form_says_which_checkpoints_the_preset_writes_and_that_it_turns_eval_off() {
        let mut form = TrainForm {
            preset: "tiny".into(),
            steps: 3000,
            plan_eval: false,
            ..TrainForm::default()
        };
        assert_eq!(
            form.schedule_text().as_deref(),
            Some("Checkpoints at steps 10, 3000 (the tiny preset's schedule)")
        );
        assert!(form
            .plan_eval_note()
            .unwrap()
            .contains("tiny preset turns planning"));
        form.plan_eval = true;
        assert_eq!(form.plan_eval_note(), None);
        // The planners of the per-checkpoint evaluation: graph by default, passed as a config key.
        assert_eq!(TrainForm::default().eval_planners, ["graph"]);
        let mut planners = TrainForm {
            dataset: Some("/ws/datasets/d".into()),
            eval_planners: vec!["lattice".into(), "mpc".into()],
            ..TrainForm::default()
        };
        let args = planners.launch_args(Path::new("/ws")).unwrap();
        let at = args.iter().position(|a| a == "--set").expect("--set");
        assert_eq!(args[at + 1], "plan_eval_planners=lattice,mpc");
        planners.eval_planners.clear();
        let args = planners.launch_args(Path::new("/ws")).unwrap();
        assert!(args.iter().any(|a| a == "plan_eval_planners="), "{args:?}");
        form.checkpoints = "5, 3000".into();
        assert_eq!(
            form.schedule_text().as_deref(),
            Some("Checkpoints at steps 5, 3000")
        );
        form.preset = "default".into();
        form.checkpoints.clear();
        form.steps = 5000;
        assert_eq!(
            form.schedule_text().as_deref(),
            Some("Checkpoints at steps 100, 1000, 2000, 3000, 4000, 5000 (the default preset's schedule)")
        );
    }
}
