//! Tiles of the 14 × 16 tile map: `(row, col)`, parsed from and shown as `"row,col"`.

use std::fmt;
use std::str::FromStr;

use crate::error::ModelError;

/// One tile of the map, `row` in `0..14` and `col` in `0..16` for tiles inside the map.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Tile {
    pub row: i16,
    pub col: i16,
}

impl Tile {
    pub const fn new(row: i16, col: i16) -> Self {
        Self { row, col }
    }

    /// The tile under the agent at pixel position `(x, y)`: `(y // 4, x // 4)`.
    pub const fn of_position(x: i32, y: i32) -> Self {
        Self {
            row: (y.div_euclid(super::TILE_PX)) as i16,
            col: (x.div_euclid(super::TILE_PX)) as i16,
        }
    }

    /// As stored in a dataset's `tile` array: `[row, col]`.
    pub const fn to_array(self) -> [i16; 2] {
        [self.row, self.col]
    }

    pub const fn from_array(rc: [i16; 2]) -> Self {
        Self {
            row: rc[0],
            col: rc[1],
        }
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.row, self.col)
    }
}

impl FromStr for Tile {
    type Err = ModelError;

    /// Parses `"row,col"` (spaces around the numbers are allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ModelError::Invalid(format!(
                "expected a tile as row,col (e.g. 12,1), got \"{s}\""
            ))
        };
        let (r, c) = s.split_once(',').ok_or_else(bad)?;
        let row = r.trim().parse::<i16>().map_err(|_| bad())?;
        let col = c.trim().parse::<i16>().map_err(|_| bad())?;
        Ok(Self { row, col })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let t: Tile = "12,1".parse().unwrap();
        assert_eq!(t, Tile::new(12, 1));
        assert_eq!(t.to_string(), "12,1");
        assert_eq!(" 7 , 8 ".parse::<Tile>().unwrap(), Tile::new(7, 8));
    }

    #[test]
    fn rejects_non_numeric() {
        let err = "a,b".parse::<Tile>().unwrap_err().to_string();
        assert_eq!(err, "expected a tile as row,col (e.g. 12,1), got \"a,b\"");
        assert!("12".parse::<Tile>().is_err());
        assert!("1,2,3".parse::<Tile>().is_err());
    }

    #[test]
    fn tile_of_position() {
        assert_eq!(Tile::of_position(4, 48), Tile::new(12, 1));
        assert_eq!(Tile::of_position(34, 30), Tile::new(7, 8));
    }
}
