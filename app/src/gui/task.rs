//! The app's one background-task type: work that must not run on the UI thread (reading files,
//! computing, waiting on a dialog) runs on its own thread as a [`Task<T>`], which reports its
//! stage and progress, can be cancelled, and hands back its result; the UI polls it each frame
//! without blocking, and the task asks egui for a repaint whenever it has something new. Each task
//! is counted by [`super::task_tracker`] until its result is handed over, so tests wait for all
//! the app's work at once (`task_tracker::wait_idle`) and then run a frame, instead of sleeping. (Jobs that are processes of their own —
//! training, evaluation — go through `gui::jobs` instead.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::task_tracker::Pending;

/// Where a task's work reports its stage: (what, fraction of the whole).
pub type ProgressFn<'a> = &'a dyn Fn(&str, f32);

/// What a task's work sees: its cancel flag and where to report its stage.
pub struct TaskControl<'a> {
    cancel: &'a AtomicBool,
    progress: ProgressFn<'a>,
}

impl TaskControl<'_> {
    /// Reports the stage the work is at (`fraction` of the whole, 0..=1); an error when the task
    /// was cancelled, so that work stops at its next stage with `?`.
    pub fn stage(&self, what: &str, fraction: f32) -> Result<(), String> {
        if self.is_cancelled() {
            return Err("cancelled".into());
        }
        (self.progress)(what, fraction);
        Ok(())
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag and the progress callback, for work written against another crate's
    /// control type (the model's `eval::Control`).
    pub fn parts(&self) -> (&AtomicBool, ProgressFn<'_>) {
        (self.cancel, self.progress)
    }
}

enum Msg<T> {
    Stage(String, f32),
    Done(Result<T, String>),
}

/// One background task producing a `T` (or an error message naming what went wrong).
pub struct Task<T> {
    /// The stage it last reported.
    pub stage: String,
    /// How far it is, 0..=1.
    pub fraction: f32,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Msg<T>>,
}

impl<T: Send + 'static> Task<T> {
    /// Starts `work` on a thread named `name`; `ctx` (when given) is asked for a repaint at each
    /// stage and at the end. A thread that cannot start gives a task that ends with that error.
    pub fn spawn(
        name: &str,
        ctx: Option<egui::Context>,
        work: impl FnOnce(&TaskControl<'_>) -> Result<T, String> + Send + 'static,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let failed_tx = tx.clone();
        let pending = Pending::begin();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let send = |m: Msg<T>| {
                    // The receiver is gone when its owner moved on: nobody needs the result.
                    let _ = tx.send(m);
                    if let Some(c) = &ctx {
                        c.request_repaint();
                    }
                };
                let progress = |what: &str, f: f32| send(Msg::Stage(what.to_string(), f));
                let control = TaskControl {
                    cancel: &flag,
                    progress: &progress,
                };
                let result = work(&control);
                send(Msg::Done(result));
                drop(pending);
            });
        if let Err(e) = spawned {
            let _ = failed_tx.send(Msg::Done(Err(format!(
                "{name}: could not start a thread: {e}"
            ))));
        }
        Self {
            stage: "starting…".into(),
            fraction: 0.0,
            cancel,
            rx,
        }
    }

    /// A task that is already done with `result` (for work that needs no thread).
    pub fn ready(result: Result<T, String>) -> Self {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Msg::Done(result));
        Self {
            stage: String::new(),
            fraction: 1.0,
            cancel: Arc::new(AtomicBool::new(false)),
            rx,
        }
    }

    /// Asks the work to stop at its next stage.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result once the task has ended, without blocking.
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(msg) => {
                    if let Some(done) = self.take(msg) {
                        return Some(done);
                    }
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(Err(self.lost())),
            }
        }
    }

    /// Blocks until the task ends (tests).
    pub fn wait(&mut self) -> Result<T, String> {
        loop {
            match self.rx.recv() {
                Ok(msg) => {
                    if let Some(done) = self.take(msg) {
                        return done;
                    }
                }
                Err(_) => return Err(self.lost()),
            }
        }
    }

    /// Blocks up to `timeout` for the task to end (tests); `None` when it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<Result<T, String>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(msg) => {
                    if let Some(done) = self.take(msg) {
                        return Some(done);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return Some(Err(self.lost())),
            }
        }
    }

    fn take(&mut self, msg: Msg<T>) -> Option<Result<T, String>> {
        match msg {
            Msg::Stage(s, f) => {
                self.stage = s;
                self.fraction = f;
                None
            }
            Msg::Done(r) => Some(r),
        }
    }

    fn lost(&self) -> String {
        format!("the task stopped unexpectedly ({})", self.stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_reports_stages_and_its_result() {
        let mut t = Task::spawn("t", None, |c| {
            c.stage("half", 0.5)?;
            Ok(41 + 1)
        });
        assert_eq!(t.wait(), Ok(42));
        assert_eq!((t.stage.as_str(), t.fraction), ("half", 0.5));
        assert_eq!(Task::ready(Ok(7)).wait(), Ok(7));
    }

    #[test]
    fn a_cancelled_task_stops_at_its_next_stage() {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let mut t = Task::spawn("t", None, move |c| {
            let _ = go_rx.recv();
            c.stage("after the wait", 0.9)?;
            Ok(())
        });
        assert!(t.poll().is_none(), "still waiting");
        t.cancel();
        go_tx.send(()).unwrap();
        assert_eq!(t.wait(), Err("cancelled".into()));
    }

    #[test]
    fn wait_timeout_returns_none_while_running() {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let mut t = Task::spawn("t", None, move |_| {
            let _ = go_rx.recv();
            Ok(1)
        });
        assert!(t.wait_timeout(Duration::from_millis(20)).is_none());
        go_tx.send(()).unwrap();
        assert_eq!(t.wait_timeout(Duration::from_mins(1)), Some(Ok(1)));
    }
}
