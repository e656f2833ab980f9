//! Test fixtures shared by the GUI's unit tests.

use worldbench_storage::metrics::{PlanningRow, TrainRow};

/// A planning-metrics row for `step` with fixed, plausible values.
pub(crate) fn planning_row(step: u64) -> PlanningRow {
    PlanningRow {
        step,
        num_nodes_h: 3,
        num_edges_h: 4,
        reach_h_median: 0.5,
        reach_h_p10: 0.25,
        reach_h_p90: 1.0,
        h_local_success: 0.5,
        test1_success: 1,
        test1_steps: 7,
        test2_success: 0,
        test2_steps: 9,
        merge_radius: 0.05,
        eval_secs: 0.5,
        node_purity: None,
        tiles_per_node: None,
        nodes_per_tile: None,
        path_agreement: None,
        ..Default::default()
    }
}

/// A train.csv row for `step` with fixed, plausible values.
pub(crate) fn train_row(step: u64) -> TrainRow {
    TrainRow {
        step,
        wall_s: step as f64,
        loss: 1.0 / step as f64,
        loss_pred: 0.5,
        loss_var: 0.25,
        loss_cov: 0.25,
        lr: 3e-4,
        h_std: 1.0,
        h_norm: 1.0,
        steps_per_s: 10.0,
    }
}
