//! The planning playground of the H-graph panel: pick start and goal on the map (or test1/test2),
//! plan with the model's planner in the background, read the outcome in words, and step through
//! the executed actions: the Step slider moves the agent on the map and the planned path on the
//! graph. Which planners can be built on the checkpoint is `planners.rs`'s.

use egui::{Color32, RichText, Ui};
use worldbench_model::eval::PlanOutcome;
use worldbench_model::planners::PlannerKind;
use worldbench_model::world::{Tile, TEST1, TEST2};
use worldbench_widgets::TileMarkers;

use super::job::{self, PlayResult, Task};
use super::planners::Buildable;
use super::HGraphPanel;

/// The planning playground's state.
#[derive(Default)]
pub(super) struct Playground {
    pub start: Option<Tile>,
    pub goal: Option<Tile>,
    /// A map click sets the goal (else the start).
    pub pick_goal: bool,
    /// The planner the next plan uses.
    pub planner: PlannerKind,
    /// Which planners can be built on the checkpoint open.
    pub planners: Buildable,
    pub task: Option<Task<PlayResult>>,
    pub outcome: Option<PlanOutcome>,
    /// The planner of the shown outcome and its final latent distance, when it reports one.
    pub outcome_planner: PlannerKind,
    pub final_distance: Option<f32>,
    /// "Planning cancelled" after a cancel.
    pub note: Option<String>,
    /// Executed steps shown (0..=outcome.steps).
    pub step: usize,
}

fn show(t: Option<Tile>) -> String {
    t.map_or_else(|| "–".to_string(), |t| format!("{},{}", t.row, t.col))
}

impl HGraphPanel {
    /// The playground's last plan.
    pub fn outcome(&self) -> Option<&PlanOutcome> {
        self.play.outcome.as_ref()
    }

    /// The planner the playground's next plan uses.
    pub fn planner(&self) -> PlannerKind {
        self.play.planner
    }

    /// The planner of the playground's last plan and its final latent distance (not for `graph`).
    pub fn outcome_planner(&self) -> (PlannerKind, Option<f32>) {
        (self.play.outcome_planner, self.play.final_distance)
    }

    /// Whether a plan is under way.
    pub fn is_planning(&self) -> bool {
        self.play.task.is_some()
    }

    /// The playground's executed tiles drawn on the map: the start, then one per step up to the
    /// step shown.
    pub fn executed_tiles(&self) -> Vec<[i16; 2]> {
        self.play.outcome.as_ref().map_or_else(Vec::new, |o| {
            o.tiles
                .iter()
                .take(self.play.step + 1)
                .map(|t| [t.row, t.col])
                .collect()
        })
    }

    /// The step of the plan shown (the slider).
    pub fn plan_step(&self) -> usize {
        self.play.step
    }

    /// What the map marks: the start and goal tiles, and the agent at the step shown.
    pub fn markers(&self) -> TileMarkers {
        let tile = |t: Option<Tile>| t.map(|t| [t.row, t.col]);
        TileMarkers {
            start: tile(self.play.start),
            goal: tile(self.play.goal),
            agent: self.executed_tiles().last().copied(),
        }
    }

    /// Shows `out` as the plan from `start` to `goal` (tests of the slider and markers).
    pub fn show_outcome(&mut self, start: Tile, goal: Tile, out: PlanOutcome) {
        self.forget_plan();
        (self.play.start, self.play.goal) = (Some(start), Some(goal));
        self.finish_plan(Ok(PlayResult {
            planner: PlannerKind::Graph,
            outcome: out,
            final_distance: None,
        }));
    }

    /// A map click: the start, then the goal, in turn. The previous plan no longer applies.
    pub(super) fn pick_tile(&mut self, tile: Tile) {
        if self.play.pick_goal {
            self.play.goal = Some(tile);
        } else {
            self.play.start = Some(tile);
        }
        self.play.pick_goal = !self.play.pick_goal;
        self.forget_plan();
    }

    /// Drops the shown plan (outcome, planned path on the graph, a plan under way).
    pub(super) fn forget_plan(&mut self) {
        if let Some(t) = self.play.task.take() {
            t.cancel();
        }
        self.play.outcome = None;
        self.play.final_distance = None;
        self.play.note = None;
        self.play.step = 0;
        self.view.path.clear();
    }

    pub(super) fn finish_plan(&mut self, result: Result<PlayResult, String>) {
        match result {
            Ok(r) => {
                self.play.step = r.outcome.steps;
                self.play.outcome = Some(r.outcome);
                self.play.outcome_planner = r.planner;
                self.play.final_distance = r.final_distance;
                self.show_plan_step();
            }
            Err(e) if e == "cancelled" => self.play.note = Some("Planning cancelled".into()),
            Err(e) => self.error = Some(format!("Planning failed: {e}")),
        }
    }

