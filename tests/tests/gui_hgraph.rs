//! The h-graph view on a small synthetic graph, driven with egui_kittest: hover shows a node's
//! statistics, a click selects it, shift-drag selects a box, the colour modes recolour, F fits;
//! the 3D view (toggle and key 3, orbit, pan, hover and box selection on the projection, checked
//! against a projection computed here from first principles); and snapshots of the 2D and 3D
//! views drawn by the wgpu paint callback on the software adapter.

mod gui_common;

use std::path::{Path, PathBuf};

use egui::{pos2, vec2, Color32, Modifiers, Pos2};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::{Harness, SnapshotOptions};
use worldbench_widgets::hgraph::gpu::egui_wgpu;
use worldbench_widgets::hgraph::{
    ramp, tile_color, Backend, ColorMode, GpuTarget, GraphData, GraphEdge, HGraphView, OrbitCamera,
    ORBIT_RAD_PER_POINT,
};

/// Five nodes: the corners of a unit square (z = 0) and, above its centre, the apex of a pyramid
/// (z = 1); edges around the square.
fn graph() -> GraphData {
    let edge = |from, to, action| GraphEdge {
        from,
        to,
        action,
        count: 1,
    };
    GraphData {
        positions: vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.5, 0.5, 1.0],
        ],
        frame_count: vec![1, 4, 16, 2, 8],
        in_degree: vec![1, 1, 1, 1, 0],
        out_degree: vec![1, 1, 1, 1, 1],
        tiles_covered: vec![1, 2, 3, 1, 2],
        scc: vec![0, 0, 0, 0, 1],
        first_step: vec![0, 3, 6, 9, 12],
        reach: vec![0.75, 0.75, 0.75, 0.75, 0.0],
        node_tile: vec![[0, 0], [0, 15], [13, 15], [13, 0], [-1, -1]],
        map_size: [14, 16],
        edges: vec![
            edge(0, 1, 4),
            edge(1, 2, 1),
            edge(2, 3, 3),
            edge(3, 0, 2),
            edge(4, 4, 0),
        ],
    }
}

struct Fixture {
    view: HGraphView,
    boxes: Vec<Vec<u32>>,
}

fn harness(backend: Backend) -> Harness<'static, Fixture> {
    harness_with(backend, |_| {})
}

fn harness_with(
    backend: Backend,
    setup: impl FnOnce(&mut HGraphView),
) -> Harness<'static, Fixture> {
    let mut view = HGraphView::new(backend);
    view.set_data(graph()).expect("valid graph");
    setup(&mut view);
    let fixture = Fixture {
        view,
        boxes: Vec::new(),
    };
    Harness::builder()
        .with_size([640.0, 480.0])
        .build_ui_state(ui_fn, fixture)
}

fn ui_fn(ui: &mut egui::Ui, f: &mut Fixture) {
    f.view.controls_ui(ui);
    f.view.legend_ui(ui);
    let r = f.view.ui(ui, vec2(600.0, 320.0));
    if let Some(b) = r.box_selected {
        f.boxes.push(b);
    }
    match r.hovered {
        Some(n) => ui.label(format!("Hovered: {}", f.view.describe(n))),
        None => ui.label("Hovered: none"),
    };
}

fn node_pos(h: &Harness<'static, Fixture>, node: u32) -> Pos2 {
    h.state().view.screen_pos(node).expect("drawn")
}

/// A shift-drag (box selection) from `a` to `b` in four moves.
fn shift_drag<S>(h: &mut Harness<'static, S>, a: Pos2, b: Pos2) {
    h.hover_at(a);
    h.run();
    h.event(egui::Event::ModifiersChanged(Modifiers::SHIFT));
    h.drag_at(a);
    h.run();
    for k in 1..=4 {
        h.hover_at(a + (b - a) * (k as f32 / 4.0));
        h.run();
    }
    h.drop_at(b);
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run();
}

#[test]
fn hover_shows_node_statistics_and_click_selects() {
    let mut h = harness(Backend::Painter);
    h.run();
    h.get_by_label("Hovered: none");
    let p = node_pos(&h, 2);
    h.hover_at(p);
    h.run();
    assert_eq!(h.state().view.hovered(), Some(2));
    h.get_by_label("Hovered: Node 2: 16 frames, 3 tiles, in 1 / out 1");
    // Off by 3 points is still node 2 (its disc has radius 8).
    h.hover_at(p + vec2(3.0, 0.0));
    h.run();
    assert_eq!(h.state().view.hovered(), Some(2));
    h.drag_at(p);
    h.run();
    h.drop_at(p);
    h.run();
    assert_eq!(h.state().view.selected, Some(2));
    // Empty space: no hover; a click there clears the selection.
    let empty = node_pos(&h, 0).lerp(node_pos(&h, 4), 0.5) + vec2(0.0, 25.0);
    h.hover_at(empty);
    h.run();
    assert_eq!(h.state().view.hovered(), None);
    h.drag_at(empty);
    h.run();
    h.drop_at(empty);
    h.run();
    assert_eq!(h.state().view.selected, None);
}

#[test]
fn shift_drag_selects_the_nodes_in_the_box() {
    let mut h = harness(Backend::Painter);
    h.run();
    // A box around nodes 1 (bottom right, screen) and 4 (centre) only.
    let (p1, p4) = (node_pos(&h, 1), node_pos(&h, 4));
    let a = pos2(p4.x - 10.0, p4.y - 10.0);
    let b = pos2(p1.x + 10.0, p1.y + 10.0);
    shift_drag(&mut h, a, b);
    assert_eq!(h.state().boxes, vec![vec![1, 4]]);
    assert_eq!(h.state().view.selection, vec![1, 4]);
}

#[test]
fn alt_drag_draws_a_lasso_that_selects_the_nodes_inside() {
    let mut h = harness(Backend::Painter);
    h.run();
    // A thin rotated rectangle along the diagonal from node 4 (centre) past node 2 (a corner);
    // nodes 0, 1 and 3 lie far outside it, though node 0 is inside its bounding box.
    let (p4, p2) = (node_pos(&h, 4), node_pos(&h, 2));
    let d = p2 - p4;
    let n = d.normalized().rot90() * 15.0;
    let corners = [
        p4 - d * 0.2 + n,
        p2 + d * 0.2 + n,
        p2 + d * 0.2 - n,
        p4 - d * 0.2 - n,
    ];
    h.hover_at(corners[0]);
    h.run();
    h.event(egui::Event::ModifiersChanged(Modifiers::ALT));
    h.drag_at(corners[0]);
    h.run();
    for w in corners.windows(2) {
        for k in 1..=4 {
            h.hover_at(w[0] + (w[1] - w[0]) * (k as f32 / 4.0));
            h.run();
        }
    }
    h.drop_at(corners[3]);
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run();
    assert_eq!(h.state().boxes, vec![vec![2, 4]]);
    assert_eq!(h.state().view.selection, vec![2, 4]);
    // The lasso does not pan: node 4 stays where it was.
    assert!((node_pos(&h, 4) - p4).length() < 0.5);
}

#[test]
fn plain_drag_pans_and_f_fits_again() {
    let mut h = harness(Backend::Painter);
    h.run();
    let before = node_pos(&h, 4);
    let a = before + vec2(0.0, 30.0);
    h.hover_at(a);
    h.run();
    h.drag_at(a);
    h.run();
    for k in 1..=4 {
        h.hover_at(a + vec2(10.0 * k as f32, 0.0));
        h.run();
    }
    h.drop_at(a + vec2(40.0, 0.0));
    h.run();
    let moved = node_pos(&h, 4);
    assert!(
        (moved.x - before.x - 40.0).abs() < 1.0,
        "{before:?} → {moved:?}"
    );
    assert!(h.state().boxes.is_empty());
    h.hover_at(before);
    h.run();
    h.key_press(egui::Key::F);
    h.run();
    let fitted = node_pos(&h, 4);
    assert!((fitted - before).length() < 0.5, "{before:?} vs {fitted:?}");
}

