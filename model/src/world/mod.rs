//! The built-in grid world (researchers' "basic" theme) and its dataset generators.
//!
//! 14 rows × 16 columns of 4 px tiles; frames are 64 px wide × 56 px high RGB. The floor is black, walls
//! grey, and the agent a white 4 × 4 square drawn inset 2 px in an 8 px box whose top-left corner is the
//! agent position `(x, y)` in pixels. Each move shifts the agent 6 px, so positions form a 9 × 9 lattice:
//! `x ∈ {4, 10, …, 52}`, `y ∈ {0, 6, …, 48}`. The tile of a position is `(y // 4, x // 4)`.

mod generate;
pub mod layouts;
mod map;
pub mod patterns;
mod tile;

use std::collections::VecDeque;

pub use generate::{generate_dataset, generate_dataset_maps};
pub use layouts::{Layout, NamedTest};
pub use map::WorldMap;
pub use patterns::Preset;
pub use tile::Tile;

/// Frame width in pixels.
pub const FRAME_WIDTH: usize = 64;
/// Frame height in pixels.
pub const FRAME_HEIGHT: usize = 56;
/// Bytes of one RGB frame.
pub const FRAME_BYTES: usize = FRAME_WIDTH * FRAME_HEIGHT * 3;
/// Rows of the tile map.
pub const MAP_ROWS: usize = worldbench_storage::dataset::map::MAP_ROWS;
/// Columns of the tile map.
pub const MAP_COLS: usize = worldbench_storage::dataset::map::MAP_COLS;
/// Side of one tile in pixels.
pub const TILE_PX: i32 = 4;
/// Pixels the agent moves per step.
pub const STEP_PX: i32 = 6;
/// Side of the agent's box in pixels (its top-left corner is the agent position).
pub const AGENT_BOX_PX: i32 = 8;
/// Inset of the drawn agent square inside its box, in pixels.
pub const AGENT_INSET_PX: i32 = 2;
/// Side of the drawn agent square in pixels.
pub const AGENT_SIZE_PX: i32 = 4;
/// Positions per lattice axis.
pub const LATTICE_SIZE: usize = 9;
/// Smallest lattice x in pixels.
pub const LATTICE_X0: i32 = 4;
/// Smallest lattice y in pixels.
pub const LATTICE_Y0: i32 = 0;
/// Start position `(x, y)` in pixels.
pub const START_POSITION: (i32, i32) = (4, 48);
/// The tile of the start position.
pub const START_TILE: Tile = Tile::new(
    worldbench_storage::dataset::map::START_TILE_RC[0] as i16,
    worldbench_storage::dataset::map::START_TILE_RC[1] as i16,
);
/// Canonical planning test 1: (start tile, goal tile).
pub const TEST1: (Tile, Tile) = (Tile::new(12, 1), Tile::new(7, 8));
/// Canonical planning test 2: (start tile, goal tile).
pub const TEST2: (Tile, Tile) = (Tile::new(7, 8), Tile::new(7, 10));

/// RGB of the floor.
pub const FLOOR_RGB: [u8; 3] = [0, 0, 0];
/// RGB of walls.
pub const WALL_RGB: [u8; 3] = [128, 128, 128];
/// RGB of the agent.
pub const AGENT_RGB: [u8; 3] = [255, 255, 255];

/// Action ids (the same as `worldbench_storage::dataset::ACTION_NAMES`).
pub mod action {
    pub const NOOP: u8 = 0;
    pub const UP: u8 = 1;
    pub const DOWN: u8 = 2;
    pub const LEFT: u8 = 3;
    pub const RIGHT: u8 = 4;
    /// Number of actions.
    pub const COUNT: usize = 5;
    /// The four moves.
    pub const MOVES: [u8; 4] = [UP, DOWN, LEFT, RIGHT];

    /// The action's name; `"unknown"` for an id past the last action.
    pub fn name(action: u8) -> &'static str {
        worldbench_storage::ACTION_NAMES
            .get(usize::from(action))
            .copied()
            .unwrap_or("unknown")
    }

    /// Pixel displacement `(dx, dy)` of an action; unknown ids do not move.
    pub const fn delta(action: u8) -> (i32, i32) {
        match action {
            UP => (0, -super::STEP_PX),
            DOWN => (0, super::STEP_PX),
            LEFT => (-super::STEP_PX, 0),
            RIGHT => (super::STEP_PX, 0),
            _ => (0, 0),
        }
    }
}

