//! The Datasets panel's list: Open folder… (the system dialog), the typed-path fallback with why the
//! dialog did not open, Refresh, and the workspace's and opened datasets.

use std::path::PathBuf;

use egui::{Key, RichText, Ui};

use super::{entry, DatasetsPanel};
use crate::gui::criteria::FAIL;
use crate::gui::file_dialog::PickDialog;

impl DatasetsPanel {
    pub(super) fn list_ui(&mut self, ui: &mut Ui) {
        ui.heading("Datasets");
        ui.horizontal(|ui| {
            let open = ui
                .add_enabled(self.dialog.is_none(), egui::Button::new("Open folder…"))
                .on_hover_text(
                    "Open a dataset folder: worldbench format or traj_* trajectory folders",
                );
            if open.clicked() {
                let start = self.workspace_root.join("datasets");
                self.dialog = Some(PickDialog::folder(
                    "Open a dataset folder",
                    start,
                    ui.ctx().clone(),
                ));
            }
            if ui
                .button("Refresh")
                .on_hover_text("Rescan the workspace's datasets/ folder")
                .clicked()
            {
                self.refresh();
            }
        });
        self.path_field_ui(ui);
        ui.separator();
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .id_salt("datasets_list_scroll")
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.label(RichText::new("Workspace").strong());
                if self.workspace_entries.is_empty() {
                    ui.weak("No datasets in datasets/ yet.");
                }
                for e in &self.workspace_entries {
                    let selected = self.state.selected.as_ref() == Some(&e.path);
                    if ui
                        .selectable_label(selected, &e.name)
                        .on_hover_text(e.path.display().to_string())
                        .clicked()
                    {
                        clicked = Some(e.path.clone());
                    }
                }
                if !self.state.opened.is_empty() {
                    ui.add_space(8.0);
                    ui.label(RichText::new("Opened folders").strong());
                    for p in &self.state.opened {
                        let e = entry(p);
                        let selected = self.state.selected.as_ref() == Some(&e.path);
                        if ui
                            .selectable_label(selected, &e.name)
                            .on_hover_text(e.path.display().to_string())
                            .clicked()
                        {
                            clicked = Some(e.path);
                        }
                    }
                }
            });
        if let Some(p) = clicked {
            self.select(p);
        }
    }

    /// The fallback to the dialog: a folder path typed and opened (Enter or Open), and why the
    /// dialog did not open, when it did not.
    fn path_field_ui(&mut self, ui: &mut Ui) {
        if let Some(why) = &self.dialog_error {
            ui.add(egui::Label::new(RichText::new(why.as_str()).color(FAIL)).wrap());
        }
        let mut open = false;
        ui.horizontal(|ui| {
            let label = ui.label("Path");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.typed_path)
                        .hint_text("or type a folder path")
                        // Room for the Open button, and no more than the list is wide (a
                        // wider field would widen the resizable panel frame after frame).
                        .desired_width((ui.available_width() - 70.0).clamp(60.0, 200.0)),
                )
                .labelled_by(label.id);
            open |= edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            open |= ui
                .add_enabled(
                    !self.typed_path.trim().is_empty(),
                    egui::Button::new("Open"),
                )
                .clicked();
        });
        if open {
            let path = PathBuf::from(self.typed_path.trim());
            if path.is_dir() {
                self.dialog_error = None;
                self.typed_path.clear();
                self.open_folder(path);
            } else {
                self.dialog_error = Some(format!("{} is not a folder", path.display()));
            }
        }
    }
}
