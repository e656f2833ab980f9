//! One job of the queue: `queue/jobs/<id>.json`, written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};

/// Where a job stands. The same five states name a sweep cell's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued = 0,
    Running = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Completed, failed or cancelled.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// A queued training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueJob {
    /// `000001`, `000002`, … in the order jobs were added.
    pub id: String,
    /// Position in the queue: lower starts first.
    pub order: i64,
    pub state: JobState,
    /// Shown in lists ("hidden width vs lr: lr=0.001 seed=0").
    pub label: String,
    /// The run's title (its folder name is made from it).
    pub title: String,
    /// The `worldbench` arguments of a fresh start, after the program name and without
    /// `--workspace` or `--run-dir` (the worker adds them).
    pub args: Vec<String>,
    /// The run folder, created by the worker just before it starts the trainer.
    #[serde(default)]
    pub run: Option<PathBuf>,
    /// The next start resumes `run` from its `last` checkpoint (`train --resume`).
    #[serde(default)]
    pub resume: bool,
    #[serde(default)]
    pub sweep: Option<PathBuf>,
    #[serde(default)]
    pub cell: Option<String>,
    /// The process that started it (holds `queue/locks/<id>.lock` while the job runs).
    #[serde(default)]
    pub worker_pid: Option<u32>,
    /// The trainer's process.
    #[serde(default)]
    pub pid: Option<u32>,
    /// How many times it was started.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub cancel_requested: bool,
    pub created: String,
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub finished: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

impl QueueJob {
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| StorageError::invalid(path, format!("not a valid queue job: {e}")))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| StorageError::invalid(path, format!("cannot encode the job: {e}")))?;
        crate::atomic::write_atomic(path, &json)
    }
}
