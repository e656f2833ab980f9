//! `worldbench runs list`: the workspace's runs with the status a reader should see (`interrupted`
//! for a run whose trainer died without stopping: run.json says running but nobody holds its lock).

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;
use worldbench_storage::metrics::read_csv_whole_lines;
use worldbench_storage::run::short_time;
use worldbench_storage::run_lock::{holder, observed_status};
use worldbench_storage::{RunManifest, RunPaths, TrainRow};

use crate::workspace_dir;

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum RunsCommand {
    /// List the workspace's runs: title, kind, status (running, completed, failed, cancelled or
    /// interrupted), last logged step, started.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct RunLine {
    dir: PathBuf,
    title: String,
    kind: String,
    status: String,
    /// The last step in metrics/train.csv (0 when none).
    step: u64,
    started: String,
    /// Who trains it now: "train (pid … on …, since …)".
    held_by: Option<String>,
    /// Why its run.json cannot be read, for a folder that is not a readable run.
    error: Option<String>,
}

pub fn run(workspace: Option<PathBuf>, cmd: RunsCommand) -> Result<()> {
    let RunsCommand::List { json } = cmd;
    let ws = workspace_dir::open(workspace)?;
    let lines: Vec<RunLine> = ws.list_runs().into_iter().map(line).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    if lines.is_empty() {
        println!("no runs in {}", ws.runs_dir().display());
        return Ok(());
    }
    println!(
        "{:<12} {:<7} {:>7}  {:<16}  {:<40} folder",
        "status", "kind", "step", "started", "title"
    );
    for l in &lines {
        if let Some(e) = &l.error {
            println!("{:<12} {e}", "unreadable");
            continue;
        }
        println!(
            "{:<12} {:<7} {:>7}  {:<16}  {:<40} {}",
            l.status,
            l.kind,
            l.step,
            short_time(&l.started),
            l.title,
            l.dir.display()
        );
    }
    Ok(())
}

fn line(dir: PathBuf) -> RunLine {
    let paths = RunPaths::new(&dir);
    match RunManifest::read(&paths.manifest()) {
        Ok(m) => {
            let step = read_csv_whole_lines::<TrainRow>(&paths.train_csv())
                .ok()
                .and_then(|rows| rows.last().map(|r| r.step))
                .unwrap_or(0);
            RunLine {
                title: m.title.clone(),
                kind: m.kind.as_str().to_string(),
                status: observed_status(&paths, m.status).as_str().to_string(),
                step,
                started: m.started.clone(),
                held_by: holder(&paths).map(|h| h.to_string()),
                error: None,
                dir,
            }
        }
        Err(e) => RunLine {
            dir,
            title: String::new(),
            kind: String::new(),
            status: String::new(),
            step: 0,
            started: String::new(),
            held_by: None,
            error: Some(e.to_string()),
        },
    }
}
