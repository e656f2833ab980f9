//! Planners on hand-built latent spaces with known answers: h = the agent's lattice point `(ix, iy)`
//! and a linear predictor `h + δ(a)`, so the exact shortest path is the only optimum.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

use super::*;
use crate::eval::{encode_dataset, HGraph};
use crate::world::layouts::{lattice_point, lattice_tile};
use crate::world::{generate_dataset, lattice_index, Layout, Preset, LATTICE_SIZE, TEST1, TEST2};

fn agent_tile(frame: &[u8], width: usize) -> Option<Tile> {
    let p = frame.chunks(3).position(|px| px == [255, 255, 255])?;
    let (px, py) = ((p % width) as i32, (p / width) as i32);
    Some(Tile::of_position(px - 2, py - 2))
}

/// h = (ix, iy) of the agent; predicts `h + δ(a)` (it ignores walls and the lattice's edges).
struct Linear;

fn delta(a: u8) -> (f32, f32) {
    let (dx, dy) = crate::world::action::delta(a);
    ((dx / 6) as f32, (dy / 6) as f32)
}

impl FrameEncoder for Linear {
    fn dim(&self) -> usize {
        2
    }
    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        for f in frames.chunks(height * width * 3) {
            let (ix, iy) = agent_tile(f, width)
                .and_then(lattice_point)
                .ok_or_else(|| ModelError::Invalid("no agent".into()))?;
            out.extend([ix as f32, iy as f32]);
        }
        Ok(out)
    }
}

impl Predictor for Linear {
    fn predict(&self, h: &[f32], actions: &[u8]) -> Result<Vec<f32>> {
        let mut out = h.to_vec();
        for (row, &a) in out.chunks_mut(2).zip(actions) {
            let (dx, dy) = delta(a);
            row[0] += dx;
            row[1] += dy;
        }
        Ok(out)
    }
}

/// One-hot h per lattice tile (for the h-graph, which clusters by cosine).
struct OneHot;

