//! The supervisor: owns the tokio runtime the jobs run on, the bounded channel their updates come
//! back through, and the jobs. The UI drains the channel once per frame and never blocks on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::follow::{follow_run, send_history};
use super::job::{Job, JobId, JobKind, JobNotice, JobState, Update};
use crate::launch::slurm::SlurmLauncher;
use crate::launch::{EventSink, JobHandle, JobSpec, LaunchEvent, Launcher, LocalProcess};

/// How soon after a job's output the UI repaints.
const REPAINT_AFTER: Duration = Duration::from_millis(200);

/// Messages the reader tasks may queue before the UI drains them (the channel is bounded).
const CHANNEL_CAPACITY: usize = 4096;

#[derive(Debug)]
pub(super) struct Message {
    pub(super) id: JobId,
    pub(super) update: Update,
}

/// Sends one message, then asks the UI for a repaint.
#[derive(Clone)]
pub struct Sender {
    tx: mpsc::Sender<Message>,
    ctx: Option<egui::Context>,
    id: JobId,
}

impl Sender {
    pub(super) async fn send(&self, update: Update) {
        // The receiver is gone only when the app is closing; nothing to report then.
        let _ = self
            .tx
            .send(Message {
                id: self.id,
                update,
            })
            .await;
        // At most a few repaints a second however fast the job prints: egui keeps the earliest
        // deadline asked for, so a burst of events costs one frame.
        if let Some(ctx) = &self.ctx {
            ctx.request_repaint_after(REPAINT_AFTER);
        }
    }
}

impl EventSink for Sender {
    fn event(
        &self,
        event: LaunchEvent,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(self.send(Update::from_launch(event)))
    }
}

/// Owns the runtime and the jobs.
pub struct JobSupervisor {
    runtime: tokio::runtime::Runtime,
    tx: mpsc::Sender<Message>,
    rx: mpsc::Receiver<Message>,
    jobs: Vec<Job>,
    next_id: JobId,
    launcher: Arc<dyn Launcher>,
    /// Cancels and probes the runs submitted to Slurm (`scancel`, `squeue`/`scontrol`).
    slurm: SlurmLauncher,
    ctx: Option<egui::Context>,
}

impl JobSupervisor {
    /// A supervisor that runs its jobs as child processes of `exe` (the `worldbench` binary).
    pub fn new(exe: PathBuf) -> std::io::Result<Self> {
        Self::with_launcher(Arc::new(LocalProcess::new(exe)))
    }

