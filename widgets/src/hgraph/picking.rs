//! CPU picking: a uniform grid over the world positions (about one node per cell), so hovering
//! looks at a handful of cells and box and lasso selection visit only the nodes near the shape.

use egui::{pos2, Pos2, Rect};

/// Largest grid side (cells per axis).
const MAX_SIDE: usize = 2048;

/// A uniform spatial grid over node positions, in compressed rows (cell → node ids).
#[derive(Debug, Clone)]
pub struct SpatialGrid {
    bounds: Rect,
    side: usize,
    /// `cell_start[c]..cell_start[c + 1]` indexes `nodes` for cell `c` (row-major, `side × side`).
    cell_start: Vec<u32>,
    nodes: Vec<u32>,
}

impl Default for SpatialGrid {
    fn default() -> Self {
        Self::build(&[], Rect::from_min_size(Pos2::ZERO, egui::vec2(1.0, 1.0)))
    }
}

impl SpatialGrid {
    /// Indexes `positions` (world units).
    pub fn build(positions: &[[f32; 2]], bounds: Rect) -> Self {
        let n = positions.len();
        let side = ((n as f64).sqrt().ceil() as usize).clamp(1, MAX_SIDE);
        let mut grid = Self {
            bounds,
            side,
            cell_start: vec![0; side * side + 1],
            nodes: vec![0; n],
        };
        let cells: Vec<usize> = positions
            .iter()
            .map(|p| grid.cell_of(pos2(p[0], p[1])))
            .collect();
        for &c in &cells {
            grid.cell_start[c + 1] += 1;
        }
        for c in 0..side * side {
            grid.cell_start[c + 1] += grid.cell_start[c];
        }
        let mut fill = grid.cell_start.clone();
        for (i, &c) in cells.iter().enumerate() {
            grid.nodes[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        grid
    }

    fn axis_cell(&self, v: f32, lo: f32, extent: f32) -> usize {
        let t = (v - lo) / extent.max(1e-12) * self.side as f32;
        if t.is_finite() {
            (t.floor().max(0.0) as usize).min(self.side - 1)
        } else {
            0
        }
    }

    fn cell_of(&self, p: Pos2) -> usize {
        let cx = self.axis_cell(p.x, self.bounds.min.x, self.bounds.width());
        let cy = self.axis_cell(p.y, self.bounds.min.y, self.bounds.height());
        cy * self.side + cx
    }

    /// Calls `f` with every node in the cells overlapping the world rectangle `r`.
    fn for_each_in_cells(&self, r: Rect, mut f: impl FnMut(u32)) {
        if self.nodes.is_empty() {
            return;
        }
        let b = self.bounds;
        let (x0, x1) = (
            self.axis_cell(r.min.x, b.min.x, b.width()),
            self.axis_cell(r.max.x, b.min.x, b.width()),
        );
        let (y0, y1) = (
            self.axis_cell(r.min.y, b.min.y, b.height()),
            self.axis_cell(r.max.y, b.min.y, b.height()),
        );
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let c = cy * self.side + cx;
                let (s, e) = (self.cell_start[c] as usize, self.cell_start[c + 1] as usize);
                for &node in &self.nodes[s..e] {
                    f(node);
                }
            }
        }
    }

    /// The node nearest to world point `p` among those within `max_dist` world units whose own
    /// `radius(node)` (world units) reaches `p`; ties go to the lowest id.
    pub fn pick(
        &self,
        positions: &[[f32; 2]],
        p: [f32; 2],
        max_dist: f32,
        radius: impl Fn(u32) -> f32,
    ) -> Option<u32> {
        let r =
            Rect::from_center_size(pos2(p[0], p[1]), egui::vec2(2.0 * max_dist, 2.0 * max_dist));
        let mut best: Option<(f32, u32)> = None;
        self.for_each_in_cells(r, |node| {
            let q = positions[node as usize];
            let d = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
            if d <= radius(node).min(max_dist) {
                let better = match best {
                    None => true,
                    Some((bd, bn)) => d.total_cmp(&bd).then(node.cmp(&bn)).is_lt(),
                };
                if better {
                    best = Some((d, node));
                }
            }
        });
        best.map(|(_, n)| n)
    }

    /// Every node whose position lies in the world rectangle `r`, ascending.
    pub fn in_rect(&self, positions: &[[f32; 2]], r: Rect) -> Vec<u32> {
        let mut out = Vec::new();
        self.for_each_in_cells(r, |node| {
            let q = positions[node as usize];
            if r.contains(pos2(q[0], q[1])) {
                out.push(node);
            }
        });
        out.sort_unstable();
        out
    }
}

