//! Everything shown of one run of either kind when it is opened (`runs show`, the Runs panel).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::folder::TheirRun;
use super::images::ImageSeries;
use super::listing::{RunListing, RunSource};
use super::mixed_table::MixedTable;
use super::table::ColumnTable;
use crate::checkpoints::checkpoints_of;
use crate::error::{Result, StorageError};
use crate::provenance::{read_git, read_model_diff, ModelDiff};
use crate::run::{RunManifest, RunPaths};

#[derive(Debug, Clone, Serialize)]
pub struct RunDetail {
    pub listing: RunListing,
    /// The whole config: metadata.txt (theirs), run.json's `config` (ours).
    pub config: toml::Table,
    pub git_commit: Option<String>,
    /// The uncommitted `git diff` at launch (theirs: metadata_git.txt; ours: logs/git.diff).
    pub git_diff: Option<String>,
    /// Ours: the config's difference from its preset's defaults, recorded at launch
    /// (logs/model_diff.json); `None` for theirs and for runs launched before it was recorded.
    pub model_diff: Option<ModelDiff>,
    /// Theirs from metadata_model.txt; ours is filled in by the caller (the model counts it).
    pub parameters: Option<u64>,
    /// Theirs from metadata_model.txt; ours is filled in by the caller (the model crate counts it).
    pub flops_per_step: Option<f64>,
    pub model_shape: Option<String>,
    /// loss.csv (theirs) or train.csv (ours), every column.
    pub loss: ColumnTable,
    /// planning_metrics.csv, every column.
    pub planning: ColumnTable,
    /// Theirs: planning_anchor_metrics.csv, every column (empty for ours).
    pub planning_anchor: MixedTable,
    pub checkpoints: Vec<PathBuf>,
    pub images: Vec<ImageSeries>,
}

impl RunDetail {
    pub fn read(dir: &Path) -> Result<Self> {
        super::listing::require_run_dir(dir)?;
        let listing = RunListing::read(dir)?;
        match listing.source {
            RunSource::NesAi => {
                let run = TheirRun::read(dir)?;
                Ok(Self {
                    listing,
                    config: run.config,
                    git_commit: run.git.as_ref().map(|g| g.commit.clone()),
                    git_diff: run.git.map(|g| g.diff),
                    model_diff: None,
                    parameters: run.model.parameters,
                    flops_per_step: run.model.flops_per_step,
                    model_shape: run.model_shape,
                    loss: run.loss,
                    planning: run.planning,
                    planning_anchor: run.planning_anchor,
                    checkpoints: run.checkpoints,
                    images: run.images,
                })
            }
            RunSource::Worldbench => {
                let paths = RunPaths::new(dir);
                let m = RunManifest::read(&paths.manifest())?;
                let config = toml::Table::try_from(&m.config).map_err(|e| {
                    StorageError::invalid(paths.manifest(), format!("config as TOML: {e}"))
                })?;
                let table = |p: PathBuf| -> Result<ColumnTable> {
                    Ok(ColumnTable::read(&p)?.unwrap_or(ColumnTable {
                        path: p,
                        ..ColumnTable::default()
                    }))
                };
                let git = read_git(&paths)?;
                Ok(Self {
                    listing,
                    config,
                    git_commit: git.as_ref().map(|g| g.commit.clone()).or(m.git_commit),
                    git_diff: git.map(|g| g.diff),
                    model_diff: read_model_diff(&paths)?,
                    parameters: None,
                    flops_per_step: None,
                    model_shape: None,
                    loss: table(paths.train_csv())?,
                    planning: table(paths.planning_csv())?,
                    planning_anchor: MixedTable::default(),
                    checkpoints: checkpoints_of(&paths.checkpoints_dir()),
                    images: Vec::new(),
                })
            }
        }
    }
}
