//! The registry of planning metrics: one entry per column of `metrics/planning_metrics.csv`
//! (DESIGN.md, metric contract), in the CSV's order.
//!
//! Everything that names a planning metric reads it here: eval's printed table, the Checkpoints and
//! Runs panels, the success criteria, the worklog post's tables, the gate evidence and the plots.
//! Adding a metric is a field of [`PlanningRow`], its computation, and one entry in [`REGISTRY`].
//! A name that is not in the registry is an error ([`UnknownMetric`]), never a fallback.

use serde::{Deserialize, Deserializer, Serializer};

use crate::metrics::PlanningRow;
use crate::success_criteria::Thresholds;

/// How a metric's value is written in tables.
#[derive(Debug, Clone, Copy)]
pub enum MetricFormat {
    /// A whole number (counts, steps).
    Count,
    /// A fraction from 0 to 1, 3 decimals.
    Fraction,
    /// 1 or 0: a planning test passed or not, written with its step count: "ok (12 steps)".
    /// (A value of at least 0.5 counts as passed.)
    Success { steps: fn(&PlanningRow) -> f64 },
    /// A cosine distance, 4 decimals.
    Radius,
    /// Seconds, 2 decimals.
    Seconds,
    /// A mean count (tiles per node), 2 decimals.
    Ratio,
    /// A latent-space length or a ratio of lengths, 4 decimals.
    Real,
}

/// Where a metric is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shown {
    /// Nowhere as a column of its own: the row's key (`step`), or a count written inside another
    /// metric's cell (a test's steps).
    Never,
    /// Only in the assessment scorecard (the Checkpoints panel, `worldbench assess`): the
    /// researchers' diagnostics.
    Scorecard,
    /// Only in eval's full printed table.
    Detail,
    /// Also in the planning tables of the app (Checkpoints and Train panels).
    Table,
    /// Also in summaries: the post's checkpoint table, the gate evidence, the plots, the Runs
    /// panel's compare plot.
    Key,
}

/// One planning metric.
#[derive(Debug, Clone, Copy)]
pub struct PlanningMetric {
    /// The column of `planning_metrics.csv`, and the name in `worldbench.toml` and persisted state.
    pub key: &'static str,
    /// Short label for table headers and plot legends.
    pub label: &'static str,
    pub format: MetricFormat,
    pub higher_is_better: bool,
    /// Whether the success criteria (`[success]` of `worldbench.toml`) may judge it.
    pub judged: bool,
    /// The thresholds of the default criteria, for the metrics judged by default.
    pub default_thresholds: Option<Thresholds>,
    pub shown: Shown,
    /// The metric's value in a row.
    pub value: fn(&PlanningRow) -> f64,
}

impl PartialEq for PlanningMetric {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for PlanningMetric {}

impl std::fmt::Display for PlanningMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)
    }
}

const fn th(target: f64, acceptable: f64, failure: f64) -> Thresholds {
    Thresholds {
        target,
        acceptable,
        failure,
    }
}

const fn metric(
    key: &'static str,
    label: &'static str,
    format: MetricFormat,
    shown: Shown,
    value: fn(&PlanningRow) -> f64,
) -> PlanningMetric {
    PlanningMetric {
        key,
        label,
        format,
        higher_is_better: true,
        judged: false,
        default_thresholds: None,
        shown,
        value,
    }
}

const fn judged(m: PlanningMetric, default_thresholds: Option<Thresholds>) -> PlanningMetric {
    PlanningMetric {
        judged: true,
        default_thresholds,
        ..m
    }
}

const fn lower_is_better(m: PlanningMetric) -> PlanningMetric {
    PlanningMetric {
        higher_is_better: false,
        ..m
    }
}

use MetricFormat::{Count, Fraction, Radius, Seconds};
use Shown::{Detail, Key, Never, Scorecard, Table};

pub const STEP: PlanningMetric = metric("step", "step", Count, Never, |r| r.step as f64);
pub const NUM_NODES_H: PlanningMetric =
    metric("num_nodes_h", "nodes", Count, Key, |r| r.num_nodes_h as f64);
