//! The sweep form beside the Train form: its base is the Train form's settings; a grid editor
//! picks config keys (with their types and the preset's defaults) and their values, the seeds, grid
//! or random. It shows the number of cells and the estimated total time before launch, writes the
//! same `sweep.toml` a person would (`storage::sweep::draft`) off the UI thread, and runs
//! `worldbench sweep run <file> --wait` as a job.

use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_storage::config_keys::{self, KEYS};
use worldbench_storage::sweep::draft::SweepDraft;

use super::TrainForm;
use crate::gui::command::AppCommand;
use crate::gui::jobs::{JobCommand, JobSpec};
use crate::gui::panels::{format_duration, PanelContext};
use crate::gui::task::Task;
use crate::launch::QueuedJob;

/// One key of the grid and its values as typed (separated by spaces).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct GridRow {
    pub key: String,
    pub values: String,
}

/// The sweep form's persisted state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SweepForm {
    pub title: String,
    pub random: bool,
    pub samples: usize,
    pub sample_seed: u64,
    /// Seeds, separated by commas or spaces.
    pub seeds: String,
    pub rows: Vec<GridRow>,
    /// Submit the sweep to Slurm as one job array (`sweep run … --backend slurm`).
    pub slurm: bool,
}

impl Default for SweepForm {
    fn default() -> Self {
        Self {
            title: String::new(),
            random: false,
            samples: 4,
            sample_seed: 0,
            seeds: "0, 1, 2".into(),
            rows: vec![GridRow {
                key: "lr".into(),
                values: String::new(),
            }],
            slurm: false,
        }
    }
}

impl SweepForm {
    /// `sweep run <file> …`: `--wait` runs the cells in the workspace queue; `--backend slurm`
    /// submits them as one Slurm job array and returns.
    pub fn run_args(&self, file: &Path) -> Vec<String> {
        let mut args = vec!["sweep".into(), "run".into(), file.display().to_string()];
        if self.slurm {
            args.extend(["--backend".into(), "slurm".into()]);
        } else {
            args.push("--wait".into());
        }
        args
    }

    /// The sweep the form describes with the Train form's settings as its base.
    pub fn draft(&self, train: &TrainForm) -> Result<SweepDraft, String> {
        let data = train
            .dataset
            .as_ref()
            .ok_or("Choose a dataset in the Train form")?;
        let mut base: worldbench_storage::sweep::Params = [
            ("data".to_string(), Value::from(data.display().to_string())),
            ("preset".to_string(), Value::from(train.preset.clone())),
            ("steps".to_string(), Value::from(train.steps)),
            ("plan_eval".to_string(), Value::from(train.plan_eval)),
            ("device".to_string(), Value::from(train.device.clone())),
            // "Planners evaluated": every cell sweeps the same planners at its checkpoints.
            (
                "plan_eval_planners".to_string(),
                Value::from(train.eval_planners.join(",")),
            ),
        ]
        .into();
        if let Some(list) = train.checkpoint_list()? {
            base.insert("checkpoints".into(), Value::from(list));
        }
        let seeds = self
            .seeds
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("seed {s:?} is not a number"))
            })
            .collect::<Result<Vec<u64>, String>>()?;
        if seeds.is_empty() {
            return Err("Give at least one seed".into());
        }
        let mut grid = Vec::new();
        for row in &self.rows {
            let key = config_keys::key(&row.key).map_err(|e| e.0)?;
            let values = row
                .values
                .split_whitespace()
                .map(|t| key.parse_text(t).map_err(|e| e.0))
                .collect::<Result<Vec<Value>, String>>()?;
            if values.is_empty() {
                return Err(format!(
                    "Give {} one or more values (separated by spaces)",
                    key.name
                ));
            }
            base.remove(key.name);
            grid.push((key.name.to_string(), values));
        }
        let title = if self.title.trim().is_empty() {
            "untitled sweep".to_string()
        } else {
            self.title.trim().to_string()
        };
        Ok(SweepDraft {
            title,
            kind: train.kind,
            gate: train.gate.clone(),
            random: self.random.then_some((self.samples, self.sample_seed)),
            seeds,
            base,
            grid,
        })
    }
}