#[test]
fn colour_modes_recolour_the_nodes() {
    let mut h = harness(Backend::Painter);
    h.run();
    assert_eq!(h.state().view.color_mode(), ColorMode::Tile);
    assert_eq!(h.state().view.colors()[2], tile_color([13, 15], [14, 16]));
    let generation = h.state().view.generation();
    h.get_by_label("Reachability").click();
    h.run();
    assert_eq!(h.state().view.color_mode(), ColorMode::Reach);
    assert_eq!(h.state().view.colors()[4], ramp(0.0));
    assert_eq!(h.state().view.colors()[0], ramp(0.75));
    assert_eq!(h.state().view.generation(), generation + 1);
    h.get_by_label("fraction of nodes reachable");
    h.get_by_label("First visit").click();
    h.run();
    assert_eq!(h.state().view.colors()[4], ramp(1.0));
    h.get_by_label("frame index of the first visit");
    h.get_by_label("SCC").click();
    h.run();
    // Component 0 (four nodes) is the largest: red.
    assert_eq!(h.state().view.colors()[0], Color32::from_rgb(230, 60, 60));
    assert_ne!(h.state().view.colors()[4], h.state().view.colors()[0]);
    h.get_by_label("largest component: 4 nodes");
    h.get_by_label("Degree").click();
    h.run();
    assert_eq!(h.state().view.color_mode(), ColorMode::Degree);
    h.get_by_label("in + out degree (log scale)");
}

/// The orbit camera of the 3D tests: looking at the pyramid's centre from 4 units away.
fn camera(yaw: f32, pitch: f32) -> OrbitCamera {
    OrbitCamera {
        target: [0.5, 0.5, 0.5],
        yaw,
        pitch,
        distance: 4.0,
    }
}

/// Where world point `p` appears in a view drawn in `rect` by camera `c`, from first principles:
/// turn the offset from the target by yaw about y (x → −z at 90°), then by pitch about x; the
/// camera sits `distance` in front along +z; a 45° vertical field of view maps depth-divided
/// offsets onto half the view's height.
fn expected_screen(c: &OrbitCamera, rect: egui::Rect, p: [f32; 3]) -> Pos2 {
    let (x, y, z) = (p[0] - c.target[0], p[1] - c.target[1], p[2] - c.target[2]);
    let (sy, cy) = c.yaw.sin_cos();
    let (x1, z1) = (cy * x + sy * z, -sy * x + cy * z);
    let (sp, cp) = c.pitch.sin_cos();
    let (y2, z2) = (cp * y - sp * z1, sp * y + cp * z1);
    let depth = c.distance - z2;
    let points_per_unit = rect.height() / 2.0 / (std::f32::consts::PI / 8.0).tan();
    rect.center() + vec2(x1, -y2) * points_per_unit / depth
}

fn drag_with(h: &mut Harness<'static, Fixture>, button: egui::PointerButton, a: Pos2, b: Pos2) {
    let press = |pos, pressed| egui::Event::PointerButton {
        pos,
        button,
        pressed,
        modifiers: Modifiers::NONE,
    };
    h.hover_at(a);
    h.run();
    h.event(press(a, true));
    h.run();
    for k in 1..=4 {
        h.hover_at(a + (b - a) * (k as f32 / 4.0));
        h.run();
    }
    h.event(press(b, false));
    h.run();
}

#[test]
fn three_d_toggles_by_click_and_by_key() {
    let mut h = harness(Backend::Painter);
    h.run();
    let generation = h.state().view.generation();
    assert!(!h.state().view.three_d);
    assert!(h.query_by_label("Reset view").is_none());
    h.get_by_label("3D").click();
    h.run();
    assert!(h.state().view.three_d);
    let fitted = h.state().view.camera.expect("fitted on the first 3D frame");
    // Every node is on screen, and Reset view shows in 3D.
    for n in 0..5 {
        let p = node_pos(&h, n);
        assert!(h.state().view.rect().contains(p), "node {n} at {p:?}");
    }
    h.get_by_label("Reset view");
    // Key 3 over the view switches back, and again.
    h.hover_at(h.state().view.rect().center());
    h.run();
    h.key_press(egui::Key::Num3);
    h.run();
    assert!(!h.state().view.three_d);
    h.key_press(egui::Key::Num3);
    h.run();
    assert!(h.state().view.three_d);
    assert_eq!(h.state().view.camera, Some(fitted));
    // Switching never re-packs the GPU bytes: positions are 3D in both modes.
    assert_eq!(h.state().view.generation(), generation);
}

#[test]
#[allow(clippy::float_cmp)] // targets are copied, never computed
fn orbit_drag_turns_the_camera_and_hover_follows_the_projection() {
    let mut h = harness_with(Backend::Painter, |v| {
        v.three_d = true;
        v.camera = Some(camera(0.0, 0.0));
    });
    h.run();
    let rect = h.state().view.rect();
    // Yaw 0: the apex (node 4) is straight ahead, at the centre; where it will be after a
    // quarter turn (0.5 units right of the target, at the target's depth) is empty.
    let apex = [0.5, 0.5, 1.0];
    let turned = expected_screen(&camera(std::f32::consts::FRAC_PI_2, 0.0), rect, apex);
    let points_per_unit = rect.height() / 2.0 / (std::f32::consts::PI / 8.0).tan() / 4.0;
    assert!((turned - (rect.center() + vec2(0.5 * points_per_unit, 0.0))).length() < 1e-3);
    h.hover_at(turned);
    h.run();
    h.get_by_label("Hovered: none");
    h.hover_at(rect.center());
    h.run();
    h.get_by_label("Hovered: Node 4: 8 frames, 2 tiles, in 0 / out 1");

    // Drag 180 points right: half a degree per point, a quarter turn.
    let builds = h.state().view.screen_grid_builds();
    let a = rect.center() + vec2(-90.0, 100.0);
    drag_with(
        &mut h,
        egui::PointerButton::Primary,
        a,
        a + vec2(180.0, 0.0),
    );
    let cam = h.state().view.camera.expect("camera");
    assert!(
        (cam.yaw - std::f32::consts::FRAC_PI_2).abs() < 0.01,
        "{cam:?}"
    );
    assert!(cam.pitch.abs() < 1e-6);
    assert_eq!(cam.target, [0.5, 0.5, 0.5]);
    assert!(h.state().boxes.is_empty());
    for n in 0..5u32 {
        let want = expected_screen(&cam, rect, graph().positions[n as usize]);
        assert!((node_pos(&h, n) - want).length() < 1e-2, "node {n}");
    }
    h.hover_at(turned);
    h.run();
    h.get_by_label("Hovered: Node 4: 8 frames, 2 tiles, in 0 / out 1");
    // The drag's frames did not rebuild the picking grid; the first pick after it did, once.
    assert_eq!(h.state().view.screen_grid_builds(), builds + 1);
    // The square now stands edge-on left of the centre: nothing at the centre.
    h.hover_at(rect.center());
    h.run();
    h.get_by_label("Hovered: none");

    // Right-drag pans: the apex, at the target's depth, follows the pointer exactly.
    let before = node_pos(&h, 4);
    let b = rect.center() + vec2(-60.0, 80.0);
    drag_with(
        &mut h,
        egui::PointerButton::Secondary,
        b,
        b + vec2(30.0, -20.0),
    );
    assert!((h.state().view.camera.expect("camera").yaw - cam.yaw).abs() < 1e-6);
    assert!((node_pos(&h, 4) - (before + vec2(30.0, -20.0))).length() < 0.5);
    // F fits again (keeping the angles): the apex's depth equals the target's, so it sits
    // 0.5 units right of the centre of a camera fitted to the unit cube.
    h.hover_at(rect.center());
    h.run();
    h.key_press(egui::Key::F);
    h.run();
    let fitted = h.state().view.camera.expect("camera");
    assert_eq!(fitted.target, [0.5, 0.5, 0.5]);
    assert!((fitted.yaw - cam.yaw).abs() < 1e-6);
}

