//! System file and folder pickers that never block the UI: rfd's async dialog driven on its own
//! thread (with `pollster`), the result polled each frame.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// A picker that is open.
pub struct PickDialog {
    rx: Receiver<Option<PathBuf>>,
}

/// What polling the picker gave.
pub enum DialogPoll {
    Open,
    /// Closed; the chosen path, or `None` when cancelled (or the dialog failed).
    Closed(Option<PathBuf>),
}

impl PickDialog {
    /// Opens the system's folder picker starting in `start_dir`; `ctx` repaints when it closes.
    pub fn folder(title: &str, start_dir: PathBuf, ctx: egui::Context) -> std::io::Result<Self> {
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
    ) -> std::io::Result<Self> {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter(filter.0, filter.1)
            .set_directory(start_dir);
        Self::spawn(ctx, async move { dialog.pick_file().await })
    }

    fn spawn(
        ctx: egui::Context,
        pick: impl std::future::Future<Output = Option<rfd::FileHandle>> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let picked = pollster::block_on(pick);
                let _ = tx.send(picked.map(|h| h.path().to_path_buf()));
                ctx.request_repaint();
            })?;
        Ok(Self { rx })
    }

    pub fn poll(&self) -> DialogPoll {
        match self.rx.try_recv() {
            Ok(p) => DialogPoll::Closed(p),
            Err(TryRecvError::Empty) => DialogPoll::Open,
            Err(TryRecvError::Disconnected) => DialogPoll::Closed(None),
        }
    }
}
