//! What a run was launched from, recorded by `train` at its start as the researchers' trainer does
//! (`metadata_git.txt`; their viewer's model diff): in the run's `logs/`,
//!
//! - `git.txt`: the workspace's `git rev-parse HEAD`, and `git.diff`: its `git diff HEAD` (the
//!   uncommitted changes, staged or not; empty when clean) — both absent when the workspace is not
//!   a git repository or git is missing, which is never an error;
//! - `model_diff.json`: the preset the config started from and every registry key whose value
//!   differs from that preset's default ([`crate::config_keys::config_diff`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::config_keys::{config_diff, KeyDiff};
use crate::error::{Result, StorageError};
use crate::files::present;
use crate::run::{git_commit_of, RunPaths};
use crate::train_config::TrainConfig;

/// The workspace's git state at launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitState {
    pub commit: String,
    /// `git diff HEAD`: empty when there were no uncommitted changes.
    pub diff: String,
}

/// The config's difference from its preset's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDiff {
    pub preset: String,
    pub keys: Vec<KeyDiff>,
}

pub fn git_txt(run: &RunPaths) -> PathBuf {
    run.logs_dir().join("git.txt")
}

pub fn git_diff(run: &RunPaths) -> PathBuf {
    run.logs_dir().join("git.diff")
}

pub fn model_diff_json(run: &RunPaths) -> PathBuf {
    run.logs_dir().join("model_diff.json")
}

/// The git state of `dir` (argv `git -C <dir> …`); `None` when `dir` is not in a git work tree
/// with a commit, or git is not installed. A diff that git cannot produce is recorded as empty.
pub fn git_state_of(dir: &Path) -> Option<GitState> {
    let commit = git_commit_of(dir)?;
    let diff = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["diff", "HEAD", "--patch", "--no-color", "--no-ext-diff"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    Some(GitState { commit, diff })
}

/// The model diff of `cfg` against the preset `preset`.
pub fn model_diff(
    preset: &str,
    cfg: &TrainConfig,
) -> Result<ModelDiff, crate::train_config::ConfigError> {
    Ok(ModelDiff {
        preset: preset.to_string(),
        keys: config_diff(preset, cfg)?,
    })
}

/// Writes the provenance files into `run`'s `logs/` (atomically): the git files only when `git`
/// is some.
pub fn write_provenance(run: &RunPaths, git: Option<&GitState>, diff: &ModelDiff) -> Result<()> {
    if let Some(g) = git {
        write_atomic(&git_txt(run), format!("{}\n", g.commit).as_bytes())?;
        write_atomic(&git_diff(run), g.diff.as_bytes())?;
    }
    let path = model_diff_json(run);
    let text = serde_json::to_string_pretty(diff)
        .map_err(|e| StorageError::invalid(&path, format!("cannot serialise: {e}")))?;
    write_atomic(&path, text.as_bytes())
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))
}

/// The git state recorded in `run`; `None` when it has no `logs/git.txt` (not a repository, or a
/// run from before provenance was recorded).
pub fn read_git(run: &RunPaths) -> Result<Option<GitState>> {
    let path = git_txt(run);
    if !present(&path) {
        return Ok(None);
    }
    let commit = read_text(&path)?.trim().to_string();
    if commit.is_empty() || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StorageError::invalid(
            &path,
            format!("expected a git commit hash, found {commit:?}"),
        ));
    }
    let diff_path = git_diff(run);
    let diff = if present(&diff_path) {
        read_text(&diff_path)?
    } else {
        String::new()
    };
    Ok(Some(GitState { commit, diff }))
}

/// The model diff recorded in `run`; `None` when it has no `logs/model_diff.json`.
pub fn read_model_diff(run: &RunPaths) -> Result<Option<ModelDiff>> {
    let path = model_diff_json(run);
    if !present(&path) {
        return Ok(None);
    }
    serde_json::from_str(&read_text(&path)?)
        .map(Some)
        .map_err(|e| StorageError::invalid(&path, format!("not a model diff: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_keys::apply_assignment;

    fn git(dir: &Path, args: &[&str]) -> bool {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn outside_a_repository_git_is_absent_and_the_model_diff_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(git_state_of(tmp.path()), None);
        let run = RunPaths::new(tmp.path().join("run"));
        run.create_dirs().unwrap();
        let mut cfg = TrainConfig::preset("tiny").unwrap();
        apply_assignment(&mut cfg, "model.hidden=48").unwrap();
        let diff = model_diff("tiny", &cfg).unwrap();
        write_provenance(&run, None, &diff).unwrap();
        assert_eq!(read_git(&run).unwrap(), None);
        assert!(!git_diff(&run).exists());
        let back = read_model_diff(&run).unwrap().unwrap();
        assert_eq!(back, diff);
        assert_eq!(back.keys.len(), 1);
        assert_eq!(back.keys[0].key, "model.hidden");
        // A run from before provenance has neither.
        let old = RunPaths::new(tmp.path().join("old"));
        assert_eq!(read_model_diff(&old).unwrap(), None);
        assert!(model_diff("huge", &cfg).is_err());
    }

    #[test]
    fn a_repository_records_its_commit_and_uncommitted_diff() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path();
        if !git(ws, &["init", "-q"]) {
            return; // no git on this machine: nothing to record, covered by the test above
        }
        std::fs::write(ws.join("notes.txt"), "one\n").unwrap();
        assert!(git(ws, &["add", "notes.txt"]));
        assert!(git(
            ws,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "first"
            ]
        ));
        let clean = git_state_of(ws).unwrap();
        assert_eq!(clean.commit.len(), 40);
        assert_eq!(clean.diff, "");
        std::fs::write(ws.join("notes.txt"), "one\ntwo\n").unwrap();
        let dirty = git_state_of(ws).unwrap();
        assert_eq!(dirty.commit, clean.commit);
        assert!(dirty.diff.contains("+two"), "{}", dirty.diff);

        let run = RunPaths::new(ws.join("runs/r"));
        run.create_dirs().unwrap();
        let diff = model_diff("tiny", &TrainConfig::preset("tiny").unwrap()).unwrap();
        write_provenance(&run, Some(&dirty), &diff).unwrap();
        assert_eq!(read_git(&run).unwrap(), Some(dirty));
        assert!(read_model_diff(&run).unwrap().unwrap().keys.is_empty());

        // A damaged file is named.
        std::fs::write(git_txt(&run), "not a hash\n").unwrap();
        let e = read_git(&run).unwrap_err().to_string();
        assert!(e.contains("git.txt") && e.contains("commit hash"), "{e}");
        std::fs::write(model_diff_json(&run), "{").unwrap();
        let e = read_model_diff(&run).unwrap_err().to_string();
        assert!(e.contains("model_diff.json"), "{e}");
    }
}
