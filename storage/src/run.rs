//! A run folder: `runs/<ts>.<slug>/` with run.json, metrics/, checkpoints/, logs/ (and resumes.jsonl once resumed).

use std::path::{Path, PathBuf};

use crate::train_config::TrainConfig;

/// The paths inside one run folder. Creating it does not touch the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    pub root: PathBuf,
}

impl RunPaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn manifest(&self) -> PathBuf {
        self.root.join("run.json")
    }
    pub fn metrics_dir(&self) -> PathBuf {
        self.root.join("metrics")
    }
    pub fn train_csv(&self) -> PathBuf {
        self.metrics_dir().join("train.csv")
    }
    pub fn planning_csv(&self) -> PathBuf {
        self.metrics_dir().join("planning_metrics.csv")
    }
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join("checkpoints")
    }
    /// `checkpoints/step_000100.safetensors`.
    pub fn checkpoint(&self, step: u64) -> PathBuf {
        self.checkpoints_dir()
            .join(format!("step_{step:06}.safetensors"))
    }
    /// `checkpoints/last.safetensors`.
    pub fn last_checkpoint(&self) -> PathBuf {
        self.checkpoints_dir().join("last.safetensors")
    }
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// Creates `metrics/`, `checkpoints/` and `logs/`.
    pub fn create_dirs(&self) -> std::io::Result<()> {
        for d in [self.metrics_dir(), self.checkpoints_dir(), self.logs_dir()] {
            std::fs::create_dir_all(d)?;
        }
        Ok(())
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Whether a run is a quick smoke run (no gate needed) or a training attempt (gate required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    #[default]
    Smoke,
    Attempt,
}

impl RunKind {
    /// The lowercase name, as run.json writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smoke => "smoke",
            Self::Attempt => "attempt",
        }
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    #[default]
    Running,
    Completed,
    Failed,
    Cancelled,
    /// Stopped by Slurm's USR2 (preemption or time limit) with `last` written, and the job
    /// requeued: it resumes from `last` when Slurm restarts it.
    Preempted,
    /// Seen, never written: run.json says `running` but no live process holds the run's lock
    /// (the trainer was killed, or the machine went down). `--resume` continues it from `last`.
    Interrupted,
    /// Seen, never written: a run folder submitted to Slurm (`logs/slurm.json`) whose trainer has
    /// not written run.json yet; the job waits in Slurm's queue.
    Pending,
}

impl RunStatus {
    /// The lowercase name, as run.json writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Preempted => "preempted",
            Self::Interrupted => "interrupted",
            Self::Pending => "pending",
        }
    }
}

/// `run.json`: what was run, on what, by which build, and how it ended.
///
/// `title`, `kind`, `config`, `started` and `status` are required (this app has always written
/// every field), so a JSON file of another schema is refused with the missing field named; the
/// others default when absent.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RunManifest {
    pub title: String,
    pub kind: RunKind,
    /// The command line that started the run.
    #[serde(default)]
    pub argv: Vec<String>,
    /// The resolved training configuration (keys missing in an older file take the defaults).
    pub config: TrainConfig,
    #[serde(default)]
    pub seed: u64,
    /// `git rev-parse HEAD` of the workspace, when it is a git work tree.
    #[serde(default)]
    pub git_commit: Option<String>,
    #[serde(default)]
    pub app_version: String,
    #[serde(default)]
    pub dataset_path: String,
    /// [`crate::dataset::dataset_hash`] of the dataset.
    #[serde(default)]
    pub dataset_hash: String,
    /// "cpu", "cuda:0", …
    #[serde(default)]
    pub device: String,
    /// Path of the hypothesis gate this attempt follows.
    #[serde(default)]
    pub gate: Option<String>,
    /// RFC 3339 local time.
    pub started: String,
    /// RFC 3339 local time, once the run ended.
    #[serde(default)]
    pub finished: Option<String>,
    pub status: RunStatus,
    /// Why the run failed, when it did.
    #[serde(default)]
    pub error: Option<String>,
    /// Process id of the run while it runs.
    #[serde(default)]
    pub pid: Option<u32>,
    /// The sweep folder this run is a cell of (absent for a run started by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<String>,
    /// The sweep cell this run is: its key (`lr=0.001,model.hidden=128 seed=0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The ticket this attempt was launched for, with its deep-change approval (absent in older
    /// manifests and in runs launched without `--ticket`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<crate::plan_cards::ticket::TicketLink>,
    /// Slurm's job id (`123`, or `120_3` for a task of an array) when the run runs on Slurm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_job_id: Option<String>,
    /// The CUDA device's name ("NVIDIA H200"), for a CUDA run (absent for CPU runs and in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The NVIDIA driver's version ("560.35.03"), for a CUDA run whose machine reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_version: Option<String>,
    /// The CUDA version the driver supports ("12.6"), for a CUDA run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_version: Option<String>,
}

