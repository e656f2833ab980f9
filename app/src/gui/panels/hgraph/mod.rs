//! The Checkpoint view ("H-graph" panel): a checkpoint's h-graph drawn with wgpu (painter fallback),
//! coloured by tile, degree, reachability, component or first visit; hover and click a node to see
//! its frames and out-edges; shift-drag (box) or alt-drag (lasso) to see the tiles a selection
//! covers on the map; click a map tile to ring its nodes; a planning playground (start/goal tiles,
//! plan, step through it); and "Compare with…" another checkpoint of the run side by side, with
//! linked pan/zoom (or orbit camera) and selections ringed on the same frames' nodes of the other
//! view. The view shows two chosen principal axes, or three with an orbit camera ("3D", key 3).

pub mod job;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use worldbench_model::eval::PlanOutcome;
use worldbench_model::world::{Tile, World, TEST1, TEST2};
use worldbench_storage::ACTION_NAMES;
use worldbench_widgets::hgraph::{
    Backend, GpuTarget, GraphData, HGraphView, OrbitCamera, ViewTransform,
};
use worldbench_widgets::{coverage_counts, parse_walls, FrameKey, FrameView, TileGrid, TileMap};

use self::job::{Opened, Task};
use super::{short_name, Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::run_context::{graph_data, map_size};

/// Frames shown in the strip behind a clicked node.
const STRIP_FRAMES: usize = 8;

/// The panel's persisted state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HGraphState {
    /// The checkpoint shown (reopened from its cache on start).
    pub checkpoint: Option<PathBuf>,
    /// Principal axes on screen x and y (0 = PC1).
    pub axes: [usize; 2],
    /// The principal axis of the 3D view's depth (z).
    pub z_axis: usize,
    /// Whether the view shows three axes with the orbit camera.
    pub three_d: bool,
}

impl Default for HGraphState {
    /// PC1, PC2 (and PC3 in 3D), in 2D.
    fn default() -> Self {
        Self {
            checkpoint: None,
            axes: [0, 1],
            z_axis: 2,
            three_d: false,
        }
    }
}

impl HGraphState {
    /// The principal axes on x, y and z.
    pub fn axes3(&self) -> [usize; 3] {
        [self.axes[0], self.axes[1], self.z_axis]
    }
}

/// What the two compared views share: the 2D transform, the 3D camera and the mode.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Linked {
    transform: Option<ViewTransform>,
    camera: Option<OrbitCamera>,
    three_d: bool,
}

impl Linked {
    fn of(view: &HGraphView) -> Self {
        Self {
            transform: view.transform,
            camera: view.camera,
            three_d: view.three_d,
        }
    }

    fn apply(self, view: &mut HGraphView) {
        view.transform = self.transform;
        view.camera = self.camera;
        view.three_d = self.three_d;
    }
}

/// The planning playground's state.
#[derive(Default)]
struct Playground {
    start: Option<Tile>,
    goal: Option<Tile>,
    /// A map click sets the goal (else the start).
    pick_goal: bool,
    task: Option<Task<PlanOutcome>>,
    outcome: Option<PlanOutcome>,
    /// Executed steps shown (0..=outcome.steps).
    step: usize,
}

/// The second checkpoint shown beside the first ("Compare with…").
struct Compare {
    checkpoint: PathBuf,
    view: HGraphView,
    task: Option<Task<Opened>>,
    opened: Option<Opened>,
    error: Option<String>,
}

/// The other checkpoints of `checkpoint`'s folder (`*.safetensors`, not h-graph caches), steps in
/// order then `last`.
pub fn sibling_checkpoints(checkpoint: &Path) -> Vec<PathBuf> {
    let Some(dir) = checkpoint.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| {
                n.ends_with(".safetensors")
                    && !n.ends_with(".hgraph.safetensors")
                    && !n.starts_with('.')
            }) && p.as_path() != checkpoint
                && p.is_file()
        })
        .collect();
    out.sort_by_key(|p| {
        let name = short_name(p);
        (name == "last.safetensors", name)
    });
    out
}

