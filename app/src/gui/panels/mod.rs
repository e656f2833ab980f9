//! The app's panels: each owns its state, draws itself into a `Ui`, and pushes `AppCommand`s.

pub mod checkpoints;
pub mod datasets;
pub mod gate;
pub mod hgraph;
pub mod layout_walls;
pub mod plans;
pub mod queue;
pub mod runs;
pub mod sweeps;
pub mod table;
pub mod train;
pub mod worklog;

use std::path::PathBuf;

use worldbench_storage::Workspace;

use super::command::AppCommand;
use super::jobs::JobSupervisor;
use super::run_index::RunIndex;
use worldbench_storage::success_criteria::SuccessCriteria;

/// A panel of the left bar: it owns its state, draws itself into a `Ui` each frame it is shown, and
/// asks the app for changes outside itself by pushing [`AppCommand`]s, which the app applies after
/// the frame (`gui/command_handling.rs`). Its row in [`table`] gives its label, shortcut and Help.
pub trait Panel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>);
}

/// What the app lends a panel for one frame (read-only; changes go through `AppCommand`s).
pub struct PanelContext<'a> {
    pub workspace: &'a Workspace,
    pub jobs: &'a JobSupervisor,
    pub runs: &'a RunIndex,
    /// Dataset folders of the workspace (and folders opened by hand).
    pub datasets: &'a [PathBuf],
    pub criteria: &'a SuccessCriteria,
    /// The assessment scorecard's thresholds (`[assessment]`).
    pub assessment: &'a worldbench_storage::assessment::Assessment,
}

/// The last path component, for display.
pub fn short_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Seconds as "1h 02m", "3m 05s" or "12s".
pub fn format_duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".into();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::format_duration(5.4), "5s");
        assert_eq!(super::format_duration(185.0), "3m 05s");
        assert_eq!(super::format_duration(3720.0), "1h 02m");
        assert_eq!(super::format_duration(f64::NAN), "–");
    }
}