/// The Slurm job this process is (`SLURM_JOB_ID`, or `<array>_<task>` in a job array), if any.
pub fn slurm_job_id_from_env() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("SLURM_ARRAY_JOB_ID"), var("SLURM_ARRAY_TASK_ID")) {
        (Some(a), Some(t)) => Some(format!("{a}_{t}")),
        _ => var("SLURM_JOB_ID"),
    }
}

impl RunManifest {
    /// Reads `run.json`; errors name the file (missing, or not a manifest with line/column).
    pub fn read(path: &Path) -> crate::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::StorageError::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| {
            crate::StorageError::invalid(path, format!("not a valid run manifest: {e}"))
        })
    }

    /// Writes `run.json` atomically (pretty JSON).
    pub fn write(&self, path: &Path) -> crate::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| {
            crate::StorageError::invalid(path, format!("cannot encode run manifest: {e}"))
        })?;
        crate::atomic::write_atomic(path, &json)
    }
}

/// Now as RFC 3339 local time with seconds, e.g. `2025-01-31T14:05:09+01:00`.
pub fn now_rfc3339() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// "2025-01-31 14:05" from an RFC 3339 time (in the offset it was written with); the text itself
/// when it is not one.
pub fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// `git rev-parse HEAD` of `dir` when `dir` is inside a git work tree with a commit; `None`
/// otherwise (no git, not a repository, no commit yet). Never an error.
pub fn git_commit_of(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if git(&["rev-parse", "--is-inside-work-tree"])? != "true" {
        return None;
    }
    git(&["rev-parse", "HEAD"]).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_roundtrip_and_lowercase_enums() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run.json");
        let m = RunManifest {
            title: "first".into(),
            kind: RunKind::Attempt,
            argv: vec!["worldbench".into(), "train".into()],
            config: TrainConfig {
                lr: 0.0003,
                ..TrainConfig::default()
            },
            seed: 7,
            status: RunStatus::Cancelled,
            started: now_rfc3339(),
            pid: Some(42),
            ..RunManifest::default()
        };
        m.write(&path).unwrap();
        assert_eq!(RunManifest::read(&path).unwrap(), m);
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["kind"], "attempt");
        assert_eq!(v["status"], "cancelled");
        assert!(chrono::DateTime::parse_from_rfc3339(v["started"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn cuda_facts_round_trip_and_are_absent_for_cpu_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run.json");
        let cpu = RunManifest {
            title: "cpu".into(),
            device: "cpu".into(),
            started: now_rfc3339(),
            ..RunManifest::default()
        };
        cpu.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for field in ["device_name", "driver_version", "cuda_version"] {
            assert!(!text.contains(field), "a CPU run writes no {field}: {text}");
        }
        assert_eq!(RunManifest::read(&path).unwrap(), cpu);
        let gpu = RunManifest {
            device: "cuda:0".into(),
            device_name: Some("NVIDIA H200".into()),
            driver_version: Some("560.35.03".into()),
            cuda_version: Some("12.6".into()),
            ..cpu
        };
        gpu.write(&path).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            (&v["device_name"], &v["driver_version"], &v["cuda_version"]),
            (&"NVIDIA H200".into(), &"560.35.03".into(), &"12.6".into())
        );
        assert_eq!(RunManifest::read(&path).unwrap(), gpu);
        // An older file (without the fields) still reads, with none of them.
        std::fs::write(&path, OLD_RUN_JSON).unwrap();
        let old = RunManifest::read(&path).unwrap();
        assert_eq!(
            (old.device_name, old.driver_version, old.cuda_version),
            (None, None, None)
        );
    }

    #[test]
    fn optional_fields_default_and_bad_json_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run.json");
        std::fs::write(
            &path,
            r#"{"title": "t", "kind": "smoke", "config": {"steps": 3}, "started": "x", "status": "completed"}"#,
        )
        .unwrap();
        let m = RunManifest::read(&path).unwrap();
        assert_eq!(
            (m.title.as_str(), m.status, m.kind),
            ("t", RunStatus::Completed, RunKind::Smoke)
        );
        assert_eq!(
            (m.config.steps, m.config.lr),
            (3, TrainConfig::default().lr)
        );
        assert_eq!((m.finished, m.pid, m.gate, m.seed), (None, None, None, 0));
        std::fs::write(&path, "{\n\"status\": \"exploded\"}").unwrap();
        let e = RunManifest::read(&path).unwrap_err().to_string();
        assert!(e.contains("run.json") && e.contains("line 2"), "{e}");
        let e = RunManifest::read(&tmp.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("none.json"), "{e}");
    }

    #[test]
    fn another_schema_is_refused_naming_the_missing_field() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run.json");
        std::fs::write(&path, r#"{"foo": 1}"#).unwrap();
        let e = RunManifest::read(&path).unwrap_err().to_string();
        assert!(
            e.contains("run.json") && e.contains("missing field `title`"),
            "{e}"
        );
        let full: serde_json::Value = serde_json::from_str(OLD_RUN_JSON).unwrap();
        for field in ["title", "kind", "config", "started", "status"] {
            let mut v = full.clone();
            v.as_object_mut().unwrap().remove(field);
            std::fs::write(&path, v.to_string()).unwrap();
            let e = RunManifest::read(&path).unwrap_err().to_string();
            assert!(
                e.contains("run.json") && e.contains(&format!("missing field `{field}`")),
                "{e}"
            );
        }
    }

    /// A run.json as this app writes it today.
    const OLD_RUN_JSON: &str = include_str!("../testdata/run.json");

    #[test]
    fn an_old_run_json_opens_and_round_trips_the_same_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run.json");
        std::fs::write(&path, OLD_RUN_JSON).unwrap();
        let m = RunManifest::read(&path).unwrap();
        assert_eq!(m.config.steps, 40);
        assert_eq!(m.config.model.batch_size, 16);
        assert_eq!(m.status, RunStatus::Completed);
        let out = tmp.path().join("again.json");
        m.write(&out).unwrap();
        let before: serde_json::Value = serde_json::from_str(OLD_RUN_JSON).unwrap();
        let after: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(after, before);
    }

    #[test]
    fn short_times_and_kind_names() {
        assert_eq!(short_time("2025-01-31T14:05:09+01:00"), "2025-01-31 14:05");
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(
            (RunKind::Smoke.as_str(), RunKind::Attempt.as_str()),
            ("smoke", "attempt")
        );
    }

    #[test]
    fn git_commit_of_outside_a_repository_is_none() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(git_commit_of(tmp.path()), None);
        assert_eq!(git_commit_of(&tmp.path().join("missing")), None);
    }

    #[test]
    fn git_commit_of_a_repository_is_its_head() {
        let tmp = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(tmp.path())
                .args(args)
                .output()
                .unwrap()
        };
        git(&["init", "-q"]);
        assert_eq!(git_commit_of(tmp.path()), None, "no commit yet");
        let c = [
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ];
        assert!(git(&c).status.success());
        let head = String::from_utf8(git(&["rev-parse", "HEAD"]).stdout).unwrap();
        std::fs::create_dir(tmp.path().join("sub")).unwrap();
        assert_eq!(
            git_commit_of(&tmp.path().join("sub")),
            Some(head.trim().to_string())
        );
        assert_eq!(head.trim().len(), 40);
    }

    #[test]
    fn run_paths_layout() {
        let p = RunPaths::new("/w/runs/r");
        assert_eq!(
            p.checkpoint(100),
            PathBuf::from("/w/runs/r/checkpoints/step_000100.safetensors")
        );
        assert_eq!(
            p.planning_csv(),
            PathBuf::from("/w/runs/r/metrics/planning_metrics.csv")
        );
    }
}
