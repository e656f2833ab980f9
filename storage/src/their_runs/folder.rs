//! One of their run folders (`<output_dir>/<YYYY-MM-DD_HH-MM-SS>/`), read in place and never
//! changed here (annotations are [`super::annotations`]).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::columns::normalize_planning_names;
use super::images::{image_series, ImageSeries};
use super::mixed_table::MixedTable;
use super::table::ColumnTable;
use crate::error::{Result, StorageError};

/// The loss column their viewer plots first; the listing's "last loss".
pub const WORLD_LOSS_COLUMN: &str = "loss_world";

/// `metadata_git.txt`: "Git commit:\n<sha>\n\nGit diff (uncommitted changes):\n<diff>".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GitRecord {
    pub commit: String,
    pub diff: String,
}

/// `metadata_model.txt`: `[parameters] total`, `[flops] per_step` (either may be missing).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ModelRecord {
    pub parameters: Option<u64>,
    pub flops_per_step: Option<f64>,
}

/// Everything their run folder holds that Worldbench reads.
#[derive(Debug, Clone, Serialize)]
pub struct TheirRun {
    pub dir: PathBuf,
    /// `metadata.txt`, the whole config (`[train_config]`, `[model_config]`).
    pub config: toml::Table,
    /// The first `data_root` of metadata.txt.
    pub data_root: Option<String>,
    pub git: Option<GitRecord>,
    pub model: ModelRecord,
    /// `model_shape.txt` as written.
    pub model_shape: Option<String>,
    /// `metrics/loss.csv`.
    pub loss: ColumnTable,
    /// `metrics/planning_metrics.csv`, unprefixed names of older versions renamed to `p_…`.
    pub planning: ColumnTable,
    /// `metrics/planning_anchor_metrics.csv` (the h-graph's radii per evaluated step), every
    /// column, words (`h_metric`) kept.
    pub planning_anchor: MixedTable,
    /// `checkpoints/*.pt`, sorted by name.
    pub checkpoints: Vec<PathBuf>,
    pub images: Vec<ImageSeries>,
}

/// A folder that looks like one of their runs: `metadata.txt` or `metrics/loss.csv`, no `run.json`.
pub fn is_their_run(dir: &Path) -> bool {
    !dir.join("run.json").exists()
        && (dir.join("metadata.txt").is_file() || dir.join("metrics/loss.csv").is_file())
}

/// Their runs directly under `root`, sorted by folder name (so by start time).
pub fn find_their_runs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_dir() && is_their_run(p));
    out.sort();
    out
}

/// Their folder name `2026-02-05_12-56-29` as `2026-02-05T12:56:29` (None for another name).
pub fn started_from_folder_name(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?;
    let dt = chrono::NaiveDateTime::parse_from_str(name.get(..19)?, "%Y-%m-%d_%H-%M-%S").ok()?;
    Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string())
}

impl TheirRun {
    /// Reads the folder. A missing file is an empty part; a file that cannot be parsed is an error
    /// naming it.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(StorageError::NotFound {
                path: dir.to_path_buf(),
                what: "run folder".into(),
            });
        }
        let config = read_toml(&dir.join("metadata.txt"))?.unwrap_or_default();
        let data_root = find_key(&toml::Value::Table(config.clone()), "data_root");
        let git = read_text(&dir.join("metadata_git.txt"))?.map(|t| parse_git(&t));
        let model = match read_toml(&dir.join("metadata_model.txt"))? {
            Some(t) => parse_model(&t),
            None => ModelRecord::default(),
        };
        let model_shape = read_text(&dir.join("model_shape.txt"))?;
        let loss_path = dir.join("metrics/loss.csv");
        let loss = ColumnTable::read(&loss_path)?.unwrap_or_else(|| empty(&loss_path));
        let planning_path = dir.join("metrics/planning_metrics.csv");
        let mut planning =
            ColumnTable::read(&planning_path)?.unwrap_or_else(|| empty(&planning_path));
        normalize_planning_names(&mut planning);
        let planning_anchor = MixedTable::read(&dir.join("metrics/planning_anchor_metrics.csv"))?;
        let mut checkpoints: Vec<PathBuf> = std::fs::read_dir(dir.join("checkpoints"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        checkpoints.retain(|p| p.extension().is_some_and(|e| e == "pt"));
        checkpoints.sort();
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            data_root,
            git,
            model,
            model_shape,
            loss,
            planning,
            planning_anchor,
            checkpoints,
            images: image_series(dir),
        })
    }

    /// The last logged step of loss.csv.
    pub fn last_step(&self) -> Option<u64> {
        last_finite(self.loss.column("step")?).map(|s| s as u64)
    }
}

fn empty(path: &Path) -> ColumnTable {
    ColumnTable {
        path: path.to_path_buf(),
        ..ColumnTable::default()
    }
}

/// The last value of `col` that is a number.
pub fn last_finite(col: &[f64]) -> Option<f64> {
    col.iter().rev().copied().find(|v| v.is_finite())
}

pub(crate) fn read_text(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StorageError::io(path, e)),
    }
}

/// Reads a TOML file; the error names the file and the line.
pub(crate) fn read_toml(path: &Path) -> Result<Option<toml::Table>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    parse_toml(path, &text).map(Some)
}

pub(crate) fn parse_toml(path: &Path, text: &str) -> Result<toml::Table> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1);
        let at = line.map_or(String::new(), |l| format!("line {l}: "));
        StorageError::invalid(path, format!("not valid TOML: {at}{}", e.message().trim()))
    })
}

/// The first string value of `key` anywhere in the tree (their viewer's rule for `data_root`).
fn find_key(v: &toml::Value, key: &str) -> Option<String> {
    match v {
        toml::Value::Table(t) => {
            if let Some(toml::Value::String(s)) = t.get(key) {
                if !s.trim().is_empty() {
                    return Some(s.trim().to_string());
                }
            }
            t.values().find_map(|v| find_key(v, key))
        }
        toml::Value::Array(a) => a.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// The commit is the first non-empty line after "Git commit"; the diff is everything after the
/// "Git diff" line.
pub fn parse_git(text: &str) -> GitRecord {
    let mut commit = String::new();
    let mut after_commit = false;
    let mut diff_lines: Option<Vec<&str>> = None;
    for line in text.lines() {
        if let Some(d) = diff_lines.as_mut() {
            d.push(line);
            continue;
        }
        let t = line.trim();
        if t.to_ascii_lowercase().starts_with("git diff") {
            diff_lines = Some(Vec::new());
        } else if t.to_ascii_lowercase().starts_with("git commit") {
            after_commit = true;
        } else if after_commit && commit.is_empty() && !t.is_empty() {
            commit = t.to_string();
        }
    }
    GitRecord {
        commit,
        diff: diff_lines
            .map(|d| d.join("\n").trim_end().to_string())
            .unwrap_or_default(),
    }
}

fn parse_model(t: &toml::Table) -> ModelRecord {
    let num = |section: &str, key: &str| -> Option<f64> {
        match t.get(section)?.get(key)? {
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::Float(f) => Some(*f),
            _ => None,
        }
    };
    ModelRecord {
        parameters: num("parameters", "total").map(|p| p as u64),
        flops_per_step: num("flops", "per_step"),
    }
}
