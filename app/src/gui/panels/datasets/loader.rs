//! Opening a dataset on a background thread: read its metadata and small arrays (not its frames:
//! those are read one at a time by the frame decoder), compute the statistics, report back through
//! a channel that the UI polls once per frame.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use worldbench_storage::dataset::{open_dataset_lazy, LazyDataset};

use super::stats::DatasetStats;

/// An opened dataset (frames still on disk) with its statistics.
pub struct Loaded {
    pub path: PathBuf,
    pub dataset: Arc<LazyDataset>,
    pub stats: DatasetStats,
}

enum LoadEvent {
    /// What the loader is doing now.
    Stage(String),
    Done(Result<Box<Loaded>, String>),
}

/// A load in progress.
pub struct Loading {
    pub path: PathBuf,
    /// What the loader is doing now (for the spinner's text).
    pub stage: String,
    pub started: Instant,
    rx: Receiver<LoadEvent>,
}

/// The message shown when `path` cannot be opened because of `err`.
pub fn error_message(path: &Path, err: &dyn std::fmt::Display) -> String {
    format!(
        "Could not open the dataset {}: {err}. Check or regenerate that file, or pick another dataset.",
        path.display()
    )
}

impl Loading {
    /// Starts loading `path` on a new thread; `ctx` (when known) is asked to repaint at each stage.
    pub fn start(path: PathBuf, ctx: Option<egui::Context>) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread_path = path.clone();
        let send = move |ev: LoadEvent| {
            // The receiver may be gone (another dataset was selected): then nobody needs the result.
            let _ = tx.send(ev);
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        };
        let spawned = std::thread::Builder::new()
            .name("dataset-loader".into())
            .spawn(move || {
                send(LoadEvent::Stage(format!(
                    "Reading {}…",
                    thread_path.display()
                )));
                let result = match open_dataset_lazy(&thread_path) {
                    Err(e) => Err(error_message(&thread_path, &e)),
                    Ok(dataset) => {
                        send(LoadEvent::Stage(format!(
                            "Computing statistics of {} frames…",
                            dataset.len()
                        )));
                        let stats = DatasetStats::compute(&dataset);
                        Ok(Box::new(Loaded {
                            path: thread_path.clone(),
                            dataset: Arc::new(dataset),
                            stats,
                        }))
                    }
                };
                send(LoadEvent::Done(result));
            });
        let mut loading = Self {
            stage: format!("Opening {}…", path.display()),
            path,
            started: Instant::now(),
            rx,
        };
        if let Err(e) = spawned {
            // No thread: the channel's sender is dropped, so the next poll reports this.
            loading.stage = format!("could not start a loading thread: {e}");
        }
        loading
    }

    fn handle(&mut self, ev: LoadEvent) -> Option<Result<Box<Loaded>, String>> {
        match ev {
            LoadEvent::Stage(s) => {
                self.stage = s;
                None
            }
            LoadEvent::Done(r) => Some(r),
        }
    }

    fn lost(&self) -> Result<Box<Loaded>, String> {
        Err(error_message(
            &self.path,
            &format!("the loading thread stopped unexpectedly ({})", self.stage),
        ))
    }

    /// The result when the load has finished, without blocking.
    pub fn poll(&mut self) -> Option<Result<Box<Loaded>, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(ev) => {
                    if let Some(done) = self.handle(ev) {
                        return Some(done);
                    }
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(self.lost()),
            }
        }
    }

    /// Blocks until the load finishes or `timeout` passes (for tests and scripts).
    pub fn wait(&mut self, timeout: Duration) -> Option<Result<Box<Loaded>, String>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(ev) => {
                    if let Some(done) = self.handle(ev) {
                        return Some(done);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return Some(self.lost()),
            }
        }
    }
}
