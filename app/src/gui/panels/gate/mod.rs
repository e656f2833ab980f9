//! The Gate panel: edit a hypothesis gate (add, remove, reorder hypotheses), a tradeoff matrix sortable
//! by rating, "Carry over from the last gate", a live checklist of what is missing, and an atomic Save.

mod check;
mod matrix;

use std::path::PathBuf;

use worldbench_storage::gate::{
    field_label, list_gates, new_gate_path, run_evidence, run_of_gate, Gate, Hypothesis,
};
use worldbench_storage::success_criteria::SuccessCriteria;

pub use check::gate_blocker;
use matrix::SortKey;

use super::{short_name, Panel, PanelContext};
use crate::gui::command::AppCommand;

/// The Gate panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct GateState {
    /// The gate file being edited (`None`: a new gate not saved yet).
    pub file: Option<PathBuf>,
}

pub struct GatePanel {
    pub state: GateState,
    /// The gate being edited.
    pub gate: Gate,
    /// Unsaved changes.
    pub dirty: bool,
    /// The file `gate` was read from, to reload when `state.file` changes.
    loaded: Option<PathBuf>,
    sort: Option<(SortKey, bool)>,
    /// The last save or load message.
    pub status: String,
}

impl GatePanel {
    pub fn new(state: GateState) -> Self {
        let mut panel = Self {
            state,
            gate: Gate::template(),
            dirty: false,
            loaded: None,
            sort: None,
            status: String::new(),
        };
        panel.load_selected();
        panel
    }

    fn load_selected(&mut self) {
        let Some(path) = self.state.file.clone() else {
            return;
        };
        match Gate::read(&path) {
            Ok(g) => {
                self.gate = g;
                self.status = format!("Opened {}", short_name(&path));
            }
            Err(e) => {
                self.status = format!("Cannot open: {e}");
                self.state.file = None;
            }
        }
        self.loaded = self.state.file.clone();
        self.dirty = false;
    }

    /// Starts a new gate from the template (not saved until Save).
    pub fn new_gate(&mut self) {
        self.gate = Gate::template();
        self.state.file = None;
        self.loaded = None;
        self.dirty = true;
        self.status = "New gate (not saved yet)".into();
    }

    /// A new gate carrying over the newest gate of the workspace, with the evidence of its run.
    pub fn carry_over_last(&mut self, cx: &PanelContext<'_>) {
        let Some(last) = list_gates(&cx.workspace.gates_dir()).pop() else {
            self.status = "No gate to carry over yet: save one first".into();
            return;
        };
        let previous = match Gate::read(&last) {
            Ok(g) => g,
            Err(e) => {
                self.status = format!("Cannot carry over: {e}");
                return;
            }
        };
        let run = run_of_gate(&cx.workspace.runs_dir(), &last);
        let criteria = match SuccessCriteria::read(&cx.workspace.config_path()) {
            Ok(c) => c,
            Err(e) => {
                self.status = format!("Cannot carry over: {e}");
                return;
            }
        };
        let evidence = run
            .as_deref()
            .and_then(|r| run_evidence(r, &criteria).ok())
            .unwrap_or_default();
        self.gate = Gate::carry_over(&previous, &last, run.as_deref(), evidence);
        self.state.file = None;
        self.loaded = None;
        self.dirty = true;
        self.status = format!(
            "Carried over {} hypotheses from {}{}",
            self.gate.hypotheses.len(),
            short_name(&last),
            run.map_or_else(String::new, |r| format!(
                " with the evidence of {}",
                short_name(&r)
            ))
        );
    }

    /// Saves atomically (a new gate gets `gates/<ts>.<slug>.json`); returns the path.
    pub fn save(&mut self, cx: &PanelContext<'_>) -> Option<PathBuf> {
        let path = self.state.file.clone().unwrap_or_else(|| {
            let title = self.gate.failure_mode.lines().next().unwrap_or("gate");
            new_gate_path(&cx.workspace.gates_dir(), title)
        });
        match self.gate.write(&path) {
            Ok(()) => {
                self.status = format!("Saved {}", short_name(&path));
                self.state.file = Some(path.clone());
                self.loaded = Some(path.clone());
                self.dirty = false;
                Some(path)
            }
            Err(e) => {
                self.status = format!("Not saved: {e}");
                None
            }
        }
    }
}

