//! Pass/fail of planning metrics: the `[success]` table of the workspace's `worldbench.toml`, and the
//! coloured metric cells the Train and Checkpoints panels share.

use std::path::Path;

use egui::{Color32, RichText};
use worldbench_storage::PlanningRow;

/// When a checkpoint's planning evaluation counts as a success: the `[success]` table of
/// worldbench.toml as [`worldbench_storage::settings::SuccessCriteria`] reads it (a metric is met at
/// its acceptable level).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SuccessCriteria(pub worldbench_storage::settings::SuccessCriteria);

impl SuccessCriteria {
    /// Reads `[success]` of `worldbench.toml`; a missing file means the defaults, a bad one an error
    /// that names it (and the defaults are used meanwhile).
    pub fn read(config_path: &Path) -> (Self, Option<String>) {
        match worldbench_storage::settings::SuccessCriteria::read(config_path) {
            Ok(c) => (Self(c), None),
            Err(e) => (
                Self::default(),
                Some(format!(
                    "cannot read the [success] criteria: {e}; using the defaults — fix the file"
                )),
            ),
        }
    }

    pub fn reach_ok(&self, row: &PlanningRow) -> bool {
        self.0.metric_ok("reach_h_median", row)
    }
    pub fn local_ok(&self, row: &PlanningRow) -> bool {
        self.0.metric_ok("h_local_success", row)
    }
    pub fn test1_ok(&self, row: &PlanningRow) -> bool {
        self.0.metric_ok("test1_success", row)
    }
    pub fn test2_ok(&self, row: &PlanningRow) -> bool {
        self.0.metric_ok("test2_success", row)
    }
    /// All criteria hold.
    pub fn passes(&self, row: &PlanningRow) -> bool {
        self.0.judge_row(row).passes
    }
}

pub const PASS: Color32 = Color32::from_rgb(80, 200, 120);
pub const FAIL: Color32 = Color32::from_rgb(235, 90, 80);

fn coloured(text: String, ok: bool) -> RichText {
    RichText::new(text).color(if ok { PASS } else { FAIL })
}

/// Column headers matching [`planning_cells`].
pub const PLANNING_HEADERS: [&str; 9] = [
    "nodes",
    "edges",
    "reach median",
    "reach p10",
    "reach p90",
    "h local",
    "test1",
    "test2",
    "verdict",
];

/// Adds one Grid cell per [`PLANNING_HEADERS`] entry for `row`, coloured pass/fail.
pub fn planning_cells(ui: &mut egui::Ui, row: &PlanningRow, criteria: &SuccessCriteria) {
    ui.label(row.num_nodes_h.to_string());
    ui.label(row.num_edges_h.to_string());
    ui.label(coloured(
        format!("{:.3}", row.reach_h_median),
        criteria.reach_ok(row),
    ));
    ui.label(format!("{:.3}", row.reach_h_p10));
    ui.label(format!("{:.3}", row.reach_h_p90));
    ui.label(coloured(
        format!("{:.3}", row.h_local_success),
        criteria.local_ok(row),
    ));
    ui.label(coloured(
        test_text(row.test1_success, row.test1_steps),
        criteria.test1_ok(row),
    ));
    ui.label(coloured(
        test_text(row.test2_success, row.test2_steps),
        criteria.test2_ok(row),
    ));
    let pass = criteria.passes(row);
    ui.label(coloured(
        if pass { "pass".into() } else { "fail".into() },
        pass,
    ));
}

/// "ok (12 steps)" / "FAIL (30 steps)".
pub fn test_text(success: u8, steps: u64) -> String {
    format!(
        "{} ({steps} steps)",
        if success == 1 { "ok" } else { "FAIL" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_success_table_and_names_a_bad_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("worldbench.toml");
        std::fs::write(
            &path,
            "[success]\nreach_h_median_min = 0.9\ntest2_success = false\n",
        )
        .unwrap();
        let (c, err) = SuccessCriteria::read(&path);
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
        };
        assert!(!c.reach_ok(&row) && c.test2_ok(&row) && c.test1_ok(&row));
        row.reach_h_median = 0.9;
        assert!(c.passes(&row));
        std::fs::write(&path, "[success\n").unwrap();
        let (c, err) = SuccessCriteria::read(&path);
        assert_eq!(c, SuccessCriteria::default());
        assert!(err.unwrap().contains("worldbench.toml"));
    }
}
