//! Built-in layouts: `open`, `two-rooms`, `four-rooms` and `maze`, each a [`WorldMap`] from a seed,
//! with its rooms (for same-room / cross-room planning pairs) and its fixed pair of cross-room tests.
//!
//! Walls sit on lattice tiles (a wall elsewhere blocks nothing). In lattice coordinates `(ix, iy)`
//! (`0..9`, `iy = 8` the bottom row, the start `(0, 8)`):
//! - `open`: no walls; one room.
//! - `two-rooms`: a vertical wall at `ix = 4` (tile column 7, drawn over all 14 tile rows) with one
//!   door at lattice row `iy = seed % 9`; rooms left (`ix < 4`) and right (`ix > 4`), the door in
//!   neither.
//! - `four-rooms`: walls at `ix = 4` and `iy = 4` with one door in each of the four wall segments
//!   (positions drawn from the seed); four rooms of 4 × 4 tiles.
//! - `maze`: a perfect maze (randomized depth-first search, seeded) whose cells are the even lattice
//!   points; every floor tile is in one room.

use std::fmt;
use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{position_of_tile, Tile, WorldMap, LATTICE_SIZE, LATTICE_X0, LATTICE_Y0, STEP_PX};
use super::{MAP_COLS, MAP_ROWS};
use crate::error::ModelError;

const N: usize = LATTICE_SIZE;
const MID: usize = N / 2;

/// A built-in layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    Open,
    TwoRooms,
    FourRooms,
    Maze,
}

/// A named (start, goal) planning test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedTest {
    pub name: &'static str,
    pub start: Tile,
    pub goal: Tile,
}

/// The tile of lattice point `(ix, iy)`.
pub fn lattice_tile(ix: usize, iy: usize) -> Tile {
    Tile::of_position(
        LATTICE_X0 + STEP_PX * ix as i32,
        LATTICE_Y0 + STEP_PX * iy as i32,
    )
}

/// The lattice point `(ix, iy)` of a lattice tile.
pub fn lattice_point(tile: Tile) -> Option<(usize, usize)> {
    let (x, y) = position_of_tile(tile)?;
    Some((
        ((x - LATTICE_X0) / STEP_PX) as usize,
        ((y - LATTICE_Y0) / STEP_PX) as usize,
    ))
}

impl Layout {
    pub const ALL: [Layout; 4] = [
        Layout::Open,
        Layout::TwoRooms,
        Layout::FourRooms,
        Layout::Maze,
    ];

