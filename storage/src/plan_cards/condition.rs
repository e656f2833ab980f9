//! Done-when conditions: a metric condition `<metric> <op> <value> [at step N]` (metric names from
//! the registry, [`crate::planning_metrics`]), a bare pass/fail metric (`test1_success`), or free
//! text that a person ticks by hand.

use serde::{Serialize, Serializer};

use crate::metrics::PlanningRow;
use crate::planning_metrics::{self, MetricFormat, PlanningMetric};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            ">=" => Self::Ge,
            ">" => Self::Gt,
            "<=" => Self::Le,
            "<" => Self::Lt,
            "==" | "=" => Self::Eq,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ge => ">=",
            Self::Gt => ">",
            Self::Le => "<=",
            Self::Lt => "<",
            Self::Eq => "==",
        }
    }

    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Ge => a >= b,
            Self::Gt => a > b,
            Self::Le => a <= b,
            Self::Lt => a < b,
            Self::Eq => (a - b).abs() < 1e-9,
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn metric_key<S: Serializer>(m: &&'static PlanningMetric, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.key)
}

/// A condition on a column of `planning_metrics.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricCondition {
    #[serde(serialize_with = "metric_key")]
    pub metric: &'static PlanningMetric,
    pub op: Op,
    pub value: f64,
    /// Judged at the checkpoint of this step; else at any checkpoint.
    pub at_step: Option<u64>,
}

/// A task's done-when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Condition {
    Metric(MetricCondition),
    FreeText(String),
}

fn is_identifier(s: &str) -> bool {
    s.contains('_') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Condition {
    /// Parses a condition; an unknown metric or a malformed metric condition is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let looks_metric = match tokens.as_slice() {
            [one] => is_identifier(one),
            [_, op, ..] => Op::parse(op).is_some(),
            _ => false,
        };
        if !looks_metric {
            return Ok(Self::FreeText(text.to_string()));
        }
        let metric = planning_metrics::lookup(tokens[0]).map_err(|e| e.to_string())?;
        if tokens.len() == 1 {
            if !matches!(metric.format, MetricFormat::Success { .. }) {
                return Err(format!(
                    "`{}` alone is a condition only for a pass/fail metric; write `{} >= <value>`",
                    metric.key, metric.key
                ));
            }
            return Ok(Self::Metric(MetricCondition {
                metric,
                op: Op::Ge,
                value: 0.5,
                at_step: None,
            }));
        }
        let op = Op::parse(tokens[1]).unwrap_or(Op::Ge);
        let value: f64 = tokens
            .get(2)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("`{text}`: `{}` needs a number after it", tokens[1]))?;
        let at_step = match &tokens[3..] {
            [] => None,
            ["at", "step", n] => Some(
                n.parse()
                    .map_err(|_| format!("`{text}`: `{n}` is not a step number"))?,
            ),
            _ => {
                return Err(format!(
                    "`{text}`: a metric condition is `<metric> <op> <value> [at step N]`"
                ))
            }
        };
        Ok(Self::Metric(MetricCondition {
            metric,
            op,
            value,
            at_step,
        }))
    }
}

/// Whether a metric condition holds in some rows, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub met: bool,
    pub why: String,
}

impl MetricCondition {
    /// Judges the rows of one run's `planning_metrics.csv`.
    pub fn judge(&self, rows: &[PlanningRow]) -> Verdict {
        let m = self.metric;
        let show = |r: &PlanningRow| format!("{} = {} at step {}", m.key, m.text(r), r.step);
        let candidates: Vec<&PlanningRow> = match self.at_step {
            Some(s) => rows.iter().filter(|r| r.step == s).collect(),
            None => rows.iter().collect(),
        };
        if candidates.is_empty() {
            let why = match self.at_step {
                Some(s) => format!("no checkpoint at step {s} evaluated yet"),
                None => "no checkpoint evaluated yet".to_string(),
            };
            return Verdict { met: false, why };
        }
        if let Some(r) = candidates
            .iter()
            .find(|r| self.op.holds(m.of(r), self.value))
        {
            return Verdict {
                met: true,
                why: format!("{} {} {}", show(r), self.op.as_str(), self.value),
            };
        }
        let last = candidates[candidates.len() - 1];
        Verdict {
            met: false,
            why: format!("{}, not {} {}", show(last), self.op.as_str(), self.value),
        }
    }
}

impl std::fmt::Display for MetricCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.metric.key, self.op.as_str(), self.value)?;
        if let Some(s) = self.at_step {
            write!(f, " at step {s}")?;
        }
        Ok(())
    }
}

/// A planning row with `reach_h_p10` and test1 passed, for tests.
#[cfg(test)]
pub(crate) fn tests_row(step: u64, p10: f64) -> PlanningRow {
    tests::row(step, p10, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(step: u64, p10: f64, t1: u8) -> PlanningRow {
        PlanningRow {
            step,
            num_nodes_h: 10,
            num_edges_h: 20,
            reach_h_median: 0.5,
            reach_h_p10: p10,
            reach_h_p90: 0.9,
            h_local_success: 0.5,
            test1_success: t1,
            test1_steps: 12,
            test2_success: 0,
            test2_steps: 0,
            merge_radius: 0.05,
            eval_secs: 1.0,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        }
    }

    fn metric(s: &str) -> MetricCondition {
        match Condition::parse(s).unwrap() {
            Condition::Metric(m) => m,
            Condition::FreeText(t) => panic!("free text {t}"),
        }
    }

    #[test]
    fn parses_the_grammar() {
        let m = metric("reach_h_p10 >= 0.9 at step 5000");
        assert_eq!(
            (m.metric.key, m.op, m.value, m.at_step),
            ("reach_h_p10", Op::Ge, 0.9, Some(5000))
        );
        let m = metric("test1_success");
        assert_eq!((m.op, m.value), (Op::Ge, 0.5));
        assert!(matches!(
            Condition::parse("the plots look right").unwrap(),
            Condition::FreeText(_)
        ));
        for bad in [
            "reach_h_p11 >= 0.9",
            "reach_h_p10 >= high",
            "reach_h_p10 >= 0.9 at 5000",
            "reach_h_median",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn judges_rows() {
        let rows = [row(1000, 0.5, 0), row(5000, 0.95, 1)];
        assert!(metric("reach_h_p10 >= 0.9 at step 5000").judge(&rows).met);
        let v = metric("reach_h_p10 >= 0.9 at step 1000").judge(&rows);
        assert!(!v.met && v.why.contains("0.500"), "{}", v.why);
        let v = metric("reach_h_p10 >= 0.9 at step 9000").judge(&rows);
        assert!(!v.met && v.why.contains("no checkpoint at step 9000"));
        assert!(metric("test1_success").judge(&rows).met);
        assert!(!metric("test1_success").judge(&rows[..1]).met);
        assert!(!metric("test1_success").judge(&[]).met);
    }

    #[test]
    fn done_whens_can_name_a_planner() {
        let m = metric("mpc_success >= 0.8 at step 5000");
        assert_eq!(m.metric.key, "mpc_success");
        let mut r = row(5000, 0.5, 1);
        assert!(!m.judge(std::slice::from_ref(&r)).met);
        r.mpc_success = Some(0.875);
        let v = m.judge(std::slice::from_ref(&r));
        assert!(v.met && v.why.contains("mpc_success = 0.875"), "{}", v.why);
        r.mpc_success = Some(0.5);
        assert!(!m.judge(&[r]).met);
        assert!(Condition::parse("dfs_success >= 0.5").is_err());
    }
}
