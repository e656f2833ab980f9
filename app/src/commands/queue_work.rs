//! Working the queue: claim the next queued job under the queue lock, start its trainer through
//! [`crate::launch::process`], settle it when the trainer exits, until nothing this worker waits
//! for is queued or running. At most `max_parallel` jobs of the workspace run at once (counting
//! other workers' and orphaned trainers'); each trainer gets its share of the cores as threads.
//!
//! A job resumes (`train --resume <run>`) when its run was interrupted; a fresh job trains in the
//! run folder the worker created for it (`--run-dir`), so the job always knows its run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use worldbench_storage::queue::settings::{cores, QueueSettings};
use worldbench_storage::queue::settle::{settle, Exit};
use worldbench_storage::queue::{FileLock, JobState, Locked, Queue, QueueJob};
use worldbench_storage::{RunPaths, Workspace};

use crate::launch::process::{last_line, spawn, ProcessSpec};

/// How often running trainers are looked at.
const POLL: Duration = Duration::from_millis(10);
/// How often the queue is read when none of our trainers ended.
const RESCAN: Duration = Duration::from_secs(1);

struct Active {
    id: String,
    child: Child,
    stderr_log: PathBuf,
    _lock: FileLock,
}

/// What a worker did.
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkSummary {
    pub started: usize,
    pub completed: usize,
    pub failed: usize,
}

/// Works the queue until nothing `only_sweep` (all jobs when `None`) is queued or running.
pub fn work(ws: &Workspace, only_sweep: Option<&Path>, verbose: bool) -> Result<WorkSummary> {
    let queue = Queue::of_workspace(ws.root());
    let settings = QueueSettings::read(&ws.config_path())?;
    let threads = settings.threads_per_run(cores());
    let exe = std::env::current_exe().context("cannot find this worldbench binary")?;
    let mine = |j: &QueueJob| only_sweep.is_none_or(|s| j.sweep.as_deref() == Some(s));
    let mut active: Vec<Active> = Vec::new();
    let mut summary = WorkSummary::default();
    // The queue is read under its lock when a trainer of ours ended, else once a RESCAN (for other
    // workers' and orphaned trainers' jobs); a trainer's exit is noticed within a POLL.
    let mut rescan_at = Instant::now();
    loop {
        if Instant::now() >= rescan_at {
            let g = queue.lock()?;
            for job in g.reconcile()? {
                super::sweep_sync::after_settle(&g, &job)?;
            }
            let running = g
                .jobs()?
                .iter()
                .filter(|j| j.state == JobState::Running)
                .count();
            for _ in running..settings.max_parallel {
                let Some(a) = start_next(ws, &queue, &g, &exe, threads, &mine)? else {
                    break;
                };
                if verbose {
                    eprintln!("started job {}", a.id);
                }
                summary.started += 1;
                active.push(a);
            }
            let pending = g
                .jobs()?
                .iter()
                .any(|j| mine(j) && matches!(j.state, JobState::Queued | JobState::Running));
            if active.is_empty() && !pending {
                return Ok(summary);
            }
            rescan_at = Instant::now() + RESCAN;
        }
        std::thread::sleep(POLL);
        let mut still = Vec::new();
        for mut a in active {
            match a.child.try_wait() {
                Ok(None) => still.push(a),
                Ok(Some(status)) => {
                    let exit = if status.success() {
                        Exit::Succeeded
                    } else {
                        Exit::Failed(
                            last_line(&a.stderr_log)
                                .unwrap_or_else(|| format!("the trainer exited: {status}")),
                        )
                    };
                    let g = queue.lock()?;
                    let mut job = g.job(&a.id)?;
                    settle(&mut job, exit);
                    g.save(&job)?;
                    drop(a);
                    match job.state {
                        JobState::Completed => summary.completed += 1,
                        JobState::Failed => summary.failed += 1,
                        _ => {}
                    }
                    if verbose {
                        eprintln!("job {}: {}", job.id, job.state.as_str());
                    }
                    super::sweep_sync::after_settle(&g, &job)?;
                    rescan_at = Instant::now();
                }
                Err(e) => return Err(e).context("cannot wait for a trainer"),
            }
        }
        active = still;
    }
}

fn start_next(
    ws: &Workspace,
    queue: &Queue,
    g: &Locked<'_>,
    exe: &Path,
    threads: usize,
    mine: &impl Fn(&QueueJob) -> bool,
) -> Result<Option<Active>> {
    let claimed = g.claim_next(mine, |job| {
        let trains = job.args.first().is_some_and(|w| w == "train");
        if trains && job.run.is_none() {
            let root = ws.new_run_dir(&job.title)?.root;
            job.run = Some(std::path::absolute(&root).unwrap_or(root));
        }
        Ok(())
    })?;
    let Some((mut job, lock)) = claimed else {
        return Ok(None);
    };
    let stderr_log = match &job.run {
        Some(run) => RunPaths::new(run).logs_dir().join("queue-stderr.log"),
        None => queue
            .dir()
            .join("logs")
            .join(format!("{}.stderr.log", job.id)),
    };
    let spec = ProcessSpec {
        args: job_argv(ws.root(), &job),
        env: vec![("RAYON_NUM_THREADS".into(), threads.to_string())],
        stderr_log: Some(stderr_log.clone()),
    };
    match spawn(exe, &spec) {
        Ok(child) => {
            job.pid = Some(child.id());
            g.save(&job)?;
            super::sweep_sync::after_settle(g, &job)?;
            worldbench_storage::failpoint::hit("queue_started", &job.id);
            Ok(Some(Active {
                id: job.id,
                child,
                stderr_log,
                _lock: lock,
            }))
        }
        Err(e) => {
            job.state = JobState::Failed;
            job.error = Some(format!("{}: cannot start: {e}", exe.display()));
            g.save(&job)?;
            super::sweep_sync::after_settle(g, &job)?;
            Ok(None)
        }
    }
}

/// The trainer's arguments: a resume of the job's run, or the job's own in its run folder.
pub fn job_argv(workspace: &Path, job: &QueueJob) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["--workspace".into(), workspace.into()];
    let run = job.run.as_deref().unwrap_or(Path::new(""));
    if job.resume {
        a.extend(["train".into(), "--resume".into(), run.into()]);
        a.extend(["--progress".into(), "none".into()]);
    } else {
        a.extend(job.args.iter().map(OsString::from));
        if job.args.first().is_some_and(|w| w == "train") {
            a.extend(["--run-dir".into(), run.into()]);
        }
    }
    a
}