#[test]
#[allow(clippy::float_cmp)] // targets are copied, never computed
fn box_select_in_3d_selects_the_nodes_whose_projections_are_inside() {
    let cam = camera(std::f32::consts::FRAC_PI_2, 0.3);
    let mut h = harness_with(Backend::Painter, |v| {
        v.three_d = true;
        v.camera = Some(cam);
    });
    h.run();
    let rect = h.state().view.rect();
    let screen: Vec<Pos2> = graph()
        .positions
        .iter()
        .map(|&p| expected_screen(&cam, rect, p))
        .collect();
    // After a quarter turn the square stands edge-on at the left, tilted: its top corners are
    // nodes 2 (far) and 3 (near). A box around those two only.
    let lo = screen[2].min(screen[3]) - vec2(8.0, 8.0);
    let hi = screen[2].max(screen[3]) + vec2(8.0, 8.0);
    let boxed = egui::Rect::from_min_max(lo, hi);
    let want: Vec<u32> = (0..5)
        .filter(|&n| boxed.contains(screen[n as usize]))
        .collect();
    assert_eq!(want, vec![2, 3]);
    shift_drag(&mut h, lo, hi);
    assert_eq!(h.state().boxes, vec![want.clone()]);
    assert_eq!(h.state().view.selection, want);
    // The box did not orbit the camera.
    assert_eq!(h.state().view.camera, Some(cam));
    // In 2D the same screen box holds other nodes (or none): the selection used the projection.
    h.state_mut().view.three_d = false;
    h.run();
    let flat: Vec<u32> = (0..5)
        .filter(|&n| boxed.contains(node_pos(&h, n)))
        .collect();
    assert_ne!(flat, want);
}

/// `tests/snapshots/` (accept new images with `UPDATE_SNAPSHOTS=1`).
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// A harness drawing `graph()` through wgpu on the software adapter, with `setup` applied to
/// the view first.
fn wgpu_harness(setup: impl FnOnce(&mut HGraphView)) -> Harness<'static, Fixture> {
    worldbench_tests::require_wgpu_adapter();
    let state = egui_kittest::wgpu::create_render_state(
        egui_kittest::wgpu::default_wgpu_setup(),
        egui_wgpu::RendererOptions::PREDICTABLE,
    );
    let target = GpuTarget::of(&state);
    let renderer = egui_kittest::wgpu::WgpuTestRenderer::from_render_state(state);
    let mut view = HGraphView::new(Backend::Wgpu(target));
    view.set_data(graph()).expect("valid graph");
    setup(&mut view);
    let fixture = Fixture {
        view,
        boxes: Vec::new(),
    };
    let mut h = Harness::builder()
        .with_size([640.0, 480.0])
        .renderer(renderer)
        .build_ui_state(ui_fn, fixture);
    h.run();
    h
}

#[test]
fn snapshot_of_the_wgpu_view() {
    let mut h = wgpu_harness(|view| {
        view.selected = Some(2);
        view.path = vec![0, 1, 2];
    });
    let options = SnapshotOptions::new().output_path(snapshot_dir());
    h.snapshot_options("hgraph_view_wgpu", &options);
}

/// The same graph in 3D from the default angles: the pyramid's apex off the square's centre,
/// the selected node and planned path ringed on the projection, the axis triad bottom right.
#[test]
fn snapshot_of_the_3d_wgpu_view() {
    let mut h = wgpu_harness(|view| {
        view.three_d = true;
        view.selected = Some(2);
        view.path = vec![0, 1, 2, 4];
    });
    let cam = h.state().view.camera.expect("fitted");
    assert_eq!(
        (cam.yaw, cam.pitch),
        (
            worldbench_widgets::hgraph::DEFAULT_YAW,
            worldbench_widgets::hgraph::DEFAULT_PITCH
        )
    );
    let options = SnapshotOptions::new().output_path(snapshot_dir());
    h.snapshot_options("hgraph_view_3d_wgpu", &options);
}

/// A smoke run's checkpoint, opened in the H-graph panel: computed and cached beside the
/// checkpoint, then reopened from the cache with the same graph.
#[test]
fn panel_computes_caches_and_plans_on_a_real_checkpoint() {
    use worldbench::gui::panels::hgraph::{HGraphPanel, HGraphState};
    use worldbench_storage::hgraph_cache::{cache_path, read_cache};
    use worldbench_tests::{gen_dataset, smoke_train};

    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen_dataset(
        &ws,
        "g",
        &[
            "--preset",
            "corner-loops",
            "--episodes",
            "2",
            "--steps",
            "20",
            "--seed",
            "3",
        ],
    );
    let run = smoke_train(&ws, &data, "3", "3", &["--progress", "none"]);
    let ckpt = run.join("checkpoints").join("step_000003.safetensors");

    let mut panel = HGraphPanel::new(HGraphState::default());
    panel.open(ckpt.clone(), false);
    settle_panel(&mut panel);
    assert_eq!(panel.error(), None);
    let opened = panel.opened().expect("opened");
    assert!(!opened.from_cache);
    let nodes = opened.cache.num_nodes();
    assert!(nodes >= 1);
    assert_eq!(opened.cache.node_of_frame.len(), opened.data.len());
    assert_eq!(
        opened.cache.frame_count.iter().sum::<u32>() as usize,
        opened.data.len()
    );
    let cached = read_cache(&cache_path(&ckpt)).expect("cache written");
    assert_eq!(cached, opened.cache);

    let mut again = HGraphPanel::new(HGraphState {
        checkpoint: Some(ckpt),
        ..HGraphState::default()
    });
    settle_panel(&mut again);
    let reopened = again.opened().expect("reopened");
    assert!(reopened.from_cache);
    assert_eq!(reopened.cache, cached);
    assert_eq!(again.view().data().num_nodes(), nodes);
}

/// Applies the panel's background work (open, compare, plan) until none is left, for a panel
/// driven without frames.
fn settle_panel(panel: &mut worldbench::gui::panels::hgraph::HGraphPanel) {
    worldbench::gui::task_tracker::settle(std::time::Duration::from_mins(2), || panel.poll())
        .expect("the panel's background work ends");
}

/// Runs frames until the panel's background work has all been applied.
fn settle(h: &mut Harness<'static, PanelFixture>) {
    worldbench::gui::task_tracker::settle(std::time::Duration::from_mins(2), || {
        h.run();
    })
    .expect("the panel's background work ends");
}

/// What the panel tests drive: the H-graph panel and the commands it pushed.
struct PanelFixture {
    panel: worldbench::gui::panels::hgraph::HGraphPanel,
    commands: Vec<worldbench::gui::command::AppCommand>,
}

/// A dataset of 2 corner-loop episodes of 20 steps in `<tmp>/ws`; returns (workspace, dataset).
fn tiny_dataset(tmp: &Path, name: &str, seed: &str) -> (PathBuf, PathBuf) {
    use worldbench_tests::gen_dataset;
    let ws = tmp.join("ws");
    let data = gen_dataset(
        &ws,
        name,
        &[
            "--preset",
            "corner-loops",
            "--episodes",
            "2",
            "--steps",
            "20",
            "--seed",
            seed,
        ],
    );
    (ws, data)
}

/// A smoke run (2 corner-loop episodes of 20 steps, 4 training steps) with checkpoints at steps
/// 2 and 4; returns its checkpoints folder (the tempdir must outlive it).
fn tiny_run_checkpoints(tmp: &Path) -> PathBuf {
    let (ws, data) = tiny_dataset(tmp, "g", "3");
    worldbench_tests::smoke_train(&ws, &data, "4", "2,4", &["--progress", "none"])
        .join("checkpoints")
}

/// The panel with `checkpoint` opened (computed and cached), in a harness.
fn panel_harness(checkpoint: &Path) -> Harness<'static, PanelFixture> {
    panel_harness_sized(checkpoint, egui::vec2(1300.0, 1000.0), None)
}