/// The median training speed of the workspace's runs (steps/s), for the estimate.
pub fn median_speed(cx: &PanelContext<'_>) -> Option<f64> {
    let mut v: Vec<f64> = cx
        .runs
        .runs()
        .iter()
        .filter_map(|r| r.train.last().map(|t| t.steps_per_s))
        .filter(|s| s.is_finite() && *s > 0.0)
        .collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Writes the sweep file into `sweeps/drafts/` (off the UI thread); `sweep run` registers it.
fn write_draft(ws: &Path, text: String, title: &str) -> Task<PathBuf> {
    let dir = ws.join("sweeps").join("drafts");
    let stamp = chrono::Local::now().format("%Y-%m-%d_%H-%M-%S").to_string();
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    Task::spawn("sweep file", None, move |_| {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{stamp}.{slug}.toml"));
        worldbench_storage::atomic::write_atomic(&path, text.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(path)
    })
}

/// The sweep form's part of the Train panel (state in `TrainState`, its write task here).
#[derive(Default)]
pub struct SweepFormUi {
    writing: Option<(Task<PathBuf>, String)>,
}

impl SweepFormUi {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        form: &mut SweepForm,
        train: &TrainForm,
        slurm_blocker: Option<&str>,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        if let Some((task, title)) = &mut self.writing {
            if let Some(r) = task.poll() {
                match r {
                    Ok(path) => commands.push(AppCommand::Launch(Box::new(JobSpec::new(
                        format!(
                            "sweep \"{title}\"{}",
                            if form.slurm { " on Slurm" } else { "" }
                        ),
                        JobCommand::Queued(QueuedJob {
                            workspace: cx.workspace.root.clone(),
                            args: form.run_args(&path),
                            run: None,
                            resume: false,
                            job_id: None,
                        }),
                    )))),
                    Err(e) => commands.push(AppCommand::ShowError(format!(
                        "Cannot write the sweep file: {e}"
                    ))),
                }
                self.writing = None;
            } else {
                ui.ctx().request_repaint();
            }
        }
        ui.label("Base: the Train form's settings above. Each row varies one config key.");
        ui.horizontal(|ui| {
            let l = ui.label("Sweep title");
            ui.add(egui::TextEdit::singleline(&mut form.title).desired_width(240.0))
                .labelled_by(l.id);
        });
        let mut remove = None;
        for (i, row) in form.rows.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let shown = config_keys::key(&row.key)
                    .map_or_else(|_| "(choose a key)".to_string(), |k| k.name.to_string());
                let key_label = ui.label(format!("Key {}", i + 1));
                egui::ComboBox::from_id_salt(("sweep_key", i))
                    .selected_text(shown)
                    .width(130.0)
                    .show_ui(ui, |ui| {
                        for k in KEYS {
                            let default = k
                                .default_in(&train.preset)
                                .map_or_else(|_| "–".into(), |v| v.to_string());
                            ui.selectable_value(&mut row.key, k.name.to_string(), k.name)
                                .on_hover_text(format!(
                                    "{} ({}, default {default}): {}",
                                    k.name,
                                    k.ty.name(),
                                    k.help
                                ));
                        }
                    })
                    .response
                    .labelled_by(key_label.id);
                let hint = config_keys::key(&row.key)
                    .ok()
                    .and_then(|k| Some((k.ty.name(), k.default_in(&train.preset).ok()?)))
                    .map_or_else(String::new, |(ty, v)| format!("{ty}, default {v}"));
                let values_label = ui.label("values");
                ui.add(
                    egui::TextEdit::singleline(&mut row.values)
                        .hint_text(hint)
                        .desired_width(70.0),
                )
                .labelled_by(values_label.id)
                .on_hover_text("Values separated by spaces");
                if ui.small_button(format!("Remove key {}", i + 1)).clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            form.rows.remove(i);
        }
        if ui.button("Add key").clicked() {
            form.rows.push(GridRow::default());
        }
        ui.horizontal(|ui| {
            let l = ui.label("Seeds");
            ui.add(egui::TextEdit::singleline(&mut form.seeds).desired_width(100.0))
                .labelled_by(l.id);
            ui.radio_value(&mut form.random, false, "Grid");
            ui.radio_value(&mut form.random, true, "Random");
            if form.random {
                let l = ui.label("samples");
                ui.add(egui::DragValue::new(&mut form.samples).range(1..=10_000))
                    .labelled_by(l.id);
                let l = ui.label("sample seed");
                ui.add(egui::DragValue::new(&mut form.sample_seed))
                    .labelled_by(l.id);
            }
        });
        let checked = form
            .draft(train)
            .and_then(|d| d.check().map(|(_, n)| (d, n)));
        match &checked {
            Ok((_, n)) => {
                let time = median_speed(cx).map_or_else(
                    || {
                        "time unknown until a run of this workspace has logged its speed"
                            .to_string()
                    },
                    |s| {
                        format!(
                            "about {} one at a time at {s:.1} steps/s",
                            format_duration(*n as f64 * train.steps as f64 / s)
                        )
                    },
                );
                ui.label(format!("{n} runs ({} steps each), {time}", train.steps));
            }
            Err(e) => {
                ui.colored_label(crate::gui::criteria::FAIL, e);
            }
        }
        ui.horizontal(|ui| {
            ui.label("Sweep backend");
            ui.radio_value(&mut form.slurm, false, "Local queue")
                .on_hover_text("Run the cells in this workspace's queue (`sweep run <file> --wait`)");
            ui.add_enabled_ui(slurm_blocker.is_none(), |ui| {
                let r = ui.radio_value(&mut form.slurm, true, "Slurm array");
                match slurm_blocker {
                    Some(why) => r.on_disabled_hover_text(why),
                    None => r.on_hover_text(
                        "Submit the cells as one Slurm job array (`sweep run <file> --backend slurm`)",
                    ),
                };
            });
        });
        let blocked = form.slurm && slurm_blocker.is_some();
        if let Some(why) = slurm_blocker.as_ref().filter(|_| form.slurm) {
            ui.add(egui::Label::new(egui::RichText::new(format!("Slurm: {why}")).weak()).wrap());
        }
        let ready = checked.is_ok() && self.writing.is_none() && !blocked;
        let (text, hover) = if form.slurm {
            (
                "Submit sweep to Slurm",
                "Writes the sweep file and runs `worldbench sweep run <file> --backend slurm`",
            )
        } else {
            (
                "Launch sweep",
                "Writes the sweep file and runs `worldbench sweep run <file> --wait`",
            )
        };
        if ui
            .add_enabled(ready, egui::Button::new(text))
            .on_hover_text(hover)
            .clicked()
        {
            if let Ok((d, _)) = checked {
                self.writing = Some((
                    write_draft(&cx.workspace.root, d.to_toml(), &d.title),
                    d.title,
                ));
            }
        }
    }
}