/// The nodes of `to` holding the frames that `nodes` of `from` hold (both graphs over the same
/// dataset), ascending; empty when the frame counts differ.
fn nodes_of_same_frames(from: &Opened, to: &Opened, nodes: &[u32]) -> Vec<u32> {
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

/// The H-graph panel.
pub struct HGraphPanel {
    pub state: HGraphState,
    view: HGraphView,
    backend: Backend,
    task: Option<Task<Opened>>,
    opened: Option<Opened>,
    error: Option<String>,
    walls: TileGrid<bool>,
    /// Tiles of the box selection's frames.
    coverage: Option<TileGrid<u32>>,
    /// Frames per tile over the whole dataset (the map's background, so visited tiles show).
    visits: Option<TileGrid<u32>>,
    map_tile: Option<[i16; 2]>,
    frame_view: FrameView,
    play: Playground,
    /// Other checkpoints of the same run (for "Compare with…").
    siblings: Vec<PathBuf>,
    compare: Option<Compare>,
    /// The transform, camera and mode both compared views had after the last frame.
    linked: Option<Linked>,
    ctx: Option<egui::Context>,
}

impl HGraphPanel {
    /// The panel restoring `state` (its checkpoint is reopened, from the cache when fresh).
    pub fn new(state: HGraphState) -> Self {
        let mut view = HGraphView::new(Backend::Painter);
        view.three_d = state.three_d;
        let mut panel = Self {
            state,
            view,
            backend: Backend::Painter,
            task: None,
            opened: None,
            error: None,
            walls: no_map_walls(),
            coverage: None,
            visits: None,
            map_tile: None,
            frame_view: FrameView::new(32),
            play: Playground::default(),
            siblings: Vec::new(),
            compare: None,
            linked: None,
            ctx: None,
        };
        if let Some(ck) = panel.state.checkpoint.clone() {
            if ck.is_file() {
                panel.open(ck, false);
            }
        }
        panel
    }

    /// Draw with wgpu into `target` (or the painter when `None`).
    pub fn set_gpu(&mut self, target: Option<GpuTarget>) {
        self.backend = target.map_or(Backend::Painter, Backend::Wgpu);
        self.view.backend = self.backend;
        if let Some(c) = &mut self.compare {
            c.view.backend = self.backend;
        }
    }

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

    /// Closes the compared checkpoint.
    pub fn close_compare(&mut self) {
        if let Some(t) = self.compare.take().and_then(|c| c.task) {
            t.cancel();
        }
    }

    /// Blocks until the compared checkpoint is open and applies it (tests).
    pub fn wait_for_compare(&mut self) {
        if let Some(mut t) = self.compare.as_mut().and_then(|c| c.task.take()) {
            let r = t.wait();
            self.finish_compare(r);
        }
    }

    /// The compared checkpoint's view, when one is chosen.
    pub fn compare_view(&self) -> Option<&HGraphView> {
        self.compare.as_ref().map(|c| &c.view)
    }

    /// The compared checkpoint's graph, once open.
    pub fn compare_opened(&self) -> Option<&Opened> {
        self.compare.as_ref().and_then(|c| c.opened.as_ref())
    }

    /// The compared checkpoint's error, if opening it failed.
    pub fn compare_error(&self) -> Option<&str> {
        self.compare.as_ref().and_then(|c| c.error.as_deref())
    }

    fn finish_compare(&mut self, result: Result<Opened, String>) {
        let size = self.map_size();
        let Some(c) = &mut self.compare else { return };
        match result {
            Ok(o) => {
                let data = graph_data(&o.cache, self.state.axes3(), size);
                match c.view.set_data(data) {
                    Ok(()) => {
                        c.view.set_color_mode(self.view.color_mode());
                        c.view.axis_names.clone_from(&self.view.axis_names);
                        // Start from the first view's pan and zoom (or camera).
                        Linked::of(&self.view).apply(&mut c.view);
                        c.error.clone_from(&o.warning);
                    }
                    Err(e) => c.error = Some(e),
                }
                c.opened = Some(o);
            }
            Err(e) => c.error = Some(format!("Could not open the compared h-graph: {e}")),
        }
    }

    /// Opens `checkpoint` in the background (`recompute` ignores the cache).
    pub fn open(&mut self, checkpoint: PathBuf, recompute: bool) {
        if let Some(t) = &self.task {
            t.cancel();
        }
        self.state.checkpoint = Some(checkpoint.clone());
        self.error = None;
        self.task = Some(job::open(checkpoint, recompute, self.ctx.clone()));
    }

    /// Whether a checkpoint is being opened.
    pub fn is_loading(&self) -> bool {
        self.task.is_some()
    }

    /// Blocks until the open under way ends and applies it (tests).
    pub fn wait_for_open(&mut self) {
        if let Some(mut t) = self.task.take() {
            let r = t.wait();
            self.finish_open(r);
        }
    }

    /// Blocks until the plan under way ends and applies it (tests).
    pub fn wait_for_plan(&mut self) {
        if let Some(mut t) = self.play.task.take() {
            let r = t.wait();
            self.finish_plan(r);
        }
    }

    /// The view (tests inspect its selection and colours).
    pub fn view(&self) -> &HGraphView {
        &self.view
    }

    /// The graph opened, once open.
    pub fn opened(&self) -> Option<&Opened> {
        self.opened.as_ref()
    }

    /// The last error shown inline.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The playground's last plan.
    pub fn outcome(&self) -> Option<&PlanOutcome> {
        self.play.outcome.as_ref()
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

    fn map_size(&self) -> [usize; 2] {
        [self.walls.rows, self.walls.cols]
    }

    fn finish_open(&mut self, result: Result<Opened, String>) {
        match result {
            Ok(o) => {
                self.walls = o
                    .data
                    .map
                    .as_deref()
                    .and_then(parse_walls)
                    .unwrap_or_else(no_map_walls);
                self.error.clone_from(&o.warning);
                self.siblings = sibling_checkpoints(&o.checkpoint);
                // A compared checkpoint of another run is no longer comparable.
                if self
                    .compare
                    .as_ref()
                    .is_some_and(|c| c.checkpoint.parent() != o.checkpoint.parent())
                {
                    self.close_compare();
                }
                self.visits = o
                    .data
                    .tiles
                    .as_deref()
                    .map(|t| coverage_counts(t, self.walls.rows, self.walls.cols).0);
                self.opened = Some(o);
                self.coverage = None;
                self.map_tile = None;
                self.play = Playground::default();
                self.rebuild_view();
            }
            Err(e) => {
                self.error = Some(format!(
                    "Could not open the h-graph of {}: {e}",
                    self.state
                        .checkpoint
                        .as_deref()
                        .map_or_else(String::new, |p| p.display().to_string())
                ));
            }
        }
    }

    fn rebuild_view(&mut self) {
        let size = self.map_size();
        let Some(o) = &self.opened else { return };
        let axes = self.state.axes3();
        let data = graph_data(&o.cache, axes, size);
        if let Err(e) = self.view.set_data(data) {
            self.error = Some(e);
        }
        self.view.axis_names = axes.map(|a| format!("PC{}", a + 1));
        if let Some(c) = &mut self.compare {
            if let Some(o) = &c.opened {
                let keep = c.view.color_mode();
                if let Err(e) = c.view.set_data(graph_data(&o.cache, axes, size)) {
                    c.error = Some(e);
                }
                c.view.set_color_mode(keep);
                c.view.axis_names.clone_from(&self.view.axis_names);
            }
        }
        self.linked = None;
    }

    /// Shows `data` directly (tests and benchmarks of the panel without a checkpoint).
    pub fn show_graph(&mut self, data: GraphData) -> Result<(), String> {
        self.view.set_data(data)
    }

    fn finish_plan(&mut self, result: Result<PlanOutcome, String>) {
        match result {
            Ok(out) => {
                self.play.step = out.steps;
                self.play.outcome = Some(out);
                self.show_plan_step();
            }
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

    fn poll(&mut self) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.task = None;
                self.finish_open(r);
            }
        }
        if let Some(t) = &mut self.play.task {
            if let Some(r) = t.poll() {
                self.play.task = None;
                self.finish_plan(r);
            }
        }
        if let Some(t) = self.compare.as_mut().and_then(|c| c.task.as_mut()) {
            if let Some(r) = t.poll() {
                if let Some(c) = &mut self.compare {
                    c.task = None;
                }
                self.finish_compare(r);
            }
        }
    }
}

impl Panel for HGraphPanel {
    fn ui(&mut self, ui: &mut Ui, _cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.show(ui, commands);
    }
}

impl HGraphPanel {
    /// The panel's contents (it needs nothing from the app's context; tests call this directly).
    pub fn show(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        self.ctx = Some(ui.ctx().clone());
        self.poll();
        ui.heading("Checkpoint view: the h-graph");
        ui.horizontal(|ui| {
            match &self.state.checkpoint {
                Some(p) => {
                    ui.label(format!("Checkpoint: {}", short_name(p)))
                        .on_hover_text(p.display().to_string());
                }
                None => {
                    ui.label("No checkpoint: use \"Open h-graph\" on a checkpoint in the Checkpoints panel.");
                }
            }
            if let Some(p) = self.state.checkpoint.clone() {
                if self.task.is_none() && ui.button("Recompute").on_hover_text("Encode every frame again and rewrite the cache").clicked() {
                    self.open(p, true);
                }
            }
            if let Some(o) = &self.opened {
                ui.weak(format!(
                    "{} nodes · {} edges · radius {:.3} · {}",
                    o.cache.num_nodes(),
                    o.cache.edge_from.len(),
                    o.cache.merge_radius,
                    if o.from_cache { "from cache" } else { "computed" }
                ));
            }
        });
        if let Some(t) = &self.task {
            let mut cancel = false;
            ui.horizontal(|ui| {
                ui.spinner();
                ui.add(
                    egui::ProgressBar::new(t.fraction)
                        .desired_width(200.0)
                        .text(t.stage.clone()),
                );
                cancel = ui.button("Cancel").clicked();
            });
            if cancel {
                t.cancel();
            }
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
            if ui
                .small_button("Report")
                .on_hover_text("Copy to the error area")
                .clicked()
            {
                commands.push(AppCommand::ShowError(e.clone()));
            }
        }
        self.axes_ui(ui);
        self.compare_ui(ui);
        self.view.controls_ui(ui);
        self.view.legend_ui(ui);
        let side = 300.0;
        ui.horizontal_top(|ui| {
            let mut w = (ui.available_width() - side - 12.0).max(200.0);
            if self.compare.is_some() {
                w = ((w - ui.spacing().item_spacing.x) / 2.0).max(100.0);
            }
            let h = (ui.available_height() - 8.0).max(240.0);
            let resp = self.view.ui(ui, egui::vec2(w, h));
            if let Some(nodes) = &resp.box_selected {
                self.selection_tiles(nodes);
            }
            let compare_hovered = self.compare_view_ui(ui, &resp, egui::vec2(w, h));
            self.state.three_d = self.view.three_d;
            ui.vertical(|ui| {
                ui.set_width(side);
                self.info_ui(ui, resp.hovered);
                if let (Some(n), Some(c)) = (compare_hovered, &self.compare) {
                    ui.label(format!("Compared: {}", c.view.describe(n)));
                }
                ui.separator();
                self.map_ui(ui);
                ui.separator();
                self.playground_ui(ui);
            });
        });
    }

    /// The lasso toggle and the "Compare with…" combo (other checkpoints of the run).
    fn compare_ui(&mut self, ui: &mut Ui) {
        if self.opened.is_none() {
            return;
        }
        let mut chosen = None;
        let mut close = false;
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.view.lasso_mode, "Lasso")
                .on_hover_text("A drag draws a lasso that selects the nodes inside (as alt-drag)");
            let current = self
                .compare
                .as_ref()
                .map_or_else(|| "none".to_string(), |c| short_name(&c.checkpoint));
            egui::ComboBox::from_label("Compare with…")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(self.compare.is_none(), "none")
                        .clicked()
                    {
                        close = true;
                    }
                    for p in &self.siblings {
                        let on = self.compare.as_ref().is_some_and(|c| &c.checkpoint == p);
                        if ui.selectable_label(on, short_name(p)).clicked() && !on {
                            chosen = Some(p.clone());
                        }
                    }
                });
        });
        if close {
            self.close_compare();
        }
        if let Some(p) = chosen {
            self.open_compare(p);
        }
    }

    /// The compared view beside the first, with pan/zoom, camera and 2D/3D linked both ways and each view's
    /// selection ringed on the other's nodes of the same frames; returns its hovered node.
    fn compare_view_ui(
        &mut self,
        ui: &mut Ui,
        left: &worldbench_widgets::hgraph::HGraphResponse,
        size: egui::Vec2,
    ) -> Option<u32> {
        let c = self.compare.as_mut()?;
        let Some(right_opened) = &c.opened else {
            ui.allocate_ui(size, |ui| {
                ui.set_min_size(size);
                ui.vertical(|ui| {
                    ui.label(format!("Compared: {}", short_name(&c.checkpoint)));
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
        let r = c.view.ui(ui, size);
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

    fn axes_ui(&mut self, ui: &mut Ui) {
        let Some(o) = &self.opened else { return };
        let k = o.cache.num_axes();
        let var: Vec<f32> = o.cache.pca_variance.clone();
        let total: f32 = var.iter().sum::<f32>().max(1e-12);
        let mut changed = false;
        let names: &[&str] = if self.view.three_d {
            &["x axis", "y axis", "z axis"]
        } else {
            &["x axis", "y axis"]
        };
        let mut axes = self.state.axes3();
        ui.horizontal(|ui| {
            for (i, name) in names.iter().enumerate() {
                let label = ui.label(*name);
                let r = egui::ComboBox::from_id_salt(("hgraph_axis", i))
                    .selected_text(format!("PC{}", axes[i] + 1))
                    .show_ui(ui, |ui| {
                        for (a, v) in var.iter().enumerate().take(k) {
                            let text =
                                format!("PC{} ({:.0}% of variance)", a + 1, 100.0 * v / total);
                            changed |= ui.selectable_value(&mut axes[i], a, text).changed();
                        }
                    });
                r.response.labelled_by(label.id);
            }
        });
        self.state.axes = [axes[0], axes[1]];
        self.state.z_axis = axes[2];
        if changed {
            let keep = self.view.color_mode();
            self.rebuild_view();
            self.view.set_color_mode(keep);
        }
    }

    fn selection_tiles(&mut self, nodes: &[u32]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        let mut chosen = vec![false; o.cache.num_nodes()];
        for &n in nodes {
            chosen[n as usize] = true;
        }
        let picked: Vec<[i16; 2]> = o
            .cache
            .node_of_frame
            .iter()
            .zip(tiles)
            .filter(|(n, _)| chosen[**n as usize])
            .map(|(_, t)| *t)
            .collect();
        self.coverage = Some(coverage_counts(&picked, self.walls.rows, self.walls.cols).0);
    }

    fn info_ui(&mut self, ui: &mut Ui, hovered: Option<u32>) {
        match hovered.or(self.view.selected) {
            Some(n) => {
                ui.label(self.view.describe(n));
            }
            None => {
                ui.weak(if self.view.three_d {
                    "Hover a node; click to see its frames. Drag orbits, right-drag pans, scroll \
                     zooms, F fits. Shift-drag selects a box, alt-drag a lasso."
                } else {
                    "Hover a node; click to see its frames. Shift-drag selects a box, alt-drag a lasso."
                });
            }
        }
        let Some(node) = self.view.selected else {
            return;
        };
        let Some(o) = &self.opened else { return };
        let frames: Vec<usize> = o
            .cache
            .node_of_frame
            .iter()
            .enumerate()
            .filter(|(_, &n)| n == node)
            .map(|(i, _)| i)
            .take(STRIP_FRAMES)
            .collect();
        ui.label(format!("Frames behind node {node}:"));
        let data = Arc::clone(&o.data);
        let dataset_key = o.checkpoint.display().to_string();
        egui::ScrollArea::horizontal()
            .id_salt("hgraph_strip")
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for &i in &frames {
                        let key = FrameKey {
                            dataset: dataset_key.clone(),
                            index: i,
                        };
                        self.frame_view
                            .ui(ui, &key, data.width, data.height, data.frame(i), 1.0);
                    }
                });
            });
        ui.label("Out-edges by action:");
        egui::Grid::new("hgraph_out_edges")
            .striped(true)
            .show(ui, |ui| {
                for e in self.view.data().out_edges(node).iter().take(24) {
                    let name = data.action_names.get(e.action as usize).map_or_else(
                        || {
                            ACTION_NAMES
                                .get(e.action as usize)
                                .copied()
                                .unwrap_or("?")
                                .to_string()
                        },
                        Clone::clone,
                    );
                    ui.label(name);
                    ui.label(format!("to node {}", e.to));
                    ui.label(format!("×{}", e.count));
                    ui.end_row();
                }
            });
    }

    fn map_ui(&mut self, ui: &mut Ui) {
        let executed = self.executed_tiles();
        let mut map = TileMap::new(&self.walls);
        if self.coverage.is_some() {
            ui.weak("Tiles of the selected nodes' frames:");
            map.coverage = self.coverage.as_ref();
        } else if self.visits.is_some() {
            ui.weak("Frames per tile (whole dataset); click a tile to plan from or to it:");
            map.coverage = self.visits.as_ref();
        }
        map.path = &executed;
        map.current = executed.last().copied().or(self.map_tile);
        map.tile_size = (ui.available_width() / self.walls.cols.max(1) as f32).clamp(8.0, 18.0);
        let r = map.ui(ui);
        if let Some(t) = r.clicked {
            self.map_tile = Some(t);
            self.highlight_tile(t);
            let tile = Tile::new(t[0], t[1]);
            if self.play.pick_goal {
                self.play.goal = Some(tile);
            } else {
                self.play.start = Some(tile);
            }
            self.play.pick_goal = !self.play.pick_goal;
        }
        if self.coverage.is_some() && ui.small_button("Clear selection").clicked() {
            self.coverage = None;
            self.view.selection.clear();
        }
    }

    /// Rings the nodes of every frame on `tile`.
    pub fn highlight_tile(&mut self, tile: [i16; 2]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        let mut nodes: Vec<u32> = o
            .cache
            .node_of_frame
            .iter()
            .zip(tiles)
            .filter(|(_, t)| **t == tile)
            .map(|(n, _)| *n)
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        self.view.highlighted = nodes;
    }

    fn playground_ui(&mut self, ui: &mut Ui) {
        ui.strong("Planning playground");
        let show =
            |t: Option<Tile>| t.map_or_else(|| "–".to_string(), |t| format!("{},{}", t.row, t.col));
        ui.label(format!(
            "Start {} · goal {} (click the map: {} next)",
            show(self.play.start),
            show(self.play.goal),
            if self.play.pick_goal { "goal" } else { "start" }
        ));
        ui.horizontal(|ui| {
            if ui.button("test1").clicked() {
                (self.play.start, self.play.goal) = (Some(TEST1.0), Some(TEST1.1));
            }
            if ui.button("test2").clicked() {
                (self.play.start, self.play.goal) = (Some(TEST2.0), Some(TEST2.1));
            }
            let ready = self.opened.is_some() && self.play.task.is_none();
            if let (Some(s), Some(g), true) = (self.play.start, self.play.goal, ready) {
                if ui.button("Plan").clicked() {
                    self.start_plan(s, g);
                }
            }
        });
        if let Some(t) = &self.play.task {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(&t.stage);
            });
        }
        let Some(out) = &self.play.outcome else {
            return;
        };
        let color = if out.success {
            Color32::from_rgb(80, 200, 120)
        } else {
            Color32::from_rgb(230, 80, 80)
        };
        ui.label(
            RichText::new(format!(
                "{} in {} steps (shortest {}, budget {}; {})",
                if out.success {
                    "Reached the goal"
                } else {
                    "Failed"
                },
                out.steps,
                out.shortest_len,
                out.budget,
                out.stop.describe()
            ))
            .color(color),
        );
        let max = out.steps;
        if max > 0
            && ui
                .add(egui::Slider::new(&mut self.play.step, 0..=max).text("Step"))
                .changed()
        {
            self.show_plan_step();
        }
    }

    fn start_plan(&mut self, start: Tile, goal: Tile) {
        let Some(o) = &self.opened else { return };
        let world: Arc<World> = Arc::clone(&o.world);
        self.play.outcome = None;
        self.play.task = Some(job::plan(
            o.checkpoint.clone(),
            &o.cache,
            world,
            start,
            goal,
            self.ctx.clone(),
        ));
    }
}

/// The walls shown for a dataset without a map: all floor, the world's map size.
fn no_map_walls() -> TileGrid<bool> {
    let [rows, cols] = map_size(None);
    TileGrid::new(rows, cols)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn state_defaults_to_the_first_principal_axes_and_reads_old_files() {
        let d = HGraphState::default();
        assert_eq!(d.axes3(), [0, 1, 2]);
        assert!(!d.three_d);
        // A state saved before the 3D view (no z axis, no mode) keeps its axes and gets PC3.
        let old: HGraphState = serde_json::from_str(r#"{"checkpoint":null,"axes":[1,3]}"#).unwrap();
        assert_eq!(old.axes3(), [1, 3, 2]);
        assert!(!old.three_d);
        let back: HGraphState = serde_json::from_str(
            &serde_json::to_string(&HGraphState {
                three_d: true,
                z_axis: 4,
                ..d
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!((back.three_d, back.z_axis), (true, 4));
    }
}