/// The panel with `checkpoint` opened, in a harness of `size` (rendered with `renderer` when given).
fn panel_harness_sized(
    checkpoint: &Path,
    size: egui::Vec2,
    gpu: Option<(egui_kittest::wgpu::WgpuTestRenderer, GpuTarget)>,
) -> Harness<'static, PanelFixture> {
    use worldbench::gui::panels::hgraph::{HGraphPanel, HGraphState};
    let mut panel = HGraphPanel::new(HGraphState::default());
    panel.open(checkpoint.to_path_buf(), false);
    harness_of(panel, size, gpu)
}

/// `panel`, its checkpoint opened (its work applied), in a harness of `size` (rendered with
/// `renderer` when given).
fn harness_of(
    mut panel: worldbench::gui::panels::hgraph::HGraphPanel,
    size: egui::Vec2,
    gpu: Option<(egui_kittest::wgpu::WgpuTestRenderer, GpuTarget)>,
) -> Harness<'static, PanelFixture> {
    settle_panel(&mut panel);
    assert_eq!(panel.error(), None);
    // A task's progress can arrive while a run is under way, which asks for frames more.
    let mut builder = Harness::builder().with_size(size).with_max_steps(8);
    if let Some((r, target)) = gpu {
        panel.set_gpu(Some(target));
        builder = builder.renderer(r);
    }
    let fixture = PanelFixture {
        panel,
        commands: Vec::new(),
    };
    builder.build_ui_state(
        |ui, f: &mut PanelFixture| f.panel.show(ui, &mut f.commands),
        fixture,
    )
}

/// The playground's planner choice: `lattice` plans test1 in a task, and the result and the map's
/// path are the lattice planner's own on the same checkpoint and data.
#[test]
fn playground_plans_with_the_chosen_planner() {
    use worldbench_model::eval::{encode_dataset, hgraph_of};
    use worldbench_model::planners::{
        build_planner, LatticeConfig, MpcConfig, PlannerInputs, PlannerKind,
    };
    use worldbench_model::world::TEST1;

    let tmp = tempfile::tempdir().expect("tempdir");
    let ckpt = tiny_run_checkpoints(tmp.path()).join("step_000004.safetensors");
    let mut h = panel_harness(&ckpt);
    h.run();
    assert_eq!(h.state().panel.planner(), PlannerKind::Graph);
    h.get_by_label("lattice").click();
    h.run();
    assert_eq!(h.state().panel.planner(), PlannerKind::Lattice);
    h.get_by_label("test1").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().panel.error(), None);
    let shown = h.state().panel.outcome().expect("a plan").clone();
    let (planner, distance) = h.state().panel.outcome_planner();
    assert_eq!(planner, PlannerKind::Lattice);

    let opened = h.state().panel.opened().expect("opened");
    let encoder = worldbench::run_context::encoder_of(&ckpt).expect("encoder");
    let hs = encode_dataset(&encoder, &opened.data).expect("h");
    let graph = hgraph_of(&opened.cache);
    let inputs = PlannerInputs {
        model: &encoder,
        graph: &graph,
        h: &hs,
        data: &opened.data,
        lattice: LatticeConfig::default(),
        mpc: MpcConfig::default(),
    };
    let (s, g) = TEST1;
    let want = build_planner(PlannerKind::Lattice, &inputs)
        .expect("lattice")
        .run(&opened.world, s, g)
        .expect("plan");
    assert_eq!(shown, want.to_plan_outcome());
    assert_eq!(distance, Some(want.final_distance));
    let tiles: Vec<[i16; 2]> = want.tiles.iter().map(|t| [t.row, t.col]).collect();
    assert_eq!(h.state().panel.executed_tiles(), tiles);
    assert!(h.state().panel.view().path.is_empty(), "no h-graph path");
    h.get_by_label(&format!(
        "lattice: {} in {} steps (shortest {}, budget {}; {}); final latent distance {:.3}",
        if want.success {
            "Reached the goal"
        } else {
            "Failed"
        },
        want.steps,
        want.shortest_len,
        want.budget,
        want.to_plan_outcome().stop.describe(),
        want.final_distance
    ));

    // mpc: the frame that starts a plan shows its Cancel button.
    h.get_by_label("mpc").click();
    h.run();
    h.get_by_label("test1").click();
    h.step();
    assert!(h.state().panel.is_planning());
    h.get_by_label("Cancel planning");
    // test2 drops test1's plan, and Esc cancels test2's in the frame it starts (so before any
    // result can come back, whatever the machine's speed); the panel says so.
    h.get_by_label("test2").click();
    h.key_press(egui::Key::Escape);
    h.step();
    assert!(!h.state().panel.is_planning());
    // The cancelled work stops at its next model call; its count ends with it.
    settle(&mut h);
    assert!(!h.state().panel.is_planning());
    assert_eq!(h.state().panel.error(), None);
    assert!(h.state().panel.outcome().is_none());
    h.get_by_label("Planning cancelled");
}

/// test1 in the planning playground: a click plans at once, and the panel's plan is the model's
/// `plan_and_execute` on the same checkpoint and graph (success or not on this tiny run); its label
/// says so in words, the graph shows the planned node path, the map the executed tiles with start
/// and goal marked, and the Step slider moves the agent. test2 replaces the result.
#[test]
fn playground_plans_test1_like_the_model_does() {
    use worldbench_model::config::CandleDevice;
    use worldbench_model::eval::hgraph_of;
    use worldbench_model::eval::plan_and_execute;
    use worldbench_model::train::JepaEncoder;
    use worldbench_model::world::TEST1;

    let tmp = tempfile::tempdir().expect("tempdir");
    let ckpt = tiny_run_checkpoints(tmp.path()).join("step_000004.safetensors");
    let mut h = panel_harness(&ckpt);
    h.run();
    assert!(h.query_by_label("Plan").is_none());
    h.get_by_label("test1").click();
    h.step();
    h.step();
    let (s, g) = TEST1;
    h.get_by_label(&format!(
        "Start {},{} · goal {},{} (click the map: start next)",
        s.row, s.col, g.row, g.col
    ));
    settle(&mut h);
    assert_eq!(h.state().panel.error(), None);
    let shown = h.state().panel.outcome().expect("a plan").clone();

    let opened = h.state().panel.opened().expect("opened");
    let loaded = worldbench_model::checkpoint::load(&ckpt).expect("checkpoint");
    let device = loaded.config.candle_device().expect("device");
    let encoder = JepaEncoder::from_checkpoint(&ckpt, &device).expect("encoder");
    let want = plan_and_execute(&opened.world, &encoder, &hgraph_of(&opened.cache), s, g)
        .expect("plan_and_execute");
    assert_eq!(shown, want);

    h.get_by_label(&format!(
        "graph: {} in {} steps (shortest {}, budget {}; {})",
        if want.success {
            "Reached the goal"
        } else {
            "Failed"
        },
        want.steps,
        want.shortest_len,
        want.budget,
        want.stop.describe()
    ));
    // The slider shows the last step: every executed tile, starting at test1's start.
    let panel = &h.state().panel;
    assert_eq!(panel.plan_step(), want.steps);
    let tiles: Vec<[i16; 2]> = want.tiles.iter().map(|t| [t.row, t.col]).collect();
    assert_eq!(panel.executed_tiles(), tiles);
    assert_eq!(tiles.first(), Some(&[s.row, s.col]));
    assert_eq!(tiles.len(), want.steps + 1);
    if want.success {
        assert_eq!(tiles.last(), Some(&[g.row, g.col]));
    }
    // The graph shows the plan made before the last executed action.
    let path = want
        .planned_nodes
        .get(want.steps.min(want.planned_nodes.len().saturating_sub(1)))
        .cloned()
        .unwrap_or_default();
    assert_eq!(panel.view().path, path);
    assert_eq!(panel.view().path.is_empty(), want.planned_nodes.is_empty());
    if let Some(&last) = path.last() {
        assert_eq!(last, want.goal_node);
    }
    // The map marks the start and the goal, and the agent where the last step left it.
    let at = |t: worldbench_model::world::Tile| Some([t.row, t.col]);
    let markers = panel.markers();
    assert_eq!((markers.start, markers.goal), (at(s), at(g)));
    assert_eq!(markers.agent, tiles.last().copied());
    let last = tiles.last().expect("a tile");
    h.get_by_label(&format!(
        "Agent at {},{} after step {} of {}",
        last[0], last[1], want.steps, want.steps
    ));

    // The Step slider moves the agent (a two-step plan shown directly: this tiny run's own plan
    // may stop at once): back to step 0 it stands on the start tile, and the graph shows the
    // first plan.
    let t = |row, col| worldbench_model::world::Tile::new(row, col);
    let two = worldbench_model::eval::PlanOutcome {
        success: false,
        steps: 2,
        budget: 2,
        shortest_len: 5,
        goal_node: 0,
        tiles: vec![s, t(s.row, s.col + 1), t(s.row + 1, s.col + 1)],
        planned_nodes: vec![vec![0], vec![0, 0], vec![0]],
        stop: worldbench_model::eval::StopReason::BudgetExhausted,
    };
    h.state_mut().panel.show_outcome(s, g, two);
    h.run();
    h.get_by_label("graph: Failed in 2 steps (shortest 5, budget 2; the step budget ran out)");
    h.get_by_label(&format!(
        "Agent at {},{} after step 2 of 2",
        s.row + 1,
        s.col + 1
    ));
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Step")
        .set_value_accesskit(0.0);
    h.run();
    let panel = &h.state().panel;
    assert_eq!(panel.plan_step(), 0);
    assert_eq!(panel.markers().agent, Some([s.row, s.col]));
    assert_eq!(panel.executed_tiles(), vec![[s.row, s.col]]);
    assert_eq!(panel.view().path, vec![0]);
    h.get_by_label(&format!("Agent at {},{} after step 0 of 2", s.row, s.col));
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Step")
        .set_value_accesskit(1.0);
    h.run();
    let panel = &h.state().panel;
    assert_eq!(panel.markers().agent, Some([s.row, s.col + 1]));
    assert_eq!(panel.view().path, vec![0, 0]);
    h.get_by_label(&format!(
        "Agent at {},{} after step 1 of 2",
        s.row,
        s.col + 1
    ));

    // test2 takes the previous result off the screen at once, then shows its own.
    h.get_by_label("test2").click();
    h.step();
    h.step();
    let panel = &h.state().panel;
    assert!(panel.outcome().is_none());
    assert!(panel.view().path.is_empty());
    assert!(panel.executed_tiles().is_empty());
    assert!(h.query_by_label_contains("steps (shortest").is_none());
    settle(&mut h);
    let (s2, g2) = worldbench_model::world::TEST2;
    let out = h.state().panel.outcome().expect("test2's plan");
    assert_eq!(out.tiles.first(), Some(&s2));
    let markers = h.state().panel.markers();
    assert_eq!((markers.start, markers.goal), (at(s2), at(g2)));
}