impl Panel for GatePanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        if self.state.file != self.loaded && self.state.file.is_some() {
            self.load_selected();
        }
        ui.heading("Hypothesis gate");
        ui.weak("No training attempt without a complete gate: at least 3 hypotheses with tradeoffs, one chosen.");
        ui.add_space(4.0);
        self.toolbar_ui(ui, cx, commands);
        ui.separator();
        ui.columns(2, |cols| {
            egui::ScrollArea::vertical()
                .id_salt("gate_form")
                .show(&mut cols[0], |ui| {
                    self.form_ui(ui);
                });
            egui::ScrollArea::vertical()
                .id_salt("gate_side")
                .show(&mut cols[1], |ui| {
                    check::checklist_ui(ui, &self.gate);
                    ui.separator();
                    matrix::matrix_ui(ui, &self.gate, &mut self.sort);
                });
        });
    }
}

impl GatePanel {
    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelContext<'_>,
        commands: &mut Vec<AppCommand>,
    ) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Gate file");
            let shown = self
                .state
                .file
                .as_deref()
                .map_or_else(|| "(new, unsaved)".to_string(), short_name);
            let mut picked = None;
            egui::ComboBox::from_id_salt("gate_file")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for g in list_gates(&cx.workspace.gates_dir()).into_iter().rev() {
                        if ui
                            .selectable_label(self.state.file.as_ref() == Some(&g), short_name(&g))
                            .clicked()
                        {
                            picked = Some(g);
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            if let Some(p) = picked {
                self.state.file = Some(p);
            }
            if ui
                .button("New gate")
                .on_hover_text("An empty gate with three hypotheses")
                .clicked()
            {
                self.new_gate();
            }
            if ui
                .button("Carry over from the last gate")
                .on_hover_text(
                    "A new gate with the newest gate's hypotheses and the evidence of its run",
                )
                .clicked()
            {
                self.carry_over_last(cx);
            }
            let save_text = if self.dirty { "Save*" } else { "Save" };
            if ui
                .button(save_text)
                .on_hover_text("Write the gate file (atomically)")
                .clicked()
            {
                self.save(cx);
            }
            let complete = self.gate.is_complete();
            let resp = ui.add_enabled(
                complete && self.state.file.is_some() && !self.dirty,
                egui::Button::new("Use for the next attempt"),
            );
            let resp = if complete {
                resp.on_disabled_hover_text("Save the gate first")
            } else {
                resp.on_disabled_hover_text("The gate is incomplete: see the checklist")
            };
            if resp.clicked() {
                if let Some(f) = &self.state.file {
                    commands.push(AppCommand::UseGateForTraining(f.clone()));
                }
            }
        });
        if !self.status.is_empty() {
            ui.weak(&self.status);
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui) {
        let g = &mut self.gate;
        let mut changed = false;
        let label = ui.label(field_label("failure_mode"));
        changed |= ui
            .add(
                egui::TextEdit::multiline(&mut g.failure_mode)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
            .changed();
        if g.carried_over_from.is_some() {
            ui.weak(format!(
                "Carried over from {}",
                g.carried_over_from.as_deref().unwrap_or("")
            ));
            let label = ui.label(field_label("evidence"));
            changed |= ui
                .add(
                    egui::TextEdit::multiline(&mut g.evidence)
                        .desired_rows(2)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id)
                .changed();
        }
        ui.add_space(6.0);
        let mut action: Option<(usize, Move)> = None;
        let n = g.hypotheses.len();
        for i in 0..n {
            let chosen = g.chosen == Some(i);
            let h = &mut g.hypotheses[i];
            let title = format!(
                "#{i}{} {}",
                if chosen { " (chosen)" } else { "" },
                if h.statement.trim().is_empty() {
                    "(no statement yet)"
                } else {
                    h.statement.trim()
                }
            );
            egui::CollapsingHeader::new(title)
                .id_salt(("hyp", i))
                .default_open(true)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(i > 0, egui::Button::new("Up"))
                            .on_hover_text("Move up")
                            .clicked()
                        {
                            action = Some((i, Move::Up));
                        }
                        if ui
                            .add_enabled(i + 1 < n, egui::Button::new("Down"))
                            .on_hover_text("Move down")
                            .clicked()
                        {
                            action = Some((i, Move::Down));
                        }
                        if ui.button("Remove").clicked() {
                            action = Some((i, Move::Remove));
                        }
                        if ui.radio(chosen, "Chosen for the next attempt").clicked() {
                            action = Some((i, Move::Choose));
                        }
                    });
                    changed |= hypothesis_ui(ui, i, h, chosen);
                });
        }
        if let Some((i, m)) = action {
            apply_move(g, i, m);
            changed = true;
        }
        if ui.button("Add hypothesis").clicked() {
            g.hypotheses.push(Hypothesis::default());
            changed = true;
        }
        ui.add_space(6.0);
        let label = ui.label(field_label("justification"));
        changed |= ui
            .add(
                egui::TextEdit::multiline(&mut g.justification)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
            .changed();
        self.dirty |= changed;
    }
}

