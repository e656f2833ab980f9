//! The step that a run's rolling `last.safetensors` holds (its `step` metadata), read off the UI
//! thread: only the file's header is read, once per load of the run index, in a background thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use worldbench_storage::tensors::read_safetensors_header;

use crate::gui::run_index::RunRecord;
use crate::gui::task::Task;

/// The step of a checkpoint file, or why it cannot be told (the message names the file).
pub type StepOrError = Result<u64, String>;

/// Reads the `step` metadata of the checkpoint at `path` (header only; the weights are not read).
pub fn read_checkpoint_step(path: &Path) -> StepOrError {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (_, meta) = read_safetensors_header(path, &file).map_err(|e| e.to_string())?;
    let text = meta.get("step").ok_or_else(|| {
        format!(
            "{}: no \"step\" in its metadata (not a worldbench checkpoint?)",
            path.display()
        )
    })?;
    text.parse().map_err(|e| {
        format!(
            "{}: its \"step\" metadata {text:?} is not a step number ({e})",
            path.display()
        )
    })
}

/// What is known of one `last` file.
struct Entry {
    /// The run index load it was read for (read again when the index reloads).
    generation: u64,
    /// The latest answer (kept while a newer read is under way).
    step: Option<StepOrError>,
    /// A read under way.
    pending: Option<Task<StepOrError>>,
}

/// Steps of `last` files, by path.
#[derive(Default)]
pub struct LastSteps {
    entries: HashMap<PathBuf, Entry>,
}

impl LastSteps {
    /// The step of the `last` file at `path` as last read (`None` until the first read is done).
    /// Starts a background read when the file was not read for this `generation` of the run index;
    /// `ctx` is asked for a repaint when it finishes.
    pub fn get(
        &mut self,
        path: &Path,
        generation: u64,
        ctx: &egui::Context,
    ) -> Option<&StepOrError> {
        let entry = self.entries.entry(path.to_path_buf()).or_insert(Entry {
            generation,
            step: None,
            pending: None,
        });
        if let Some(done) = entry.pending.as_mut().and_then(Task::poll) {
            entry.step = Some(done.and_then(|step| step));
            entry.pending = None;
        }
        if entry.pending.is_none() && (entry.step.is_none() || entry.generation != generation) {
            entry.generation = generation;
            let path = path.to_path_buf();
            entry.pending = Some(Task::spawn(
                "worldbench-last-step",
                Some(ctx.clone()),
                move |_| Ok(read_checkpoint_step(&path)),
            ));
        }
        entry.step.as_ref()
    }

    /// The step `run`'s `last` holds, read as [`Self::get`] does; `None` while it is read or when
    /// the run has no `last`.
    pub fn of_run(
        &mut self,
        run: &RunRecord,
        generation: u64,
        ctx: &egui::Context,
    ) -> Option<StepOrError> {
        let last = run.checkpoints.iter().find(|c| c.step.is_none())?;
        self.get(&last.path, generation, ctx).cloned()
    }

    /// Blocks until every read under way is done (this file's tests).
    #[cfg(test)]
    fn wait(&mut self) {
        for entry in self.entries.values_mut() {
            if let Some(mut task) = entry.pending.take() {
                entry.step = Some(task.wait().and_then(|step| step));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::tensors::{write_safetensors, Dtype, TensorBlob};

    fn write_last(path: &Path, step: Option<&str>) {
        let meta = step.map(|s| [("step".to_string(), s.to_string())].into_iter().collect());
        let t = TensorBlob::new(Dtype::F32, vec![1], vec![0; 4]);
        write_safetensors(path, &[("w".into(), t)], meta).unwrap();
    }

    #[test]
    fn reads_the_step_from_the_header_and_names_the_file_when_it_cannot() {
        let tmp = tempfile::tempdir().unwrap();
        let last = tmp.path().join("last.safetensors");
        write_last(&last, Some("37"));
        assert_eq!(read_checkpoint_step(&last), Ok(37));

        write_last(&last, None);
        let err = read_checkpoint_step(&last).unwrap_err();
        assert!(
            err.contains("last.safetensors") && err.contains("no \"step\""),
            "{err}"
        );
        write_last(&last, Some("x"));
        assert!(read_checkpoint_step(&last).unwrap_err().contains("\"x\""));
        std::fs::write(&last, [0u8; 16]).unwrap();
        assert!(read_checkpoint_step(&last)
            .unwrap_err()
            .contains("last.safetensors"));
        let gone = tmp.path().join("gone.safetensors");
        assert!(read_checkpoint_step(&gone).unwrap_err().contains("gone"));
    }

    #[test]
    fn reads_again_when_the_run_index_reloads() {
        let tmp = tempfile::tempdir().unwrap();
        let last = tmp.path().join("last.safetensors");
        write_last(&last, Some("5"));
        let ctx = egui::Context::default();
        let mut steps = LastSteps::default();
        assert!(
            steps.get(&last, 1, &ctx).is_none(),
            "read in the background"
        );
        steps.wait();
        assert_eq!(steps.get(&last, 1, &ctx), Some(&Ok(5)));

        write_last(&last, Some("9"));
        // Same load of the index: no new read.
        steps.wait();
        assert_eq!(steps.get(&last, 1, &ctx), Some(&Ok(5)));
        // The index reloaded: the old answer stays until the new one lands.
        assert_eq!(steps.get(&last, 2, &ctx), Some(&Ok(5)));
        steps.wait();
        assert_eq!(steps.get(&last, 2, &ctx), Some(&Ok(9)));
    }
}
