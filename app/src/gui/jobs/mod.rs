//! Jobs: long work (training, evaluation, dataset generation) that runs outside the app's process.
//!
//! - [`spec`]: what to run, typed ([`JobSpec`]); its argv is built in one function that the CLI's own
//!   parser round-trips.
//! - [`job`]: a job and everything its output told so far; [`Job`] folds each update in (the reducer).
//! - [`launcher`]: the [`Launcher`] seam (start, cancel, liveness, logs); [`local`] is its first
//!   backend, a child process of the same `worldbench` binary started with an argv, never a shell.
//! - [`supervisor`]: the tokio runtime, the bounded channel that the UI drains once per frame
//!   without blocking, and the list of jobs.
//! - [`follow`]: runs started before this app (or by another process), followed by polling their
//!   files; and the history a resumed run's job starts with.
//!
//! Children get their own process group, so closing the app leaves a training run going; Cancel
//! sends SIGTERM, and the trainer writes `last` before it exits.

mod follow;
mod job;
mod launcher;
mod local;
mod spec;
mod supervisor;

pub use job::{Job, JobId, JobKind, JobNotice, JobState, LossPoint};
pub use launcher::{JobHandle, Launcher};
pub use local::{pid_is_live_worldbench, LocalProcess};
pub use spec::{GenerateJob, JobCommand, JobSpec, TrainJob};
pub use supervisor::JobSupervisor;
