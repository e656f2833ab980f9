//! The h-graph planning evaluation of DESIGN.md's metric contract, in plain Rust on latent vectors.
//!
//! Encode every frame (each distinct frame once) → greedy radius clustering by cosine distance
//! (radius from the data) → edges from observed transitions → exact reachability over strongly
//! connected components → local sanity (`h_local_success`) → canonical planning tests in the world.

pub mod action_deltas;
pub mod bench;
pub mod cluster;
pub mod encode;
pub mod graph;
pub mod graph_diagnostics;
pub mod hgraph;
pub mod local;
pub mod planning;
pub mod projection;
pub mod radius;
pub mod stats;
#[cfg(test)]
mod testutil;
pub mod view;
pub mod world_metrics;

use std::time::Instant;

use worldbench_storage::{Dataset, PlanningRow};

pub use action_deltas::{action_delta_stats, dataset_transitions, ActionDeltaStats, Transition};
pub use bench::{bench_hgraph, synthetic_graph, BenchHgraphReport};
pub use cluster::{cluster_greedy, Clustering};
pub use encode::{encode_dataset, encode_frames};
pub use graph::{reachability, Digraph, ReachStats};
pub use graph_diagnostics::{dataset_graph_diagnostics, graph_diagnostics, GraphDiagnostics};
pub use hgraph::{Edge, HGraph};
pub use local::{h_local_success, LOCAL_PAIRS};
pub use planning::{plan_and_execute, plan_sweep, PlanOutcome, Planner, StopReason, SweepReport};
pub use radius::{merge_radius, MERGE_RADIUS_MAX, MERGE_RADIUS_MIN};
pub use view::{hgraph_of, hgraph_view_data, Control, HGraphViewData};
pub use world_metrics::{world_metrics, WorldMetrics, AGREEMENT_PAIRS};

use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::world::{World, TEST1, TEST2};

/// Everything one evaluation computed: the metric row and what it was computed from.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub row: PlanningRow,
    /// The h of every frame (`data.len()` rows of the encoder's `dim()`).
    pub h: Vec<f32>,
    pub graph: HGraph,
    pub reach: ReachStats,
    pub test1: PlanOutcome,
    pub test2: PlanOutcome,
    /// Where the evaluation's wall time went.
    pub timings: EvalTimings,
}

/// Wall time of each stage of one evaluation, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvalTimings {
    /// Encoding every distinct frame.
    pub encode_secs: f64,
    /// Merge radius, greedy clustering and edges.
    pub graph_secs: f64,
    /// Strongly connected components and exact reachability.
    pub reach_secs: f64,
    /// `h_local_success` sampling.
    pub local_secs: f64,
    /// Encoding the lattice tiles' frames and planning test1 and test2.
    pub plan_secs: f64,
    /// The researchers' diagnostics: action-delta statistics and graph diagnostics of h.
    #[serde(default)]
    pub diagnostics_secs: f64,
}

