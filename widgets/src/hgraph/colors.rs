//! How nodes are coloured: by true tile (a 2D colour map over rows and columns), degree,
//! reachability, strongly connected component or step of first visit.

use egui::Color32;

use super::data::GraphData;

/// What a node's colour shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// The node's most frequent true tile: row and column as a 2D colour map.
    #[default]
    Tile,
    /// In-degree + out-degree (log scale).
    Degree,
    /// Fraction of the other nodes reachable.
    Reach,
    /// Strongly connected component (categorical; the largest is red).
    Scc,
    /// Index of the first frame mapped to the node.
    FirstVisit,
}

impl ColorMode {
    pub const ALL: [Self; 5] = [
        Self::Tile,
        Self::Degree,
        Self::Reach,
        Self::Scc,
        Self::FirstVisit,
    ];

    /// The label of the colour-mode selector (also the accessible name tests click).
    pub fn label(self) -> &'static str {
        match self {
            Self::Tile => "True tile",
            Self::Degree => "Degree",
            Self::Reach => "Reachability",
            Self::Scc => "SCC",
            Self::FirstVisit => "First visit",
        }
    }
}

/// Colour of an unknown value (no tile).
pub const UNKNOWN: Color32 = Color32::from_rgb(120, 120, 120);

/// A perceptual ramp (viridis-like) at `t` in 0..=1.
pub fn ramp(t: f32) -> Color32 {
    const STOPS: [[f32; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let c = |k: usize| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * f).round() as u8;
    Color32::from_rgb(c(0), c(1), c(2))
}

/// The 2D tile colour map: blue at the top-left, red at the top-right, green at the bottom-left,
/// yellow at the bottom-right, interpolated bilinearly.
pub fn tile_color(tile: [i16; 2], map_size: [usize; 2]) -> Color32 {
    let [r, g, b] = tile_rgb(tile, map_size);
    Color32::from_rgb(r, g, b)
}

/// [`tile_color`] as plain RGB, for pictures drawn without egui (the worklog's h-graph PNG): the
/// colour of tile (row, col) on a map of `map_size` = (rows, cols); a negative tile (unknown) is
/// grey.
pub fn tile_rgb(tile: [i16; 2], map_size: [usize; 2]) -> [u8; 3] {
    if tile[0] < 0 || tile[1] < 0 {
        return [UNKNOWN.r(), UNKNOWN.g(), UNKNOWN.b()];
    }
    let v = (f32::from(tile[0]) / (map_size[0].max(2) - 1) as f32).clamp(0.0, 1.0);
    let u = (f32::from(tile[1]) / (map_size[1].max(2) - 1) as f32).clamp(0.0, 1.0);
    let corners = [
        [40.0, 90.0, 255.0],
        [255.0, 60.0, 60.0],
        [40.0, 220.0, 90.0],
        [255.0, 230.0, 40.0],
    ];
    let mix = |k: usize| {
        let top = corners[0][k] * (1.0 - u) + corners[1][k] * u;
        let bottom = corners[2][k] * (1.0 - u) + corners[3][k] * u;
        (top * (1.0 - v) + bottom * v).round() as u8
    };
    [mix(0), mix(1), mix(2)]
}

/// A categorical colour for component `id` (golden-ratio hues); `largest` is always red.
pub fn category_color(id: u32, largest: u32) -> Color32 {
    if id == largest {
        return Color32::from_rgb(230, 60, 60);
    }
    let h = (id as f32 * 0.618_034 + 0.3).fract();
    let c = egui::ecolor::Hsva::new(h, 0.55, 0.9, 1.0);
    Color32::from(c)
}

/// Statistics the colour scales and legends need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColorScale {
    pub max_degree: u32,
    pub max_first_step: u32,
    /// Number of strongly connected components and the id of the largest.
    pub scc_count: usize,
    pub largest_scc: u32,
    pub largest_scc_size: usize,
}

