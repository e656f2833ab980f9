//! The Checkpoint view ("H-graph" panel): a checkpoint's h-graph drawn with wgpu (painter fallback),
//! coloured by tile, degree, reachability, component or first visit; hover and click a node to see
//! its frames and out-edges; shift-drag (box) or alt-drag (lasso) to see the tiles a selection
//! covers on the map; click a map tile to ring its nodes; a planning playground (start/goal tiles,
//! plan, step through it: `playground.rs`); and "Compare with…" a checkpoint of any run on the same
//! dataset side by side (`compare.rs`), with linked pan/zoom (or orbit camera) and selections
//! ringed on the same frames' nodes of the other view. The side column (map, playground, node
//! details) scrolls. The view shows two chosen principal axes, or three with an orbit camera ("3D", key 3).

mod compare;
pub mod job;
mod playground;

use std::path::PathBuf;
use std::sync::Arc;

use egui::Ui;
use worldbench_model::world::Tile;
use worldbench_storage::checkpoints::{checkpoint_label, checkpoint_title, run_name_of};
use worldbench_storage::ACTION_NAMES;
use worldbench_widgets::hgraph::{Backend, GpuTarget, GraphData, HGraphView};
use worldbench_widgets::{coverage_counts, parse_walls, FrameKey, FrameView, TileGrid, TileMap};

use self::compare::{Compare, Linked};
use self::job::{Opened, Task};
use self::playground::Playground;
use super::{Panel, PanelContext};
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
    compare: Option<Compare>,
    /// Fit both compared views together on the next frame.
    fit_both: bool,
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
            compare: None,
            fit_both: false,
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
                // A compared checkpoint on another dataset is no longer comparable.
                if self
                    .compare
                    .as_ref()
                    .is_some_and(|c| !o.comparable.contains(&c.checkpoint))
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

    fn poll(&mut self) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.task = None;
                self.finish_open(r);
            }
        }
        self.poll_plan();
        self.poll_compare();
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
        ui.horizontal_wrapped(|ui| {
            match &self.state.checkpoint {
                Some(p) => {
                    let title = self
                        .opened
                        .as_ref()
                        .filter(|o| !o.run_title.is_empty())
                        .map_or_else(String::new, |o| format!(" (“{}”)", o.run_title));
                    ui.label(format!(
                        "Run {}{title} · checkpoint {}",
                        run_name_of(p),
                        checkpoint_label(p)
                    ))
                    .on_hover_text(p.display().to_string());
                }
                None => {
                    ui.label(
                        "No checkpoint: use \"Open h-graph\" on a checkpoint in the Checkpoints panel.",
                    );
                }
            }
            if let Some(p) = self.state.checkpoint.clone() {
                if self.task.is_none()
                    && ui
                        .button("Recompute")
                        .on_hover_text("Encode every frame again and rewrite the cache")
                        .clicked()
                {
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
        ui.horizontal_wrapped(|ui| {
            self.axes_ui(ui);
            if self.opened.is_some() {
                ui.checkbox(&mut self.view.lasso_mode, "Lasso")
                    .on_hover_text(
                        "A drag draws a lasso that selects the nodes inside (as alt-drag)",
                    );
            }
            self.compare_ui(ui);
        });
        let (before, mode) = (Linked::of(&self.view), self.view.three_d);
        self.view.controls_ui(ui);
        if self.compare.is_some() && self.view.three_d == mode && Linked::of(&self.view) != before {
            // Fit or Reset view: fit both compared views together, not the left one alone.
            self.fit_both = true;
        }
        self.view.legend_ui(ui);
        let side = 300.0;
        ui.horizontal_top(|ui| {
            let mut w = (ui.available_width() - side - 12.0).max(200.0);
            let mut h = (ui.available_height() - 8.0).max(240.0);
            let comparing = self.compare.is_some();
            if comparing {
                w = ((w - ui.spacing().item_spacing.x) / 2.0).max(100.0);
                // Room for the label over each half.
                h = (h - ui.spacing().interact_size.y - ui.spacing().item_spacing.y).max(200.0);
            }
            let size = egui::vec2(w, h);
            self.fit_compared(ui, size);
            let resp = ui
                .vertical(|ui| {
                    if comparing {
                        if let Some(p) = &self.state.checkpoint {
                            ui.label(format!("Left: {}", checkpoint_title(p)));
                        }
                    }
                    self.view.ui(ui, size)
                })
                .inner;
            if let Some(nodes) = &resp.box_selected {
                self.selection_tiles(nodes);
            }
            let compare_hovered = self.compare_view_ui(ui, &resp, size);
            self.state.three_d = self.view.three_d;
            ui.vertical(|ui| {
                ui.set_width(side);
                egui::ScrollArea::vertical()
                    .id_salt("hgraph_side")
                    .max_height(ui.available_height())
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        self.map_ui(ui);
                        ui.separator();
                        self.playground_ui(ui);
                        ui.separator();
                        self.info_ui(ui, resp.hovered);
                        if let (Some(n), Some(c)) = (compare_hovered, &self.compare) {
                            ui.label(format!("Right: {}", c.view.describe(n)));
                        }
                    });
            });
        });
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
        let markers = self.markers();
        let mut map = TileMap::new(&self.walls);
        if self.coverage.is_some() {
            ui.weak("Tiles of the selected nodes' frames:");
            map.coverage = self.coverage.as_ref();
        } else if self.visits.is_some() {
            ui.weak("Frames per tile (whole dataset); click a tile to plan from or to it:");
            map.coverage = self.visits.as_ref();
        }
        map.path = &executed;
        map.current = self.map_tile;
        let tile_size = (ui.available_width() / self.walls.cols.max(1) as f32).clamp(8.0, 18.0);
        map.tile_size = tile_size;
        let r = map.ui(ui);
        markers.paint(ui, &self.walls, tile_size, &r);
        if let Some(t) = r.clicked {
            self.map_tile = Some(t);
            self.highlight_tile(t);
            self.pick_tile(Tile::new(t[0], t[1]));
        }
        let compared = self.compare.as_ref().map(|c| &c.view);
        let any = |v: &HGraphView| {
            !v.selection.is_empty() || v.selected.is_some() || !v.highlighted.is_empty()
        };
        let selected = self.coverage.is_some() || any(&self.view) || compared.is_some_and(any);
        if selected
            && ui
                .small_button("Clear selection")
                .on_hover_text("Clear the selection and the rings in both views")
                .clicked()
        {
            self.clear_selection();
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
