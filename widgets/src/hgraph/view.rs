//! The h-graph view: draws a [`GraphData`] through wgpu (or egui's painter), in 2D (x and y:
//! drag pans, scroll zooms at the cursor) or 3D (x, y and z with an orbit camera: drag orbits,
//! right- or middle-drag pans, scroll zooms towards the centre; the "3D" toggle or key 3), with fit
//! to view (F), hover and click picking, shift-drag box selection, alt-drag (or
//! [`HGraphView::lasso_mode`]) lasso selection, highlighted nodes and a planned path drawn on top.
//!
//! Both modes draw through one [`Projection`]; in 3D, picking works on the nodes' projected screen
//! positions, cached per projection, with the spatial grid over them rebuilt lazily on the first
//! pick after the camera moved (while the camera moves, hover is not picked).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use egui::{
    pos2, vec2, Color32, Key, PointerButton, Pos2, Rect, Response, Sense, Stroke, StrokeKind, Ui,
    Vec2,
};

use super::camera::{OrbitCamera, DEFAULT_PITCH, DEFAULT_YAW};
use super::colors::{node_colors, ColorMode, ColorScale};
use super::data::GraphData;
use super::gpu::{GpuData, GpuTarget, HGraphCallback, ViewUniform};
use super::legend::legend;
use super::painter::{paint, Scene};
use super::picking::SpatialGrid;
use super::projection::Projection;
use super::transform::ViewTransform;

/// Extra pick tolerance around a node's disc, in screen points.
const PICK_SLOP: f32 = 3.0;
/// The 3D screen-space grid covers the view and this many points around it (more than the
/// largest pickable disc: 14 points × size 4 + slop).
const GRID_MARGIN: f32 = 64.0;
const BACKGROUND: Color32 = Color32::from_rgb(16, 16, 20);
const HOVER: Color32 = Color32::WHITE;
const SELECTED: Color32 = Color32::from_rgb(255, 80, 200);
const HIGHLIGHT: Color32 = Color32::from_rgb(255, 255, 0);
const PATH: Color32 = Color32::from_rgb(255, 150, 30);
/// Colours of the 3D axis triad (x, y, z).
const AXIS_COLORS: [Color32; 3] = [
    Color32::from_rgb(230, 90, 90),
    Color32::from_rgb(90, 200, 110),
    Color32::from_rgb(100, 150, 255),
];
/// Highlight rings drawn at most (beyond that the view says how many were left out).
const MAX_RINGS: usize = 20_000;

static NEXT_VIEW_KEY: AtomicU64 = AtomicU64::new(1);

/// How the view draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An egui_wgpu paint callback into a target of this format.
    Wgpu(GpuTarget),
    /// egui's painter (no wgpu; fine for small graphs).
    Painter,
}

/// What happened in the view this frame.
pub struct HGraphResponse {
    pub response: Response,
    /// The node under the pointer.
    pub hovered: Option<u32>,
    /// The node clicked this frame (`Some(None)`: a click on empty space).
    pub clicked: Option<Option<u32>>,
    /// Nodes inside the box (shift-drag) or lasso (alt-drag) just finished, ascending.
    pub box_selected: Option<Vec<u32>>,
}

/// Radius of a node drawn for `frames` frames, in screen points (before the size multiplier).
pub fn node_radius(frames: u32) -> f32 {
    (2.0 + 1.5 * (frames.max(1) as f32).log2()).clamp(2.0, 14.0)
}

/// The nodes' screen positions under one projection, and what is derived from them lazily: the
/// spatial grid for picking (3D) and the far-to-near drawing order (3D painter).
#[derive(Default)]
struct ScreenCache {
    /// The projection `pos` was computed with (`None`: nothing cached).
    proj: Option<Projection>,
    /// Screen points per node (`NaN` behind the near plane).
    pos: Vec<[f32; 2]>,
    /// The grid over `pos` (kept between rebuilds to reuse its memory).
    grid: SpatialGrid,
    grid_valid: bool,
    order: Option<Vec<u32>>,
    /// How many times `pos` and `grid` were computed.
    projections: u64,
    grid_builds: u64,
}

