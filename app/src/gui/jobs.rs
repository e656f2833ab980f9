//! The job supervisor: long work (training, evaluation, dataset generation) runs in child processes of
//! the same `worldbench` binary, started with an argv (never a shell string) on a tokio runtime the app
//! owns. Reader tasks turn each stdout line into a [`TrainEvent`] and send it through a bounded
//! channel, then ask egui for a repaint; the UI drains the channel once per frame without blocking.
//!
//! Children get their own process group, so closing the app (or Ctrl+C in its terminal) leaves a
//! training run going; Cancel sends SIGTERM, and the trainer writes `last` before it exits. Runs that
//! were already running when the app started are *followed*: their run.json and metrics files are
//! polled off the UI thread. A resumed run's job starts with the run's earlier metrics rows (read on
//! the job runtime before the child starts), so its loss curve is the whole run's.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use worldbench_model::train::TrainEvent;
use worldbench_storage::metrics::read_csv;
use worldbench_storage::{PlanningRow, RunManifest, RunPaths, RunStatus, TrainRow};

use super::progress_event;

/// Identifies a job for the lifetime of the app.
pub type JobId = u64;

/// Messages the reader tasks may queue before the UI drains them (the channel is bounded).
const CHANNEL_CAPACITY: usize = 4096;
/// Lines of stderr kept per job (for the error message of a failed job).
const STDERR_TAIL_LINES: usize = 20;
/// How often a followed run's files are read again.
const FOLLOW_POLL: Duration = Duration::from_secs(1);

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// `worldbench train …` (a new run).
    Train,
    /// `worldbench train --resume <run>`.
    Resume,
    /// `worldbench eval --run <run> --checkpoint <step or last>`.
    Eval,
    /// `worldbench data gen …`.
    GenerateDataset,
    /// A run started before this app (or by another process), followed by polling its files.
    Follow,
}

impl JobKind {
    /// Whether the job trains (its progress is a run's steps).
    pub fn is_training(self) -> bool {
        matches!(self, Self::Train | Self::Resume | Self::Follow)
    }
}

/// A job to launch: arguments for the `worldbench` binary (after the program name).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub kind: JobKind,
    /// Shown in the UI ("train: first try").
    pub label: String,
    pub args: Vec<OsString>,
    /// The run this job works on, when known before it starts (resume, eval).
    pub run_dir: Option<PathBuf>,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Running,
    /// SIGTERM was sent; waiting for the process to write `last` and exit.
    Cancelling,
    Completed,
    Cancelled,
    /// The message says why (the process's last error line, or why it could not start).
    Failed(String),
}

impl JobState {
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Running | Self::Cancelling)
    }
}

/// One logged training step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossPoint {
    pub step: u64,
    pub loss: f64,
    pub loss_pred: f64,
    pub loss_var: f64,
    pub loss_cov: f64,
}

impl From<&TrainRow> for LossPoint {
    fn from(r: &TrainRow) -> Self {
        Self {
            step: r.step,
            loss: r.loss,
            loss_pred: r.loss_pred,
            loss_var: r.loss_var,
            loss_cov: r.loss_cov,
        }
    }
}

/// A job and everything its output told so far.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub label: String,
    pub state: JobState,
    /// Process id of the child (or of the followed run).
    pub pid: Option<u32>,
    /// The run folder (printed first by `train`; known up front for resume, eval and follow).
    pub run_dir: Option<PathBuf>,
    /// The step training started from (a resume's `last`; 0 for a new run).
    pub start_step: u64,
    /// Latest step reached and the run's total.
    pub step: u64,
    pub total_steps: u64,
    pub steps_per_s: f64,
    pub eta_secs: f64,
    /// Logged steps in step order; a resumed or followed run's include those before this job.
    pub losses: Vec<LossPoint>,
    /// Planning metrics of checkpoints, as they land.
    pub evals: Vec<PlanningRow>,
    /// Checkpoints written: (step, file).
    pub checkpoints: Vec<(u64, PathBuf)>,
    /// Plain (non-event) stdout lines.
    pub stdout_lines: Vec<String>,
    pub stderr_tail: VecDeque<String>,
}

