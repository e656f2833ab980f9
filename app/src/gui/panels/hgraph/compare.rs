//! "Compare with…": a second checkpoint, of any run on the same dataset, beside the first, each
//! half labelled with its run and step. Pan/zoom, the orbit camera and 2D/3D are linked both ways,
//! both views are fitted together (after the split and on F), and a selection in either view rings
//! the same frames' nodes in the other.

use std::path::PathBuf;

use egui::Ui;
use worldbench_storage::checkpoints::checkpoint_title;
use worldbench_widgets::hgraph::{
    fit_together, HGraphResponse, HGraphView, OrbitCamera, ViewTransform,
};

use super::job::{self, Opened, Task};
use super::HGraphPanel;
use crate::run_context::graph_data;

/// The second checkpoint shown beside the first.
pub(super) struct Compare {
    pub checkpoint: PathBuf,
    pub view: HGraphView,
    pub task: Option<Task<Opened>>,
    pub opened: Option<Opened>,
    pub error: Option<String>,
}

/// What the two compared views share: the 2D transform, the 3D camera and the mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Linked {
    transform: Option<ViewTransform>,
    camera: Option<OrbitCamera>,
    three_d: bool,
}

impl Linked {
    pub fn of(view: &HGraphView) -> Self {
        Self {
            transform: view.transform,
            camera: view.camera,
            three_d: view.three_d,
        }
    }

    pub fn apply(self, view: &mut HGraphView) {
        view.transform = self.transform;
        view.camera = self.camera;
        view.three_d = self.three_d;
    }
}