/// "Compare with…" offers every checkpoint of the runs on the same dataset (not another
/// dataset's) and opens one beside the first; each half names its run and step, both are fitted
/// together (after the split and on F); a pan of either view moves the other the same, a click on
/// a node of one rings the same frames' nodes in the other, and Clear selection clears both.
#[test]
fn compare_links_pan_and_selection_of_two_checkpoints() {
    use egui::accesskit::Role;
    use worldbench_storage::checkpoints::checkpoint_title;
    use worldbench_tests::smoke_train;
    use worldbench_widgets::hgraph::ViewTransform;

    let tmp = tempfile::tempdir().expect("tempdir");
    let (ws, data) = tiny_dataset(tmp.path(), "g", "3");
    let progress = ["--progress", "none"];
    let dir = smoke_train(&ws, &data, "4", "2,4", &progress).join("checkpoints");
    let other_run = smoke_train(&ws, &data, "2", "2", &progress);
    let (_, elsewhere) = tiny_dataset(tmp.path(), "h", "4");
    let foreign = smoke_train(&ws, &elsewhere, "2", "2", &progress);
    let left_ckpt = dir.join("step_000002.safetensors");
    let right_ckpt = other_run
        .join("checkpoints")
        .join("step_000002.safetensors");
    let mut h = panel_harness(&left_ckpt);
    h.run();
    // The header names the run and the checkpoint.
    h.get_by_label_contains(&format!(
        "Run {} (",
        dir.parent()
            .and_then(Path::file_name)
            .expect("run")
            .to_string_lossy()
    ));
    assert!(h.state().panel.compare_view().is_none());
    h.get_by_role_and_label(Role::ComboBox, "Compare with…")
        .click();
    h.run();
    h.get_by_label(&checkpoint_title(&dir.join("step_000004.safetensors")));
    assert!(h
        .query_by_label(&checkpoint_title(
            &foreign.join("checkpoints").join("step_000002.safetensors")
        ))
        .is_none());
    h.get_by_label(&checkpoint_title(&right_ckpt)).click();
    h.step();
    settle(&mut h);
    let panel = &h.state().panel;
    assert_eq!(panel.compare_error(), None);
    let right = panel.compare_opened().expect("compared checkpoint open");
    assert_eq!(right.checkpoint, right_ckpt);
    h.get_by_label(&format!("Left: {}", checkpoint_title(&left_ckpt)));
    h.get_by_label(&format!("Right: {}", checkpoint_title(&right_ckpt)));
    let right_view = panel.compare_view().expect("compare view");
    assert!(right_view.data().num_nodes() >= 1);
    let before = panel.view().transform.expect("drawn");
    assert_eq!(right_view.transform, Some(before));
    // The two views sit side by side, fitted together at their new width: every node of both
    // lies inside its half.
    let (lrect, rrect) = (panel.view().rect(), right_view.rect());
    assert!(rrect.left() >= lrect.right());
    let both = panel
        .view()
        .data()
        .bounds()
        .union(right_view.data().bounds());
    assert_eq!(before, ViewTransform::fit(both, lrect));
    let inside = |v: &worldbench_widgets::hgraph::HGraphView| {
        (0..v.data().num_nodes() as u32).all(|n| v.rect().contains(v.screen_pos(n).expect("drawn")))
    };
    assert!(inside(panel.view()) && inside(right_view));

    // Pan the left view by (40, 0).
    let drag = |h: &mut Harness<'static, PanelFixture>, a: Pos2| {
        h.hover_at(a);
        h.run();
        h.drag_at(a);
        h.run();
        for k in 1..=4 {
            h.hover_at(a + vec2(10.0 * k as f32, 0.0));
            h.run();
        }
        h.drop_at(a + vec2(40.0, 0.0));
        h.run();
    };
    let a = h.state().panel.view().rect().center() + vec2(0.0, 60.0);
    drag(&mut h, a);
    let panel = &h.state().panel;
    let left = panel.view().transform.expect("drawn");
    assert_ne!(left, before);
    assert!((left.center[0] - (before.center[0] - 40.0 / before.scale)).abs() < 1e-3);
    assert_eq!(panel.compare_view().expect("compare").transform, Some(left));
    // And the other way round: a pan of the right view moves the left one.
    let b = panel.compare_view().expect("compare").rect().center() + vec2(0.0, 60.0);
    drag(&mut h, b);
    let panel = &h.state().panel;
    let right = panel.compare_view().expect("compare").transform;
    assert_ne!(right, Some(left));
    assert_eq!(panel.view().transform, right);

    // A click on a node of the left view rings the right view's nodes of the same frames.
    let p = panel.view().screen_pos(0).expect("drawn");
    click_at(&mut h, p);
    let panel = &h.state().panel;
    let node = panel.view().selected.expect("a node clicked");
    let (l, r) = (
        panel.opened().expect("left"),
        panel.compare_opened().expect("right"),
    );
    let mut want: Vec<u32> = l
        .cache
        .node_of_frame
        .iter()
        .zip(&r.cache.node_of_frame)
        .filter(|(n, _)| **n == node)
        .map(|(_, m)| *m)
        .collect();
    want.sort_unstable();
    want.dedup();
    assert!(!want.is_empty());
    assert_eq!(panel.compare_view().expect("compare").highlighted, want);
    // Clear selection clears the click and the rings in both views.
    h.get_by_label("Clear selection").click();
    h.run();
    let panel = &h.state().panel;
    let right = panel.compare_view().expect("compare");
    assert_eq!(panel.view().selected, None);
    assert!(right.highlighted.is_empty() && panel.view().highlighted.is_empty());
    assert!(h.query_by_label("Clear selection").is_none());

    // F over the right view fits both views again, together. (Both tiny runs' graphs may lie in
    // the same place: move the right one aside so that fitting one view alone would differ.)
    let rrect = right.rect();
    let mut moved = right.data().clone();
    for p in &mut moved.positions {
        p[0] += 5.0;
        p[1] -= 3.0;
    }
    let view = h.state_mut().panel.compare_view_mut().expect("compare");
    view.set_data(moved).expect("valid graph");
    let panel = &h.state().panel;
    let both = panel
        .view()
        .data()
        .bounds()
        .union(panel.compare_view().expect("compare").data().bounds());
    let before = ViewTransform::fit(both, lrect);
    assert_ne!(
        before,
        ViewTransform::fit(panel.view().data().bounds(), lrect)
    );
    h.hover_at(rrect.center());
    h.run();
    h.key_press(egui::Key::F);
    h.run();
    let panel = &h.state().panel;
    assert_eq!(panel.view().transform, Some(before));
    assert_eq!(
        panel.compare_view().expect("compare").transform,
        Some(before)
    );
    // And so does the Fit button, after a pan of the left view.
    let a = panel.view().rect().center() + vec2(0.0, 60.0);
    drag(&mut h, a);
    assert_ne!(h.state().panel.view().transform, Some(before));
    h.get_by_label("Fit").click();
    h.run();
    let panel = &h.state().panel;
    assert_eq!(panel.view().transform, Some(before));
    assert_eq!(
        panel.compare_view().expect("compare").transform,
        Some(before)
    );

    // 3D: the toggle switches both views to one camera, the z-axis chooser shows, and an orbit
    // of the right view turns the left one the same.
    assert!(h.query_by_label("z axis").is_none());
    h.get_by_label("3D").click();
    h.run();
    let panel = &h.state().panel;
    let right = panel.compare_view().expect("compare");
    assert!(panel.view().three_d && right.three_d && panel.state.three_d);
    let cam = panel.view().camera.expect("fitted");
    assert_eq!(right.camera, Some(cam));
    h.get_by_label("z axis");
    let b = right.rect().center() + vec2(0.0, 60.0);
    drag(&mut h, b);
    let panel = &h.state().panel;
    let turned = panel
        .compare_view()
        .expect("compare")
        .camera
        .expect("camera");
    assert!((turned.yaw - cam.yaw - 40.0 * ORBIT_RAD_PER_POINT).abs() < 0.01);
    assert_eq!(panel.view().camera, Some(turned));

    // A restart restores the compared checkpoint, the camera and the playground's tiles.
    h.get_by_label("test1").click();
    h.step();
    settle(&mut h);
    let saved = h.state().panel.state.clone();
    assert_eq!(saved.compare.as_deref(), Some(right_ckpt.as_path()));
    assert!(saved.three_d && saved.camera.is_some());
    let (s, g) = worldbench_model::world::TEST1;
    assert_eq!(
        (saved.start, saved.goal),
        (Some([s.row, s.col]), Some([g.row, g.col]))
    );
    let json = serde_json::to_string(&saved).expect("json");
    let mut again = worldbench::gui::panels::hgraph::HGraphPanel::new(
        serde_json::from_str(&json).expect("state"),
    );
    settle_panel(&mut again);
    assert_eq!(
        again.compare_opened().map(|o| &o.checkpoint),
        Some(&right_ckpt)
    );
    assert!(again.view().three_d);
    assert_eq!(again.view().camera, Some(turned));
    assert_eq!(again.compare_view().expect("compare").camera, Some(turned));
    let markers = again.markers();
    assert_eq!((markers.start, markers.goal), (saved.start, saved.goal));
}

