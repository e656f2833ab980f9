//! The h-graph view: plain data in ([`GraphData`]: projected node positions, per-node statistics,
//! edges), drawn with a custom egui_wgpu paint callback ([`gpu`]) or, without wgpu, egui's painter.
//! Picking uses a CPU spatial grid ([`SpatialGrid`]), so hovering stays cheap at a million nodes.

mod colors;
mod data;
pub mod gpu;
mod legend;
mod painter;
mod picking;
mod transform;
mod view;

pub use colors::{category_color, node_colors, ramp, tile_color, ColorMode, ColorScale};
pub use data::{GraphData, GraphEdge};
pub use gpu::{GpuData, GpuTarget, HGraphCallback, HGraphGpuResources, ViewUniform};
pub use painter::PAINTER_MAX_ITEMS;
pub use picking::{point_in_polygon, SpatialGrid};
pub use transform::ViewTransform;
pub use view::{node_radius, Backend, HGraphResponse, HGraphView};
