//! The playground's planner choice on the checkpoint open: when it opens, a background check
//! ([`job::check_planners`]) finds out which planners can be built on it (e.g. not the lattice on
//! data whose moves leave h unchanged). A planner that cannot be built is greyed, its hover text
//! giving the reason; a choice that cannot be built gives way to one that can, and a one-line note
//! says so; when none can be built, the plan buttons are disabled with the reasons.

use egui::Ui;
use worldbench_model::planners::PlannerKind;

use std::sync::Arc;

use super::job::{self, Checked, PlannerCheck, Task};
use super::HGraphPanel;

/// What the playground knows of which planners can be built on the checkpoint open.
#[derive(Default)]
pub(super) struct Buildable {
    pub task: Option<Task<Checked>>,
    /// The last check's answer (none yet, or the check failed: every choice stays open).
    pub check: Option<PlannerCheck>,
    /// The dataset's h the check encoded, which the lattice plans with (none yet: a plan encodes
    /// it itself).
    pub dataset_h: Option<Arc<Vec<f32>>>,
    /// What the playground says of the check: the choice switched, or the check failed.
    pub note: Option<String>,
}

impl PlannerCheck {
    /// Why `kind` cannot be built (`None`: it can).
    pub fn reason(&self, kind: PlannerKind) -> Option<&str> {
        self.refused
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, e)| e.as_str())
    }

    /// The planner to plan with instead of `current` when it cannot be built (the first that can),
    /// with the note that says so; `None` when `current` can be built, or none can.
    pub fn fallback(&self, current: PlannerKind) -> Option<(PlannerKind, String)> {
        let why = self.reason(current)?;
        let instead = *self.ok.first()?;
        Some((
            instead,
            format!(
                "{current} cannot be built on this checkpoint ({why}): planning with {instead}"
            ),
        ))
    }

    /// Why no plan can be made, when no planner can be built.
    pub fn none_buildable(&self) -> Option<String> {
        if !self.ok.is_empty() {
            return None;
        }
        let reasons: Vec<String> = self
            .refused
            .iter()
            .map(|(k, e)| format!("{k}: {e}"))
            .collect();
        Some(format!(
            "No planner can be built on this checkpoint ({})",
            reasons.join("; ")
        ))
    }
}

/// What each planner does, its hover text when it can be built.
fn about(kind: PlannerKind) -> &'static str {
    match kind {
        PlannerKind::Graph => "Shortest paths in the h-graph of the data",
        PlannerKind::Lattice => "A* on the lattice of median action deltas",
        PlannerKind::Mpc => "CEM over action sequences with the predictor (slow)",
    }
}

impl HGraphPanel {
    /// The planners that can be built on the checkpoint open and why the others cannot, once
    /// checked.
    pub fn planner_check(&self) -> Option<&PlannerCheck> {
        self.play.planners.check.as_ref()
    }

    /// Why no plan can be made on this checkpoint, when no planner can be built on it.
    pub(super) fn no_planner(&self) -> Option<String> {
        self.play
            .planners
            .check
            .as_ref()
            .and_then(PlannerCheck::none_buildable)
    }

    /// Starts finding out which planners can be built on the checkpoint just opened (the previous
    /// checkpoint's check, if still running, is dropped).
    pub(super) fn check_planners(&mut self) {
        let b = &mut self.play.planners;
        if let Some(t) = b.task.take() {
            t.cancel();
        }
        (b.check, b.note, b.dataset_h) = (None, None, None);
        if let Some(o) = &self.opened {
            b.task = Some(job::check_planners(o, self.ctx.clone()));
        }
    }

    pub(super) fn poll_planners(&mut self) {
        let Some(r) = self.play.planners.task.as_mut().and_then(Task::poll) else {
            return;
        };
        let b = &mut self.play.planners;
        b.task = None;
        match r {
            Ok(Checked { check, dataset_h }) => {
                if let Some((kind, note)) = check.fallback(self.play.planner) {
                    self.play.planner = kind;
                    b.note = Some(note);
                }
                b.check = Some(check);
                b.dataset_h = Some(dataset_h);
            }
            Err(e) if e == "cancelled" => {}
            Err(e) => b.note = Some(format!("Could not check which planners can be built: {e}")),
        }
    }

    /// The planner choice: one radio button per planner, greyed with its reason when it cannot be
    /// built; the check's note under it.
    pub(super) fn planner_ui(&mut self, ui: &mut Ui) {
        let free = self.play.task.is_none();
        ui.horizontal(|ui| {
            ui.label("Planner:");
            for kind in PlannerKind::ALL {
                let why = self
                    .play
                    .planners
                    .check
                    .as_ref()
                    .and_then(|c| c.reason(kind));
                let r = ui
                    .add_enabled(
                        free && why.is_none(),
                        egui::RadioButton::new(self.play.planner == kind, kind.name()),
                    )
                    .on_hover_text(about(kind))
                    .on_disabled_hover_text(match why {
                        Some(why) => format!("Cannot be built on this checkpoint: {why}"),
                        None => about(kind).to_string(),
                    });
                if r.clicked() {
                    self.play.planner = kind;
                    self.play.planners.note = None;
                }
            }
            // No spinner: its repaints would keep a test's frames from settling while the check
            // runs, and the check's stages ask for a repaint themselves.
            if let Some(t) = &self.play.planners.task {
                ui.weak("checking…")
                    .on_hover_text(format!("Checking which planners can be built: {}", t.stage));
            }
        });
        if let Some(note) = &self.play.planners.note {
            ui.weak(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ok: &[PlannerKind], refused: &[(PlannerKind, &str)]) -> PlannerCheck {
        PlannerCheck {
            ok: ok.to_vec(),
            refused: refused.iter().map(|(k, e)| (*k, e.to_string())).collect(),
        }
    }

    #[test]
    fn a_choice_that_cannot_be_built_gives_way_to_the_first_that_can() {
        use PlannerKind::{Graph, Lattice, Mpc};
        let c = check(&[Graph, Mpc], &[(Lattice, "no move transitions")]);
        assert_eq!(c.reason(Lattice), Some("no move transitions"));
        assert_eq!(c.reason(Graph), None);
        assert_eq!(c.fallback(Graph), None);
        assert_eq!(c.fallback(Mpc), None);
        assert_eq!(
            c.fallback(Lattice),
            Some((
                Graph,
                "lattice cannot be built on this checkpoint (no move transitions): planning with \
                 graph"
                    .to_string()
            ))
        );
        assert_eq!(c.none_buildable(), None);
    }

    #[test]
    fn with_no_planner_buildable_the_reasons_are_given_and_nothing_is_switched() {
        use PlannerKind::{Graph, Lattice};
        let c = check(&[], &[(Graph, "a"), (Lattice, "b")]);
        assert_eq!(c.fallback(Lattice), None);
        assert_eq!(
            c.none_buildable().as_deref(),
            Some("No planner can be built on this checkpoint (graph: a; lattice: b)")
        );
    }
}
