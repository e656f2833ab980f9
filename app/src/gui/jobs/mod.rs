//! Jobs: long work (training, evaluation, dataset generation) that runs outside the app's process.
//!
//! - `crate::launch`: what to run, typed ([`JobSpec`], its argv round-tripped by the CLI parser), and
//!   the [`Launcher`] seam with its local child-process backend, shared with the queue's worker.
//! - [`job`]: a job and everything its output told so far; [`Job`] folds each update in (the reducer).
//! - [`supervisor`]: the tokio runtime, the bounded channel that the UI drains once per frame
//!   without blocking, and the list of jobs.
//! - [`follow`]: runs started before this app (or by another process), followed by polling their
//!   files; and the history a resumed run's job starts with.
//!
//! Children get their own process group, so closing the app leaves a training run going; Cancel
//! sends SIGTERM, and the trainer writes `last` before it exits.

mod follow;
mod job;
mod supervisor;

pub use crate::launch::{
    pid_is_live_worldbench, GenerateJob, JobCommand, JobHandle, JobKind, JobSpec, Launcher,
    LocalProcess, TrainJob,
};
pub use job::{Job, JobId, JobNotice, JobState, LossPoint};
pub use supervisor::JobSupervisor;