    /// The name used on the command line and in `dataset.json`.
    pub const fn name(self) -> &'static str {
        match self {
            Layout::Open => "open",
            Layout::TwoRooms => "two-rooms",
            Layout::FourRooms => "four-rooms",
            Layout::Maze => "maze",
        }
    }

    /// Which lattice points are walls for `seed`, indexed `iy * 9 + ix`.
    fn lattice_walls(self, seed: u64) -> Vec<bool> {
        let mut walls = vec![false; N * N];
        match self {
            Layout::Open => {}
            Layout::TwoRooms => {
                let door = (seed % N as u64) as usize;
                for iy in (0..N).filter(|&iy| iy != door) {
                    walls[iy * N + MID] = true;
                }
            }
            Layout::FourRooms => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let doors: [usize; 4] = std::array::from_fn(|i| {
                    let k = rng.random_range(0..MID);
                    if i % 2 == 0 {
                        k
                    } else {
                        MID + 1 + k
                    }
                });
                for k in 0..N {
                    walls[k * N + MID] = k != doors[0] && k != doors[1];
                    walls[MID * N + k] = k != doors[2] && k != doors[3];
                }
                walls[MID * N + MID] = true;
            }
            Layout::Maze => {
                walls.fill(true);
                let cells = MID + 1; // 5 × 5 cells on the even lattice points
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut seen = vec![false; cells * cells];
                let start = (0, cells - 1);
                let mut stack = vec![start];
                seen[start.1 * cells + start.0] = true;
                walls[(2 * start.1) * N + 2 * start.0] = false;
                while let Some(&(cx, cy)) = stack.last() {
                    let mut next: Vec<(usize, usize)> = [(0i32, -1i32), (0, 1), (-1, 0), (1, 0)]
                        .iter()
                        .filter_map(|&(dx, dy)| {
                            let (nx, ny) = (cx as i32 + dx, cy as i32 + dy);
                            (nx >= 0 && ny >= 0 && (nx as usize) < cells && (ny as usize) < cells)
                                .then_some((nx as usize, ny as usize))
                        })
                        .filter(|&(nx, ny)| !seen[ny * cells + nx])
                        .collect();
                    if next.is_empty() {
                        stack.pop();
                        continue;
                    }
                    next.shuffle(&mut rng);
                    let (nx, ny) = next[0];
                    seen[ny * cells + nx] = true;
                    walls[(cy + ny) * N + (cx + nx)] = false; // the passage between the two cells
                    walls[(2 * ny) * N + 2 * nx] = false;
                    stack.push((nx, ny));
                }
            }
        }
        walls
    }

    /// The map of this layout for `seed` (`open` ignores the seed). Wall columns and rows are drawn
    /// across the whole map so that the frames show them.
    pub fn map(self, seed: u64) -> WorldMap {
        let lattice = self.lattice_walls(seed);
        let mut text = vec![vec![b'.'; MAP_COLS]; MAP_ROWS];
        for iy in 0..N {
            for ix in 0..N {
                if lattice[iy * N + ix] {
                    let t = lattice_tile(ix, iy);
                    text[t.row as usize][t.col as usize] = b'#';
                }
            }
        }
        if matches!(self, Layout::TwoRooms | Layout::FourRooms) {
            // Fill the non-lattice tiles of the walls too, so the wall reads as a wall: a tile row
            // (column) takes the wall of the last lattice row (column) at or above (left of) it.
            let wall_col = lattice_tile(MID, 0).col as usize;
            let wall_row = lattice_tile(0, MID).row as usize;
            for (row, line) in text.iter_mut().enumerate() {
                let owner = (0..N)
                    .rev()
                    .find(|&iy| lattice_tile(MID, iy).row as usize <= row);
                if owner.is_some_and(|iy| lattice[iy * N + MID]) {
                    line[wall_col] = b'#';
                }
            }
            if self == Layout::FourRooms {
                for (col, cell) in text[wall_row].iter_mut().enumerate() {
                    let owner = (0..N)
                        .rev()
                        .find(|&ix| lattice_tile(ix, MID).col as usize <= col);
                    if owner.is_some_and(|ix| lattice[MID * N + ix]) {
                        *cell = b'#';
                    }
                }
            }
        }
        let joined: Vec<String> = text
            .into_iter()
            .map(|r| String::from_utf8_lossy(&r).into_owned())
            .collect();
        // Built from lattice walls that never cover the start: always a valid map.
        WorldMap::parse(&joined.join("\n")).unwrap_or_default()
    }

    /// The room of a floor lattice tile (`None` for walls, doors and tiles off the lattice). Rooms
    /// are numbered from 0; `open` and `maze` have one room.
    pub fn room_of(self, seed: u64, tile: Tile) -> Option<u8> {
        let (ix, iy) = lattice_point(tile)?;
        if self.lattice_walls(seed)[iy * N + ix] {
            return None;
        }
        match self {
            Layout::Open | Layout::Maze => Some(0),
            Layout::TwoRooms => match ix.cmp(&MID) {
                std::cmp::Ordering::Less => Some(0),
                std::cmp::Ordering::Greater => Some(1),
                std::cmp::Ordering::Equal => None,
            },
            Layout::FourRooms => {
                if ix == MID || iy == MID {
                    None
                } else {
                    Some(u8::from(ix > MID) + 2 * u8::from(iy > MID))
                }
            }
        }
    }

    /// Whether a (start, goal) pair lies in one room (doors count as no room: a pair with a door
    /// tile is cross-room).
    pub fn same_room(self, seed: u64, a: Tile, b: Tile) -> bool {
        matches!((self.room_of(seed, a), self.room_of(seed, b)), (Some(x), Some(y)) if x == y)
    }

    /// This layout's fixed pair of cross-room tests (corner to corner; in `maze`, the corners are
    /// cells and the paths wind through the maze; in `open`, the same corners, no walls).
    pub fn cross_tests(self) -> [NamedTest; 2] {
        let (bl, br, tl, tr) = (
            lattice_tile(0, N - 1),
            lattice_tile(N - 1, N - 1),
            lattice_tile(0, 0),
            lattice_tile(N - 1, 0),
        );
        let (c1, c2) = match self {
            // Bottom-left → bottom-right and top-right → top-left: through the door.
            Layout::Open | Layout::TwoRooms => ((bl, br), (tr, tl)),
            // Diagonally across, through two doors.
            Layout::FourRooms | Layout::Maze => ((bl, tr), (tl, br)),
        };
        let name = |k| match (self, k) {
            (Layout::Open, 1) => "open-cross1",
            (Layout::Open, _) => "open-cross2",
            (Layout::TwoRooms, 1) => "two-rooms-cross1",
            (Layout::TwoRooms, _) => "two-rooms-cross2",
            (Layout::FourRooms, 1) => "four-rooms-cross1",
            (Layout::FourRooms, _) => "four-rooms-cross2",
            (Layout::Maze, 1) => "maze-cross1",
            (Layout::Maze, _) => "maze-cross2",
        };
        [
            NamedTest {
                name: name(1),
                start: c1.0,
                goal: c1.1,
            },
            NamedTest {
                name: name(2),
                start: c2.0,
                goal: c2.1,
            },
        ]
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layout {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layout::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                ModelError::Invalid(format!(
                    "unknown layout \"{s}\": expected open, two-rooms, four-rooms or maze"
                ))
            })
    }
}

/// The layout a generated dataset records in its generator (`layout`, `layout_seed`), if any.
pub fn layout_of(data: &worldbench_storage::Dataset) -> Option<(Layout, u64)> {
    let g = data.generator.as_ref()?;
    let layout = g.get("layout")?.as_str()?.parse().ok()?;
    Some((
        layout,
        g.get("layout_seed")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0),
    ))
}

/// A layout with its seed range, as `eval --layouts two-rooms:0..20` writes it (`maze:3` is one seed,
/// `open` seed 0).
pub fn parse_layout_seeds(text: &str) -> Result<(Layout, std::ops::Range<u64>), ModelError> {
    let bad = |why: &str| {
        ModelError::Invalid(format!(
            "layouts \"{text}\": {why} (expected NAME, NAME:SEED or NAME:FROM..TO)"
        ))
    };
    let (name, seeds) = text.split_once(':').unwrap_or((text, "0"));
    let layout: Layout = name.parse()?;
    let range = if let Some((a, b)) = seeds.split_once("..") {
        let a = a.trim().parse::<u64>().map_err(|_| bad("bad first seed"))?;
        let b = b.trim().parse::<u64>().map_err(|_| bad("bad last seed"))?;
        if b <= a {
            return Err(bad("the range is empty"));
        }
        a..b
    } else {
        let s = seeds.trim().parse::<u64>().map_err(|_| bad("bad seed"))?;
        s..s + 1
    };
    Ok((layout, range))
}

#[cfg(test)]
#[path = "layouts_tests.rs"]
#[allow(clippy::unwrap_used)]
mod tests;
