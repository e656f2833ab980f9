//! How a started job ended, read from its run's files: run.json's status and the run lock (see
//! [`crate::run_lock::observed_status`]). Used by the worker when its trainer exits, and by
//! anyone who takes the queue lock for a job whose worker is gone (a crash, a reboot): such a job
//! is settled as its run says, or re-queued — to resume from `last` when the run was interrupted.

use crate::queue::job::{JobState, QueueJob};
use crate::run::{RunManifest, RunPaths, RunStatus};
use crate::run_lock::observed_status;

/// An interrupted job is resumed at most this many times before it is failed.
pub const MAX_ATTEMPTS: u32 = 4;

/// How the worker saw a job's process end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The worker is gone; nobody saw the process end (it may still be running).
    WorkerGone,
    Succeeded,
    /// It exited without success; the error it printed last.
    Failed(String),
}

/// Settles a job whose process is no longer running under a live worker. Returns whether the
/// job changed.
pub fn settle(job: &mut QueueJob, exit: Exit) -> bool {
    // Its trainer goes on: whoever settles next looks again. Until the trainer has taken its run
    // lock, this is all that says it runs (see `Locked::confirm_trainer`).
    // Likewise a job submitted to Slurm: only a Slurm worker, which asks Slurm, settles it.
    if exit == Exit::WorkerGone && (job.trainer_alive() || job.slurm_job_id.is_some()) {
        return false;
    }
    let before = job.clone();
    let manifest = job
        .run
        .as_ref()
        .and_then(|r| RunManifest::read(&RunPaths::new(r).manifest()).ok());
    let now = Some(crate::run::now_rfc3339());
    match manifest {
        None if job.cancel_requested => finish(job, JobState::Cancelled, None),
        None => match exit {
            // A job that is not a training run (the queue benchmark's no-op) has no manifest.
            Exit::Succeeded => finish(job, JobState::Completed, None),
            // The trainer refused to start (bad dataset, …): trying again would fail the same way.
            Exit::Failed(e) => finish(job, JobState::Failed, Some(e)),
            // The worker died before the trainer wrote its manifest: start it again, in the same
            // (still empty) folder.
            Exit::WorkerGone => requeue(job, false),
        },
        Some(m) => {
            let run = RunPaths::new(job.run.clone().unwrap_or_default());
            match observed_status(&run, m.status) {
                // An orphaned trainer still holds its run: it goes on running.
                // A requeued Slurm job restarts from `last` by itself.
                RunStatus::Running | RunStatus::Preempted | RunStatus::Pending => {}
                RunStatus::Completed => finish(job, JobState::Completed, None),
                RunStatus::Failed => finish(job, JobState::Failed, m.error),
                RunStatus::Cancelled => finish(job, JobState::Cancelled, None),
                RunStatus::Interrupted if job.cancel_requested => {
                    finish(job, JobState::Cancelled, None);
                }
                RunStatus::Interrupted if job.attempts >= MAX_ATTEMPTS => finish(
                    job,
                    JobState::Failed,
                    Some(format!(
                        "the trainer was interrupted {} times; resume it by hand with `worldbench train --resume {}`",
                        job.attempts,
                        run.root().display()
                    )),
                ),
                RunStatus::Interrupted => {
                    // Killed before its first checkpoint: nothing to resume; it starts again in
                    // the same folder (`train --run-dir` takes an interrupted run without `last`).
                    let has_last = crate::files::present(&run.last_checkpoint());
                    requeue(job, has_last);
                }
            }
        }
    }
    if job.state.is_final() && job.finished.is_none() {
        job.finished = now;
    }
    *job != before
}

fn finish(job: &mut QueueJob, state: JobState, error: Option<String>) {
    job.state = state;
    job.error = error;
    job.pid = None;
    job.trainer_start = None;
}

fn requeue(job: &mut QueueJob, resume: bool) {
    job.state = JobState::Queued;
    job.resume = resume;
    job.pid = None;
    job.trainer_start = None;
    job.worker_pid = None;
}

pub use super::process::pid_alive;
