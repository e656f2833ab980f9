//! Planning many (start, goal) pairs with one planner, tallied over all pairs, pairs in one room and
//! across rooms (of a built-in layout), and long pairs.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use worldbench_storage::metrics::PlannerColumns;
use worldbench_storage::{Dataset, PlanningRow};

use super::{
    action_deltas, GraphPlanner, LatticeConfig, LatticePlanner, MpcConfig, MpcPlanner, Planner,
    PlannerKind, Predictor,
};
use crate::error::{ModelError, Result};
use crate::eval::HGraph;
use crate::world::layouts::{layout_of, parse_layout_seeds};
use crate::world::{Layout, Tile, World, WorldMap};

/// Pairs whose true shortest path has at least this many moves count as long.
pub const LONG_PAIR_MOVES: usize = 7;

/// Successes out of pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub pairs: usize,
    pub successes: usize,
}

impl Tally {
    fn add(&mut self, success: bool) {
        self.pairs += 1;
        self.successes += usize::from(success);
    }

    /// `successes / pairs`, `None` without pairs.
    pub fn fraction(&self) -> Option<f64> {
        (self.pairs > 0).then(|| self.successes as f64 / self.pairs as f64)
    }

    /// `"12/20 (60.0 %)"`, or `"-"` without pairs.
    pub fn text(&self) -> String {
        match self.fraction() {
            Some(f) => format!("{}/{} ({:.1} %)", self.successes, self.pairs, 100.0 * f),
            None => "-".into(),
        }
    }
}

/// One planner's results over a set of pairs.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlannerSweep {
    pub planner: String,
    pub all: Tally,
    /// Pairs in one room of the layout (every pair when the world has no known layout).
    pub same_room: Tally,
    /// Pairs across rooms (or with a door tile).
    pub cross_room: Tally,
    /// Pairs whose shortest path has at least [`LONG_PAIR_MOVES`] moves.
    pub long: Tally,
    /// Mean final latent distance to the goal over all pairs.
    pub mean_final_distance: f64,
    /// Mean of `steps / shortest` over successful pairs.
    pub mean_steps_ratio: f64,
    /// Up to 20 failed pairs.
    pub failures: Vec<(Tile, Tile)>,
}

impl PlannerSweep {
    /// Adds another sweep's counts (e.g. of another held-out layout); means are weighted by pairs.
    pub fn merge(&mut self, other: &PlannerSweep) {
        let (n0, n1) = (self.all.pairs as f64, other.all.pairs as f64);
        let (s0, s1) = (self.all.successes as f64, other.all.successes as f64);
        let mean = |a: f64, wa: f64, b: f64, wb: f64| {
            if wa + wb > 0.0 {
                (a * wa + b * wb) / (wa + wb)
            } else {
                0.0
            }
        };
        self.mean_final_distance =
            mean(self.mean_final_distance, n0, other.mean_final_distance, n1);
        self.mean_steps_ratio = mean(self.mean_steps_ratio, s0, other.mean_steps_ratio, s1);
        for (a, b) in [
            (&mut self.all, other.all),
            (&mut self.same_room, other.same_room),
            (&mut self.cross_room, other.cross_room),
            (&mut self.long, other.long),
        ] {
            a.pairs += b.pairs;
            a.successes += b.successes;
        }
        self.planner.clone_from(&other.planner);
        let room = 20usize.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.iter().take(room));
    }
}

impl PlannerSweep {
    /// This sweep as its planner's columns of planning_metrics.csv.
    pub fn columns(&self) -> PlannerColumns {
        PlannerColumns {
            success: self.all.fraction(),
            long_success: self.long.fraction(),
            final_distance: (self.all.pairs > 0).then_some(self.mean_final_distance),
        }
    }
}

/// Writes each sweep into its planner's columns of `row`.
pub fn write_sweeps(row: &mut PlanningRow, sweeps: &[PlannerSweep]) {
    for s in sweeps {
        row.set_planner(&s.planner, s.columns());
    }
}

/// A world with its built-in layout and seed, when known.
pub type LayoutWorld = (World, Option<(Layout, u64)>);

/// The worlds a dataset's episodes ran in, each with its built-in layout when known: every layout of
/// a mixed dataset, else the world of its map (the default world without one).
pub fn dataset_worlds(data: &Dataset) -> Result<Vec<LayoutWorld>> {
    let parse = |text: &str, what: &str| {
        WorldMap::parse(text).map_err(|e| {
            ModelError::Invalid(format!(
                "dataset {:?}: the map of {what} cannot be used for planning: {e}",
                data.name
            ))
        })
    };
    if let Some(l) = &data.layouts {
        return l
            .maps
            .iter()
            .map(|m| {
                let layout = parse_layout_seeds(&m.layout)
                    .ok()
                    .map(|(l, seeds)| (l, seeds.start));
                Ok((World::new(Some(parse(&m.text, &m.layout)?)), layout))
            })
            .collect();
    }
    let map = match data.map.as_deref() {
        Some(text) => Some(parse(text, "map.txt")?),
        None => None,
    };
    Ok(vec![(World::new(map), layout_of(data))])
}

