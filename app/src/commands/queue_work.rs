//! Working the queue: claim the next queued job under the queue lock, start it through the
//! [`Launcher`] seam (the local child-process backend, as the app does), settle it when its
//! process exits, until nothing this worker waits for is queued or running. At most
//! `max_parallel` jobs of the workspace run at once (counting other workers' and orphaned
//! trainers'); each trainer gets its share of the cores as threads.
//!
//! A job resumes (`train --resume <run>`) when its run was interrupted; a fresh job trains in the
//! run folder the worker created for it (`--run-dir`), so the job always knows its run.
//!
//! With the Slurm backend ([`work_on`]) each claimed job is submitted through the
//! [`SlurmLauncher`](crate::launch::SlurmLauncher) instead: the job records its Slurm job id, the
//! launcher follows it (squeue/scontrol, with backoff), and the job is settled from its run when
//! Slurm says it ended; see `queue_slurm` for what a Slurm worker adds.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use worldbench_storage::queue::settings::{cores, QueueSettings};
use worldbench_storage::queue::settle::{settle, Exit};
use worldbench_storage::queue::{FileLock, JobState, Locked, Queue, QueueJob};
use worldbench_storage::{RunPaths, Workspace};

use crate::cli::Backend;
use crate::launch::{
    EventSink, JobCommand, JobHandle, JobSpec, LaunchEvent, Launcher, LocalProcess, QueuedJob,
};

/// How long a worker waits for events before it looks at the queue again.
const RESCAN: Duration = Duration::from_secs(1);
/// How long a backend may take to say that a job started.
const SPAWN_TIMEOUT: Duration = Duration::from_mins(1);

/// A job this worker started: its job lock is held until it is settled.
struct Active {
    id: String,
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

/// A job's events into the worker's channel; its stderr lines into its log file.
struct WorkerSink {
    id: String,
    tx: Mutex<Sender<(String, LaunchEvent)>>,
    stderr: Mutex<Option<std::fs::File>>,
}

impl EventSink for WorkerSink {
    fn event(
        &self,
        event: LaunchEvent,
    ) -> Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        if let LaunchEvent::Stderr(line) = &event {
            if let Ok(mut f) = self.stderr.lock() {
                if let Some(f) = f.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
            }
        } else if let Ok(tx) = self.tx.lock() {
            // The worker is gone only when it is returning; nothing to report then.
            let _ = tx.send((self.id.clone(), event));
        }
        Box::pin(async {})
    }
}

struct Worker<'a> {
    ws: &'a Workspace,
    queue: Queue,
    launcher: Arc<dyn Launcher>,
    /// Jobs go to Slurm (the trainer runs on a node: it confirms no pid of its own).
    slurm: bool,
    runtime: tokio::runtime::Runtime,
    threads: usize,
    tx: Sender<(String, LaunchEvent)>,
    rx: Receiver<(String, LaunchEvent)>,
    /// Events that came while the worker waited for another job's start.
    backlog: VecDeque<(String, LaunchEvent)>,
    active: Vec<Active>,
    /// Slurm jobs this worker asked to stop.
    scancelled: HashSet<String>,
}

/// Works the queue until nothing `only_sweep` (all jobs when `None`) is queued or running.
pub fn work(ws: &Workspace, only_sweep: Option<&Path>, verbose: bool) -> Result<WorkSummary> {
    work_on(ws, only_sweep, verbose, Backend::Local)
}

