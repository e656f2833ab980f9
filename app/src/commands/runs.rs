//! `worldbench runs list`: the workspace's runs with the status a reader should see (`interrupted`
//! for a run whose trainer died without stopping: run.json says running but nobody holds its lock),
//! and beside them the runs under `[runs] roots` and `--root` (researchers' nes-ai runs read in
//! place, or another workspace's runs), with a source column. `show` and `annotate` are
//! `runs_show.rs` and `runs_annotate.rs`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;
use worldbench_storage::metrics::read_csv_whole_lines;
use worldbench_storage::run::short_time;
use worldbench_storage::run_lock::{holder, observed_status};
use worldbench_storage::their_runs::{self, RunListing, RunSource};
use worldbench_storage::{RunManifest, RunPaths, RunStatus, TrainRow};

use crate::workspace_dir;

#[derive(Debug, Clone, Subcommand)]
pub enum RunsCommand {
    /// List the workspace's runs: title, kind, status (running, completed, failed, cancelled,
    /// interrupted, or pending: submitted to Slurm, no run.json yet, shown with Slurm's state),
    /// last logged step, started; and the runs under `[runs] roots` of
    /// worldbench.toml and each `--root` (nes-ai runs too), with their source.
    List {
        #[arg(long)]
        json: bool,
        /// A further folder of runs (their trainer's output_dir, another workspace's runs/).
        #[arg(long = "root", value_name = "DIR")]
        roots: Vec<PathBuf>,
    },
    /// One run of either kind: title, source, steps, planning rows with their columns, config,
    /// git commit, model size and FLOPs, checkpoints, image series.
    Show {
        /// The run folder.
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Title, notes, tags, star, archive of a run: in experiment_metadata.txt and notes.txt for
    /// theirs (their viewer sees the change), in annotations.toml for ours.
    Annotate(crate::commands::runs_annotate::AnnotateArgs),
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
    /// `worldbench` or `nes-ai`, with the fields both kinds share (title annotated, dataset,
    /// last loss, last planning row, tags, star, archive, notes).
    #[serde(flatten)]
    listing: Option<Listing>,
}

#[derive(Debug, Serialize)]
struct Listing {
    source: &'static str,
    dataset: String,
    last_loss: Option<f64>,
    last_planning: std::collections::BTreeMap<String, f64>,
    tags: Vec<String>,
    starred: bool,
    archived: bool,
    notes: String,
}

fn listing_of(l: &RunListing) -> Listing {
    Listing {
        source: l.source.as_str(),
        dataset: l.dataset.clone(),
        last_loss: l.last_loss.filter(|v| v.is_finite()),
        last_planning: l
            .last_planning
            .iter()
            .filter(|(_, v)| v.is_finite())
            .cloned()
            .collect(),
        tags: l.tags.clone(),
        starred: l.starred,
        archived: l.archived,
        notes: l.notes.clone(),
    }
}

pub fn run(workspace: Option<PathBuf>, cmd: RunsCommand) -> Result<()> {
    let (json, extra_roots) = match cmd {
        RunsCommand::List { json, roots } => (json, roots),
        RunsCommand::Show { dir, json } => return crate::commands::runs_show::run(&dir, json),
        RunsCommand::Annotate(args) => return crate::commands::runs_annotate::run(args),
    };
    let ws = workspace_dir::open(workspace)?;
    let mut dirs = ws.list_runs();
    dirs.extend(crate::launch::slurm::submitted_runs(&ws.runs_dir()));
    dirs.sort();
    let mut lines: Vec<RunLine> = dirs.into_iter().map(line).collect();
    add_slurm_states(&mut lines);
    // A folder submitted to Slurm without run.json yet is ours, not a nes-ai run: no listing.
    for l in lines
        .iter_mut()
        .filter(|l| l.error.is_none() && !l.status.is_empty() && l.dir.join("run.json").exists())
    {
        let listing = RunListing::read_or_error(&l.dir);
        if listing.error.is_none() {
            l.title.clone_from(&listing.title);
            l.listing = Some(listing_of(&listing));
        }
    }
    let mut roots = their_runs::read_roots(&ws.config_path())?;
    roots.extend(extra_roots);
    let own = ws.runs_dir();
    let roots: Vec<PathBuf> = roots.into_iter().filter(|r| *r != own).collect();
    for l in their_runs::list_runs(&roots) {
        if lines.iter().any(|x| x.dir == l.dir) {
            continue;
        }
        lines.push(other_line(&l));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    if lines.is_empty() {
        println!("no runs in {}", ws.runs_dir().display());
        return Ok(());
    }
    println!(
        "{:<10} {:<12} {:<7} {:>7}  {:<16}  {:<40} folder",
        "source", "status", "kind", "step", "started", "title"
    );
    for l in &lines {
        if let Some(e) = &l.error {
            let source = l.listing.as_ref().map_or("worldbench", |x| x.source);
            println!("{source:<10} {:<12} {e}", "unreadable");
            continue;
        }
        let slurm = match (&l.slurm_job_id, &l.slurm_state) {
            (Some(id), Some(state)) => format!("  (slurm {id}: {state})"),
            (Some(id), None) => format!("  (slurm {id})"),
            _ => String::new(),
        };
        let source = l.listing.as_ref().map_or("worldbench", |x| x.source);
        let marks = l.listing.as_ref().map_or(String::new(), |x| {
            let mut m = String::new();
            if x.starred {
                m.push_str("  *starred");
            }
            if x.archived {
                m.push_str("  [archived]");
            }
            if !x.tags.is_empty() {
                m.push_str("  tags: ");
                m.push_str(&x.tags.join(", "));
            }
            m
        });
        println!(
            "{source:<10} {:<12} {:<7} {:>7}  {:<16}  {:<40} {}{slurm}{marks}",
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

/// A run found under a further root: theirs, or ours from another workspace.
fn other_line(l: &RunListing) -> RunLine {
    let (kind, status) = match l.source {
        RunSource::NesAi => ("nes-ai", l.status.map_or("unknown", |s| s.as_str())),
        RunSource::Worldbench => ("", "-"),
    };
    let (kind, status) = match (l.source, RunManifest::read(&l.dir.join("run.json"))) {
        (RunSource::Worldbench, Ok(m)) => (m.kind.as_str(), m.status.as_str()),
        _ => (kind, status),
    };
    RunLine {
        dir: l.dir.clone(),
        title: l.title.clone(),
        kind: kind.to_string(),
        status: status.to_string(),
        step: l.steps.unwrap_or(0),
        started: l.started.clone(),
        held_by: None,
        error: l.error.clone(),
        slurm_job_id: None,
        slurm_state: None,
        listing: Some(listing_of(l)),
    }
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
        if l.status == RunStatus::Pending.as_str() {
            if let Some(s) = state {
                l.status = s.as_str().to_string();
            }
        }
    }
}

fn line(dir: PathBuf) -> RunLine {
    let paths = RunPaths::new(&dir);
    let recorded = crate::launch::slurm::recorded_job_id(&dir);
    if let Some(m) = crate::launch::slurm::pending_manifest(&dir) {
        // Submitted to Slurm; its trainer has not started yet (Slurm's state replaces `pending`).
        return RunLine {
            title: m.title,
            kind: String::new(),
            status: m.status.as_str().into(),
            step: 0,
            started: m.started,
            held_by: None,
            error: None,
            slurm_job_id: recorded,
            slurm_state: None,
            listing: None,
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
                listing: None,
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
            listing: None,
        },
    }
}
