//! Success criteria: the `[success]` table of `worldbench.toml`, and the judgement of a run's
//! planning metrics against them.
//!
//! Per metric (a column of `planning_metrics.csv`, higher is better) three thresholds:
//! ```toml
//! [success.reach_h_median]
//! target = 0.9       # the goal
//! acceptable = 0.5   # good enough to count as a success
//! failure = 0.2      # at or below this the idea is not working
//! ```
//! The metrics that can be judged, their order and their default thresholds come from the registry
//! ([`crate::planning_metrics`]); a name that is not a judged metric is an error that lists the
//! valid ones.
//!
//! The older flat form (`reach_h_median_min = 0.5`, `test2_success = false`) is still read:
//! `<metric>_min` sets `acceptable`, and `false` for a test drops that criterion.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};
use crate::metrics::PlanningRow;
use crate::planning_metrics::{self, by_key, PlanningMetric};

/// Thresholds of one metric (higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub target: f64,
    pub acceptable: f64,
    pub failure: f64,
}

/// One judged metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// A judged metric of the registry.
    #[serde(with = "by_key")]
    pub metric: &'static PlanningMetric,
    #[serde(flatten)]
    pub thresholds: Thresholds,
}

/// The success criteria of a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuccessCriteria {
    pub criteria: Vec<Criterion>,
}

impl Default for SuccessCriteria {
    /// The registry's metrics that have default thresholds.
    fn default() -> Self {
        Self {
            criteria: planning_metrics::judged_metrics()
                .filter_map(|metric| {
                    Some(Criterion {
                        metric,
                        thresholds: metric.default_thresholds?,
                    })
                })
                .collect(),
        }
    }
}

/// Where a value stands against its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// At or above the target.
    Target,
    /// At or above acceptable.
    Acceptable,
    /// Below acceptable, above failure.
    Below,
    /// At or below the failure threshold.
    Failure,
}

impl Level {
    /// Target and acceptable count as met.
    pub fn is_met(self) -> bool {
        matches!(self, Self::Target | Self::Acceptable)
    }
    /// "✅" when met, "❌" otherwise.
    pub fn mark(self) -> &'static str {
        if self.is_met() {
            "✅"
        } else {
            "❌"
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Target => "target",
            Self::Acceptable => "acceptable",
            Self::Below => "below acceptable",
            Self::Failure => "failure",
        }
    }
}

impl Thresholds {
    pub fn level(&self, value: f64) -> Level {
        if value >= self.target {
            Level::Target
        } else if value >= self.acceptable {
            Level::Acceptable
        } else if value <= self.failure {
            Level::Failure
        } else {
            Level::Below
        }
    }
}

