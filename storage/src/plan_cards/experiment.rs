//! Experiments: `experiments/<id>/experiment.toml` groups sub-experiments (named runs, or the runs
//! of a sweep) with success criteria per metric; its status is `completed` only when every
//! sub-experiment ran without error (else `failed`, listing what to fix and re-run), and a
//! completed experiment gets `proceed` or `pivot` from its criteria. `FINDINGS.md` is written
//! beside it.
//!
//! ```toml
//! id = "merge-radius"
//! title = "Does a data-driven merge radius help?"
//! card = "hgraph-merge"
//! ticket = "TICKET-001"
//!
//! [[sub]]
//! name = "baseline"
//! runs = ["2026-12-01_10-00-00.baseline"]
//!
//! [criteria.reach_h_p10]
//! target = 0.9
//! acceptable = 0.5
//! failure = 0.2
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::front_matter::toml_error;
use super::tick::resolve_run;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::metrics::{read_csv, PlanningRow};
use crate::planning_metrics::{self, PlanningMetric};
use crate::run::{RunManifest, RunPaths, RunStatus};
use crate::success_criteria::{Level, Thresholds};

pub const EXPERIMENT_FILE: &str = "experiment.toml";
pub const FINDINGS_FILE: &str = "FINDINGS.md";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubExperiment {
    pub name: String,
    /// Run folders (names under runs/, or paths relative to the workspace).
    #[serde(default)]
    pub runs: Vec<String>,
    /// The sweep these runs come from, for the reader.
    #[serde(default)]
    pub sweep: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub card: Option<String>,
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(default)]
    pub sub: Vec<SubExperiment>,
    #[serde(default)]
    pub criteria: BTreeMap<String, Thresholds>,
}

/// One metric of one sub-experiment against its thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricResult {
    pub sub: String,
    pub metric: String,
    pub value: f64,
    pub step: u64,
    pub thresholds: Thresholds,
    pub level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExperimentStatus {
    Completed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recommendation {
    Proceed,
    Pivot,
}

/// What the experiment's runs say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub id: String,
    pub status: ExperimentStatus,
    /// For a failed experiment: each sub-experiment to fix and re-run, and why.
    pub to_fix: Vec<String>,
    /// For a completed one.
    pub recommendation: Option<Recommendation>,
    pub metrics: Vec<MetricResult>,
}

impl Experiment {
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let bad = |p: String| StorageError::invalid(path, p);
        let e: Experiment = toml::from_str(text).map_err(|e| bad(toml_error(&e, text, 1)))?;
        if e.sub.is_empty() {
            return Err(bad(
                "an experiment needs at least one [[sub]] sub-experiment".into(),
            ));
        }
        for s in &e.sub {
            if s.runs.is_empty() {
                return Err(bad(format!("sub-experiment `{}` names no runs", s.name)));
            }
        }
        for key in e.criteria.keys() {
            planning_metrics::lookup_judged(key)
                .map_err(|err| bad(format!("[criteria.{key}]: {err}")))?;
        }
        Ok(e)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        Self::parse(path, &text)
    }

    fn criteria(&self) -> Vec<(&'static PlanningMetric, Thresholds)> {
        self.criteria
            .iter()
            .filter_map(|(k, t)| Some((planning_metrics::lookup_judged(k).ok()?, *t)))
            .collect()
    }

    /// Judges the sub-experiments' runs in workspace `root`.
    pub fn evaluate(&self, root: &Path) -> Evaluation {
        let mut to_fix = Vec::new();
        let mut metrics = Vec::new();
        for s in &self.sub {
            for r in &s.runs {
                let run = RunPaths::new(resolve_run(root, r));
                let problem = match RunManifest::read(&run.manifest()) {
                    Err(e) => Some(format!("cannot read its run: {e}")),
                    Ok(m) if m.status != RunStatus::Completed => Some(format!(
                        "run {r} is {}{}",
                        m.status.as_str(),
                        m.error.map(|e| format!(": {e}")).unwrap_or_default()
                    )),
                    Ok(_) => match read_csv::<PlanningRow>(&run.planning_csv()) {
                        Err(e) => Some(format!("no planning metrics: {e}")),
                        Ok(rows) if rows.is_empty() => {
                            Some(format!("run {r} has no evaluated checkpoint"))
                        }
                        Ok(rows) => {
                            let last = &rows[rows.len() - 1];
                            for (m, th) in self.criteria() {
                                let value = m.of(last);
                                metrics.push(MetricResult {
                                    sub: s.name.clone(),
                                    metric: m.key.to_string(),
                                    value,
                                    step: last.step,
                                    thresholds: th,
                                    level: th.level(value),
                                });
                            }
                            None
                        }
                    },
                };
                if let Some(p) = problem {
                    to_fix.push(format!("{}: {p}", s.name));
                }
            }
        }
        let status = if to_fix.is_empty() {
            ExperimentStatus::Completed
        } else {
            ExperimentStatus::Failed
        };
        let recommendation = (status == ExperimentStatus::Completed).then(|| {
            if metrics.iter().all(|m| m.level.is_met()) {
                Recommendation::Proceed
            } else {
                Recommendation::Pivot
            }
        });
        Evaluation {
            id: self.id.clone(),
            status,
            to_fix,
            recommendation,
            metrics,
        }
    }
}

