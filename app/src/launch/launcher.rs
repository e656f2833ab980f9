//! The seam between whoever starts a job (the app's job supervisor, the queue's worker) and
//! whatever runs it: a local child process today ([`super::local::LocalProcess`]), a cluster
//! scheduler tomorrow. A backend starts a job from its typed spec, reports what the job prints and
//! how it ended through the job's [`EventSink`], cancels it, says whether it is still alive, and
//! names where its logs are.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use std::sync::Arc;

use super::spec::JobSpec;

/// How a backend identifies a started job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobHandle {
    /// A process on this machine.
    Local { pid: u32 },
    /// A Slurm job (`123`, or `120_3` for a task of an array).
    Slurm { job_id: String },
}

impl JobHandle {
    /// The process id, for a job that is a local process.
    pub fn pid(&self) -> Option<u32> {
        match self {
            Self::Local { pid } => Some(*pid),
            Self::Slurm { .. } => None,
        }
    }
}

/// What [`Launcher::run`] returns: the job's whole life, run on the caller's tokio runtime.
pub type LaunchFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// What a backend reports about a job, in order: `Spawned` (or `SpawnFailed`), its output lines,
/// then `Exited`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchEvent {
    Spawned(JobHandle),
    SpawnFailed(String),
    Stdout(String),
    Stderr(String),
    Exited { success: bool, code: Option<i32> },
}

/// Where a job's [`LaunchEvent`]s go (the app's supervisor channel, the queue worker's).
pub trait EventSink: Send + Sync {
    fn event(&self, event: LaunchEvent) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// A shared sink, as backends hold it.
pub type Sink = Arc<dyn EventSink>;

/// A way of running jobs.
pub trait Launcher: Send + Sync {
    /// Shown in the UI ("local process").
    fn name(&self) -> &'static str;

    /// Runs the job to its end: sends `Spawned(handle)` once started (or `SpawnFailed`), then
    /// every output line, then `Exited`. A backend runs `spec.argv()` with the `worldbench` it
    /// knows (here, or on a cluster's nodes).
    fn run(&self, spec: &JobSpec, sink: Sink) -> LaunchFuture;

    /// Asks the job to stop cleanly (a trainer writes `last` first).
    fn cancel(&self, handle: &JobHandle) -> Result<(), String>;

    /// Whether the job is still alive.
    fn is_alive(&self, handle: &JobHandle) -> bool;

    /// The files a job on `run_dir` logs to, for "show logs" and error messages.
    fn log_paths(&self, run_dir: &Path) -> Vec<PathBuf>;
}
