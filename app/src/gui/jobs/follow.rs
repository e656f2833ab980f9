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
        let alive = tokio::task::spawn_blocking(move || {
            run_lock::is_held(&RunPaths::new(&dir)) || l.is_alive(&h)
        })
        .await
        .unwrap_or(false);
        match status {
            Some(RunStatus::Running) if alive => {}
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
                sender.send(Update::FollowEnded(RunStatus::Failed)).await;
                return;
            }
        }
        tokio::time::sleep(FOLLOW_POLL).await;
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