/// Sweeps each planner of `kinds` over about `pairs` random pairs (seeded) shared out over the
/// dataset's worlds ([`dataset_worlds`]); one merged sweep per planner, in `kinds`' order.
pub fn sweep_dataset(
    kinds: &[PlannerKind],
    inputs: &PlannerInputs<'_>,
    pairs: usize,
    seed: u64,
) -> Result<Vec<PlannerSweep>> {
    let worlds = dataset_worlds(inputs.data)?;
    let per_world = pairs.div_ceil(worlds.len().max(1)).max(1);
    let mut out: Vec<PlannerSweep> = Vec::new();
    for (world, layout) in &worlds {
        let world_pairs = random_pairs(world, per_world, seed);
        for (i, &kind) in kinds.iter().enumerate() {
            let s = if kind == PlannerKind::Graph {
                // Built once per world, not once per pair (it encodes every tile).
                let p = crate::eval::Planner::new(world, inputs.model, inputs.graph)?;
                sweep_with(kind.name(), &world_pairs, *layout, |a, b| {
                    super::graph::run_prepared(&p, inputs.model, world, a, b)
                })?
            } else {
                let mut planner = build_planner(kind, inputs)?;
                sweep(planner.as_mut(), world, &world_pairs, *layout)?
            };
            match out.get_mut(i) {
                Some(t) => t.merge(&s),
                None => out.push(s),
            }
        }
    }
    Ok(out)
}

/// Up to `max_pairs` ordered pairs of distinct standable tiles of `world` that are connected (a
/// seeded random subset when there are more).
pub fn random_pairs(world: &World, max_pairs: usize, seed: u64) -> Vec<(Tile, Tile)> {
    let tiles = world.lattice_tiles();
    let mut pairs: Vec<(Tile, Tile)> = tiles
        .iter()
        .flat_map(|&a| tiles.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
        .filter(|&(a, b)| world.shortest_path_len(a, b).is_some())
        .collect();
    if pairs.len() > max_pairs {
        pairs.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        pairs.truncate(max_pairs);
    }
    pairs
}

/// Plans every pair with `planner` in `world`; `layout` (with its seed) splits same-room from
/// cross-room pairs.
pub fn sweep(
    planner: &mut dyn Planner,
    world: &World,
    pairs: &[(Tile, Tile)],
    layout: Option<(Layout, u64)>,
) -> Result<PlannerSweep> {
    let name = planner.name();
    sweep_with(name, pairs, layout, |a, b| planner.run(world, a, b))
}

/// [`sweep`] with the plans made by `run`.
fn sweep_with(
    name: &str,
    pairs: &[(Tile, Tile)],
    layout: Option<(Layout, u64)>,
    mut run: impl FnMut(Tile, Tile) -> Result<super::Outcome>,
) -> Result<PlannerSweep> {
    let mut out = PlannerSweep {
        planner: name.to_string(),
        ..PlannerSweep::default()
    };
    let (mut dist_sum, mut ratio_sum) = (0f64, 0f64);
    for &(a, b) in pairs {
        let o = run(a, b)?;
        out.all.add(o.success);
        let same = layout.is_none_or(|(l, s)| l.same_room(s, a, b));
        if same {
            out.same_room.add(o.success);
        } else {
            out.cross_room.add(o.success);
        }
        if o.shortest_len >= LONG_PAIR_MOVES {
            out.long.add(o.success);
        }
        dist_sum += f64::from(o.final_distance);
        if o.success {
            ratio_sum += o.steps as f64 / o.shortest_len.max(1) as f64;
        } else if out.failures.len() < 20 {
            out.failures.push((a, b));
        }
    }
    out.mean_final_distance = dist_sum / pairs.len().max(1) as f64;
    out.mean_steps_ratio = ratio_sum / out.all.successes.max(1) as f64;
    Ok(out)
}

/// What building a planner needs: the model, the h-graph of the data, the data's h (one row per
/// frame) for the lattice deltas, and each planner's settings.
pub struct PlannerInputs<'a> {
    pub model: &'a dyn Predictor,
    pub graph: &'a HGraph,
    pub h: &'a [f32],
    pub data: &'a Dataset,
    pub lattice: LatticeConfig,
    pub mpc: MpcConfig,
}

/// A planner that cannot be built from a checkpoint and its data, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlannerFailure {
    pub planner: String,
    pub error: String,
}

/// Splits `kinds` into the planners that can be built from `inputs` (in order) and, for each other
/// one, the reason it cannot (e.g. the lattice planner on an encoder whose move has no latent
/// delta), so that the callers plan with the others.
pub fn buildable(
    kinds: &[PlannerKind],
    inputs: &PlannerInputs<'_>,
) -> (Vec<PlannerKind>, Vec<PlannerFailure>) {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for &kind in kinds {
        match build_planner(kind, inputs) {
            Ok(_) => ok.push(kind),
            Err(e) => failed.push(PlannerFailure {
                planner: kind.name().to_string(),
                error: e.to_string(),
            }),
        }
    }
    (ok, failed)
}

/// The planner of `kind`.
pub fn build_planner<'a>(
    kind: PlannerKind,
    inputs: &PlannerInputs<'a>,
) -> Result<Box<dyn Planner + 'a>> {
    Ok(match kind {
        PlannerKind::Graph => Box::new(GraphPlanner::new(inputs.model, inputs.graph)),
        PlannerKind::Lattice => {
            let deltas = action_deltas(inputs.h, inputs.model.dim(), inputs.data)?;
            Box::new(LatticePlanner::new(inputs.model, deltas, inputs.lattice)?)
        }
        PlannerKind::Mpc => Box::new(MpcPlanner::new(inputs.model, inputs.mpc)?),
    })
}
