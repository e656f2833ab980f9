//! The workspace's success criteria as the app reads them (the `[success]` table of
//! `worldbench.toml`, [`SuccessCriteria`]), and the pass/fail colours.

use std::path::Path;

use egui::Color32;
use worldbench_storage::success_criteria::SuccessCriteria;

pub const PASS: Color32 = Color32::from_rgb(80, 200, 120);
pub const FAIL: Color32 = Color32::from_rgb(235, 90, 80);

/// Reads `[success]` of `worldbench.toml`; a missing file means the defaults, a bad one an error
/// that names it (and the defaults are used meanwhile).
pub fn read_criteria(config_path: &Path) -> (SuccessCriteria, Option<String>) {
    match SuccessCriteria::read(config_path) {
        Ok(c) => (c, None),
        Err(e) => (
            SuccessCriteria::default(),
            Some(format!(
                "cannot read the [success] criteria: {e}; using the defaults — fix the file"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::planning_metrics::{
        H_LOCAL_SUCCESS, REACH_H_MEDIAN, TEST1_SUCCESS, TEST2_SUCCESS,
    };
    use worldbench_storage::PlanningRow;

    #[test]
    fn reads_the_success_table_and_names_a_bad_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("worldbench.toml");
        std::fs::write(
            &path,
            "[success]\nreach_h_median_min = 0.9\ntest2_success = false\n",
        )
        .unwrap();
        let (c, err) = read_criteria(&path);
        assert!(err.is_none());
        let mut row = PlanningRow {
            step: 1,
            num_nodes_h: 1,
            num_edges_h: 1,
            reach_h_median: 0.85,
            reach_h_p10: 0.0,
            reach_h_p90: 1.0,
            h_local_success: 0.9,
            test1_success: 1,
            test1_steps: 1,
            test2_success: 0,
            test2_steps: 1,
            merge_radius: 0.05,
            eval_secs: 0.0,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        };
        assert!(
            !c.metric_ok(&REACH_H_MEDIAN, &row)
                && c.metric_ok(&TEST2_SUCCESS, &row)
                && c.metric_ok(&TEST1_SUCCESS, &row)
        );
        assert!(c.metric_ok(&H_LOCAL_SUCCESS, &row));
        row.reach_h_median = 0.9;
        assert!(c.judge_row(&row).passes);
        std::fs::write(&path, "[success\n").unwrap();
        let (c, err) = read_criteria(&path);
        assert_eq!(c, SuccessCriteria::default());
        assert!(err.unwrap().contains("worldbench.toml"));
    }
}