impl ColorScale {
    pub fn of(data: &GraphData) -> Self {
        let max_degree = data
            .in_degree
            .iter()
            .zip(&data.out_degree)
            .map(|(a, b)| a + b)
            .max()
            .unwrap_or(0);
        let max_first_step = data.first_step.iter().copied().max().unwrap_or(0);
        let mut sizes: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        for &c in &data.scc {
            *sizes.entry(c).or_default() += 1;
        }
        let (largest_scc, largest_scc_size) = sizes
            .iter()
            .map(|(&c, &s)| (c, s))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .unwrap_or((0, 0));
        Self {
            max_degree,
            max_first_step,
            scc_count: sizes.len(),
            largest_scc,
            largest_scc_size,
        }
    }
}

/// The colour of every node under `mode`.
pub fn node_colors(data: &GraphData, mode: ColorMode, scale: &ColorScale) -> Vec<Color32> {
    let n = data.num_nodes();
    match mode {
        ColorMode::Tile => data
            .node_tile
            .iter()
            .map(|&t| tile_color(t, data.map_size))
            .collect(),
        ColorMode::Degree => {
            let top = ((scale.max_degree as f32) + 1.0).ln().max(1e-6);
            (0..n)
                .map(|i| {
                    let d = (data.in_degree[i] + data.out_degree[i]) as f32;
                    ramp((d + 1.0).ln() / top)
                })
                .collect()
        }
        ColorMode::Reach => data.reach.iter().map(|&r| ramp(r)).collect(),
        ColorMode::Scc => data
            .scc
            .iter()
            .map(|&c| category_color(c, scale.largest_scc))
            .collect(),
        ColorMode::FirstVisit => {
            let top = scale.max_first_step.max(1) as f32;
            data.first_step
                .iter()
                .map(|&s| ramp(s as f32 / top))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_colours() {
        assert_eq!(ramp(0.0), Color32::from_rgb(68, 1, 84));
        assert_eq!(ramp(1.0), Color32::from_rgb(253, 231, 37));
        assert_eq!(ramp(f32::NAN), ramp(0.0));
        assert_eq!(tile_color([0, 0], [14, 16]), Color32::from_rgb(40, 90, 255));
        assert_eq!(
            tile_color([13, 15], [14, 16]),
            Color32::from_rgb(255, 230, 40)
        );
        assert_eq!(tile_color([-1, -1], [14, 16]), UNKNOWN);
        assert_eq!(category_color(4, 4), Color32::from_rgb(230, 60, 60));
        assert_ne!(category_color(1, 4), category_color(2, 4));
    }

    #[test]
    fn scale_finds_largest_component() {
        let mut g = GraphData::synthetic(10, 1, 3);
        g.scc = vec![0, 1, 1, 1, 2, 2, 0, 3, 3, 3];
        let s = ColorScale::of(&g);
        assert_eq!(s.scc_count, 4);
        // Components 1 and 3 both have 3 nodes: the lowest id wins.
        assert_eq!((s.largest_scc, s.largest_scc_size), (1, 3));
        let c = node_colors(&g, ColorMode::Scc, &s);
        assert_eq!(c[2], Color32::from_rgb(230, 60, 60));
        assert_ne!(c[7], c[2]);
    }

    #[test]
    fn tile_rgb_is_deterministic_distinct_and_matches_the_widget() {
        for size in [[14, 16], [5, 7]] {
            let mut seen = std::collections::HashSet::new();
            for r in 0..size[0] as i16 {
                for c in 0..size[1] as i16 {
                    let rgb = tile_rgb([r, c], size);
                    assert_eq!(rgb, tile_rgb([r, c], size));
                    let w = tile_color([r, c], size);
                    assert_eq!(rgb, [w.r(), w.g(), w.b()]);
                    assert!(seen.insert(rgb), "tile {r},{c} of {size:?} repeats {rgb:?}");
                }
            }
        }
        // The corners follow the map's size, not a fixed 14×16.
        assert_eq!(tile_rgb([4, 6], [5, 7]), [255, 230, 40]);
        assert_eq!(tile_rgb([-1, 3], [5, 7]), [120, 120, 120]);
    }
}