impl Job {
    fn new(id: JobId, kind: JobKind, label: String, run_dir: Option<PathBuf>) -> Self {
        Self {
            id,
            kind,
            label,
            state: JobState::Running,
            pid: None,
            run_dir,
            start_step: 0,
            step: 0,
            total_steps: 0,
            steps_per_s: 0.0,
            eta_secs: 0.0,
            losses: Vec::new(),
            evals: Vec::new(),
            checkpoints: Vec::new(),
            stdout_lines: Vec::new(),
            stderr_tail: VecDeque::new(),
        }
    }

    /// Fraction of the run's steps done, 0..=1.
    pub fn fraction(&self) -> f32 {
        if self.total_steps == 0 {
            0.0
        } else {
            (self.step as f64 / self.total_steps as f64).clamp(0.0, 1.0) as f32
        }
    }

    fn apply(&mut self, update: Update) -> Option<JobNotice> {
        match update {
            Update::Spawned { pid } => self.pid = Some(pid),
            Update::SpawnFailed(msg) => {
                self.state = JobState::Failed(msg);
                return Some(self.ended());
            }
            Update::Stdout(line) => {
                if self.run_dir.is_none()
                    && matches!(self.kind, JobKind::Train)
                    && !line.trim().is_empty()
                {
                    self.run_dir = Some(PathBuf::from(line.trim()));
                    return Some(JobNotice::RunChanged(self.run_dir.clone()?));
                }
                self.stdout_lines.push(line);
            }
            Update::Stderr(line) => {
                if self.stderr_tail.len() == STDERR_TAIL_LINES {
                    self.stderr_tail.pop_front();
                }
                self.stderr_tail.push_back(line);
            }
            Update::Progress(event) => return self.progress(event),
            Update::Exited { success, code } => {
                self.state = if success {
                    if self.state == JobState::Cancelling {
                        JobState::Cancelled
                    } else {
                        JobState::Completed
                    }
                } else {
                    JobState::Failed(self.failure_message(code))
                };
                return Some(self.ended());
            }
            Update::Snapshot(snap) => {
                self.losses = snap.train.iter().map(LossPoint::from).collect();
                if let Some(last) = snap.train.last() {
                    self.step = last.step;
                    self.steps_per_s = last.steps_per_s;
                    if self.steps_per_s > 0.0 && self.total_steps > self.step {
                        self.eta_secs = (self.total_steps - self.step) as f64 / self.steps_per_s;
                    }
                }
                if snap.total_steps > 0 {
                    self.total_steps = snap.total_steps;
                }
                let changed = snap.planning.len() != self.evals.len();
                self.evals = snap.planning;
                if changed {
                    return self.run_dir.clone().map(JobNotice::RunChanged);
                }
            }
            Update::FollowEnded(status) => {
                self.state = match status {
                    RunStatus::Completed => JobState::Completed,
                    RunStatus::Cancelled => JobState::Cancelled,
                    RunStatus::Failed => JobState::Failed(format!("the run {} failed", self.label)),
                    RunStatus::Running => JobState::Failed(format!(
                        "the process of run {} is gone but its run.json still says \"running\" (it was killed)",
                        self.label
                    )),
                };
                return Some(self.ended());
            }
        }
        None
    }

    fn progress(&mut self, event: TrainEvent) -> Option<JobNotice> {
        match event {
            TrainEvent::Started {
                total_steps,
                start_step,
                ..
            } => {
                self.total_steps = total_steps;
                self.start_step = start_step;
                self.step = start_step;
                // The trainer drops rows after the step it resumes from; so does the live view.
                self.losses.retain(|p| p.step <= start_step);
                self.evals.retain(|r| r.step <= start_step);
            }
            TrainEvent::Step {
                step,
                total_steps,
                loss,
                loss_pred,
                loss_var,
                loss_cov,
                steps_per_s,
                eta_secs,
            } => {
                self.step = step;
                self.total_steps = total_steps;
                self.steps_per_s = steps_per_s;
                self.eta_secs = eta_secs;
                self.losses.push(LossPoint {
                    step,
                    loss,
                    loss_pred,
                    loss_var,
                    loss_cov,
                });
            }
            TrainEvent::Checkpoint { step, path } => {
                self.checkpoints.push((step, path));
                return self.run_dir.clone().map(JobNotice::RunChanged);
            }
            TrainEvent::Eval { row } => {
                self.evals.retain(|r| r.step != row.step);
                self.evals.push(row);
                return self.run_dir.clone().map(JobNotice::RunChanged);
            }
            TrainEvent::Finished { step, .. } => {
                self.step = step;
                self.eta_secs = 0.0;
            }
        }
        None
    }

