//! One listing line for runs of both kinds: ours (`run.json`, `metrics/train.csv`,
//! `metrics/planning_metrics.csv`) and theirs (nes-ai's trainer), with their annotations.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::annotations::{read_annotations, Annotations};
use super::columns::world_loss_column;
use super::folder::{find_their_runs, last_finite, started_from_folder_name, TheirRun};
use super::status::{their_status, TheirStatus};
use super::table::ColumnTable;
use crate::error::Result;
use crate::run::{RunManifest, RunPaths};

/// Which trainer wrote a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunSource {
    Worldbench,
    NesAi,
}

impl RunSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RunSource::Worldbench => "worldbench",
            RunSource::NesAi => "nes-ai",
        }
    }
}

/// What a run list shows of a run, whichever trainer wrote it.
#[derive(Debug, Clone, Serialize)]
pub struct RunListing {
    pub dir: PathBuf,
    pub source: RunSource,
    /// The annotated title, else run.json's (ours) or "Untitled" (theirs).
    pub title: String,
    /// The dataset: run.json's `dataset_path` (ours), metadata.txt's `data_root` (theirs).
    pub dataset: String,
    /// The last logged step.
    pub steps: Option<u64>,
    /// The last world loss (`loss` ours, `loss_world` theirs).
    pub last_loss: Option<f64>,
    /// The last row of planning_metrics.csv, every column.
    pub last_planning: Vec<(String, f64)>,
    /// Local time the run started (RFC 3339 ours; their folder name as `YYYY-MM-DDTHH:MM:SS`).
    pub started: String,
    pub tags: Vec<String>,
    pub starred: bool,
    pub archived: bool,
    pub notes: String,
    /// Theirs: completed, stopped or unknown, from their files ([`super::status`]); `None` for
    /// ours (run.json's status, which `runs list` reads with the run lock).
    pub status: Option<TheirStatus>,
    /// Why part of the run could not be read (the line is still listed).
    pub error: Option<String>,
}

/// Whether `dir` holds a run of either kind.
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("run.json").is_file() || super::folder::is_their_run(dir)
}

/// An error naming `dir` unless it holds a run of either kind.
pub fn require_run_dir(dir: &Path) -> Result<()> {
    if is_run_dir(dir) {
        return Ok(());
    }
    Err(crate::StorageError::NotFound {
        path: dir.to_path_buf(),
        what: "a run folder: run.json (Worldbench), or metadata.txt or metrics/loss.csv (nes-ai)"
            .into(),
    })
}

/// Every run folder directly under each root (either kind), deduplicated, in root order and by
/// name within a root.
pub fn run_dirs(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for root in roots {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        dirs.retain(|d| d.is_dir() && d.join("run.json").is_file());
        dirs.extend(find_their_runs(root));
        dirs.sort();
        for d in dirs {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// The listing of every run under `roots`.
pub fn list_runs(roots: &[PathBuf]) -> Vec<RunListing> {
    run_dirs(roots)
        .into_iter()
        .map(|d| RunListing::read_or_error(&d))
        .collect()
}

impl RunListing {
    /// Reads the run in `dir`; a part that cannot be read is an error naming its file.
    pub fn read(dir: &Path) -> Result<Self> {
        if dir.join("run.json").exists() {
            Self::read_ours(dir)
        } else {
            Self::read_theirs(dir)
        }
    }

    /// As [`Self::read`], but a run that cannot be read is a line with its error.
    pub fn read_or_error(dir: &Path) -> Self {
        Self::read(dir).unwrap_or_else(|e| {
            let source = if dir.join("run.json").exists() {
                RunSource::Worldbench
            } else {
                RunSource::NesAi
            };
            Self {
                dir: dir.to_path_buf(),
                source,
                title: String::new(),
                dataset: String::new(),
                steps: None,
                last_loss: None,
                last_planning: Vec::new(),
                started: started_from_folder_name(dir).unwrap_or_default(),
                tags: Vec::new(),
                starred: false,
                archived: false,
                notes: String::new(),
                status: None,
                error: Some(e.to_string()),
            }
        })
    }

    fn read_ours(dir: &Path) -> Result<Self> {
        let paths = RunPaths::new(dir);
        let m = RunManifest::read(&paths.manifest())?;
        let train = ColumnTable::read(&paths.train_csv())?.unwrap_or_default();
        let planning = ColumnTable::read(&paths.planning_csv())?.unwrap_or_default();
        let a = read_annotations(dir)?;
        Ok(Self::assemble(
            dir,
            RunSource::Worldbench,
            a,
            m.title,
            m.dataset_path,
            m.started,
            &train,
            &planning,
        ))
    }

    fn read_theirs(dir: &Path) -> Result<Self> {
        let run = TheirRun::read(dir)?;
        let a = read_annotations(dir)?;
        let mut l = Self::assemble(
            dir,
            RunSource::NesAi,
            a,
            "Untitled".into(),
            run.data_root.clone().unwrap_or_default(),
            started_from_folder_name(dir).unwrap_or_default(),
            &run.loss,
            &run.planning,
        );
        l.status = Some(their_status(&run));
        Ok(l)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        dir: &Path,
        source: RunSource,
        a: Annotations,
        own_title: String,
        dataset: String,
        started: String,
        loss: &ColumnTable,
        planning: &ColumnTable,
    ) -> Self {
        let steps = loss.column("step").and_then(last_finite).map(|s| s as u64);
        let last_loss = world_loss_column(loss)
            .and_then(|c| loss.column(c))
            .and_then(last_finite);
        Self {
            dir: dir.to_path_buf(),
            source,
            title: a.title.unwrap_or(own_title),
            dataset,
            steps,
            last_loss,
            last_planning: planning.last_row().unwrap_or_default(),
            started,
            tags: a.tags,
            starred: a.starred,
            archived: a.archived,
            notes: a.notes,
            status: None,
            error: None,
        }
    }

    /// A value of the last planning row.
    pub fn planning(&self, column: &str) -> Option<f64> {
        self.last_planning
            .iter()
            .find(|(n, _)| n == column)
            .map(|(_, v)| *v)
    }
}
