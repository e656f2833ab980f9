//! The workspace folder: `worldbench.toml`, `datasets/`, `runs/`, `gates/`, `worklog/`.

use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::dataset::detect_format;
use crate::error::{Result, StorageError};
use crate::run::RunPaths;

/// Written as `worldbench.toml` when a workspace has none.
pub const DEFAULT_CONFIG_TOML: &str = r#"# Worldbench workspace settings. Plain TOML; edit freely.
# Every key is optional: a missing key takes the default shown here.

[success]
# How worklog posts judge a run's planning metrics at each checkpoint. Per metric (a column of
# planning_metrics.csv, higher is better): the target, the acceptable level (a checkpoint that meets
# every acceptable level is a success) and the failure level (at or below it, pivot).
# `<metric> = false` stops judging a metric; reach_h_p10, reach_h_p90 may be added.
# reach_h_median = { target = 0.9, acceptable = 0.5, failure = 0.2 }
# h_local_success = { target = 0.95, acceptable = 0.8, failure = 0.5 }
# test1_success = { target = 1, acceptable = 1, failure = 0 }
# test2_success = { target = 1, acceptable = 1, failure = 0 }

[launch]
# Where training runs: "local" runs it on this machine.
# backend = "local"
# device = "auto"        # "auto", "cpu" or "cuda:0"

# [launch.slurm]
# `--backend slurm` submits runs with sbatch. The cluster's nodes must see this workspace (a shared
# filesystem); every key is optional.
# partition = "gpu"
# account = "lab"
# qos = "normal"
# time = "04:00:00"
# cpus_per_task = 4
# mem = "16G"
# gres = "gpu:1"
# constraint = "a100"
# extra = ["--exclusive"]            # further #SBATCH options, one per item
# remote_workspace = "/shared/ws"    # this workspace as the nodes see it (default: the same path)
# binary = "/shared/bin/worldbench"  # the worldbench the nodes run (default: this one)
# signal_seconds = 120               # USR2 this long before the time limit: write `last`, requeue
# max_requeues = 3

[queue]
# How many queued runs run at once (default: 1 on a machine with 4 cores or fewer, else one per 4
# cores); each run gets its share of the cores as threads.
# max_parallel = 1
"#;

