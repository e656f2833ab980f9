//! Everything a post says about a run, read from the run's own files.

use std::path::{Path, PathBuf};

use crate::dataset::open_dataset;
use crate::error::Result;
use crate::gate::Gate;
use crate::metrics::{read_csv, PlanningRow, TrainRow};
use crate::resumes::{read_resumes, Resume};
use crate::run::{RunKind, RunManifest, RunPaths};
use crate::success_criteria::{RunJudgement, SuccessCriteria};

/// The data statistics of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataStats {
    pub trajectories: usize,
    pub frames: usize,
    /// Frames per training sequence (`config.model.seq_len`).
    pub seq_len: Option<u64>,
    /// Sequences per batch (`config.model.batch_size`).
    pub batch_size: Option<u64>,
    pub height: usize,
    pub width: usize,
}

/// A run as a post reports it.
#[derive(Debug, Clone)]
pub struct RunData {
    pub paths: RunPaths,
    pub manifest: RunManifest,
    /// Rows of `metrics/train.csv` (empty when the file is missing).
    pub train: Vec<TrainRow>,
    /// Rows of `metrics/planning_metrics.csv` in step order (empty when missing).
    pub planning: Vec<PlanningRow>,
    /// The dataset's counts, or why they could not be read.
    pub data: std::result::Result<DataStats, String>,
    /// The gate the run recorded, or why there is none.
    pub gate: std::result::Result<(PathBuf, Gate), String>,
    /// The previous attempt on the same dataset (the latest earlier run of the workspace trained
    /// on a dataset of the same hash, attempts preferred over smoke runs).
    pub previous: Option<(PathBuf, RunManifest)>,
    /// The run's resumes (`resumes.jsonl`), or why they could not be read.
    pub resumes: std::result::Result<Vec<Resume>, String>,
    pub judgement: RunJudgement,
}

impl RunData {
    /// Reads the run in `run_dir`; `runs_dir` is searched for the previous attempt. Only a missing or
    /// broken run.json or metric CSV is an error; a missing dataset or gate is reported in the post.
    pub fn read(run_dir: &Path, runs_dir: &Path, criteria: &SuccessCriteria) -> Result<Self> {
        let paths = RunPaths::new(run_dir);
        let manifest = RunManifest::read(&paths.manifest())?;
        let train = if crate::files::present(&paths.train_csv()) {
            read_csv(&paths.train_csv())?
        } else {
            Vec::new()
        };
        let mut planning: Vec<PlanningRow> = if crate::files::present(&paths.planning_csv()) {
            read_csv(&paths.planning_csv())?
        } else {
            Vec::new()
        };
        planning.sort_by_key(|r| r.step);
        let data = data_stats(&manifest);
        let gate = match &manifest.gate {
            None => Err(match manifest.kind {
                RunKind::Smoke => "none (a smoke run needs no gate)".to_string(),
                RunKind::Attempt => "none recorded".to_string(),
            }),
            Some(p) => {
                let path = PathBuf::from(p);
                Gate::read(&path)
                    .map(|g| (path, g))
                    .map_err(|e| e.to_string())
            }
        };
        let judgement = criteria.judge_run(&planning);
        Ok(Self {
            previous: previous_run(run_dir, runs_dir, &manifest.dataset_hash),
            resumes: read_resumes(&paths).map_err(|e| e.to_string()),
            paths,
            manifest,
            train,
            planning,
            data,
            gate,
            judgement,
        })
    }

