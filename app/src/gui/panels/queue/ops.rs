//! The Queue view's file work, run off the UI thread as a [`Task`]: reading the workspace's queue
//! (with the progress of its running jobs) and changing it under the queue's lock with the same
//! verbs as `worldbench queue cancel|requeue|move`.

use std::path::Path;

use worldbench_storage::metrics::read_csv;
use worldbench_storage::queue::{JobState, Queue, QueueJob};
use worldbench_storage::{RunManifest, RunPaths, TrainRow};

use crate::launch::queue_verbs::{cancel_job, requeue_job};
use crate::launch::sweep_sync::after_settle;

/// A change to the queue asked for in the Queue view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOp {
    Cancel(String),
    Requeue(String),
    /// Move the job to this position (0 = first).
    Move(String, usize),
}

/// A job as the view shows it: with its run's progress while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub job: QueueJob,
    /// (steps done, total steps) of a running job's run.
    pub progress: Option<(u64, u64)>,
    /// Whether a process holds the running job's lock (its worker is alive).
    pub worker_alive: bool,
}

/// What one read of the queue found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueSnapshot {
    pub rows: Vec<QueueRow>,
}

impl QueueSnapshot {
    pub fn count(&self, state: JobState) -> usize {
        self.rows.iter().filter(|r| r.job.state == state).count()
    }

    /// Whether some process works the queue now (a running job's worker is alive).
    pub fn is_worked(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.job.state == JobState::Running && r.worker_alive)
    }
}

/// Reads the queue of the workspace at `ws` (without its lock: each job file is whole).
pub fn read(ws: &Path) -> Result<QueueSnapshot, String> {
    let queue = Queue::of_workspace(ws);
    let jobs = queue.list().map_err(|e| e.to_string())?;
    let rows = jobs
        .into_iter()
        .map(|job| {
            let running = job.state == JobState::Running;
            QueueRow {
                progress: job.run.as_deref().filter(|_| running).and_then(progress),
                worker_alive: running && queue.worker_alive(&job.id),
                job,
            }
        })
        .collect();
    Ok(QueueSnapshot { rows })
}

fn progress(run: &Path) -> Option<(u64, u64)> {
    let paths = RunPaths::new(run);
    let total = RunManifest::read(&paths.manifest()).ok()?.config.steps;
    let rows: Vec<TrainRow> = read_csv(&paths.train_csv()).unwrap_or_default();
    Some((rows.last().map_or(0, |r| r.step), total))
}

/// Applies `op` under the queue's lock, then reads the queue again.
pub fn apply(ws: &Path, op: &QueueOp) -> Result<QueueSnapshot, String> {
    let queue = Queue::of_workspace(ws);
    {
        let g = queue.lock().map_err(|e| e.to_string())?;
        g.reconcile().map_err(|e| e.to_string())?;
        match op {
            QueueOp::Move(id, position) => g.move_to(id, *position).map_err(|e| e.to_string())?,
            QueueOp::Cancel(id) | QueueOp::Requeue(id) => {
                let mut job = g.job(id).map_err(|e| e.to_string())?;
                let (changed, verb) = match op {
                    QueueOp::Cancel(_) => (cancel_job(&mut job), "cancelled: it has ended"),
                    _ => (
                        requeue_job(&mut job),
                        "queued again: only failed or cancelled jobs can",
                    ),
                };
                if !changed {
                    return Err(format!(
                        "job {id} ({}) cannot be {verb}",
                        job.state.as_str()
                    ));
                }
                g.save(&job).map_err(|e| e.to_string())?;
                after_settle(&g, &job).map_err(|e| e.to_string())?;
            }
        }
    }
    read(ws)
}

/// The `worldbench` arguments of the job that works the queue (`queue work`).
pub fn work_args() -> Vec<String> {
    vec!["queue".into(), "work".into()]
}

#[cfg(test)]
mod tests {
    use worldbench_storage::metrics::write_csv;
    use worldbench_storage::queue::NewJob;
    use worldbench_storage::train_config::TrainConfig;

    use super::*;

    fn row(step: u64) -> TrainRow {
        TrainRow {
            step,
            wall_s: 1.0,
            loss: 1.0,
            loss_pred: 0.5,
            loss_var: 0.3,
            loss_cov: 0.2,
            lr: 0.001,
            h_std: 0.5,
            h_norm: 1.0,
            steps_per_s: 10.0,
        }
    }

    #[test]
    fn a_running_job_reads_its_runs_progress_and_a_dead_worker_is_seen() {
        let ws = tempfile::tempdir().unwrap();
        let run = RunPaths::new(ws.path().join("runs").join("r"));
        run.create_dirs().unwrap();
        let manifest = RunManifest {
            config: TrainConfig {
                steps: 400,
                ..TrainConfig::default()
            },
            ..RunManifest::default()
        };
        manifest.write(&run.manifest()).unwrap();
        write_csv(&run.train_csv(), &[row(20), row(140)]).unwrap();
        let q = Queue::of_workspace(ws.path());
        {
            let g = q.lock().unwrap();
            let mut job = g.add(NewJob::default()).unwrap();
            job.state = JobState::Running;
            job.run = Some(run.root.clone());
            g.save(&job).unwrap();
            g.add(NewJob::default()).unwrap();
        }
        let snap = read(ws.path()).unwrap();
        assert_eq!(snap.rows[0].progress, Some((140, 400)));
        assert_eq!(snap.rows[1].progress, None);
        // No process holds the job's lock: nothing works the queue.
        assert!(!snap.rows[0].worker_alive && !snap.is_worked());
        assert_eq!(
            (snap.count(JobState::Running), snap.count(JobState::Queued)),
            (1, 1)
        );
        // A change settles the job whose worker is gone, then moves the other first.
        let after = apply(ws.path(), &QueueOp::Move("000002".into(), 0)).unwrap();
        let ids: Vec<&str> = after.rows.iter().map(|r| r.job.id.as_str()).collect();
        assert_eq!(ids, ["000002", "000001"]);
        assert_ne!(after.rows[1].job.state, JobState::Running);
        let e = apply(ws.path(), &QueueOp::Requeue("000002".into())).unwrap_err();
        assert!(e.contains("000002") && e.contains("queued"), "{e}");
    }
}