/// Renders the paint callback of `view` (3D, camera `cam`) into a `size`² RGBA texture, with a
/// depth attachment of `depth` when given; returns the pixel at the centre.
fn render_centre_pixel(
    state: &egui_wgpu::RenderState,
    view: &mut HGraphView,
    cam: OrbitCamera,
    depth: Option<egui_wgpu::wgpu::TextureFormat>,
) -> [u8; 4] {
    use egui_wgpu::wgpu;
    use egui_wgpu::CallbackTrait;
    use worldbench_widgets::hgraph::{HGraphCallback, ViewUniform};

    const SIZE: u32 = 64;
    let (device, queue) = (&state.device, &state.queue);
    let mut target = GpuTarget {
        format: wgpu::TextureFormat::Rgba8Unorm,
        msaa_samples: 1,
        depth_format: None,
    };
    if let Some(d) = depth {
        target = target.with_depth(d);
    }
    let rect = egui::Rect::from_min_size(Pos2::ZERO, vec2(SIZE as f32, SIZE as f32));
    let callback = HGraphCallback {
        view_key: 1,
        target,
        data: view.gpu_data(),
        uniform: ViewUniform::new(&cam.projection(rect), 1.0, true),
    };
    let mut resources = egui_wgpu::CallbackResources::new();
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    let screen = egui_wgpu::ScreenDescriptor {
        size_in_pixels: [SIZE, SIZE],
        pixels_per_point: 1.0,
    };
    let extra = callback.prepare(device, queue, &screen, &mut encoder, &mut resources);
    let texture = |format, usage| {
        device.create_texture(&wgpu::TextureDescriptor {
            label: None,
            size: wgpu::Extent3d {
                width: SIZE,
                height: SIZE,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage,
            view_formats: &[],
        })
    };
    let color = texture(
        target.format,
        wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
    );
    let color_view = color.create_view(&wgpu::TextureViewDescriptor::default());
    let depth_view = depth.map(|d| {
        texture(d, wgpu::TextureUsages::RENDER_ATTACHMENT)
            .create_view(&wgpu::TextureViewDescriptor::default())
    });
    {
        let mut pass = encoder
            .begin_render_pass(&wgpu::RenderPassDescriptor {
                label: None,
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &color_view,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                    depth_slice: None,
                })],
                depth_stencil_attachment: depth_view.as_ref().map(|view| {
                    wgpu::RenderPassDepthStencilAttachment {
                        view,
                        depth_ops: Some(wgpu::Operations {
                            load: wgpu::LoadOp::Clear(1.0),
                            store: wgpu::StoreOp::Discard,
                        }),
                        stencil_ops: None,
                    }
                }),
                ..Default::default()
            })
            .forget_lifetime();
        let info = egui::PaintCallbackInfo {
            viewport: rect,
            clip_rect: rect,
            pixels_per_point: 1.0,
            screen_size_px: [SIZE, SIZE],
        };
        callback.paint(info, &mut pass, &resources);
    }
    let row_bytes = (SIZE * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: u64::from(row_bytes * SIZE),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        color.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row_bytes),
                rows_per_image: None,
            },
        },
        wgpu::Extent3d {
            width: SIZE,
            height: SIZE,
            depth_or_array_layers: 1,
        },
    );
    let index = queue.submit(extra.into_iter().chain([encoder.finish()]));
    let (tx, rx) = std::sync::mpsc::channel();
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |r| drop(tx.send(r)));
    device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(std::time::Duration::from_secs(30)),
        })
        .expect("poll");
    rx.recv().expect("mapped").expect("map");
    let bytes = buffer.slice(..).get_mapped_range().expect("range");
    let at = (SIZE / 2 * row_bytes + SIZE / 2 * 4) as usize;
    [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]
}

