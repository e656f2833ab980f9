//! Directed graphs, strongly connected components and exact reachability counts.
//!
//! Reachability is exact for every node: Tarjan's algorithm (iterative, so a 1M-node chain cannot
//! overflow the stack) gives the strongly connected components; reachable-node sets are then
//! propagated over the condensation as bitsets in reverse topological order. The bit columns (one
//! per node) are processed in blocks so that memory stays under a budget, and blocks run in parallel.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::stats::percentile;

/// Default memory budget of the reachability bitsets: 256 MiB in total over all threads.
pub const REACH_BUDGET_BYTES: usize = 256 << 20;

/// A directed graph in compressed sparse row form, without duplicate edges and without self-loops
/// (neither changes reachability or shortest paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digraph {
    /// `num_nodes + 1` offsets into `targets`.
    offsets: Vec<usize>,
    /// Successors of node `u`: `targets[offsets[u]..offsets[u + 1]]`, ascending.
    targets: Vec<u32>,
}

impl Digraph {
    /// Builds the graph from `(from, to)` pairs; every id must be below `num_nodes`.
    ///
    /// # Panics
    /// When an id is out of range.
    pub fn from_edges(num_nodes: usize, edges: impl IntoIterator<Item = (u32, u32)>) -> Self {
        let mut pairs: Vec<(u32, u32)> = edges.into_iter().filter(|(a, b)| a != b).collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        let mut offsets = vec![0usize; num_nodes + 1];
        for &(a, b) in &pairs {
            assert!(
                (a as usize) < num_nodes && (b as usize) < num_nodes,
                "edge {a}→{b} out of range"
            );
            offsets[a as usize + 1] += 1;
        }
        for i in 0..num_nodes {
            offsets[i + 1] += offsets[i];
        }
        Self {
            offsets,
            targets: pairs.into_iter().map(|(_, b)| b).collect(),
        }
    }

    pub fn num_nodes(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Distinct edges between distinct nodes.
    pub fn num_edges(&self) -> usize {
        self.targets.len()
    }

    /// Successors of `u`, ascending.
    pub fn successors(&self, u: u32) -> &[u32] {
        &self.targets[self.offsets[u as usize]..self.offsets[u as usize + 1]]
    }

    /// Breadth-first distances (in edges) from `from` to every node; `u32::MAX` = unreachable.
    pub fn distances_from(&self, from: u32) -> Vec<u32> {
        let mut dist = vec![u32::MAX; self.num_nodes()];
        dist[from as usize] = 0;
        let mut queue = VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            for &v in self.successors(u) {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = dist[u as usize] + 1;
                    queue.push_back(v);
                }
            }
        }
        dist
    }

    /// Whether a path leads from `from` to `to` (a node reaches itself by the empty path).
    pub fn reaches(&self, from: u32, to: u32) -> bool {
        if from == to {
            return true;
        }
        let mut seen = vec![false; self.num_nodes()];
        seen[from as usize] = true;
        let mut stack = vec![from];
        while let Some(u) = stack.pop() {
            for &v in self.successors(u) {
                if v == to {
                    return true;
                }
                if !seen[v as usize] {
                    seen[v as usize] = true;
                    stack.push(v);
                }
            }
        }
        false
    }

    /// The reversed graph.
    #[must_use]
    pub fn reversed(&self) -> Self {
        let n = self.num_nodes();
        Self::from_edges(
            n,
            (0..n as u32).flat_map(|u| self.successors(u).iter().map(move |&v| (v, u))),
        )
    }
}

/// Strongly connected components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sccs {
    /// Component of each node. Ids are in reverse topological order: an edge between two
    /// components always goes from the higher id to the lower one (sinks first).
    pub comp_of: Vec<u32>,
    /// Nodes per component.
    pub sizes: Vec<u32>,
}

impl Sccs {
    pub fn count(&self) -> usize {
        self.sizes.len()
    }
}

