//! The Worklog panel: pick a run, draft the prose sections (saved as drafts), Export the post on a
//! background thread, and preview the exported post with its images.

mod markdown;
mod preview;

use std::path::PathBuf;

use egui_commonmark::CommonMarkCache;
use worldbench_storage::worklog::{concept_folder_name, Draft, ExportedPost};
use worldbench_storage::Workspace;

pub use preview::{PostImage, Preview};

use super::{short_name, Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::task::Task;

/// The Worklog panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WorklogState {
    /// The run the post is about.
    pub run: Option<PathBuf>,
    /// The concept the post is about (names its folder).
    pub concept: String,
    /// The last exported post.md, previewed.
    pub last_post: Option<PathBuf>,
}

/// What the background export (or preview load) gives back.
type Exported = (Option<ExportedPost>, Preview);
type Done = Result<Exported, String>;

pub struct WorklogPanel {
    pub state: WorklogState,
    /// The draft of `draft_run`.
    pub draft: Draft,
    draft_run: Option<PathBuf>,
    /// Unsaved draft edits.
    pub dirty: bool,
    pending: Option<Task<Exported>>,
    preview: Option<Preview>,
    /// The Markdown viewer's state for the shown preview.
    viewer_cache: CommonMarkCache,
    /// Image URIs of replaced previews, for egui's loaders to forget on the next frame.
    stale_images: Vec<String>,
    /// The last message (saved, exported, error).
    pub status: String,
}

impl WorklogPanel {
    pub fn new(state: WorklogState) -> Self {
        let mut panel = Self {
            state,
            draft: Draft::default(),
            draft_run: None,
            dirty: false,
            pending: None,
            preview: None,
            viewer_cache: CommonMarkCache::default(),
            stale_images: Vec::new(),
            status: String::new(),
        };
        if let Some(post) = panel.state.last_post.clone() {
            panel.spawn(None, move || Ok((None, Preview::load(&post)?)));
        }
        panel
    }

    /// Whether an export (or preview load) is under way.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The preview of the last exported post.
    pub fn preview(&self) -> Option<&Preview> {
        self.preview.as_ref()
    }

    fn spawn(&mut self, ctx: Option<egui::Context>, work: impl FnOnce() -> Done + Send + 'static) {
        self.pending = Some(Task::spawn("worldbench-worklog", ctx, move |_| work()));
    }

    fn poll(&mut self) {
        if let Some(done) = self.pending.as_mut().and_then(Task::poll) {
            self.pending = None;
            self.finish(done);
        }
    }

    fn finish(&mut self, done: Done) {
        match done {
            Ok((exported, preview)) => {
                if let Some(post) = exported {
                    self.status = format!(
                        "Exported {} ({}, {})",
                        post.post.display(),
                        post.meta.outcome,
                        post.meta.recommendation
                    );
                    self.state.last_post = Some(post.post);
                }
                self.viewer_cache = CommonMarkCache::default();
                if let Some(old) = self.preview.replace(preview) {
                    self.stale_images
                        .extend(old.images.into_iter().map(|i| i.uri));
                }
            }
            Err(e) => self.status = format!("Export failed: {e}"),
        }
    }

    /// Loads the draft of the selected run (saving the previous run's unsaved draft first).
    fn sync_draft(&mut self, ws: &Workspace) {
        if self.draft_run == self.state.run {
            return;
        }
        if self.dirty {
            self.save_draft(ws);
        }
        self.draft = self
            .state
            .run
            .as_ref()
            .map(|r| Draft::path_for_run(&ws.worklog_dir(), r))
            .filter(|p| p.is_file())
            .and_then(|p| Draft::read(&p).ok())
            .unwrap_or_default();
        self.draft_run = self.state.run.clone();
        self.dirty = false;
    }

    /// Saves the draft of the selected run (`worklog/drafts/<run>.md`).
    pub fn save_draft(&mut self, ws: &Workspace) {
        let Some(run) = &self.draft_run else { return };
        let path = Draft::path_for_run(&ws.worklog_dir(), run);
        match self.draft.write(&path) {
            Ok(()) => {
                self.dirty = false;
                self.status = format!("Draft saved: {}", short_name(&path));
            }
            Err(e) => self.status = format!("Draft not saved: {e}"),
        }
    }

