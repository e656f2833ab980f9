//! The h-graph view: draws a [`GraphData`] through wgpu (or egui's painter), with pan, zoom at
//! the cursor, fit to view (F), hover and click picking, shift-drag box selection, alt-drag (or
//! [`HGraphView::lasso_mode`]) lasso selection, highlighted nodes and a planned path drawn on top.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use egui::{pos2, vec2, Color32, Key, Pos2, Rect, Response, Sense, Stroke, StrokeKind, Ui, Vec2};

use super::colors::{node_colors, ColorMode, ColorScale};
use super::data::GraphData;
use super::gpu::{GpuData, GpuTarget, HGraphCallback, ViewUniform};
use super::legend::legend;
use super::painter::paint;
use super::picking::SpatialGrid;
use super::transform::ViewTransform;

/// Extra pick tolerance around a node's disc, in screen points.
const PICK_SLOP: f32 = 3.0;
const BACKGROUND: Color32 = Color32::from_rgb(16, 16, 20);
const HOVER: Color32 = Color32::WHITE;
const SELECTED: Color32 = Color32::from_rgb(255, 80, 200);
const HIGHLIGHT: Color32 = Color32::from_rgb(255, 255, 0);
const PATH: Color32 = Color32::from_rgb(255, 150, 30);
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