/// The nodes of `to` holding the frames that `nodes` of `from` hold (both graphs over the same
/// dataset), ascending; empty when the frame counts differ.
pub(super) fn nodes_of_same_frames(from: &Opened, to: &Opened, nodes: &[u32]) -> Vec<u32> {
    let (a, b) = (&from.cache.node_of_frame, &to.cache.node_of_frame);
    if a.len() != b.len() || nodes.is_empty() {
        return Vec::new();
    }
    let mut chosen = vec![false; from.cache.num_nodes()];
    for &n in nodes {
        if let Some(c) = chosen.get_mut(n as usize) {
            *c = true;
        }
    }
    let mut out: Vec<u32> = a
        .iter()
        .zip(b)
        .filter(|(n, _)| chosen.get(**n as usize).copied().unwrap_or(false))
        .map(|(_, m)| *m)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The selected node and the box/lasso selection of `view`, together.
fn chosen_nodes(view: &HGraphView) -> Vec<u32> {
    let mut nodes = view.selection.clone();
    nodes.extend(view.selected);
    nodes
}

impl HGraphPanel {
    /// Opens `checkpoint` beside the first one, in its own view (linked pan/zoom).
    pub fn open_compare(&mut self, checkpoint: PathBuf) {
        if let Some(t) = self.compare.as_ref().and_then(|c| c.task.as_ref()) {
            t.cancel();
        }
        self.compare = Some(Compare {
            checkpoint: checkpoint.clone(),
            view: HGraphView::new(self.backend),
            task: Some(job::open(checkpoint, false, self.ctx.clone())),
            opened: None,
            error: None,
        });
    }

    /// Closes the compared checkpoint; the first view fits its full width again.
    pub fn close_compare(&mut self) {
        if let Some(c) = self.compare.take() {
            if let Some(t) = c.task {
                t.cancel();
            }
            self.view.fit();
        }
    }

    /// The compared checkpoint's view, when one is chosen.
    pub fn compare_view(&self) -> Option<&HGraphView> {
        self.compare.as_ref().map(|c| &c.view)
    }

    /// The compared checkpoint's view, to change what it shows (tests).
    pub fn compare_view_mut(&mut self) -> Option<&mut HGraphView> {
        self.compare.as_mut().map(|c| &mut c.view)
    }

    /// The compared checkpoint's graph, once open.
    pub fn compare_opened(&self) -> Option<&Opened> {
        self.compare.as_ref().and_then(|c| c.opened.as_ref())
    }

    /// The compared checkpoint's error, if opening it failed.
    pub fn compare_error(&self) -> Option<&str> {
        self.compare.as_ref().and_then(|c| c.error.as_deref())
    }

    pub(super) fn finish_compare(&mut self, result: Result<Opened, String>) {
        let size = self.map_size();
        let Some(c) = &mut self.compare else { return };
        match result {
            Ok(o) => {
                let data = graph_data(&o.cache, self.state.axes3(), size);
                match c.view.set_data(data) {
                    Ok(()) => {
                        c.view.set_color_mode(self.view.color_mode());
                        c.view.axis_names.clone_from(&self.view.axis_names);
                        c.view.three_d = self.view.three_d;
                        c.error.clone_from(&o.warning);
                        if std::mem::take(&mut self.keep_view_on_compare) {
                            // Reopened from last session: both keep its pan/zoom and camera.
                            Linked::of(&self.view).apply(&mut c.view);
                        } else {
                            // Both halves are fitted together on the next frame, at their new width.
                            self.fit_both = true;
                        }
                    }
                    Err(e) => c.error = Some(e),
                }
                c.opened = Some(o);
            }
            Err(e) => c.error = Some(format!("Could not open the compared h-graph: {e}")),
        }
    }

    pub(super) fn poll_compare(&mut self) {
        if let Some(t) = self.compare.as_mut().and_then(|c| c.task.as_mut()) {
            if let Some(r) = t.poll() {
                if let Some(c) = &mut self.compare {
                    c.task = None;
                }
                self.finish_compare(r);
            }
        }
    }

    /// Fits both views together (drawn at `size` each) when asked to: after the split, or F over
    /// either view (consumed here, so that neither view fits only itself).
    pub(super) fn fit_compared(&mut self, ui: &Ui, size: egui::Vec2) {
        let Some(c) = self.compare.as_mut().filter(|c| c.opened.is_some()) else {
            return;
        };
        let pointer = ui.input(|i| i.pointer.hover_pos());
        let over =
            pointer.is_some_and(|p| self.view.rect().contains(p) || c.view.rect().contains(p));
        if over
            && !ui.ctx().egui_wants_keyboard_input()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F))
        {
            self.fit_both = true;
        }
        if std::mem::take(&mut self.fit_both) {
            fit_together(&mut self.view, &mut c.view, size);
            self.linked = None;
        }
    }

    /// The "Compare with…" combo: every other checkpoint of the runs on this dataset.
    pub(super) fn compare_ui(&mut self, ui: &mut Ui) {
        let Some(o) = &self.opened else { return };
        let mut chosen = None;
        let mut close = false;
        let current = self
            .compare
            .as_ref()
            .map_or_else(|| "none".to_string(), |c| checkpoint_title(&c.checkpoint));
        let r = egui::ComboBox::from_label("Compare with…")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(self.compare.is_none(), "none")
                    .clicked()
                {
                    close = true;
                }
                for p in &o.comparable {
                    let on = self.compare.as_ref().is_some_and(|c| &c.checkpoint == p);
                    if ui.selectable_label(on, checkpoint_title(p)).clicked() && !on {
                        chosen = Some(p.clone());
                    }
                }
            });
        r.response.on_hover_text(
            "Any checkpoint of a run trained on the same dataset, beside this one (same frames, so \
             selections ring the same frames' nodes in both)",
        );
        if close {
            self.close_compare();
        }
        if let Some(p) = chosen {
            self.open_compare(p);
        }
    }

    /// The compared view beside the first, with pan/zoom, camera and 2D/3D linked both ways and each
    /// view's selection ringed on the other's nodes of the same frames; returns its hovered node.
    pub(super) fn compare_view_ui(
        &mut self,
        ui: &mut Ui,
        left: &HGraphResponse,
        size: egui::Vec2,
    ) -> Option<u32> {
        let c = self.compare.as_mut()?;
        let Some(right_opened) = &c.opened else {
            ui.allocate_ui(size, |ui| {
                ui.set_min_size(size);
                ui.vertical(|ui| {
                    ui.label(format!("Right: {}", checkpoint_title(&c.checkpoint)));
                    if let Some(t) = &c.task {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(&t.stage);
                        });
                    }
                    if let Some(e) = &c.error {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                });
            });
            return None;
        };
        let left_now = Linked::of(&self.view);
        if Some(left_now) != self.linked {
            left_now.apply(&mut c.view);
        }
        if left.box_selected.is_some() || left.clicked.is_some() {
            if let Some(o) = &self.opened {
                c.view.highlighted =
                    nodes_of_same_frames(o, right_opened, &chosen_nodes(&self.view));
            }
        }
        let r = ui
            .vertical(|ui| {
                ui.label(format!(
                    "Right: {}",
                    checkpoint_title(&right_opened.checkpoint)
                ));
                c.view.ui(ui, size)
            })
            .inner;
        let right_now = Linked::of(&c.view);
        if right_now != left_now {
            right_now.apply(&mut self.view);
        }
        self.linked = Some(right_now);
        if r.box_selected.is_some() || r.clicked.is_some() {
            if let Some(o) = &self.opened {
                self.view.highlighted =
                    nodes_of_same_frames(right_opened, o, &chosen_nodes(&c.view));
            }
        }
        r.hovered
    }

    /// Clears the box/lasso selection, the clicked node and the rings in both views.
    pub fn clear_selection(&mut self) {
        self.coverage = None;
        self.map_tile = None;
        for v in std::iter::once(&mut self.view).chain(self.compare.as_mut().map(|c| &mut c.view)) {
            v.selection.clear();
            v.selected = None;
            v.highlighted.clear();
        }
    }
}