pub const NUM_EDGES_H: PlanningMetric = metric("num_edges_h", "edges", Count, Table, |r| {
    r.num_edges_h as f64
});
pub const REACH_H_MEDIAN: PlanningMetric = judged(
    metric("reach_h_median", "reach median", Fraction, Key, |r| {
        r.reach_h_median
    }),
    Some(th(0.9, 0.5, 0.2)),
);
pub const REACH_H_P10: PlanningMetric = judged(
    metric("reach_h_p10", "reach p10", Fraction, Key, |r| r.reach_h_p10),
    None,
);
pub const REACH_H_P90: PlanningMetric = judged(
    metric("reach_h_p90", "reach p90", Fraction, Key, |r| r.reach_h_p90),
    None,
);
pub const H_LOCAL_SUCCESS: PlanningMetric = judged(
    metric("h_local_success", "h local", Fraction, Key, |r| {
        r.h_local_success
    }),
    Some(th(0.95, 0.8, 0.5)),
);
pub const TEST1_SUCCESS: PlanningMetric = judged(
    metric(
        "test1_success",
        "test1",
        MetricFormat::Success {
            steps: |r| r.test1_steps as f64,
        },
        Key,
        |r| f64::from(r.test1_success),
    ),
    Some(th(1.0, 1.0, 0.0)),
);
pub const TEST1_STEPS: PlanningMetric =
    lower_is_better(metric("test1_steps", "test1 steps", Count, Never, |r| {
        r.test1_steps as f64
    }));
pub const TEST2_SUCCESS: PlanningMetric = judged(
    metric(
        "test2_success",
        "test2",
        MetricFormat::Success {
            steps: |r| r.test2_steps as f64,
        },
        Key,
        |r| f64::from(r.test2_success),
    ),
    Some(th(1.0, 1.0, 0.0)),
);
pub const TEST2_STEPS: PlanningMetric =
    lower_is_better(metric("test2_steps", "test2 steps", Count, Never, |r| {
        r.test2_steps as f64
    }));
pub const MERGE_RADIUS: PlanningMetric =
    metric("merge_radius", "radius", Radius, Detail, |r| r.merge_radius);
pub const EVAL_SECS: PlanningMetric =
    lower_is_better(metric("eval_secs", "secs", Seconds, Detail, |r| {
        r.eval_secs
    }));

