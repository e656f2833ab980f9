//! `logs/slurm.json`: what the submitter records in each run folder it submits (job id,
//! partition, title, when). run.json is the trainer's and is written only when the job starts on
//! a node, so until then this record is how a run that waits in Slurm's queue is known: the app
//! and `runs list` show it as `pending` with its job id, and nothing is written to run.json.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Result;
use worldbench_storage::atomic::write_atomic;
use worldbench_storage::{RunManifest, RunPaths, RunStatus};

/// `logs/slurm.json` of a run: the job id the submitter got, before the trainer records it in
/// run.json.
pub fn record_path(run: &Path) -> PathBuf {
    RunPaths::new(run).logs_dir().join("slurm.json")
}

fn read(run: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(record_path(run)).ok()?;
    serde_json::from_str(&text).ok()
}

fn field(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_string)
}

/// The job id recorded for a run (`logs/slurm.json`), if it was submitted to Slurm.
pub fn recorded_job_id(run: &Path) -> Option<String> {
    field(&read(run)?, "slurm_job_id")
}

/// The partition recorded when the run was submitted.
pub fn recorded_partition(run: &Path) -> Option<String> {
    field(&read(run)?, "partition")
}

/// The value of `--title` in a `train` argv (`--title X` or `--title=X`).
fn argv_title(argv: &[OsString]) -> Option<String> {
    let mut it = argv.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--title" {
            return it.next().map(std::borrow::Cow::into_owned);
        }
        if let Some(t) = a.strip_prefix("--title=") {
            return Some(t.to_string());
        }
    }
    None
}

/// Writes `logs/slurm.json` of `run` (atomically) after `sbatch` gave `job_id`.
pub fn write(run: &Path, job_id: &str, partition: Option<&str>, argv: &[OsString]) -> Result<()> {
    let record = serde_json::json!({
        "slurm_job_id": job_id,
        "partition": partition,
        "title": argv_title(argv),
        "submitted": worldbench_storage::now_rfc3339(),
    });
    write_atomic(&record_path(run), record.to_string().as_bytes())?;
    Ok(())
}

/// What a reader shows for a run folder that was submitted to Slurm and has no run.json yet: a
/// manifest (never written) with status [`RunStatus::Pending`], the job id, the title and the
/// submission time of `logs/slurm.json`. `None` when the folder has run.json or no record.
pub fn pending_manifest(run: &Path) -> Option<RunManifest> {
    if RunPaths::new(run).manifest().exists() {
        return None;
    }
    let v = read(run)?;
    Some(RunManifest {
        title: field(&v, "title").unwrap_or_default(),
        status: RunStatus::Pending,
        started: field(&v, "submitted").unwrap_or_default(),
        slurm_job_id: Some(field(&v, "slurm_job_id")?),
        ..RunManifest::default()
    })
}

/// Run folders under `runs` submitted to Slurm whose trainer has not written run.json yet.
pub fn submitted_runs(runs: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| !p.join("run.json").exists() && record_path(p).is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submitted_folder_without_run_json_reads_as_pending_with_its_job() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("2026-01-01_00-00-00.cell");
        std::fs::create_dir_all(run.join("logs")).unwrap();
        let argv: Vec<OsString> = ["train", "--title", "cell a", "--steps", "4"]
            .iter()
            .map(OsString::from)
            .collect();
        write(&run, "88_2", Some("gpu"), &argv).unwrap();
        assert_eq!(submitted_runs(tmp.path()), vec![run.clone()]);
        let m = pending_manifest(&run).expect("pending");
        assert_eq!(m.status, RunStatus::Pending);
        assert_eq!(m.slurm_job_id.as_deref(), Some("88_2"));
        assert_eq!(m.title, "cell a");
        assert!(!m.started.is_empty());
        assert_eq!(recorded_partition(&run).as_deref(), Some("gpu"));
        // Once the trainer writes run.json, the folder is an ordinary run.
        std::fs::write(run.join("run.json"), "{}").unwrap();
        assert!(pending_manifest(&run).is_none());
        assert!(submitted_runs(tmp.path()).is_empty());
    }

    #[test]
    fn the_title_is_read_from_either_spelling() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            argv_title(&os(&["train", "--title=a b"])).as_deref(),
            Some("a b")
        );
        assert_eq!(
            argv_title(&os(&["train", "--title", "--x"])).as_deref(),
            Some("--x")
        );
        assert_eq!(argv_title(&os(&["train", "--steps", "3"])), None);
    }
}
