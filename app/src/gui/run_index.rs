//! Every run of the workspace, read off the UI thread: run.json, the metrics CSVs and the checkpoint
//! files. A file that cannot be read becomes an error message naming it, never a panic; the other
//! runs still load.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use worldbench_storage::metrics::read_csv_whole_lines;
use worldbench_storage::planning_metrics::PlanningMetric;
use worldbench_storage::run_lock::observed_status;
use worldbench_storage::{PlanningRow, RunManifest, RunPaths, RunStatus, TrainRow, Workspace};

use super::task::Task;

/// One checkpoint file of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFile {
    /// The step of `step_XXXXXX.safetensors`; `None` for the rolling `last.safetensors`.
    pub step: Option<u64>,
    pub path: PathBuf,
    pub size_bytes: u64,
}

/// What the app knows about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub dir: PathBuf,
    pub manifest: RunManifest,
    pub train: Vec<TrainRow>,
    pub planning: Vec<PlanningRow>,
    /// Step checkpoints in step order, then `last`.
    pub checkpoints: Vec<CheckpointFile>,
}

impl RunRecord {
    /// The folder name (`<ts>.<slug>`).
    pub fn name(&self) -> String {
        self.dir.file_name().map_or_else(
            || self.dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The title, or the folder name when the title is empty.
    pub fn title(&self) -> String {
        if self.manifest.title.trim().is_empty() {
            self.name()
        } else {
            self.manifest.title.clone()
        }
    }

    /// Steps trained so far (last train.csv row).
    pub fn steps_done(&self) -> u64 {
        self.train.last().map_or(0, |r| r.step)
    }

    /// The run's configured total steps.
    pub fn total_steps(&self) -> u64 {
        self.manifest.config.steps
    }

    pub fn last_loss(&self) -> Option<f64> {
        self.train.last().map(|r| r.loss)
    }

    /// The best value of `metric` over the evaluated checkpoints (highest, or lowest when lower is
    /// better).
    pub fn best(&self, metric: &PlanningMetric) -> Option<f64> {
        metric.best(self.planning.iter().map(|r| metric.of(r)))
    }

    /// The planning row of the last evaluated checkpoint.
    pub fn last_planning(&self) -> Option<&PlanningRow> {
        self.planning.iter().max_by_key(|r| r.step)
    }

    /// Seconds between start and finish (or `now` while running); `None` when unknown.
    pub fn duration_secs(&self, now: chrono::DateTime<chrono::FixedOffset>) -> Option<f64> {
        let started = chrono::DateTime::parse_from_rfc3339(&self.manifest.started).ok()?;
        let end = match &self.manifest.finished {
            Some(f) => chrono::DateTime::parse_from_rfc3339(f).ok()?,
            None if self.manifest.status == RunStatus::Running => now,
            None => return None,
        };
        Some((end - started).num_milliseconds() as f64 / 1000.0)
    }

    /// The planning row of a checkpoint step.
    pub fn planning_at(&self, step: u64) -> Option<&PlanningRow> {
        self.planning.iter().find(|r| r.step == step)
    }
}

/// Reads one run folder. Errors name the file and say what to do.
pub fn read_run(dir: &Path) -> Result<RunRecord, String> {
    let paths = RunPaths::new(dir);
    let mut manifest = RunManifest::read(&paths.manifest())
        .map_err(|e| format!("{e} — fix the file or move the run folder out of runs/"))?;
    // The app shows (and never writes back) the status a reader should see: `running` without a
    // live holder of the run's lock is `interrupted`, and Resume is offered for it.
    manifest.status = observed_status(&paths, manifest.status);
    let train = read_optional_csv(&paths.train_csv())?;
    let planning = read_optional_csv(&paths.planning_csv())?;
    Ok(RunRecord {
        dir: dir.to_path_buf(),
        manifest,
        train,
        planning,
        checkpoints: list_checkpoints(&paths),
    })
}

fn read_optional_csv<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    // The trainer appends to train.csv: a row being written is left out until it is whole.
    read_csv_whole_lines(path)
        .map_err(|e| format!("{e} — the file is not a metrics table; fix or delete it"))
}

/// `step_XXXXXX.safetensors` files by step, then `last.safetensors`.
pub fn list_checkpoints(paths: &RunPaths) -> Vec<CheckpointFile> {
    let Ok(entries) = std::fs::read_dir(paths.checkpoints_dir()) else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let mut last = None;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let size_bytes = entry.metadata().map_or(0, |m| m.len());
        if name == "last.safetensors" {
            last = Some(CheckpointFile {
                step: None,
                path,
                size_bytes,
            });
        } else if let Some(step) = name
            .strip_prefix("step_")
            .and_then(|s| s.strip_suffix(".safetensors"))
            .and_then(|s| s.parse().ok())
        {
            steps.push(CheckpointFile {
                step: Some(step),
                path,
                size_bytes,
            });
        }
    }
    steps.sort_by_key(|c| c.step);
    steps.extend(last);
    steps
}

