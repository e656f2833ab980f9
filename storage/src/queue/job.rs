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
    /// The trainer's process, recorded by its worker (under the queue lock) once it is spawned.
    #[serde(default)]
    pub pid: Option<u32>,
    /// When that process started ([`crate::queue::process::start_identity`]): a pid reused since,
    /// in this boot or after a reboot, is not the trainer.
    #[serde(default)]
    pub trainer_start: Option<String>,
    /// The Slurm job it was submitted as (`queue work --backend slurm`), instead of a local
    /// trainer: its worker follows it with squeue/scontrol.
    #[serde(default)]
    pub slurm_job_id: Option<String>,
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

    /// Whether the trainer recorded for this job is alive (the same process, not its pid reused).
    pub fn trainer_alive(&self) -> bool {
        self.pid
            .is_some_and(|pid| crate::queue::process::is_alive(pid, self.trainer_start.as_deref()))
    }

    /// Records process `pid` as the job's trainer.
    pub fn record_trainer(&mut self, pid: u32) {
        self.pid = Some(pid);
        self.trainer_start = crate::queue::process::start_identity(pid);
    }

    /// Whether process `pid`, which started at `start`, is the trainer this running job records.
    pub fn names_trainer(&self, pid: u32, start: Option<&str>) -> bool {
        self.state == JobState::Running
            && self.pid == Some(pid)
            && self.trainer_start.as_deref() == start
    }
}
