//! Opening a run folder and choosing its checkpoints (`last`, a step, or `all`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use worldbench_model::world::{World, WorldMap};
use worldbench_storage::dataset::open_dataset;
use worldbench_storage::files::present;
use worldbench_storage::run::RunManifest;
use worldbench_storage::{Dataset, RunPaths};

/// A run with its dataset and world, ready for evaluation or planning.
pub struct OpenRun {
    pub paths: RunPaths,
    pub data: Dataset,
    pub world: World,
}

pub fn open_run(dir: &Path) -> Result<OpenRun> {
    let paths = RunPaths::new(dir);
    if !present(&paths.manifest()) {
        bail!(
            "{}: not a run folder (no run.json); runs live in <workspace>/runs/",
            dir.display()
        );
    }
    let manifest = RunManifest::read(&paths.manifest())?;
    let data = open_dataset(Path::new(&manifest.dataset_path))
        .with_context(|| format!("the dataset of run {} cannot be opened", dir.display()))?;
    let map = match &data.map {
        Some(text) => Some(WorldMap::parse(text).with_context(|| {
            Path::new(&manifest.dataset_path)
                .join("map.txt")
                .display()
                .to_string()
        })?),
        None => None,
    };
    Ok(OpenRun {
        paths,
        data,
        world: World::new(map),
    })
}

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