impl ScreenCache {
    fn update(&mut self, proj: &Projection, positions: &[[f32; 3]]) {
        if self.proj.as_ref() != Some(proj) {
            self.pos.clear();
            self.pos.extend(
                positions
                    .iter()
                    .map(|&p| proj.to_screen(p).map_or([f32::NAN; 2], |s| [s.x, s.y])),
            );
            self.proj = Some(*proj);
            self.grid_valid = false;
            self.order = None;
            self.projections += 1;
        }
    }

    fn grid(&mut self, proj: &Projection, positions: &[[f32; 3]]) -> (&SpatialGrid, &[[f32; 2]]) {
        self.update(proj, positions);
        if !self.grid_valid {
            self.grid
                .rebuild_within(&self.pos, proj.rect.expand(GRID_MARGIN));
            self.grid_valid = true;
            self.grid_builds += 1;
        }
        (&self.grid, &self.pos)
    }

    /// Node ids in front of the camera, farthest first (ties by id).
    fn depth_order(&mut self, proj: &Projection, positions: &[[f32; 3]]) -> &[u32] {
        self.update(proj, positions);
        self.order.get_or_insert_with(|| {
            let mut v: Vec<(f32, u32)> = positions
                .iter()
                .enumerate()
                .filter_map(|(i, &p)| {
                    let c = proj.clip(p);
                    (c[3] > 0.0 && c[2] >= 0.0).then_some((c[3], i as u32))
                })
                .collect();
            v.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            v.into_iter().map(|(_, i)| i).collect()
        })
    }

    fn clear(&mut self) {
        self.proj = None;
        self.pos.clear();
        self.grid = SpatialGrid::default();
        self.grid_valid = false;
        self.order = None;
    }
}

/// The h-graph view and its state (data, colours, GPU bytes, 2D transform or 3D camera,
/// selection).
pub struct HGraphView {
    key: u64,
    data: Arc<GraphData>,
    /// The 2D view's grid over world x and y (built once per data).
    grid: SpatialGrid,
    scale: ColorScale,
    colors: Vec<Color32>,
    radii: Vec<f32>,
    max_radius: f32,
    color_mode: ColorMode,
    /// Bumped when the data or colours change; GPU buffers follow it.
    generation: u64,
    gpu: Arc<GpuData>,
    pub backend: Backend,
    /// The 2D view's pan and zoom; `None` until the first 2D frame fits the data to the view.
    pub transform: Option<ViewTransform>,
    /// Show x, y and z with the orbit camera (else x and y).
    pub three_d: bool,
    /// The 3D view's camera; `None` until the first 3D frame fits the data (default angles).
    pub camera: Option<OrbitCamera>,
    /// Names of the x, y and z axes, shown beside the 3D axis triad.
    pub axis_names: [String; 3],
    /// Multiplier of every node radius.
    pub size_scale: f32,
    pub show_edges: bool,
    /// The node clicked last.
    pub selected: Option<u32>,
    /// Nodes of the last box or lasso selection.
    pub selection: Vec<u32>,
    /// A plain drag draws a lasso (instead of panning or orbiting), as alt-drag does.
    pub lasso_mode: bool,
    /// Nodes to ring (e.g. those of a tile clicked on the map).
    pub highlighted: Vec<u32>,
    /// A node path drawn with arrows (e.g. a plan).
    pub path: Vec<u32>,
    box_start: Option<Pos2>,
    /// The lasso being drawn (screen points).
    lasso: Option<Vec<Pos2>>,
    hovered: Option<u32>,
    /// Whether the painter fallback drew everything last frame.
    painter_complete: bool,
    /// Where the view was drawn last frame (screen points).
    rect: Rect,
    /// The projection drawn last frame.
    last_proj: Option<Projection>,
    screen: ScreenCache,
}

