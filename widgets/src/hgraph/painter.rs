//! The fallback drawing path (egui's painter, no wgpu): meshes rebuilt every frame, fine for small
//! graphs. Nodes are octagons, edges thin quads fading from tail to head like the GPU path.

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Painter, Pos2, Rect};

use super::data::GraphData;
use super::gpu::{faded, EDGE_HEAD, EDGE_TAIL_ALPHA};
use super::transform::ViewTransform;

/// The painter draws at most this many nodes and edges (the rest are skipped with a note).
pub const PAINTER_MAX_ITEMS: usize = 200_000;

fn vertex(pos: Pos2, color: Color32) -> Vertex {
    Vertex {
        pos,
        uv: WHITE_UV,
        color,
    }
}

/// Draws edges and nodes of `data` into `painter` (clipped to `rect`); returns whether everything
/// fit under [`PAINTER_MAX_ITEMS`].
#[allow(clippy::too_many_arguments)]
pub fn paint(
    painter: &Painter,
    rect: Rect,
    t: &ViewTransform,
    data: &GraphData,
    colors: &[Color32],
    radii: &[f32],
    size_scale: f32,
    show_edges: bool,
) -> bool {
    let visible = rect.expand(16.0);
    let mut complete = true;
    if show_edges {
        let mut mesh = Mesh::default();
        let tail = faded(EDGE_HEAD, EDGE_TAIL_ALPHA);
        let mut drawn = 0usize;
        for e in data.edges.iter().filter(|e| e.from != e.to) {
            let a = t.to_screen(rect, data.positions[e.from as usize]);
            let b = t.to_screen(rect, data.positions[e.to as usize]);
            if !visible.intersects(Rect::from_two_pos(a, b)) {
                continue;
            }
            if drawn == PAINTER_MAX_ITEMS {
                complete = false;
                break;
            }
            drawn += 1;
            let n = (b - a).normalized().rot90() * 0.5;
            let i = mesh.vertices.len() as u32;
            mesh.vertices.extend([
                vertex(a - n, tail),
                vertex(a + n, tail),
                vertex(b + n, EDGE_HEAD),
                vertex(b - n, EDGE_HEAD),
            ]);
            mesh.indices.extend([i, i + 1, i + 2, i, i + 2, i + 3]);
        }
        painter.add(mesh);
    }
    let mut mesh = Mesh::default();
    let ring: Vec<egui::Vec2> = (0..8)
        .map(|k| {
            let a = k as f32 * std::f32::consts::TAU / 8.0;
            egui::vec2(a.cos(), a.sin())
        })
        .collect();
    let mut drawn = 0usize;
    for (i, p) in data.positions.iter().enumerate() {
        let c = t.to_screen(rect, *p);
        if !visible.contains(c) {
            continue;
        }
        if drawn == PAINTER_MAX_ITEMS {
            complete = false;
            break;
        }
        drawn += 1;
        let r = radii[i] * size_scale;
        let base = mesh.vertices.len() as u32;
        mesh.vertices.push(vertex(c, colors[i]));
        for d in &ring {
            mesh.vertices.push(vertex(c + *d * r, colors[i]));
        }
        for k in 0..8u32 {
            mesh.indices
                .extend([base, base + 1 + k, base + 1 + (k + 1) % 8]);
        }
    }
    painter.add(mesh);
    complete
}