const UNVISITED: u32 = u32::MAX;

/// Tarjan's algorithm with an explicit call stack.
pub fn strongly_connected_components(g: &Digraph) -> Sccs {
    let n = g.num_nodes();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp_of = vec![UNVISITED; n];
    let mut sizes = Vec::new();
    let mut stack: Vec<u32> = Vec::new();
    // (node, position of the next successor to look at)
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let mut counter = 0u32;
    for root in 0..n as u32 {
        if index[root as usize] != UNVISITED {
            continue;
        }
        index[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        calls.push((root, g.offsets[root as usize]));
        while let Some(&mut (v, ref mut next)) = calls.last_mut() {
            let vi = v as usize;
            if *next < g.offsets[vi + 1] {
                let w = g.targets[*next];
                *next += 1;
                let wi = w as usize;
                if index[wi] == UNVISITED {
                    index[wi] = counter;
                    low[wi] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[wi] = true;
                    calls.push((w, g.offsets[wi]));
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
                continue;
            }
            calls.pop();
            if low[vi] == index[vi] {
                let id = sizes.len() as u32;
                let mut size = 0u32;
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp_of[w as usize] = id;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                sizes.push(size);
            }
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[vi]);
            }
        }
    }
    Sccs { comp_of, sizes }
}

/// The condensation: one node per component, an edge `c → d` when some edge leads from `c` to `d`.
pub fn condensation(g: &Digraph, sccs: &Sccs) -> Digraph {
    let comp = &sccs.comp_of;
    Digraph::from_edges(
        sccs.count(),
        (0..g.num_nodes() as u32).flat_map(|u| {
            g.successors(u)
                .iter()
                .map(move |&v| (comp[u as usize], comp[v as usize]))
        }),
    )
}

/// For every component, the number of nodes reachable from it (its own nodes included), exactly.
/// `cond` is the condensation (edges from higher to lower ids); memory stays near `budget_bytes`.
pub fn component_reach_counts(cond: &Digraph, sizes: &[u32], budget_bytes: usize) -> Vec<u64> {
    let c = sizes.len();
    if c == 0 {
        return Vec::new();
    }
    // Node positions when nodes are laid out component by component: component k owns
    // positions start[k]..start[k + 1]. One bit column per position.
    let mut start = Vec::with_capacity(c + 1);
    start.push(0usize);
    for &s in sizes {
        start.push(start[start.len() - 1] + s as usize);
    }
    let n = start[c];
    let threads = rayon::current_num_threads().max(1);
    let words = (budget_bytes / threads / 8 / c).max(1);
    let cols = words * 64;
    let blocks: Vec<(usize, usize)> = (0..n)
        .step_by(cols)
        .map(|s| (s, (s + cols).min(n)))
        .collect();
    blocks
        .par_iter()
        .map(|&(s, e)| block_counts(cond, &start, s, e))
        .fold(
            || vec![0u64; c],
            |mut acc, (k0, part)| {
                for (a, p) in acc[k0..].iter_mut().zip(&part) {
                    *a += p;
                }
                acc
            },
        )
        .reduce(
            || vec![0u64; c],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += y;
                }
                a
            },
        )
}

/// Reach counts restricted to bit columns `s..e`: returns `(k0, counts of components k0..)`, where
/// `k0` is the first component owning a column of the block (lower ids cannot reach it).
fn block_counts(cond: &Digraph, start: &[usize], s: usize, e: usize) -> (usize, Vec<u64>) {
    let c = start.len() - 1;
    let k0 = start.partition_point(|&x| x <= s) - 1;
    let k_end = start.partition_point(|&x| x < e).min(c);
    let w = (e - s).div_ceil(64);
    let mut rows = vec![0u64; (c - k0) * w];
    let mut counts = vec![0u64; c - k0];
    for k in k0..c {
        let (before, rest) = rows.split_at_mut((k - k0) * w);
        let row = &mut rest[..w];
        if k < k_end {
            let lo = start[k].max(s) - s;
            let hi = start[k + 1].min(e) - s;
            set_bits(row, lo, hi);
        }
        for &succ in cond.successors(k as u32) {
            let succ = succ as usize;
            if succ >= k0 {
                let other = &before[(succ - k0) * w..(succ - k0 + 1) * w];
                for (a, b) in row.iter_mut().zip(other) {
                    *a |= b;
                }
            }
        }
        counts[k - k0] = row.iter().map(|x| u64::from(x.count_ones())).sum();
    }
    (k0, counts)
}

