//! Opening a dataset on a background thread: read its metadata and small arrays (not its frames:
//! those are read one at a time by the frame decoder), compute the statistics, as a background
//! [`Task`] that the UI polls once per frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use worldbench_storage::dataset::{open_dataset_lazy, LazyDataset};

use super::stats::DatasetStats;
use crate::gui::task::Task;

/// An opened dataset (frames still on disk) with its statistics.
pub struct Loaded {
    pub path: PathBuf,
    pub dataset: Arc<LazyDataset>,
    pub stats: DatasetStats,
}

/// A load in progress.
pub struct Loading {
    pub path: PathBuf,
    pub started: Instant,
    task: Task<Box<Loaded>>,
}

/// The message shown when `path` cannot be opened because of `err`.
pub fn error_message(path: &Path, err: &dyn std::fmt::Display) -> String {
    format!(
        "Could not open the dataset {}: {err}. Check or regenerate that file, or pick another dataset.",
        path.display()
    )
}

impl Loading {
    /// Starts loading `path` in a background task; `ctx` (when known) is asked to repaint at each stage.
    pub fn start(path: PathBuf, ctx: Option<egui::Context>) -> Self {
        let thread_path = path.clone();
        let task = Task::spawn("dataset-loader", ctx, move |control| {
            control.stage(&format!("Reading {}…", thread_path.display()), 0.0)?;
            let dataset = open_dataset_lazy(&thread_path).map_err(|e| e.to_string())?;
            control.stage(
                &format!("Computing statistics of {} frames…", dataset.len()),
                0.5,
            )?;
            let stats = DatasetStats::compute(&dataset);
            Ok(Box::new(Loaded {
                path: thread_path.clone(),
                dataset: Arc::new(dataset),
                stats,
            }))
        });
        Self {
            path,
            started: Instant::now(),
            task,
        }
    }

    /// What the loader is doing now (for the spinner's text).
    pub fn stage(&self) -> &str {
        &self.task.stage
    }

    /// The result when the load has finished, without blocking.
    pub fn poll(&mut self) -> Option<Result<Box<Loaded>, String>> {
        let done = self.task.poll()?;
        Some(done.map_err(|e| error_message(&self.path, &e)))
    }
}
