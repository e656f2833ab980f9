//! The fallback drawing path (egui's painter, no wgpu): meshes rebuilt every frame from the nodes'
//! projected screen positions (2D or 3D), fine for small graphs. Nodes are octagons, edges thin
//! quads fading from tail to head like the GPU path; in 3D the nodes are drawn farthest first so
//! nearer ones land on top, and edges with an end behind the camera are left out.

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Painter, Pos2, Rect};

use super::data::GraphData;
use super::gpu::{faded, EDGE_HEAD, EDGE_TAIL_ALPHA};

/// The painter draws at most this many nodes and edges (the rest are skipped with a note).
pub const PAINTER_MAX_ITEMS: usize = 200_000;

fn vertex(pos: Pos2, color: Color32) -> Vertex {
    Vertex {
        pos,
        uv: WHITE_UV,
        color,
    }
}

/// What the painter draws: the graph, node colours and radii (screen points), the size
/// multiplier and whether edges show.
pub struct Scene<'a> {
    pub data: &'a GraphData,
    pub colors: &'a [Color32],
    pub radii: &'a [f32],
    pub size_scale: f32,
    pub show_edges: bool,
}

fn at(screen: &[[f32; 2]], node: u32) -> Option<Pos2> {
    let p = screen.get(node as usize)?;
    (p[0].is_finite() && p[1].is_finite()).then(|| Pos2::new(p[0], p[1]))
}

/// Draws the edges and nodes of `scene` into `painter` (clipped to `rect`) at the nodes' screen
/// positions `screen` (NaN: not drawn), nodes in `order` (ids, first drawn first; `None`: id
/// order); returns whether everything fit under [`PAINTER_MAX_ITEMS`].
pub fn paint(
    painter: &Painter,
    rect: Rect,
    scene: &Scene<'_>,
    screen: &[[f32; 2]],
    order: Option<&[u32]>,
) -> bool {
    let visible = rect.expand(16.0);
    let mut complete = true;
    if scene.show_edges {
        let mut mesh = Mesh::default();
        let tail = faded(EDGE_HEAD, EDGE_TAIL_ALPHA);
        let mut drawn = 0usize;
        for e in scene.data.edges.iter().filter(|e| e.from != e.to) {
            let (Some(a), Some(b)) = (at(screen, e.from), at(screen, e.to)) else {
                continue;
            };
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
    let n = scene.data.num_nodes() as u32;
    let ids: Box<dyn Iterator<Item = u32>> = match order {
        Some(o) => Box::new(o.iter().copied()),
        None => Box::new(0..n),
    };
    for node in ids {
        let Some(c) = at(screen, node).filter(|c| visible.contains(*c)) else {
            continue;
        };
        if drawn == PAINTER_MAX_ITEMS {
            complete = false;
            break;
        }
        drawn += 1;
        let i = node as usize;
        let r = scene.radii[i] * scene.size_scale;
        let color = scene.colors[i];
        let base = mesh.vertices.len() as u32;
        mesh.vertices.push(vertex(c, color));
        for d in &ring {
            mesh.vertices.push(vertex(c + *d * r, color));
        }
        for k in 0..8u32 {
            mesh.indices
                .extend([base, base + 1 + k, base + 1 + (k + 1) % 8]);
        }
    }
    painter.add(mesh);
    complete
}
