//! The on-disk Worldbench workspace (see `../shared/DESIGN.md`, "The workspace on disk").
//!
//! Plain files are the source of truth. Every write goes through [`atomic`]: a temporary file in the
//! same folder, fsync, rename, so a crash never leaves a torn file. This crate knows nothing of candle
//! or egui.

// Tests may unwrap; the library itself may not (the lint still applies to the non-test build).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod assessment;
pub mod atomic;
pub mod checkpoints;
pub mod config_aliases;
pub mod config_keys;
pub mod dataset;
pub mod error;
pub mod failpoint;
pub mod files;
pub mod gate;
pub mod hgraph_cache;
pub mod metrics;
pub mod mutate;
#[cfg(test)]
mod mutation_tests;
pub mod plan_cards;
pub mod planning_metrics;
pub mod provenance;
pub mod queue;
pub mod resumes;
pub mod run;
pub mod run_lock;
pub mod slurm_settings;
pub mod success_criteria;
pub mod sweep;
pub mod tensors;
pub mod their_runs;
pub mod train_config;
pub mod worklog;
pub mod workspace;

pub use dataset::{
    dataset_hash, open_dataset, read_native, read_traj_folder, write_native, write_traj_folder,
    Dataset, DatasetFormat, DatasetInfo, DatasetSource, ACTION_NAMES,
};
pub use error::{Result, StorageError};
pub use gate::{Gate, Hypothesis};
pub use metrics::{read_csv, write_csv, PlanningRow, TrainRow};
pub use run::{git_commit_of, now_rfc3339, RunKind, RunManifest, RunPaths, RunStatus};
pub use slurm_settings::SlurmSettings;
pub use tensors::{
    read_safetensors, write_safetensors, write_safetensors_refs, TensorBlob, TensorRef,
};
pub use workspace::{slugify, timestamp_now, Workspace};