/// Evaluates an encoder on `data` (see the module doc) and plans test1 and test2 in `world`;
/// `seed` drives the sampling of `h_local_success`; `step` is copied into the row. `eval_secs` is
/// the wall time of the whole evaluation.
pub fn evaluate(
    encoder: &dyn FrameEncoder,
    data: &Dataset,
    world: &World,
    step: u64,
    seed: u64,
) -> Result<Evaluation> {
    let started = Instant::now();
    if data.is_empty() {
        return Err(ModelError::Invalid(format!(
            "dataset {} has no frames to evaluate on",
            data.name
        )));
    }
    let mut lap = Instant::now();
    let mut secs = || {
        let s = lap.elapsed().as_secs_f64();
        lap = Instant::now();
        s
    };
    let h = encode_dataset(encoder, data)?;
    let encode_secs = secs();
    let graph = HGraph::build(&h, encoder.dim(), data)?;
    let graph_secs = secs();
    let digraph = graph.digraph();
    let reach = reachability(&digraph);
    let reach_secs = secs();
    let local = h_local_success(&digraph, &graph.node_of_frame, data, LOCAL_PAIRS, seed);
    let local_secs = secs();
    let diag = Diagnostics::of(&h, encoder.dim(), data, seed);
    let diagnostics_secs = secs();
    let world_m = world_metrics(&graph, &digraph, data, world, AGREEMENT_PAIRS, seed);
    let planner = Planner::new(world, encoder, &graph)?;
    let test1 = planner.run(TEST1.0, TEST1.1)?;
    let test2 = planner.run(TEST2.0, TEST2.1)?;
    let timings = EvalTimings {
        encode_secs,
        graph_secs,
        reach_secs,
        local_secs,
        plan_secs: secs(),
        diagnostics_secs,
    };
    let row = PlanningRow {
        step,
        num_nodes_h: graph.num_nodes as u64,
        num_edges_h: graph.num_edges() as u64,
        reach_h_median: reach.median,
        reach_h_p10: reach.p10,
        reach_h_p90: reach.p90,
        h_local_success: local,
        test1_success: u8::from(test1.success),
        test1_steps: test1.steps as u64,
        test2_success: u8::from(test2.success),
        test2_steps: test2.steps as u64,
        merge_radius: f64::from(graph.merge_radius),
        eval_secs: 0.0,
        node_purity: world_m.map(|m| m.node_purity),
        tiles_per_node: world_m.map(|m| m.tiles_per_node),
        nodes_per_tile: world_m.map(|m| m.nodes_per_tile),
        path_agreement: world_m.map(|m| m.path_agreement),
        ..PlanningRow::default()
    };
    let row = diag.fill(&row);
    let row = PlanningRow {
        eval_secs: started.elapsed().as_secs_f64(),
        ..row
    };
    Ok(Evaluation {
        row,
        h,
        graph,
        reach,
        test1,
        test2,
        timings,
    })
}

/// The researchers' diagnostics of one h (see [`action_deltas`] and [`graph_diagnostics`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    pub actions: Option<ActionDeltaStats>,
    pub graph: Option<GraphDiagnostics>,
}

impl Diagnostics {
    /// The diagnostics of `h` (one row of `dim` floats per frame of `data`); `seed` draws the
    /// graph diagnostics' windows.
    pub fn of(h: &[f32], dim: usize, data: &Dataset, seed: u64) -> Self {
        Self {
            actions: action_delta_stats(h, dim, &dataset_transitions(data)),
            graph: dataset_graph_diagnostics(h, dim, data, seed),
        }
    }

    /// `row` with the diagnostics' columns set (empty where not computed).
    pub fn fill(&self, row: &PlanningRow) -> PlanningRow {
        let a = self.actions.as_ref();
        let g = self.graph.as_ref();
        let finite = |v: f64| v.is_finite().then_some(v);
        PlanningRow {
            h_l: a.map(|a| a.l_scale),
            h_inv_lr: a.map(|a| a.inv_lr),
            h_inv_ud: a.map(|a| a.inv_ud),
            h_noop_ratio: a.map(|a| a.noop_ratio),
            h_q_l: a.map(|a| a.q[0]),
            h_q_r: a.map(|a| a.q[1]),
            h_q_u: a.map(|a| a.q[2]),
            h_q_d: a.map(|a| a.q[3]),
            h_hit1_at_k: g.and_then(|g| finite(g.hit1_at_k)),
            h_hit2_at_k: g.and_then(|g| finite(g.hit2_at_k)),
            h_mutual_rate: g.map(|g| g.mutual_rate),
            h_median_neff1: g.map(|g| g.median_neff1),
            h_max_in_degree: g.map(|g| g.max_in_degree),
            h_top1pct_mean_in_degree: g.map(|g| g.top1pct_mean_in_degree),
            ..row.clone()
        }
    }
}

/// The `metrics/planning_metrics.csv` row of one checkpoint (see [`evaluate`]).
pub fn evaluate_checkpoint(
    encoder: &dyn FrameEncoder,
    data: &Dataset,
    world: &World,
    step: u64,
    seed: u64,
) -> Result<PlanningRow> {
    Ok(evaluate(encoder, data, world, step, seed)?.row)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests;
