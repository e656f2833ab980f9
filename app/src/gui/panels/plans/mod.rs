//! The Plans panel: the plan cards of `plans/` as a priority matrix, the dependency graph (graph
//! widget, critical path highlighted), the risk register and the health summary; a card's type is
//! changed from here (the file rewritten atomically, the change log appended), off the UI thread.

mod board_ui;
mod graph;

use std::path::{Path, PathBuf};

use worldbench_storage::plan_cards::card::edit_card;
use worldbench_storage::plan_cards::{changelog, Board, CardType};
use worldbench_widgets::HGraphView;

use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::task::Task;

/// What the Plans panel persists.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PlansState {
    /// The card whose type the edit row changes.
    pub selected: Option<String>,
}

pub struct PlansPanel {
    pub state: PlansState,
    board: Option<Board>,
    view: Option<HGraphView>,
    loading: Option<Task<Board>>,
    editing: Option<Task<String>>,
    ctx: Option<egui::Context>,
    plans_dir: Option<PathBuf>,
    /// The last message (the change written, or an error).
    pub status: String,
}

impl PlansPanel {
    pub fn new(state: PlansState) -> Self {
        Self {
            state,
            board: None,
            view: None,
            loading: None,
            editing: None,
            ctx: None,
            plans_dir: None,
            status: String::new(),
        }
    }

    /// The board shown (once loaded).
    pub fn board(&self) -> Option<&Board> {
        self.board.as_ref()
    }

    /// The dependency graph's view (once loaded).
    pub fn graph(&self) -> Option<&HGraphView> {
        self.view.as_ref()
    }

    /// Reads the cards of `plans_dir` again, off the UI thread.
    pub fn reload(&mut self, plans_dir: &Path) {
        let dir = plans_dir.to_path_buf();
        self.plans_dir = Some(dir.clone());
        self.loading = Some(Task::spawn(
            "worldbench-plans",
            self.ctx.clone(),
            move |_| Ok(Board::load(&dir)),
        ));
    }

    /// Changes the type of the card at `path` (atomic rewrite + change log), off the UI thread;
    /// the board is read again when it is done.
    pub fn set_type(&mut self, path: PathBuf, card_type: CardType) {
        let Some(dir) = self.plans_dir.clone() else {
            return;
        };
        self.editing = Some(Task::spawn(
            "worldbench-plans-edit",
            self.ctx.clone(),
            move |_| {
                let now = chrono::Local::now();
                let (before, after) = edit_card(
                    &path,
                    Some(card_type),
                    None,
                    &now.format("%Y-%m-%d").to_string(),
                )
                .map_err(|e| e.to_string())?;
                let line = changelog::record(
                    &dir,
                    &before,
                    &after,
                    &now.format("%Y-%m-%d %H:%M").to_string(),
                )
                .map_err(|e| e.to_string())?;
                Ok(line.map_or_else(
                    || format!("{}: unchanged", after.id()),
                    |l| l.trim_start_matches("- ").to_string(),
                ))
            },
        ));
    }

    fn finish_edit(&mut self, done: Result<String, String>) {
        match done {
            Ok(msg) => self.status = msg,
            Err(e) => self.status = format!("Could not change the card: {e}"),
        }
        if let Some(dir) = self.plans_dir.clone() {
            self.reload(&dir);
        }
    }

    fn finish_load(&mut self, done: Result<Board, String>) {
        match done {
            Ok(board) => {
                self.view = match graph::view_of(&board) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.status = format!("Cannot draw the dependency graph: {e}");
                        None
                    }
                };
                self.board = Some(board);
            }
            Err(e) => self.status = e,
        }
    }

    fn poll(&mut self) {
        if let Some(done) = self.editing.as_mut().and_then(Task::poll) {
            self.editing = None;
            self.finish_edit(done);
        }
        if let Some(done) = self.loading.as_mut().and_then(Task::poll) {
            self.loading = None;
            self.finish_load(done);
        }
    }
}

impl Panel for PlansPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.ctx = Some(ui.ctx().clone());
        let dir = cx.workspace.plans_dir();
        if self.plans_dir.as_ref() != Some(&dir) && self.loading.is_none() {
            self.reload(&dir);
        }
        self.poll();
        ui.horizontal(|ui| {
            ui.heading("Plans");
            if ui.button("Reload").clicked() {
                self.reload(&dir);
            }
            if self.loading.is_some() || self.editing.is_some() {
                ui.spinner();
            }
        });
        if !self.status.is_empty() {
            ui.label(&self.status);
        }
        let Some(board) = &self.board else {
            ui.label("Reading plans/…");
            return;
        };
        if board.cards.is_empty() && board.issues.is_empty() {
            ui.label(format!(
                "No plan cards yet: write {}/<id>.md (TOML front matter between +++ lines; see README).",
                dir.display()
            ));
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            board_ui::health_ui(ui, board);
            board_ui::issues_ui(ui, board);
            ui.separator();
            ui.strong("Priority matrix");
            board_ui::matrix_ui(ui, board);
            ui.separator();
            ui.strong("Dependency graph");
            let path = board.critical_path();
            ui.label(if path.is_empty() {
                "Critical path: none".to_string()
            } else {
                format!("Critical path: {}", path.join(" -> "))
            });
            if let Some(view) = &mut self.view {
                graph::ui(ui, view, board);
            }
            ui.separator();
            ui.strong("Risk register");
            board_ui::risk_ui(ui, board);
            ui.separator();
            ui.strong("Change a card's type");
            board_ui::edit_ui(ui, board, &mut self.state.selected, commands);
        });
    }
}