/// Two nodes on one line of sight: node 0 (in front) is drawn before node 1 (behind). Without a
/// depth attachment the later one covers the centre; with one, the nearer one does.
#[test]
fn depth_attachment_puts_the_nearer_node_on_top() {
    let state = egui_kittest::wgpu::create_render_state(
        egui_kittest::wgpu::default_wgpu_setup(),
        egui_wgpu::RendererOptions::PREDICTABLE,
    );
    let mut data = graph();
    data.positions = vec![
        [0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0],
        [9.0, 9.0, 0.0],
        [-9.0, 9.0, 0.0],
        [9.0, -9.0, 0.0],
    ];
    let mut view = HGraphView::new(Backend::Painter);
    view.set_data(data).expect("valid graph");
    let (near, far) = (view.colors()[0], view.colors()[1]);
    assert_ne!(near, far);
    let cam = OrbitCamera {
        target: [0.0; 3],
        yaw: 0.0,
        pitch: 0.0,
        distance: 5.0,
    };
    let rgba = |c: Color32| [c.r(), c.g(), c.b(), c.a()];
    let flat = render_centre_pixel(&state, &mut view, cam, None);
    assert_eq!(flat, rgba(far));
    let deep = render_centre_pixel(
        &state,
        &mut view,
        cam,
        Some(egui_wgpu::wgpu::TextureFormat::Depth32Float),
    );
    assert_eq!(deep, rgba(near));
}

/// At the default window size (1280×800) a click on the node with the most out-edges shows its
/// frames and edges in the side column, which scrolls: the tile map and the planning playground
/// stay on screen. Snapshot of the panel (through wgpu) with the node selected.
#[test]
fn side_column_keeps_map_and_playground_on_screen_at_1280x800() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ckpt = tiny_run_checkpoints(tmp.path()).join("step_000004.safetensors");
    worldbench_tests::require_wgpu_adapter();
    let state = egui_kittest::wgpu::create_render_state(
        egui_kittest::wgpu::default_wgpu_setup(),
        egui_wgpu::RendererOptions::PREDICTABLE,
    );
    let target = GpuTarget::of(&state);
    let renderer = egui_kittest::wgpu::WgpuTestRenderer::from_render_state(state);
    let mut h = panel_harness_sized(&ckpt, vec2(1280.0, 800.0), Some((renderer, target)));
    h.run();
    let view = h.state().panel.view();
    let node = (0..view.data().num_nodes() as u32)
        .max_by_key(|&n| view.data().out_edges(n).len())
        .expect("a node");
    let p = view.screen_pos(node).expect("drawn");
    click_at(&mut h, p);
    assert_eq!(h.state().panel.view().selected, Some(node));
    h.get_by_label(&format!("Frames behind node {node}:"));
    let screen = egui::Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0));
    for label in ["Tile map", "Planning playground", "test1", "test2"] {
        let rect = h.get_by_label(label).rect();
        assert!(screen.contains_rect(rect), "{label} at {rect:?}");
    }
    // The run folder's name holds its start time: hide the header line from the image.
    let header = h.get_by_label_contains("Run ").rect();
    h.mask(egui::Rect::from_min_size(
        header.min,
        vec2(900.0, header.height()),
    ));
    let options = SnapshotOptions::new()
        .output_path(snapshot_dir())
        .max_failed_pixels(20);
    h.snapshot_options("panel_hgraph", &options);
}

/// A mixed dataset of three two-rooms layouts (one episode each) and a smoke run's checkpoint on it.
struct Mixed {
    ds: worldbench_storage::Dataset,
    maps: Vec<worldbench_model::world::WorldMap>,
    ckpt: PathBuf,
}

/// [`Mixed`] in `<tmp>/ws` (the tempdir must outlive it).
fn mixed_run(tmp: &Path) -> Mixed {
    let ws = tmp.join("ws");
    worldbench_storage::Workspace::open_or_create(&ws).expect("workspace");
    let (ds, maps) = gui_common::mixed_two_rooms(3, 20);
    let data = ws.join("datasets").join("mixed");
    worldbench_storage::dataset::write_native(&data, &ds).expect("write");
    let ckpt = worldbench_tests::smoke_train(&ws, &data, "4", "4", &["--progress", "none"])
        .join("checkpoints")
        .join("step_000004.safetensors");
    Mixed { ds, maps, ckpt }
}

/// The walls of layout `k` of a [`Mixed`] dataset.
fn mixed_walls(
    maps: &[worldbench_model::world::WorldMap],
    k: usize,
) -> worldbench_widgets::TileGrid<bool> {
    worldbench_widgets::parse_walls(&maps[k].to_text()).expect("walls")
}

/// A mixed-layout dataset: the side column offers each layout (the first shown), and the map, its
/// visits, and the playground's plan (start, goal, executed path) are the chosen layout's.
#[test]
fn a_mixed_dataset_shows_and_plans_on_the_chosen_layout() {
    use worldbench_model::eval::{hgraph_of, plan_and_execute};
    use worldbench_model::world::{World, TEST1};

    let tmp = tempfile::tempdir().expect("tempdir");
    let Mixed { ds, maps, ckpt } = mixed_run(tmp.path());
    let walls_of = |k: usize| mixed_walls(&maps, k);
    let world_of = |k: usize| World::new(Some(maps[k].clone()));
    let (s, g) = TEST1;
    let len = |k: usize| world_of(k).shortest_path_len(s, g);
    // A layout whose door makes test1's shortest path another length than on the first.
    let k = (1..3)
        .find(|&k| len(k).is_some() && len(k) != len(0))
        .expect("a layout that changes test1's path");

    let mut h = panel_harness(&ckpt);
    h.run();
    h.get_by_label("Layout:");
    h.get_by_label("Map of two-rooms:0");
    assert_eq!(h.state().panel.layout(), 0);
    assert_eq!(h.state().panel.shown_walls(), &walls_of(0));
    let visits = |h: &Harness<'static, PanelFixture>| -> u32 {
        h.state().panel.visits().expect("visits").cells.iter().sum()
    };
    let episodes = ds.episodes();
    assert_eq!(visits(&h) as usize, episodes[0].len());

    h.get_by_label(&format!("two-rooms:{k}")).click();
    h.run();
    assert_eq!(h.state().panel.layout(), k);
    assert_eq!(h.state().panel.shown_walls(), &walls_of(k));
    h.get_by_label(&format!("Map of two-rooms:{k}"));
    assert_eq!(visits(&h) as usize, episodes[k].len());

    h.get_by_label("test1").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().panel.error(), None);
    let shown = h.state().panel.outcome().expect("a plan").clone();
    let opened = h.state().panel.opened().expect("opened");
    let encoder = worldbench::run_context::encoder_of(&ckpt).expect("encoder");
    let want = plan_and_execute(&world_of(k), &encoder, &hgraph_of(&opened.cache), s, g)
        .expect("plan_and_execute");
    assert_eq!(shown, want);
    assert_eq!(Some(shown.shortest_len), len(k));
    let markers = h.state().panel.markers();
    assert_eq!(
        (markers.start, markers.goal),
        (Some([s.row, s.col]), Some([g.row, g.col]))
    );
    let walls = walls_of(k);
    let executed = h.state().panel.executed_tiles();
    assert_eq!(executed.len(), want.steps + 1);
    for t in &executed {
        assert_eq!(
            walls.get(*t),
            Some(false),
            "{t:?} is floor of two-rooms:{k}"
        );
    }

    // Back to the first layout: its map, and the plan made on the other one is gone.
    h.get_by_label("two-rooms:0").click();
    h.run();
    assert_eq!(h.state().panel.shown_walls(), &walls_of(0));
    assert!(h.state().panel.outcome().is_none());
}

