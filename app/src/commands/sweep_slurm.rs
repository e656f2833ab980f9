//! `worldbench sweep run … --backend slurm`: the sweep's cells that have no run yet become one
//! Slurm job array (`--array=0-N%P`, P the queue's `max_parallel`), one run folder per task. The
//! cells are not in the local queue; sweep.json records each cell's run, and `sweep status`
//! reads each run's run.json.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{bail, Result};
use worldbench_storage::queue::settings::QueueSettings;
use worldbench_storage::queue::JobState;
use worldbench_storage::run_lock::observed_status;
use worldbench_storage::sweep::register::register;
use worldbench_storage::sweep::{SweepPaths, SweepSpec, SweepState};
use worldbench_storage::{RunManifest, RunPaths, RunStatus, SlurmSettings, Workspace};

use crate::launch::slurm::{self, SlurmTask};

pub fn run_sweep(ws: &Workspace, file: &Path) -> Result<()> {
    let (settings, root) = super::queue_slurm::checked_settings(ws)?;
    let spec = SweepSpec::read(file)?;
    let (spec_cells, gate) = {
        let (_, cells, gate) = super::sweep::checked(ws, file, file)?;
        (cells, gate)
    };
    let (paths, _) = register(ws.root(), file, &spec.title)?;
    let paths = SweepPaths::new(std::path::absolute(&paths.root)?);
    println!("{}", paths.root.display());
    let mut state = if paths.state().exists() {
        SweepState::read(&paths.state())?
    } else {
        SweepState::new(
            &spec.title,
            spec.kind,
            gate.as_ref().map(|p| p.display().to_string()),
        )
    };
    state.add_missing(&spec_cells);
    let mut tasks = Vec::new();
    let mut keys = Vec::new();
    for cell in &spec_cells {
        let key = cell.key();
        let Some(cs) = state.cell_mut(&key) else {
            continue;
        };
        if cs.run.is_some() || cs.job.is_some() {
            continue;
        }
        let run = std::path::absolute(ws.new_run_dir(&format!("{} {key}", spec.title))?.root)?;
        RunPaths::new(&run).create_dirs()?;
        let mut argv: Vec<OsString> = vec!["--workspace".into(), root.clone().into()];
        argv.extend(
            super::sweep::cell_args(ws, &spec, cell, gate.as_deref(), &paths.root)?
                .into_iter()
                .map(OsString::from),
        );
        argv.push("--run-dir".into());
        argv.push(run.clone().into());
        tasks.push(SlurmTask {
            run: run.clone(),
            argv,
        });
        keys.push(key);
    }
    if tasks.is_empty() {
        eprintln!("every cell already has a run; nothing was submitted");
        return Ok(());
    }
    let parallel = QueueSettings::read(&ws.config_path())?.max_parallel;
    let job = slurm::submit(&settings, &root, &tasks, Some(parallel))?;
    for (key, task) in keys.iter().zip(&tasks) {
        if let Some(cs) = state.cell_mut(key) {
            cs.run = Some(task.run.clone());
            cs.status = JobState::Queued;
        }
    }
    state.write(&paths.state())?;
    eprintln!(
        "submitted Slurm job array {job} ({} task(s), at most {parallel} at once)",
        tasks.len()
    );
    Ok(())
}

/// The Slurm job of a cell submitted with `--backend slurm` (no queue job, a run folder with
/// `logs/slurm.json`).
fn slurm_cell(cs: &worldbench_storage::sweep::CellState) -> Option<(std::path::PathBuf, String)> {
    if cs.job.is_some() {
        return None;
    }
    let run = cs.run.clone()?;
    let id = slurm::recorded_job_id(&run)?;
    Some((run, id))
}

/// Whether any cell of the sweep was submitted to Slurm.
pub fn has_slurm_cells(paths: &SweepPaths) -> Result<bool> {
    Ok(SweepState::read(&paths.state())?
        .cells
        .iter()
        .any(|c| slurm_cell(c).is_some()))
}

/// How a Slurm cell's run stands: run.json's status (as this machine observes it), or, before
/// its trainer wrote one, `None`.
fn run_status(run: &Path) -> Option<RunStatus> {
    let paths = RunPaths::new(run);
    let written = RunManifest::read(&paths.manifest()).ok()?.status;
    Some(observed_status(&paths, written))
}

