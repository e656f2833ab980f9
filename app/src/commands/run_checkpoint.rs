//! Choosing a run's checkpoints (`last`, a step, or `all`); the run itself is opened by
//! [`crate::run_context::open_run`].

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use worldbench_storage::files::present;
use worldbench_storage::RunPaths;

/// `last`, `all`, or a step number → checkpoint files, in step order.
pub fn select_checkpoints(run: &RunPaths, spec: &str) -> Result<Vec<PathBuf>> {
    match spec {
        "last" => {
            let last = run.last_checkpoint();
            if !present(&last) {
                bail!("{}: no `last` checkpoint yet", last.display());
            }
            Ok(vec![last])
        }
        "all" => {
            let mut steps: Vec<(u64, PathBuf)> = std::fs::read_dir(run.checkpoints_dir())
                .with_context(|| {
                    format!(
                        "{}: cannot list checkpoints",
                        run.checkpoints_dir().display()
                    )
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| step_of_file(&p).map(|s| (s, p)))
                .collect();
            steps.sort();
            if steps.is_empty() {
                bail!(
                    "{}: no step checkpoints yet",
                    run.checkpoints_dir().display()
                );
            }
            Ok(steps.into_iter().map(|(_, p)| p).collect())
        }
        step => {
            let step: u64 = step.parse().map_err(|_| {
                anyhow::anyhow!("--checkpoint {step:?}: expected a step number, `last` or `all`")
            })?;
            let path = run.checkpoint(step);
            if !present(&path) {
                bail!("{}: no checkpoint at step {step}", path.display());
            }
            Ok(vec![path])
        }
    }
}

/// `step_000100.safetensors` → 100.
fn step_of_file(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("step_")?
        .strip_suffix(".safetensors")?
        .parse()
        .ok()
}