    fn failure_message(&self, code: Option<i32>) -> String {
        let exit = code.map_or_else(
            || "killed by a signal".to_string(),
            |c| format!("exit code {c}"),
        );
        let errors: Vec<&str> = self
            .stderr_tail
            .iter()
            .map(String::as_str)
            .filter(|l| !l.trim().is_empty())
            .collect();
        let detail = errors
            .iter()
            .rev()
            .take(4)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        if detail.is_empty() {
            format!("{} failed ({exit})", self.label)
        } else {
            format!("{} failed ({exit}):\n{detail}", self.label)
        }
    }

    fn ended(&self) -> JobNotice {
        JobNotice::Ended {
            id: self.id,
            kind: self.kind,
            state: self.state.clone(),
            run_dir: self.run_dir.clone(),
        }
    }
}

/// What the app reacts to after draining the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum JobNotice {
    /// A job ended (in any way).
    Ended {
        id: JobId,
        kind: JobKind,
        state: JobState,
        run_dir: Option<PathBuf>,
    },
    /// A run's files changed (new checkpoint or metrics): its views should be re-read.
    RunChanged(PathBuf),
}

/// What a followed run's files say.
#[derive(Debug, Clone)]
struct FollowSnapshot {
    train: Vec<TrainRow>,
    planning: Vec<PlanningRow>,
    total_steps: u64,
}

#[derive(Debug)]
enum Update {
    Spawned { pid: u32 },
    SpawnFailed(String),
    Stdout(String),
    Stderr(String),
    Progress(TrainEvent),
    Exited { success: bool, code: Option<i32> },
    Snapshot(FollowSnapshot),
    FollowEnded(RunStatus),
}

#[derive(Debug)]
struct Message {
    id: JobId,
    update: Update,
}

/// Sends one message, then asks the UI for a repaint.
#[derive(Clone)]
struct Sender {
    tx: mpsc::Sender<Message>,
    ctx: Option<egui::Context>,
    id: JobId,
}

impl Sender {
    async fn send(&self, update: Update) {
        // The receiver is gone only when the app is closing; nothing to report then.
        let _ = self
            .tx
            .send(Message {
                id: self.id,
                update,
            })
            .await;
        if let Some(ctx) = &self.ctx {
            ctx.request_repaint();
        }
    }
}

/// Owns the runtime and the jobs.
pub struct JobSupervisor {
    runtime: tokio::runtime::Runtime,
    tx: mpsc::Sender<Message>,
    rx: mpsc::Receiver<Message>,
    jobs: Vec<Job>,
    next_id: JobId,
    exe: PathBuf,
    ctx: Option<egui::Context>,
}

impl JobSupervisor {
    /// A supervisor that launches `exe` (the `worldbench` binary) for its jobs.
    pub fn new(exe: PathBuf) -> std::io::Result<Self> {
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
            exe,
            ctx: None,
        })
    }

    /// The context that reader tasks wake up when output arrives.
    pub fn set_context(&mut self, ctx: &egui::Context) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
    }

    /// The binary jobs run.
    pub fn exe(&self) -> &Path {
        &self.exe
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

    /// Starts `exe spec.args…` as a child process; returns its job id at once. A resume first reads
    /// the run's metrics files (on the runtime, not the UI thread), so the job shows the whole run.
    pub fn launch(&mut self, spec: JobSpec) -> JobId {
        let history = if spec.kind == JobKind::Resume {
            spec.run_dir.clone()
        } else {
            None
        };
        let sender = self.sender(spec.kind, spec.label, spec.run_dir);
        let id = sender.id;
        let exe = self.exe.clone();
        self.runtime.spawn(async move {
            if let Some(dir) = history {
                send_history(dir, &sender).await;
            }
            run_child(exe, spec.args, sender).await;
        });
        id
    }

    /// Follows a run that another process trains: polls its files until it ends.
    pub fn follow(&mut self, run_dir: PathBuf, pid: u32, label: String) -> JobId {
        let sender = self.sender(JobKind::Follow, label, Some(run_dir.clone()));
        let id = sender.id;
        if let Some(job) = self.jobs.last_mut() {
            job.pid = Some(pid);
        }
        self.runtime.spawn(follow_run(run_dir, pid, sender));
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
        let pid = job
            .pid
            .ok_or_else(|| format!("{}: the process has not started yet; try again", job.label))?;
        send_sigterm(pid).map_err(|e| format!("{}: cannot stop process {pid}: {e}", job.label))?;
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
        if let Some(job) = self.jobs.iter_mut().find(|j| j.id == msg.id) {
            notices.extend(job.apply(msg.update));
        }
    }
}