/// The result of one load: the runs that could be read, and one message per run that could not.
#[derive(Debug, Default)]
pub struct LoadResult {
    pub runs: Vec<RunRecord>,
    pub sweeps: Vec<SweepRecord>,
    pub errors: Vec<String>,
}

/// A registered sweep of the workspace (`sweeps/<ts>.<slug>/`) and its `sweep.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRecord {
    pub root: PathBuf,
    pub state: worldbench_storage::sweep::SweepState,
}

impl SweepRecord {
    /// The folder name (`<ts>.<slug>`).
    pub fn name(&self) -> String {
        self.root
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    /// Whether `run` is one of its cells (by `sweep.json`, or by the run's manifest).
    pub fn has_run(&self, run: &RunRecord) -> bool {
        self.state
            .cells
            .iter()
            .any(|c| c.run.as_deref() == Some(run.dir.as_path()))
            || run
                .manifest
                .sweep
                .as_deref()
                .is_some_and(|s| Path::new(s) == self.root)
    }

    /// "8 cells: 5 done, 1 running, 1 queued, 1 failed" (cancelled ones when there are any).
    pub fn counts_text(&self) -> String {
        let [q, r, c, f, x] = self.state.counts();
        let mut text = format!(
            "{} cells: {c} done, {r} running, {q} queued, {f} failed",
            self.state.cells.len()
        );
        if x > 0 {
            let _ = write!(text, ", {x} cancelled");
        }
        text
    }
}

/// Reads every run of the workspace.
pub fn load_all(workspace: &Workspace) -> LoadResult {
    let mut out = LoadResult::default();
    for dir in workspace.list_runs() {
        match read_run(&dir) {
            Ok(run) => out.runs.push(run),
            Err(e) => out.errors.push(e),
        }
    }
    // Submitted to Slurm, waiting in its queue: no run.json yet, shown as pending.
    for dir in crate::launch::slurm::submitted_runs(&workspace.runs_dir()) {
        if let Some(manifest) = crate::launch::slurm::pending_manifest(&dir) {
            out.runs.push(RunRecord {
                dir,
                manifest,
                train: Vec::new(),
                planning: Vec::new(),
                checkpoints: Vec::new(),
            });
        }
    }
    // In folder order (`<ts>.<slug>`: oldest first), pending ones among the others.
    out.runs.sort_by(|a, b| a.dir.cmp(&b.dir));
    for paths in worldbench_storage::sweep::register::list(&workspace.root) {
        if !paths.state().exists() {
            continue;
        }
        match worldbench_storage::sweep::SweepState::read(&paths.state()) {
            Ok(state) => out.sweeps.push(SweepRecord {
                root: paths.root,
                state,
            }),
            Err(e) => out.errors.push(e.to_string()),
        }
    }
    out
}

/// The runs of a workspace, reloaded in a background thread on request.
pub struct RunIndex {
    workspace: Workspace,
    runs: Vec<RunRecord>,
    sweeps: Vec<SweepRecord>,
    pending: Option<Task<LoadResult>>,
    /// A refresh was asked for while one was loading.
    again: bool,
    /// Errors already shown (each is reported once until it changes).
    reported: HashSet<String>,
    /// Completed loads (tests wait on this).
    generation: u64,
}

impl RunIndex {
    pub fn new(workspace: Workspace) -> Self {
        Self {
            workspace,
            runs: Vec::new(),
            sweeps: Vec::new(),
            pending: None,
            again: false,
            reported: HashSet::new(),
            generation: 0,
        }
    }

