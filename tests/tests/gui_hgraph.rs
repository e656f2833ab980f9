//! The h-graph view on a small synthetic graph, driven with egui_kittest: hover shows a node's
//! statistics, a click selects it, shift-drag selects a box, the colour modes recolour, F fits;
//! and a snapshot of the view drawn by its wgpu paint callback on the software adapter.

use std::path::{Path, PathBuf};

use egui::{pos2, vec2, Color32, Modifiers, Pos2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use worldbench_widgets::hgraph::gpu::egui_wgpu;
use worldbench_widgets::hgraph::{
    ramp, tile_color, Backend, ColorMode, GpuTarget, GraphData, GraphEdge, HGraphView,
};

/// Five nodes: the corners of a unit square and its centre; edges around the square.
fn graph() -> GraphData {
    let edge = |from, to, action| GraphEdge {
        from,
        to,
        action,
        count: 1,
    };
    GraphData {
        positions: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]],
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
    let mut view = HGraphView::new(backend);
    view.set_data(graph()).expect("valid graph");
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
    assert_eq!(h.state().boxes, vec![vec![1, 4]]);
    assert_eq!(h.state().view.selection, vec![1, 4]);
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

/// `tests/snapshots/` (accept new images with `UPDATE_SNAPSHOTS=1`).
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

#[test]
fn snapshot_of_the_wgpu_view() {
    let state = egui_kittest::wgpu::create_render_state(
        egui_kittest::wgpu::default_wgpu_setup(),
        egui_wgpu::RendererOptions::PREDICTABLE,
    );
    let target = GpuTarget::of(&state);
    let renderer = egui_kittest::wgpu::WgpuTestRenderer::from_render_state(state);
    let mut view = HGraphView::new(Backend::Wgpu(target));
    view.set_data(graph()).expect("valid graph");
    view.selected = Some(2);
    view.path = vec![0, 1, 2];
    let fixture = Fixture {
        view,
        boxes: Vec::new(),
    };
    let mut h = Harness::builder()
        .with_size([640.0, 480.0])
        .renderer(renderer)
        .build_ui_state(ui_fn, fixture);
    h.run();
    let options = SnapshotOptions::new().output_path(snapshot_dir());
    h.snapshot_options("hgraph_view_wgpu", &options);
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
    panel.wait_for_open();
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
        axes: [0, 1],
    });
    again.wait_for_open();
    let reopened = again.opened().expect("reopened");
    assert!(reopened.from_cache);
    assert_eq!(reopened.cache, cached);
    assert_eq!(again.view().data().num_nodes(), nodes);
}
