//! Sweeps: a grid (or random sample, or list) of training cells × seeds, written by hand as
//! `sweep.toml` and registered as `sweeps/<ts>.<slug>/` with its `sweep.json`.
//!
//! - [`draft`]: a sweep file written from the app's form, checked as `sweep check` would;
//! - [`spec`]: the file, parsed and checked (errors name the file, line and key);
//! - [`lines`]: the line of every key, from the `toml` crate's spans;
//! - [`resolve`]: which keys a sweep may set and the training config a cell resolves to;
//! - [`expand`]: the cells, deterministic, random ones drawn without replacement;
//! - [`state`]: `sweep.json`, each cell's job, run and status;
//! - [`register`]: copying a sweep file into the workspace (once per content);
//! - [`post`]: a sweep's worklog post (Markdown; the app's `report` draws its plots);
//! - [`summary`]: mean ± std per cell, marginals, heatmap, Spearman importance over one metric;
//! - [`parallel`]: the parallel-coordinates chart's layout, for the Sweeps view and the post's PNG.

pub mod draft;
pub mod expand;
pub mod lines;
pub mod parallel;
pub mod post;
pub mod register;
pub mod resolve;
pub mod spec;
pub mod state;
pub mod summary;

#[cfg(test)]
mod tests;

pub use expand::{expand, Cell};
pub use spec::{Method, Params, SweepSpec};
pub use state::{CellState, SweepPaths, SweepState};
