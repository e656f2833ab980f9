//! The post's account of how a run went: whether it was stopped (cancelled, interrupted, failed)
//! and resumed, at which steps and when (`resumes.jsonl`), and how it ended.

use std::fmt::Write as _;

use super::run_data::RunData;
use crate::resumes::Resume;
use crate::run::{short_time, RunStatus};

/// How a run had stopped, in words, with the step `last` held.
fn stopped(r: &Resume) -> String {
    match r.after {
        RunStatus::Cancelled => format!("cancelled at step {}", r.from_step),
        RunStatus::Interrupted => format!(
            "interrupted (its trainer died) after step {} (`last`)",
            r.from_step
        ),
        RunStatus::Failed => format!("failed after step {} (`last`)", r.from_step),
        other => format!("{} at step {}", other.as_str(), r.from_step),
    }
}

/// The step of the run's last train.csv row, if any.
fn last_step(run: &RunData) -> Option<u64> {
    run.train.last().map(|r| r.step)
}

/// One "- Stops and resumes: …" line of the Setup section.
pub fn stops_and_resumes(out: &mut String, run: &RunData) {
    let status = run.manifest.status;
    let end = match (status, last_step(run)) {
        (RunStatus::Completed, Some(s)) => format!("completed at step {s}"),
        (RunStatus::Running, Some(s)) => format!("still running (step {s} so far)"),
        (other, Some(s)) => format!("{} at step {s}", other.as_str()),
        (other, None) => other.as_str().to_string(),
    };
    match &run.resumes {
        Err(why) => {
            let _ = writeln!(
                out,
                "- Stops and resumes: unknown ({why}); the run ended {end}"
            );
        }
        Ok(resumes) if resumes.is_empty() => {
            let line = match status {
                RunStatus::Completed => format!("none: the run went through and {end}"),
                RunStatus::Running => format!("none so far: {end}"),
                _ => format!("{end}, not resumed"),
            };
            let _ = writeln!(out, "- Stops and resumes: {line}");
        }
        Ok(resumes) => {
            let parts: Vec<String> = resumes
                .iter()
                .map(|r| {
                    format!(
                        "{}, resumed from step {} on {}",
                        stopped(r),
                        r.from_step,
                        short_time(&r.at)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "- Stops and resumes: {}; then {end}",
                parts.join("; then ")
            );
        }
    }
}