    fn show_plan_step(&mut self) {
        if let Some(out) = &self.play.outcome {
            let i = self
                .play
                .step
                .min(out.planned_nodes.len().saturating_sub(1));
            self.view.path = out.planned_nodes.get(i).cloned().unwrap_or_default();
        }
    }

    pub(super) fn poll_plan(&mut self) {
        if let Some(t) = &mut self.play.task {
            if let Some(r) = t.poll() {
                self.play.task = None;
                self.finish_plan(r);
            }
        }
    }

    pub(super) fn playground_ui(&mut self, ui: &mut Ui) {
        ui.strong("Planning playground");
        ui.label(format!(
            "Start {} · goal {} (click the map: {} next)",
            show(self.play.start),
            show(self.play.goal),
            if self.play.pick_goal { "goal" } else { "start" }
        ));
        let ready = self.opened.is_some() && self.play.task.is_none();
        self.planner_ui(ui);
        let none = self.no_planner();
        // Why a plan button is disabled, over it.
        let why = |r: egui::Response| match &none {
            Some(n) => r.on_disabled_hover_text(n),
            None => r,
        };
        ui.horizontal(|ui| {
            for (name, (s, g)) in [("test1", TEST1), ("test2", TEST2)] {
                let r = why(ui
                    .add_enabled(
                        self.opened.is_some() && none.is_none(),
                        egui::Button::new(name),
                    )
                    .on_hover_text(format!(
                        "Plan from {} to {} (the canonical {name})",
                        show(Some(s)),
                        show(Some(g))
                    )));
                if r.clicked() {
                    (self.play.start, self.play.goal) = (Some(s), Some(g));
                    self.play.pick_goal = false;
                    self.forget_plan();
                    self.start_plan(s, g);
                }
            }
            if let (Some(s), Some(g), true) = (self.play.start, self.play.goal, ready) {
                if why(ui.add_enabled(none.is_none(), egui::Button::new("Plan"))).clicked() {
                    self.start_plan(s, g);
                }
            }
        });
        if let Some(none) = &none {
            ui.colored_label(ui.visuals().warn_fg_color, none);
        }
        let mut cancel = false;
        if let Some(t) = &self.play.task {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(&t.stage);
                ui.add(egui::ProgressBar::new(t.fraction).desired_width(80.0));
                cancel = ui.button("Cancel planning").on_hover_text("Esc").clicked();
            });
            // Esc cancels too, in the very frame a plan starts.
            cancel |= ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
        }
        if cancel {
            if let Some(t) = self.play.task.take() {
                // The plan's result, whenever it comes, is dropped; the work stops at its next call.
                t.cancel();
                self.play.note = Some("Planning cancelled".into());
            }
        }
        if let Some(note) = &self.play.note {
            ui.weak(note);
        }
        let Some(out) = &self.play.outcome else {
            return;
        };
        let color = if out.success {
            Color32::from_rgb(80, 200, 120)
        } else {
            Color32::from_rgb(230, 80, 80)
        };
        ui.add(
            egui::Label::new(
                RichText::new(format!(
                    "{}: {} in {} steps (shortest {}, budget {}; {}){}",
                    self.play.outcome_planner,
                    if out.success {
                        "Reached the goal"
                    } else {
                        "Failed"
                    },
                    out.steps,
                    out.shortest_len,
                    out.budget,
                    out.stop.describe(),
                    self.play
                        .final_distance
                        .map_or_else(String::new, |d| format!("; final latent distance {d:.3}"))
                ))
                .color(color),
            )
            .wrap(),
        );
        let max = out.steps;
        if max > 0
            && ui
                .add(egui::Slider::new(&mut self.play.step, 0..=max).text("Step"))
                .changed()
        {
            self.show_plan_step();
            // The map above was drawn with the previous step: draw again.
            ui.ctx().request_repaint();
        }
        if let Some([r, c]) = self.markers().agent {
            ui.label(format!(
                "Agent at {r},{c} after step {} of {max}",
                self.play.step
            ));
        }
    }

    fn start_plan(&mut self, start: Tile, goal: Tile) {
        let Some(o) = &self.opened else { return };
        self.play.outcome = None;
        self.play.note = None;
        self.play.task = Some(job::plan(
            self.play.planner,
            o,
            self.play.planners.dataset_h.clone(),
            self.layout,
            start,
            goal,
            self.ctx.clone(),
        ));
    }
}
