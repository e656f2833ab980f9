//! Which background work a thread has started and not yet finished. Every [`super::task::Task`]
//! (and every request to the frame decoder) holds a [`Pending`] of the thread that started it
//! until its result has been handed over, so a test can wait until everything the app started is
//! done — [`wait_idle`] — and then run a frame to apply it, instead of one wait method per panel.
//! The count is per starting thread: each test drives its app on a thread of its own, and the
//! app's UI thread counts only its own work.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Counter {
    counts: Mutex<Counts>,
    changed: Condvar,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    /// Work started and not yet finished.
    running: usize,
    /// Work ever started (so a frame that started work which finished at once is still seen).
    started: u64,
}

impl Counter {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    static STARTED_HERE: Arc<Counter> = Arc::default();
}

/// One piece of work under way, counted for the thread that created it until it is dropped.
pub struct Pending(Arc<Counter>);

impl Pending {
    /// Counts one more piece of work for the calling thread.
    pub fn begin() -> Self {
        let counter = STARTED_HERE.with(Arc::clone);
        {
            let mut counts = counter.counts();
            counts.running += 1;
            counts.started += 1;
        }
        Self(counter)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut counts = self.0.counts();
        counts.running = counts.running.saturating_sub(1);
        drop(counts);
        self.0.changed.notify_all();
    }
}

/// How many pieces of work the calling thread started that have not handed over their result.
pub fn running() -> usize {
    STARTED_HERE.with(|c| c.counts().running)
}

/// How many pieces of work the calling thread has ever started.
fn started() -> u64 {
    STARTED_HERE.with(|c| c.counts().started)
}

/// Blocks until all work the calling thread started has handed over its result, or `timeout`
/// passes; whether it all did. The results are applied by the panels on their next frame.
pub fn wait_idle(timeout: Duration) -> bool {
    let counter = STARTED_HERE.with(Arc::clone);
    let deadline = Instant::now() + timeout;
    let mut counts = counter.counts();
    while counts.running > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        counts = counter
            .changed
            .wait_timeout(counts, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}

/// Runs frames with `run_frame` and waits for the work they start, until a frame starts none; for
/// tests and scripts that drive the app (the app itself never blocks). A frame whose work ended
/// before the frame did still counts as starting work: its result is applied by the next frame.
/// Each wait is up to `timeout`; the error says what was still running.
pub fn settle(timeout: Duration, mut run_frame: impl FnMut()) -> Result<(), String> {
    /// Rounds of (wait, frame) before the app is taken to start work at every frame.
    const ROUNDS: usize = 200;
    for _ in 0..ROUNDS {
        if !wait_idle(timeout) {
            return Err(format!(
                "{} pieces of background work were still running after {timeout:?}",
                running()
            ));
        }
        let before = started();
        run_frame();
        if started() == before {
            return Ok(());
        }
    }
    Err(format!(
        "the app started background work at each of {ROUNDS} frames"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn work_counts_for_the_thread_that_started_it_until_dropped() {
        assert_eq!(running(), 0);
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let pending = Pending::begin();
        let worker = std::thread::spawn(move || {
            // Another thread's own count is separate.
            assert_eq!(running(), 0);
            let _ = go_rx.recv();
            drop(pending);
        });
        assert_eq!(running(), 1);
        assert!(!wait_idle(Duration::from_millis(20)), "still running");
        go_tx.send(()).unwrap();
        assert!(wait_idle(Duration::from_mins(1)));
        assert_eq!(running(), 0);
        worker.join().unwrap();
    }

    #[test]
    fn settle_runs_frames_until_a_frame_starts_no_work() {
        let mut frames = 0;
        let mut started = Vec::new();
        // The first two frames start work of their own (as a panel does when a load finishes).
        settle(Duration::from_mins(1), || {
            frames += 1;
            if frames <= 2 {
                let pending = Pending::begin();
                started.push(std::thread::spawn(move || drop(pending)));
            }
        })
        .expect("settles");
        assert_eq!(frames, 3);
        assert_eq!(running(), 0);
        let err = settle(Duration::from_millis(50), || {
            std::mem::forget(Pending::begin());
        });
        assert!(err.is_err_and(|e| e.contains("still running")));
        for t in started {
            t.join().unwrap();
        }
    }
}
