//! The Train panel: the setup form, Launch, and the live view of the newest training job (progress
//! with ETA, loss curves, the planning metrics of each checkpoint as it lands, Cancel).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use worldbench_model::config::{TrainConfig, PRESET_NAMES};
use worldbench_storage::RunKind;

use super::{format_duration, short_name, Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::file_dialog::{DialogPoll, PickDialog};
use crate::gui::jobs::{Job, JobCommand, JobKind, JobSpec, JobState, TrainJob};
use crate::gui::planning_table::{planning_cells, planning_headers};
use crate::gui::plots::{line_plot, PlotSettings, Series};

/// Why the CUDA choice is greyed out in this build.
pub const CUDA_DISABLED_REASON: &str =
    "CUDA is not available: this worldbench was built without the `cuda` feature \
     (rebuild with `cargo build --release --features cuda` on a machine with the CUDA toolkit)";
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
                Ok(s) if s > 0 => steps.push(s),
                _ => {
                    return Err(format!(
                        "checkpoint schedule: {part:?} is not a positive step number"
                    ))
                }
            }
        }
        Ok(Some(steps))
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
            device: self.device.clone(),
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
    pub plot: PlotSettings,
}

pub struct TrainPanel {
    pub state: TrainState,
    /// The gate file picker, while it is open.
    gate_dialog: Option<PickDialog>,
}

impl TrainPanel {
    pub fn new(state: TrainState) -> Self {
        Self {
            state,
            gate_dialog: None,
        }
    }

    /// Builds the launch command from the form (Ctrl+Enter does the same as the button).
    pub fn launch(&self, workspace: &Path, commands: &mut Vec<AppCommand>) {
        let form = &self.state.form;
        match form.train_job(workspace) {
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
                commands.push(AppCommand::Launch(JobSpec::new(
                    format!("{kind} \"{title}\""),
                    JobCommand::Train(job),
                )));
            }
            Err(why) => commands.push(AppCommand::ShowError(format!("Cannot launch: {why}"))),
        }
    }
}

impl Panel for TrainPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        ui.heading("Train a world model");
        ui.add_space(4.0);
        ui.columns(2, |cols| {
            egui::ScrollArea::vertical().id_salt("train_form").show(&mut cols[0], |ui| {
                self.form_ui(ui, cx, commands);
            });
            egui::ScrollArea::vertical().id_salt("train_live").show(&mut cols[1], |ui| {
                let job = cx.jobs.jobs().iter().rev().find(|j| j.kind.is_training());
                match job {
                    Some(job) => self.job_ui(ui, job, cx, commands),
                    None => {
                        ui.label("No training run yet. Fill in the form and press Launch (Ctrl+Enter).");
                    }
                }
            });
        });
    }
}

impl TrainPanel {
    fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        let form = &mut self.state.form;
        let gate_dialog = &mut self.gate_dialog;
        egui::Grid::new("train_form_grid").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
            let label = ui.label("Dataset");
            let shown = form.dataset.as_deref().map_or_else(|| "(choose a dataset)".to_string(), short_name);
            let combo = egui::ComboBox::from_id_salt("train_dataset").selected_text(shown).show_ui(ui, |ui| {
                for d in cx.datasets {
                    ui.selectable_value(&mut form.dataset, Some(d.clone()), short_name(d));
                }
                if cx.datasets.is_empty() {
                    ui.label("No datasets in this workspace yet");
                }
            });
            combo.response.labelled_by(label.id);
            ui.end_row();

            let label = ui.label("Preset");
            let before = form.preset.clone();
            let combo = egui::ComboBox::from_id_salt("train_preset").selected_text(form.preset.clone()).show_ui(ui, |ui| {
                for name in PRESET_NAMES {
                    ui.selectable_value(&mut form.preset, name.to_string(), name);
                }
            });
            combo.response.labelled_by(label.id);
            if form.preset != before {
                if let Ok(cfg) = TrainConfig::preset(&form.preset) {
                    form.steps = cfg.steps;
                    form.plan_eval = cfg.plan_eval;
                }
            }
            ui.end_row();

            let label = ui.label("Steps");
            ui.add(egui::DragValue::new(&mut form.steps).range(1..=10_000_000).speed(10.0)).labelled_by(label.id);
            ui.end_row();

            let label = ui.label("Checkpoint steps");
            ui.add(
                egui::TextEdit::singleline(&mut form.checkpoints)
                    .hint_text("preset schedule (e.g. 100,1000,2000)")
                    .desired_width(220.0),
            )
            .labelled_by(label.id)
            .on_hover_text("Steps at which to write a checkpoint, comma separated; empty: 100, 1000, then every 1000");
            ui.end_row();

            let label = ui.label("Seed");
            ui.add(egui::DragValue::new(&mut form.seed)).labelled_by(label.id);
            ui.end_row();

