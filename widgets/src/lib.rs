//! Reusable egui widgets of Worldbench. Plain data in (byte slices, numbers, map text); this crate
//! imports neither candle nor storage and knows nothing of training.
//!
//! - [`FrameView`]: an RGB frame enlarged with nearest-neighbour filtering, textures cached in an LRU.
//! - [`TileMap`]: the tile map with walls, a visit heatmap with legend, a path and the current tile.
//! - [`action_histogram`]: frames per action as a bar chart.
//! - [`HGraphView`]: the h-graph (wgpu paint callback or painter fallback), picking, colour modes.

mod action_histogram;
mod frame_view;
mod heatmap;
pub mod hgraph;
mod lru;
mod tile_map;

pub use action_histogram::action_histogram;
pub use frame_view::{FrameKey, FrameView};
pub use heatmap::{coverage_counts, heat_color, parse_walls, ramp_rgb, TileGrid};
pub use hgraph::{GraphData, HGraphView};
pub use lru::Lru;
pub use tile_map::{TileMap, TileMapResponse, TileMarkers};
