//! A job and what its output told so far: [`Job::apply`] folds each [`Update`] from the launcher
//! or the follower into the job's state (the reducer; no I/O here).

use std::collections::VecDeque;
use std::path::PathBuf;

use worldbench_model::train::TrainEvent;
use worldbench_storage::{PlanningRow, RunStatus, TrainRow};

pub use crate::launch::JobKind;
use crate::launch::{JobHandle, LaunchEvent};

/// Identifies a job for the lifetime of the app.
pub type JobId = u64;

/// Lines of stderr kept per job (for the error message of a failed job).
const STDERR_TAIL_LINES: usize = 20;

impl JobKind {
    /// Whether the job trains (its progress is a run's steps).
    pub fn is_training(self) -> bool {
        matches!(self, Self::Train | Self::Resume | Self::Follow)
    }
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
    /// How the launcher identifies the job once it started (a child's pid; a followed run's).
    pub handle: Option<JobHandle>,
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
    /// The job submitted its run to Slurm (`train … --backend slurm`): once the submitting
    /// process ends, the job follows the run from its folder and Slurm's state.
    pub slurm: bool,
    /// Set when the submission succeeded; the supervisor then starts following the run.
    pub(super) follow_slurm: bool,
}

impl Job {
    pub(super) fn new(id: JobId, kind: JobKind, label: String, run_dir: Option<PathBuf>) -> Self {
        Self {
            id,
            kind,
            label,
            state: JobState::Running,
            handle: None,
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
            slurm: false,
            follow_slurm: false,
        }
    }

    /// The process id, for a job that runs (or is followed) as a local process.
    pub fn pid(&self) -> Option<u32> {
        self.handle.as_ref().and_then(JobHandle::pid)
    }

    fn handle_is_local(&self) -> bool {
        !matches!(self.handle, Some(JobHandle::Slurm { .. }))
    }

    /// The Slurm job id, once a submitted run is followed.
    pub fn slurm_job_id(&self) -> Option<&str> {
        match &self.handle {
            Some(JobHandle::Slurm { job_id }) => Some(job_id),
            _ => None,
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

    pub(super) fn apply(&mut self, update: Update) -> Option<JobNotice> {
        match update {
            Update::Spawned(handle) => self.handle = Some(handle),
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
            Update::CancelFailed(why) => {
                if self.state == JobState::Cancelling {
                    self.state = JobState::Running;
                }
                self.stderr_tail.push_back(format!("cancel failed: {why}"));
            }
            Update::Stderr(line) => {
                if self.stderr_tail.len() == STDERR_TAIL_LINES {
                    self.stderr_tail.pop_front();
                }
                self.stderr_tail.push_back(line);
            }
            Update::Progress(event) => return self.progress(event),
            Update::Exited { success: true, .. }
                if self.slurm && self.state == JobState::Running && self.handle_is_local() =>
            {
                // Submitted: the job goes on as the run on Slurm.
                if let Some(dir) = self.run_dir.clone() {
                    self.follow_slurm = true;
                    self.handle = None;
                    return Some(JobNotice::RunChanged(dir));
                }
                self.state = JobState::Failed(format!(
                    "{}: the submission printed no run folder",
                    self.label
                ));
                return Some(self.ended());
            }
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
                    RunStatus::Preempted => JobState::Failed(format!(
                        "run {} was preempted and its Slurm job is gone before it restarted; Resume continues it from `last`",
                        self.label
                    )),
                    RunStatus::Pending => JobState::Failed(format!(
                        "run {} never started: its Slurm job is gone before the trainer wrote run.json",
                        self.label
                    )),
                    RunStatus::Running | RunStatus::Interrupted => JobState::Failed(format!(
                        "run {} was interrupted: its trainer is gone but run.json still says \"running\" (it was killed); Resume continues it from `last`",
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
                self.evals.push(*row);
                return self.run_dir.clone().map(JobNotice::RunChanged);
            }
            // In the run's log; the row's columns of that planner stay empty.
            TrainEvent::PlannerSkipped { .. } => {}
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
pub(super) struct FollowSnapshot {
    pub(super) train: Vec<TrainRow>,
    pub(super) planning: Vec<PlanningRow>,
    pub(super) total_steps: u64,
}

#[derive(Debug)]
pub(super) enum Update {
    Spawned(JobHandle),
    SpawnFailed(String),
    Stdout(String),
    Stderr(String),
    Progress(TrainEvent),
    Exited {
        success: bool,
        code: Option<i32>,
    },
    Snapshot(FollowSnapshot),
    FollowEnded(RunStatus),
    /// The backend refused to cancel (Slurm's message).
    CancelFailed(String),
}

impl Update {
    /// What a launcher's event means for a job: a stdout line that is a progress event is one.
    pub(super) fn from_launch(event: LaunchEvent) -> Self {
        match event {
            LaunchEvent::Spawned(h) => Self::Spawned(h),
            LaunchEvent::SpawnFailed(e) => Self::SpawnFailed(e),
            LaunchEvent::Stdout(line) => {
                crate::gui::progress_event::parse(&line).map_or(Self::Stdout(line), Self::Progress)
            }
            LaunchEvent::Stderr(line) => Self::Stderr(line),
            LaunchEvent::Exited { success, code } => Self::Exited { success, code },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::test_fixtures::{planning_row, train_row};

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
}