impl HGraphView {
    /// An empty view drawing with `backend`.
    pub fn new(backend: Backend) -> Self {
        let mut view = Self {
            key: NEXT_VIEW_KEY.fetch_add(1, Ordering::Relaxed),
            data: Arc::default(),
            grid: SpatialGrid::default(),
            scale: ColorScale::default(),
            colors: Vec::new(),
            radii: Vec::new(),
            max_radius: 2.0,
            color_mode: ColorMode::default(),
            generation: 0,
            gpu: Arc::default(),
            backend,
            transform: None,
            three_d: false,
            camera: None,
            axis_names: ["x".into(), "y".into(), "z".into()],
            size_scale: 1.0,
            show_edges: true,
            selected: None,
            selection: Vec::new(),
            highlighted: Vec::new(),
            path: Vec::new(),
            box_start: None,
            lasso: None,
            lasso_mode: false,
            hovered: None,
            painter_complete: true,
            rect: Rect::NOTHING,
            last_proj: None,
            screen: ScreenCache::default(),
        };
        view.recolor();
        view
    }

    /// Shows `data` (checked first), fitting it to the view (2D and 3D) on the next frame and
    /// clearing the selection.
    pub fn set_data(&mut self, data: GraphData) -> Result<(), String> {
        data.validate()?;
        self.grid = SpatialGrid::build(&data.positions, data.bounds());
        self.scale = ColorScale::of(&data);
        self.radii = data.frame_count.iter().map(|&c| node_radius(c)).collect();
        self.max_radius = self.radii.iter().copied().fold(2.0, f32::max);
        self.data = Arc::new(data);
        self.transform = None;
        self.camera = None;
        self.screen.clear();
        self.selected = None;
        self.selection.clear();
        self.highlighted.clear();
        self.path.clear();
        self.hovered = None;
        self.recolor();
        Ok(())
    }

    pub fn data(&self) -> &GraphData {
        &self.data
    }

    pub fn color_mode(&self) -> ColorMode {
        self.color_mode
    }

    /// Colours nodes by `mode` (re-uploads the GPU buffers once).
    pub fn set_color_mode(&mut self, mode: ColorMode) {
        if mode != self.color_mode {
            self.color_mode = mode;
            self.recolor();
        }
    }

    /// The colour of every node under the current mode.
    pub fn colors(&self) -> &[Color32] {
        &self.colors
    }

    /// Changes whenever node or edge bytes change (never on pan, zoom, orbit or a 2D/3D switch).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The node under the pointer last frame.
    pub fn hovered(&self) -> Option<u32> {
        self.hovered
    }

    /// How many times the 3D picking grid was built over projected positions (it is rebuilt
    /// lazily, on the first pick after the camera moved).
    pub fn screen_grid_builds(&self) -> u64 {
        self.screen.grid_builds
    }

    /// How many times every node was projected to the screen on the CPU.
    pub fn screen_projections(&self) -> u64 {
        self.screen.projections
    }

    fn recolor(&mut self) {
        self.colors = node_colors(&self.data, self.color_mode, &self.scale);
        self.generation += 1;
        // GPU bytes are packed lazily, on the first wgpu frame of this generation.
    }

    /// The GPU bytes of the current generation (packed on first use).
    pub fn gpu_data(&mut self) -> Arc<GpuData> {
        if self.gpu.generation != self.generation {
            self.gpu = Arc::new(GpuData::pack(
                &self.data,
                &self.colors,
                &self.radii,
                self.generation,
            ));
        }
        Arc::clone(&self.gpu)
    }

    /// The text shown for hovered `node`: id, frames, tiles covered, in/out degree.
    pub fn describe(&self, node: u32) -> String {
        let i = node as usize;
        let d = &self.data;
        if i >= d.num_nodes() {
            return format!("node {node}: not in this graph");
        }
        format!(
            "Node {node}: {} frames, {} tiles, in {} / out {}",
            d.frame_count[i], d.tiles_covered[i], d.in_degree[i], d.out_degree[i]
        )
    }

    /// Where the view was drawn last frame.
    pub fn rect(&self) -> Rect {
        self.rect
    }

    /// The world → screen projection of the current mode in a view drawn in `rect` (`None`
    /// before the first frame fitted the view).
    pub fn projection_in(&self, rect: Rect) -> Option<Projection> {
        if self.three_d {
            self.camera.map(|c| c.projection(rect))
        } else {
            self.transform.map(|t| t.projection(rect))
        }
    }

    /// The projection of the current mode where the view was drawn last frame.
    pub fn projection(&self) -> Option<Projection> {
        self.projection_in(self.rect)
    }

