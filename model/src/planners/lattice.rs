//! `lattice`: the delta-lattice planner. Each move's latent effect is the per-dimension median of
//! `h[t+1] − h[t]` over the data's transitions with that action; A* searches the lattice those
//! deltas span from the current h (at most `node_cap` nodes), a node being a goal when its latent
//! point lies within `goal_tolerance × (smallest delta norm)` of the goal's h. Moves whose deltas
//! cancel (`‖d_a + d_b‖` under a quarter of the smaller norm) are treated as inverses, so the
//! lattice's nodes are integer vectors of net moves. It does not know about walls.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use worldbench_storage::Dataset;

use super::{execute, l2, Outcome, Planner};
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::eval::stats::median;
use crate::world::{action, Tile, World};

/// Settings of the lattice planner.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatticeConfig {
    /// Most lattice nodes one search expands.
    pub node_cap: usize,
    /// Goal radius in multiples of the smallest delta norm.
    pub goal_tolerance: f32,
}

impl Default for LatticeConfig {
    fn default() -> Self {
        Self {
            node_cap: 5000,
            goal_tolerance: 0.5,
        }
    }
}

/// The per-dimension median latent delta of each move (`action::MOVES` order) over the transitions
/// of `data` that changed h (frame `i` → `i + 1` in one episode, action `actions[i]`); `h` holds
/// one row per frame. A move into a wall leaves the frame, and so h, as it was: in a walled world
/// such moves can be most of an action's transitions, and their zero would be the median.
pub fn action_deltas(h: &[f32], dim: usize, data: &Dataset) -> Result<Vec<(u8, Vec<f32>)>> {
    let row = |i: usize| &h[i * dim..(i + 1) * dim];
    let mut out = Vec::new();
    for a in action::MOVES {
        let rows: Vec<usize> = (0..data.len().saturating_sub(1))
            .filter(|&i| data.actions[i] == a && data.episode[i] == data.episode[i + 1])
            .filter(|&i| row(i) != row(i + 1))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let delta = (0..dim)
            .map(|j| {
                let v: Vec<f64> = rows
                    .iter()
                    .map(|&i| f64::from(h[(i + 1) * dim + j] - h[i * dim + j]))
                    .collect();
                median(&v) as f32
            })
            .collect();
        out.push((a, delta));
    }
    if out.is_empty() {
        return Err(ModelError::Invalid(format!(
            "dataset {} has no move transitions: the lattice planner has no deltas",
            data.name
        )));
    }
    Ok(out)
}

/// A* over the delta lattice.
pub struct LatticePlanner<'a> {
    encoder: &'a dyn FrameEncoder,
    deltas: Vec<(u8, Vec<f32>)>,
    /// Per delta: (axis, sign) of its net-move counter.
    axes: Vec<(usize, i32)>,
    cfg: LatticeConfig,
    min_norm: f32,
    max_norm: f32,
}

impl<'a> LatticePlanner<'a> {
    pub fn new(
        encoder: &'a dyn FrameEncoder,
        deltas: Vec<(u8, Vec<f32>)>,
        cfg: LatticeConfig,
    ) -> Result<Self> {
        let norms: Vec<f32> = deltas
            .iter()
            .map(|(_, d)| l2(d, &vec![0.0; d.len()]))
            .collect();
        let min_norm = norms.iter().copied().fold(f32::INFINITY, f32::min);
        let max_norm = norms.iter().copied().fold(0.0, f32::max);
        if deltas.is_empty() {
            return Err(ModelError::Invalid(
                "lattice planner: no action deltas were given".into(),
            ));
        }
        let zero: Vec<String> = deltas
            .iter()
            .zip(&norms)
            .filter(|(_, n)| !(**n > 0.0 && n.is_finite()))
            .map(|((a, _), _)| action::name(*a).to_string())
            .collect();
        if !zero.is_empty() {
            return Err(ModelError::Invalid(format!(
                "lattice planner: the latent delta of {} is zero or not finite, so the lattice has \
                 no step along it (the encoder may have collapsed); plan with the other planners",
                zero.join(", ")
            )));
        }
        let mut axes: Vec<(usize, i32)> = Vec::with_capacity(deltas.len());
        let mut next_axis = 0;
        for (i, (_, d)) in deltas.iter().enumerate() {
            let inverse = (0..i).find(|&j| {
                let sum: Vec<f32> = d.iter().zip(&deltas[j].1).map(|(x, y)| x + y).collect();
                l2(&sum, &vec![0.0; sum.len()]) < 0.25 * norms[i].min(norms[j]) && axes[j].1 == 1
            });
            if let Some(j) = inverse {
                axes.push((axes[j].0, -1));
            } else {
                axes.push((next_axis, 1));
                next_axis += 1;
            }
        }
        Ok(Self {
            encoder,
            deltas,
            axes,
            cfg,
            min_norm,
            max_norm,
        })
    }

    fn point(&self, h0: &[f32], key: &[i32]) -> Vec<f32> {
        let mut p = h0.to_vec();
        for (i, (axis, sign)) in self.axes.iter().enumerate() {
            // Only the delta that owns the positive direction of its axis carries the magnitude.
            if *sign == 1 {
                let n = key[*axis] as f32;
                for (x, d) in p.iter_mut().zip(&self.deltas[i].1) {
                    *x += n * d;
                }
            }
        }
        p
    }

    /// The first action of an A* path from `h` to a goal node, or toward the node nearest the goal
    /// when no goal node turns up within the node cap.
    pub fn first_action(&self, h: &[f32], goal: &[f32]) -> Option<u8> {
        let axes = self.axes.iter().map(|a| a.0).max().map_or(0, |m| m + 1);
        let tol = self.cfg.goal_tolerance * self.min_norm;
        let start = vec![0i32; axes];
        let heur = |p: &[f32]| l2(p, goal) / self.max_norm;
        // key → (steps, first action)
        let mut seen: HashMap<Vec<i32>, (u32, Option<u8>)> = HashMap::new();
        let mut heap = BinaryHeap::new();
        let mut counter = 0u64;
        seen.insert(start.clone(), (0, None));
        heap.push(Reverse((heur(h).to_bits(), counter, start)));
        let mut expanded = 0;
        while let Some(Reverse((_, _, key))) = heap.pop() {
            let (g, first) = seen[&key];
            if l2(&self.point(h, &key), goal) <= tol {
                return first;
            }
            if expanded >= self.cfg.node_cap {
                break;
            }
            expanded += 1;
            for (i, (a, _)) in self.deltas.iter().enumerate() {
                let (axis, sign) = self.axes[i];
                let mut next = key.clone();
                next[axis] += sign;
                if seen.get(&next).is_some_and(|&(g2, _)| g2 <= g + 1) {
                    continue;
                }
                let f = (g + 1) as f32 + heur(&self.point(h, &next));
                seen.insert(next.clone(), (g + 1, first.or(Some(*a))));
                counter += 1;
                heap.push(Reverse((f.to_bits(), counter, next)));
            }
        }
        // No goal node within the cap: head for the seen node nearest the goal.
        seen.iter()
            .filter_map(|(key, &(_, first))| Some((l2(&self.point(h, key), goal), first?)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, a)| a)
    }
}

impl Planner for LatticePlanner<'_> {
    fn name(&self) -> &'static str {
        "lattice"
    }

    fn run(&mut self, world: &World, start: Tile, goal: Tile) -> Result<Outcome> {
        let encoder = self.encoder;
        let this = &*self;
        execute(encoder, world, start, goal, |h, g| {
            Ok(this.first_action(h, g))
        })
    }
}
