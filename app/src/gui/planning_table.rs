//! The planning-metric cells the Train and Checkpoints panels share: one column per metric the
//! registry shows in tables ([`Shown::Table`]), coloured pass/fail where the success criteria judge
//! the metric, then the verdict.

use egui::RichText;
use worldbench_storage::planning_metrics::{self, Shown};
use worldbench_storage::success_criteria::SuccessCriteria;
use worldbench_storage::PlanningRow;

use super::criteria::{FAIL, PASS};

/// Column headers matching [`planning_cells`].
pub fn planning_headers() -> impl Iterator<Item = &'static str> {
    planning_metrics::shown(Shown::Table)
        .map(|m| m.label)
        .chain(std::iter::once("verdict"))
}

fn coloured(text: String, ok: bool) -> RichText {
    RichText::new(text).color(if ok { PASS } else { FAIL })
}

/// Adds one Grid cell per [`planning_headers`] entry for `row`.
pub fn planning_cells(ui: &mut egui::Ui, row: &PlanningRow, criteria: &SuccessCriteria) {
    for m in planning_metrics::shown(Shown::Table) {
        let text = m.text(row);
        match criteria.get(m) {
            Some(t) => ui.label(coloured(text, t.level(m.of(row)).is_met())),
            None => ui.label(text),
        };
    }
    let pass = criteria.judge_row(row).passes;
    ui.label(coloured(
        if pass { "pass".into() } else { "fail".into() },
        pass,
    ));
}
