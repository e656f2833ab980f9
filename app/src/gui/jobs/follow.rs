//! Runs this app did not start (found running at start-up, or trained by another process) are
//! followed by polling their run.json and metrics files off the UI thread; a resumed run's job first
//! gets the run's earlier rows, so its curve is the whole run's.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use worldbench_storage::metrics::{read_csv, read_csv_whole_lines};
use worldbench_storage::run_lock;
use worldbench_storage::{PlanningRow, RunManifest, RunPaths, RunStatus, TrainRow};

use super::job::{FollowSnapshot, Update};
use super::supervisor::Sender;
use crate::launch::slurm::state as slurm_state;
use crate::launch::slurm::SlurmState;
use crate::launch::{JobHandle, Launcher};

/// How often a followed run's files are read again.
const FOLLOW_POLL: Duration = Duration::from_secs(1);

/// Sends what a run's metrics files hold so far (before its resumed child starts).
pub(super) async fn send_history(run_dir: PathBuf, sender: &Sender) {
    let read = tokio::task::spawn_blocking(move || read_follow_snapshot(&run_dir)).await;
    if let Ok((Some(snap), _)) = read {
        sender.send(Update::Snapshot(snap)).await;
    }
}

pub(super) async fn follow_run(
    run_dir: PathBuf,
    handle: JobHandle,
    launcher: Arc<dyn Launcher>,
    sender: Sender,
) {
    let mut seen_rows = usize::MAX;
    let mut seen_evals = usize::MAX;
    let mut slurm = match &handle {
        JobHandle::Slurm { job_id } => Some(SlurmProbe::new(job_id.clone())),
        JobHandle::Local { .. } => None,
    };
    loop {
        let dir = run_dir.clone();
        let read = tokio::task::spawn_blocking(move || read_follow_snapshot(&dir)).await;
        let Ok((snapshot, status)) = read else { return };
        if let Some(snap) = snapshot {
            if snap.train.len() != seen_rows || snap.planning.len() != seen_evals {
                seen_rows = snap.train.len();
                seen_evals = snap.planning.len();
                sender.send(Update::Snapshot(snap)).await;
            }
        }
        let dir = run_dir.clone();
        // The run's lock is the truth; the launcher's probe covers runs of versions without it.
        let (h, l) = (handle.clone(), Arc::clone(&launcher));
        let local = slurm.is_none();
        let held = tokio::task::spawn_blocking(move || {
            run_lock::is_held(&RunPaths::new(&dir)) || (local && l.is_alive(&h))
        })
        .await
        .unwrap_or(false);
        // On Slurm: a pending or requeued job is alive though no trainer holds the lock.
        let alive = match &mut slurm {
            Some(probe) if !held => probe.alive().await,
            _ => held,
        };
        match status {
            Some(RunStatus::Running | RunStatus::Preempted) if alive => {}
            None if alive && slurm.is_some() => {}
            // Requeued (or never started) and then cancelled in Slurm's queue: no trainer ran to
            // write `cancelled`, so Slurm's word is the run's end.
            Some(RunStatus::Preempted)
                if slurm.as_ref().and_then(|p| p.state) == Some(SlurmState::Cancelled) =>
            {
                sender.send(Update::FollowEnded(RunStatus::Cancelled)).await;
                return;
            }
            Some(RunStatus::Running) => {
                sender
                    .send(Update::FollowEnded(RunStatus::Interrupted))
                    .await;
                return;
            }
            Some(status) => {
                sender.send(Update::FollowEnded(status)).await;
                return;
            }
            None => {
                let ended = slurm.as_ref().map_or(RunStatus::Failed, SlurmProbe::ended);
                sender.send(Update::FollowEnded(ended)).await;
                return;
            }
        }
        tokio::time::sleep(FOLLOW_POLL).await;
    }
}

/// A followed run's Slurm job, asked with backoff while no trainer holds the run's lock.
struct SlurmProbe {
    job_id: String,
    state: Option<SlurmState>,
    next_at: std::time::Instant,
    attempt: u32,
    unknown: u32,
}

impl SlurmProbe {
    fn new(job_id: String) -> Self {
        Self {
            job_id,
            state: None,
            next_at: std::time::Instant::now(),
            attempt: 0,
            unknown: 0,
        }
    }

    async fn alive(&mut self) -> bool {
        if std::time::Instant::now() >= self.next_at {
            let id = self.job_id.clone();
            let state = tokio::task::spawn_blocking(move || {
                slurm_state::query(std::slice::from_ref(&id))
                    .get(&id)
                    .copied()
            })
            .await
            .ok()
            .flatten();
            self.attempt = if state == self.state {
                self.attempt + 1
            } else {
                0
            };
            self.unknown = if state.is_none() { self.unknown + 1 } else { 0 };
            self.state = state;
            self.next_at = std::time::Instant::now() + slurm_state::backoff(self.attempt);
        }
        match self.state {
            Some(s) => !s.is_final(),
            // Just submitted, or a tool that did not answer: a few tries before giving up.
            None => self.unknown < 5,
        }
    }

    /// How a run that never wrote run.json ended, from Slurm's last word.
    fn ended(&self) -> RunStatus {
        match self.state {
            Some(SlurmState::Cancelled) => RunStatus::Cancelled,
            _ => RunStatus::Failed,
        }
    }
}

/// Reads a run's metrics and status; unreadable files give what could be read.
pub(super) fn read_follow_snapshot(run_dir: &Path) -> (Option<FollowSnapshot>, Option<RunStatus>) {
    let paths = RunPaths::new(run_dir);
    let manifest = RunManifest::read(&paths.manifest()).ok();
    let total_steps = manifest.as_ref().map_or(0, |m| m.config.steps);
    let train = read_csv_whole_lines::<TrainRow>(&paths.train_csv()).unwrap_or_default();
    let planning = read_csv::<PlanningRow>(&paths.planning_csv()).unwrap_or_default();
    (
        Some(FollowSnapshot {
            train,
            planning,
            total_steps,
        }),
        manifest.map(|m| m.status),
    )
}