    pub fn runs(&self) -> &[RunRecord] {
        &self.runs
    }

    /// The registered sweeps with a `sweep.json`, sorted by folder name.
    pub fn sweeps(&self) -> &[SweepRecord] {
        &self.sweeps
    }

    pub fn sweep(&self, root: &Path) -> Option<&SweepRecord> {
        self.sweeps.iter().find(|s| s.root == root)
    }

    pub fn get(&self, dir: &Path) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.dir == dir)
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    /// How many loads have completed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts a reload in the background (or queues one when a load is under way).
    pub fn refresh(&mut self, ctx: Option<&egui::Context>) {
        if self.pending.is_some() {
            self.again = true;
            return;
        }
        let ws = self.workspace.clone();
        self.pending = Some(Task::spawn("worldbench-runs", ctx.cloned(), move |_| {
            Ok(load_all(&ws))
        }));
    }

    /// Takes a finished load (never blocks); returns the new error messages to show.
    pub fn poll(&mut self, ctx: Option<&egui::Context>) -> Vec<String> {
        let Some(task) = &mut self.pending else {
            return Vec::new();
        };
        let Some(done) = task.poll() else {
            return Vec::new();
        };
        let result = done.unwrap_or_else(|e| LoadResult {
            runs: Vec::new(),
            sweeps: Vec::new(),
            errors: vec![format!("reading the runs: {e}")],
        });
        self.pending = None;
        self.generation += 1;
        self.runs = result.runs;
        self.sweeps = result.sweeps;
        let new_errors: Vec<String> = result
            .errors
            .into_iter()
            .filter(|e| self.reported.insert(e.clone()))
            .collect();
        if std::mem::take(&mut self.again) {
            self.refresh(ctx);
        }
        new_errors
    }