/// A metric that may be missing from a row (`None` reads as NaN and is written "-").
fn opt(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

pub const NODE_PURITY: PlanningMetric = judged(
    metric("node_purity", "purity", Fraction, Table, |r| {
        opt(r.node_purity)
    }),
    None,
);
pub const TILES_PER_NODE: PlanningMetric = lower_is_better(metric(
    "tiles_per_node",
    "tiles/node",
    MetricFormat::Ratio,
    Table,
    |r| opt(r.tiles_per_node),
));
pub const NODES_PER_TILE: PlanningMetric = lower_is_better(metric(
    "nodes_per_tile",
    "nodes/tile",
    MetricFormat::Ratio,
    Table,
    |r| opt(r.nodes_per_tile),
));
pub const PATH_AGREEMENT: PlanningMetric = judged(
    metric("path_agreement", "path agree", Fraction, Table, |r| {
        opt(r.path_agreement)
    }),
    None,
);

/// One of the researchers' diagnostics (README, "Their diagnostics"), absent in older rows.
const fn diag(
    key: &'static str,
    label: &'static str,
    format: MetricFormat,
    value: fn(&PlanningRow) -> f64,
) -> PlanningMetric {
    metric(key, label, format, Scorecard, value)
}

use MetricFormat::Real;

pub const H_L: PlanningMetric = diag("h_L", "h step L", Real, |r| opt(r.h_l));
pub const H_INV_LR: PlanningMetric =
    lower_is_better(diag("h_inv_lr", "h inv L/R", Real, |r| opt(r.h_inv_lr)));
pub const H_INV_UD: PlanningMetric =
    lower_is_better(diag("h_inv_ud", "h inv U/D", Real, |r| opt(r.h_inv_ud)));
pub const H_NOOP_RATIO: PlanningMetric =
    lower_is_better(diag("h_noop_ratio", "h noop ratio", Real, |r| {
        opt(r.h_noop_ratio)
    }));
pub const H_Q_L: PlanningMetric = lower_is_better(diag("h_q_L", "h q L", Real, |r| opt(r.h_q_l)));
pub const H_Q_R: PlanningMetric = lower_is_better(diag("h_q_R", "h q R", Real, |r| opt(r.h_q_r)));
pub const H_Q_U: PlanningMetric = lower_is_better(diag("h_q_U", "h q U", Real, |r| opt(r.h_q_u)));
pub const H_Q_D: PlanningMetric = lower_is_better(diag("h_q_D", "h q D", Real, |r| opt(r.h_q_d)));
pub const H_HIT1_AT_K: PlanningMetric =
    diag("h_hit1_at_k", "h hit1@K", Fraction, |r| opt(r.h_hit1_at_k));
pub const H_HIT2_AT_K: PlanningMetric =
    diag("h_hit2_at_k", "h hit2@K", Fraction, |r| opt(r.h_hit2_at_k));
pub const H_MUTUAL_RATE: PlanningMetric = diag("h_mutual_rate", "h mutual kNN", Fraction, |r| {
    opt(r.h_mutual_rate)
});
pub const H_MEDIAN_NEFF1: PlanningMetric =
    lower_is_better(diag("h_median_neff1", "h Neff", MetricFormat::Ratio, |r| {
        opt(r.h_median_neff1)
    }));
pub const H_MAX_IN_DEGREE: PlanningMetric =
    lower_is_better(diag("h_max_in_degree", "h in-degree max", Count, |r| {
        opt(r.h_max_in_degree)
    }));
pub const H_TOP1PCT_MEAN_IN_DEGREE: PlanningMetric = lower_is_better(diag(
    "h_top1pct_mean_in_degree",
    "h in-degree top 1%",
    MetricFormat::Ratio,
    |r| opt(r.h_top1pct_mean_in_degree),
));

// Per planner: success over random pairs and over long pairs (judged, so success criteria and
// done-whens can name them), and the mean final latent distance to the goal.
/// The planners with a column group, in column order (`model::planners::PlannerKind`'s names).
pub const PLANNERS: [&str; 3] = ["graph", "lattice", "mpc"];
pub const GRAPH_SUCCESS: PlanningMetric = judged(
    metric("graph_success", "graph", Fraction, Table, |r| {
        opt(r.graph_success)
    }),
    None,
);
pub const GRAPH_LONG_SUCCESS: PlanningMetric = judged(
    metric("graph_long_success", "graph long", Fraction, Detail, |r| {
        opt(r.graph_long_success)
    }),
    None,
);
pub const GRAPH_FINAL_DISTANCE: PlanningMetric = lower_is_better(metric(
    "graph_final_distance",
    "graph dist",
    Radius,
    Detail,
    |r| opt(r.graph_final_distance),
));
pub const LATTICE_SUCCESS: PlanningMetric = judged(
    metric("lattice_success", "lattice", Fraction, Table, |r| {
        opt(r.lattice_success)
    }),
    None,
);
pub const LATTICE_LONG_SUCCESS: PlanningMetric = judged(
    metric(
        "lattice_long_success",
        "lattice long",
        Fraction,
        Detail,
        |r| opt(r.lattice_long_success),
    ),
    None,
);
pub const LATTICE_FINAL_DISTANCE: PlanningMetric = lower_is_better(metric(
    "lattice_final_distance",
    "lattice dist",
    Radius,
    Detail,
    |r| opt(r.lattice_final_distance),
));
pub const MPC_SUCCESS: PlanningMetric = judged(
    metric(
        "mpc_success",
        "mpc",
        Fraction,
        Table,
        |r| opt(r.mpc_success),
    ),
    None,
);
pub const MPC_LONG_SUCCESS: PlanningMetric = judged(
    metric("mpc_long_success", "mpc long", Fraction, Detail, |r| {
        opt(r.mpc_long_success)
    }),
    None,
);
pub const MPC_FINAL_DISTANCE: PlanningMetric = lower_is_better(metric(
    "mpc_final_distance",
    "mpc dist",
    Radius,
    Detail,
    |r| opt(r.mpc_final_distance),
));

/// The column group of `planner` (one of [`PLANNERS`]): success, long success, final distance.
pub fn planner_group(planner: &str) -> Option<[&'static PlanningMetric; 3]> {
    match planner {
        "graph" => Some([&GRAPH_SUCCESS, &GRAPH_LONG_SUCCESS, &GRAPH_FINAL_DISTANCE]),
        "lattice" => Some([
            &LATTICE_SUCCESS,
            &LATTICE_LONG_SUCCESS,
            &LATTICE_FINAL_DISTANCE,
        ]),
        "mpc" => Some([&MPC_SUCCESS, &MPC_LONG_SUCCESS, &MPC_FINAL_DISTANCE]),
        _ => None,
    }
}

/// Every planning metric, in the column order of `planning_metrics.csv`.
pub const REGISTRY: &[PlanningMetric] = &[
    STEP,
    NUM_NODES_H,
    NUM_EDGES_H,
    REACH_H_MEDIAN,
    REACH_H_P10,
    REACH_H_P90,
    H_LOCAL_SUCCESS,
    TEST1_SUCCESS,
    TEST1_STEPS,
    TEST2_SUCCESS,
    TEST2_STEPS,
    MERGE_RADIUS,
    EVAL_SECS,
    NODE_PURITY,
    TILES_PER_NODE,
    NODES_PER_TILE,
    PATH_AGREEMENT,
    H_L,
    H_INV_LR,
    H_INV_UD,
    H_NOOP_RATIO,
    H_Q_L,
    H_Q_R,
    H_Q_U,
    H_Q_D,
    H_HIT1_AT_K,
    H_HIT2_AT_K,
    H_MUTUAL_RATE,
    H_MEDIAN_NEFF1,
    H_MAX_IN_DEGREE,
    H_TOP1PCT_MEAN_IN_DEGREE,
    GRAPH_SUCCESS,
    GRAPH_LONG_SUCCESS,
    GRAPH_FINAL_DISTANCE,
    LATTICE_SUCCESS,
    LATTICE_LONG_SUCCESS,
    LATTICE_FINAL_DISTANCE,
    MPC_SUCCESS,
    MPC_LONG_SUCCESS,
    MPC_FINAL_DISTANCE,
];

/// A metric name that is not in the registry (or not of the kind asked for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown planning metric {name:?}; use one of {}", .valid.join(", "))]
pub struct UnknownMetric {
    pub name: String,
    /// The names that would have been accepted.
    pub valid: Vec<&'static str>,
}

/// Every metric, in CSV order.
pub fn all() -> &'static [PlanningMetric] {
    REGISTRY
}

