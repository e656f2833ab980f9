//! The structure of a tile map (`map.txt`): 14 lines of 16 characters, `'#'` wall and `'.'` floor,
//! the start tile floor. The one parser of map text: the model's `WorldMap` is built from it, and a
//! native dataset's `map.txt` is checked with it when the dataset opens.

use super::trajfolder::{START_PIXEL, TILE_PX};

/// Rows of the tile map.
pub const MAP_ROWS: usize = 14;
/// Columns of the tile map.
pub const MAP_COLS: usize = 16;
/// The start tile `[row, col]`: the tile of [`START_PIXEL`].
pub const START_TILE_RC: [usize; 2] = [
    (START_PIXEL.1 / TILE_PX) as usize,
    (START_PIXEL.0 / TILE_PX) as usize,
];

/// What is wrong with a map text; lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("expected {MAP_ROWS} lines of {MAP_COLS} characters, found {found} lines")]
    Lines { found: usize },
    #[error("line {line}: expected {MAP_COLS} characters, found {found}")]
    Width { line: usize, found: usize },
    #[error(
        "line {line}, column {column}: unexpected character {ch:?} (expected '#' wall or '.' floor)"
    )]
    Character {
        line: usize,
        column: usize,
        ch: char,
    },
    #[error(
        "the start tile {},{} (line {}, column {}) must be floor",
        START_TILE_RC[0],
        START_TILE_RC[1],
        START_TILE_RC[0] + 1,
        START_TILE_RC[1] + 1
    )]
    StartIsWall,
}

/// Parses map text into `MAP_ROWS * MAP_COLS` wall flags, row-major (`true` = wall). A final
/// newline and `\r\n` line ends are accepted.
pub fn parse_map_walls(text: &str) -> Result<Vec<bool>, MapError> {
    let lines: Vec<&str> = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if lines.len() != MAP_ROWS {
        return Err(MapError::Lines { found: lines.len() });
    }
    let mut walls = Vec::with_capacity(MAP_ROWS * MAP_COLS);
    for (li, line) in lines.iter().enumerate() {
        let found = line.chars().count();
        if found != MAP_COLS {
            return Err(MapError::Width {
                line: li + 1,
                found,
            });
        }
        for (ci, ch) in line.chars().enumerate() {
            match ch {
                '#' => walls.push(true),
                '.' => walls.push(false),
                ch => {
                    return Err(MapError::Character {
                        line: li + 1,
                        column: ci + 1,
                        ch,
                    })
                }
            }
        }
    }
    if walls[START_TILE_RC[0] * MAP_COLS + START_TILE_RC[1]] {
        return Err(MapError::StartIsWall);
    }
    Ok(walls)
}

/// Checks map text (see [`parse_map_walls`]).
pub fn check_map_text(text: &str) -> Result<(), MapError> {
    parse_map_walls(text).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor() -> String {
        format!("{}\n", ".".repeat(MAP_COLS)).repeat(MAP_ROWS)
    }

    #[test]
    fn each_problem_is_named_with_its_place() {
        assert_eq!(START_TILE_RC, [12, 1]);
        assert_eq!(parse_map_walls(&floor()).unwrap().len(), 14 * 16);
        assert!(check_map_text(&floor().replace('\n', "\r\n")).is_ok());
        let thirteen = format!("{}\n", ".".repeat(MAP_COLS)).repeat(13);
        assert_eq!(
            check_map_text(&thirteen),
            Err(MapError::Lines { found: 13 })
        );
        let mut wide = floor();
        wide.insert(17 * 4, '.');
        assert_eq!(
            check_map_text(&wide).unwrap_err().to_string(),
            "line 5: expected 16 characters, found 17"
        );
        let mut odd = floor().into_bytes();
        odd[2 * 17 + 4] = b'x';
        let e = check_map_text(&String::from_utf8(odd).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column 5: unexpected character 'x' (expected '#' wall or '.' floor)"
        );
        let mut start = floor().into_bytes();
        start[12 * 17 + 1] = b'#';
        let e = check_map_text(&String::from_utf8(start).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the start tile 12,1 (line 13, column 2) must be floor"
        );
        assert_eq!(check_map_text(""), Err(MapError::Lines { found: 1 }));
    }
}
