//! What the h-graph view draws: projected node positions (three coordinates: the 2D view shows x
//! and y, the 3D view all three), per-node statistics and edges — plain data, independent of how
//! the positions were computed.

use egui::{pos2, Rect};

/// A directed edge `from → to`, observed `count` times with `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: u32,
    pub to: u32,
    pub action: u8,
    pub count: u32,
}

/// One h-graph ready to draw. Every per-node vector has `num_nodes()` entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphData {
    /// Projected position of each node (e.g. three principal axes: x, y, z), in arbitrary world
    /// units. The 2D view shows x and y; the 3D view all three.
    pub positions: Vec<[f32; 3]>,
    /// Frames mapped to each node (sets the drawn size).
    pub frame_count: Vec<u32>,
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    /// Distinct true tiles among each node's frames.
    pub tiles_covered: Vec<u32>,
    /// Strongly connected component id of each node.
    pub scc: Vec<u32>,
    /// Index of the first frame mapped to each node.
    pub first_step: Vec<u32>,
    /// Fraction of the other nodes reachable from each node, 0..=1.
    pub reach: Vec<f32>,
    /// Most frequent true tile `[row, col]` of each node (`[-1, -1]` when unknown).
    pub node_tile: Vec<[i16; 2]>,
    /// Rows and columns of the tile map (for the 2D tile colour map).
    pub map_size: [usize; 2],
    /// Edges sorted by `(from, to, action)`.
    pub edges: Vec<GraphEdge>,
}

impl GraphData {
    pub fn num_nodes(&self) -> usize {
        self.positions.len()
    }

    /// Checks that every per-node vector has one entry per node and edges name existing nodes.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.num_nodes();
        let lens = [
            ("frame_count", self.frame_count.len()),
            ("in_degree", self.in_degree.len()),
            ("out_degree", self.out_degree.len()),
            ("tiles_covered", self.tiles_covered.len()),
            ("scc", self.scc.len()),
            ("first_step", self.first_step.len()),
            ("reach", self.reach.len()),
            ("node_tile", self.node_tile.len()),
        ];
        for (name, len) in lens {
            if len != n {
                return Err(format!(
                    "h-graph view: {name} has {len} entries for {n} nodes"
                ));
            }
        }
        if let Some(e) = self
            .edges
            .iter()
            .find(|e| e.from as usize >= n || e.to as usize >= n)
        {
            return Err(format!(
                "h-graph view: edge {}→{} names a node beyond {n}",
                e.from, e.to
            ));
        }
        Ok(())
    }

    /// The bounding box of the node positions' x and y (a unit box around the origin when empty).
    pub fn bounds(&self) -> Rect {
        let mut r = Rect::NOTHING;
        for p in &self.positions {
            r.extend_with(pos2(p[0], p[1]));
        }
        if r.is_positive() {
            r
        } else if r.is_finite() {
            r.expand(0.5)
        } else {
            Rect::from_center_size(pos2(0.0, 0.0), egui::vec2(1.0, 1.0))
        }
    }

    /// The out-edges of `node` (edges are sorted by `from`).
    pub fn out_edges(&self, node: u32) -> &[GraphEdge] {
        let lo = self.edges.partition_point(|e| e.from < node);
        let hi = self.edges.partition_point(|e| e.from <= node);
        &self.edges[lo..hi]
    }

    /// A deterministic synthetic graph for benchmarks and tests: `n` nodes on a noisy spiral
    /// (rising and falling in z),
    /// `edges_per_node` out-edges each to nearby ids, degrees and SCCs filled in plausibly.
    pub fn synthetic(n: usize, edges_per_node: usize, seed: u64) -> Self {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut rnd = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 33) as f64 / f64::from(1u32 << 31)) as f32
        };
        let mut positions = Vec::with_capacity(n);
        let mut frame_count = Vec::with_capacity(n);
        let mut node_tile = Vec::with_capacity(n);
        for i in 0..n {
            let t = i as f32 / n.max(1) as f32 * 12.0;
            let r = 0.2 + t;
            positions.push([
                r * t.cos() + rnd() - 0.5,
                r * t.sin() + rnd() - 0.5,
                0.4 * r * (0.5 * t).sin(),
            ]);
            frame_count.push(1 + (rnd() * rnd() * 40.0) as u32);
            node_tile.push([(i % 14) as i16, ((i / 14) % 16) as i16]);
        }
        let mut edges = Vec::with_capacity(n * edges_per_node);
        for i in 0..n {
            for k in 0..edges_per_node {
                let off = 1 + (rnd() * 20.0) as usize + k;
                let to = if rnd() < 0.5 {
                    i + off
                } else {
                    i + n - off % n.max(1)
                } % n.max(1);
                edges.push(GraphEdge {
                    from: i as u32,
                    to: to as u32,
                    action: (k % 5) as u8,
                    count: 1 + (rnd() * 5.0) as u32,
                });
            }
        }
        edges.sort_unstable_by_key(|e| (e.from, e.to, e.action));
        edges.dedup_by_key(|e| (e.from, e.to, e.action));
        let mut in_degree = vec![0u32; n];
        let mut out_degree = vec![0u32; n];
        for e in &edges {
            out_degree[e.from as usize] += 1;
            in_degree[e.to as usize] += 1;
        }
        Self {
            positions,
            frame_count,
            tiles_covered: (0..n).map(|i| 1 + (i % 3) as u32).collect(),
            scc: (0..n).map(|i| (i / 50) as u32).collect(),
            first_step: (0..n).map(|i| i as u32 * 3).collect(),
            reach: (0..n).map(|i| i as f32 / n.max(1) as f32).collect(),
            node_tile,
            map_size: [14, 16],
            in_degree,
            out_degree,
            edges,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn out_edges_and_validation() {
        let g = GraphData::synthetic(100, 3, 1);
        assert!(g.validate().is_ok());
        assert!(g.edges.len() > 250);
        for node in [0u32, 37, 99] {
            let out = g.out_edges(node);
            assert_eq!(out.len(), g.out_degree[node as usize] as usize);
            assert!(out.iter().all(|e| e.from == node));
        }
        let mut bad = g.clone();
        bad.reach.pop();
        assert!(bad.validate().unwrap_err().contains("reach"));
        let b = GraphData::default().bounds();
        assert!(b.width() > 0.0);
    }
}