impl FrameEncoder for OneHot {
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

fn pairs() -> Vec<(Tile, Tile)> {
    vec![
        TEST1,
        TEST2,
        (lattice_tile(2, 2), lattice_tile(7, 6)),
        (lattice_tile(8, 0), lattice_tile(3, 5)),
    ]
}

fn hand_deltas() -> Vec<(u8, Vec<f32>)> {
    crate::world::action::MOVES
        .iter()
        .map(|&a| {
            let (dx, dy) = delta(a);
            (a, vec![dx, dy])
        })
        .collect()
}

#[test]
fn deltas_are_the_median_moves() {
    let data = generate_dataset(Preset::RandomWalk, 2, Some(60), 1, None).unwrap();
    let h = encode_dataset(&Linear, &data).unwrap();
    assert_eq!(action_deltas(&h, 2, &data).unwrap(), hand_deltas());
}

#[test]
fn deltas_leave_out_moves_into_walls() {
    // The data, then one episode per move of as many moves into a wall (h unchanged) as the data
    // has frames: most of each action's transitions are zero moves, which would make the median 0.
    let data = generate_dataset(Preset::RandomWalk, 2, Some(60), 1, None).unwrap();
    let h = encode_dataset(&Linear, &data).unwrap();
    let (mut blocked, mut hb) = (data.clone(), h);
    let first = data.episode.iter().max().unwrap() + 1;
    for (episode, a) in (first..).zip(crate::world::action::MOVES) {
        blocked.actions.extend(vec![a; data.len()]);
        blocked.episode.extend(vec![episode; data.len()]);
        hb.extend([3.0, 4.0].repeat(data.len()));
    }
    assert_eq!(action_deltas(&hb, 2, &blocked).unwrap(), hand_deltas());
}

#[test]
fn a_zero_delta_is_named() {
    let mut deltas = hand_deltas();
    deltas[2].1 = vec![0.0, 0.0];
    let err = LatticePlanner::new(&Linear, deltas, LatticeConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("latent delta of left is zero"), "{err}");
    assert!(err.contains("other planners"), "{err}");
}

#[test]
fn lattice_finds_shortest_paths() {
    let world = World::default();
    let mut p = LatticePlanner::new(&Linear, hand_deltas(), LatticeConfig::default()).unwrap();
    assert_eq!(p.name(), "lattice");
    for (a, b) in pairs() {
        let out = p.run(&world, a, b).unwrap();
        assert!(out.success, "{a} → {b}: {out:?}");
        assert_eq!(out.steps, out.shortest_len, "{a} → {b}");
        assert_eq!(out.final_distance, 0.0);
    }
}

#[test]
fn lattice_cannot_see_walls() {
    // two-rooms, door at the top: bottom-left → bottom-right is blocked straight ahead.
    let world = World::new(Some(Layout::TwoRooms.map(0)));
    let [c1, _] = Layout::TwoRooms.cross_tests();
    let mut p = LatticePlanner::new(&Linear, hand_deltas(), LatticeConfig::default()).unwrap();
    let out = p.run(&world, c1.start, c1.goal).unwrap();
    assert!(!out.success);
    assert_eq!(out.steps, out.budget);
    assert!(out.final_distance > 0.0);
    // A node cap of one expands nothing but still steps toward the nearest node.
    let cfg = LatticeConfig {
        node_cap: 1,
        ..LatticeConfig::default()
    };
    let p = LatticePlanner::new(&Linear, hand_deltas(), cfg).unwrap();
    assert!(p.first_action(&[0.0, 8.0], &[3.0, 8.0]).is_some());
    assert!(LatticePlanner::new(&Linear, vec![(1, vec![0.0, 0.0])], cfg).is_err());
}

#[test]
fn mpc_finds_the_exact_path_with_a_linear_predictor() {
    let world = World::default();
    let cfg = MpcConfig {
        horizon: 12,
        samples: 256,
        iterations: 5,
        elites: 24,
        ..MpcConfig::default()
    };
    let mut p = MpcPlanner::new(&Linear, cfg).unwrap();
    assert_eq!(p.name(), "mpc");
    for (a, b) in pairs() {
        let out = p.run(&world, a, b).unwrap();
        assert!(out.success, "{a} → {b}: {out:?}");
        assert_eq!(out.steps, out.shortest_len, "{a} → {b}: {:?}", out.tiles);
        assert_eq!(out.final_distance, 0.0);
    }
    assert!(p.predictor_calls > 0);
    // The first action of a plan from (0, 8) to (0, 5) is up.
    let (seq, cost) = p.plan(&[0.0, 8.0], &[0.0, 5.0]).unwrap();
    assert_eq!(seq[0], crate::world::action::UP);
    assert!(cost < 0.5, "{cost}");
}

#[test]
fn mpc_config_is_checked() {
    let bad = MpcConfig {
        elites: 500,
        ..MpcConfig::default()
    };
    let err = MpcPlanner::new(&Linear, bad).err().unwrap().to_string();
    assert!(err.contains("elites must be in 1..=128"), "{err}");
    let bad = MpcConfig {
        horizon: 0,
        ..MpcConfig::default()
    };
    assert!(MpcPlanner::new(&Linear, bad).is_err());
}

#[test]
fn graph_planner_behind_the_trait() {
    let data = generate_dataset(Preset::CornerLoops, 20, None, 0, None).unwrap();
    let h = encode_dataset(&OneHot, &data).unwrap();
    let graph = HGraph::build(&h, 81, &data).unwrap();
    let world = World::default();
    let mut p = GraphPlanner::new(&OneHot, &graph);
    assert_eq!(p.name(), "graph");
    let out = p.run(&world, TEST1.0, TEST1.1).unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(out.final_distance, 0.0);
    assert_eq!("mpc".parse::<PlannerKind>().unwrap(), PlannerKind::Mpc);
    assert!("dfs".parse::<PlannerKind>().is_err());
}

#[test]
fn sweep_splits_same_and_cross_room() {
    // The lattice planner knows no walls: in one room it always succeeds (rooms are rectangles);
    // across the wall it fails unless the straight path happens to cross the door.
    let seed = 0;
    let world = World::new(Some(Layout::TwoRooms.map(seed)));
    let pairs = random_pairs(&world, 200, 1);
    assert_eq!(pairs.len(), 200);
    assert_eq!(pairs, random_pairs(&world, 200, 1));
    let mut p = LatticePlanner::new(&Linear, hand_deltas(), LatticeConfig::default()).unwrap();
    let s = sweep(&mut p, &world, &pairs, Some((Layout::TwoRooms, seed))).unwrap();
    assert_eq!(s.planner, "lattice");
    assert_eq!(s.all.pairs, 200);
    assert_eq!(s.same_room.pairs + s.cross_room.pairs, 200);
    assert_eq!(s.same_room.fraction(), Some(1.0));
    assert!(s.cross_room.fraction().unwrap() < 0.5, "{:?}", s.cross_room);
    assert!(s.long.pairs > 0);
    let mut m = s.clone();
    m.merge(&s);
    assert_eq!(m.all.pairs, 400);
    assert_eq!(m.same_room.successes, 2 * s.same_room.successes);
    assert_eq!(Tally::default().text(), "-");
}

#[test]
fn planner_names_are_the_registry_column_groups() {
    let names: Vec<&str> = PlannerKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, worldbench_storage::planning_metrics::PLANNERS);
}