/// `experiments/<id>/experiment.toml` of every experiment under `dir`, sorted.
pub fn experiment_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join(EXPERIMENT_FILE))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The text of an experiment's FINDINGS.md.
pub fn findings_text(e: &Experiment, ev: &Evaluation) -> String {
    let mut out = format!("# {}\n\n", e.title);
    let status = match ev.status {
        ExperimentStatus::Completed => "completed",
        ExperimentStatus::Failed => "failed",
    };
    let _ = writeln!(out, "## Summary\n\nStatus: **{status}**.");
    if let Some(c) = &e.card {
        let _ = writeln!(out, "Card: [{c}](../../plans/{c}.md).");
    }
    if let Some(t) = &e.ticket {
        let _ = writeln!(out, "Ticket: [{t}](../../tickets/{t}.toml).");
    }
    let _ = writeln!(
        out,
        "Sub-experiments: {}.\n",
        e.sub
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "## Key metrics\n\n| sub-experiment | metric | step | value | target | acceptable | failure | met |\n|---|---|---|---|---|---|---|---|");
    for m in &ev.metrics {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.3} | {} | {} | {} | {} |",
            m.sub,
            m.metric,
            m.step,
            m.value,
            m.thresholds.target,
            m.thresholds.acceptable,
            m.thresholds.failure,
            m.level.mark()
        );
    }
    let _ = writeln!(out, "\n## Implications\n");
    match (ev.status, ev.recommendation) {
        (ExperimentStatus::Failed, _) => {
            let _ = writeln!(out, "Not every sub-experiment ran; fix and re-run:\n");
            for f in &ev.to_fix {
                let _ = writeln!(out, "- {f}");
            }
        }
        (_, Some(Recommendation::Proceed)) => {
            let _ = writeln!(out, "Every criterion is met: **proceed**.");
        }
        _ => {
            let _ = writeln!(
                out,
                "Some criteria are not met: **pivot** (a valid outcome: re-plan the card)."
            );
        }
    }
    out
}

/// Evaluates the experiment at `path` (its experiment.toml) and writes its FINDINGS.md beside it.
pub fn write_findings(root: &Path, path: &Path) -> Result<Evaluation> {
    let e = Experiment::read(path)?;
    let ev = e.evaluate(root);
    let dir = path.parent().unwrap_or(root);
    write_atomic(&dir.join(FINDINGS_FILE), findings_text(&e, &ev).as_bytes())?;
    crate::worklog::findings::write_findings(&root.join("FINDINGS.md"), &root.join("worklog"))?;
    Ok(ev)
}

#[cfg(test)]
#[path = "experiment_tests.rs"]
mod tests;