fn send_sigterm(pid: u32) -> nix::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| nix::errno::Errno::ESRCH)?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
}

/// Whether `pid` is a live `worldbench` process (not a reused pid of something else).
pub fn pid_is_live_worldbench(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let alive = match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    };
    if !alive {
        return false;
    }
    let proc_dir = Path::new("/proc").join(pid.to_string());
    if let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) {
        // A zombie is dead; its parent has not reaped it yet.
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        {
            return false;
        }
    }
    match std::fs::read(proc_dir.join("cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains("worldbench"),
        // No /proc (not Linux): trust the signal probe.
        Err(_) => true,
    }
}

async fn run_child(exe: PathBuf, args: Vec<OsString>, sender: Sender) {
    let mut cmd = tokio::process::Command::new(&exe);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    // Its own process group: closing the app or Ctrl+C in its terminal does not stop a run.
    cmd.process_group(0);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            sender
                .send(Update::SpawnFailed(format!(
                    "{}: cannot start: {e}",
                    exe.display()
                )))
                .await;
            return;
        }
    };
    if let Some(pid) = child.id() {
        sender.send(Update::Spawned { pid }).await;
    }
    let out = child
        .stdout
        .take()
        .map(|s| tokio::spawn(read_lines(s, sender.clone(), false)));
    let err = child
        .stderr
        .take()
        .map(|s| tokio::spawn(read_lines(s, sender.clone(), true)));
    let status = child.wait().await;
    for task in [out, err].into_iter().flatten() {
        let _ = task.await;
    }
    let update = match status {
        Ok(status) => Update::Exited {
            success: status.success(),
            code: status.code(),
        },
        Err(e) => Update::SpawnFailed(format!("{}: lost the process: {e}", exe.display())),
    };
    sender.send(update).await;
}

async fn read_lines<R: tokio::io::AsyncRead + Unpin>(stream: R, sender: Sender, is_stderr: bool) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let update = if is_stderr {
            Update::Stderr(line)
        } else if let Some(event) = progress_event::parse(&line) {
            Update::Progress(event)
        } else {
            Update::Stdout(line)
        };
        sender.send(update).await;
    }
}

/// Sends what a run's metrics files hold so far (before its resumed child starts).
async fn send_history(run_dir: PathBuf, sender: &Sender) {
    let read = tokio::task::spawn_blocking(move || read_follow_snapshot(&run_dir)).await;
    if let Ok((Some(snap), _)) = read {
        sender.send(Update::Snapshot(snap)).await;
    }
}