    /// A supervisor that runs its jobs through `launcher`.
    pub fn with_launcher(launcher: Arc<dyn Launcher>) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("worldbench-jobs")
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        Ok(Self {
            runtime,
            tx,
            rx,
            jobs: Vec::new(),
            next_id: 1,
            launcher,
            slurm: SlurmLauncher {
                settings: worldbench_storage::SlurmSettings::default(),
                workspace: PathBuf::new(),
            },
            ctx: None,
        })
    }

    /// The context that reader tasks wake up when output arrives.
    pub fn set_context(&mut self, ctx: &egui::Context) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
    }

    /// The backend that runs this supervisor's jobs.
    pub fn launcher(&self) -> &dyn Launcher {
        self.launcher.as_ref()
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    pub fn get(&self, id: JobId) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// The newest job on `run_dir`.
    pub fn job_for_run(&self, run_dir: &Path) -> Option<&Job> {
        self.jobs
            .iter()
            .rev()
            .find(|j| j.run_dir.as_deref() == Some(run_dir))
    }

    /// Whether any job is running or cancelling.
    pub fn any_active(&self) -> bool {
        self.jobs.iter().any(|j| j.state.is_active())
    }

    fn sender(&mut self, kind: JobKind, label: String, run_dir: Option<PathBuf>) -> Sender {
        let id = self.next_id;
        self.next_id += 1;
        self.jobs.push(Job::new(id, kind, label, run_dir));
        Sender {
            tx: self.tx.clone(),
            ctx: self.ctx.clone(),
            id,
        }
    }

    /// Starts the job through the launcher; returns its id at once. A resume first reads the run's
    /// metrics files (on the runtime, not the UI thread), so the job shows the whole run.
    pub fn launch(&mut self, spec: JobSpec) -> JobId {
        let kind = spec.kind();
        let run_dir = spec.run_dir().map(Path::to_path_buf);
        let history = if kind == JobKind::Resume {
            run_dir.clone()
        } else {
            None
        };
        let sender = self.sender(kind, spec.label.clone(), run_dir);
        let id = sender.id;
        if let Some(job) = self.jobs.last_mut() {
            job.slurm = spec.is_slurm_submission();
        }
        let launcher = Arc::clone(&self.launcher);
        self.runtime.spawn(async move {
            if let Some(dir) = history {
                send_history(dir, &sender).await;
            }
            launcher.run(&spec, Arc::new(sender)).await;
        });
        id
    }

    /// Follows a run that another process trains: polls its files until it ends.
    pub fn follow(&mut self, run_dir: PathBuf, pid: u32, label: String) -> JobId {
        let sender = self.sender(JobKind::Follow, label, Some(run_dir.clone()));
        let id = sender.id;
        let handle = JobHandle::Local { pid };
        if let Some(job) = self.jobs.last_mut() {
            job.handle = Some(handle.clone());
        }
        self.runtime.spawn(follow_run(
            run_dir,
            handle,
            Arc::clone(&self.launcher),
            sender,
        ));
        id
    }

    /// Follows a run on Slurm that this app did not submit in this session (after a restart): as a
    /// freshly submitted one is, from its folder and Slurm's state; Cancel runs `scancel`.
    pub fn follow_slurm(&mut self, run_dir: PathBuf, job_id: String, label: String) -> JobId {
        let sender = self.sender(JobKind::Follow, label, Some(run_dir.clone()));
        let id = sender.id;
        let handle = JobHandle::Slurm { job_id };
        if let Some(job) = self.jobs.last_mut() {
            job.handle = Some(handle.clone());
            job.slurm = true;
        }
        let launcher: Arc<dyn Launcher> = Arc::new(self.slurm.clone());
        self.runtime
            .spawn(follow_run(run_dir, handle, launcher, sender));
        id
    }

    /// Asks the job's process to stop (SIGTERM: a training run writes `last` and exits cleanly).
    pub fn cancel(&mut self, id: JobId) -> Result<(), String> {
        let job = self
            .jobs
            .iter_mut()
            .find(|j| j.id == id)
            .ok_or_else(|| format!("no job {id}"))?;
        if !job.state.is_active() {
            return Ok(());
        }
        let handle = job
            .handle
            .clone()
            .ok_or_else(|| format!("{}: the job has not started yet; try again", job.label))?;
        if let JobHandle::Slurm { .. } = handle {
            // A run on Slurm is cancelled by its backend (`scancel`, off the UI thread); the
            // trainer writes `last`. A refusal puts the job back to running with Slurm's message.
            job.state = JobState::Cancelling;
            let slurm = self.slurm.clone();
            let sender = Sender {
                tx: self.tx.clone(),
                ctx: self.ctx.clone(),
                id,
            };
            self.runtime.spawn(async move {
                let done = tokio::task::spawn_blocking(move || slurm.cancel(&handle)).await;
                if let Ok(Err(e)) = done {
                    sender.send(Update::CancelFailed(e)).await;
                }
            });
            return Ok(());
        }
        self.launcher
            .cancel(&handle)
            .map_err(|e| format!("{}: {e}", job.label))?;
        job.state = JobState::Cancelling;
        Ok(())
    }

    /// Applies every queued message (never blocks); returns what the app should react to.
    pub fn poll(&mut self) -> Vec<JobNotice> {
        let mut notices = Vec::new();
        while let Ok(msg) = self.rx.try_recv() {
            self.apply(msg, &mut notices);
        }
        notices
    }

    /// Waits up to `timeout` for one message and applies it (tests use this to wait for a job's
    /// progress without sleeping); returns what it noticed.
    pub fn wait_for_update(&mut self, timeout: Duration) -> Vec<JobNotice> {
        let mut notices = Vec::new();
        let msg = self
            .runtime
            .block_on(async { tokio::time::timeout(timeout, self.rx.recv()).await });
        if let Ok(Some(msg)) = msg {
            self.apply(msg, &mut notices);
        }
        notices.extend(self.poll());
        notices
    }

    fn apply(&mut self, msg: Message, notices: &mut Vec<JobNotice>) {
        let Some(job) = self.jobs.iter_mut().find(|j| j.id == msg.id) else {
            return;
        };
        notices.extend(job.apply(msg.update));
        if std::mem::take(&mut job.follow_slurm) {
            if let Some(run_dir) = job.run_dir.clone() {
                self.follow_submitted(msg.id, run_dir);
            }
        }
    }

    /// A run submitted to Slurm by job `id`: its job id from `logs/slurm.json`, then the run is
    /// followed from its folder, and from Slurm's state while its trainer has not started.
    fn follow_submitted(&mut self, id: JobId, run_dir: PathBuf) {
        let sender = Sender {
            tx: self.tx.clone(),
            ctx: self.ctx.clone(),
            id,
        };
        let launcher: Arc<dyn Launcher> = Arc::new(self.slurm.clone());
        self.runtime.spawn(async move {
            let dir = run_dir.clone();
            let job_id =
                tokio::task::spawn_blocking(move || crate::launch::slurm::recorded_job_id(&dir))
                    .await
                    .ok()
                    .flatten();
            let Some(job_id) = job_id else {
                sender
                    .send(Update::SpawnFailed(format!(
                        "{}: no Slurm job id recorded in logs/slurm.json",
                        run_dir.display()
                    )))
                    .await;
                return;
            };
            let handle = JobHandle::Slurm { job_id };
            sender.send(Update::Spawned(handle.clone())).await;
            follow_run(run_dir, handle, launcher, sender).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use worldbench_storage::RunPaths;

    use super::*;
    use crate::gui::jobs::{JobCommand, JobState};
    use crate::gui::test_fixtures::{planning_row, train_row};

    /// Waits (up to 500 s of updates) until a job of `sup` reports that it ended.
    fn wait_for_end(sup: &mut JobSupervisor) {
        let ended = (0..100).any(|_| {
            sup.wait_for_update(Duration::from_secs(5))
                .iter()
                .any(|n| matches!(n, JobNotice::Ended { .. }))
        });
        assert!(ended, "no job ended");
    }

    #[test]
    fn a_missing_binary_fails_the_job_with_its_path() {
        let mut sup = JobSupervisor::new(PathBuf::from("/nonexistent/worldbench")).unwrap();
        let id = sup.launch(JobSpec::new(
            "eval",
            JobCommand::Eval {
                run: "/r".into(),
                checkpoint: "last".into(),
            },
        ));
        wait_for_end(&mut sup);
        let JobState::Failed(msg) = &sup.get(id).unwrap().state else {
            panic!()
        };
        assert!(msg.contains("/nonexistent/worldbench"), "{msg}");
    }

    #[test]
    fn a_resume_job_reads_the_run_history_before_its_child_starts() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = RunPaths::new(tmp.path());
        paths.create_dirs().unwrap();
        worldbench_storage::metrics::write_csv(
            &paths.train_csv(),
            &(1..=4).map(train_row).collect::<Vec<_>>(),
        )
        .unwrap();
        worldbench_storage::metrics::write_csv(&paths.planning_csv(), &[planning_row(3)]).unwrap();
        let mut sup = JobSupervisor::new(PathBuf::from("/nonexistent/worldbench")).unwrap();
        let id = sup.launch(JobSpec::new(
            "resume",
            JobCommand::Resume {
                run: tmp.path().to_path_buf(),
            },
        ));
        wait_for_end(&mut sup);
        let job = sup.get(id).unwrap();
        assert_eq!(
            job.losses.iter().map(|p| p.step).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert_eq!(job.evals.iter().map(|r| r.step).collect::<Vec<_>>(), [3]);
        assert!(matches!(job.state, JobState::Failed(_)));
    }
}
