//! The planning-metric cells the Train and Checkpoints panels share: the verdict (the key column,
//! first so it is always in view), then one compact column per metric the registry shows in tables
//! ([`Shown::Table`]) that has a value in at least one row ([`Columns`]: runs written before the
//! metrics against the world hide those four columns), coloured pass/fail where the success
//! criteria judge the metric. Headers wrap at their spaces and slashes and name the metric in full
//! on hover; a planning test's cell is "ok (12)" with
//! "ok (12 steps)" on hover, so that the whole table fits a 1280 px window.

use egui::RichText;
use worldbench_storage::planning_metrics::{self, MetricFormat, PlanningMetric, Shown};
use worldbench_storage::success_criteria::SuccessCriteria;
use worldbench_storage::PlanningRow;

use super::criteria::{FAIL, PASS};

/// The header of the verdict column.
pub const VERDICT_HEADER: &str = "verdict";

/// Horizontal spacing of the planning tables' grids.
pub const TABLE_SPACING: [f32; 2] = [6.0, 6.0];

fn coloured(text: String, ok: bool) -> RichText {
    RichText::new(text).color(if ok { PASS } else { FAIL })
}

/// The metric columns of one table, in column order: the registry's table metrics, less those that
/// no row has a value of (an optional metric absent from every row is NaN there).
pub struct Columns(Vec<&'static PlanningMetric>);

impl Columns {
    /// The columns for a table of `rows`.
    pub fn for_rows(rows: &[PlanningRow]) -> Self {
        Self(
            planning_metrics::shown(Shown::Table)
                .filter(|m| rows.iter().any(|r| !m.of(r).is_nan()))
                .collect(),
        )
    }

    fn iter(&self) -> impl Iterator<Item = &'static PlanningMetric> + '_ {
        self.0.iter().copied()
    }
}

/// The verdict's header cell.
pub fn verdict_header(ui: &mut egui::Ui) {
    ui.strong(VERDICT_HEADER)
        .on_hover_text("pass when every judged metric meets the success criteria");
}

/// The verdict's cell for `row`.
pub fn verdict_cell(ui: &mut egui::Ui, row: &PlanningRow, criteria: &SuccessCriteria) {
    let pass = criteria.judge_row(row).passes;
    ui.label(coloured(
        if pass { "pass".into() } else { "fail".into() },
        pass,
    ));
}

/// The metric header cells: the label wrapped at its spaces and slashes ("reach\nmedian",
/// "tiles/\nnode"), the full label and the CSV key on hover.
pub fn metric_headers(ui: &mut egui::Ui, columns: &Columns) {
    for m in columns.iter() {
        let judged = if m.judged {
            "; coloured by the success criteria"
        } else {
            ""
        };
        ui.strong(m.label.replace(' ', "\n").replace('/', "/\n"))
            .on_hover_text(format!("{} (column {}){judged}", m.label, m.key));
    }
}

/// A metric's cell text, compact: a planning test's step count without the word "steps".
pub fn compact_text(m: &PlanningMetric, row: &PlanningRow) -> String {
    match m.format {
        MetricFormat::Success { steps } => format!(
            "{} ({:.0})",
            if m.of(row) >= 0.5 { "ok" } else { "FAIL" },
            steps(row)
        ),
        _ => m.text(row),
    }
}

/// One cell per metric of [`metric_headers`] for `row`.
pub fn metric_cells(
    ui: &mut egui::Ui,
    columns: &Columns,
    row: &PlanningRow,
    criteria: &SuccessCriteria,
) {
    for m in columns.iter() {
        let text = compact_text(m, row);
        let resp = match criteria.get(m) {
            Some(t) => ui.label(coloured(text, t.level(m.of(row)).is_met())),
            None => ui.label(text),
        };
        if matches!(m.format, MetricFormat::Success { .. }) {
            resp.on_hover_text(m.text(row));
        }
    }
}

/// A dash per metric column and for the verdict, for a row without metrics.
pub fn metric_dashes(ui: &mut egui::Ui, columns: &Columns) {
    for _ in columns.iter() {
        ui.weak("–");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::test_fixtures::planning_row;
    use worldbench_storage::planning_metrics::{TEST2_STEPS, TEST2_SUCCESS};

    #[test]
    fn a_tests_cell_is_compact_and_other_cells_are_the_registrys_text() {
        let row = planning_row(5);
        assert_eq!(compact_text(&TEST2_SUCCESS, &row), "FAIL (9)");
        assert_eq!(compact_text(&TEST2_STEPS, &row), TEST2_STEPS.text(&row));
    }

    #[test]
    fn a_metric_no_row_has_is_not_a_column_and_one_any_row_has_is() {
        let keys = |c: &Columns| c.iter().map(|m| m.key).collect::<Vec<_>>();
        let old = planning_row(5);
        assert!(old.node_purity.is_none());
        let without = Columns::for_rows(std::slice::from_ref(&old));
        assert!(!keys(&without).contains(&"node_purity"));
        assert!(keys(&without).contains(&"test2_success"));
        let new = PlanningRow {
            node_purity: Some(0.9),
            ..planning_row(6)
        };
        let with = Columns::for_rows(&[old, new]);
        assert!(keys(&with).contains(&"node_purity"));
        assert!(!keys(&with).contains(&"path_agreement"));
    }
}