/// The metrics shown at `level` or above, in CSV order.
pub fn shown(level: Shown) -> impl Iterator<Item = &'static PlanningMetric> + Clone {
    REGISTRY.iter().filter(move |m| m.shown >= level)
}

/// The metrics the success criteria may judge, in CSV order.
pub fn judged_metrics() -> impl Iterator<Item = &'static PlanningMetric> + Clone {
    REGISTRY.iter().filter(|m| m.judged)
}

/// The metric named `name` (its CSV header).
pub fn lookup(name: &str) -> Result<&'static PlanningMetric, UnknownMetric> {
    find_in(REGISTRY.iter(), name)
}

/// The judged metric named `name`.
pub fn lookup_judged(name: &str) -> Result<&'static PlanningMetric, UnknownMetric> {
    find_in(judged_metrics(), name)
}

/// The metric named `name` among `candidates`; the error lists the candidates.
pub fn find_in(
    candidates: impl Iterator<Item = &'static PlanningMetric> + Clone,
    name: &str,
) -> Result<&'static PlanningMetric, UnknownMetric> {
    candidates
        .clone()
        .find(|m| m.key == name)
        .ok_or_else(|| UnknownMetric {
            name: name.to_string(),
            valid: candidates.map(|m| m.key).collect(),
        })
}

impl PlanningMetric {
    /// The value of this metric in `row`.
    pub fn of(&self, row: &PlanningRow) -> f64 {
        (self.value)(row)
    }

    /// The value as tables write it: "12", "0.500", "ok (12 steps)", "0.0500", "1.25".
    pub fn text(&self, row: &PlanningRow) -> String {
        let v = self.of(row);
        if v.is_nan() {
            return "-".into();
        }
        match self.format {
            MetricFormat::Count => format!("{v:.0}"),
            MetricFormat::Fraction => format!("{v:.3}"),
            MetricFormat::Success { steps } => format!(
                "{} ({:.0} steps)",
                if v >= 0.5 { "ok" } else { "FAIL" },
                steps(row)
            ),
            MetricFormat::Radius | MetricFormat::Real => format!("{v:.4}"),
            MetricFormat::Seconds | MetricFormat::Ratio => format!("{v:.2}"),
        }
    }

    /// Whether the value in `row` is a pass, for metrics of [`MetricFormat::Success`].
    pub fn passed(&self, row: &PlanningRow) -> Option<bool> {
        matches!(self.format, MetricFormat::Success { .. }).then(|| self.of(row) >= 0.5)
    }

