//! The Train panel's setup form: dataset, preset (its checkpoint schedule and planning-eval choice
//! said in words), steps, checkpoints (an invalid list is an error that disables Launch), seed,
//! device, title (suggested from the gate for an attempt), kind, gate and Launch.

use std::path::Path;

use worldbench_model::config::{TrainConfig, PRESET_NAMES};
use worldbench_model::planners::PlannerKind;
use worldbench_storage::RunKind;

use super::{TrainForm, TrainPanel};
use crate::gui::command::AppCommand;
use crate::gui::criteria::FAIL;
use crate::gui::file_dialog::{DialogPoll, PickDialog};
use crate::gui::panels::{short_name, PanelContext};

/// The width notes under the form's fields wrap at (that of the text fields).
const NOTE_WIDTH: f32 = 240.0;

/// The most characters of a gate's file name the form shows (the middle gives way to "…").
const GATE_NAME_CHARS: usize = 28;

/// `text` cut in the middle to at most `max` characters ("2025-03-01_…long-name.json").
pub fn truncate_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 3 {
        return text.to_string();
    }
    let keep = max - 1;
    let head: String = text.chars().take(keep / 2).collect();
    let tail: String = text.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// The title an attempt with the gate at `gate` is given unless one is typed: "attempt: <the
/// gate's title>" (its file is `gates/<time>.<title>.json`).
pub fn suggested_title(gate: &Path) -> String {
    let stem = gate
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let title = stem.split_once('.').map_or(stem.as_str(), |(_, t)| t);
    format!("attempt: {title}")
}

impl TrainForm {
    /// Suggests a title from the gate for an attempt, unless the user typed one for it (a title
    /// typed for a smoke run is replaced when switching to an attempt: `switched`).
    pub fn suggest_title(&mut self, switched: bool) {
        if self.kind != RunKind::Attempt {
            return;
        }
        let Some(gate) = &self.gate else { return };
        let title = self.title.trim();
        if switched || title.is_empty() || title.starts_with("attempt: ") {
            self.title = suggested_title(gate);
        }
    }
}

impl TrainPanel {
    pub(super) fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        let slurm_blocker = self.slurm.blocker();
        let form = &mut self.state.form;
        let gate_dialog = &mut self.gate_dialog;
        let devices = &mut self.devices;
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
            .on_hover_text("Steps at which to write a checkpoint, comma separated; empty: the preset's schedule");
            ui.end_row();
            ui.label("");
            // Wrapped at the text field's width, so that the form keeps its column.
            ui.scope(|ui| {
                ui.set_max_width(NOTE_WIDTH);
                let note = match (form.checkpoint_list(), form.schedule_text()) {
                    (Err(why), _) => egui::RichText::new(why).color(FAIL),
                    (Ok(_), Some(text)) => egui::RichText::new(text).weak(),
                    (Ok(_), None) => egui::RichText::new(""),
                };
                ui.add(egui::Label::new(note).wrap());
            });
            ui.end_row();

            let label = ui.label("Seed");
            ui.add(egui::DragValue::new(&mut form.seed)).labelled_by(label.id);
            ui.end_row();

            ui.label("Device");
            ui.horizontal(|ui| devices.ui(ui, &mut form.device));
            ui.end_row();

