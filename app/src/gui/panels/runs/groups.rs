//! The Runs table grouped by sweep: each registered sweep's runs under a sweep row (collapsible,
//! with its cells done/running/queued/failed and a button to the Sweeps view); runs outside sweeps
//! follow, as before.

use std::path::PathBuf;

use crate::gui::command::AppCommand;
use crate::gui::run_index::{RunRecord, SweepRecord};

/// The rows of the table, grouped.
pub struct Grouped<'a> {
    /// Each sweep with its (filtered, sorted) runs.
    pub sweeps: Vec<(&'a SweepRecord, Vec<&'a RunRecord>)>,
    /// Runs of no sweep.
    pub loose: Vec<&'a RunRecord>,
}

/// Groups `rows` (already filtered and sorted) by the sweep each belongs to. A sweep with no
/// shown run is listed only when `all` (no filter is set).
pub fn group<'a>(rows: &[&'a RunRecord], sweeps: &'a [SweepRecord], all: bool) -> Grouped<'a> {
    let mut out = Grouped {
        sweeps: sweeps.iter().map(|s| (s, Vec::new())).collect(),
        loose: Vec::new(),
    };
    for &run in rows {
        match out.sweeps.iter_mut().find(|(s, _)| s.has_run(run)) {
            Some((_, runs)) => runs.push(run),
            None => out.loose.push(run),
        }
    }
    out.sweeps.retain(|(_, runs)| all || !runs.is_empty());
    out
}

/// Draws a sweep's row (a full grid row); returns whether its runs are shown.
pub fn sweep_row(
    ui: &mut egui::Ui,
    sweep: &SweepRecord,
    collapsed: &mut Vec<PathBuf>,
    commands: &mut Vec<AppCommand>,
) -> bool {
    let open = !collapsed.contains(&sweep.root);
    let arrow = if open { "⏷" } else { "⏵" };
    let toggle = ui
        .selectable_label(
            open,
            egui::RichText::new(format!("{arrow} Sweep: {}", sweep.state.title)).strong(),
        )
        .on_hover_text(format!(
            "{} (click to fold or unfold its runs)",
            sweep.root.display()
        ));
    if toggle.clicked() {
        if open {
            collapsed.push(sweep.root.clone());
        } else {
            collapsed.retain(|c| c != &sweep.root);
        }
    }
    ui.label(sweep.state.kind.as_str());
    ui.label(sweep.counts_text());
    if ui
        .button("Sweep view")
        .on_hover_text("Its cells, statistics and plots")
        .clicked()
    {
        commands.push(AppCommand::ShowSweep(sweep.root.clone()));
    }
    ui.end_row();
    open
}
