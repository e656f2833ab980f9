//! The Runs panel's "All runs" view: the workspace's runs and the runs under `[runs] roots`
//! (researchers' nes-ai runs read in place) in one table with a source column, filters (source,
//! tag, starred, archived), annotations (title, notes, tags, star, archive; bulk archive), "Add
//! runs folder…". Opening one shows it (`run_view.rs`); selecting several compares them
//! (`cross_compare.rs`). Every file is read in a `Task`; writes are pushed as
//! [`AppCommand::WriteRuns`] and done in a `Task` when applied (`annotations.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use worldbench_storage::their_runs::{
    self, listed_status, AnnotationEdit, RunDetail, RunListing, RunSource,
};

use super::annotations::{annotations_ui, RunsWrite};
use super::run_view::RunView;
use crate::gui::command::AppCommand;
use crate::gui::file_dialog::{DialogPoll, PickDialog};
use crate::gui::plots::format_value;
use crate::gui::task::Task;

/// Which sources the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SourceFilter {
    #[default]
    Both,
    Worldbench,
    NesAi,
}

impl SourceFilter {
    fn label(self) -> &'static str {
        match self {
            Self::Both => "both sources",
            Self::Worldbench => "worldbench",
            Self::NesAi => "nes-ai",
        }
    }
    fn admits(self, s: RunSource) -> bool {
        match self {
            Self::Both => true,
            Self::Worldbench => s == RunSource::Worldbench,
            Self::NesAi => s == RunSource::NesAi,
        }
    }
}

/// The All runs view's persisted filters.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AllRunsFilters {
    pub source: SourceFilter,
    /// Only runs with this tag (empty: any).
    pub tag: String,
    pub starred_only: bool,
    pub show_archived: bool,
}

impl AllRunsFilters {
    pub fn admits(&self, l: &RunListing) -> bool {
        self.source.admits(l.source)
            && (self.tag.trim().is_empty() || l.tags.iter().any(|t| t == self.tag.trim()))
            && (!self.starred_only || l.starred)
            && (self.show_archived || !l.archived)
    }
}

/// The roots listed: the workspace's `runs/` and `[runs] roots` of worldbench.toml.
pub fn list_roots(workspace_runs: &Path, config: &Path) -> Result<Vec<PathBuf>, String> {
    let mut roots = vec![workspace_runs.to_path_buf()];
    roots.extend(their_runs::read_roots(config).map_err(|e| e.to_string())?);
    Ok(roots)
}

/// What a reload reads: the roots, their runs and each run's status.
type Loaded = (
    Vec<PathBuf>,
    Vec<RunListing>,
    HashMap<PathBuf, &'static str>,
);

#[derive(Default)]
pub struct AllRuns {
    pub filters: AllRunsFilters,
    listings: Vec<RunListing>,
    /// Each listed run's status as `runs list` shows it ([`listed_status`]).
    statuses: HashMap<PathBuf, &'static str>,
    roots: Vec<PathBuf>,
    loading: Option<Task<Loaded>>,
    loaded_once: bool,
    error: Option<String>,
    /// Why the last write failed (kept when the table is read again).
    write_error: Option<String>,
    /// Selected run folders (several: compare).
    pub selected: Vec<PathBuf>,
    view: Option<RunView>,
    compare: Option<Task<Vec<RunDetail>>>,
    compared: Vec<RunDetail>,
    /// Compare's x-axis, chosen column and plotted series.
    pub cross: super::cross_compare::CrossCompare,
    writing: Option<Task<()>>,
    /// Writes asked for while one is under way, in order, each with the worldbench.toml it uses.
    pending: Vec<(RunsWrite, PathBuf)>,
    typed_root: String,
    dialog: Option<PickDialog>,
    /// Edits of the opened run's annotations.
    title_edit: String,
    notes_edit: String,
    tag_edit: String,
}

impl AllRuns {
    pub fn new(filters: AllRunsFilters) -> Self {
        Self {
            filters,
            ..Self::default()
        }
    }

