//! The workspace's persistent run queue: `queue/jobs/<id>.json`, one file per job, written
//! atomically; `queue/queue.lock` taken for every change, so two processes (the CLI and the
//! app, two `queue work`s) never start the same job and no job is lost; `queue/locks/<id>.lock`
//! held by the worker of a running job. Nothing lives in memory only: a crash, or a reboot,
//! leaves jobs on disk that the next holder of the lock settles ([`settle`]).
//!
//! Daemon-free: whoever works the queue (`worldbench queue work`, `sweep run --wait`) claims the
//! next queued job under the lock and starts it.

pub mod job;
pub mod lock;
pub mod process;
pub mod settings;
pub mod settle;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use job::{JobState, QueueJob};
pub use lock::FileLock;

use crate::error::{Result, StorageError};

/// The queue of a workspace.
#[derive(Debug, Clone)]
pub struct Queue {
    dir: PathBuf,
}

/// The queue while its lock is held: the only way to change it.
#[derive(Debug)]
pub struct Locked<'a> {
    queue: &'a Queue,
    _lock: FileLock,
}

/// What to add to the queue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewJob {
    pub label: String,
    pub title: String,
    pub args: Vec<String>,
    pub sweep: Option<PathBuf>,
    pub cell: Option<String>,
}

impl Queue {
    /// The queue of the workspace at `workspace` (`<workspace>/queue`).
    pub fn of_workspace(workspace: &Path) -> Self {
        Self {
            dir: workspace.join("queue"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    fn jobs_dir(&self) -> PathBuf {
        self.dir.join("jobs")
    }
    fn job_path(&self, id: &str) -> PathBuf {
        self.jobs_dir().join(format!("{id}.json"))
    }
    /// The lock a job's worker holds while the job runs.
    pub fn job_lock_path(&self, id: &str) -> PathBuf {
        self.dir.join("locks").join(format!("{id}.lock"))
    }

    /// Waits for the queue's lock.
    pub fn lock(&self) -> Result<Locked<'_>> {
        let lock = FileLock::wait(&self.dir.join("queue.lock"))?;
        Ok(Locked {
            queue: self,
            _lock: lock,
        })
    }

    /// The jobs in queue order (order, then id), read without the lock (each file is whole).
    pub fn list(&self) -> Result<Vec<QueueJob>> {
        let dir = self.jobs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StorageError::io(&dir, e)),
        };
        let mut jobs = Vec::new();
        for entry in entries.flatten() {
            let p = entry.path();
            let is_job = p.extension().is_some_and(|e| e == "json")
                && !entry.file_name().to_string_lossy().starts_with('.');
            if is_job {
                jobs.push(QueueJob::read(&p)?);
            }
        }
        jobs.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(jobs)
    }

    /// Whether job `id`'s worker is alive.
    pub fn worker_alive(&self, id: &str) -> bool {
        lock::is_held(&self.job_lock_path(id))
    }
}