/// Sets bits `lo..hi` of a bitset.
fn set_bits(row: &mut [u64], lo: usize, hi: usize) {
    for bit in lo..hi {
        if bit % 64 == 0 && bit + 64 <= hi {
            row[bit / 64] = u64::MAX;
        } else {
            row[bit / 64] |= 1 << (bit % 64);
        }
    }
}

/// Reachability of every node and its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ReachStats {
    /// Per node: (number of other nodes reachable from it) / (num_nodes − 1). A graph of one node
    /// gives 0 for it (there are no other nodes); an empty graph gives no entries.
    pub per_node: Vec<f64>,
    /// Median, 10th and 90th percentiles of `per_node` (linear interpolation, numpy's default; 0 when empty).
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub scc_count: usize,
    /// Nodes in the largest strongly connected component.
    pub largest_scc: usize,
}

/// Exact reachability of every node, within [`REACH_BUDGET_BYTES`].
pub fn reachability(g: &Digraph) -> ReachStats {
    reachability_with_budget(g, REACH_BUDGET_BYTES)
}

/// Exact reachability of every node; the bitsets use about `budget_bytes`.
pub fn reachability_with_budget(g: &Digraph, budget_bytes: usize) -> ReachStats {
    let n = g.num_nodes();
    let sccs = strongly_connected_components(g);
    let cond = condensation(g, &sccs);
    let counts = component_reach_counts(&cond, &sccs.sizes, budget_bytes);
    let denom = n.saturating_sub(1).max(1) as f64;
    let per_node: Vec<f64> = sccs
        .comp_of
        .iter()
        .map(|&k| (counts[k as usize] - 1) as f64 / denom)
        .collect();
    let mut sorted = per_node.clone();
    sorted.par_sort_unstable_by(f64::total_cmp);
    ReachStats {
        median: percentile(&sorted, 50.0),
        p10: percentile(&sorted, 10.0),
        p90: percentile(&sorted, 90.0),
        per_node,
        scc_count: sccs.count(),
        largest_scc: sccs.sizes.iter().copied().max().unwrap_or(0) as usize,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::testutil::reached_by_bfs;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn builds_csr_without_duplicates_or_loops() {
        let g = Digraph::from_edges(3, [(0, 1), (0, 1), (1, 1), (2, 0), (0, 2)]);
        assert_eq!(g.num_edges(), 3);
        assert_eq!(g.successors(0), [1, 2]);
        assert_eq!(g.successors(1), [] as [u32; 0]);
        assert_eq!(g.reversed().successors(0), [2]);
        assert!(g.reaches(2, 1));
        assert!(!g.reaches(1, 0));
        assert!(g.reaches(1, 1));
        assert_eq!(g.distances_from(2), [1, 2, 0]);
    }

    #[test]
    fn chain() {
        // 0 → 1 → 2 → 3 → 4: node i reaches 4 − i others.
        let g = Digraph::from_edges(5, (0..4).map(|i| (i, i + 1)));
        let r = reachability(&g);
        assert_eq!(r.per_node, [1.0, 0.75, 0.5, 0.25, 0.0]);
        assert_eq!(r.scc_count, 5);
        assert!(close(r.median, 0.5));
        assert!(close(r.p10, 0.1)); // rank 0.4 between 0 and 0.25
        assert!(close(r.p90, 0.9));
    }

    #[test]
    fn cycle() {
        let g = Digraph::from_edges(4, [(0, 1), (1, 2), (2, 3), (3, 0)]);
        let r = reachability(&g);
        assert_eq!(r.per_node, [1.0; 4]);
        assert_eq!((r.scc_count, r.largest_scc), (1, 4));
        assert_eq!((r.median, r.p10, r.p90), (1.0, 1.0, 1.0));
    }

    #[test]
    fn two_sccs() {
        // {0,1,2} cycle → {3,4} cycle, plus isolated 5.
        let g = Digraph::from_edges(6, [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 3)]);
        let s = strongly_connected_components(&g);
        assert_eq!(s.count(), 3);
        assert_eq!(s.comp_of[0], s.comp_of[1]);
        assert_eq!(s.comp_of[3], s.comp_of[4]);
        assert!(
            s.comp_of[0] > s.comp_of[3],
            "edges go from higher to lower ids"
        );
        let r = reachability(&g);
        assert_eq!(r.per_node, [0.8, 0.8, 0.8, 0.2, 0.2, 0.0]);
        // sorted: 0, .2, .2, .8, .8, .8
        assert!(close(r.median, 0.5));
        assert!(close(r.p10, 0.1));
        assert!(close(r.p90, 0.8));
        assert_eq!(r.largest_scc, 3);
    }

    #[test]
    fn dag_diamond() {
        // 0 → {1, 2} → 3: the shared sink must be counted once.
        let g = Digraph::from_edges(4, [(0, 1), (0, 2), (1, 3), (2, 3)]);
        let r = reachability(&g);
        assert_eq!(r.per_node, [1.0, 1.0 / 3.0, 1.0 / 3.0, 0.0]);
    }

    #[test]
    fn tiny_graphs() {
        let r = reachability(&Digraph::from_edges(1, []));
        assert_eq!(r.per_node, [0.0]);
        let r = reachability(&Digraph::from_edges(0, []));
        assert!(r.per_node.is_empty());
        assert_eq!((r.median, r.scc_count), (0.0, 0));
    }

    #[test]
    fn long_chain_in_small_blocks_matches() {
        // A 5000-node chain (deep for recursion) with a budget that forces many column blocks.
        let n = 5000u32;
        let g = Digraph::from_edges(n as usize, (0..n - 1).map(|i| (i, i + 1)));
        let r = reachability_with_budget(&g, 64 * 1024);
        for (i, &x) in r.per_node.iter().enumerate() {
            assert!(
                close(x, f64::from(n - 1 - i as u32) / f64::from(n - 1)),
                "node {i}: {x}"
            );
        }
        // Reversed numbering: the same answers mirrored.
        let g = Digraph::from_edges(n as usize, (0..n - 1).map(|i| (i + 1, i)));
        let r = reachability_with_budget(&g, 64 * 1024);
        assert!(close(r.per_node[(n - 1) as usize], 1.0));
        assert!(close(r.per_node[0], 0.0));
    }

    #[test]
    fn blocked_equals_unblocked_on_mixed_graph() {
        // Cycles of 3 chained together with forward shortcuts; compare with per-node BFS.
        let n = 300u32;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for i in 0..n {
            if i % 3 == 2 {
                edges.push((i, i - 2));
            }
            if i + 1 < n {
                edges.push((i, i + 1));
            }
            if i % 7 == 0 && i + 11 < n {
                edges.push((i, i + 11));
            }
        }
        let g = Digraph::from_edges(n as usize, edges);
        let r = reachability_with_budget(&g, 4096);
        for u in 0..n {
            let reached = reached_by_bfs(&g, u);
            assert!(
                close(r.per_node[u as usize], reached as f64 / f64::from(n - 1)),
                "node {u}"
            );
        }
        assert_eq!(r.scc_count, 100);
    }
}
