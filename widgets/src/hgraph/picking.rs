//! CPU picking: a uniform grid over node positions (about four nodes per cell), so hovering
//! looks at a handful of cells and box and lasso selection visit only the nodes near the shape.
//! The 2D view indexes world x and y once per data; the 3D view indexes the projected screen
//! positions, rebuilt after the camera moves.

use egui::{pos2, Pos2, Rect};

/// Largest grid side (cells per axis).
const MAX_SIDE: usize = 2048;
/// Nodes per cell the grid aims at (fewer, larger cells build faster and stay in cache; a pick
/// still visits only a few dozen nodes).
const NODES_PER_CELL: f64 = 4.0;

/// A uniform spatial grid over node positions, in compressed rows (cell → node ids).
#[derive(Debug, Clone)]
pub struct SpatialGrid {
    bounds: Rect,
    side: usize,
    /// `cell_start[c]..cell_start[c + 1]` indexes `nodes` for cell `c` (row-major, `side × side`).
    cell_start: Vec<u32>,
    nodes: Vec<u32>,
    /// Scratch of the last build: the cell of each position (kept to rebuild without allocating).
    cells: Vec<u32>,
    /// Cells per unit along x and y.
    cells_per_unit: [f32; 2],
}

/// A position the grid indexes by its x and y (a 3D position's z is ignored).
pub trait Planar: Copy {
    fn xy(self) -> [f32; 2];
}

impl Planar for [f32; 2] {
    fn xy(self) -> [f32; 2] {
        self
    }
}

impl Planar for [f32; 3] {
    fn xy(self) -> [f32; 2] {
        [self[0], self[1]]
    }
}

impl Default for SpatialGrid {
    fn default() -> Self {
        Self::build::<[f32; 2]>(&[], Rect::from_min_size(Pos2::ZERO, egui::vec2(1.0, 1.0)))
    }
}

impl SpatialGrid {
    /// Indexes `positions`' x and y over `bounds` (positions outside go to the border cells;
    /// non-finite ones are left out).
    pub fn build<P: Planar>(positions: &[P], bounds: Rect) -> Self {
        let mut grid = Self::empty();
        grid.fill(positions, bounds, false);
        grid
    }

    /// Indexes only the positions inside `bounds` (e.g. the nodes on screen), so the cells stay
    /// fine where it matters; the others can never be picked or selected.
    pub fn build_within<P: Planar>(positions: &[P], bounds: Rect) -> Self {
        let mut grid = Self::empty();
        grid.rebuild_within(positions, bounds);
        grid
    }

    /// [`Self::build_within`] into this grid, reusing its memory (cheaper when rebuilt often).
    pub fn rebuild_within<P: Planar>(&mut self, positions: &[P], bounds: Rect) {
        self.fill(positions, bounds, true);
    }

    fn empty() -> Self {
        Self {
            bounds: Rect::NOTHING,
            side: 1,
            cell_start: Vec::new(),
            nodes: Vec::new(),
            cells: Vec::new(),
            cells_per_unit: [1.0; 2],
        }
    }

