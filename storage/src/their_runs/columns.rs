//! How their column names line up with ours (README, "Researchers' runs (nes-ai) read in place").
//!
//! Planning: the names both trainers write mean the same (`step`, `num_nodes_h`, `reach_h_median`,
//! `reach_h_p10`, `reach_h_p90`, `h_local_success`, `test1_success`, `test1_steps`,
//! `test2_success`, `test2_steps`) and are kept as they are; their `h_`/`p_` per-action latent
//! columns keep their names. Older versions wrote the per-action statistics of p without a prefix
//! (`L`, `inv_lr`, …, `q_D`): those are renamed to the `p_` names the current version writes.
//! Losses: their `loss_world` is the world loss, our `loss`; their `elapsed_seconds` is our
//! `wall_s`; `cumulative_flops` is theirs, and ours is the step times our FLOPs per step.

use serde::Serialize;

use super::table::ColumnTable;

/// Older unprefixed planning columns → the current `p_` names.
pub const UNPREFIXED_PLANNING: [(&str, &str); 8] = [
    ("L", "p_L"),
    ("inv_lr", "p_inv_lr"),
    ("inv_ud", "p_inv_ud"),
    ("noop_ratio", "p_noop_ratio"),
    ("q_L", "p_q_L"),
    ("q_R", "p_q_R"),
    ("q_U", "p_q_U"),
    ("q_D", "p_q_D"),
];

/// Planning columns whose name and meaning are the same in both trainers.
pub const SHARED_PLANNING: [&str; 10] = [
    "step",
    "num_nodes_h",
    "reach_h_median",
    "reach_h_p10",
    "reach_h_p90",
    "h_local_success",
    "test1_success",
    "test1_steps",
    "test2_success",
    "test2_steps",
];

/// Renames an older file's unprefixed columns (only when the file has no `p_L` of its own).
pub fn normalize_planning_names(t: &mut ColumnTable) {
    if t.names.iter().any(|n| n == "p_L") {
        return;
    }
    t.rename(|n| {
        UNPREFIXED_PLANNING
            .iter()
            .find(|(old, _)| *old == n)
            .map(|(_, new)| *new)
    });
}

/// What the x-axis of a loss curve counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum XAxis {
    #[default]
    Step,
    WallSecs,
    CumulativeFlops,
}

impl XAxis {
    pub const ALL: [XAxis; 3] = [XAxis::Step, XAxis::WallSecs, XAxis::CumulativeFlops];
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::WallSecs => "wall time (s)",
            XAxis::CumulativeFlops => "cumulative FLOPs",
        }
    }
}

/// The world-loss column of a loss table of either kind: `loss_world` (theirs) or `loss` (ours).
pub fn world_loss_column(t: &ColumnTable) -> Option<&str> {
    ["loss_world", "loss"]
        .into_iter()
        .find(|c| t.column(c).is_some())
}

/// Loss columns that mean the same in both trainers, (theirs, ours): the world loss, and the
/// latent prediction loss (their `loss_jepa`, our `loss_pred`).
pub const SHARED_LOSS: [(&str, &str); 2] = [("loss_world", "loss"), ("loss_jepa", "loss_pred")];

/// Columns of a loss table that are an x-axis, not a curve.
pub const AXIS_COLUMNS: [&str; 4] = ["step", "elapsed_seconds", "cumulative_flops", "wall_s"];

/// The name a loss column is compared under: `theirs / ours` for a [`SHARED_LOSS`] pair, else
/// the column's own name.
pub fn loss_label(column: &str) -> String {
    match SHARED_LOSS
        .iter()
        .find(|(t, o)| *t == column || *o == column)
    {
        Some((t, o)) => format!("{t} / {o}"),
        None => column.to_string(),
    }
}

/// The label of the world loss (what Compare shows first).
pub fn world_loss_label() -> String {
    loss_label(SHARED_LOSS[0].0)
}

/// The column of `t` that `label` (a [`loss_label`]) names.
pub fn loss_column_of<'a>(t: &'a ColumnTable, label: &str) -> Option<&'a str> {
    t.names
        .iter()
        .map(String::as_str)
        .find(|n| !AXIS_COLUMNS.contains(n) && loss_label(n) == label)
}

/// The loss labels every table has (shared names aligned through [`SHARED_LOSS`]), the world
/// loss first, then in the first table's column order.
pub fn common_loss_labels(tables: &[&ColumnTable]) -> Vec<String> {
    let Some(first) = tables.first() else {
        return Vec::new();
    };
    let mut labels: Vec<String> = first
        .names
        .iter()
        .filter(|n| !AXIS_COLUMNS.contains(&n.as_str()))
        .map(|n| loss_label(n))
        .filter(|l| tables.iter().all(|t| loss_column_of(t, l).is_some()))
        .collect();
    labels.dedup();
    let world = world_loss_label();
    if let Some(i) = labels.iter().position(|l| *l == world) {
        let w = labels.remove(i);
        labels.insert(0, w);
    }
    labels
}

/// The points (x, y) of column `y` against `axis`, finite ones only. Wall time is
/// `elapsed_seconds` (theirs) or `wall_s` (ours); cumulative FLOPs is `cumulative_flops` when the
/// table has it, else step × `flops_per_step`.
pub fn curve(t: &ColumnTable, y: &str, axis: XAxis, flops_per_step: Option<f64>) -> Vec<[f64; 2]> {
    let Some(ys) = t.column(y) else {
        return Vec::new();
    };
    let steps = t.column("step");
    let xs: Option<Vec<f64>> = match axis {
        XAxis::Step => steps.map(<[f64]>::to_vec),
        XAxis::WallSecs => t
            .column("elapsed_seconds")
            .or_else(|| t.column("wall_s"))
            .map(<[f64]>::to_vec),
        XAxis::CumulativeFlops => match t.column("cumulative_flops") {
            Some(c) => Some(c.to_vec()),
            None => match (steps, flops_per_step) {
                (Some(s), Some(f)) => Some(s.iter().map(|s| s * f).collect()),
                _ => None,
            },
        },
    };
    let Some(xs) = xs else {
        return Vec::new();
    };
    xs.iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| [*x, *y])
        .collect()
}

/// A table as dotted keys → value text.
pub fn flatten(t: &toml::Table) -> std::collections::BTreeMap<String, String> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut std::collections::BTreeMap<String, String>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(&key, inner, out),
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                other => {
                    out.insert(key, other.to_string());
                }
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk("", t, &mut out);
    out
}
