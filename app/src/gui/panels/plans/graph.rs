//! The Plans panel's dependency graph: the cards laid out in layers (a card right of everything
//! it depends on), drawn with the h-graph widget; the critical path is the widget's arrowed path
//! and the nodes on it take the top of the colour ramp.

use worldbench_storage::plan_cards::Board;
use worldbench_widgets::hgraph::Backend;
use worldbench_widgets::hgraph::{ColorMode, GraphEdge};
use worldbench_widgets::{GraphData, HGraphView};

/// The graph widget's data for `board`, and the critical path as node indices.
pub fn graph_of(board: &Board) -> (GraphData, Vec<u32>) {
    let n = board.cards.len();
    let deps: Vec<Vec<usize>> = (0..n).map(|i| board.hard_deps(i)).collect();
    // Layer = length of the longest dependency chain below the card (bounded for cycles).
    let mut layer = vec![0usize; n];
    for _ in 0..n {
        for i in 0..n {
            let l = deps[i]
                .iter()
                .map(|&d| layer[d] + 1)
                .max()
                .unwrap_or(0)
                .min(n);
            layer[i] = l;
        }
    }
    let mut row_in_layer = vec![0usize; n + 1];
    let positions: Vec<[f32; 3]> = (0..n)
        .map(|i| {
            let r = row_in_layer[layer[i]];
            row_in_layer[layer[i]] += 1;
            [layer[i] as f32 * 3.0, -(r as f32) * 2.0, 0.0]
        })
        .collect();
    let critical = board.critical_path();
    let index = |id: &str| board.cards.iter().position(|c| c.id() == id);
    let path: Vec<u32> = critical
        .iter()
        .filter_map(|id| index(id).map(|i| i as u32))
        .collect();
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut in_degree = vec![0u32; n];
    let mut out_degree = vec![0u32; n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            edges.push(GraphEdge {
                from: d as u32,
                to: i as u32,
                action: 0,
                count: 1,
            });
            out_degree[d] += 1;
            in_degree[i] += 1;
        }
    }
    edges.sort_by_key(|e| (e.from, e.to, e.action));
    let data = GraphData {
        positions,
        frame_count: vec![40; n],
        in_degree,
        out_degree,
        tiles_covered: vec![0; n],
        scc: vec![0; n],
        first_step: vec![0; n],
        reach: (0..n)
            .map(|i| {
                if path.contains(&(i as u32)) {
                    1.0
                } else {
                    0.25
                }
            })
            .collect(),
        node_tile: vec![[-1, -1]; n],
        map_size: [1, 1],
        edges,
    };
    (data, path)
}

/// A painter-backed view of `board` (critical path set).
pub fn view_of(board: &Board) -> Result<HGraphView, String> {
    let mut view = HGraphView::new(Backend::Painter);
    let (data, path) = graph_of(board);
    view.set_data(data)?;
    view.set_color_mode(ColorMode::Reach);
    view.path = path;
    Ok(view)
}

/// Draws the graph with each card's id beside its node.
pub fn ui(ui: &mut egui::Ui, view: &mut HGraphView, board: &Board) {
    let width = ui.available_width().min(900.0);
    view.ui(ui, egui::vec2(width, 240.0));
    let painter = ui.painter_at(view.rect());
    for (i, c) in board.cards.iter().enumerate() {
        if let Some(p) = view.screen_pos(i as u32) {
            painter.text(
                p + egui::vec2(8.0, -8.0),
                egui::Align2::LEFT_BOTTOM,
                c.id(),
                egui::FontId::proportional(12.0),
                ui.visuals().strong_text_color(),
            );
        }
    }
}