/// A Worldbench workspace rooted at `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    /// Opens the workspace at `root`, creating it, its folders and a commented default
    /// `worldbench.toml` where missing. Never overwrites an existing file.
    pub fn open_or_create(root: impl Into<PathBuf>) -> Result<Self> {
        let ws = Self { root: root.into() };
        if ws.root.exists() && !ws.root.is_dir() {
            return Err(StorageError::invalid(
                &ws.root,
                "is a file, not a workspace folder",
            ));
        }
        for dir in [
            ws.datasets_dir(),
            ws.runs_dir(),
            ws.gates_dir(),
            ws.worklog_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(|e| StorageError::io(&dir, e))?;
        }
        // Only when nothing is there: a broken link or a folder in its place is reported when it
        // is read, not replaced.
        if std::fs::symlink_metadata(ws.config_path()).is_err() {
            write_atomic(&ws.config_path(), DEFAULT_CONFIG_TOML.as_bytes())?;
        }
        Ok(ws)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `worldbench.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("worldbench.toml")
    }
    pub fn datasets_dir(&self) -> PathBuf {
        self.root.join("datasets")
    }
    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }
    pub fn gates_dir(&self) -> PathBuf {
        self.root.join("gates")
    }
    pub fn worklog_dir(&self) -> PathBuf {
        self.root.join("worklog")
    }
    /// `plans/`: the plan cards.
    pub fn plans_dir(&self) -> PathBuf {
        self.root.join("plans")
    }
    /// `tickets/`: TICKET-NNN.toml.
    pub fn tickets_dir(&self) -> PathBuf {
        self.root.join("tickets")
    }
    /// `experiments/<id>/`.
    pub fn experiments_dir(&self) -> PathBuf {
        self.root.join("experiments")
    }
    /// `FINDINGS.md`, the index of worklog posts.
    pub fn findings_path(&self) -> PathBuf {
        self.root.join("FINDINGS.md")
    }

    /// Folders under `datasets/` that hold a dataset of either format, sorted by name.
    pub fn list_datasets(&self) -> Vec<PathBuf> {
        subdirs(&self.datasets_dir())
            .into_iter()
            .filter(|d| detect_format(d).is_some())
            .collect()
    }

    /// Folders under `runs/` that hold a `run.json`, sorted by name (so by start time).
    pub fn list_runs(&self) -> Vec<PathBuf> {
        subdirs(&self.runs_dir())
            .into_iter()
            .filter(|d| d.join("run.json").is_file())
            .collect()
    }

    /// Creates `runs/<ts>.<slug>/` with its subfolders; adds `-2`, `-3`, … to the name rather
    /// than reuse an existing folder.
    pub fn new_run_dir(&self, title: &str) -> Result<RunPaths> {
        let base = format!("{}.{}", timestamp_now(), slugify(title));
        let runs = self.runs_dir();
        std::fs::create_dir_all(&runs).map_err(|e| StorageError::io(&runs, e))?;
        let root = create_unique_dir(&runs, &base)?;
        let paths = RunPaths::new(root);
        paths
            .create_dirs()
            .map_err(|e| StorageError::io(paths.root(), e))?;
        Ok(paths)
    }
}

/// Creates `parent/<base>`, or `<base>-2`, `<base>-3`, … if taken; `create_dir` is atomic, so two
/// processes never get the same folder.
fn create_unique_dir(parent: &Path, base: &str) -> Result<PathBuf> {
    for n in 1u32.. {
        let name = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        let dir = parent.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StorageError::io(&dir, e)),
        }
    }
    Err(StorageError::invalid(parent, "no free run folder name"))
}

/// The sub-folders of `dir`, sorted by name; empty when `dir` is missing.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Local time as `YYYY-MM-DD_HH-MM-SS`.
pub fn timestamp_now() -> String {
    chrono::Local::now().format("%Y-%m-%d_%H-%M-%S").to_string()
}

/// Maximum length of a slug.
pub const SLUG_MAX: usize = 60;

/// A file-name-safe form of `title`: lowercase ASCII letters, digits and single '-', trimmed,
/// at most 60 characters; "untitled" when nothing is left.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(SLUG_MAX);
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "untitled".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::write_native;

    #[test]
    fn creates_layout_and_never_overwrites_config() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path().join("ws")).unwrap();
        for d in ["datasets", "runs", "gates", "worklog"] {
            assert!(ws.root.join(d).is_dir(), "{d}");
        }
        let text = std::fs::read_to_string(ws.config_path()).unwrap();
        assert!(text.starts_with("# Worldbench workspace settings"));
        std::fs::write(ws.config_path(), "mine = 1\n").unwrap();
        let ws = Workspace::open_or_create(&ws.root).unwrap();
        assert_eq!(
            std::fs::read_to_string(ws.config_path()).unwrap(),
            "mine = 1\n"
        );
    }

    #[test]
    fn default_config_is_valid_toml_layout() {
        // Every non-comment line is a [section] header or blank.
        for line in DEFAULT_CONFIG_TOML.lines() {
            let l = line.trim();
            assert!(
                l.is_empty() || l.starts_with('#') || (l.starts_with('[') && l.ends_with(']')),
                "{line}"
            );
        }
    }

    #[test]
    fn a_file_is_not_a_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        std::fs::write(&f, "").unwrap();
        let e = Workspace::open_or_create(&f).unwrap_err().to_string();
        assert!(e.contains("not a workspace folder"), "{e}");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("  Fix the VICReg loss!! (v2) "),
            "fix-the-vicreg-loss-v2"
        );
        assert_eq!(slugify("..."), "untitled");
        assert_eq!(slugify(".."), "untitled");
        assert_eq!(slugify("Ünïcode—only"), "n-code-only");
        assert_eq!(slugify(""), "untitled");
        let long = slugify(&"ab ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn timestamp_format() {
        let ts = timestamp_now();
        assert!(
            chrono::NaiveDateTime::parse_from_str(&ts, "%Y-%m-%d_%H-%M-%S").is_ok(),
            "{ts}"
        );
    }

    #[test]
    fn run_dirs_are_never_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path()).unwrap();
        let a = ws.new_run_dir("Same Title").unwrap();
        let b = ws.new_run_dir("Same Title").unwrap();
        assert_ne!(a.root, b.root);
        let name = a.root.file_name().unwrap().to_string_lossy().into_owned();
        let (ts, slug) = name.split_once('.').unwrap();
        assert!(
            chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%d_%H-%M-%S").is_ok(),
            "{name}"
        );
        assert_eq!(slug, "same-title");
        assert!(a.metrics_dir().is_dir() && a.checkpoints_dir().is_dir() && a.logs_dir().is_dir());
    }

    #[test]
    fn unique_dir_suffixes() {
        let tmp = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..3)
            .map(|_| {
                create_unique_dir(tmp.path(), "x")
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["x", "x-2", "x-3"]);
    }

    #[test]
    fn lists_datasets_and_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path()).unwrap();
        write_native(
            &ws.datasets_dir().join("b"),
            &crate::dataset::testutil::tiny_dataset(),
        )
        .unwrap();
        std::fs::create_dir(ws.datasets_dir().join("a-empty")).unwrap();
        assert_eq!(ws.list_datasets(), vec![ws.datasets_dir().join("b")]);
        let r2 = ws.runs_dir().join("2025-01-02_00-00-00.b");
        let r1 = ws.runs_dir().join("2025-01-01_00-00-00.a");
        for r in [&r2, &r1] {
            std::fs::create_dir(r).unwrap();
            std::fs::write(r.join("run.json"), "{}").unwrap();
        }
        std::fs::create_dir(ws.runs_dir().join("junk")).unwrap();
        assert_eq!(ws.list_runs(), vec![r1, r2]);
    }
}
