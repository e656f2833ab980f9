//! `worldbench experiments list|check`: experiments of `experiments/<id>/experiment.toml`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use worldbench_storage::plan_cards::experiment::{
    experiment_files, write_findings, Experiment, ExperimentStatus, Recommendation, EXPERIMENT_FILE,
};

use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum ExperimentsCommand {
    /// Every experiment and its title.
    List,
    /// Judge an experiment's sub-experiments, write its FINDINGS.md and the workspace index;
    /// exit 1 when it failed (listing what to fix and re-run). Pivot is not a failure.
    Check {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(workspace: Option<PathBuf>, cmd: ExperimentsCommand) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    match cmd {
        ExperimentsCommand::List => {
            for f in experiment_files(&ws.experiments_dir()) {
                match Experiment::read(&f) {
                    Ok(e) => println!("{:<24} {}", e.id, e.title),
                    Err(e) => eprintln!("problem: {e}"),
                }
            }
            Ok(())
        }
        ExperimentsCommand::Check { id, json } => {
            let path = ws.experiments_dir().join(&id).join(EXPERIMENT_FILE);
            let ev = write_findings(ws.root(), &path)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&ev)?);
            } else {
                for m in &ev.metrics {
                    println!(
                        "{} {} = {:.3} at step {} ({}) {}",
                        m.sub,
                        m.metric,
                        m.value,
                        m.step,
                        m.level.label(),
                        m.level.mark()
                    );
                }
            }
            match (ev.status, ev.recommendation) {
                (ExperimentStatus::Failed, _) => bail!(
                    "experiment {id}: failed; fix and re-run:\n  - {}",
                    ev.to_fix.join("\n  - ")
                ),
                (_, Some(Recommendation::Proceed)) => {
                    println!("experiment {id}: completed — proceed");
                }
                _ => println!("experiment {id}: completed — pivot"),
            }
            Ok(())
        }
    }
}
