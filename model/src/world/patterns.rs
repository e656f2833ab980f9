//! Seeded, deterministic movement patterns that produce the action sequences of generated episodes.
//!
//! Each pattern simulates a copy of the world from its current position (so walls are respected) and
//! returns exactly `steps` action ids. The same world, step count and RNG state give the same actions.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{action, World, LATTICE_SIZE, LATTICE_X0, LATTICE_Y0, STEP_PX};
use crate::error::ModelError;

/// Largest lattice coordinate.
const MAX_CELL: i32 = LATTICE_SIZE as i32 - 1;

/// A named movement pattern for dataset generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// [`random_corner_loops`]: the researchers' default.
    CornerLoops,
    /// [`random_walk`].
    RandomWalk,
    /// [`coverage`]: a boustrophedon sweep.
    Coverage,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::CornerLoops, Preset::RandomWalk, Preset::Coverage];

    /// The name used on the command line and in `dataset.json`.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::CornerLoops => "corner-loops",
            Preset::RandomWalk => "random-walk",
            Preset::Coverage => "coverage",
        }
    }

    /// The actions of one episode of `steps` actions (when `None`: corner-loops draws 150..=300,
    /// the others use 200).
    pub fn actions(self, world: &World, steps: Option<usize>, rng: &mut ChaCha8Rng) -> Vec<u8> {
        match self {
            Preset::CornerLoops => {
                let steps = steps.unwrap_or_else(|| rng.random_range(150..=300));
                random_corner_loops(world, steps, rng)
            }
            Preset::RandomWalk => random_walk(world, steps.unwrap_or(200), rng),
            Preset::Coverage => coverage(world, steps.unwrap_or(200), rng),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                ModelError::Invalid(format!(
                    "unknown preset \"{s}\": expected corner-loops, random-walk or coverage"
                ))
            })
    }
}

/// Simulates a world while recording actions, up to a fixed number of actions.
struct Walker<'a> {
    world: World,
    actions: Vec<u8>,
    limit: usize,
    rng: &'a mut ChaCha8Rng,
    /// Probability of a noop before each move.
    noop_prob: f64,
}

impl<'a> Walker<'a> {
    fn new(world: &World, limit: usize, rng: &'a mut ChaCha8Rng, noop_prob: f64) -> Self {
        Self {
            world: world.clone(),
            actions: Vec::with_capacity(limit),
            limit,
            rng,
            noop_prob,
        }
    }

    fn full(&self) -> bool {
        self.actions.len() >= self.limit
    }

    /// Lattice coordinates `(ix, iy)` of the agent, each in `0..9`.
    fn cell(&self) -> (i32, i32) {
        let (x, y) = self.world.position();
        ((x - LATTICE_X0) / STEP_PX, (y - LATTICE_Y0) / STEP_PX)
    }

    /// Records a move (maybe preceded by a noop); returns whether the agent moved.
    fn act(&mut self, a: u8) -> bool {
        if self.full() {
            return false;
        }
        if self.rng.random_bool(self.noop_prob) {
            self.actions.push(action::NOOP);
            if self.full() {
                return false;
            }
        }
        self.actions.push(a);
        self.world.step(a)
    }

    fn random_move(&mut self) -> u8 {
        action::MOVES[self.rng.random_range(0..4)]
    }

    /// Walks toward lattice cell `(tx, ty)` along the larger offset first (random on ties); a blocked
    /// move is followed by a random one. Gives up after a bounded number of moves.
    fn go_to(&mut self, tx: i32, ty: i32) {
        let mut tries = 0;
        while !self.full() && self.cell() != (tx, ty) && tries < 4 * LATTICE_SIZE * LATTICE_SIZE {
            tries += 1;
            let (x, y) = self.cell();
            let horizontal = if x == tx {
                false
            } else if y == ty {
                true
            } else {
                self.rng.random_bool(0.5)
            };
            let a = match (horizontal, tx > x, ty > y) {
                (true, true, _) => action::RIGHT,
                (true, false, _) => action::LEFT,
                (false, _, true) => action::DOWN,
                (false, _, false) => action::UP,
            };
            if !self.act(a) {
                let r = self.random_move();
                self.act(r);
            }
        }
    }

    /// Random moves until full.
    fn fill_random(&mut self) {
        while !self.full() {
            let a = self.random_move();
            self.act(a);
        }
    }

    fn finish(self) -> Vec<u8> {
        self.actions
    }
}

/// A few moves toward the centre, a stretch of random steps that stay off the edges, then three
/// rectangular loops along the walls (inset 0..=3 cells, clockwise or counter-clockwise at random,
/// starting from the nearest corner), with noops mixed in; random steps fill what is left.
pub fn random_corner_loops(world: &World, steps: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut w = Walker::new(world, steps, rng, 0.08);
    let centre = MAX_CELL / 2;
    let toward_centre = w.rng.random_range(2..=4);
    for _ in 0..toward_centre {
        let (x, y) = w.cell();
        let mut options = Vec::with_capacity(2);
        if x != centre {
            options.push(if x < centre {
                action::RIGHT
            } else {
                action::LEFT
            });
        }
        if y != centre {
            options.push(if y < centre { action::DOWN } else { action::UP });
        }
        if options.is_empty() {
            break;
        }
        let a = options[w.rng.random_range(0..options.len())];
        w.act(a);
    }
    let wander = w.rng.random_range(15..=40);
    for _ in 0..wander {
        let (x, y) = w.cell();
        let inner: Vec<u8> = action::MOVES
            .into_iter()
            .filter(|&a| {
                let (dx, dy) = action::delta(a);
                let (nx, ny) = (x + dx.signum(), y + dy.signum());
                (1..MAX_CELL).contains(&nx) && (1..MAX_CELL).contains(&ny)
            })
            .collect();
        let a = if inner.is_empty() {
            w.random_move()
        } else {
            inner[w.rng.random_range(0..inner.len())]
        };
        w.act(a);
    }
    for _ in 0..3 {
        let d = w.rng.random_range(0..=3);
        let mut corners = [
            (d, d),
            (MAX_CELL - d, d),
            (MAX_CELL - d, MAX_CELL - d),
            (d, MAX_CELL - d),
        ];
        if w.rng.random_bool(0.5) {
            corners.reverse();
        }
        let (x, y) = w.cell();
        let first = (0..4)
            .min_by_key(|&i| (corners[i].0 - x).abs() + (corners[i].1 - y).abs())
            .unwrap_or(0);
        for k in 0..=4 {
            let (tx, ty) = corners[(first + k) % 4];
            w.go_to(tx, ty);
        }
    }
    w.fill_random();
    w.finish()
}

