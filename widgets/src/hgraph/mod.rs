//! The h-graph view: plain data in ([`GraphData`]: projected 3D node positions, per-node
//! statistics, edges), drawn in 2D (pan/zoom, [`ViewTransform`]) or 3D (orbit camera,
//! [`OrbitCamera`]) through one [`Projection`], with a custom egui_wgpu paint callback ([`gpu`]) or,
//! without wgpu, egui's painter. Picking uses a CPU spatial grid ([`SpatialGrid`]), so hovering
//! stays cheap at a million nodes.

mod camera;
mod colors;
mod data;
mod fit;
pub mod gpu;
mod legend;
mod painter;
mod picking;
mod projection;
mod transform;
mod view;

pub use camera::{OrbitCamera, DEFAULT_PITCH, DEFAULT_YAW, FOV_Y, ORBIT_RAD_PER_POINT};
pub use colors::{category_color, node_colors, ramp, tile_color, tile_rgb, ColorMode, ColorScale};
pub use data::{GraphData, GraphEdge};
pub use fit::fit_together;
pub use gpu::{GpuData, GpuTarget, HGraphCallback, HGraphGpuResources, ViewUniform};
pub use painter::PAINTER_MAX_ITEMS;
pub use picking::{point_in_polygon, Planar, SpatialGrid};
pub use projection::{Mat4, Projection};
pub use transform::ViewTransform;
pub use view::{node_radius, Backend, HGraphResponse, HGraphView};
