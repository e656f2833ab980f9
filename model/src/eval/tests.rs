//! End-to-end checks of the evaluation with encoders whose answers are known.

use super::*;
use crate::world::{generate_dataset, lattice_index, Preset, Tile, LATTICE_SIZE, START_TILE};

/// Finds the white agent square and returns the one-hot of its lattice index (81 dims).
struct TileOracle;

fn agent_tile(frame: &[u8], width: usize) -> Option<Tile> {
    let p = frame.chunks(3).position(|px| px == [255, 255, 255])?;
    let (px, py) = ((p % width) as i32, (p / width) as i32);
    Some(Tile::of_position(px - 2, py - 2))
}

impl FrameEncoder for TileOracle {
    fn dim(&self) -> usize {
        LATTICE_SIZE * LATTICE_SIZE
    }
    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        for f in frames.chunks(height * width * 3) {
            let mut v = vec![0.0; self.dim()];
            let i = agent_tile(f, width)
                .and_then(lattice_index)
                .ok_or_else(|| ModelError::Invalid("no agent".into()))?;
            v[i] = 1.0;
            out.extend(v);
        }
        Ok(out)
    }
}

/// Maps every frame to the same vector.
struct Constant;

impl FrameEncoder for Constant {
    fn dim(&self) -> usize {
        4
    }
    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
        Ok([1.0, 2.0, 3.0, 4.0].repeat(frames.len() / (height * width * 3)))
    }
}

/// The h-graph of `data` under [`TileOracle`]: one node per visited tile.
fn oracle_graph(data: &Dataset) -> HGraph {
    let h = encode_dataset(&TileOracle, data).unwrap();
    HGraph::build(&h, 81, data).unwrap()
}

/// Plans and executes `from → to` in `world` with [`TileOracle`] on `graph`.
fn oracle_plan(world: &World, graph: &HGraph, from: Tile, to: Tile) -> Result<PlanOutcome> {
    plan_and_execute(world, &TileOracle, graph, from, to)
}

fn corner_loops() -> Dataset {
    generate_dataset(Preset::CornerLoops, 12, None, 11, None).unwrap()
}

#[test]
fn oracle_solves_canonical_tests_optimally() {
    let data = corner_loops();
    let world = World::default();
    let ev = evaluate(&TileOracle, &data, &world, 100, 0).unwrap();
    let row = &ev.row;
    let visited: std::collections::HashSet<_> = data.tiles.as_ref().unwrap().iter().collect();
    // One node per visited tile; one-hot vectors are at cosine distance 1 → radius clamped to 0.08.
    assert_eq!(row.num_nodes_h as usize, visited.len());
    assert_eq!(row.merge_radius, f64::from(MERGE_RADIUS_MAX));
    assert_eq!(row.step, 100);
    assert_eq!((row.test1_success, row.test1_steps), (1, 8));
    assert_eq!((row.test2_success, row.test2_steps), (1, 1));
    assert_eq!(ev.test1.tiles.first(), Some(&START_TILE));
    assert_eq!(ev.test1.tiles.last(), Some(&Tile::new(7, 8)));
    assert_eq!(ev.test1.budget, 24);
    assert_eq!(ev.test1.planned_nodes[0].len(), 9);
    // The true moves of an episode always connect: local success is perfect.
    assert_eq!(row.h_local_success, 1.0);
    assert!(row.reach_h_median > 0.9, "{}", row.reach_h_median);
    assert!(row.eval_secs >= 0.0);
    // Their diagnostics are filled: a noop never changes the one-hot, and one-hot steps do not add
    // up (the median delta is ~0 while each step has length √2), so q is far above 1.
    assert_eq!(row.h_noop_ratio, Some(0.0));
    assert!(
        row.h_l.is_some_and(|l| l > 0.0 && l <= 2f64.sqrt() + 1e-9),
        "{:?}",
        row.h_l
    );
    assert!(row.h_q_l.is_some_and(|q| q > 1.0), "{:?}", row.h_q_l);
    assert!(row.h_hit1_at_k.is_some_and(|h| (0.0..=1.0).contains(&h)));
    assert!(row.h_top1pct_mean_in_degree.is_some());
    // Edges: each distinct (tile, action) move, plus noop and blocked self-loops.
    let moves = ev.graph.edges.iter().filter(|e| e.from != e.to).count();
    assert!(moves > 150, "{moves}");
    assert!(ev
        .graph
        .edges
        .iter()
        .all(|e| e.action != 0 || e.from == e.to));
}