/// Whether pixel position `(x, y)` is on the 9 × 9 lattice.
pub const fn on_lattice(x: i32, y: i32) -> bool {
    let max_x = LATTICE_X0 + STEP_PX * (LATTICE_SIZE as i32 - 1);
    let max_y = LATTICE_Y0 + STEP_PX * (LATTICE_SIZE as i32 - 1);
    x >= LATTICE_X0
        && x <= max_x
        && y >= LATTICE_Y0
        && y <= max_y
        && (x - LATTICE_X0) % STEP_PX == 0
        && (y - LATTICE_Y0) % STEP_PX == 0
}

/// The lattice position whose tile is `tile`, if any.
pub fn position_of_tile(tile: Tile) -> Option<(i32, i32)> {
    let axis = |t: i16, origin: i32| {
        (0..LATTICE_SIZE as i32)
            .map(|i| origin + STEP_PX * i)
            .find(|&p| p.div_euclid(TILE_PX) == i32::from(t))
    };
    Some((axis(tile.col, LATTICE_X0)?, axis(tile.row, LATTICE_Y0)?))
}

/// Index `0..81` of a lattice tile (`row-major` over the lattice: `iy * 9 + ix`), if it is one.
pub fn lattice_index(tile: Tile) -> Option<usize> {
    let (x, y) = position_of_tile(tile)?;
    let ix = ((x - LATTICE_X0) / STEP_PX) as usize;
    let iy = ((y - LATTICE_Y0) / STEP_PX) as usize;
    Some(iy * LATTICE_SIZE + ix)
}

/// The grid world: a map and the agent's position.
#[derive(Debug, Clone)]
pub struct World {
    map: WorldMap,
    /// Agent position `(x, y)` in pixels: the top-left corner of its 8 px box.
    x: i32,
    y: i32,
}

impl Default for World {
    fn default() -> Self {
        Self::new(None)
    }
}

impl World {
    /// A world with the given walls (`None`: no walls), the agent at the start position.
    pub fn new(map: Option<WorldMap>) -> Self {
        Self {
            map: map.unwrap_or_default(),
            x: START_POSITION.0,
            y: START_POSITION.1,
        }
    }

    pub fn map(&self) -> &WorldMap {
        &self.map
    }

    /// Puts the agent back at the start position.
    pub fn reset(&mut self) {
        (self.x, self.y) = START_POSITION;
    }

    /// Agent position `(x, y)` in pixels.
    pub fn position(&self) -> (i32, i32) {
        (self.x, self.y)
    }

    /// The agent's tile.
    pub fn tile(&self) -> Tile {
        Tile::of_position(self.x, self.y)
    }

    /// Moves the agent to a lattice tile that is not a wall.
    pub fn set_tile(&mut self, tile: Tile) -> crate::Result<()> {
        let (x, y) = position_of_tile(tile).ok_or_else(|| {
            crate::ModelError::Invalid(format!(
                "tile {tile} is not one the agent can stand on (rows 0,1,3,4,6,7,9,10,12; cols 1,2,4,5,7,8,10,11,13)"
            ))
        })?;
        if self.map.is_wall(tile) {
            return Err(crate::ModelError::Invalid(format!("tile {tile} is a wall")));
        }
        (self.x, self.y) = (x, y);
        Ok(())
    }

    /// The position an action leads to from `(x, y)`, or `None` when it stays (noop, off the
    /// lattice, or into a wall).
    fn destination(&self, x: i32, y: i32, action: u8) -> Option<(i32, i32)> {
        let (dx, dy) = action::delta(action);
        if (dx, dy) == (0, 0) {
            return None;
        }
        let (nx, ny) = (x + dx, y + dy);
        if !on_lattice(nx, ny) || self.map.is_wall(Tile::of_position(nx, ny)) {
            return None;
        }
        Some((nx, ny))
    }

