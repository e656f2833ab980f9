//! The Checkpoint view ("H-graph" panel): a checkpoint's h-graph drawn with wgpu (painter fallback),
//! coloured by tile, degree, reachability, component or first visit; hover and click a node to see
//! its frames and out-edges; shift-drag (box) or alt-drag (lasso) to see the tiles a selection
//! covers on the map; click a map tile to ring its nodes; a planning playground (start/goal tiles,
//! plan, step through it: `playground.rs`); and "Compare with…" a checkpoint of any run on the same
//! dataset side by side (`compare.rs`), with linked pan/zoom (or orbit camera) and selections
//! ringed on the same frames' nodes of the other view. The side column (map, playground, node
//! details) scrolls. The view shows two chosen principal axes, or three with an orbit camera ("3D", key 3).
//! A mixed dataset shows one layout at a time (remembered per dataset across restarts): the map's
//! visits, a selection's tiles and a tile's rings count only that layout's frames (`selection.rs`).
//! The playground offers the planners that can be built on the checkpoint (`planners.rs`).

mod compare;
pub mod job;
mod planners;
mod playground;
mod selection;
mod side;
mod state;

use std::path::PathBuf;

use egui::Ui;
use worldbench_model::world::Tile;
use worldbench_storage::checkpoints::{checkpoint_label, checkpoint_title, run_name_of};
use worldbench_widgets::hgraph::{Backend, GpuTarget, GraphData, HGraphView};
use worldbench_widgets::{coverage_counts, parse_walls, FrameView, TileGrid};

use self::compare::{Compare, Linked};
use self::job::{Opened, Task};
use self::playground::Playground;
pub use self::state::{HGraphState, SavedCamera, SavedPanZoom};
use super::layout_walls::layout_walls;
use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::run_context::{graph_data, map_size};