impl SuccessCriteria {
    /// Reads `[success]` of `worldbench.toml`; a missing file or table means the defaults.
    /// Errors name the file and the key.
    pub fn read(config_path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(StorageError::io(config_path, e)),
        };
        Self::parse(&text).map_err(|problem| StorageError::invalid(config_path, problem))
    }

    /// Parses the text of `worldbench.toml`; the error says which key is wrong.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| format!("not valid TOML: {e}"))?;
        let Some(success) = doc.get("success") else {
            return Ok(Self::default());
        };
        let success = success
            .as_table()
            .ok_or("[success] must be a table of metrics")?;
        let mut out = Self::default();
        for (key, value) in success {
            out.apply(key, value)?;
        }
        Ok(out)
    }

    fn apply(&mut self, key: &str, value: &toml::Value) -> std::result::Result<(), String> {
        let num = |v: &toml::Value, what: &str| {
            v.as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .ok_or_else(|| format!("[success] {what} must be a number"))
        };
        if let Some(name) = key.strip_suffix("_min") {
            let metric = judged_metric(name)?;
            let acceptable = num(value, key)?;
            let t = self.entry(metric);
            t.acceptable = acceptable;
            t.target = t.target.max(acceptable);
            t.failure = t.failure.min(acceptable);
            return Ok(());
        }
        let metric = judged_metric(key)?;
        match value {
            toml::Value::Boolean(false) => self.criteria.retain(|c| c.metric != metric),
            toml::Value::Boolean(true) => {
                self.entry(metric);
            }
            toml::Value::Table(t) => {
                let get = |name: &str| {
                    t.get(name)
                        .ok_or_else(|| format!("[success.{key}] needs `{name}`"))
                        .and_then(|v| num(v, &format!("{key}.{name}")))
                };
                let th = Thresholds {
                    target: get("target")?,
                    acceptable: get("acceptable")?,
                    failure: get("failure")?,
                };
                if !(th.target >= th.acceptable && th.acceptable >= th.failure) {
                    return Err(format!(
                        "[success.{key}] needs target ≥ acceptable ≥ failure (have {}, {}, {})",
                        th.target, th.acceptable, th.failure
                    ));
                }
                *self.entry(metric) = th;
            }
            _ => {
                return Err(format!(
                    "[success] {key} must be a table with target, acceptable and failure"
                ))
            }
        }
        Ok(())
    }

    /// The thresholds of `metric`, added (with its default or neutral values) when missing.
    fn entry(&mut self, metric: &'static PlanningMetric) -> &mut Thresholds {
        let idx = if let Some(i) = self.criteria.iter().position(|c| c.metric == metric) {
            i
        } else {
            let thresholds = metric.default_thresholds.unwrap_or(Thresholds {
                target: 1.0,
                acceptable: 0.5,
                failure: 0.0,
            });
            self.criteria.push(Criterion { metric, thresholds });
            self.criteria.len() - 1
        };
        &mut self.criteria[idx].thresholds
    }

    /// The thresholds of `metric`, when it is judged.
    pub fn get(&self, metric: &PlanningMetric) -> Option<Thresholds> {
        self.criteria
            .iter()
            .find(|c| c.metric == metric)
            .map(|c| c.thresholds)
    }

    /// Whether `metric` of `row` is met; `true` when the metric is not judged.
    pub fn metric_ok(&self, metric: &PlanningMetric, row: &PlanningRow) -> bool {
        self.get(metric)
            .is_none_or(|t| t.level(metric.of(row)).is_met())
    }

    /// Judges one checkpoint.
    pub fn judge_row(&self, row: &PlanningRow) -> CheckpointJudgement {
        let metrics: Vec<MetricJudgement> = self
            .criteria
            .iter()
            .map(|c| {
                let value = c.metric.of(row);
                MetricJudgement {
                    metric: c.metric,
                    value,
                    thresholds: c.thresholds,
                    level: c.thresholds.level(value),
                }
            })
            .collect();
        CheckpointJudgement {
            step: row.step,
            passes: metrics.iter().all(|m| m.level.is_met()),
            metrics,
        }
    }

    /// Judges a run at every checkpoint (rows in step order).
    ///
    /// The run succeeds when some checkpoint meets every criterion; the judged checkpoint is the first
    /// such one, else the last. The recommendation is *proceed* on success, or when no metric of the
    /// last checkpoint is at its failure threshold (the idea is promising); *pivot* otherwise.
    pub fn judge_run(&self, rows: &[PlanningRow]) -> RunJudgement {
        let mut checkpoints: Vec<CheckpointJudgement> =
            rows.iter().map(|r| self.judge_row(r)).collect();
        checkpoints.sort_by_key(|c| c.step);
        let first_pass = checkpoints.iter().position(|c| c.passes);
        let success = first_pass.is_some();
        let judged = first_pass.or(checkpoints.len().checked_sub(1));
        let last_fails = checkpoints
            .last()
            .is_none_or(|c| c.metrics.iter().any(|m| m.level == Level::Failure));
        let recommendation = if success || !last_fails {
            Recommendation::Proceed
        } else {
            Recommendation::Pivot
        };
        let reason = match (success, judged.map(|i| &checkpoints[i])) {
            (_, None) => "no checkpoint was evaluated".to_string(),
            (true, Some(c)) => format!("every criterion is met at step {}", c.step),
            (false, Some(c)) => {
                let failing: Vec<String> = c
                    .metrics
                    .iter()
                    .filter(|m| !m.level.is_met())
                    .map(|m| format!("{} {} ({})", m.metric, fmt_num(m.value), m.level.label()))
                    .collect();
                format!("at step {}: {}", c.step, failing.join(", "))
            }
        };
        RunJudgement {
            judged_step: judged.map(|i| checkpoints[i].step),
            checkpoints,
            success,
            recommendation,
            reason,
        }
    }
}