    /// The run folder's name.
    pub fn name(&self) -> String {
        self.paths.root.file_name().map_or_else(
            || self.paths.root.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

fn data_stats(m: &RunManifest) -> std::result::Result<DataStats, String> {
    let ds = open_dataset(Path::new(&m.dataset_path)).map_err(|e| e.to_string())?;
    let model = &m.config.model;
    Ok(DataStats {
        trajectories: ds.episodes().len(),
        frames: ds.len(),
        seq_len: Some(model.seq_len as u64),
        batch_size: Some(model.batch_size as u64),
        height: ds.height,
        width: ds.width,
    })
}

/// The latest run folder before `run_dir` (by name, so by start time) in `runs_dir` trained on the
/// dataset of `dataset_hash`: the latest such attempt if there is one, else the latest such run of
/// any kind. Runs on other datasets are never compared with.
pub fn previous_run(
    run_dir: &Path,
    runs_dir: &Path,
    dataset_hash: &str,
) -> Option<(PathBuf, RunManifest)> {
    let name = run_dir.file_name()?;
    let mut earlier: Vec<PathBuf> = std::fs::read_dir(runs_dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("run.json").is_file() && p.file_name().is_some_and(|n| n < name))
        .collect();
    earlier.sort();
    let runs: Vec<(PathBuf, RunManifest)> = earlier
        .into_iter()
        .filter_map(|p| {
            let m = RunManifest::read(&p.join("run.json")).ok()?;
            (m.dataset_hash == dataset_hash).then_some((p, m))
        })
        .collect();
    let attempt = runs
        .iter()
        .rev()
        .find(|(_, m)| m.kind == RunKind::Attempt)
        .cloned();
    attempt.or_else(|| runs.last().cloned())
}

/// The keys of a JSON value flattened to dotted paths (`model.batch_size`), with their values.
pub fn flatten_json(v: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out.sort();
    out
}

/// The differences between two configs: `(key, before, after)`, "–" where a key is absent.
pub fn config_diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Vec<(String, String, String)> {
    let a = flatten_json(before);
    let b = flatten_json(after);
    let mut keys: Vec<&String> = a.iter().chain(b.iter()).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    let get = |list: &[(String, String)], k: &str| {
        list.iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| "–".to_string(), |(_, v)| v.clone())
    };
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (get(&a, k), get(&b, k));
            (x != y).then(|| (k.clone(), x, y))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_attempt_is_the_latest_earlier_one_on_the_same_dataset() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path();
        let write = |name: &str, kind: RunKind, hash: &str| {
            let dir = runs.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let m = RunManifest {
                title: name.into(),
                kind,
                dataset_hash: hash.into(),
                ..RunManifest::default()
            };
            m.write(&dir.join("run.json")).unwrap();
            dir
        };
        write("1.attempt-a", RunKind::Attempt, "A");
        write("2.smoke-a", RunKind::Smoke, "A");
        write("3.attempt-b", RunKind::Attempt, "B");
        write("4.smoke-b", RunKind::Smoke, "B");
        let this = write("5.attempt-a", RunKind::Attempt, "A");
        let name = |p: Option<(PathBuf, RunManifest)>| p.map(|(_, m)| m.title);
        // The attempt on dataset A, not the later smoke run or attempt on B.
        assert_eq!(
            name(previous_run(&this, runs, "A")),
            Some("1.attempt-a".into())
        );
        // Only a smoke run on B before 4: compared with it.
        assert_eq!(
            name(previous_run(&runs.join("4.smoke-b"), runs, "B")),
            Some("3.attempt-b".into())
        );
        assert_eq!(
            name(previous_run(&runs.join("3.attempt-b"), runs, "B")),
            None
        );
        assert_eq!(name(previous_run(&this, runs, "C")), None);
    }

    #[test]
    fn config_diff_lists_changed_added_and_removed_keys() {
        let a =
            serde_json::json!({"lr": 0.001, "model": {"batch_size": 64, "seq_len": 5}, "old": 1});
        let b = serde_json::json!({"lr": 0.001, "model": {"batch_size": 32, "seq_len": 5}, "new": true});
        assert_eq!(
            config_diff(&a, &b),
            vec![
                (
                    "model.batch_size".to_string(),
                    "64".to_string(),
                    "32".to_string()
                ),
                ("new".to_string(), "–".to_string(), "true".to_string()),
                ("old".to_string(), "1".to_string(), "–".to_string()),
            ]
        );
    }
}
