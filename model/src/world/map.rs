//! Tile maps: 14 lines of 16 characters, `'#'` wall and `'.'` floor.

use worldbench_storage::dataset::map::parse_map_walls;

use super::{Tile, MAP_COLS, MAP_ROWS};
use crate::error::{ModelError, Result};

/// Which tiles of the 14 × 16 map are walls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldMap {
    /// `MAP_ROWS * MAP_COLS` flags, row-major; `true` = wall.
    walls: Vec<bool>,
}

impl Default for WorldMap {
    /// All floor.
    fn default() -> Self {
        Self {
            walls: vec![false; MAP_ROWS * MAP_COLS],
        }
    }
}

impl WorldMap {
    /// Parses map text: exactly 14 lines of 16 characters (`'#'` wall, `'.'` floor); a final newline and
    /// `\r\n` line ends are accepted. The start tile (12,1) must be floor. Errors name the line and column.
    /// The parser is storage's (`worldbench_storage::dataset::map`), which checks `map.txt` when a
    /// dataset opens.
    pub fn parse(text: &str) -> Result<Self> {
        parse_map_walls(text)
            .map(|walls| Self { walls })
            .map_err(|e| ModelError::Invalid(format!("map: {e}")))
    }

    /// Whether `tile` is a wall; tiles outside the map count as walls.
    pub fn is_wall(&self, tile: Tile) -> bool {
        if tile.row < 0
            || tile.col < 0
            || tile.row as usize >= MAP_ROWS
            || tile.col as usize >= MAP_COLS
        {
            return true;
        }
        self.walls[tile.row as usize * MAP_COLS + tile.col as usize]
    }

    /// Whether any tile is a wall.
    pub fn has_walls(&self) -> bool {
        self.walls.iter().any(|&w| w)
    }

    /// The map as text: 14 lines of 16 characters, each ending in `'\n'`.
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(MAP_ROWS * (MAP_COLS + 1));
        for row in self.walls.chunks(MAP_COLS) {
            s.extend(row.iter().map(|&w| if w { '#' } else { '.' }));
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    fn floor_text() -> String {
        format!("{}\n", ".".repeat(16)).repeat(14)
    }

    #[test]
    fn round_trips() {
        let mut text = floor_text().into_bytes();
        text[3 * 17 + 5] = b'#';
        let text = String::from_utf8(text).unwrap();
        let map = WorldMap::parse(&text).unwrap();
        assert!(map.is_wall(Tile::new(3, 5)));
        assert!(!map.is_wall(Tile::new(3, 4)));
        assert!(map.is_wall(Tile::new(-1, 0)));
        assert!(map.is_wall(Tile::new(0, 16)));
        assert_eq!(map.to_text(), text);
        assert!(map.has_walls());
        assert!(!WorldMap::parse(&floor_text()).unwrap().has_walls());
    }

    #[test]
    fn errors_name_the_place() {
        let mut text = floor_text().into_bytes();
        text[2 * 17 + 4] = b'x';
        let err = WorldMap::parse(&String::from_utf8(text).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3, column 5"), "{err}");

        let short = floor_text().lines().take(13).collect::<Vec<_>>().join("\n");
        let err = WorldMap::parse(&short).unwrap_err().to_string();
        assert!(err.contains("found 13 lines"), "{err}");

        let mut text = floor_text();
        text.insert(0, '.');
        let err = WorldMap::parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("line 1: expected 16 characters, found 17"),
            "{err}"
        );

        let mut text = floor_text().into_bytes();
        text[12 * 17 + 1] = b'#';
        let err = WorldMap::parse(&String::from_utf8(text).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("start tile 12,1"), "{err}");
    }

    #[test]
    fn accepts_crlf() {
        let text = floor_text().replace('\n', "\r\n");
        assert!(WorldMap::parse(&text).is_ok());
    }
}
