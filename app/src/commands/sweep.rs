//! `worldbench sweep new|check|run|status|extend|retry|cancel`: grids of training cells × seeds,
//! run through the workspace's queue (see `storage::sweep` and `storage::queue`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use worldbench_storage::queue::{JobState, NewJob, Queue};
use worldbench_storage::run::RunKind;
use worldbench_storage::sweep::register::register;
use worldbench_storage::sweep::resolve::{resolve_config, value_text};
use worldbench_storage::sweep::{expand, Cell, SweepPaths, SweepSpec, SweepState};
use worldbench_storage::Workspace;

use super::sweep_edit::{extend_toml, EXAMPLE};
use super::sweep_sync::sync;
use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Write an example sweep file to edit.
    New {
        /// Where to write it (never overwritten).
        file: PathBuf,
    },
    /// Check a sweep file (every key and value, with its line) and list its cells; runs nothing.
    Check {
        /// A sweep file, or a registered sweep's folder.
        sweep: PathBuf,
    },
    /// Register the sweep (printing its folder first) and queue every cell that has no run yet.
    Run(SweepRunArgs),
    /// Each cell's status and run.
    Status {
        sweep: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Add values or seeds to a registered sweep and queue the new cells.
    Extend(SweepExtendArgs),
    /// Queue the failed and cancelled cells again (cancelled ones resume from `last`).
    Retry {
        sweep: PathBuf,
        #[arg(long)]
        wait: bool,
    },
    /// Cancel the sweep's queued and running cells.
    Cancel { sweep: PathBuf },
}

#[derive(Debug, Args)]
pub struct SweepRunArgs {
    /// A sweep file, or a registered sweep's folder.
    pub sweep: PathBuf,
    /// Work the queue until the sweep is done.
    #[arg(long)]
    pub wait: bool,
    /// The first failed cell cancels the sweep's queued cells.
    #[arg(long)]
    pub fail_fast: bool,
    /// `slurm`: submit the cells as one Slurm job array instead of queueing them here.
    #[arg(long, value_enum, default_value = "local", conflicts_with_all = ["wait", "fail_fast"])]
    pub backend: crate::cli::Backend,
}

#[derive(Debug, Args)]
pub struct SweepExtendArgs {
    /// The registered sweep's folder.
    pub sweep: PathBuf,
    /// More values of a grid key: `--values lr=0.01,0.03` (repeatable).
    #[arg(long = "values", value_name = "KEY=V1,V2")]
    pub values: Vec<String>,
    /// More seeds: `--seeds 3,4`.
    #[arg(long, value_delimiter = ',')]
    pub seeds: Vec<u64>,
    #[arg(long)]
    pub wait: bool,
}

pub fn run(workspace: Option<PathBuf>, cmd: SweepCommand) -> Result<()> {
    match cmd {
        SweepCommand::New { file } => new(&file),
        SweepCommand::Check { sweep } => check(workspace, &sweep),
        SweepCommand::Run(args) => {
            let ws = workspace_dir::open(workspace)?;
            if args.backend == crate::cli::Backend::Slurm {
                return super::sweep_slurm::run_sweep(&ws, &sweep_file(&args.sweep));
            }
            run_sweep(&ws, &args.sweep, args.wait, args.fail_fast)
        }
        SweepCommand::Status { sweep, json } => {
            status(&workspace_dir::open(workspace)?, &sweep, json)
        }
        SweepCommand::Extend(args) => extend(&workspace_dir::open(workspace)?, &args),
        SweepCommand::Retry { sweep, wait } => {
            retry(&workspace_dir::open(workspace)?, &sweep, wait)
        }
        SweepCommand::Cancel { sweep } => cancel(&workspace_dir::open(workspace)?, &sweep),
    }
}

fn new(file: &Path) -> Result<()> {
    if file.exists() {
        bail!("{}: already exists; choose another file", file.display());
    }
    worldbench_storage::atomic::write_atomic(file, EXAMPLE.as_bytes())?;
    println!("{}", file.display());
    Ok(())
}

/// The sweep file of a file or folder argument.
fn sweep_file(arg: &Path) -> PathBuf {
    if arg.is_dir() {
        arg.join("sweep.toml")
    } else {
        arg.to_path_buf()
    }
}

