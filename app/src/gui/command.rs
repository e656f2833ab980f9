//! What panels ask the app to do. Panels push commands while drawing; the app applies them after the
//! frame (like rerun's `SystemCommand`), so no panel reaches into another's state.

use std::path::PathBuf;

/// A request from a panel to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AppCommand {
    /// Show an error to the user: the message names the file and says what to do.
    ShowError(String),
    /// Open the Train panel with this dataset selected.
    UseDatasetForTraining(PathBuf),
}