/// The h-graph view and its state (data, colours, GPU bytes, view transform, selection).
pub struct HGraphView {
    key: u64,
    data: Arc<GraphData>,
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
    /// `None` until the first frame fits the data to the view.
    pub transform: Option<ViewTransform>,
    /// Multiplier of every node radius.
    pub size_scale: f32,
    pub show_edges: bool,
    /// The node clicked last.
    pub selected: Option<u32>,
    /// Nodes of the last box or lasso selection.
    pub selection: Vec<u32>,
    /// A plain drag draws a lasso (instead of panning), as alt-drag does.
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
        };
        view.recolor();
        view
    }

    /// Shows `data` (checked first), fitting it to the view on the next frame and clearing the
    /// selection.
    pub fn set_data(&mut self, data: GraphData) -> Result<(), String> {
        data.validate()?;
        self.grid = SpatialGrid::build(&data.positions, data.bounds());
        self.scale = ColorScale::of(&data);
        self.radii = data.frame_count.iter().map(|&c| node_radius(c)).collect();
        self.max_radius = self.radii.iter().copied().fold(2.0, f32::max);
        self.data = Arc::new(data);
        self.transform = None;
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

    /// Changes whenever node or edge bytes change (never on pan or zoom).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The node under the pointer last frame.
    pub fn hovered(&self) -> Option<u32> {
        self.hovered
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

    /// Screen position of `node` as drawn last frame.
    pub fn screen_pos(&self, node: u32) -> Option<Pos2> {
        let t = self.transform?;
        let p = self.data.positions.get(node as usize)?;
        Some(t.to_screen(self.rect, *p))
    }

    /// Fits the whole graph into the view on the next frame.
    pub fn fit(&mut self) {
        self.transform = None;
    }

    /// The node drawn at screen position `p` in a view drawn in `rect`.
    pub fn pick(&self, rect: Rect, p: Pos2) -> Option<u32> {
        let t = self.transform?;
        let slop = PICK_SLOP / t.scale;
        let max = self.max_radius * self.size_scale / t.scale + slop;
        let radii = &self.radii;
        let s = self.size_scale;
        self.grid
            .pick(&self.data.positions, t.to_world(rect, p), max, |n| {
                radii[n as usize] * s / t.scale + slop
            })
    }

    /// Colour-mode selector, Fit and the edge toggle.
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
            ui.checkbox(&mut self.show_edges, "Edges");
            ui.add(egui::Slider::new(&mut self.size_scale, 0.25..=4.0).text("Node size"));
        });
    }

    /// The legend of the current colour mode.
    pub fn legend_ui(&self, ui: &mut Ui) {
        legend(ui, self.color_mode, &self.scale, self.data.map_size);
    }

    fn handle_input(&mut self, ui: &Ui, rect: Rect, response: &Response) -> Option<Vec<u32>> {
        let t = self.transform.as_mut()?;
        if response.hovered() {
            let (scroll, zoom, pointer) = ui.input(|i| {
                (
                    i.smooth_scroll_delta.y,
                    i.zoom_delta(),
                    i.pointer.hover_pos(),
                )
            });
            let factor = (scroll * 0.002).exp() * zoom;
            if let Some(p) = pointer {
                if (factor - 1.0).abs() > 1e-6 {
                    t.zoom_at(rect, p, factor);
                }
            }
            let fit = !ui.ctx().egui_wants_keyboard_input()
                && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::F));
            if fit {
                self.transform = None;
                return None;
            }
        }
        if response.drag_started() {
            let (shift, alt, origin) =
                ui.input(|i| (i.modifiers.shift, i.modifiers.alt, i.pointer.press_origin()));
            let origin = origin.or_else(|| response.interact_pointer_pos());
            self.box_start = if shift { origin } else { None };
            self.lasso = if !shift && (alt || self.lasso_mode) {
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
                t.pan(response.drag_delta());
            }
        }
        if response.drag_stopped() {
            if let Some(mut lasso) = self.lasso.take() {
                if let Some(p) = response.interact_pointer_pos() {
                    lasso.push(p);
                }
                let world: Vec<Pos2> = lasso
                    .iter()
                    .map(|&p| {
                        let w = t.to_world(rect, p);
                        pos2(w[0], w[1])
                    })
                    .collect();
                let nodes = self.grid.in_polygon(&self.data.positions, &world);
                self.selection.clone_from(&nodes);
                finished = Some(nodes);
            }
            if let (Some(a), Some(b)) = (self.box_start.take(), response.interact_pointer_pos()) {
                let wa = t.to_world(rect, a);
                let wb = t.to_world(rect, b);
                let r = Rect::from_two_pos(pos2(wa[0], wa[1]), pos2(wb[0], wb[1]));
                let nodes = self.grid.in_rect(&self.data.positions, r);
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
        if self.transform.is_none() {
            self.transform = Some(ViewTransform::fit(self.data.bounds(), rect));
        }
        let box_selected = self.handle_input(ui, rect, &response);
        if self.transform.is_none() {
            self.transform = Some(ViewTransform::fit(self.data.bounds(), rect));
        }
        let t = self.transform.unwrap_or_default();
        let hovered = response.hover_pos().and_then(|p| self.pick(rect, p));
        self.hovered = hovered;
        let clicked = response.clicked().then_some(hovered);
        if let Some(c) = clicked {
            self.selected = c;
        }

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, BACKGROUND);
        match self.backend {
            Backend::Wgpu(target) => {
                let data = self.gpu_data();
                let ndc = t.ndc_scale(rect.size());
                let uniform = ViewUniform {
                    center: t.center,
                    ndc_scale: [ndc.x, ndc.y],
                    point_to_ndc: [2.0 / rect.width(), 2.0 / rect.height()],
                    size_scale: self.size_scale,
                    show_edges: if self.show_edges { 1.0 } else { 0.0 },
                };
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
                self.painter_complete = paint(
                    &painter,
                    rect,
                    &t,
                    &self.data,
                    &self.colors,
                    &self.radii,
                    self.size_scale,
                    self.show_edges,
                );
            }
        }
        self.overlays(&painter, rect, &t, hovered);
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

    fn ring(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        t: &ViewTransform,
        n: u32,
        c: Color32,
        w: f32,
    ) {
        if let Some(p) = self.data.positions.get(n as usize) {
            let r = self.radii[n as usize] * self.size_scale + 2.0;
            painter.circle_stroke(t.to_screen(rect, *p), r, Stroke::new(w, c));
        }
    }

    fn overlays(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        t: &ViewTransform,
        hovered: Option<u32>,
    ) {
        for &n in self.highlighted.iter().take(MAX_RINGS) {
            self.ring(painter, rect, t, n, HIGHLIGHT, 1.5);
        }
        for &n in self.selection.iter().take(MAX_RINGS) {
            self.ring(painter, rect, t, n, SELECTED, 1.0);
        }
        let pts: Vec<Pos2> = self
            .path
            .iter()
            .filter_map(|&n| self.data.positions.get(n as usize))
            .map(|p| t.to_screen(rect, *p))
            .collect();
        for w in pts.windows(2) {
            let v = w[1] - w[0];
            painter.line_segment([w[0], w[1]], Stroke::new(2.5, PATH));
            if v.length() > 12.0 {
                let mid = w[0] + v * 0.5;
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
            self.ring(painter, rect, t, first, PATH, 2.5);
        }
        if let Some(s) = self.selected {
            self.ring(painter, rect, t, s, SELECTED, 2.5);
        }
        if let Some(h) = hovered {
            self.ring(painter, rect, t, h, HOVER, 2.0);
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
        data.positions = vec![[0.0, 0.0], [10.0, 0.0]];
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
}
