//! Checkpoint files of runs: one run's checkpoints (steps in order, then `last`), their short
//! labels, and every checkpoint of a workspace's runs trained on one dataset (what the H-graph
//! panel offers to compare).

use std::path::{Path, PathBuf};

use crate::run::{RunManifest, RunPaths};

/// The step of `step_000100.safetensors` (100); `None` for `last` and other names.
pub fn checkpoint_step(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_prefix("step_")?
        .strip_suffix(".safetensors")?
        .parse()
        .ok()
}

/// "step 100", "last", or the file name.
pub fn checkpoint_label(path: &Path) -> String {
    if let Some(step) = checkpoint_step(path) {
        return format!("step {step}");
    }
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if name == "last.safetensors" {
        "last".into()
    } else {
        name
    }
}

/// The run folder's name of a checkpoint (`<run>/checkpoints/<file>`).
pub fn run_name_of(checkpoint: &Path) -> String {
    checkpoint
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// "<run> · step 100": which checkpoint of which run.
pub fn checkpoint_title(checkpoint: &Path) -> String {
    format!(
        "{} · {}",
        run_name_of(checkpoint),
        checkpoint_label(checkpoint)
    )
}

/// The checkpoints of a run's `checkpoints/` folder: `step_N.safetensors` by step, then
/// `last.safetensors` (h-graph caches and temporary files are left out).
pub fn checkpoints_of(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut steps: Vec<(u64, PathBuf)> = Vec::new();
    let mut last = None;
    for path in entries.flatten().map(|e| e.path()) {
        if !path.is_file() {
            continue;
        }
        if let Some(step) = checkpoint_step(&path) {
            steps.push((step, path));
        } else if path.file_name().is_some_and(|n| n == "last.safetensors") {
            last = Some(path);
        }
    }
    steps.sort();
    let mut out: Vec<PathBuf> = steps.into_iter().map(|(_, p)| p).collect();
    out.extend(last);
    out
}

/// Every checkpoint of the runs in `runs_dir` whose run.json names `dataset_hash`, runs in folder
/// order (so by start time), each run's checkpoints by step then `last`. Runs whose run.json cannot
/// be read are left out.
pub fn checkpoints_on_dataset(runs_dir: &Path, dataset_hash: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(runs_dir) else {
        return Vec::new();
    };
    let mut runs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    runs.sort();
    runs.into_iter()
        .filter(|dir| {
            let paths = RunPaths::new(dir);
            RunManifest::read(&paths.manifest()).is_ok_and(|m| m.dataset_hash == dataset_hash)
        })
        .flat_map(|dir| checkpoints_of(&RunPaths::new(dir).checkpoints_dir()))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_run_and_the_step() {
        let p = Path::new("/ws/runs/2026-01-01.attempt/checkpoints/step_000040.safetensors");
        assert_eq!(checkpoint_step(p), Some(40));
        assert_eq!(checkpoint_label(p), "step 40");
        assert_eq!(checkpoint_title(p), "2026-01-01.attempt · step 40");
        let last = Path::new("/ws/runs/r/checkpoints/last.safetensors");
        assert_eq!(checkpoint_step(last), None);
        assert_eq!(checkpoint_title(last), "r · last");
    }

    #[test]
    fn checkpoints_come_in_step_order_then_last_without_caches() {
        let tmp = tempfile::tempdir().unwrap();
        for name in [
            "last.safetensors",
            "step_000010.safetensors",
            "step_000002.safetensors",
            "step_000002.hgraph.safetensors",
            ".step_000004.safetensors.tmp",
        ] {
            std::fs::write(tmp.path().join(name), b"x").unwrap();
        }
        let names: Vec<String> = checkpoints_of(tmp.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "step_000002.safetensors",
                "step_000010.safetensors",
                "last.safetensors"
            ]
        );
    }
}