            ui.label("Device");
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.device, "cpu".to_string(), "CPU");
                let cuda = cfg!(feature = "cuda");
                ui.add_enabled_ui(cuda, |ui| {
                    ui.radio_value(&mut form.device, "cuda".to_string(), "CUDA").on_disabled_hover_text(CUDA_DISABLED_REASON);
                });
                if !cuda && form.device == "cuda" {
                    form.device = "cpu".into();
                }
            });
            ui.end_row();

            let label = ui.label("Title");
            ui.add(egui::TextEdit::singleline(&mut form.title).hint_text("untitled").desired_width(220.0))
                .labelled_by(label.id);
            ui.end_row();

            ui.label("Kind");
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.kind, RunKind::Smoke, "Smoke run")
                    .on_hover_text("Checks the setup; needs no hypothesis gate");
                ui.radio_value(&mut form.kind, RunKind::Attempt, "Attempt")
                    .on_hover_text("A training attempt; needs a complete hypothesis gate");
            });
            ui.end_row();

            ui.label("Gate");
            ui.horizontal(|ui| {
                match &form.gate {
                    Some(g) => ui.label(short_name(g)).on_hover_text(g.display().to_string()),
                    None => ui.weak("none"),
                };
                let choose = ui.add_enabled(gate_dialog.is_none(), egui::Button::new("Choose gate…"));
                if choose.clicked() {
                    *gate_dialog = Some(PickDialog::file(
                        "Choose a hypothesis gate",
                        cx.workspace.gates_dir(),
                        ("gate", &["json"]),
                        ui.ctx().clone(),
                    ));
                }
                if let Some(d) = gate_dialog.as_mut() {
                    if let DialogPoll::Closed(picked) = d.poll() {
                        *gate_dialog = None;
                        if picked.is_some() {
                            form.gate = picked;
                        }
                    }
                }
                if form.gate.is_some() && ui.button("Clear gate").clicked() {
                    form.gate = None;
                }
            });
            ui.end_row();

            ui.label("Planning eval");
            ui.checkbox(&mut form.plan_eval, "Evaluate planning at each checkpoint");
            ui.end_row();
        });

        ui.add_space(8.0);
        let blocker = form.launch_blocker();
        let text = if form.kind == RunKind::Smoke {
            "Launch smoke run"
        } else {
            "Launch attempt"
        };
        let resp = ui.add_enabled(blocker.is_none(), egui::Button::new(text));
        let resp = match &blocker {
            Some(why) => resp.on_disabled_hover_text(why.as_str()),
            None => resp.on_hover_text("Ctrl+Enter"),
        };
        if let Some(why) = &blocker {
            ui.weak(why.as_str());
        }
        if resp.clicked() {
            self.launch(cx.workspace.root(), commands);
        }
    }

    fn job_ui(
        &mut self,
        ui: &mut egui::Ui,
        job: &Job,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        ui.strong(&job.label);
        if let Some(dir) = &job.run_dir {
            ui.weak(short_name(dir))
                .on_hover_text(dir.display().to_string());
        }
        let status = match &job.state {
            JobState::Running if job.kind == JobKind::Follow => {
                "running (started before this window; followed)".to_string()
            }
            JobState::Running => "running".to_string(),
            JobState::Cancelling => "cancelling: writing `last`…".to_string(),
            JobState::Completed => "finished".to_string(),
            JobState::Cancelled => {
                "cancelled (`last` written; Resume from the Checkpoints panel)".to_string()
            }
            JobState::Failed(msg) => format!("failed: {msg}"),
        };
        ui.label(format!("Status: {status}"));
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
                    .on_hover_text("Stop the run; it writes `last` first")
                    .clicked()
            {
                commands.push(AppCommand::Cancel(job.id));
            }
            if let Some(dir) = &job.run_dir {
                if ui.button("Open checkpoints").clicked() {
                    commands.push(AppCommand::ShowCheckpoints(dir.clone()));
                }
            }
        });

        ui.separator();
        self.state.plot.controls(ui);
        let series: Vec<(&str, Vec<[f64; 2]>)> = vec![
            (
                "loss",
                job.losses.iter().map(|p| [p.step as f64, p.loss]).collect(),
            ),
            (
                "pred",
                job.losses
                    .iter()
                    .map(|p| [p.step as f64, p.loss_pred])
                    .collect(),
            ),
            (
                "var",
                job.losses
                    .iter()
                    .map(|p| [p.step as f64, p.loss_var])
                    .collect(),
            ),
            (
                "cov",
                job.losses
                    .iter()
                    .map(|p| [p.step as f64, p.loss_cov])
                    .collect(),
            ),
        ];
        let series: Vec<Series<'_>> = series
            .iter()
            .map(|(name, pts)| Series {
                name: (*name).to_string(),
                points: pts,
            })
            .collect();
        line_plot(
            ui,
            "train_loss_plot",
            &series,
            self.state.plot,
            220.0,
            "loss",
        );
        ui.weak(curve_summary(job)).on_hover_text(
            "The run's logged steps; a resumed run's include those before the resume",
        );

        ui.separator();
        ui.strong("Planning metrics at checkpoints");
        if job.evals.is_empty() {
            ui.weak(if job.checkpoints.is_empty() {
                "No checkpoint yet."
            } else {
                "No planning metrics (evaluation is off, or running)."
            });
        } else {
            let mut rows = job.evals.clone();
            rows.sort_by_key(|r| r.step);
            egui::Grid::new("train_evals").striped(true).show(ui, |ui| {
                ui.strong("step");
                for h in planning_headers() {
                    ui.strong(h);
                }
                ui.end_row();
                for row in &rows {
                    ui.label(row.step.to_string());
                    planning_cells(ui, row, cx.criteria);
                    ui.end_row();
                }
            });
        }
    }
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
    }
}
