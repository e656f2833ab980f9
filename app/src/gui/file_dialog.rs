//! System file and folder pickers that never block the UI: rfd's async dialog driven on its own
//! thread (with `pollster`), the result polled each frame.

use std::path::PathBuf;

use super::task::Task;

/// A picker that is open.
pub struct PickDialog {
    task: Task<Option<PathBuf>>,
}

/// What polling the picker gave.
pub enum DialogPoll {
    Open,
    /// Closed; the chosen path, or `None` when cancelled (or the dialog failed).
    Closed(Option<PathBuf>),
}

impl PickDialog {
    /// Opens the system's folder picker starting in `start_dir`; `ctx` repaints when it closes.
    pub fn folder(title: &str, start_dir: PathBuf, ctx: egui::Context) -> Self {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .set_directory(start_dir);
        Self::spawn(ctx, async move { dialog.pick_folder().await })
    }

    /// Opens the system's file picker for files ending in one of `extensions`, starting in `start_dir`.
    pub fn file(
        title: &str,
        start_dir: PathBuf,
        filter: (&str, &[&str]),
        ctx: egui::Context,
    ) -> Self {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter(filter.0, filter.1)
            .set_directory(start_dir);
        Self::spawn(ctx, async move { dialog.pick_file().await })
    }

    fn spawn(
        ctx: egui::Context,
        pick: impl std::future::Future<Output = Option<rfd::FileHandle>> + Send + 'static,
    ) -> Self {
        let task = Task::spawn("file-dialog", Some(ctx), move |_| {
            let picked = pollster::block_on(pick);
            Ok(picked.map(|h| h.path().to_path_buf()))
        });
        Self { task }
    }

    pub fn poll(&mut self) -> DialogPoll {
        match self.task.poll() {
            None => DialogPoll::Open,
            Some(picked) => DialogPoll::Closed(picked.ok().flatten()),
        }
    }
}
