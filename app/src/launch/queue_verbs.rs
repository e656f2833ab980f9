//! The queue's verbs on one job, shared by `worldbench queue`/`sweep` and the app's Queue view:
//! cancel (a running job's trainer is asked to stop) and requeue.

use worldbench_storage::queue::{JobState, QueueJob};
use worldbench_storage::run_lock::holder;
use worldbench_storage::{RunManifest, RunPaths, RunStatus};

use super::send_sigterm;

/// Cancels a queued job at once; asks a running one's trainer to stop (its worker settles it as
/// cancelled). Returns whether the job changed.
pub fn cancel_job(job: &mut QueueJob) -> bool {
    match job.state {
        JobState::Queued => {
            job.state = JobState::Cancelled;
            true
        }
        JobState::Running => {
            job.cancel_requested = true;
            // A job on Slurm: its worker `scancel`s it (its trainer runs on a node).
            if job.slurm_job_id.is_some() {
                return true;
            }
            // Only the recorded trainer itself: its pid may belong to another process since.
            let pid = job.pid.filter(|_| job.trainer_alive()).or_else(|| {
                job.run
                    .as_ref()
                    .and_then(|r| holder(&RunPaths::new(r)))
                    .map(|h| h.pid)
                    .filter(|&p| p != 0)
            });
            if let Some(pid) = pid {
                let _ = send_sigterm(pid);
            }
            true
        }
        _ => false,
    }
}

/// Queues a failed or cancelled job again: a run with `last` that was cancelled or interrupted
/// resumes; a failed run (or one without `last`) starts afresh in a new folder.
pub fn requeue_job(job: &mut QueueJob) -> bool {
    if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
        return false;
    }
    let resumable = job.run.as_ref().is_some_and(|r| {
        let run = RunPaths::new(r);
        let status = RunManifest::read(&run.manifest()).map(|m| m.status);
        worldbench_storage::files::present(&run.last_checkpoint())
            && matches!(status, Ok(RunStatus::Cancelled | RunStatus::Running))
    });
    if !resumable
        && job
            .run
            .as_ref()
            .is_some_and(|r| RunPaths::new(r).manifest().exists())
    {
        job.run = None;
    }
    job.resume = resumable;
    job.state = JobState::Queued;
    job.cancel_requested = false;
    job.attempts = 0;
    job.error = None;
    job.finished = None;
    true
}
