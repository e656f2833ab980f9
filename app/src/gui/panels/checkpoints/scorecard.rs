//! The Checkpoints panel's two collapsible sections above the table: "Assessment", the scorecard
//! of a chosen checkpoint (`storage::assessment`: metric, value, Good/Ok/Bad coloured, thresholds),
//! and "Provenance", what the run was launched from (`storage::provenance`: the workspace's git
//! commit and uncommitted diff, and the config's difference from its preset), read off the UI
//! thread once per run and load of the run index.

use std::path::{Path, PathBuf};

use worldbench_storage::assessment::Assessment;
use worldbench_storage::provenance::{read_git, read_model_diff, GitState, ModelDiff};
use worldbench_storage::RunPaths;

use crate::gui::criteria::verdict_color;
use crate::gui::run_index::RunRecord;
use crate::gui::task::Task;

/// A run's recorded provenance.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub git: Option<GitState>,
    pub model_diff: Option<ModelDiff>,
    /// Why a file could not be read (it names the file).
    pub errors: Vec<String>,
}

fn read_provenance(dir: &Path) -> Provenance {
    let run = RunPaths::new(dir);
    let mut errors = Vec::new();
    let git = read_git(&run).unwrap_or_else(|e| {
        errors.push(e.to_string());
        None
    });
    let model_diff = read_model_diff(&run).unwrap_or_else(|e| {
        errors.push(e.to_string());
        None
    });
    Provenance {
        git,
        model_diff,
        errors,
    }
}

/// The provenance of the shown run, and the checkpoint whose scorecard is shown.
#[derive(Default)]
pub struct Sections {
    /// (run folder, run index generation) the provenance was read for.
    read_for: Option<(PathBuf, u64)>,
    provenance: Option<Provenance>,
    pending: Option<Task<Provenance>>,
    /// The step whose scorecard is shown (default: the last evaluated one).
    pub scorecard_step: Option<u64>,
}

impl Sections {
    /// The provenance of `dir` as last read (starting a background read when needed).
    fn provenance(
        &mut self,
        dir: &Path,
        generation: u64,
        ctx: &egui::Context,
    ) -> Option<&Provenance> {
        if let Some(done) = self.pending.as_mut().and_then(Task::poll) {
            self.provenance = Some(done.unwrap_or_else(|e| Provenance {
                errors: vec![e],
                ..Provenance::default()
            }));
            self.pending = None;
        }
        let key = (dir.to_path_buf(), generation);
        if self.read_for.as_ref() != Some(&key) {
            if self.read_for.as_ref().map(|(d, _)| d.as_path()) != Some(dir) {
                self.provenance = None;
                self.scorecard_step = None;
            }
            self.read_for = Some(key);
            let dir = dir.to_path_buf();
            self.pending = Some(Task::spawn(
                "worldbench-provenance",
                Some(ctx.clone()),
                move |_| Ok(read_provenance(&dir)),
            ));
        }
        self.provenance.as_ref()
    }

    /// Both sections for `run`.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        run: &RunRecord,
        generation: u64,
        assessment: &Assessment,
    ) {
        egui::CollapsingHeader::new("Assessment")
            .id_salt("checkpoints_assessment")
            .show(ui, |ui| self.scorecard_ui(ui, run, assessment));
        let provenance = self.provenance(&run.dir, generation, ui.ctx()).cloned();
        egui::CollapsingHeader::new("Provenance")
            .id_salt("checkpoints_provenance")
            .show(ui, |ui| match &provenance {
                Some(p) => provenance_ui(ui, p),
                None => {
                    ui.label("reading…");
                }
            });
    }

    fn scorecard_ui(&mut self, ui: &mut egui::Ui, run: &RunRecord, assessment: &Assessment) {
        let Some(last) = run.last_planning() else {
            ui.label("No checkpoint of this run is evaluated yet.");
            return;
        };
        let step = self
            .scorecard_step
            .filter(|s| run.planning_at(*s).is_some())
            .unwrap_or(last.step);
        ui.horizontal(|ui| {
            let label = ui.label("Scorecard of step");
            let mut chosen = step;
            egui::ComboBox::from_id_salt("scorecard_step")
                .selected_text(step.to_string())
                .show_ui(ui, |ui| {
                    for r in &run.planning {
                        ui.selectable_value(&mut chosen, r.step, r.step.to_string());
                    }
                })
                .response
                .labelled_by(label.id);
            self.scorecard_step = Some(chosen);
        });
        let Some(row) = run.planning_at(self.scorecard_step.unwrap_or(step)) else {
            return;
        };
        egui::Grid::new("scorecard_grid")
            .striped(true)
            .show(ui, |ui| {
                ui.strong("metric");
                ui.strong("value");
                ui.strong("verdict");
                ui.strong("thresholds");
                ui.end_row();
                for line in assessment.scorecard(row) {
                    ui.label(line.label)
                        .on_hover_text(format!("column {}", line.key));
                    ui.label(&line.text);
                    ui.label(
                        egui::RichText::new(line.verdict.as_str())
                            .color(verdict_color(line.verdict)),
                    )
                    .on_hover_text(format!(
                        "{}: {}",
                        line.label,
                        line.verdict.as_str()
                    ));
                    ui.weak(&line.thresholds);
                    ui.end_row();
                }
            });
        ui.weak("Thresholds: [assessment] of worldbench.toml (README, \"Their diagnostics\").");
    }
}

fn provenance_ui(ui: &mut egui::Ui, p: &Provenance) {
    for e in &p.errors {
        ui.colored_label(crate::gui::criteria::FAIL, e);
    }
    match &p.git {
        Some(g) => {
            let short: String = g.commit.chars().take(12).collect();
            ui.label(format!("git commit {short}"))
                .on_hover_text(&g.commit);
            if g.diff.is_empty() {
                ui.label("no uncommitted changes");
            } else {
                egui::CollapsingHeader::new(format!(
                    "uncommitted diff ({} lines)",
                    g.diff.lines().count()
                ))
                .id_salt("provenance_diff")
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(240.0)
                        .show(ui, |ui| ui.monospace(&g.diff));
                });
            }
        }
        None => {
            ui.label("git: not recorded (the workspace was not a git repository)");
        }
    }
    match &p.model_diff {
        Some(d) if d.keys.is_empty() => {
            ui.label(format!("model diff: the {} preset, unchanged", d.preset));
        }
        Some(d) => {
            ui.label(format!("model diff against the {} preset:", d.preset));
            egui::Grid::new("model_diff_grid")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("key");
                    ui.strong("preset");
                    ui.strong("run");
                    ui.end_row();
                    for k in &d.keys {
                        ui.label(&k.key);
                        ui.label(k.preset.to_string());
                        ui.label(k.run.to_string());
                        ui.end_row();
                    }
                });
        }
        None => {
            ui.label("model diff: not recorded (a run from before provenance was recorded)");
        }
    }
}