    /// Screen position of `node` where the view was drawn last frame, with the current transform
    /// or camera (`None` behind the 3D camera).
    pub fn screen_pos(&self, node: u32) -> Option<Pos2> {
        let proj = self.projection()?;
        proj.to_screen(*self.data.positions.get(node as usize)?)
    }

    /// Fits the whole graph into the view: 2D on the next frame; 3D now (keeping the camera's
    /// angles) when the view has been drawn, else on the next frame.
    pub fn fit(&mut self) {
        if self.three_d {
            let angles = self.camera.map(|c| (c.yaw, c.pitch));
            self.camera = match (angles, self.rect.is_positive()) {
                (Some((yaw, pitch)), true) => Some(self.fitted_camera(self.rect, yaw, pitch)),
                _ => None,
            };
        } else {
            self.transform = None;
        }
    }

    /// Back to the default view: in 3D the default angles, fitted; in 2D fitted.
    pub fn reset_view(&mut self) {
        if self.three_d {
            self.camera = None;
        } else {
            self.transform = None;
        }
    }

    fn fitted_camera(&self, rect: Rect, yaw: f32, pitch: f32) -> OrbitCamera {
        let aspect = rect.width() / rect.height().max(1.0);
        OrbitCamera::fit(&self.data.positions, aspect, yaw, pitch)
    }

    /// Gives the current mode a transform or camera fitted to `rect` if it has none.
    fn ensure_fitted(&mut self, rect: Rect) {
        if self.three_d {
            if self.camera.is_none() {
                self.camera = Some(self.fitted_camera(rect, DEFAULT_YAW, DEFAULT_PITCH));
            }
        } else if self.transform.is_none() {
            self.transform = Some(ViewTransform::fit(self.data.bounds(), rect));
        }
    }

    /// The node drawn at screen position `p` in a view drawn in `rect`. In 3D this projects the
    /// nodes and builds the screen grid if the camera moved since the last pick.
    pub fn pick(&mut self, rect: Rect, p: Pos2) -> Option<u32> {
        let s = self.size_scale;
        let radii = &self.radii;
        if self.three_d {
            let proj = self.camera?.projection(rect);
            let max = self.max_radius * s + PICK_SLOP;
            let (grid, screen) = self.screen.grid(&proj, &self.data.positions);
            return grid.pick(screen, [p.x, p.y], max, |n| {
                radii[n as usize] * s + PICK_SLOP
            });
        }
        let t = self.transform?;
        let slop = PICK_SLOP / t.scale;
        let max = self.max_radius * s / t.scale + slop;
        self.grid
            .pick(&self.data.positions, t.to_world(rect, p), max, |n| {
                radii[n as usize] * s / t.scale + slop
            })
    }

    /// The picking grid over the nodes' screen positions under the 3D camera (built lazily, once
    /// per camera change), or `None` before the camera is fitted.
    fn screen_grid(&mut self, rect: Rect) -> Option<(&SpatialGrid, &[[f32; 2]])> {
        let proj = self.camera?.projection(rect);
        Some(self.screen.grid(&proj, &self.data.positions))
    }

    /// The nodes drawn inside the screen rectangle with corners `a` and `b`, ascending.
    fn nodes_in_box(&mut self, rect: Rect, a: Pos2, b: Pos2) -> Vec<u32> {
        if self.three_d {
            return self
                .screen_grid(rect)
                .map_or_else(Vec::new, |(grid, screen)| {
                    grid.in_rect(screen, Rect::from_two_pos(a, b))
                });
        }
        let Some(t) = self.transform else {
            return Vec::new();
        };
        let wa = t.to_world(rect, a);
        let wb = t.to_world(rect, b);
        let r = Rect::from_two_pos(pos2(wa[0], wa[1]), pos2(wb[0], wb[1]));
        self.grid.in_rect(&self.data.positions, r)
    }

    /// The nodes drawn inside the screen polygon `lasso`, ascending.
    fn nodes_in_lasso(&mut self, rect: Rect, lasso: &[Pos2]) -> Vec<u32> {
        if self.three_d {
            return self
                .screen_grid(rect)
                .map_or_else(Vec::new, |(grid, screen)| grid.in_polygon(screen, lasso));
        }
        let Some(t) = self.transform else {
            return Vec::new();
        };
        let world: Vec<Pos2> = lasso
            .iter()
            .map(|&p| {
                let w = t.to_world(rect, p);
                pos2(w[0], w[1])
            })
            .collect();
        self.grid.in_polygon(&self.data.positions, &world)
    }

