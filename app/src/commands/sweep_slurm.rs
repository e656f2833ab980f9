//! `worldbench sweep run … --backend slurm`: the sweep's cells that have no run yet become one
//! Slurm job array (`--array=0-N%P`, P the queue's `max_parallel`), one run folder per task. The
//! cells are not in the local queue; sweep.json records each cell's run, and `sweep status`
//! reads each run's run.json.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{bail, Result};
use worldbench_storage::queue::settings::QueueSettings;
use worldbench_storage::queue::JobState;
use worldbench_storage::sweep::register::register;
use worldbench_storage::sweep::{SweepPaths, SweepSpec, SweepState};
use worldbench_storage::{RunPaths, SlurmSettings, Workspace};

use crate::launch::slurm::{self, SlurmTask};

pub fn run_sweep(ws: &Workspace, file: &Path) -> Result<()> {
    let root = std::path::absolute(ws.root())?;
    let settings = SlurmSettings::read(&ws.config_path())?;
    let problems = slurm::check(&settings, &root);
    if !problems.is_empty() {
        bail!(
            "cannot submit to Slurm; nothing was submitted:\n  - {}",
            problems.join("\n  - ")
        );
    }
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
