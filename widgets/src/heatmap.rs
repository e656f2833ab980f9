//! Pure data behind the tile map: walls from map text, visit counts per tile, the heat colour scale.

use egui::Color32;

/// A `rows × cols` grid of values, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileGrid<T> {
    pub rows: usize,
    pub cols: usize,
    /// `rows * cols` values, row-major.
    pub cells: Vec<T>,
}

impl<T: Copy + Default> TileGrid<T> {
    /// A grid filled with `T::default()`.
    pub fn new(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            cells: vec![T::default(); rows * cols],
        }
    }

    /// The value at `[row, col]`, or `None` outside the grid.
    pub fn get(&self, tile: [i16; 2]) -> Option<T> {
        self.index(tile).map(|i| self.cells[i])
    }

    /// The row-major index of `[row, col]`, or `None` outside the grid.
    pub fn index(&self, [r, c]: [i16; 2]) -> Option<usize> {
        let (r, c) = (usize::try_from(r).ok()?, usize::try_from(c).ok()?);
        (r < self.rows && c < self.cols).then_some(r * self.cols + c)
    }
}

/// Walls of map text (`'#'` wall, anything else floor; one line per row). `None` for empty text.
/// Short lines are padded with floor to the longest line.
pub fn parse_walls(text: &str) -> Option<TileGrid<bool>> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .collect();
    let cols = lines.iter().map(|l| l.chars().count()).max()?;
    let mut grid = TileGrid::new(lines.len(), cols);
    for (r, line) in lines.iter().enumerate() {
        for (c, ch) in line.chars().enumerate() {
            grid.cells[r * cols + c] = ch == '#';
        }
    }
    Some(grid)
}

/// Visits per tile: how many of `tiles` fall on each tile of a `rows × cols` grid. Tiles outside
/// the grid are not counted; their number is returned beside the grid.
pub fn coverage_counts(tiles: &[[i16; 2]], rows: usize, cols: usize) -> (TileGrid<u32>, usize) {
    let mut grid: TileGrid<u32> = TileGrid::new(rows, cols);
    let mut outside = 0;
    for &t in tiles {
        match grid.index(t) {
            Some(i) => grid.cells[i] = grid.cells[i].saturating_add(1),
            None => outside += 1,
        }
    }
    (grid, outside)
}

/// The colour of a value at fraction `t` (0..=1, clamped) of its range, from dark blue (low) to
/// yellow (high), as plain RGB: the sweep charts in the app and in the post's PNGs share it.
pub fn ramp_rgb(t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    [lerp(40.0, 250.0), lerp(60.0, 210.0), lerp(140.0, 60.0)]
}

/// The heat colour of `count` visits when the busiest tile has `max` visits: dark blue (1 visit)
/// through purple and orange to yellow (`max`), on a log scale so rare tiles stay visible.
/// `count == 0` is transparent.
pub fn heat_color(count: u32, max: u32) -> Color32 {
    if count == 0 || max == 0 {
        return Color32::TRANSPARENT;
    }
    let t = if max <= 1 {
        1.0
    } else {
        (f64::from(count).ln() / f64::from(max).ln()).clamp(0.0, 1.0)
    };
    // Three stops: (30, 40, 120) -> (180, 50, 140) -> (250, 230, 60).
    let stops = [
        [30.0, 40.0, 120.0],
        [180.0, 50.0, 140.0],
        [250.0, 230.0, 60.0],
    ];
    let (a, b, u) = if t < 0.5 {
        (stops[0], stops[1], t * 2.0)
    } else {
        (stops[1], stops[2], (t - 0.5) * 2.0)
    };
    let mix = |i: usize| (a[i] + (b[i] - a[i]) * u).round() as u8;
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_from_blue_to_yellow_and_clamps() {
        assert_eq!(ramp_rgb(0.0), [40, 60, 140]);
        assert_eq!(ramp_rgb(1.0), [250, 210, 60]);
        assert_eq!(ramp_rgb(-3.0), ramp_rgb(0.0));
        assert_eq!(ramp_rgb(0.5), [145, 135, 100]);
    }

    #[test]
    fn counts_visits_and_outside() {
        let tiles = [[0, 0], [0, 0], [1, 2], [2, 0], [-1, 0], [0, 3]];
        let (g, outside) = coverage_counts(&tiles, 2, 3);
        assert_eq!(g.cells, vec![2, 0, 0, 0, 0, 1]);
        assert_eq!(outside, 3);
        assert_eq!(g.get([1, 2]), Some(1));
        assert_eq!(g.get([2, 2]), None);
    }

    #[test]
    fn walls_from_text() {
        let g = parse_walls("#..\n.#\n").expect("grid");
        assert_eq!((g.rows, g.cols), (2, 3));
        assert_eq!(g.cells, vec![true, false, false, false, true, false]);
        assert!(parse_walls("").is_none());
    }

    #[test]
    fn heat_scale_ends() {
        assert_eq!(heat_color(0, 10), Color32::TRANSPARENT);
        assert_eq!(heat_color(1, 10), Color32::from_rgb(30, 40, 120));
        assert_eq!(heat_color(10, 10), Color32::from_rgb(250, 230, 60));
        assert_eq!(heat_color(1, 1), Color32::from_rgb(250, 230, 60));
    }
}