/// The layout chosen of a mixed dataset is remembered for it: a restart (the panel made again from
/// its saved state) and the checkpoint reopened ("Recompute") show it again, with its map.
#[test]
fn the_layout_chosen_is_back_after_a_restart_and_a_reopen() {
    use worldbench::gui::panels::hgraph::{HGraphPanel, HGraphState};

    let tmp = tempfile::tempdir().expect("tempdir");
    let Mixed { ds, maps, ckpt } = mixed_run(tmp.path());
    let episodes = ds.episodes();
    let visits = |h: &Harness<'static, PanelFixture>| -> usize {
        h.state()
            .panel
            .visits()
            .expect("visits")
            .cells
            .iter()
            .sum::<u32>() as usize
    };
    let mut h = panel_harness(&ckpt);
    h.run();
    assert_eq!(h.state().panel.layout(), 0);
    h.get_by_label("two-rooms:2").click();
    h.run();
    assert_eq!(h.state().panel.layout(), 2);

    let json = serde_json::to_string(&h.state().panel.state).expect("json");
    drop(h);
    let saved: HGraphState = serde_json::from_str(&json).expect("state");
    let mut h = harness_of(HGraphPanel::new(saved), vec2(1300.0, 1000.0), None);
    h.run();
    assert_eq!(h.state().panel.layout(), 2);
    assert_eq!(h.state().panel.shown_walls(), &mixed_walls(&maps, 2));
    h.get_by_label("Map of two-rooms:2");
    assert_eq!(visits(&h), episodes[2].len());

    h.get_by_label("Recompute").click();
    h.step();
    settle(&mut h);
    assert!(!h.state().panel.opened().expect("reopened").from_cache);
    assert_eq!(h.state().panel.layout(), 2);
    h.get_by_label("Map of two-rooms:2");
    assert_eq!(h.state().panel.shown_walls(), &mixed_walls(&maps, 2));
}

/// The frames of episode `k` (layout `k` of a [`Mixed`] dataset).
fn frames_of_layout(ds: &worldbench_storage::Dataset, k: usize) -> std::ops::Range<usize> {
    ds.episodes()[k].clone()
}

/// A click at `p` as a pointer makes it: hover, press, release, a frame after each.
fn click_at<S>(h: &mut Harness<'_, S>, p: Pos2) {
    h.hover_at(p);
    h.run();
    h.drag_at(p);
    h.run();
    h.drop_at(p);
    h.run();
}

/// Clicks the map's tile `[row, col]`.
fn click_tile(h: &mut Harness<'static, PanelFixture>, [row, col]: [i16; 2]) {
    let cols = h.state().panel.shown_walls().cols as f32;
    let rect = h.get_by_label("Tile map").rect();
    let side = rect.width() / cols;
    let p = rect.min + vec2((f32::from(col) + 0.5) * side, (f32::from(row) + 0.5) * side);
    click_at(h, p);
}

/// On a mixed dataset, a selection's tiles, a clicked node's frames and a map tile's rings count
/// only the frames of the layout shown, not those of the other layouts (other walls).
#[test]
fn selection_and_tile_rings_count_only_the_layout_shown() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Mixed { ds, ckpt, .. } = mixed_run(tmp.path());
    let k = 1;
    let mut h = panel_harness(&ckpt);
    h.run();
    h.get_by_label(&format!("two-rooms:{k}")).click();
    h.run();
    let inside = frames_of_layout(&ds, k);
    let opened = h.state().panel.opened().expect("opened");
    let node_of = opened.cache.node_of_frame.clone();
    let tiles = opened.data.tiles.clone().expect("tiles");

    // A box around the whole graph: its tiles hold this layout's frames, not every frame.
    let rect = h.state().panel.view().rect();
    shift_drag(&mut h, rect.min + vec2(2.0, 2.0), rect.max - vec2(2.0, 2.0));
    let all = h.state().panel.view().data().num_nodes();
    assert_eq!(h.state().panel.view().selection.len(), all, "every node");
    let cover = h.state().panel.selection_coverage().expect("the tiles");
    let mut want = worldbench_widgets::TileGrid::<u32>::new(cover.rows, cover.cols);
    for i in inside.clone() {
        if let Some(c) = want.index(tiles[i]) {
            want.cells[c] += 1;
        }
    }
    assert_eq!(cover, &want);
    assert_eq!(cover.cells.iter().sum::<u32>() as usize, inside.len());
    assert!(inside.len() < ds.len());
    h.get_by_label("Clear selection").click();
    h.run();

    // A node with frames in this layout and in another: its strip counts this layout's.
    let node = (0..all as u32)
        .find(|&n| {
            let here = inside.clone().filter(|&i| node_of[i] == n).count();
            here > 0 && here < node_of.iter().filter(|&&m| m == n).count()
        })
        .expect("a node with frames in two layouts");
    let here = inside.clone().filter(|&i| node_of[i] == node).count();
    let total = node_of.iter().filter(|&&m| m == node).count();
    let p = h.state().panel.view().screen_pos(node).expect("drawn");
    click_at(&mut h, p);
    assert_eq!(h.state().panel.view().selected, Some(node));
    h.get_by_label(&format!(
        "Frames behind node {node} in two-rooms:{k}: {here} of its {total}"
    ));

    // A tile whose frames of another layout are on nodes that none of this layout's frames there
    // are on (e.g. a tile this layout never visits): it rings this layout's nodes only.
    let nodes_on = |t: [i16; 2], frames: &mut dyn Iterator<Item = usize>| {
        let mut n: Vec<u32> = frames
            .filter(|&i| tiles[i] == t)
            .map(|i| node_of[i])
            .collect();
        n.sort_unstable();
        n.dedup();
        n
    };
    let tile = tiles
        .iter()
        .copied()
        .find(|&t| nodes_on(t, &mut inside.clone()) != nodes_on(t, &mut (0..ds.len())))
        .expect("a tile whose nodes differ by layout");
    click_tile(&mut h, tile);
    assert_eq!(
        h.state().panel.view().highlighted,
        nodes_on(tile, &mut inside.clone())
    );
}

/// On data whose actions are all no-ops the lattice planner cannot be built: when the checkpoint
/// opens, the playground greys the lattice choice (its hover text says why), a lattice choice made
/// on another checkpoint gives way to graph with a note, and graph plans.
#[test]
fn a_planner_that_cannot_be_built_is_greyed_and_another_plans() {
    use worldbench_model::planners::PlannerKind;

    let tmp = tempfile::tempdir().expect("tempdir");
    let good = tiny_run_checkpoints(tmp.path()).join("step_000004.safetensors");
    let ws = tmp.path().join("ws");
    let noop = worldbench_tests::noop_dataset(&ws, "noop", "3");
    let noop_ckpt = worldbench_tests::smoke_train(&ws, &noop, "4", "4", &["--progress", "none"])
        .join("checkpoints")
        .join("step_000004.safetensors");
    let disabled = |h: &Harness<'static, PanelFixture>, label: &str| {
        h.get_by_label(label).accesskit_node().is_disabled()
    };
    let mut h = panel_harness(&good);
    h.run();
    let check = h.state().panel.planner_check().expect("checked");
    assert_eq!(check.ok, PlannerKind::ALL);
    assert!(!disabled(&h, "lattice"));
    h.get_by_label("lattice").click();
    h.run();
    assert_eq!(h.state().panel.planner(), PlannerKind::Lattice);

    h.state_mut().panel.open(noop_ckpt, false);
    settle(&mut h);
    assert_eq!(h.state().panel.error(), None);
    let check = h.state().panel.planner_check().expect("checked").clone();
    assert_eq!(check.ok, [PlannerKind::Graph, PlannerKind::Mpc]);
    let why = check.reason(PlannerKind::Lattice).expect("a reason");
    assert!(why.contains("no move transitions"), "{why}");
    assert_eq!(h.state().panel.planner(), PlannerKind::Graph);
    h.get_by_label(&format!(
        "lattice cannot be built on this checkpoint ({why}): planning with graph"
    ));
    assert!(disabled(&h, "lattice"));
    assert!(!disabled(&h, "graph") && !disabled(&h, "mpc"));
    h.get_by_label("lattice").click();
    h.run();
    assert_eq!(h.state().panel.planner(), PlannerKind::Graph, "greyed");
    h.get_by_label("lattice").hover();
    for _ in 0..20 {
        h.step();
    }
    h.get_by_label(&format!("Cannot be built on this checkpoint: {why}"));

    h.get_by_label("test1").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().panel.error(), None);
    assert!(h.state().panel.outcome().is_some(), "a plan");
    assert_eq!(h.state().panel.outcome_planner().0, PlannerKind::Graph);
}