fn judged_metric(name: &str) -> std::result::Result<&'static PlanningMetric, String> {
    planning_metrics::lookup_judged(name).map_err(|e| {
        format!(
            "[success] {name}: not a judged metric (use one of {})",
            e.valid.join(", ")
        )
    })
}

/// A number for tables: integers as such, others with 3 decimals.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// One metric of one checkpoint against its thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricJudgement {
    #[serde(with = "by_key")]
    pub metric: &'static PlanningMetric,
    pub value: f64,
    pub thresholds: Thresholds,
    pub level: Level,
}

/// One checkpoint against every criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointJudgement {
    pub step: u64,
    pub metrics: Vec<MetricJudgement>,
    /// Every criterion is met.
    pub passes: bool,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recommendation {
    Proceed,
    Pivot,
}

impl Recommendation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proceed => "proceed",
            Self::Pivot => "pivot",
        }
    }
}

/// A run judged at its checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunJudgement {
    pub checkpoints: Vec<CheckpointJudgement>,
    /// Some checkpoint meets every criterion.
    pub success: bool,
    /// The checkpoint the outcome refers to.
    pub judged_step: Option<u64>,
    pub recommendation: Recommendation,
    /// In words: which step, which metrics fall short.
    pub reason: String,
}

impl RunJudgement {
    /// "SUCCESS" or "FAILURE".
    pub fn outcome(&self) -> &'static str {
        if self.success {
            "SUCCESS"
        } else {
            "FAILURE"
        }
    }
    /// "completed" or "failed".
    pub fn status(&self) -> &'static str {
        if self.success {
            "completed"
        } else {
            "failed"
        }
    }
    /// The judgement of the judged checkpoint.
    pub fn judged(&self) -> Option<&CheckpointJudgement> {
        let step = self.judged_step?;
        self.checkpoints.iter().find(|c| c.step == step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning_metrics::{REACH_H_MEDIAN, REACH_H_P10, TEST1_SUCCESS, TEST2_SUCCESS};

    fn row(step: u64, reach: f64, local: f64, t1: u8, t2: u8) -> PlanningRow {
        PlanningRow {
            step,
            num_nodes_h: 10,
            num_edges_h: 20,
            reach_h_median: reach,
            reach_h_p10: reach / 2.0,
            reach_h_p90: 1.0,
            h_local_success: local,
            test1_success: t1,
            test1_steps: 10,
            test2_success: t2,
            test2_steps: 3,
            merge_radius: 0.05,
            eval_secs: 1.0,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_the_default_file_and_tables() {
        assert_eq!(
            SuccessCriteria::parse(crate::workspace::DEFAULT_CONFIG_TOML).unwrap(),
            SuccessCriteria::default()
        );
        assert!(SuccessCriteria::parse("[success]\n[success]\n")
            .unwrap_err()
            .contains("TOML"));
        let c = SuccessCriteria::parse(
            "[success]\ntest2_success = false\n[success.reach_h_median]\ntarget = 1\nacceptable = 0.7\nfailure = 0.3\n",
        )
        .unwrap();
        let t = c.get(&REACH_H_MEDIAN).unwrap();
        assert_eq!((t.target, t.acceptable, t.failure), (1.0, 0.7, 0.3));
        assert!(c.get(&TEST2_SUCCESS).is_none());
        assert!(c.get(&TEST1_SUCCESS).is_some());
    }

    #[test]
    fn legacy_keys_and_errors_name_the_key() {
        let c = SuccessCriteria::parse("[success]\nreach_h_median_min = 0.95\n").unwrap();
        let t = c.get(&REACH_H_MEDIAN).unwrap();
        assert_eq!((t.target, t.acceptable, t.failure), (0.95, 0.95, 0.2));
        let e = SuccessCriteria::parse("[success]\nloss_min = 1\n").unwrap_err();
        assert!(e.contains("loss"), "{e}");
        let e = SuccessCriteria::parse("[success]\nnum_nodes_h = true\n").unwrap_err();
        assert!(
            e.contains("num_nodes_h: not a judged metric")
                && e.contains("reach_h_median, reach_h_p10"),
            "{e}"
        );
        let e = SuccessCriteria::parse("[success.reach_h_median]\ntarget = 1\n").unwrap_err();
        assert!(e.contains("acceptable"), "{e}");
        let e = SuccessCriteria::parse(
            "[success.reach_h_median]\ntarget = 0.1\nacceptable = 0.5\nfailure = 0\n",
        )
        .unwrap_err();
        assert!(e.contains("target ≥ acceptable"), "{e}");
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("worldbench.toml");
        assert_eq!(
            SuccessCriteria::read(&p).unwrap(),
            SuccessCriteria::default()
        );
        std::fs::write(&p, "[success\n").unwrap();
        assert!(SuccessCriteria::read(&p)
            .unwrap_err()
            .to_string()
            .contains("worldbench.toml"));
    }

    #[test]
    fn criteria_can_name_a_planner() {
        let c = SuccessCriteria::parse(
            "[success.lattice_long_success]\ntarget = 0.95\nacceptable = 0.8\nfailure = 0.2\n",
        )
        .unwrap();
        let m = planning_metrics::lookup("lattice_long_success").unwrap();
        assert!((c.get(m).unwrap().acceptable - 0.8).abs() < 1e-12);
        let mut good = row(5, 1.0, 1.0, 1, 1);
        good.lattice_long_success = Some(0.85);
        assert!(c.metric_ok(m, &good));
        assert!(c.judge_run(std::slice::from_ref(&good)).success);
        // Not evaluated (an older file, or another planner only): not met.
        let mut other = row(5, 1.0, 1.0, 1, 1);
        other.graph_long_success = Some(1.0);
        assert!(!c.metric_ok(m, &other));
        assert!(!c.judge_run(&[other]).success);
        let e = SuccessCriteria::parse("[success]\nmpc_final_distance = true\n").unwrap_err();
        assert!(e.contains("mpc_final_distance: not a judged metric"), "{e}");
        let e = SuccessCriteria::parse("[success]\nmpc_success = true\n");
        assert!(e.is_ok(), "{e:?}");
    }

    #[test]
    fn levels_and_run_judgement() {
        let t = Thresholds {
            target: 0.9,
            acceptable: 0.5,
            failure: 0.2,
        };
        assert_eq!(t.level(0.95), Level::Target);
        assert_eq!(t.level(0.5), Level::Acceptable);
        assert_eq!(t.level(0.3), Level::Below);
        assert_eq!(t.level(0.2), Level::Failure);
        let c = SuccessCriteria::default();
        // Nothing passes, the last is not at failure anywhere: proceed.
        let j = c.judge_run(&[row(3, 0.1, 0.1, 0, 0), row(6, 0.4, 0.7, 1, 1)]);
        assert!(!j.success);
        assert_eq!(j.judged_step, Some(6));
        assert_eq!(j.recommendation, Recommendation::Proceed);
        assert!(
            j.reason.contains("reach_h_median 0.400 (below acceptable)"),
            "{}",
            j.reason
        );
        assert_eq!((j.outcome(), j.status()), ("FAILURE", "failed"));
        // A failing test at the last checkpoint: pivot.
        let j = c.judge_run(&[row(6, 0.4, 0.7, 0, 1)]);
        assert_eq!(j.recommendation, Recommendation::Pivot);
        // The first passing checkpoint is the judged one.
        let j = c.judge_run(&[row(6, 0.1, 0.1, 0, 0), row(3, 0.6, 0.9, 1, 1)]);
        assert!(j.success);
        assert_eq!(j.judged_step, Some(3));
        assert_eq!(j.checkpoints[0].step, 3);
        assert_eq!(j.recommendation, Recommendation::Proceed);
        // A metric judged only when asked for, and the default criteria in registry order.
        let keys: Vec<&str> = c.criteria.iter().map(|c| c.metric.key).collect();
        assert_eq!(
            keys,
            [
                "reach_h_median",
                "h_local_success",
                "test1_success",
                "test2_success"
            ]
        );
        assert!(c.get(&REACH_H_P10).is_none());
        let p10 = SuccessCriteria::parse("[success]\nreach_h_p10 = true\n").unwrap();
        assert!(!p10.metric_ok(&REACH_H_P10, &row(1, 0.4, 0.9, 1, 1)));
        assert!(p10.metric_ok(&REACH_H_P10, &row(1, 1.0, 0.9, 1, 1)));
        let j = c.judge_run(&[]);
        assert!(!j.success && j.judged_step.is_none());
        assert_eq!(j.recommendation, Recommendation::Pivot);
    }
}