/// [`work`], with jobs started by `backend`.
pub fn work_on(
    ws: &Workspace,
    only_sweep: Option<&Path>,
    verbose: bool,
    backend: Backend,
) -> Result<WorkSummary> {
    let settings = QueueSettings::read(&ws.config_path())?;
    let slurm = backend == Backend::Slurm;
    let launcher: Arc<dyn Launcher> = if slurm {
        Arc::new(super::queue_slurm::launcher(ws)?)
    } else {
        let exe = std::env::current_exe().context("cannot find this worldbench binary")?;
        Arc::new(LocalProcess::new(exe))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("worldbench-queue")
        .enable_all()
        .build()
        .context("cannot start the worker's runtime")?;
    let (tx, rx) = channel();
    let queue = Queue::of_workspace(ws.root());
    let mut w = Worker {
        ws,
        queue: queue.clone(),
        launcher,
        slurm,
        runtime,
        threads: settings.threads_per_run(cores()),
        tx,
        rx,
        backlog: VecDeque::new(),
        active: Vec::new(),
        scancelled: HashSet::new(),
    };
    let mine = |j: &QueueJob| only_sweep.is_none_or(|s| j.sweep.as_deref() == Some(s));
    let mut summary = WorkSummary::default();
    loop {
        {
            let g = queue.lock()?;
            if slurm {
                let ours: Vec<&str> = w.active.iter().map(|a| a.id.as_str()).collect();
                for job in super::queue_slurm::follow_orphans(&g, &queue, &ours)? {
                    super::sweep_sync::after_settle(&g, &job)?;
                }
                super::queue_slurm::scancel_requested(&g, w.launcher.as_ref(), &mut w.scancelled)?;
            }
            for job in g.reconcile()? {
                super::sweep_sync::after_settle(&g, &job)?;
            }
            let running = g
                .jobs()?
                .iter()
                .filter(|j| j.state == JobState::Running)
                .count();
            for _ in running..settings.max_parallel {
                let Some(id) = w.start_next(&g, &mine)? else {
                    break;
                };
                if verbose {
                    eprintln!("started job {id}");
                }
                summary.started += 1;
            }
            let pending = g
                .jobs()?
                .iter()
                .any(|j| mine(j) && matches!(j.state, JobState::Queued | JobState::Running));
            if w.active.is_empty() && !pending {
                return Ok(summary);
            }
        }
        // Until a job of ours ends, or a RESCAN for other workers' and orphaned jobs.
        let deadline = Instant::now() + RESCAN;
        while let Some((id, event)) = w.next_event(deadline)? {
            if let LaunchEvent::Exited { success, code } = event {
                let state = w.finish(&id, success, code)?;
                match state {
                    JobState::Completed => summary.completed += 1,
                    JobState::Failed => summary.failed += 1,
                    _ => {}
                }
                if verbose {
                    eprintln!("job {id}: {}", state.as_str());
                }
                break;
            }
        }
    }
}

impl Worker<'_> {
    fn next_event(&mut self, deadline: Instant) -> Result<Option<(String, LaunchEvent)>> {
        if let Some(e) = self.backlog.pop_front() {
            return Ok(Some(e));
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(e) => Ok(Some(e)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => bail!("the worker's channel closed"),
        }
    }

    /// Claims the next job and starts it; returns its id.
    fn start_next(
        &mut self,
        g: &Locked<'_>,
        mine: &impl Fn(&QueueJob) -> bool,
    ) -> Result<Option<String>> {
        let ws = self.ws;
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
            // The sbatch script sends the trainer's stderr there.
            Some(run) if self.slurm => RunPaths::new(run).logs_dir().join("stderr.log"),
            Some(run) => RunPaths::new(run).logs_dir().join("queue-stderr.log"),
            None => self
                .queue
                .dir()
                .join("logs")
                .join(format!("{}.stderr.log", job.id)),
        };
        let mut spec = JobSpec::new(
            job.label.clone(),
            JobCommand::Queued(QueuedJob {
                workspace: self.ws.root().to_path_buf(),
                args: job.args.clone(),
                run: job.run.clone(),
                resume: job.resume,
                job_id: (!self.slurm).then(|| job.id.clone()),
            }),
        );
        spec.threads = Some(u32::try_from(self.threads).unwrap_or(u32::MAX));
        if let Some(dir) = stderr_log.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let sink = Arc::new(WorkerSink {
            id: job.id.clone(),
            tx: Mutex::new(self.tx.clone()),
            stderr: Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&stderr_log)
                    .ok(),
            ),
        });
        self.runtime.spawn(self.launcher.run(&spec, sink));
        // The job is recorded with its process before anyone else may look at it.
        let deadline = Instant::now() + SPAWN_TIMEOUT;
        let started = loop {
            let Some((id, event)) = self.next_fresh_event(deadline)? else {
                break Err(format!("{}: did not start", self.launcher.name()));
            };
            match event {
                LaunchEvent::Spawned(handle) if id == job.id => break Ok(handle),
                LaunchEvent::SpawnFailed(e) if id == job.id => break Err(e),
                other => self.backlog.push_back((id, other)),
            }
        };
        match started {
            Ok(handle) => {
                // The trainer waits for the queue lock (held here) and trains only once this is
                // on disk (`train --queue-job`).
                worldbench_storage::failpoint::hit("queue_spawned", &job.id);
                match handle {
                    JobHandle::Local { pid } => job.record_trainer(pid),
                    JobHandle::Slurm { job_id } => job.slurm_job_id = Some(job_id),
                }
                g.save(&job)?;
                super::sweep_sync::after_settle(g, &job)?;
                worldbench_storage::failpoint::hit("queue_started", &job.id);
                let id = job.id.clone();
                self.active.push(Active {
                    id: job.id,
                    stderr_log,
                    _lock: lock,
                });
                Ok(Some(id))
            }
            Err(e) => {
                job.state = JobState::Failed;
                job.error = Some(e);
                g.save(&job)?;
                super::sweep_sync::after_settle(g, &job)?;
                Ok(None)
            }
        }
    }

    /// The next event from the channel (not the backlog).
    fn next_fresh_event(&mut self, deadline: Instant) -> Result<Option<(String, LaunchEvent)>> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(e) => Ok(Some(e)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => bail!("the worker's channel closed"),
        }
    }

    /// Settles a job of ours whose process exited; releases its job lock.
    fn finish(&mut self, id: &str, success: bool, code: Option<i32>) -> Result<JobState> {
        let Some(at) = self.active.iter().position(|a| a.id == id) else {
            return Ok(JobState::Running);
        };
        let a = self.active.remove(at);
        let exit = if success {
            Exit::Succeeded
        } else {
            let why = std::fs::read_to_string(&a.stderr_log).ok().and_then(|t| {
                t.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map(str::to_string)
            });
            Exit::Failed(why.unwrap_or_else(|| match code {
                _ if self.slurm => "the Slurm job ended without success".into(),
                Some(c) => format!("the trainer exited with code {c}"),
                None => "the trainer was killed by a signal".into(),
            }))
        };
        let g = self.queue.lock()?;
        let mut job = g.job(id)?;
        settle(&mut job, exit);
        g.save(&job)?;
        drop(a);
        super::sweep_sync::after_settle(&g, &job)?;
        Ok(job.state)
    }
}