impl Locked<'_> {
    pub fn jobs(&self) -> Result<Vec<QueueJob>> {
        self.queue.list()
    }

    pub fn job(&self, id: &str) -> Result<QueueJob> {
        let p = self.queue.job_path(id);
        if !p.exists() {
            return Err(StorageError::NotFound {
                path: p,
                what: format!("no job {id} in the queue"),
            });
        }
        QueueJob::read(&p)
    }

    pub fn save(&self, job: &QueueJob) -> Result<()> {
        job.write(&self.queue.job_path(&job.id))
    }

    /// Adds a job at the end of the queue.
    pub fn add(&self, new: NewJob) -> Result<QueueJob> {
        let jobs = self.jobs()?;
        let next = jobs
            .iter()
            .filter_map(|j| j.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let order = jobs.iter().map(|j| j.order).max().unwrap_or(0) + 1;
        let job = QueueJob {
            id: format!("{next:06}"),
            order,
            state: JobState::Queued,
            label: new.label,
            title: new.title,
            args: new.args,
            run: None,
            resume: false,
            sweep: new.sweep,
            cell: new.cell,
            worker_pid: None,
            pid: None,
            trainer_start: None,
            slurm_job_id: None,
            attempts: 0,
            cancel_requested: false,
            created: crate::run::now_rfc3339(),
            started: None,
            finished: None,
            error: None,
        };
        self.save(&job)?;
        Ok(job)
    }

    /// Settles every running job whose worker is gone; returns the jobs that changed.
    pub fn reconcile(&self) -> Result<Vec<QueueJob>> {
        let mut changed = Vec::new();
        for mut job in self.jobs()? {
            if job.state == JobState::Running
                && !self.queue.worker_alive(&job.id)
                && settle::settle(&mut job, settle::Exit::WorkerGone)
            {
                self.save(&job)?;
                changed.push(job);
            }
        }
        Ok(changed)
    }

    /// Claims the first queued job for this process: takes its job lock and marks it running.
    /// `prepare` is called with the job before it is saved (the worker creates the run folder).
    pub fn claim_next(
        &self,
        filter: impl Fn(&QueueJob) -> bool,
        prepare: impl FnOnce(&mut QueueJob) -> Result<()>,
    ) -> Result<Option<(QueueJob, FileLock)>> {
        for mut job in self.jobs()? {
            if job.state != JobState::Queued || !filter(&job) {
                continue;
            }
            let Some(lock) = FileLock::try_take(&self.queue.job_lock_path(&job.id))? else {
                continue;
            };
            job.state = JobState::Running;
            job.worker_pid = Some(std::process::id());
            job.pid = None;
            job.trainer_start = None;
            job.slurm_job_id = None;
            job.attempts += 1;
            job.started = Some(crate::run::now_rfc3339());
            job.finished = None;
            job.error = None;
            prepare(&mut job)?;
            self.save(&job)?;
            return Ok(Some((job, lock)));
        }
        Ok(None)
    }

    /// The trainer's side of starting a job: process `pid` (the caller) may train job `id` only
    /// if the job, running, records it as its trainer. A worker holds the queue lock from claiming
    /// a job until it has recorded the trainer it spawned, and the trainer calls this under the
    /// lock before anything else, so a trainer whose worker died before recording it (the job is
    /// then started again by the next worker) does nothing: a job never runs twice, and a running
    /// job always names a trainer that can be checked for life.
    pub fn confirm_trainer(&self, id: &str, pid: u32) -> Result<QueueJob> {
        let job = self.job(id)?;
        let start = process::start_identity(pid);
        if job.names_trainer(pid, start.as_deref()) {
            return Ok(job);
        }
        Err(StorageError::invalid(
            self.queue.job_path(id),
            format!(
                "job {id} ({}) does not name this process (pid {pid}) as its trainer: its worker \
                 stopped before recording it, or the job was settled since; this trainer does nothing",
                job.state.as_str()
            ),
        ))
    }

    /// Moves job `id` to `position` (0 = first) among the jobs. A running job is refused: it has
    /// started, so its place no longer decides anything.
    pub fn move_to(&self, id: &str, position: usize) -> Result<()> {
        let mut jobs = self.jobs()?;
        let at = jobs
            .iter()
            .position(|j| j.id == id)
            .ok_or_else(|| StorageError::NotFound {
                path: self.queue.job_path(id),
                what: format!("no job {id} in the queue"),
            })?;
        if jobs[at].state == JobState::Running {
            return Err(StorageError::invalid(
                self.queue.job_path(id),
                format!(
                    "job {id} is running and cannot be moved: only jobs that are not running can"
                ),
            ));
        }
        let job = jobs.remove(at);
        jobs.insert(position.min(jobs.len()), job);
        for (i, mut j) in jobs.into_iter().enumerate() {
            let order = i as i64 + 1;
            if j.order != order {
                j.order = order;
                self.save(&j)?;
            }
        }
        Ok(())
    }
}