#[test]
fn oracle_sweep_mostly_succeeds() {
    let data = corner_loops();
    let world = World::default();
    let graph = oracle_graph(&data);
    let rep = plan_sweep(&TileOracle, &data, &graph, &world, 300, 1).unwrap();
    assert_eq!(rep.pairs, 300);
    assert!(rep.success_fraction > 0.9, "{rep:?}");
    assert!(
        rep.mean_steps_ratio >= 1.0 && rep.mean_steps_ratio < 1.2,
        "{rep:?}"
    );
}

#[test]
fn oracle_plan_and_execute_direct() {
    let data = corner_loops();
    let world = World::default();
    let graph = oracle_graph(&data);
    let out = oracle_plan(&world, &graph, Tile::new(12, 1), Tile::new(0, 13)).unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(out.steps, 16);
    let same = oracle_plan(&world, &graph, Tile::new(7, 8), Tile::new(7, 8)).unwrap();
    assert_eq!((same.success, same.steps, same.budget), (true, 0, 0));
    assert!(oracle_plan(&world, &graph, Tile::new(2, 2), Tile::new(7, 8)).is_err());
}

#[test]
fn oracle_with_missing_edges_finds_no_path() {
    // Only rightward moves along the bottom row were observed: going up is impossible.
    let data = generate_dataset(Preset::Coverage, 1, Some(8), 0, None).unwrap();
    let world = World::default();
    let graph = oracle_graph(&data);
    let out = oracle_plan(&world, &graph, Tile::new(12, 1), Tile::new(12, 13)).unwrap();
    assert!(out.success, "{out:?}");
    let out = oracle_plan(&world, &graph, Tile::new(12, 13), Tile::new(12, 1)).unwrap();
    assert_eq!(
        (out.success, out.stop, out.steps),
        (false, StopReason::NoPath, 0)
    );
}

#[test]
fn constant_encoder_fails_planning() {
    let data = generate_dataset(Preset::CornerLoops, 2, Some(60), 3, None).unwrap();
    let world = World::default();
    let ev = evaluate(&Constant, &data, &world, 1, 0).unwrap();
    assert_eq!(ev.row.num_nodes_h, 1);
    assert_eq!((ev.row.test1_success, ev.row.test1_steps), (0, 0));
    assert_eq!(ev.row.test2_success, 0);
    assert_eq!(ev.test1.stop, StopReason::GoalNodeWrongTile);
    // A single node: reachability 0 by definition; merge radius at the lower clamp (no change of h).
    assert_eq!((ev.row.reach_h_median, ev.row.reach_h_p90), (0.0, 0.0));
    assert_eq!(ev.row.merge_radius, f64::from(MERGE_RADIUS_MIN));
    // Self-loops only: one per action seen.
    assert!(ev.graph.edges.iter().all(|e| e.from == 0 && e.to == 0));
    assert_eq!(ev.row.num_edges_h as usize, ev.graph.edges.len());
    // Every pair trivially "connects" (a node reaches itself).
    assert_eq!(ev.row.h_local_success, 1.0);
    // No step length: no action-delta statistics. Every sample is every other's twin: the
    // effective number of neighbours is all the others.
    assert_eq!(ev.row.h_l, None);
    assert!(ev.row.h_hit1_at_k.is_some_and(|h| (0.0..=1.0).contains(&h)));
    let n = (graph_diagnostics::SAMPLE_CHUNKS * graph_diagnostics::CHUNK_LEN) as f64;
    let neff = ev.row.h_median_neff1.unwrap();
    assert!((neff - (n - 1.0)).abs() < 1e-3, "{neff}");
}

#[test]
fn rejects_empty_data_and_wrong_dimension() {
    let mut data = generate_dataset(Preset::RandomWalk, 1, Some(3), 0, None).unwrap();
    let world = World::default();
    let h = encode_dataset(&Constant, &data).unwrap();
    let graph = HGraph::build(&h, 4, &data).unwrap();
    assert!(Planner::new(&world, &TileOracle, &graph).is_err());
    data.frames.clear();
    data.actions.clear();
    data.episode.clear();
    let err = evaluate(&TileOracle, &data, &world, 0, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no frames"), "{err}");
}