/// Whether `p` lies inside the closed polygon `poly` (even-odd rule; the last vertex joins the
/// first). Fewer than three vertices enclose nothing.
pub fn point_in_polygon(p: Pos2, poly: &[Pos2]) -> bool {
    if poly.len() < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = poly.len() - 1;
    for (i, a) in poly.iter().enumerate() {
        let b = poly[j];
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

impl SpatialGrid {
    /// Every node whose position lies inside the world polygon `poly` (see [`point_in_polygon`]),
    /// ascending; only the nodes in the cells of the polygon's bounding box are tested.
    pub fn in_polygon(&self, positions: &[[f32; 2]], poly: &[Pos2]) -> Vec<u32> {
        if poly.len() < 3 {
            return Vec::new();
        }
        let bbox = Rect::from_points(poly);
        let mut out = Vec::new();
        self.for_each_in_cells(bbox, |node| {
            let q = positions[node as usize];
            if point_in_polygon(pos2(q[0], q[1]), poly) {
                out.push(node);
            }
        });
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions() -> Vec<[f32; 2]> {
        vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 1.0],
            [0.52, 0.5],
            [0.48, 0.5],
        ]
    }

    #[test]
    fn nearest_within_radius() {
        let p = positions();
        let bounds = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        let g = SpatialGrid::build(&p, bounds);
        assert_eq!(g.pick(&p, [0.05, 0.02], 0.1, |_| 0.1), Some(0));
        assert_eq!(g.pick(&p, [0.9, 0.95], 0.2, |_| 0.2), Some(3));
        // Equidistant from 4 and 5: the lower id.
        assert_eq!(g.pick(&p, [0.5, 0.5], 0.1, |_| 0.1), Some(4));
        assert_eq!(g.pick(&p, [0.49, 0.5], 0.1, |_| 0.1), Some(5));
        // Too far for the node's own radius.
        assert_eq!(g.pick(&p, [0.3, 0.3], 0.5, |_| 0.1), None);
        // Outside the bounds still finds nearby nodes.
        assert_eq!(g.pick(&p, [-0.05, 0.0], 0.1, |_| 0.1), Some(0));
    }

    #[test]
    fn box_selection_matches_a_scan() {
        let n = 5000;
        let p: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                let t = i as f32 * 0.37;
                [t.sin() * (i as f32).sqrt(), t.cos() * (i as f32 % 71.0)]
            })
            .collect();
        let mut bounds = Rect::NOTHING;
        for q in &p {
            bounds.extend_with(pos2(q[0], q[1]));
        }
        let g = SpatialGrid::build(&p, bounds);
        let r = Rect::from_min_max(pos2(-10.0, -5.0), pos2(20.0, 30.0));
        let want: Vec<u32> = (0..n as u32)
            .filter(|&i| r.contains(pos2(p[i as usize][0], p[i as usize][1])))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(g.in_rect(&p, r), want);
        assert!(SpatialGrid::build(&[], bounds).in_rect(&[], r).is_empty());
    }

    #[test]
    fn point_in_polygon_known_answers() {
        // An L shape: a 2×2 square without its top-right unit square.
        let l = [
            pos2(0.0, 0.0),
            pos2(2.0, 0.0),
            pos2(2.0, 1.0),
            pos2(1.0, 1.0),
            pos2(1.0, 2.0),
            pos2(0.0, 2.0),
        ];
        assert!(point_in_polygon(pos2(0.5, 0.5), &l));
        assert!(point_in_polygon(pos2(1.5, 0.5), &l));
        assert!(point_in_polygon(pos2(0.5, 1.5), &l));
        // The notch of the L is outside, and so is everything beyond its bounding box.
        assert!(!point_in_polygon(pos2(1.5, 1.5), &l));
        assert!(!point_in_polygon(pos2(-0.1, 0.5), &l));
        assert!(!point_in_polygon(pos2(0.5, 2.5), &l));
        assert!(!point_in_polygon(pos2(0.5, 0.5), &l[..2]));
    }

    #[test]
    fn lasso_selects_the_nodes_inside_the_polygon() {
        let p = positions();
        let bounds = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        let g = SpatialGrid::build(&p, bounds);
        // A triangle under the line from (1.2, -0.1) to (-0.1, 0.9): nodes 0 (0,0) and 1 (1,0)
        // (the line passes y = 0.054 at x = 1); 2 (0,1) is above its top vertex; 4 and 5 (y = 0.5)
        // are above the line (y = 0.42 and 0.45 there).
        let tri = [pos2(-0.1, -0.1), pos2(1.2, -0.1), pos2(-0.1, 0.9)];
        assert_eq!(g.in_polygon(&p, &tri), vec![0, 1]);
        // A thin diamond around the centre takes 4 and 5 only.
        let diamond = [
            pos2(0.5, 0.4),
            pos2(0.6, 0.5),
            pos2(0.5, 0.6),
            pos2(0.4, 0.5),
        ];
        assert_eq!(g.in_polygon(&p, &diamond), vec![4, 5]);
        assert!(g.in_polygon(&p, &diamond[..2]).is_empty());
    }
}
