//! Starting `worldbench` jobs outside the caller's process, for the app's job supervisor
//! (`gui::jobs`) and the queue's worker (`commands::queue_work`) alike.
//!
//! - [`spec`]: what to run, typed ([`spec::JobSpec`]); its argv is built in one function that the
//!   CLI's own parser round-trips;
//! - [`launcher`]: the [`launcher::Launcher`] seam (start, cancel, liveness, logs) and the events a
//!   job reports through its [`launcher::EventSink`];
//! - [`local`]: its first backend, a child process of the same `worldbench` binary started with an
//!   argv (never a shell string) in its own process group, so stopping the caller leaves a run going;
//! - [`slurm`]: the second, `sbatch` on a Slurm cluster (`[launch.slurm]` of `worldbench.toml`).
//! - [`queue_verbs`] and [`sweep_sync`]: cancel/requeue of a queue job and keeping a sweep's
//!   `sweep.json` in step with its jobs, shared by the CLI's verbs and the app's Queue view.

pub mod launcher;
pub mod local;
pub mod queue_verbs;
pub mod slurm;
pub mod spec;
pub mod sweep_sync;

pub use launcher::{EventSink, JobHandle, LaunchEvent, Launcher, Sink};
pub use local::{pid_is_live_worldbench, send_sigterm, LocalProcess};
pub use slurm::SlurmLauncher;
pub use spec::{GenerateJob, JobCommand, JobKind, JobSpec, QueuedJob, TrainJob};
