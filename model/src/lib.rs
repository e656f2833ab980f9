//! Worldbench's model crate: the grid world and its dataset generators, the JEPA world model in
//! candle (conv encoder → h, action-conditioned residual predictor), its training loop, and the
//! h-graph planning evaluation of DESIGN.md's metric contract. Knows nothing of egui.
//!
//! The public API is synchronous and cancellable (`train(cfg, …, &progress, &cancel)`); the app wraps it.

pub mod checkpoint;
pub mod ckpt_inspect;
pub mod config;
pub mod cuda;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod nn;
pub mod planners;
pub mod preprocess;
pub mod train;
pub mod world;

pub use encoder::FrameEncoder;
pub use error::{ModelError, Result};
