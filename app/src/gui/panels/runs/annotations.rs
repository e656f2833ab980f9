//! The All runs view's writes: a run's annotations (title, notes, tags, star, archive; bulk
//! archive) and "Add runs folder…". The view pushes them as [`AppCommand::WriteRuns`];
//! `command_handling.rs` hands each to [`super::all_runs::AllRuns::apply`], which does it in a
//! `Task` (one at a time, in order) and reads the table again when it is done.
//!
//! [`AppCommand::WriteRuns`]: crate::gui::command::AppCommand::WriteRuns

use std::path::{Path, PathBuf};

use worldbench_storage::their_runs::{self, annotate, AnnotationEdit, RunListing};

/// A write the All runs view asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunsWrite {
    /// Apply this edit to each of these run folders (their files for theirs, ours for ours).
    Annotate {
        dirs: Vec<PathBuf>,
        edit: AnnotationEdit,
    },
    /// Add this folder to worldbench.toml `[runs] roots`.
    AddRoot(PathBuf),
}

impl RunsWrite {
    /// Does the write (off the UI thread); `config` is the workspace's worldbench.toml.
    pub fn run(&self, config: &Path) -> Result<(), String> {
        match self {
            Self::Annotate { dirs, edit } => {
                for d in dirs {
                    annotate(d, edit).map_err(|e| e.to_string())?;
                }
                Ok(())
            }
            Self::AddRoot(root) => {
                if !root.is_dir() {
                    return Err(format!("{}: not a folder", root.display()));
                }
                their_runs::add_root(config, root)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// Title, notes and tags of the opened run; the edit to write when one is asked for.
pub fn annotations_ui(
    ui: &mut egui::Ui,
    dir: &Path,
    title: &mut String,
    notes: &mut String,
    tag: &mut String,
    listing: Option<&RunListing>,
) -> Option<AnnotationEdit> {
    let mut edit = None;
    ui.horizontal(|ui| {
        let label = ui.label("Title");
        ui.add(egui::TextEdit::singleline(title).desired_width(260.0))
            .labelled_by(label.id);
        if ui.button("Save title").clicked() {
            edit = Some(AnnotationEdit {
                title: Some(title.clone()),
                ..AnnotationEdit::default()
            });
        }
        let label = ui.label("New tag");
        ui.add(egui::TextEdit::singleline(tag).desired_width(100.0))
            .labelled_by(label.id);
        if ui
            .add_enabled(!tag.trim().is_empty(), egui::Button::new("Add tag"))
            .clicked()
        {
            edit = Some(AnnotationEdit {
                add_tags: vec![std::mem::take(tag)],
                ..AnnotationEdit::default()
            });
        }
        if let Some(l) = listing {
            for t in &l.tags {
                if ui
                    .small_button(format!("{t} ×"))
                    .on_hover_text("Remove this tag")
                    .clicked()
                {
                    edit = Some(AnnotationEdit {
                        remove_tags: vec![t.clone()],
                        ..AnnotationEdit::default()
                    });
                }
            }
            let archive = if l.archived { "Unarchive" } else { "Archive" };
            if ui.button(archive).clicked() {
                edit = Some(AnnotationEdit {
                    archived: Some(!l.archived),
                    ..AnnotationEdit::default()
                });
            }
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Notes");
        ui.add(
            egui::TextEdit::multiline(notes)
                .desired_rows(2)
                .desired_width(420.0),
        )
        .labelled_by(label.id);
        if ui.button("Save notes").clicked() {
            edit = Some(AnnotationEdit {
                notes: Some(notes.clone()),
                ..AnnotationEdit::default()
            });
        }
    });
    ui.weak(format!(
        "Kept in {}",
        their_runs::annotations::annotation_files(dir)
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" and ")
    ));
    edit
}