async fn follow_run(run_dir: PathBuf, pid: u32, sender: Sender) {
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
        let alive = tokio::task::spawn_blocking(move || pid_is_live_worldbench(pid))
            .await
            .unwrap_or(false);
        match status {
            Some(RunStatus::Running) if alive => {}
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
fn read_follow_snapshot(run_dir: &Path) -> (Option<FollowSnapshot>, Option<RunStatus>) {
    let paths = RunPaths::new(run_dir);
    let manifest = RunManifest::read(&paths.manifest()).ok();
    let total_steps = manifest.as_ref().map_or(0, |m| m.config.steps);
    let train = read_csv::<TrainRow>(&paths.train_csv()).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_job_takes_its_run_dir_from_the_first_line_and_counts_progress() {
        let mut job = Job::new(1, JobKind::Train, "train: t".into(), None);
        assert_eq!(
            job.apply(Update::Stdout("/ws/runs/r1".into())),
            Some(JobNotice::RunChanged("/ws/runs/r1".into()))
        );
        job.apply(Update::Progress(TrainEvent::Started {
            total_steps: 10,
            start_step: 0,
            device: "cpu".into(),
            num_sequences: 0,
            num_params: 0,
        }));
        job.apply(Update::Progress(TrainEvent::Step {
            step: 5,
            total_steps: 10,
            loss: 2.0,
            loss_pred: 1.0,
            loss_var: 0.5,
            loss_cov: 0.5,
            steps_per_s: 1.0,
            eta_secs: 5.0,
        }));
        assert!((job.fraction() - 0.5).abs() < 1e-6);
        assert_eq!(job.losses.len(), 1);
        let end = job.apply(Update::Exited {
            success: true,
            code: Some(0),
        });
        assert_eq!(
            end,
            Some(JobNotice::Ended {
                id: 1,
                kind: JobKind::Train,
                state: JobState::Completed,
                run_dir: Some("/ws/runs/r1".into())
            })
        );
    }

    #[test]
    fn a_cancelled_job_that_exits_cleanly_is_cancelled_and_a_failure_quotes_stderr() {
        let mut job = Job::new(2, JobKind::Train, "train: t".into(), None);
        job.state = JobState::Cancelling;
        job.apply(Update::Exited {
            success: true,
            code: Some(0),
        });
        assert_eq!(job.state, JobState::Cancelled);

        let mut job = Job::new(3, JobKind::Eval, "eval".into(), None);
        job.apply(Update::Stderr(
            "error: /r/run.json: not a valid run manifest".into(),
        ));
        job.apply(Update::Exited {
            success: false,
            code: Some(1),
        });
        let JobState::Failed(msg) = &job.state else {
            panic!("{:?}", job.state)
        };
        assert!(
            msg.contains("exit code 1") && msg.contains("run.json"),
            "{msg}"
        );
    }

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
        let id = sup.launch(JobSpec {
            kind: JobKind::Eval,
            label: "eval".into(),
            args: vec![],
            run_dir: None,
        });
        wait_for_end(&mut sup);
        let JobState::Failed(msg) = &sup.get(id).unwrap().state else {
            panic!()
        };
        assert!(msg.contains("/nonexistent/worldbench"), "{msg}");
    }

    fn train_row(step: u64) -> TrainRow {
        TrainRow {
            step,
            wall_s: step as f64,
            loss: 1.0 / step as f64,
            loss_pred: 0.5,
            loss_var: 0.25,
            loss_cov: 0.25,
            lr: 3e-4,
            h_std: 1.0,
            h_norm: 1.0,
            steps_per_s: 10.0,
        }
    }

    use crate::gui::test_fixtures::planning_row;

    fn step_event(step: u64) -> TrainEvent {
        TrainEvent::Step {
            step,
            total_steps: 20,
            loss: 0.1,
            loss_pred: 0.05,
            loss_var: 0.03,
            loss_cov: 0.02,
            steps_per_s: 10.0,
            eta_secs: 1.0,
        }
    }

    #[test]
    fn a_resumed_job_continues_the_earlier_curve_from_the_step_it_resumes_at() {
        let mut job = Job::new(4, JobKind::Resume, "resume".into(), Some("/r".into()));
        // The run's files: rows 1..=9 (a crash after `last` was written at 7) and metrics at 5 and 9.
        job.apply(Update::Snapshot(FollowSnapshot {
            train: (1..=9).map(train_row).collect(),
            planning: vec![planning_row(5), planning_row(9)],
            total_steps: 20,
        }));
        job.apply(Update::Progress(TrainEvent::Started {
            total_steps: 20,
            start_step: 7,
            device: "cpu".into(),
            num_sequences: 0,
            num_params: 0,
        }));
        job.apply(Update::Progress(step_event(8)));
        let steps: Vec<u64> = job.losses.iter().map(|p| p.step).collect();
        assert_eq!(steps, (1..=8).collect::<Vec<_>>());
        assert_eq!(job.evals.iter().map(|r| r.step).collect::<Vec<_>>(), [5]);
        assert_eq!((job.start_step, job.step), (7, 8));
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
        let id = sup.launch(JobSpec {
            kind: JobKind::Resume,
            label: "resume".into(),
            args: vec![],
            run_dir: Some(tmp.path().to_path_buf()),
        });
        wait_for_end(&mut sup);
        let job = sup.get(id).unwrap();
        assert_eq!(
            job.losses.iter().map(|p| p.step).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert_eq!(job.evals.iter().map(|r| r.step).collect::<Vec<_>>(), [3]);
        assert!(matches!(job.state, JobState::Failed(_)));
    }

    #[test]
    fn our_own_pid_is_live_and_a_free_pid_is_not() {
        // The test binary's name contains "worldbench" (worldbench-<hash>).
        assert!(pid_is_live_worldbench(std::process::id()));
        assert!(!pid_is_live_worldbench(u32::MAX - 7));
    }
}
