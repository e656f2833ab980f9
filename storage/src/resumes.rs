//! `resumes.jsonl` in a run folder: one JSON line per `train --resume`, appended by the trainer
//! before it continues — when, from which step of `last`, and how the run had stopped. Runs never
//! resumed (and runs from before this file) have none; the worklog post reads it to say when a
//! run was cancelled and resumed, and at which steps.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};
use crate::run::{RunPaths, RunStatus};

/// One resume of a stopped run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resume {
    /// RFC 3339 local time of the resume.
    pub at: String,
    /// The step `last` held: training went on from there (train.csv was cut back to it).
    pub from_step: u64,
    /// How the run had stopped: cancelled, interrupted (its trainer died) or failed.
    pub after: RunStatus,
}

/// `<run>/resumes.jsonl`.
pub fn resumes_path(run: &RunPaths) -> PathBuf {
    run.root.join("resumes.jsonl")
}

/// Appends `resume` as one line and syncs it to disk.
pub fn append_resume(run: &RunPaths, resume: &Resume) -> Result<()> {
    let path = resumes_path(run);
    let mut line = serde_json::to_string(resume)
        .map_err(|e| StorageError::invalid(&path, format!("cannot encode a resume: {e}")))?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| StorageError::io(&path, e))?;
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| StorageError::io(&path, e))
}

/// The resumes of a run, oldest first; none when the file is missing. A last line without its
/// newline (a write cut short) is left out; any other line that is not a resume is an error
/// naming the file and line.
pub fn read_resumes(run: &RunPaths) -> Result<Vec<Resume>> {
    let path = resumes_path(run);
    if !crate::files::present(&path) {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| StorageError::io(&path, e))?;
    let whole = text.rfind('\n').map_or("", |i| &text[..i]);
    whole
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                StorageError::invalid(&path, format!("line {}: not a resume record: {e}", i + 1))
            })
        })
        .collect()
}

/// The `step` metadata of the checkpoint at `path` (only its header is read).
pub fn checkpoint_file_step(path: &Path) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(|e| StorageError::io(path, e))?;
    let (_, meta) = crate::tensors::read_safetensors_header(path, &file)?;
    let text = meta
        .get("step")
        .ok_or_else(|| StorageError::invalid(path, "no \"step\" in the checkpoint's metadata"))?;
    text.parse()
        .map_err(|e| StorageError::invalid(path, format!("step {text:?} is not a number: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumes_append_and_read_back_and_a_cut_line_is_left_out() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunPaths::new(tmp.path());
        assert_eq!(read_resumes(&run).unwrap(), Vec::new());
        let a = Resume {
            at: "2026-01-01T10:00:00+00:00".into(),
            from_step: 400,
            after: RunStatus::Cancelled,
        };
        let b = Resume {
            at: "2026-01-01T11:00:00+00:00".into(),
            from_step: 900,
            after: RunStatus::Interrupted,
        };
        append_resume(&run, &a).unwrap();
        append_resume(&run, &b).unwrap();
        assert_eq!(read_resumes(&run).unwrap(), vec![a.clone(), b.clone()]);
        let path = resumes_path(&run);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"at\":\"2026");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_resumes(&run).unwrap(), vec![a, b]);
        std::fs::write(&path, "not json\n").unwrap();
        let e = read_resumes(&run).unwrap_err().to_string();
        assert!(e.contains("resumes.jsonl") && e.contains("line 1"), "{e}");
    }
}