    /// Whether the values lie in 0..=1 (fractions and pass/fail).
    pub fn is_unit_range(&self) -> bool {
        matches!(
            self.format,
            MetricFormat::Fraction | MetricFormat::Success { .. }
        )
    }

    /// The best of `values`: the highest, or the lowest when lower is better.
    pub fn best(&self, values: impl Iterator<Item = f64>) -> Option<f64> {
        values.reduce(|a, b| {
            let better = if self.higher_is_better { b > a } else { b < a };
            if better {
                b
            } else {
                a
            }
        })
    }
}

/// Serde for a `&'static PlanningMetric` as its key; an unknown key is an error that names it.
pub mod by_key {
    use super::{lookup, Deserialize, Deserializer, PlanningMetric, Serializer};

    pub fn serialize<S: Serializer>(m: &&'static PlanningMetric, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.key)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<&'static PlanningMetric, D::Error> {
        let name = String::deserialize(d)?;
        lookup(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct W {
        #[serde(with = "by_key")]
        m: &'static PlanningMetric,
    }

    fn row() -> PlanningRow {
        PlanningRow {
            step: 100,
            num_nodes_h: 12,
            num_edges_h: 30,
            reach_h_median: 0.5,
            reach_h_p10: 0.125,
            reach_h_p90: 1.0,
            h_local_success: 0.75,
            test1_success: 1,
            test1_steps: 14,
            test2_success: 0,
            test2_steps: 6,
            merge_radius: 0.05,
            eval_secs: 1.25,
            node_purity: Some(0.75),
            tiles_per_node: Some(1.5),
            nodes_per_tile: Some(1.25),
            path_agreement: Some(0.5),
            h_l: Some(0.25),
            h_inv_lr: Some(0.01),
            h_inv_ud: Some(0.02),
            h_noop_ratio: Some(0.03),
            h_q_l: Some(0.1),
            h_q_r: Some(0.2),
            h_q_u: Some(0.3),
            h_q_d: Some(0.4),
            h_hit1_at_k: Some(0.9),
            h_hit2_at_k: Some(0.8),
            h_mutual_rate: Some(0.7),
            h_median_neff1: Some(3.5),
            h_max_in_degree: Some(17.0),
            h_top1pct_mean_in_degree: Some(15.5),
            graph_success: Some(0.75),
            graph_long_success: Some(0.5),
            graph_final_distance: Some(0.125),
            lattice_success: Some(0.625),
            lattice_long_success: Some(0.25),
            lattice_final_distance: Some(0.375),
            mpc_success: Some(0.875),
            mpc_long_success: Some(1.0),
            mpc_final_distance: Some(0.0625),
        }
    }

    #[test]
    fn headers_are_the_csv_columns_of_planning_row_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("planning_metrics.csv");
        crate::metrics::write_csv(&path, &[row()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let keys: Vec<&str> = all().iter().map(|m| m.key).collect();
        assert_eq!(keys, header);
        // Each accessor reads its own column.
        let values: Vec<f64> = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        for (m, v) in all().iter().zip(values) {
            assert!((m.of(&row()) - v).abs() < 1e-12, "{}", m.key);
        }
    }

    #[test]
    fn lookups_name_the_unknown_metric_and_the_valid_ones() {
        assert_eq!(lookup("reach_h_p10").unwrap(), &REACH_H_P10);
        assert_eq!(lookup_judged("test2_success").unwrap().label, "test2");
        let e = lookup("reach_h_p50").unwrap_err();
        assert_eq!(e.name, "reach_h_p50");
        assert_eq!(e.valid.len(), REGISTRY.len());
        let text = e.to_string();
        assert!(
            text.contains("\"reach_h_p50\"") && text.contains("reach_h_p10, reach_h_p90"),
            "{text}"
        );
        let e = lookup_judged("num_nodes_h").unwrap_err();
        assert_eq!(
            e.valid,
            vec![
                "reach_h_median",
                "reach_h_p10",
                "reach_h_p90",
                "h_local_success",
                "test1_success",
                "test2_success",
                "node_purity",
                "path_agreement",
                "graph_success",
                "graph_long_success",
                "lattice_success",
                "lattice_long_success",
                "mpc_success",
                "mpc_long_success",
            ]
        );
    }

    #[test]
    fn each_planner_has_a_column_group_that_reads_its_own_fields() {
        for p in PLANNERS {
            let group = planner_group(p).unwrap();
            let keys: Vec<&str> = group.iter().map(|m| m.key).collect();
            assert_eq!(
                keys,
                [
                    format!("{p}_success"),
                    format!("{p}_long_success"),
                    format!("{p}_final_distance")
                ]
            );
            // Every entry is in the registry, success columns are judged, the distance is not.
            for m in group {
                assert_eq!(lookup(m.key).unwrap(), m);
            }
            assert!(lookup_judged(&format!("{p}_success")).is_ok());
            assert!(lookup_judged(&format!("{p}_long_success")).is_ok());
            assert!(lookup_judged(&format!("{p}_final_distance")).is_err());
            assert!(!group[2].higher_is_better);
            // set_planner writes exactly this planner's three columns.
            let mut r = PlanningRow::default();
            let c = crate::metrics::PlannerColumns {
                success: Some(0.5),
                long_success: Some(0.25),
                final_distance: Some(2.0),
            };
            assert!(r.set_planner(p, c));
            let got: Vec<f64> = group.iter().map(|m| m.of(&r)).collect();
            assert_eq!(got, [0.5, 0.25, 2.0]);
            let others = all()
                .iter()
                .filter(|m| m.key.ends_with("_success") || m.key.ends_with("_distance"))
                .filter(|m| !group.contains(m) && PLANNERS.iter().any(|q| m.key.starts_with(q)));
            for m in others {
                assert!(m.of(&r).is_nan(), "{} set by {p}", m.key);
            }
            assert_eq!(group[0].text(&r), "0.500");
        }
        assert!(planner_group("dfs").is_none());
        assert!(
            !PlanningRow::default().set_planner("dfs", crate::metrics::PlannerColumns::default())
        );
    }

    #[test]
    fn a_file_without_planner_columns_reads_them_as_absent() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("planning_metrics.csv");
        let old =
            "step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,\
                   test1_success,test1_steps,test2_success,test2_steps,merge_radius,eval_secs\n\
                   10,3,4,0.5,0.5,0.5,1.0,1,12,0,0,0.05,0.1\n";
        std::fs::write(&path, old.replace(' ', "")).unwrap();
        let rows: Vec<PlanningRow> = crate::metrics::read_csv(&path).unwrap();
        assert_eq!(rows[0].step, 10);
        assert!(LATTICE_SUCCESS.of(&rows[0]).is_nan());
        assert_eq!(LATTICE_SUCCESS.text(&rows[0]), "-");
    }

    #[test]
    fn judged_metrics_are_higher_is_better_with_ordered_defaults() {
        for m in all() {
            if m.judged {
                // The success criteria's thresholds assume higher is better.
                assert!(m.higher_is_better, "{}", m.key);
            }
            if let Some(t) = m.default_thresholds {
                assert!(m.judged, "{}", m.key);
                assert!(t.target >= t.acceptable && t.acceptable >= t.failure);
            }
        }
        let keys: Vec<&str> = shown(Shown::Key).map(|m| m.key).collect();
        assert_eq!(keys[0], "num_nodes_h");
    }

    #[test]
    fn texts_best_and_serde_by_key() {
        let r = row();
        assert_eq!(NUM_NODES_H.text(&r), "12");
        assert_eq!(REACH_H_P10.text(&r), "0.125");
        assert_eq!(TEST1_SUCCESS.text(&r), "ok (14 steps)");
        assert_eq!(TEST2_SUCCESS.text(&r), "FAIL (6 steps)");
        assert_eq!(MERGE_RADIUS.text(&r), "0.0500");
        assert_eq!(EVAL_SECS.text(&r), "1.25");
        assert_eq!(TEST1_SUCCESS.passed(&r), Some(true));
        assert_eq!(REACH_H_P10.passed(&r), None);
        let v = [0.2, 0.7, 0.4];
        assert_eq!(REACH_H_P10.best(v.into_iter()), Some(0.7));
        assert_eq!(EVAL_SECS.best(v.into_iter()), Some(0.2));
        assert_eq!(REACH_H_P10.best(std::iter::empty()), None);

        let w: W = serde_json::from_str(r#"{"m": "h_local_success"}"#).unwrap();
        assert_eq!(w.m, &H_LOCAL_SUCCESS);
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"m":"h_local_success"}"#
        );
        let e = serde_json::from_str::<W>(r#"{"m": "loss"}"#).err().unwrap();
        assert!(
            e.to_string().contains("unknown planning metric \"loss\""),
            "{e}"
        );
    }
}