    /// Why Export cannot be pressed, if it cannot.
    pub fn export_blocker(&self) -> Option<String> {
        if self.state.run.is_none() {
            return Some("Choose a run".into());
        }
        if self.pending.is_some() {
            return Some("An export is under way".into());
        }
        concept_folder_name(&self.state.concept).err()
    }

    /// Saves the draft and exports the post on a background thread.
    pub fn export(&mut self, ws: &Workspace, ctx: Option<egui::Context>) {
        if let Some(why) = self.export_blocker() {
            self.status = format!("Cannot export: {why}");
            return;
        }
        self.save_draft(ws);
        let (Some(run), ws) = (self.state.run.clone(), ws.clone()) else {
            return;
        };
        let concept = self.state.concept.clone();
        let draft = self.draft.clone();
        self.status = "Exporting…".into();
        self.spawn(ctx, move || {
            let post =
                crate::report::export(&ws, &run, &concept, &draft).map_err(|e| format!("{e:#}"))?;
            let preview = Preview::load(&post.post)?;
            Ok((Some(post), preview))
        });
    }
}

impl Panel for WorklogPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, _commands: &mut Vec<AppCommand>) {
        self.poll();
        self.sync_draft(cx.workspace);
        for uri in self.stale_images.drain(..) {
            ui.ctx().forget_image(&uri);
        }
        ui.heading("Worklog");
        ui.weak("One post per iteration: numbers from the run's files, prose from your draft.");
        ui.columns(2, |cols| {
            egui::ScrollArea::vertical()
                .id_salt("worklog_form")
                .show(&mut cols[0], |ui| {
                    self.form_ui(ui, cx);
                });
            egui::ScrollArea::vertical()
                .id_salt("worklog_preview")
                .show(&mut cols[1], |ui| match &self.preview {
                    Some(p) => markdown::show(ui, p, &mut self.viewer_cache),
                    None => {
                        ui.weak("No post exported yet. Its preview shows here.");
                    }
                });
        });
    }
}

impl WorklogPanel {
    fn form_ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>) {
        egui::Grid::new("worklog_grid")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                let label = ui.label("Run");
                let shown = self
                    .state
                    .run
                    .as_deref()
                    .map_or_else(|| "(choose a run)".to_string(), short_name);
                egui::ComboBox::from_id_salt("worklog_run")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for r in cx.runs.runs().iter().rev() {
                            ui.selectable_value(&mut self.state.run, Some(r.dir.clone()), r.name());
                        }
                        if cx.runs.runs().is_empty() {
                            ui.label("No runs yet");
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Concept");
                ui.add(
                    egui::TextEdit::singleline(&mut self.state.concept)
                        .hint_text("e.g. vicreg-weight")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
        ui.add_space(6.0);
        let mut changed = false;
        for (name, text) in [
            ("Objective", &mut self.draft.objective),
            ("Diagnosis", &mut self.draft.diagnosis),
            ("Next changes", &mut self.draft.next_changes),
        ] {
            let label = ui.strong(name);
            changed |= ui
                .add(
                    egui::TextEdit::multiline(text)
                        .desired_rows(4)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id)
                .changed();
        }
        self.dirty |= changed && self.draft_run.is_some();
        ui.horizontal(|ui| {
            if ui.add_enabled(self.draft_run.is_some(), egui::Button::new("Save draft")).clicked() {
                self.save_draft(cx.workspace);
            }
            let blocker = self.export_blocker();
            let resp = ui.add_enabled(blocker.is_none(), egui::Button::new("Export post"));
            let resp = match &blocker {
                Some(why) => resp.on_disabled_hover_text(why.as_str()),
                None => resp.on_hover_text("Write worklog/<ts>.<concept>/post.md with plots and tables; update FINDINGS.md"),
            };
            if resp.clicked() {
                self.export(cx.workspace, Some(ui.ctx().clone()));
            }
            if self.pending.is_some() {
                ui.spinner();
            }
        });
        if !self.status.is_empty() {
            ui.add(egui::Label::new(egui::RichText::new(self.status.as_str()).weak()).wrap());
        }
    }
}