    /// Waits for the load under way (this file's tests).
    #[cfg(test)]
    fn wait(&mut self) -> Vec<String> {
        if let Some(task) = self.pending.take() {
            let mut task = task;
            let done = task.wait();
            self.pending = Some(Task::ready(done));
        }
        self.poll(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::metrics::write_csv;
    use worldbench_storage::planning_metrics::REACH_H_P10;

    fn row(step: u64, reach_p10: f64) -> PlanningRow {
        PlanningRow {
            step,
            num_nodes_h: 10,
            num_edges_h: 20,
            reach_h_median: 0.5,
            reach_h_p10: reach_p10,
            reach_h_p90: 0.9,
            h_local_success: 0.8,
            test1_success: 1,
            test1_steps: 12,
            test2_success: 0,
            test2_steps: 30,
            merge_radius: 0.05,
            eval_secs: 1.0,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        }
    }

    #[test]
    fn loads_runs_and_names_a_corrupt_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path()).unwrap();
        let good = ws.new_run_dir("good").unwrap();
        let manifest = RunManifest {
            title: "good".into(),
            status: RunStatus::Completed,
            started: "2025-01-01T10:00:00+00:00".into(),
            finished: Some("2025-01-01T10:01:30+00:00".into()),
            config: worldbench_storage::train_config::TrainConfig {
                steps: 20,
                ..Default::default()
            },
            ..RunManifest::default()
        };
        manifest.write(&good.manifest()).unwrap();
        write_csv(&good.planning_csv(), &[row(10, 0.2), row(20, 0.4)]).unwrap();
        std::fs::write(good.checkpoint(20), b"x").unwrap();
        std::fs::write(good.checkpoint(10), b"x").unwrap();
        std::fs::write(good.last_checkpoint(), b"x").unwrap();
        let bad = ws.new_run_dir("bad").unwrap();
        std::fs::write(bad.manifest(), "{ this is not json").unwrap();

        let loaded = load_all(&ws);
        assert_eq!(loaded.runs.len(), 1);
        let run = &loaded.runs[0];
        assert_eq!(run.best(&REACH_H_P10), Some(0.4));
        assert_eq!(run.last_planning().map(|r| r.step), Some(20));
        assert_eq!(
            run.checkpoints.iter().map(|c| c.step).collect::<Vec<_>>(),
            vec![Some(10), Some(20), None]
        );
        let now = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00+00:00").unwrap();
        assert_eq!(run.duration_secs(now), Some(90.0));
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0].contains(&bad.manifest().display().to_string()),
            "{}",
            loaded.errors[0]
        );

        let mut index = RunIndex::new(ws);
        index.refresh(None);
        let errors = index.wait();
        assert_eq!(errors.len(), 1);
        assert_eq!(index.runs().len(), 1);
        index.refresh(None);
        assert!(index.wait().is_empty(), "the same error is reported once");
    }

    #[test]
    fn a_running_run_without_a_live_lock_holder_is_interrupted() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path()).unwrap();
        let paths = ws.new_run_dir("killed").unwrap();
        let manifest = RunManifest {
            title: "killed".into(),
            status: RunStatus::Running,
            started: "2025-01-01T10:00:00+00:00".into(),
            config: worldbench_storage::train_config::TrainConfig {
                steps: 20,
                ..Default::default()
            },
            ..RunManifest::default()
        };
        manifest.write(&paths.manifest()).unwrap();
        std::fs::write(paths.last_checkpoint(), b"x").unwrap();
        let lock = worldbench_storage::run_lock::RunLock::acquire(&paths, "train").unwrap();
        assert_eq!(load_all(&ws).runs[0].manifest.status, RunStatus::Running);
        drop(lock);
        let run = &load_all(&ws).runs[0];
        assert_eq!(run.manifest.status, RunStatus::Interrupted);
        assert!(crate::gui::panels::checkpoints::can_resume(run));
        let on_disk = RunManifest::read(&paths.manifest()).unwrap();
        assert_eq!(on_disk.status, RunStatus::Running, "shown, never written");
    }

    #[test]
    fn a_folder_submitted_to_slurm_without_run_json_loads_as_pending_in_folder_order() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(tmp.path()).unwrap();
        let write = |name: &str| {
            let paths = RunPaths::new(ws.runs_dir().join(name));
            paths.create_dirs().unwrap();
            RunManifest {
                title: name.into(),
                status: RunStatus::Completed,
                started: "2025-01-01T10:00:00+00:00".into(),
                ..RunManifest::default()
            }
            .write(&paths.manifest())
            .unwrap();
        };
        write("2025-01-01_00-00-00.old");
        write("2025-01-03_00-00-00.new");
        let pending = ws.runs_dir().join("2025-01-02_00-00-00.queued");
        std::fs::create_dir_all(pending.join("logs")).unwrap();
        std::fs::write(
            pending.join("logs/slurm.json"),
            r#"{"slurm_job_id":"9_1","partition":"main","title":"cell","submitted":"2025-01-02T00:00:00Z"}"#,
        )
        .unwrap();
        let loaded = load_all(&ws);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let names: Vec<String> = loaded.runs.iter().map(RunRecord::name).collect();
        assert_eq!(
            names,
            [
                "2025-01-01_00-00-00.old",
                "2025-01-02_00-00-00.queued",
                "2025-01-03_00-00-00.new"
            ]
        );
        let run = &loaded.runs[1];
        assert_eq!(run.manifest.status, RunStatus::Pending);
        assert_eq!(run.manifest.slurm_job_id.as_deref(), Some("9_1"));
        assert_eq!(run.title(), "cell");
        assert!(!pending.join("run.json").exists(), "shown, never written");
    }
}
