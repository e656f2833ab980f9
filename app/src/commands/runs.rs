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
    /// Slurm's job id, for a run submitted with `--backend slurm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    slurm_job_id: Option<String>,
    /// What Slurm says of that job now (pending, running, …), when it still knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    slurm_state: Option<String>,
}

pub fn run(workspace: Option<PathBuf>, cmd: RunsCommand) -> Result<()> {
    let RunsCommand::List { json } = cmd;
    let ws = workspace_dir::open(workspace)?;
    let mut dirs = ws.list_runs();
    dirs.extend(submitted_runs(&ws.runs_dir()));
    dirs.sort();
    let mut lines: Vec<RunLine> = dirs.into_iter().map(line).collect();
    add_slurm_states(&mut lines);
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
        let slurm = match (&l.slurm_job_id, &l.slurm_state) {
            (Some(id), Some(state)) => format!("  (slurm {id}: {state})"),
            (Some(id), None) => format!("  (slurm {id})"),
            _ => String::new(),
        };
        println!(
            "{:<12} {:<7} {:>7}  {:<16}  {:<40} {}{slurm}",
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

/// Run folders submitted to Slurm whose trainer has not written run.json yet.
fn submitted_runs(runs: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(runs)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    !p.join("run.json").exists() && crate::launch::slurm::record_path(p).is_file()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asks Slurm (one batched query) about the runs on Slurm that have not ended for good.
fn add_slurm_states(lines: &mut [RunLine]) {
    let open = |l: &RunLine| {
        l.slurm_job_id.is_some() && !matches!(l.status.as_str(), "completed" | "failed")
    };
    let ids: Vec<String> = lines
        .iter()
        .filter(|l| open(l))
        .filter_map(|l| l.slurm_job_id.clone())
        .collect();
    if ids.is_empty() {
        return;
    }
    let states = crate::launch::slurm::state::query(&ids);
    for l in lines.iter_mut().filter(|l| open(l)) {
        let state = l.slurm_job_id.as_ref().and_then(|id| states.get(id));
        l.slurm_state = state.map(|s| s.as_str().to_string());
        if l.status == "submitted" {
            if let Some(s) = state {
                l.status = s.as_str().to_string();
            }
        }
    }
}

fn line(dir: PathBuf) -> RunLine {
    let paths = RunPaths::new(&dir);
    let recorded = crate::launch::slurm::recorded_job_id(&dir);
    if recorded.is_some() && !paths.manifest().exists() {
        // Submitted to Slurm; its trainer has not started yet.
        return RunLine {
            title: String::new(),
            kind: String::new(),
            status: "submitted".into(),
            step: 0,
            started: String::new(),
            held_by: None,
            error: None,
            slurm_job_id: recorded,
            slurm_state: None,
            dir,
        };
    }
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
                slurm_job_id: m.slurm_job_id.clone().or(recorded),
                slurm_state: None,
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
            slurm_job_id: recorded,
            slurm_state: None,
        },
    }
}
