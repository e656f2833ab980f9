//! `worldbench queue work|list|cancel|requeue|move`: the workspace's persistent run queue.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use worldbench_storage::queue::{Queue, QueueJob};

pub use crate::launch::queue_verbs::{cancel_job, requeue_job};
use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Run queued jobs (at most `[queue] max_parallel` of worldbench.toml at once) until none is
    /// queued or running.
    Work {
        /// `local`: the jobs run on this machine; `slurm`: each is submitted with sbatch (at most
        /// `max_parallel` at once) and followed until Slurm says it ended.
        #[arg(long, value_enum, default_value = "local")]
        backend: crate::cli::Backend,
    },
    /// The jobs in queue order: id, state, run, label.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Cancel a queued job, or stop a running one (its trainer writes `last`).
    Cancel { id: String },
    /// Queue a failed or cancelled job again (a cancelled or interrupted run resumes from `last`).
    Requeue { id: String },
    /// Move a job to a position in the queue (1 = first).
    Move { id: String, position: usize },
}

pub fn run(workspace: Option<PathBuf>, cmd: QueueCommand) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    let queue = Queue::of_workspace(ws.root());
    match cmd {
        QueueCommand::Work { backend } => {
            let s = super::queue_work::work_on(&ws, None, true, backend)?;
            eprintln!(
                "queue empty: {} started, {} completed, {} failed",
                s.started, s.completed, s.failed
            );
            Ok(())
        }
        QueueCommand::List { json } => {
            let jobs = {
                let g = queue.lock()?;
                g.reconcile()?;
                g.jobs()?
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else if jobs.is_empty() {
                println!("the queue is empty ({})", queue.dir().display());
            } else {
                for j in &jobs {
                    let run = j
                        .run
                        .as_ref()
                        .map(|r| r.display().to_string())
                        .unwrap_or_default();
                    println!("{} {:<10} {}  {run}", j.id, j.state.as_str(), j.label);
                }
            }
            Ok(())
        }
        QueueCommand::Cancel { id } => {
            change(&queue, &id, cancel_job, "cannot be cancelled: it has ended")
        }
        QueueCommand::Requeue { id } => change(
            &queue,
            &id,
            requeue_job,
            "cannot be queued again: only failed or cancelled jobs can",
        ),
        QueueCommand::Move { id, position } => {
            if position == 0 {
                bail!("position counts from 1 (the first job)");
            }
            let g = queue.lock()?;
            Ok(g.move_to(&id, position - 1)?)
        }
    }
}

fn change(queue: &Queue, id: &str, f: fn(&mut QueueJob) -> bool, refused: &str) -> Result<()> {
    let g = queue.lock()?;
    g.reconcile()?;
    let mut job = g.job(id)?;
    if !f(&mut job) {
        bail!("job {id} ({}) {refused}", job.state.as_str());
    }
    g.save(&job)?;
    super::sweep_sync::after_settle(&g, &job)?;
    println!("job {id}: {}", job.state.as_str());
    Ok(())
}
