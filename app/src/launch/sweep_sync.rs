//! Keeping a sweep's `sweep.json` in step with its queue jobs (always under the queue lock, so
//! two writers never lose each other's changes), and `--fail-fast`.

use std::path::Path;

use anyhow::Result;
use worldbench_storage::queue::{JobState, Locked, QueueJob};
use worldbench_storage::sweep::{SweepPaths, SweepState};

/// Rewrites `sweep.json` from the jobs: each cell's status and run are its job's.
pub fn sync(g: &Locked<'_>, sweep: &Path) -> Result<SweepState> {
    let paths = SweepPaths::new(sweep);
    let mut state = SweepState::read(&paths.state())?;
    let jobs = g.jobs()?;
    let mut changed = false;
    for cell in &mut state.cells {
        if cell.job.is_none() {
            // A cell submitted to Slurm: its run's run.json says how it stands.
            if let Some(status) = cell.run.as_deref().and_then(run_status) {
                if cell.status != status {
                    cell.status = status;
                    changed = true;
                }
            }
            continue;
        }
        let Some(job) = cell
            .job
            .as_deref()
            .and_then(|id| jobs.iter().find(|j| j.id == id))
        else {
            continue;
        };
        if cell.status != job.state || cell.run != job.run {
            cell.status = job.state;
            cell.run.clone_from(&job.run);
            changed = true;
        }
    }
    if changed {
        state.write(&paths.state())?;
    }
    Ok(state)
}

/// A run's status as a queue state; `None` while it has not started (no run.json yet).
fn run_status(run: &Path) -> Option<JobState> {
    use worldbench_storage::run_lock::observed_status;
    use worldbench_storage::{RunManifest, RunPaths, RunStatus};
    let paths = RunPaths::new(run);
    let written = RunManifest::read(&paths.manifest()).ok()?.status;
    Some(match observed_status(&paths, written) {
        RunStatus::Running => JobState::Running,
        RunStatus::Completed => JobState::Completed,
        RunStatus::Failed | RunStatus::Interrupted => JobState::Failed,
        RunStatus::Cancelled => JobState::Cancelled,
        // Requeued on Slurm, waiting to restart from `last`.
        RunStatus::Preempted | RunStatus::Pending => JobState::Queued,
    })
}

/// After a job changed: its sweep's sweep.json, and with fail-fast, a failed cell cancels the
/// sweep's queued cells.
pub fn after_settle(g: &Locked<'_>, job: &QueueJob) -> Result<()> {
    let Some(sweep) = job.sweep.as_deref() else {
        return Ok(());
    };
    if !SweepPaths::new(sweep).state().exists() {
        return Ok(());
    }
    let state = sync(g, sweep)?;
    if job.state == JobState::Failed && state.fail_fast {
        for mut other in g.jobs()? {
            if other.sweep.as_deref() == Some(sweep) && other.state == JobState::Queued {
                other.state = JobState::Cancelled;
                other.error = Some(format!("cancelled: job {} failed (fail-fast)", job.id));
                g.save(&other)?;
            }
        }
        sync(g, sweep)?;
    }
    Ok(())
}