    /// Takes one action; returns whether the agent moved. Noop, moves off the lattice, moves into a
    /// wall and unknown action ids leave the agent in place.
    pub fn step(&mut self, action: u8) -> bool {
        match self.destination(self.x, self.y, action) {
            Some((x, y)) => {
                (self.x, self.y) = (x, y);
                true
            }
            None => false,
        }
    }

    /// Every lattice tile that is not a wall (row-major over the lattice).
    pub fn lattice_tiles(&self) -> Vec<Tile> {
        (0..LATTICE_SIZE as i32)
            .flat_map(|iy| {
                (0..LATTICE_SIZE as i32).map(move |ix| {
                    Tile::of_position(LATTICE_X0 + STEP_PX * ix, LATTICE_Y0 + STEP_PX * iy)
                })
            })
            .filter(|&t| !self.map.is_wall(t))
            .collect()
    }

    /// The moves that leave `tile`: `(action, destination tile)`, in action order. Empty when
    /// `tile` is not a standable lattice tile.
    pub fn neighbors(&self, tile: Tile) -> Vec<(u8, Tile)> {
        let Some((x, y)) = position_of_tile(tile) else {
            return Vec::new();
        };
        if self.map.is_wall(tile) {
            return Vec::new();
        }
        action::MOVES
            .iter()
            .filter_map(|&a| {
                self.destination(x, y, a)
                    .map(|(nx, ny)| (a, Tile::of_position(nx, ny)))
            })
            .collect()
    }

    /// Fewest moves from `from` to `to` (breadth-first search); `None` when either is not a
    /// standable tile or `to` cannot be reached.
    pub fn shortest_path_len(&self, from: Tile, to: Tile) -> Option<usize> {
        let start = lattice_index(from)?;
        let goal = lattice_index(to)?;
        if self.map.is_wall(from) || self.map.is_wall(to) {
            return None;
        }
        let mut dist = [usize::MAX; LATTICE_SIZE * LATTICE_SIZE];
        let mut tiles = [Tile::new(0, 0); LATTICE_SIZE * LATTICE_SIZE];
        dist[start] = 0;
        tiles[start] = from;
        let mut queue = VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            if i == goal {
                return Some(dist[i]);
            }
            for (_, next) in self.neighbors(tiles[i]) {
                let j = lattice_index(next)?;
                if dist[j] == usize::MAX {
                    dist[j] = dist[i] + 1;
                    tiles[j] = next;
                    queue.push_back(j);
                }
            }
        }
        None
    }

    /// Draws the current frame into `out` (`FRAME_BYTES` bytes, `[56, 64, 3]` RGB).
    ///
    /// # Panics
    /// When `out.len() != FRAME_BYTES`.
    pub fn render_into(&self, out: &mut [u8]) {
        assert_eq!(
            out.len(),
            FRAME_BYTES,
            "render_into needs a [56, 64, 3] buffer"
        );
        out.fill(0);
        let mut fill = |x0: i32, y0: i32, side: i32, rgb: [u8; 3]| {
            for y in y0.max(0)..(y0 + side).min(FRAME_HEIGHT as i32) {
                for x in x0.max(0)..(x0 + side).min(FRAME_WIDTH as i32) {
                    let p = (y as usize * FRAME_WIDTH + x as usize) * 3;
                    out[p..p + 3].copy_from_slice(&rgb);
                }
            }
        };
        if self.map.has_walls() {
            for row in 0..MAP_ROWS as i16 {
                for col in 0..MAP_COLS as i16 {
                    if self.map.is_wall(Tile::new(row, col)) {
                        fill(
                            i32::from(col) * TILE_PX,
                            i32::from(row) * TILE_PX,
                            TILE_PX,
                            WALL_RGB,
                        );
                    }
                }
            }
        }
        fill(
            self.x + AGENT_INSET_PX,
            self.y + AGENT_INSET_PX,
            AGENT_SIZE_PX,
            AGENT_RGB,
        );
    }

    /// The current frame, `[56, 64, 3]` RGB.
    pub fn render(&self) -> Vec<u8> {
        let mut out = vec![0; FRAME_BYTES];
        self.render_into(&mut out);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp, clippy::naive_bytecount)]
mod tests;
