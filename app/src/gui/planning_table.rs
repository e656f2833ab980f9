//! The planning-metric cells the Train and Checkpoints panels share: the verdict (the key column,
//! first so it is always in view), then one compact column per metric the registry shows in tables
//! ([`Shown::Table`]), coloured pass/fail where the success criteria judge the metric. Headers wrap
//! onto two lines and name the metric in full on hover; a planning test's cell is "ok (12)" with
//! "ok (12 steps)" on hover, so that the whole table fits a 1280 px window.

use egui::RichText;
use worldbench_storage::planning_metrics::{self, MetricFormat, PlanningMetric, Shown};
use worldbench_storage::success_criteria::SuccessCriteria;
use worldbench_storage::PlanningRow;

use super::criteria::{FAIL, PASS};

/// The header of the verdict column.
pub const VERDICT_HEADER: &str = "verdict";

/// Horizontal spacing of the planning tables' grids.
pub const TABLE_SPACING: [f32; 2] = [8.0, 6.0];

fn coloured(text: String, ok: bool) -> RichText {
    RichText::new(text).color(if ok { PASS } else { FAIL })
}

/// The metrics of the table, in column order.
fn metrics() -> impl Iterator<Item = &'static PlanningMetric> {
    planning_metrics::shown(Shown::Table)
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

/// The metric header cells: the label wrapped at its space ("reach\nmedian"), the full label and
/// the CSV key on hover.
pub fn metric_headers(ui: &mut egui::Ui) {
    for m in metrics() {
        let judged = if m.judged {
            "; coloured by the success criteria"
        } else {
            ""
        };
        ui.strong(m.label.replace(' ', "\n"))
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
pub fn metric_cells(ui: &mut egui::Ui, row: &PlanningRow, criteria: &SuccessCriteria) {
    for m in metrics() {
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
pub fn metric_dashes(ui: &mut egui::Ui) {
    for _ in metrics() {
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
}