/// Uniformly random moves with 10 % noops.
pub fn random_walk(world: &World, steps: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut w = Walker::new(world, steps, rng, 0.1);
    w.fill_random();
    w.finish()
}

/// A boustrophedon sweep: row by row to the far side and one cell up, to the top; then the same
/// sweep back down; repeated until `steps` actions. 5 % noops.
pub fn coverage(world: &World, steps: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut w = Walker::new(world, steps, rng, 0.05);
    while !w.full() {
        let before = w.actions.len();
        let (_, y0) = w.cell();
        let rows: Vec<i32> = if y0 >= MAX_CELL / 2 {
            (0..=y0).rev().collect()
        } else {
            (y0..=MAX_CELL).collect()
        };
        for y in rows {
            let (x, _) = w.cell();
            let far = if x <= MAX_CELL / 2 { MAX_CELL } else { 0 };
            w.go_to(x, y);
            w.go_to(far, y);
        }
        if w.actions.len() == before {
            // Nothing could move (walled in): keep the count exact.
            w.fill_random();
        }
    }
    w.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp, clippy::naive_bytecount)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;
    use crate::world::Tile;

    fn visited(world: &World, actions: &[u8]) -> (HashSet<Tile>, HashSet<(Tile, u8)>) {
        let mut w = world.clone();
        let mut tiles = HashSet::from([w.tile()]);
        let mut moves = HashSet::new();
        for &a in actions {
            let from = w.tile();
            if w.step(a) {
                moves.insert((from, a));
            }
            tiles.insert(w.tile());
        }
        (tiles, moves)
    }

    #[test]
    fn presets_parse() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
            assert_eq!(p.to_string(), p.name());
        }
        let err = "spiral".parse::<Preset>().unwrap_err().to_string();
        assert!(err.contains("unknown preset \"spiral\""), "{err}");
    }

    #[test]
    fn patterns_are_deterministic_and_exact_length() {
        let world = World::default();
        for p in Preset::ALL {
            let a = p.actions(&world, Some(123), &mut ChaCha8Rng::seed_from_u64(7));
            let b = p.actions(&world, Some(123), &mut ChaCha8Rng::seed_from_u64(7));
            let c = p.actions(&world, Some(123), &mut ChaCha8Rng::seed_from_u64(8));
            assert_eq!(a.len(), 123);
            assert_eq!(a, b, "{p}");
            assert_ne!(a, c, "{p}");
            assert!(a.iter().all(|&x| (x as usize) < action::COUNT));
        }
        let d = Preset::CornerLoops.actions(&world, None, &mut ChaCha8Rng::seed_from_u64(1));
        assert!((150..=300).contains(&d.len()), "{}", d.len());
    }

    #[test]
    fn corner_loops_cover_the_lattice_both_ways() {
        let world = World::default();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut tiles = HashSet::new();
        let mut moves = HashSet::new();
        let mut noops = 0;
        for _ in 0..40 {
            let actions = Preset::CornerLoops.actions(&world, None, &mut rng);
            noops += actions.iter().filter(|&&a| a == action::NOOP).count();
            let (t, m) = visited(&world, &actions);
            tiles.extend(t);
            moves.extend(m);
        }
        assert_eq!(tiles.len(), 81, "visited {} of 81 tiles", tiles.len());
        // Both directions along the bottom edge.
        assert!(moves.contains(&(Tile::new(12, 4), action::RIGHT)));
        assert!(moves.contains(&(Tile::new(12, 4), action::LEFT)));
        // Both directions along the top edge.
        assert!(moves.contains(&(Tile::new(0, 7), action::RIGHT)));
        assert!(moves.contains(&(Tile::new(0, 7), action::LEFT)));
        // 4 moves × 81 tiles minus the 36 that leave the lattice = 288 possible moves.
        assert!(moves.len() >= 280, "{} distinct moves", moves.len());
        assert!(noops > 0);
    }

    #[test]
    fn coverage_sweeps_everything() {
        let world = World::default();
        let actions = coverage(&world, 200, &mut ChaCha8Rng::seed_from_u64(3));
        let (tiles, _) = visited(&world, &actions);
        assert_eq!(tiles.len(), 81);
    }

    #[test]
    fn random_walk_moves() {
        let world = World::default();
        let actions = random_walk(&world, 300, &mut ChaCha8Rng::seed_from_u64(3));
        let (tiles, _) = visited(&world, &actions);
        assert!(tiles.len() > 10, "{}", tiles.len());
    }
}