    fn fill<P: Planar>(&mut self, positions: &[P], bounds: Rect, within: bool) {
        let keep = |p: [f32; 2]| {
            p[0].is_finite() && p[1].is_finite() && (!within || bounds.contains(pos2(p[0], p[1])))
        };
        let n = positions.iter().filter(|p| keep(p.xy())).count();
        self.bounds = bounds;
        self.side = ((n as f64 / NODES_PER_CELL).sqrt().ceil() as usize).clamp(1, MAX_SIDE);
        let side = self.side as f32;
        self.cells_per_unit = [
            side / bounds.width().max(1e-12),
            side / bounds.height().max(1e-12),
        ];
        let cells_total = self.side * self.side;
        self.cell_start.clear();
        self.cell_start.resize(cells_total + 1, 0);
        self.nodes.clear();
        self.nodes.resize(n, 0);
        // Cell of each position (`u32::MAX`: left out), counted per cell.
        let mut cells = std::mem::take(&mut self.cells);
        cells.clear();
        cells.extend(positions.iter().map(|p| {
            let q = p.xy();
            if keep(q) {
                let c = self.cell_of(pos2(q[0], q[1]));
                self.cell_start[c + 1] += 1;
                c as u32
            } else {
                u32::MAX
            }
        }));
        for c in 0..cells_total {
            self.cell_start[c + 1] += self.cell_start[c];
        }
        // Fill each cell from its start, then shift the starts back.
        for (i, &c) in cells.iter().enumerate() {
            if c != u32::MAX {
                let slot = &mut self.cell_start[c as usize];
                self.nodes[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        for c in (1..=cells_total).rev() {
            self.cell_start[c] = self.cell_start[c - 1];
        }
        self.cell_start[0] = 0;
        self.cells = cells;
    }

    /// How many nodes the grid holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The cell column (`axis` 0) or row (1) of coordinate `v`, clamped to the grid (NaN: 0).
    fn axis_cell(&self, v: f32, axis: usize) -> usize {
        let lo = if axis == 0 {
            self.bounds.min.x
        } else {
            self.bounds.min.y
        };
        // `as` saturates (NaN → 0), so no floor or finiteness check is needed.
        (((v - lo) * self.cells_per_unit[axis]).max(0.0) as usize).min(self.side - 1)
    }

    fn cell_of(&self, p: Pos2) -> usize {
        self.axis_cell(p.y, 1) * self.side + self.axis_cell(p.x, 0)
    }

    /// Calls `f` with every node in the cells overlapping the world rectangle `r`.
    fn for_each_in_cells(&self, r: Rect, mut f: impl FnMut(u32)) {
        if self.nodes.is_empty() {
            return;
        }
        let (x0, x1) = (self.axis_cell(r.min.x, 0), self.axis_cell(r.max.x, 0));
        let (y0, y1) = (self.axis_cell(r.min.y, 1), self.axis_cell(r.max.y, 1));
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
    pub fn pick<P: Planar>(
        &self,
        positions: &[P],
        p: [f32; 2],
        max_dist: f32,
        radius: impl Fn(u32) -> f32,
    ) -> Option<u32> {
        let r =
            Rect::from_center_size(pos2(p[0], p[1]), egui::vec2(2.0 * max_dist, 2.0 * max_dist));
        let mut best: Option<(f32, u32)> = None;
        self.for_each_in_cells(r, |node| {
            let q = positions[node as usize].xy();
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
    pub fn in_rect<P: Planar>(&self, positions: &[P], r: Rect) -> Vec<u32> {
        let mut out = Vec::new();
        self.for_each_in_cells(r, |node| {
            let q = positions[node as usize].xy();
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
    pub fn in_polygon<P: Planar>(&self, positions: &[P], poly: &[Pos2]) -> Vec<u32> {
        if poly.len() < 3 {
            return Vec::new();
        }
        let bbox = Rect::from_points(poly);
        let mut out = Vec::new();
        self.for_each_in_cells(bbox, |node| {
            let q = positions[node as usize].xy();
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
        let none: [[f32; 2]; 0] = [];
        assert!(SpatialGrid::build(&none, bounds)
            .in_rect(&none, r)
            .is_empty());
    }

    #[test]
    fn non_finite_and_outside_positions_are_left_out() {
        let p = [[0.5, 0.5], [f32::NAN, f32::NAN], [5.0, 5.0], [0.25, 0.75]];
        let bounds = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        let all = Rect::from_min_max(pos2(-10.0, -10.0), pos2(10.0, 10.0));
        // `build` keeps the outside node (in a border cell), `build_within` drops it; NaN never.
        let g = SpatialGrid::build(&p, bounds);
        assert_eq!(g.len(), 3);
        assert_eq!(g.in_rect(&p, all), vec![0, 2, 3]);
        let g = SpatialGrid::build_within(&p, bounds);
        assert_eq!(g.len(), 2);
        assert_eq!(g.in_rect(&p, all), vec![0, 3]);
        assert_eq!(g.pick(&p, [0.26, 0.74], 0.1, |_| 0.1), Some(3));
        // 3D positions are indexed by x and y.
        let p3 = [[0.5, 0.5, 9.0], [0.1, 0.1, -3.0]];
        let g = SpatialGrid::build(&p3, bounds);
        assert_eq!(g.pick(&p3, [0.12, 0.1], 0.1, |_| 0.1), Some(1));
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