/// `sweep cancel` for the cells on Slurm: `scancel` each array task still pending, running or
/// preempted (the trainer writes `last` and run.json says cancelled; a task that never started is
/// marked cancelled in sweep.json). Returns how many were cancelled.
pub fn cancel_cells(paths: &SweepPaths) -> Result<usize> {
    let mut state = SweepState::read(&paths.state())?;
    let mut n = 0;
    for cs in &mut state.cells {
        let Some((run, id)) = slurm_cell(cs) else {
            continue;
        };
        let live = match run_status(&run) {
            Some(RunStatus::Running | RunStatus::Preempted) => true,
            Some(_) => false,
            None => !matches!(
                cs.status,
                JobState::Completed | JobState::Failed | JobState::Cancelled
            ),
        };
        if !live {
            continue;
        }
        slurm::scancel(&id)?;
        if run_status(&run).is_none() {
            cs.status = JobState::Cancelled;
        }
        n += 1;
    }
    state.write(&paths.state())?;
    Ok(n)
}

/// `sweep retry` for the cells on Slurm: the failed and cancelled ones are submitted again as one
/// new job array; a cell whose run holds `last` resumes from it, one without gets a new run
/// folder. Returns how many were submitted.
pub fn retry_cells(ws: &Workspace, paths: &SweepPaths) -> Result<usize> {
    let root = std::path::absolute(ws.root())?;
    let settings = SlurmSettings::read(&ws.config_path())?;
    let file = paths.toml();
    let spec = SweepSpec::read(&file)?;
    let (_, spec_cells, gate) = super::sweep::checked(ws, &file, &file)?;
    let mut state = SweepState::read(&paths.state())?;
    let ids: Vec<String> = state
        .cells
        .iter()
        .filter_map(|c| slurm_cell(c).map(|(_, id)| id))
        .collect();
    let live = if ids.is_empty() {
        std::collections::BTreeMap::default()
    } else {
        slurm::state::query(&ids)
    };
    let mut tasks = Vec::new();
    let mut keys = Vec::new();
    for cell in &spec_cells {
        let key = cell.key();
        let Some(cs) = state.cell_mut(&key) else {
            continue;
        };
        let Some((run, id)) = slurm_cell(cs) else {
            continue;
        };
        let retry = match run_status(&run) {
            Some(RunStatus::Failed | RunStatus::Cancelled | RunStatus::Interrupted) => true,
            Some(_) => false,
            // Never started: retried once Slurm no longer runs it.
            None => live.get(&id).is_none_or(|s| s.is_final()),
        };
        if !retry {
            continue;
        }
        let paths_run = RunPaths::new(&run);
        let (run, argv): (std::path::PathBuf, Vec<OsString>) =
            if worldbench_storage::files::present(&paths_run.last_checkpoint()) {
                let argv = vec![
                    "--workspace".into(),
                    root.clone().into(),
                    "train".into(),
                    "--resume".into(),
                    run.clone().into(),
                    "--progress".into(),
                    "none".into(),
                ];
                (run, argv)
            } else {
                let new =
                    std::path::absolute(ws.new_run_dir(&format!("{} {key}", spec.title))?.root)?;
                RunPaths::new(&new).create_dirs()?;
                let mut argv: Vec<OsString> = vec!["--workspace".into(), root.clone().into()];
                argv.extend(
                    super::sweep::cell_args(ws, &spec, cell, gate.as_deref(), &paths.root)?
                        .into_iter()
                        .map(OsString::from),
                );
                argv.push("--run-dir".into());
                argv.push(new.clone().into());
                (new, argv)
            };
        tasks.push(SlurmTask { run, argv });
        keys.push(key);
    }
    if tasks.is_empty() {
        return Ok(0);
    }
    let problems = slurm::check(&settings, &root);
    if !problems.is_empty() {
        bail!(
            "cannot submit to Slurm; nothing was submitted:\n  - {}",
            problems.join("\n  - ")
        );
    }
    let parallel = QueueSettings::read(&ws.config_path())?.max_parallel;
    let job = slurm::submit(&settings, &root, &tasks, Some(parallel))?;
    for (key, task) in keys.iter().zip(&tasks) {
        if let Some(cs) = state.cell_mut(key) {
            cs.run = Some(task.run.clone());
            cs.status = JobState::Queued;
        }
    }
    state.write(&paths.state())?;
    eprintln!(
        "submitted Slurm job array {job} again ({} cell(s))",
        tasks.len()
    );
    Ok(tasks.len())
}