/// An edit of the hypothesis list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    Remove,
    Choose,
}

/// Moves, removes or chooses hypothesis `i`; `chosen` follows the hypothesis it points to.
pub fn apply_move(g: &mut Gate, i: usize, m: Move) {
    let n = g.hypotheses.len();
    if i >= n {
        return;
    }
    let swap = |g: &mut Gate, a: usize, b: usize| {
        g.hypotheses.swap(a, b);
        g.chosen = g.chosen.map(|c| {
            if c == a {
                b
            } else if c == b {
                a
            } else {
                c
            }
        });
    };
    match m {
        Move::Up if i > 0 => swap(g, i, i - 1),
        Move::Down if i + 1 < n => swap(g, i, i + 1),
        Move::Remove => {
            g.hypotheses.remove(i);
            g.chosen = match g.chosen {
                Some(c) if c == i => None,
                Some(c) if c > i => Some(c - 1),
                other => other,
            };
        }
        Move::Choose => g.chosen = Some(i),
        _ => {}
    }
}

/// The fields of one hypothesis; returns whether anything changed.
fn hypothesis_ui(ui: &mut egui::Ui, i: usize, h: &mut Hypothesis, chosen: bool) -> bool {
    let mut changed = false;
    egui::Grid::new(("hyp_grid", i))
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let mut text = |ui: &mut egui::Ui, name: &str, value: &mut String| {
                let label = ui.label(name);
                changed |= ui
                    .add(egui::TextEdit::singleline(value).desired_width(320.0))
                    .labelled_by(label.id)
                    .changed();
                ui.end_row();
            };
            text(ui, field_label("statement"), &mut h.statement);
            text(ui, field_label("recommendation"), &mut h.recommendation);
            text(ui, field_label("upside"), &mut h.upside);
            text(ui, field_label("downside"), &mut h.downside);
            text(
                ui,
                field_label("false_positive_risk"),
                &mut h.false_positive_risk,
            );
            text(ui, field_label("runtime_cost"), &mut h.runtime_cost);
            if !chosen {
                text(ui, field_label("deferred_reason"), &mut h.deferred_reason);
            }
            if h.carried_from.is_some() {
                text(ui, field_label("revisit_note"), &mut h.revisit_note);
            }
            let mut rating = |ui: &mut egui::Ui, name: &str, value: &mut u8| {
                let label = ui.label(name);
                changed |= ui
                    .add(egui::Slider::new(value, 0..=5).text("(0 = not rated)"))
                    .labelled_by(label.id)
                    .changed();
                ui.end_row();
            };
            rating(ui, field_label("upside_rating"), &mut h.upside_rating);
            rating(ui, field_label("risk_rating"), &mut h.risk_rating);
            rating(ui, field_label("cost_rating"), &mut h.cost_rating);
        });
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_keep_the_choice_on_its_hypothesis() {
        let mut g = Gate::template();
        for (i, h) in g.hypotheses.iter_mut().enumerate() {
            h.statement = format!("h{i}");
        }
        apply_move(&mut g, 1, Move::Choose);
        apply_move(&mut g, 1, Move::Up);
        assert_eq!(g.hypotheses[0].statement, "h1");
        assert_eq!(g.chosen, Some(0));
        apply_move(&mut g, 1, Move::Down);
        assert_eq!(g.hypotheses[2].statement, "h0");
        assert_eq!(g.chosen, Some(0));
        apply_move(&mut g, 1, Move::Remove);
        assert_eq!(g.chosen, Some(0));
        apply_move(&mut g, 0, Move::Remove);
        assert_eq!((g.chosen, g.hypotheses.len()), (None, 1));
        apply_move(&mut g, 0, Move::Up);
        assert_eq!(g.hypotheses[0].statement, "h0");
    }
}
