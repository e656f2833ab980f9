//! `worldbench gate new|check|show`: hypothesis gates on the command line.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use worldbench_storage::gate::{
    list_gates, new_gate_path, run_evidence, run_of_gate, Gate, GATE_TABLE_HEADERS,
};
use worldbench_storage::success_criteria::SuccessCriteria;

use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Write a gate template (pre-filled from a previous gate and its run) and print its path.
    New(GateNewArgs),
    /// Exit 0 when the gate is complete; else list every missing field and exit 1.
    Check(GateFileArgs),
    /// Print a gate as a table.
    Show(GateFileArgs),
}

#[derive(Debug, Args)]
pub struct GateNewArgs {
    /// The previous iteration's gate to carry hypotheses over from (a file, or `last` for the newest
    /// gate of the workspace).
    #[arg(long, value_name = "GATE")]
    pub from: Option<PathBuf>,
    /// The run of the previous attempt whose evidence pre-fills the gate (default: the latest run
    /// that recorded the --from gate).
    #[arg(long, value_name = "RUN")]
    pub run: Option<PathBuf>,
    /// Where to write the gate (default: <workspace>/gates/<ts>.<title>.json). Never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Names the file.
    #[arg(long, default_value = "gate")]
    pub title: String,
}

#[derive(Debug, Args)]
pub struct GateFileArgs {
    /// The gate file.
    pub file: PathBuf,
}

pub fn run(workspace: Option<PathBuf>, cmd: GateCommand) -> Result<()> {
    match cmd {
        GateCommand::New(args) => new(workspace, &args).map(|p| println!("{}", p.display())),
        GateCommand::Check(args) => check(&args.file),
        GateCommand::Show(args) => show(&args.file),
    }
}

/// Writes the template; returns its path.
pub fn new(workspace: Option<PathBuf>, args: &GateNewArgs) -> Result<PathBuf> {
    let ws = workspace_dir::open(workspace)?;
    let criteria = SuccessCriteria::read(&ws.config_path())?;
    let gate = match &args.from {
        None => {
            if let Some(run) = &args.run {
                bail!(
                    "--run {}: give the previous gate with --from as well (the run's evidence fills a carried-over gate)",
                    run.display()
                );
            }
            Gate::template()
        }
        Some(from) => {
            let from = if from.as_os_str() == "last" {
                list_gates(&ws.gates_dir())
                    .pop()
                    .context("--from last: the workspace has no gate yet (create one with `worldbench gate new`)")?
            } else {
                from.clone()
            };
            let previous = Gate::read(&from)?;
            let run = args
                .run
                .clone()
                .or_else(|| run_of_gate(&ws.runs_dir(), &from));
            let evidence = match &run {
                Some(r) => run_evidence(r, &criteria)?,
                None => String::new(),
            };
            let from_abs = std::path::absolute(&from).unwrap_or(from);
            let run_abs = run.map(|r| std::path::absolute(&r).unwrap_or(r));
            Gate::carry_over(&previous, &from_abs, run_abs.as_deref(), evidence)
        }
    };
    let out = match &args.out {
        Some(p) => {
            if p.exists() {
                bail!(
                    "{}: already exists; choose another --out (a gate is never overwritten)",
                    p.display()
                );
            }
            p.clone()
        }
        None => new_gate_path(&ws.gates_dir(), &args.title),
    };
    gate.write(&out)?;
    Ok(out)
}

/// The error that lists every missing field of an incomplete gate.
pub fn incomplete_error(path: &Path, missing: &[String]) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: the hypothesis gate is incomplete. Missing:\n  - {}",
        path.display(),
        missing.join("\n  - ")
    )
}

fn check(path: &Path) -> Result<()> {
    let gate = Gate::read(path)?;
    let missing = gate.missing_fields();
    if missing.is_empty() {
        println!("{}: complete", path.display());
        Ok(())
    } else {
        Err(incomplete_error(path, &missing))
    }
}

fn show(path: &Path) -> Result<()> {
    let gate = Gate::read(path)?;
    println!("Gate: {}", path.display());
    println!("Failure mode: {}", gate.failure_mode.trim());
    if let Some(from) = &gate.carried_over_from {
        println!("Carried over from: {from}");
    }
    if let Some(run) = &gate.previous_run {
        println!("Previous run: {run}");
    }
    if !gate.evidence.trim().is_empty() {
        println!("Evidence: {}", gate.evidence.trim());
    }
    println!();
    print!("{}", text_table(&GATE_TABLE_HEADERS, &gate.table_rows()));
    println!();
    let missing = gate.missing_fields();
    if missing.is_empty() {
        println!("Complete.");
    } else {
        println!("Incomplete; missing: {}", missing.join(", "));
    }
    Ok(())
}

/// Longest a cell may print before it is cut with "…".
const MAX_CELL_CHARS: usize = 40;

/// A plain-text table with aligned columns.
fn text_table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let cut = |s: &str| {
        let one_line = s.replace('\n', " ");
        if one_line.chars().count() > MAX_CELL_CHARS {
            let head: String = one_line.chars().take(MAX_CELL_CHARS - 1).collect();
            format!("{head}…")
        } else {
            one_line
        }
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |items: Vec<&str>| {
        let padded: Vec<String> = items
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count())))
            .collect();
        format!("{}\n", padded.join(" | ").trim_end())
    };
    let mut out = line(headers.to_vec());
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-"),
    );
    out.push('\n');
    for r in &cells {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}
