//! `worldbench assess --run <run> [--step N] [--json]`: the assessment scorecard of one checkpoint's
//! planning row (the last evaluated one by default), judged by `[assessment]` of the workspace's
//! `worldbench.toml` (`storage::assessment`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use worldbench_storage::assessment::{Assessment, ScoreLine};
use worldbench_storage::{read_csv, PlanningRow, RunPaths};

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The checkpoint step (default: the last evaluated one).
    #[arg(long)]
    pub step: Option<u64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    run: &'a Path,
    step: u64,
    thresholds_from: PathBuf,
    scorecard: Vec<ScoreLine>,
}

/// The `worldbench.toml` whose `[assessment]` judges `run`: the given workspace's, else that of
/// the workspace holding the run (`<workspace>/runs/<run>`).
fn config_path(workspace: Option<PathBuf>, run: &Path) -> PathBuf {
    let root = workspace.unwrap_or_else(|| {
        run.parent()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    root.join("worldbench.toml")
}

pub fn run(workspace: Option<PathBuf>, args: &AssessArgs) -> Result<()> {
    let paths = RunPaths::new(&args.run);
    let csv = paths.planning_csv();
    if !csv.is_file() {
        bail!(
            "{}: no planning metrics yet (evaluate a checkpoint: worldbench eval --run {})",
            csv.display(),
            args.run.display()
        );
    }
    let rows: Vec<PlanningRow> = read_csv(&csv)?;
    let row = match args.step {
        Some(step) => rows.iter().find(|r| r.step == step).with_context(|| {
            format!(
                "{}: no row for step {step} (steps: {})",
                csv.display(),
                rows.iter()
                    .map(|r| r.step.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        None => rows
            .iter()
            .max_by_key(|r| r.step)
            .with_context(|| format!("{}: no rows", csv.display()))?,
    };
    let config = config_path(workspace, &args.run);
    let assessment = Assessment::read(&config)?;
    let report = Report {
        run: &args.run,
        step: row.step,
        thresholds_from: config,
        scorecard: assessment.scorecard(row),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", scorecard_text(&report.scorecard, row.step));
    }
    Ok(())
}

fn scorecard_text(lines: &[ScoreLine], step: u64) -> String {
    let w = lines.iter().map(|l| l.label.len()).max().unwrap_or(0);
    let v = lines.iter().map(|l| l.text.len()).max().unwrap_or(0);
    let mut out = format!("assessment of step {step}\n");
    for l in lines {
        out.push_str(
            format!(
                "{:<w$}  {:>v$}  {:<4}  {}\n",
                l.label,
                l.text,
                l.verdict.as_str(),
                l.thresholds
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out
}