/// Parses the sweep and checks what needs the workspace: its dataset(s) and, for attempts, the gate.
/// Returns the spec, its cells and the absolute gate.
pub(super) fn checked(
    ws: &Workspace,
    file: &Path,
    origin: &Path,
) -> Result<(SweepSpec, Vec<Cell>, Option<PathBuf>)> {
    let spec = SweepSpec::read(file)?;
    let cells = expand(&spec);
    for cell in &cells {
        let full = spec.full_params(&cell.params);
        resolve_config(&full).map_err(|(k, m)| {
            anyhow::anyhow!("{}: cell {}: {k}: {m}", file.display(), cell.key())
        })?;
        let data = full
            .get("data")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        super::resolve_dataset(Some(ws.root().to_path_buf()), Path::new(data))
            .with_context(|| format!("{}: data of cell {}", file.display(), cell.key()))?;
    }
    let gate = match (&spec.gate, spec.kind) {
        (None, _) => None,
        (Some(g), kind) => {
            let found = [
                origin.parent().map(|d| d.join(g)),
                Some(g.clone()),
                Some(ws.root().join(g)),
            ]
            .into_iter()
            .flatten()
            .find(|p| p.is_file())
            .with_context(|| format!("{}: gate {}: no such file", file.display(), g.display()))?;
            let found = std::path::absolute(&found).unwrap_or(found);
            super::train::check_gate(kind, Some(&found))
                .with_context(|| format!("{}: the sweep's gate", file.display()))?;
            Some(found)
        }
    };
    Ok((spec, cells, gate))
}

fn check(workspace: Option<PathBuf>, arg: &Path) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    let file = sweep_file(arg);
    let (spec, cells, _) = checked(&ws, &file, &file)?;
    println!(
        "{}: {} ({}), {} cells × {} seeds = {} runs",
        file.display(),
        spec.title,
        spec.kind.as_str(),
        cells.len() / spec.seeds.len().max(1),
        spec.seeds.len(),
        cells.len()
    );
    for c in &cells {
        println!("  {}", c.key());
    }
    Ok(())
}

fn run_sweep(ws: &Workspace, arg: &Path, wait: bool, fail_fast: bool) -> Result<()> {
    let file = sweep_file(arg);
    let spec = SweepSpec::read(&file)?;
    let (paths, _) = register(ws.root(), &file, &spec.title)?;
    let root = std::path::absolute(&paths.root).unwrap_or(paths.root.clone());
    let paths = SweepPaths::new(root);
    println!("{}", paths.root.display());
    enqueue(ws, &paths, &file, fail_fast)?;
    finish(ws, &paths, wait)
}

/// Adds the cells sweep.json lacks and queues every cell that has no job yet.
fn enqueue(ws: &Workspace, paths: &SweepPaths, origin: &Path, fail_fast: bool) -> Result<()> {
    let (spec, cells, gate) = checked(ws, &paths.toml(), origin)?;
    let queue = Queue::of_workspace(ws.root());
    let g = queue.lock()?;
    g.reconcile()?;
    let mut state = if paths.state().exists() {
        SweepState::read(&paths.state())?
    } else {
        SweepState::new(
            &spec.title,
            spec.kind,
            gate.as_ref().map(|p| p.display().to_string()),
        )
    };
    state.fail_fast |= fail_fast;
    state.add_missing(&cells);
    let jobs = g.jobs()?;
    let mut added = 0;
    for cell in &cells {
        let key = cell.key();
        let Some(cs) = state.cell_mut(&key) else {
            continue;
        };
        if cs
            .job
            .as_deref()
            .is_some_and(|id| jobs.iter().any(|j| j.id == id))
        {
            continue;
        }
        let job = g.add(NewJob {
            label: format!("{}: {key}", spec.title),
            title: format!("{} {key}", spec.title),
            args: cell_args(ws, &spec, cell, gate.as_deref(), &paths.root)?,
            sweep: Some(paths.root.clone()),
            cell: Some(key),
        })?;
        cs.job = Some(job.id);
        cs.status = JobState::Queued;
        added += 1;
    }
    state.write(&paths.state())?;
    sync(&g, &paths.root)?;
    eprintln!(
        "{added} new cell(s) queued, {} in the sweep",
        state.cells.len()
    );
    Ok(())
}

/// `train …` for one cell: options as flags, config keys as `--set`.
pub(super) fn cell_args(
    ws: &Workspace,
    spec: &SweepSpec,
    cell: &Cell,
    gate: Option<&Path>,
    sweep: &Path,
) -> Result<Vec<String>> {
    let full = spec.full_params(&cell.params);
    let data = full
        .get("data")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let data = super::resolve_dataset(Some(ws.root().to_path_buf()), Path::new(data))?;
    let data = std::path::absolute(&data).unwrap_or(data);
    let mut a: Vec<String> = vec!["train".into(), "--data".into(), data.display().to_string()];
    for (key, v) in &full {
        match key.as_str() {
            "data" => {}
            "preset" | "steps" | "checkpoints" => {
                a.push(format!("--{key}={}", value_text(v)));
            }
            _ => a.push(format!("--set={key}={}", value_text(v))),
        }
    }
    a.push(format!("--seed={}", cell.seed));
    a.push(format!("--title={} {}", spec.title, cell.key()));
    match (spec.kind, gate) {
        (RunKind::Attempt, Some(g)) => a.push(format!("--gate={}", g.display())),
        (RunKind::Attempt, None) => bail!("a sweep of attempts needs a gate"),
        (RunKind::Smoke, _) => a.push("--smoke".into()),
    }
    a.extend([
        "--progress=none".into(),
        format!("--sweep={}", sweep.display()),
    ]);
    a.push(format!("--cell={}", cell.key()));
    Ok(a)
}

