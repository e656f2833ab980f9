//! What `queue work --backend slurm` adds to the queue's worker (`queue_work`): the
//! [`SlurmLauncher`] it submits through, `scancel` for running jobs whose cancel was asked
//! (`queue cancel` cannot signal a trainer on a node), and the settling of Slurm jobs whose worker
//! is gone, from Slurm's word (one batched squeue/scontrol call) and the run's files.

use std::collections::HashSet;

use anyhow::{bail, Result};
use worldbench_storage::queue::settle::{settle, Exit};
use worldbench_storage::queue::{JobState, Locked, Queue, QueueJob};
use worldbench_storage::{RunPaths, SlurmSettings, Workspace};

use crate::launch::slurm::{self, SlurmState};
use crate::launch::{JobHandle, Launcher, SlurmLauncher};

/// `[launch.slurm]` and the workspace's absolute path, once `launch check` finds nothing wrong;
/// otherwise an error listing every problem (train, sweep and queue submissions all ask this).
pub fn checked_settings(ws: &Workspace) -> Result<(SlurmSettings, std::path::PathBuf)> {
    let root = std::path::absolute(ws.root())?;
    let settings = SlurmSettings::read(&ws.config_path())?;
    let problems = slurm::check(&settings, &root);
    if !problems.is_empty() {
        bail!(
            "cannot submit to Slurm; nothing was submitted:\n  - {}",
            problems.join("\n  - ")
        );
    }
    Ok((settings, root))
}

/// The launcher of `[launch.slurm]`, once `launch check` finds nothing wrong.
pub fn launcher(ws: &Workspace) -> Result<SlurmLauncher> {
    let (settings, workspace) = checked_settings(ws)?;
    Ok(SlurmLauncher {
        settings,
        workspace,
    })
}

fn slurm_running(jobs: Vec<QueueJob>) -> impl Iterator<Item = (QueueJob, String)> {
    jobs.into_iter().filter_map(|j| {
        let id = j.slurm_job_id.clone()?;
        (j.state == JobState::Running).then_some((j, id))
    })
}

/// `scancel`s each running Slurm job whose cancel was asked, once per worker (`sent`).
pub fn scancel_requested(
    g: &Locked<'_>,
    launcher: &dyn Launcher,
    sent: &mut HashSet<String>,
) -> Result<()> {
    for (job, job_id) in slurm_running(g.jobs()?) {
        if job.cancel_requested && sent.insert(job_id.clone()) {
            if let Err(e) = launcher.cancel(&JobHandle::Slurm { job_id }) {
                eprintln!("job {}: {e}", job.id);
            }
        }
    }
    Ok(())
}

/// Settles the running Slurm jobs whose worker is gone (not `ours`) once Slurm reports them
/// ended, or forgot them after their trainer wrote run.json; returns the jobs that changed.
pub fn follow_orphans(g: &Locked<'_>, queue: &Queue, ours: &[&str]) -> Result<Vec<QueueJob>> {
    let orphans: Vec<(QueueJob, String)> = slurm_running(g.jobs()?)
        .filter(|(j, _)| !ours.contains(&j.id.as_str()) && !queue.worker_alive(&j.id))
        .collect();
    if orphans.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = orphans.iter().map(|(_, id)| id.clone()).collect();
    let states = slurm::state::query(&ids);
    let mut changed = Vec::new();
    for (mut job, job_id) in orphans {
        let exit = match states.get(&job_id) {
            Some(SlurmState::Completed) => Exit::Succeeded,
            Some(s) if s.is_final() => Exit::Failed(ended(&job_id, *s)),
            // Slurm may not answer now: only a run that says how it ended is settled.
            None if job
                .run
                .as_ref()
                .is_some_and(|r| RunPaths::new(r).manifest().exists()) =>
            {
                Exit::Failed(format!("Slurm no longer knows job {job_id}"))
            }
            // Still pending or running, or Slurm did not answer for a job with no run.json yet.
            Some(_) | None => continue,
        };
        if settle(&mut job, exit) {
            g.save(&job)?;
            changed.push(job);
        }
    }
    Ok(changed)
}

/// Why a Slurm job failed when its trainer said nothing.
pub fn ended(job_id: &str, state: SlurmState) -> String {
    format!("Slurm job {job_id} ended {}", state.as_str())
}