    /// Whether a read or write is under way (tests step the UI until it is not).
    pub fn is_busy(&self) -> bool {
        self.loading.is_some()
            || self.writing.is_some()
            || !self.pending.is_empty()
            || self.compare.is_some()
            || self.view.as_ref().is_some_and(RunView::is_busy)
    }

    /// The opened run's detail, once read.
    pub fn opened(&self) -> Option<&RunDetail> {
        self.view.as_ref().and_then(RunView::detail)
    }

    /// The opened run's last inspected checkpoint.
    pub fn inspected(&self) -> Option<&worldbench_model::ckpt_inspect::CheckpointSummary> {
        self.view.as_ref().and_then(RunView::inspected)
    }

    /// Why the opened run's checkpoint could not be inspected.
    pub fn inspect_error(&self) -> Option<String> {
        self.view.as_ref().and_then(RunView::inspect_error)
    }

    /// Whether the opened run shows the image of `path`.
    pub fn shows_image(&self, path: &Path) -> bool {
        self.view.as_ref().is_some_and(|v| v.shows_image(path))
    }

    /// The runs being compared, once read.
    pub fn compared(&self) -> &[RunDetail] {
        &self.compared
    }

    pub fn listings(&self) -> &[RunListing] {
        &self.listings
    }

    /// Does `write` in a `Task` (after the writes asked for before it); the table is read again
    /// afterwards. `config` is the workspace's worldbench.toml.
    pub fn apply(&mut self, write: RunsWrite, config: PathBuf, ctx: Option<egui::Context>) {
        self.pending.push((write, config));
        self.start_next(ctx);
    }

    fn start_next(&mut self, ctx: Option<egui::Context>) {
        if self.writing.is_some() || self.pending.is_empty() {
            return;
        }
        let (write, config) = self.pending.remove(0);
        self.writing = Some(Task::spawn("write-runs", ctx, move |_| write.run(&config)));
    }

    fn reload(&mut self, ws: &worldbench_storage::Workspace, ctx: &egui::Context) {
        let runs = ws.runs_dir();
        let config = ws.config_path();
        self.loading = Some(Task::spawn("all-runs", Some(ctx.clone()), move |_| {
            let roots = list_roots(&runs, &config)?;
            let listings = their_runs::list_runs(&roots);
            let statuses = listings
                .iter()
                .map(|l| (l.dir.clone(), listed_status(l)))
                .collect();
            Ok((roots, listings, statuses))
        }));
    }

