//! One module per verb; each turns parsed arguments into calls on the model and storage crates.

pub mod assess;
mod bench;
mod bench_metrics_io;
mod bench_queue;
mod bench_render;
pub mod cards;
pub mod ckpt;
mod data;
mod demo;
mod eval;
pub mod experiments;
pub mod gate;
pub mod launch;
mod plan;
mod planners;
pub mod queue;
mod queue_slurm;
mod queue_work;
mod run_checkpoint;
pub mod runs;
pub mod runs_annotate;
pub mod runs_show;
pub mod sweep;
mod sweep_edit;
mod sweep_slurm;
pub mod tickets;
pub(crate) use crate::launch::sweep_sync;
mod train;
mod train_device;
mod train_signals;
mod train_slurm;
pub mod worklog;

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::cli::{Cli, Command};
use crate::workspace_dir;

pub fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else {
        return crate::gui::run(workspace_dir::resolve(cli.workspace)?);
    };
    match command {
        Command::Data(cmd) => data::run(cli.workspace, cmd),
        Command::Train(args) => train::run(cli.workspace, &args).map(|_| ()),
        Command::Eval(args) => eval::run(&args),
        Command::Assess(args) => assess::run(cli.workspace, &args),
        Command::Plan(args) => plan::run(&args),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Demo(args) => demo::run(&workspace_dir::open(cli.workspace)?, &args),
        Command::Gate(cmd) => gate::run(cli.workspace, cmd),
        Command::Worklog(cmd) => worklog::run(cli.workspace, cmd),
        Command::Runs(cmd) => runs::run(cli.workspace, cmd),
        Command::Ckpt(cmd) => ckpt::run(&cmd),
        Command::Sweep(cmd) => sweep::run(cli.workspace, cmd),
        Command::Queue(cmd) => queue::run(cli.workspace, cmd),
        Command::Cards(cmd) => cards::run(cli.workspace, cmd),
        Command::Tickets(cmd) => tickets::run(cli.workspace, cmd),
        Command::Experiments(cmd) => experiments::run(cli.workspace, cmd),
        Command::Launch(cmd) => launch::run(cli.workspace, &cmd),
    }
}

/// A dataset argument: an existing folder, or the name of a dataset in the workspace's datasets/.
pub fn resolve_dataset(workspace: Option<PathBuf>, arg: &Path) -> Result<PathBuf> {
    if arg.exists() {
        return Ok(arg.to_path_buf());
    }
    if arg.components().count() == 1 {
        let ws = workspace_dir::open(workspace)?;
        let candidate = ws.datasets_dir().join(arg);
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    bail!(
        "{}: no such dataset folder (give a path to a dataset folder, or the name of one in the workspace's datasets/; \
         `worldbench data gen` makes one)",
        arg.display()
    )
}