/// With `--wait`, works the queue until the sweep is done; then prints its counts.
fn finish(ws: &Workspace, paths: &SweepPaths, wait: bool) -> Result<()> {
    if wait {
        super::queue_work::work(ws, Some(&paths.root), false)?;
    }
    let queue = Queue::of_workspace(ws.root());
    let state = sync(&queue.lock()?, &paths.root)?;
    let [q, r, c, f, x] = state.counts();
    eprintln!("{q} queued, {r} running, {c} completed, {f} failed, {x} cancelled");
    if wait && f > 0 {
        bail!(
            "{}: {f} cell(s) failed; `worldbench sweep status` shows which",
            paths.root.display()
        );
    }
    Ok(())
}

/// The registered sweep of a folder (or of its sweep.toml).
fn registered(arg: &Path) -> Result<SweepPaths> {
    let root = if arg.is_dir() {
        arg
    } else {
        arg.parent().unwrap_or(arg)
    };
    let paths = SweepPaths::new(std::path::absolute(root).unwrap_or(root.to_path_buf()));
    if !paths.state().exists() {
        bail!(
            "{}: not a registered sweep (no sweep.json); `worldbench sweep run <file>` registers one",
            arg.display()
        );
    }
    Ok(paths)
}

fn status(ws: &Workspace, arg: &Path, json: bool) -> Result<()> {
    let paths = registered(arg)?;
    let queue = Queue::of_workspace(ws.root());
    let state = {
        let g = queue.lock()?;
        g.reconcile()?;
        sync(&g, &paths.root)?
    };
    if json {
        let cells: Vec<serde_json::Value> = state
            .cells
            .iter()
            .map(|c| {
                serde_json::json!({
                    "params": c.params, "seed": c.seed, "status": c.status.as_str(),
                    "run": c.run, "job": c.job,
                })
            })
            .collect();
        let out = serde_json::json!({
            "sweep": paths.root, "title": state.title, "kind": state.kind.as_str(),
            "gate": state.gate, "cells": cells,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("{} ({})", state.title, paths.root.display());
    for c in &state.cells {
        let run = c
            .run
            .as_ref()
            .map(|r| r.display().to_string())
            .unwrap_or_default();
        println!("{:<10} {:<50} {run}", c.status.as_str(), c.key);
    }
    Ok(())
}

fn extend(ws: &Workspace, args: &SweepExtendArgs) -> Result<()> {
    let paths = registered(&args.sweep)?;
    let text = std::fs::read_to_string(paths.toml())
        .with_context(|| format!("{}: cannot read", paths.toml().display()))?;
    let new_text = extend_toml(&paths.toml(), &text, &args.values, &args.seeds)?;
    // Checked before it replaces the file: a bad value leaves the sweep as it was.
    SweepSpec::parse(&paths.toml(), &new_text)?;
    if !paths.original_toml().exists() {
        worldbench_storage::atomic::write_atomic(&paths.original_toml(), text.as_bytes())?;
    }
    worldbench_storage::atomic::write_atomic(&paths.toml(), new_text.as_bytes())?;
    println!("{}", paths.root.display());
    enqueue(ws, &paths, &paths.toml(), false)?;
    finish(ws, &paths, args.wait)
}

fn retry(ws: &Workspace, arg: &Path, wait: bool) -> Result<()> {
    let paths = registered(arg)?;
    let queue = Queue::of_workspace(ws.root());
    {
        let g = queue.lock()?;
        g.reconcile()?;
        let mut n = 0;
        for mut job in g.jobs()? {
            if job.sweep.as_deref() == Some(paths.root.as_path())
                && super::queue::requeue_job(&mut job)
            {
                g.save(&job)?;
                n += 1;
            }
        }
        sync(&g, &paths.root)?;
        eprintln!("{n} cell(s) queued again");
    }
    if super::sweep_slurm::has_slurm_cells(&paths)? {
        let n = super::sweep_slurm::retry_cells(ws, &paths)?;
        eprintln!("{n} Slurm cell(s) submitted again");
    }
    println!("{}", paths.root.display());
    finish(ws, &paths, wait)
}

fn cancel(ws: &Workspace, arg: &Path) -> Result<()> {
    let paths = registered(arg)?;
    let queue = Queue::of_workspace(ws.root());
    let g = queue.lock()?;
    g.reconcile()?;
    let mut n = 0;
    for mut job in g.jobs()? {
        if job.sweep.as_deref() == Some(paths.root.as_path()) && super::queue::cancel_job(&mut job)
        {
            g.save(&job)?;
            n += 1;
        }
    }
    sync(&g, &paths.root)?;
    drop(g);
    if super::sweep_slurm::has_slurm_cells(&paths)? {
        n += super::sweep_slurm::cancel_cells(&paths)?;
    }
    println!("{n} cell(s) cancelled");
    Ok(())
}