    fn poll(&mut self, ctx: &egui::Context) {
        if let Some(r) = self.loading.as_mut().and_then(Task::poll) {
            self.loading = None;
            self.loaded_once = true;
            match r {
                Ok((roots, l, statuses)) => {
                    self.roots = roots;
                    self.listings = l;
                    self.statuses = statuses;
                    self.error = None;
                }
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(r) = self.writing.as_mut().and_then(Task::poll) {
            self.writing = None;
            self.write_error = r.err();
            self.loaded_once = false;
            if let Some(v) = self.view.as_mut() {
                v.reload = true;
            }
            self.start_next(Some(ctx.clone()));
        }
        if let Some(r) = self.compare.as_mut().and_then(Task::poll) {
            self.compare = None;
            match r {
                Ok(d) => {
                    self.compared = d;
                    self.cross.runs_changed();
                }
                Err(e) => self.error = Some(e),
            }
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ws: &worldbench_storage::Workspace,
        commands: &mut Vec<AppCommand>,
    ) {
        self.poll(ui.ctx());
        if !self.loaded_once && self.loading.is_none() && self.writing.is_none() {
            self.reload(ws, ui.ctx());
        }
        self.roots_ui(ui, ws, commands);
        self.filters_ui(ui, commands);
        if let Some(e) = self.write_error.as_ref().or(self.error.as_ref()) {
            ui.colored_label(crate::gui::criteria::FAIL, e);
        }
        ui.separator();
        let rows: Vec<RunListing> = self
            .listings
            .iter()
            .filter(|l| self.filters.admits(l))
            .cloned()
            .collect();
        let height = if self.view.is_some() || self.selected.len() >= 2 {
            ui.available_height() * 0.35
        } else {
            ui.available_height()
        };
        egui::ScrollArea::both()
            .id_salt("all_runs_table")
            .max_height(height)
            .show(ui, |ui| self.table_ui(ui, &rows, commands));
        if self.selected.len() >= 2 {
            let wanted: Vec<&PathBuf> = self.selected.iter().collect();
            let have: Vec<&PathBuf> = self.compared.iter().map(|d| &d.listing.dir).collect();
            if wanted != have && self.compare.is_none() {
                let dirs = self.selected.clone();
                self.compare = Some(Task::spawn(
                    "compare-runs",
                    Some(ui.ctx().clone()),
                    move |_| {
                        dirs.iter()
                            .map(|d| crate::run_detail::read_detail(d).map_err(|e| e.to_string()))
                            .collect()
                    },
                ));
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("all_runs_compare")
                .show(ui, |ui| {
                    if self.compare.is_some() {
                        ui.spinner();
                    }
                    self.cross.ui(ui, &self.compared);
                });
        } else if let Some(view) = self.view.as_mut() {
            ui.separator();
            let mut edit = None;
            egui::ScrollArea::vertical()
                .id_salt("all_runs_view")
                .show(ui, |ui| {
                    edit = annotations_ui(
                        ui,
                        view.dir(),
                        &mut self.title_edit,
                        &mut self.notes_edit,
                        &mut self.tag_edit,
                        self.listings.iter().find(|l| l.dir == *view.dir()),
                    );
                    view.ui(ui);
                });
            if let Some(edit) = edit {
                let dirs = vec![view.dir().clone()];
                commands.push(AppCommand::WriteRuns(RunsWrite::Annotate { dirs, edit }));
            }
        }
    }

    fn roots_ui(
        &mut self,
        ui: &mut egui::Ui,
        ws: &worldbench_storage::Workspace,
        commands: &mut Vec<AppCommand>,
    ) {
        ui.horizontal(|ui| {
            let add = ui
                .add_enabled(self.dialog.is_none(), egui::Button::new("Add runs folder…"))
                .on_hover_text(
                    "A folder of runs (their trainer's output_dir, another workspace's runs/), kept in worldbench.toml [runs] roots",
                );
            if add.clicked() {
                self.dialog = Some(PickDialog::folder(
                    "Add a folder of runs",
                    ws.root().to_path_buf(),
                    ui.ctx().clone(),
                ));
            }
            let label = ui.label("or type a folder");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.typed_root)
                        .hint_text("folder of runs")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let add_typed = ui
                .add_enabled(!self.typed_root.trim().is_empty(), egui::Button::new("Add folder"))
                .clicked();
            if (enter || add_typed) && !self.typed_root.trim().is_empty() {
                let root = PathBuf::from(self.typed_root.trim());
                self.typed_root.clear();
                commands.push(AppCommand::WriteRuns(RunsWrite::AddRoot(root)));
            }
            if ui.button("Reload").on_hover_text("Read every run folder again").clicked() {
                self.loaded_once = false;
            }
            if self.loading.is_some() || self.writing.is_some() {
                ui.spinner();
            }
        });
        if let Some(d) = self.dialog.as_mut() {
            match d.poll() {
                DialogPoll::Open => {}
                DialogPoll::Closed(picked) => {
                    self.dialog = None;
                    if let Some(root) = picked {
                        commands.push(AppCommand::WriteRuns(RunsWrite::AddRoot(root)));
                    }
                }
                DialogPoll::Failed(why) => {
                    self.dialog = None;
                    self.error = Some(why);
                }
            }
        }
        if self.roots.len() > 1 {
            let names: Vec<String> = self
                .roots
                .iter()
                .map(|r| short(&r.to_string_lossy()))
                .collect();
            let full: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
            ui.weak(format!("Folders: {}", names.join(", ")))
                .on_hover_text(full.join("\n"));
        }
    }

    fn filters_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<AppCommand>) {
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Source")
                .selected_text(self.filters.source.label())
                .show_ui(ui, |ui| {
                    for s in [
                        SourceFilter::Both,
                        SourceFilter::Worldbench,
                        SourceFilter::NesAi,
                    ] {
                        ui.selectable_value(&mut self.filters.source, s, s.label());
                    }
                });
            let label = ui.label("Tag");
            ui.add(egui::TextEdit::singleline(&mut self.filters.tag).desired_width(90.0))
                .labelled_by(label.id);
            ui.checkbox(&mut self.filters.starred_only, "Starred only");
            ui.checkbox(&mut self.filters.show_archived, "Show archived");
            let n = self.selected.len();
            if n > 0 {
                ui.label(format!("{n} selected"));
                if ui.button("Archive selected").clicked() {
                    let edit = AnnotationEdit {
                        archived: Some(true),
                        ..AnnotationEdit::default()
                    };
                    let dirs = self.selected.clone();
                    commands.push(AppCommand::WriteRuns(RunsWrite::Annotate { dirs, edit }));
                }
                if ui.button("Clear selection").clicked() {
                    self.selected.clear();
                }
            }
        });
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, rows: &[RunListing], commands: &mut Vec<AppCommand>) {
        egui::Grid::new("all_runs_grid")
            .striped(true)
            .spacing([14.0, 6.0])
            .show(ui, |ui| {
                for h in [
                    "",
                    "Title",
                    "Source",
                    "Status",
                    "Dataset",
                    "Steps",
                    "Last loss",
                    "Test1",
                    "Started",
                    "Tags",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for l in rows {
                    self.row_ui(ui, l, commands);
                }
            });
        if rows.is_empty() && self.loading.is_none() {
            ui.weak("No runs match: add a runs folder, or change the filters.");
        }
    }

    fn row_ui(&mut self, ui: &mut egui::Ui, l: &RunListing, commands: &mut Vec<AppCommand>) {
        let star = if l.starred { "★" } else { "☆" };
        if ui
            .button(star)
            .on_hover_text(if l.starred { "Unstar" } else { "Star" })
            .clicked()
        {
            let edit = AnnotationEdit {
                starred: Some(!l.starred),
                ..AnnotationEdit::default()
            };
            let dirs = vec![l.dir.clone()];
            commands.push(AppCommand::WriteRuns(RunsWrite::Annotate { dirs, edit }));
        }
        let selected = self.selected.contains(&l.dir);
        let title = if l.archived {
            format!("{} (archived)", l.title)
        } else {
            l.title.clone()
        };
        let resp = ui.selectable_label(selected, title).on_hover_text(
            l.error
                .clone()
                .unwrap_or_else(|| l.dir.display().to_string()),
        );
        if resp.clicked() {
            let multi = ui.input(|i| i.modifiers.command || i.modifiers.shift);
            if multi {
                if selected {
                    self.selected.retain(|d| d != &l.dir);
                } else {
                    self.selected.push(l.dir.clone());
                }
            } else {
                self.selected = vec![l.dir.clone()];
                self.open(l);
            }
        }
        ui.label(l.source.as_str());
        ui.label(self.statuses.get(&l.dir).copied().unwrap_or("–"));
        ui.label(short(&l.dataset));
        ui.label(l.steps.map_or("–".into(), |s| s.to_string()));
        ui.label(
            l.last_loss
                .filter(|v| v.is_finite())
                .map_or("–".into(), format_value),
        );
        ui.label(
            l.planning("test1_success")
                .filter(|v| v.is_finite())
                .map_or("–", |v| if v >= 1.0 { "pass" } else { "fail" }),
        );
        ui.label(super::run_view::started_text(&l.started));
        ui.label(l.tags.join(", "));
        ui.end_row();
    }

    fn open(&mut self, l: &RunListing) {
        self.title_edit.clone_from(&l.title);
        self.notes_edit.clone_from(&l.notes);
        self.tag_edit.clear();
        self.view = Some(RunView::new(l.dir.clone()));
    }
}

fn short(s: &str) -> String {
    Path::new(s)
        .file_name()
        .map_or_else(|| s.to_string(), |n| n.to_string_lossy().into_owned())
}
