//! The walls of each layout of a mixed dataset, for the panels that draw its maps (Datasets, H-graph).

use worldbench_storage::dataset::EpisodeLayouts;
use worldbench_widgets::{parse_walls, TileGrid};

/// The walls of each map of `layouts` (`layouts.maps` order); a map that cannot be parsed shows as
/// `fallback` (the dataset's own map).
pub fn layout_walls(layouts: &EpisodeLayouts, fallback: &TileGrid<bool>) -> Vec<TileGrid<bool>> {
    layouts
        .maps
        .iter()
        .map(|m| parse_walls(&m.text).unwrap_or_else(|| fallback.clone()))
        .collect()
}