/// The H-graph panel.
pub struct HGraphPanel {
    pub state: HGraphState,
    view: HGraphView,
    backend: Backend,
    task: Option<Task<Opened>>,
    opened: Option<Opened>,
    error: Option<String>,
    /// The walls of the map shown: the chosen layout's of a mixed dataset, else the dataset's map.
    walls: TileGrid<bool>,
    /// A mixed dataset's walls per layout (`layouts.maps` order; empty otherwise) and the one shown.
    layout_walls: Vec<TileGrid<bool>>,
    layout: usize,
    /// Whether each frame is in the layout shown (every frame of a dataset of one layout): what
    /// the map's visits, a selection's tiles and a tile's nodes count.
    shown_frames: Vec<bool>,
    /// Tiles of the box selection's frames.
    coverage: Option<TileGrid<u32>>,
    /// Frames per tile over the dataset (the chosen layout's frames of a mixed one): the map's
    /// background, so visited tiles show.
    visits: Option<TileGrid<u32>>,
    map_tile: Option<[i16; 2]>,
    frame_view: FrameView,
    play: Playground,
    compare: Option<Compare>,
    /// Fit both compared views together on the next frame.
    fit_both: bool,
    /// The transform, camera and mode both compared views had after the last frame.
    linked: Option<Linked>,
    /// The state saved last session, applied once its checkpoint is open (view, compare, tiles).
    restore: Option<HGraphState>,
    /// Keep the restored pan/zoom when the restored compared checkpoint opens (no refit).
    keep_view_on_compare: bool,
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
            layout_walls: Vec::new(),
            layout: 0,
            shown_frames: Vec::new(),
            coverage: None,
            visits: None,
            map_tile: None,
            frame_view: FrameView::new(32),
            play: Playground::default(),
            compare: None,
            fit_both: false,
            linked: None,
            restore: None,
            keep_view_on_compare: false,
            ctx: None,
        };
        if let Some(ck) = panel.state.checkpoint.clone() {
            if ck.is_file() {
                panel.restore = Some(panel.state.clone());
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
        if self
            .restore
            .as_ref()
            .is_some_and(|r| r.checkpoint.as_ref() != Some(&checkpoint))
        {
            self.restore = None;
        }
        self.state.checkpoint = Some(checkpoint.clone());
        self.error = None;
        self.task = Some(job::open(checkpoint, recompute, self.ctx.clone()));
    }

    /// Whether a checkpoint is being opened.
    pub fn is_loading(&self) -> bool {
        self.task.is_some()
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

    /// The walls of the map shown (the chosen layout's of a mixed dataset).
    pub fn shown_walls(&self) -> &TileGrid<bool> {
        &self.walls
    }

    /// The layout shown and planned on: an index into the dataset's `layouts.maps` (0 without).
    pub fn layout(&self) -> usize {
        self.layout
    }

    /// Shows and plans on layout `i` of a mixed dataset: its map, its frames' visits; the
    /// selection's tiles, the clicked tile and the shown plan belong to the previous map. The
    /// choice is remembered for the dataset (the next session, or the checkpoint reopened).
    pub fn set_layout(&mut self, i: usize) {
        let Some(walls) = self.layout_walls.get(i) else {
            return;
        };
        self.walls = walls.clone();
        self.layout = i;
        if let Some(o) = &self.opened {
            self.shown_frames = o.data.frames_in_layout(i);
            self.state.remember_layout(&o.cache.dataset_hash, i);
        }
        self.coverage = None;
        self.map_tile = None;
        self.view.highlighted.clear();
        self.visits = self.layout_visits();
        self.forget_plan();
    }

    /// Frames per tile behind the map (the layout shown's frames of a mixed dataset).
    pub fn visits(&self) -> Option<&TileGrid<u32>> {
        self.visits.as_ref()
    }

    /// Frames per tile of the frames in the layout shown.
    fn layout_visits(&self) -> Option<TileGrid<u32>> {
        let data = &self.opened.as_ref()?.data;
        let tiles = data.tiles.as_deref()?;
        let shown: Vec<[i16; 2]> = tiles
            .iter()
            .zip(&self.shown_frames)
            .filter(|(_, i)| **i)
            .map(|(t, _)| *t)
            .collect();
        Some(coverage_counts(&shown, self.walls.rows, self.walls.cols).0)
    }

    fn map_size(&self) -> [usize; 2] {
        [self.walls.rows, self.walls.cols]
    }

    fn finish_open(&mut self, result: Result<Opened, String>) {
        match result {
            Ok(o) => {
                let first = o
                    .data
                    .map
                    .as_deref()
                    .and_then(parse_walls)
                    .unwrap_or_else(no_map_walls);
                // A mixed dataset: each layout's map, the one last chosen for it shown (else
                // the first).
                self.layout_walls = o
                    .data
                    .layouts
                    .as_ref()
                    .map(|l| layout_walls(l, &first))
                    .unwrap_or_default();
                self.layout = self
                    .state
                    .layout_of(&o.cache.dataset_hash, self.layout_walls.len());
                self.walls = self.layout_walls.get(self.layout).cloned().unwrap_or(first);
                self.shown_frames = o.data.frames_in_layout(self.layout);
                self.error.clone_from(&o.warning);
                // A compared checkpoint on another dataset is no longer comparable.
                if self
                    .compare
                    .as_ref()
                    .is_some_and(|c| !o.comparable.contains(&c.checkpoint))
                {
                    self.close_compare();
                }
                let restore = self
                    .restore
                    .take()
                    .filter(|r| r.checkpoint.as_ref() == Some(&o.checkpoint));
                self.opened = Some(o);
                self.visits = self.layout_visits();
                self.coverage = None;
                self.map_tile = None;
                self.play = Playground {
                    planner: self.play.planner,
                    planners: std::mem::take(&mut self.play.planners),
                    ..Playground::default()
                };
                self.check_planners();
                self.rebuild_view();
                if let Some(r) = restore {
                    self.apply_restore(r);
                }
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

    /// Last session's pan/zoom or camera, playground tiles and compared checkpoint (when it is
    /// still there and comparable).
    fn apply_restore(&mut self, r: HGraphState) {
        r.restore_view(&mut self.view);
        let tile = |t: Option<[i16; 2]>| t.map(|[row, col]| Tile::new(row, col));
        self.play.start = tile(r.start);
        self.play.goal = tile(r.goal);
        let comparable = |c: &PathBuf| {
            self.opened
                .as_ref()
                .is_some_and(|o| o.comparable.contains(c))
        };
        if let Some(c) = r.compare.filter(|c| comparable(c)) {
            self.open_compare(c);
            self.keep_view_on_compare = true;
        }
    }

    /// Keeps what a restart restores in `state` (not while last session's state is still to be
    /// applied).
    fn keep_state(&mut self) {
        if self.restore.is_some() {
            return;
        }
        self.state.keep_view(&self.view);
        self.state.compare = self.compare.as_ref().map(|c| c.checkpoint.clone());
        self.state.start = self.play.start.map(|t| [t.row, t.col]);
        self.state.goal = self.play.goal.map(|t| [t.row, t.col]);
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

    /// Applies the background work that has finished (each frame; a test that drives the panel
    /// without a frame calls it after `task_tracker::wait_idle`).
    pub fn poll(&mut self) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.task = None;
                self.finish_open(r);
            }
        }
        self.poll_compare();
        self.poll_planners();
    }
}

impl Panel for HGraphPanel {
    fn ui(&mut self, ui: &mut Ui, _cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.show(ui, commands);
    }
}

impl HGraphPanel {
    /// The panel's contents (it needs nothing from the app's context; tests call this directly).
    /// A finished plan is taken after the frame's input was handled, so that a click on "Cancel
    /// planning" always wins over a result that arrives in the same frame.
    pub fn show(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        self.show_contents(ui, commands);
        self.poll_plan();
    }

    fn show_contents(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
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
                    "{} node{} · {} edge{} · radius {:.3} · {}",
                    o.cache.num_nodes(),
                    if o.cache.num_nodes() == 1 { "" } else { "s" },
                    o.cache.edge_from.len(),
                    if o.cache.edge_from.len() == 1 { "" } else { "s" },
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
        self.keep_state();
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
}

/// The walls shown for a dataset without a map: all floor, the world's map size.
fn no_map_walls() -> TileGrid<bool> {
    let [rows, cols] = map_size(None);
    TileGrid::new(rows, cols)
}