    /// Colour-mode selector, Fit, the 3D toggle (and Reset view in 3D), the edge toggle and the
    /// node size.
    pub fn controls_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.label("Colour:");
            for mode in ColorMode::ALL {
                if ui
                    .selectable_label(self.color_mode == mode, mode.label())
                    .clicked()
                {
                    self.set_color_mode(mode);
                }
            }
            ui.separator();
            if ui
                .button("Fit")
                .on_hover_text("Fit the graph to the view (F)")
                .clicked()
            {
                self.fit();
            }
            ui.toggle_value(&mut self.three_d, "3D").on_hover_text(
                "Three principal axes with an orbit camera (key 3 over the view): drag orbits, \
                 right- or middle-drag pans, scroll zooms towards the centre, F fits",
            );
            if self.three_d
                && ui
                    .button("Reset view")
                    .on_hover_text("The default angles, fitted to the graph")
                    .clicked()
            {
                self.reset_view();
            }
            ui.checkbox(&mut self.show_edges, "Edges");
            ui.add(egui::Slider::new(&mut self.size_scale, 0.25..=4.0).text("Node size"));
        });
    }

    /// The legend of the current colour mode.
    pub fn legend_ui(&self, ui: &mut Ui) {
        legend(ui, self.color_mode, &self.scale, self.data.map_size);
    }

    fn handle_input(&mut self, ui: &Ui, rect: Rect, response: &Response) -> Option<Vec<u32>> {
        if response.hovered() {
            let keys = !ui.ctx().egui_wants_keyboard_input();
            if keys && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Num3)) {
                self.three_d = !self.three_d;
                self.ensure_fitted(rect);
            }
            if keys && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::F)) {
                self.fit();
                self.ensure_fitted(rect);
            }
            let (scroll, zoom, pointer) = ui.input(|i| {
                (
                    i.smooth_scroll_delta.y,
                    i.zoom_delta(),
                    i.pointer.hover_pos(),
                )
            });
            let factor = (scroll * 0.002).exp() * zoom;
            if (factor - 1.0).abs() > 1e-6 {
                if self.three_d {
                    if let Some(c) = &mut self.camera {
                        c.zoom(factor);
                    }
                } else if let (Some(t), Some(p)) = (&mut self.transform, pointer) {
                    t.zoom_at(rect, p, factor);
                }
            }
        }
        if response.drag_started() {
            let (shift, alt, origin) =
                ui.input(|i| (i.modifiers.shift, i.modifiers.alt, i.pointer.press_origin()));
            let origin = origin.or_else(|| response.interact_pointer_pos());
            let primary = response.drag_started_by(PointerButton::Primary);
            self.box_start = if primary && shift { origin } else { None };
            self.lasso = if primary && !shift && (alt || self.lasso_mode) {
                origin.map(|o| vec![o])
            } else {
                None
            };
        }
        let mut finished = None;
        if response.dragged() {
            if let Some(lasso) = &mut self.lasso {
                if let Some(p) = response.interact_pointer_pos() {
                    if lasso.last().is_none_or(|q| q.distance(p) >= 2.0) {
                        lasso.push(p);
                    }
                }
            } else if self.box_start.is_none() {
                let delta = response.drag_delta();
                if self.three_d {
                    let orbit = response.dragged_by(PointerButton::Primary);
                    if let Some(c) = &mut self.camera {
                        if orbit {
                            c.orbit(delta);
                        } else {
                            c.pan(rect, delta);
                        }
                    }
                } else if let Some(t) = &mut self.transform {
                    t.pan(delta);
                }
            }
        }
        if response.drag_stopped() {
            if let Some(mut lasso) = self.lasso.take() {
                if let Some(p) = response.interact_pointer_pos() {
                    lasso.push(p);
                }
                let nodes = self.nodes_in_lasso(rect, &lasso);
                self.selection.clone_from(&nodes);
                finished = Some(nodes);
            }
            if let (Some(a), Some(b)) = (self.box_start.take(), response.interact_pointer_pos()) {
                let nodes = self.nodes_in_box(rect, a, b);
                self.selection.clone_from(&nodes);
                finished = Some(nodes);
            }
        }
        finished
    }

    /// Draws the view at `size` (its width is capped at the available width).
    pub fn ui(&mut self, ui: &mut Ui, size: Vec2) -> HGraphResponse {
        let size = vec2(size.x.min(ui.available_width()).max(50.0), size.y.max(50.0));
        let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
        self.rect = rect;
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "H-graph view"));
        self.ensure_fitted(rect);
        let box_selected = self.handle_input(ui, rect, &response);
        self.ensure_fitted(rect);
        let Some(proj) = self.projection_in(rect) else {
            return HGraphResponse {
                response,
                hovered: None,
                clicked: None,
                box_selected,
            };
        };
        // A moving 3D camera would rebuild the picking grid every frame: pick once it stops, and
        // not during a drag (orbit, pan, box or lasso).
        let moved = self.three_d && self.last_proj != Some(proj);
        let clicked = response.clicked();
        let hovered = if (moved || (self.three_d && response.dragged())) && !clicked {
            if moved {
                // Pick on the next (still) frame.
                ui.ctx().request_repaint();
            }
            None
        } else {
            response.hover_pos().and_then(|p| self.pick(rect, p))
        };
        self.hovered = hovered;
        let clicked = clicked.then_some(hovered);
        if let Some(c) = clicked {
            self.selected = c;
        }

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, BACKGROUND);
        match self.backend {
            Backend::Wgpu(target) => {
                let data = self.gpu_data();
                let uniform = ViewUniform::new(&proj, self.size_scale, self.show_edges);
                painter.add(egui_wgpu::Callback::new_paint_callback(
                    rect,
                    HGraphCallback {
                        view_key: self.key,
                        target,
                        data,
                        uniform,
                    },
                ));
            }
            Backend::Painter => {
                let order = if self.three_d {
                    Some(
                        self.screen
                            .depth_order(&proj, &self.data.positions)
                            .to_vec(),
                    )
                } else {
                    self.screen.update(&proj, &self.data.positions);
                    None
                };
                let scene = Scene {
                    data: &self.data,
                    colors: &self.colors,
                    radii: &self.radii,
                    size_scale: self.size_scale,
                    show_edges: self.show_edges,
                };
                self.painter_complete =
                    paint(&painter, rect, &scene, &self.screen.pos, order.as_deref());
            }
        }
        self.overlays(&painter, &proj, hovered);
        if self.three_d {
            self.axis_triad(&painter, rect);
        }
        if let Some(a) = self.box_start {
            if let Some(b) = response.interact_pointer_pos() {
                painter.rect_stroke(
                    Rect::from_two_pos(a, b),
                    0.0,
                    Stroke::new(1.0, HIGHLIGHT),
                    StrokeKind::Inside,
                );
            }
        }
        if let Some(lasso) = &self.lasso {
            let mut pts = lasso.clone();
            if let Some(p) = response.interact_pointer_pos() {
                pts.push(p);
            }
            painter.add(egui::Shape::closed_line(pts, Stroke::new(1.0, HIGHLIGHT)));
        }
        if !self.painter_complete && self.backend == Backend::Painter {
            painter.text(
                rect.left_bottom() + vec2(6.0, -6.0),
                egui::Align2::LEFT_BOTTOM,
                "too many items for the fallback painter: some are not drawn",
                egui::FontId::proportional(12.0),
                Color32::LIGHT_RED,
            );
        }
        self.last_proj = Some(proj);
        let response = match hovered {
            Some(n) => response.on_hover_text_at_pointer(self.describe(n)),
            None => response,
        };
        HGraphResponse {
            response,
            hovered,
            clicked,
            box_selected,
        }
    }

    /// The world axes' directions on screen, bottom right, named by `axis_names`.
    fn axis_triad(&self, painter: &egui::Painter, rect: Rect) {
        let Some(cam) = self.camera else { return };
        let r = cam.rotation();
        let origin = rect.right_bottom() + vec2(-44.0, -44.0);
        for k in 0..3 {
            let dir = vec2(r[0][k], -r[1][k]) * 28.0;
            let color = AXIS_COLORS[k];
            painter.line_segment([origin, origin + dir], Stroke::new(1.5, color));
            painter.text(
                origin + dir * 1.25,
                egui::Align2::CENTER_CENTER,
                &self.axis_names[k],
                egui::FontId::proportional(10.0),
                color,
            );
        }
    }

    fn ring(&self, painter: &egui::Painter, proj: &Projection, n: u32, c: Color32, w: f32) {
        if let Some(p) = self.data.positions.get(n as usize) {
            if let Some(s) = proj.to_screen(*p) {
                let r = self.radii[n as usize] * self.size_scale + 2.0;
                painter.circle_stroke(s, r, Stroke::new(w, c));
            }
        }
    }

    fn overlays(&self, painter: &egui::Painter, proj: &Projection, hovered: Option<u32>) {
        for &n in self.highlighted.iter().take(MAX_RINGS) {
            self.ring(painter, proj, n, HIGHLIGHT, 1.5);
        }
        for &n in self.selection.iter().take(MAX_RINGS) {
            self.ring(painter, proj, n, SELECTED, 1.0);
        }
        // Path steps with an end behind the 3D camera are left out.
        let pts: Vec<Option<Pos2>> = self
            .path
            .iter()
            .map(|&n| {
                self.data
                    .positions
                    .get(n as usize)
                    .and_then(|p| proj.to_screen(*p))
            })
            .collect();
        for w in pts.windows(2) {
            let (Some(a), Some(b)) = (w[0], w[1]) else {
                continue;
            };
            let v = b - a;
            painter.line_segment([a, b], Stroke::new(2.5, PATH));
            if v.length() > 12.0 {
                let mid = a + v * 0.5;
                let dir = v.normalized() * 7.0;
                let n = dir.rot90() * 0.6;
                painter.add(egui::Shape::convex_polygon(
                    vec![mid + dir, mid - n, mid + n],
                    PATH,
                    Stroke::NONE,
                ));
            }
        }
        if let Some(&first) = self.path.first() {
            self.ring(painter, proj, first, PATH, 2.5);
        }
        if let Some(s) = self.selected {
            self.ring(painter, proj, s, SELECTED, 2.5);
        }
        if let Some(h) = hovered {
            self.ring(painter, proj, h, HOVER, 2.0);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn generation_follows_data_and_colours_only() {
        let mut v = HGraphView::new(Backend::Painter);
        v.set_data(GraphData::synthetic(50, 2, 1)).unwrap();
        let g = v.generation();
        let first = v.gpu_data();
        v.transform = Some(ViewTransform::default());
        v.transform.as_mut().unwrap().pan(vec2(3.0, 4.0));
        v.three_d = true;
        v.camera = Some(OrbitCamera::default());
        v.camera.as_mut().unwrap().orbit(vec2(30.0, 10.0));
        assert_eq!(v.generation(), g);
        assert!(Arc::ptr_eq(&first, &v.gpu_data()));
        v.set_color_mode(ColorMode::Reach);
        assert_eq!(v.generation(), g + 1);
        v.set_color_mode(ColorMode::Reach);
        assert_eq!(v.generation(), g + 1);
        assert!(!Arc::ptr_eq(&first, &v.gpu_data()));
        assert_eq!(v.gpu_data().generation, g + 1);
    }

    #[test]
    fn pick_uses_node_size() {
        let mut data = GraphData::synthetic(2, 0, 1);
        data.positions = vec![[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]];
        data.frame_count = vec![1, 16]; // radii 2 and 8 points
        let mut v = HGraphView::new(Backend::Painter);
        v.set_data(data).unwrap();
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(200.0, 100.0));
        v.transform = Some(ViewTransform {
            center: [5.0, 0.0],
            scale: 10.0,
        });
        // Node 0 at (50, 50), node 1 at (150, 50).
        assert_eq!(v.pick(rect, pos2(50.0, 50.0)), Some(0));
        assert_eq!(v.pick(rect, pos2(54.0, 50.0)), Some(0));
        assert_eq!(v.pick(rect, pos2(56.0, 50.0)), None);
        assert_eq!(v.pick(rect, pos2(160.0, 50.0)), Some(1));
        assert_eq!(v.pick(rect, pos2(163.0, 50.0)), None);
        assert_eq!(node_radius(16), 8.0);
    }

    #[test]
    fn pick_in_3d_uses_the_projection_and_rebuilds_the_grid_lazily() {
        let mut data = GraphData::synthetic(3, 0, 1);
        // Node 0 at the target, node 1 one unit along +z, node 2 one unit along +x.
        data.positions = vec![[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
        data.frame_count = vec![1, 1, 1]; // radius 2 points
        let mut v = HGraphView::new(Backend::Painter);
        v.set_data(data).unwrap();
        v.three_d = true;
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(200.0, 200.0));
        let mut cam = OrbitCamera {
            target: [0.0; 3],
            yaw: 0.0,
            pitch: 0.0,
            distance: 10.0,
        };
        v.camera = Some(cam);
        let ppu = cam.points_per_unit(rect);
        // Yaw 0: node 2 lies ppu points right of the centre; node 1 sits in front of node 0 on
        // the line of sight (both at the centre): equal screen distance, the lower id wins.
        assert_eq!(v.pick(rect, pos2(100.0 + ppu, 100.0)), Some(2));
        assert_eq!(v.pick(rect, pos2(100.0, 100.0)), Some(0));
        assert_eq!(v.screen_grid_builds(), 1);
        // Same camera: no new grid.
        assert_eq!(v.pick(rect, pos2(100.0 + ppu, 100.0)), Some(2));
        assert_eq!(v.screen_grid_builds(), 1);
        // Yaw 90°: x goes away from the viewer (node 2 to the centre), z to the right: node 1
        // at depth 10 lands ppu points right of the centre.
        cam.yaw = std::f32::consts::FRAC_PI_2;
        v.camera = Some(cam);
        assert_eq!(v.pick(rect, pos2(100.0 + ppu, 100.0)), Some(1));
        assert_eq!(v.screen_grid_builds(), 2);
        assert_eq!(v.screen_projections(), 2);
        // A box around the centre and a lasso around the right: projected positions.
        let all = v.nodes_in_box(rect, pos2(90.0, 90.0), pos2(110.0, 110.0));
        assert_eq!(all, vec![0, 2]);
        let tri = [
            pos2(100.0 + ppu - 5.0, 90.0),
            pos2(100.0 + ppu + 5.0, 90.0),
            pos2(100.0 + ppu, 110.0),
        ];
        assert_eq!(v.nodes_in_lasso(rect, &tri), vec![1]);
        assert_eq!(v.screen_grid_builds(), 2);
    }

    #[test]
    fn fit_and_reset_in_3d() {
        let mut v = HGraphView::new(Backend::Painter);
        v.set_data(GraphData::synthetic(40, 1, 2)).unwrap();
        v.three_d = true;
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(300.0, 200.0));
        v.ensure_fitted(rect);
        v.rect = rect;
        let fresh = v.camera.unwrap();
        assert_eq!((fresh.yaw, fresh.pitch), (DEFAULT_YAW, DEFAULT_PITCH));
        let mut moved = fresh;
        moved.orbit(vec2(40.0, -20.0));
        moved.zoom(3.0);
        moved.pan(rect, vec2(30.0, 5.0));
        v.camera = Some(moved);
        // F: fitted again, keeping the angles.
        v.fit();
        let fitted = v.camera.unwrap();
        assert_eq!((fitted.yaw, fitted.pitch), (moved.yaw, moved.pitch));
        assert_eq!(fitted.target, fresh.target);
        let want = OrbitCamera::fit(&v.data().positions, 1.5, moved.yaw, moved.pitch);
        assert_eq!(fitted, want);
        for i in 0..40 {
            assert!(rect.contains(v.screen_pos(i).unwrap()));
        }
        // Reset: default angles on the next frame.
        v.reset_view();
        assert_eq!(v.camera, None);
        v.ensure_fitted(rect);
        assert_eq!(v.camera, Some(fresh));
        // The 2D transform is untouched by all this.
        assert_eq!(v.transform, None);
    }
}