#[test]
fn dataset_sweeps_use_each_layout_of_a_mixed_dataset_and_fill_its_columns() {
    use worldbench_storage::dataset::{EpisodeLayouts, LayoutMap};
    let maps = [Layout::TwoRooms.map(0), Layout::TwoRooms.map(1)];
    let mut data =
        crate::world::generate_dataset_maps(Preset::CornerLoops, 4, Some(30), 0, &maps).unwrap();
    data.layouts = Some(EpisodeLayouts {
        maps: (0..2)
            .map(|s| LayoutMap {
                layout: format!("two-rooms:{s}"),
                text: maps[s].to_text(),
            })
            .collect(),
        episode: vec![0, 1, 0, 1],
    });
    let worlds = dataset_worlds(&data).unwrap();
    assert_eq!(worlds.len(), 2);
    assert_eq!(worlds[1].1, Some((Layout::TwoRooms, 1)));
    assert_eq!(worlds[1].0.map().to_text(), maps[1].to_text());
    let h = encode_dataset(&Linear, &data).unwrap();
    let graph = HGraph::build(&h, 2, &data).unwrap();
    let inputs = PlannerInputs {
        model: &Linear,
        graph: &graph,
        h: &h,
        data: &data,
        lattice: LatticeConfig::default(),
        mpc: MpcConfig::default(),
    };
    let sweeps = sweep_dataset(&[PlannerKind::Lattice], &inputs, 20, 3).unwrap();
    assert_eq!(sweeps.len(), 1);
    // 10 pairs on each of the two layouts.
    assert_eq!(sweeps[0].all.pairs, 20);
    assert_eq!(sweeps[0].same_room.pairs + sweeps[0].cross_room.pairs, 20);
    let mut row = worldbench_storage::PlanningRow::default();
    write_sweeps(&mut row, &sweeps);
    assert_eq!(row.lattice_success, sweeps[0].all.fraction());
    assert_eq!(row.lattice_long_success, sweeps[0].long.fraction());
    assert_eq!(
        row.lattice_final_distance,
        Some(sweeps[0].mean_final_distance)
    );
    assert_eq!(row.graph_success, None);
    // The same dataset without its index is the world of map.txt only.
    data.layouts = None;
    assert_eq!(dataset_worlds(&data).unwrap().len(), 1);
}

#[test]
fn a_controlled_model_stops_at_the_next_call_after_a_cancel() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let cancel = AtomicBool::new(false);
    let control = crate::eval::Control {
        cancel: &cancel,
        progress: &|_, _| {},
    };
    let m = Controlled::new(&Linear, &control);
    assert_eq!(m.predict(&[0.0, 0.0], &[4]).unwrap(), [1.0, 0.0]);
    let world = World::default();
    let mut p = MpcPlanner::new(&m, MpcConfig::default()).unwrap();
    assert!(p
        .run(&world, lattice_tile(0, 0), lattice_tile(1, 0))
        .is_ok());
    assert!(m.calls() > 2);
    cancel.store(true, Ordering::Relaxed);
    let e = p
        .run(&world, lattice_tile(0, 0), lattice_tile(1, 0))
        .unwrap_err();
    assert!(matches!(e, ModelError::Cancelled), "{e}");
}

#[test]
fn buildable_names_the_planners_that_cannot_be_built_and_keeps_the_others() {
    let mut data = generate_dataset(Preset::RandomWalk, 2, Some(30), 1, None).unwrap();
    let h = encode_dataset(&OneHot, &data).unwrap();
    let graph = HGraph::build(&h, OneHot.dim(), &data).unwrap();
    let lh = encode_dataset(&Linear, &data).unwrap();
    let kinds = [PlannerKind::Lattice, PlannerKind::Graph, PlannerKind::Mpc];
    let with = |data: &worldbench_storage::Dataset| {
        let inputs = PlannerInputs {
            model: &Linear,
            graph: &graph,
            h: &lh,
            data,
            lattice: LatticeConfig::default(),
            mpc: MpcConfig::default(),
        };
        buildable(&kinds, &inputs)
    };
    assert_eq!(with(&data), (kinds.to_vec(), vec![]));
    // Data whose actions are all no-ops gives the lattice no move to take a delta of.
    data.actions.fill(crate::world::action::NOOP);
    let (ok, failed) = with(&data);
    assert_eq!(ok, [PlannerKind::Graph, PlannerKind::Mpc]);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].planner, "lattice");
    assert!(
        failed[0].error.contains("no move transitions"),
        "{failed:?}"
    );
}