            ui.label("Backend");
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.slurm, false, "Local").on_hover_text("Train in a process on this machine");
                ui.add_enabled_ui(slurm_blocker.is_none(), |ui| {
                    let r = ui.radio_value(&mut form.slurm, true, "Slurm");
                    match &slurm_blocker {
                        Some(why) => r.on_disabled_hover_text(why.as_str()),
                        None => r.on_hover_text("Submit with sbatch to the cluster of [launch.slurm]; the run is followed from its folder"),
                    };
                });
            });
            ui.end_row();

            let label = ui.label("Title");
            ui.add(egui::TextEdit::singleline(&mut form.title).hint_text("untitled").desired_width(220.0))
                .labelled_by(label.id);
            ui.end_row();

            ui.label("Kind");
            ui.horizontal(|ui| {
                let was = form.kind;
                ui.radio_value(&mut form.kind, RunKind::Smoke, "Smoke run")
                    .on_hover_text("Checks the setup; needs no hypothesis gate");
                ui.radio_value(&mut form.kind, RunKind::Attempt, "Attempt")
                    .on_hover_text("A training attempt; needs a complete hypothesis gate");
                if form.kind != was {
                    form.suggest_title(true);
                }
            });
            ui.end_row();

            ui.label("Gate");
            ui.horizontal(|ui| {
                match &form.gate {
                    Some(g) => ui
                        .label(truncate_middle(&short_name(g), GATE_NAME_CHARS))
                        .on_hover_text(g.display().to_string()),
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
                    match d.poll() {
                        DialogPoll::Open => {}
                        DialogPoll::Closed(picked) => {
                            *gate_dialog = None;
                            if picked.is_some() {
                                form.gate = picked;
                                form.suggest_title(false);
                            }
                        }
                        DialogPoll::Failed(why) => {
                            *gate_dialog = None;
                            commands.push(AppCommand::ShowError(format!(
                                "{why} (gate files are in {})",
                                cx.workspace.gates_dir().display()
                            )));
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
            ui.label("Planners evaluated");
            ui.add_enabled_ui(form.plan_eval, |ui| {
                ui.horizontal(|ui| {
                    for kind in PlannerKind::ALL {
                        let name = kind.name();
                        let mut on = form.eval_planners.iter().any(|p| p == name);
                        let hover = "Sweep this planner over random pairs at every checkpoint: \
                                     its success columns in planning_metrics.csv (mpc is slow)";
                        if ui.checkbox(&mut on, name).on_hover_text(hover).changed() {
                            form.eval_planners.retain(|p| p != name);
                            if on {
                                form.eval_planners.push(name.to_string());
                            }
                            // Registry order, whatever the clicking order.
                            form.eval_planners.sort_by_key(|p| {
                                PlannerKind::ALL.iter().position(|k| k.name() == p)
                            });
                        }
                    }
                });
            });
            ui.end_row();
            if let Some(note) = form.plan_eval_note() {
                ui.label("");
                ui.scope(|ui| {
                    ui.set_max_width(NOTE_WIDTH);
                    ui.add(egui::Label::new(egui::RichText::new(note).weak()).wrap());
                });
                ui.end_row();
            }
        });

        ui.add_space(8.0);
        let blocker = form.launch_blocker().or_else(|| {
            slurm_blocker
                .filter(|_| form.slurm)
                .map(|why| format!("Slurm: {why}"))
        });
        let text = match (form.kind == RunKind::Smoke, form.slurm) {
            (true, false) => "Launch smoke run",
            (false, false) => "Launch attempt",
            (true, true) => "Submit smoke run to Slurm",
            (false, true) => "Submit attempt to Slurm",
        };
        let resp = ui.add_enabled(blocker.is_none(), egui::Button::new(text));
        let resp = match &blocker {
            Some(why) => resp.on_disabled_hover_text(why.as_str()),
            None => resp.on_hover_text("Ctrl+Enter"),
        };
        if let Some(why) = &blocker {
            let text = format!("Cannot launch: {why}");
            if form.form_error().is_some() {
                ui.add(egui::Label::new(egui::RichText::new(text).color(FAIL)).wrap());
            } else {
                ui.add(egui::Label::new(egui::RichText::new(text).weak()).wrap());
            }
        }
        if resp.clicked() {
            self.launch(cx.workspace.root(), commands);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gate_names_are_cut_in_the_middle_and_attempts_are_titled_from_the_gate() {
        let name = "2025-03-01_10-00-00.a-very-long-hypothesis-gate-name.json";
        let short = truncate_middle(name, 28);
        assert_eq!(short.chars().count(), 28);
        assert!(
            short.starts_with("2025-03-01") && short.ends_with("name.json") && short.contains('…')
        );
        assert_eq!(truncate_middle("short.json", 28), "short.json");

        let mut form = TrainForm {
            title: "gui smoke".into(),
            gate: Some(Path::new("/ws/gates").join(name)),
            ..TrainForm::default()
        };
        form.suggest_title(true);
        assert_eq!(form.title, "gui smoke", "a smoke run keeps its title");
        form.kind = RunKind::Attempt;
        form.suggest_title(true);
        assert_eq!(form.title, "attempt: a-very-long-hypothesis-gate-name");
        form.title = "my own".into();
        form.suggest_title(false);
        assert_eq!(
            form.title, "my own",
            "a typed title stays when a gate is chosen"
        );
    }
}
