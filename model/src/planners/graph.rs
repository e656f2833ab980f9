//! `graph`: today's planner over the h-graph of the data, behind the [`Planner`] trait.

use super::{l2, Outcome, Planner};
use crate::encoder::FrameEncoder;
use crate::error::Result;
use crate::eval::{self, HGraph};
use crate::world::{Tile, World, FRAME_HEIGHT, FRAME_WIDTH};

/// Plans by shortest path in the h-graph ([`eval::Planner::run`]).
pub struct GraphPlanner<'a> {
    encoder: &'a dyn FrameEncoder,
    graph: &'a HGraph,
}

impl<'a> GraphPlanner<'a> {
    pub fn new(encoder: &'a dyn FrameEncoder, graph: &'a HGraph) -> Self {
        Self { encoder, graph }
    }
}

impl Planner for GraphPlanner<'_> {
    fn name(&self) -> &'static str {
        "graph"
    }

    fn run(&mut self, world: &World, start: Tile, goal: Tile) -> Result<Outcome> {
        let planner = eval::Planner::new(world, self.encoder, self.graph)?;
        run_prepared(&planner, self.encoder, world, start, goal)
    }
}

/// One plan with an h-graph planner already built for `world` (a sweep builds it once per world:
/// it encodes every tile).
pub(super) fn run_prepared(
    planner: &eval::Planner<'_>,
    encoder: &dyn FrameEncoder,
    world: &World,
    start: Tile,
    goal: Tile,
) -> Result<Outcome> {
    let out = planner.run(start, goal)?;
    let last = out.tiles.last().copied().unwrap_or(start);
    let mut frames = Vec::new();
    for t in [last, goal] {
        let mut w = world.clone();
        w.set_tile(t)?;
        frames.extend(w.render());
    }
    let h = encoder.encode(&frames, FRAME_HEIGHT, FRAME_WIDTH)?;
    let d = encoder.dim();
    Ok(Outcome {
        success: out.success,
        steps: out.steps,
        budget: out.budget,
        shortest_len: out.shortest_len,
        final_distance: l2(&h[..d], &h[d..]),
        tiles: out.tiles,
    })
}
