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

/// What the panel tests drive: the H-graph panel and the commands it pushed.
struct PanelFixture {
    panel: worldbench::gui::panels::hgraph::HGraphPanel,
    commands: Vec<worldbench::gui::command::AppCommand>,
}

/// A smoke run (2 corner-loop episodes of 20 steps, 4 training steps) with checkpoints at steps
/// 2 and 4; returns its checkpoints folder (the tempdir must outlive it).
fn tiny_run_checkpoints(tmp: &Path) -> PathBuf {
    use worldbench_tests::{gen_dataset, smoke_train};
    let ws = tmp.join("ws");
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
    smoke_train(&ws, &data, "4", "2,4", &["--progress", "none"]).join("checkpoints")
}

/// The panel with `checkpoint` opened (computed and cached), in a harness.
fn panel_harness(checkpoint: &Path) -> Harness<'static, PanelFixture> {
    use worldbench::gui::panels::hgraph::{HGraphPanel, HGraphState};
    let mut panel = HGraphPanel::new(HGraphState::default());
    panel.open(checkpoint.to_path_buf(), false);
    panel.wait_for_open();
    assert_eq!(panel.error(), None);
    let fixture = PanelFixture {
        panel,
        commands: Vec::new(),
    };
    Harness::builder()
        .with_size([1300.0, 1000.0])
        .build_ui_state(
            |ui, f: &mut PanelFixture| f.panel.show(ui, &mut f.commands),
            fixture,
        )
}

/// test1 in the planning playground: the panel's plan is the model's `plan_and_execute` on the
/// same checkpoint and graph (success or not on this tiny run), its label says so, the graph
/// shows the planned node path and the map the executed tiles.
#[test]
fn playground_plans_test1_like_the_model_does() {
    use worldbench::gui::panels::hgraph::compute::hgraph_of;
    use worldbench_model::eval::plan_and_execute;
    use worldbench_model::train::JepaEncoder;
    use worldbench_model::world::TEST1;

    let tmp = tempfile::tempdir().expect("tempdir");
    let ckpt = tiny_run_checkpoints(tmp.path()).join("step_000004.safetensors");
    let mut h = panel_harness(&ckpt);
    h.run();
    assert!(h.query_by_label("Plan").is_none());
    h.get_by_label("test1").click();
    h.run();
    let (s, g) = TEST1;
    h.get_by_label(&format!(
        "Start {},{} · goal {},{} (click the map: start next)",
        s.row, s.col, g.row, g.col
    ));
    h.get_by_label("Plan").click();
    h.step();
    h.state_mut().panel.wait_for_plan();
    h.run();
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
        "{} in {} steps (shortest {}, budget {}, stop: {:?})",
        if want.success {
            "Reached the goal"
        } else {
            "Failed"
        },
        want.steps,
        want.shortest_len,
        want.budget,
        want.stop
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
}

/// "Compare with…" opens another checkpoint of the run beside the first; a pan of either view
/// moves the other the same, and a click on a node of one rings the same frames' nodes in the other.
#[test]
fn compare_links_pan_and_selection_of_two_checkpoints() {
    use egui::accesskit::Role;

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tiny_run_checkpoints(tmp.path());
    let mut h = panel_harness(&dir.join("step_000002.safetensors"));
    h.run();
    assert!(h.state().panel.compare_view().is_none());
    h.get_by_role_and_label(Role::ComboBox, "Compare with…")
        .click();
    h.run();
    h.get_by_label("step_000004.safetensors").click();
    h.step();
    h.state_mut().panel.wait_for_compare();
    h.run();
    let panel = &h.state().panel;
    assert_eq!(panel.compare_error(), None);
    let right = panel.compare_opened().expect("compared checkpoint open");
    assert_eq!(right.checkpoint, dir.join("step_000004.safetensors"));
    let right_view = panel.compare_view().expect("compare view");
    assert!(right_view.data().num_nodes() >= 1);
    let before = panel.view().transform.expect("drawn");
    assert_eq!(right_view.transform, Some(before));
    // The two views sit side by side.
    assert!(right_view.rect().left() >= panel.view().rect().right());

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
    h.hover_at(p);
    h.run();
    h.drag_at(p);
    h.run();
    h.drop_at(p);
    h.run();
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
}
