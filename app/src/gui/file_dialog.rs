//! System file and folder pickers that never block the UI: rfd's async dialog driven on its own
//! thread (with `pollster`), the result polled each frame.
//!
//! rfd asks the desktop's file-chooser portal (xdg-desktop-portal over D-Bus) and falls back to
//! `zenity`; without either it logs an error and answers "cancelled". A picker that closes without a
//! path sooner than a person could cancel it is reported as [`DialogPoll::Failed`], with why.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::task::Task;

/// A picker that is open.
pub struct PickDialog {
    task: Task<Option<PathBuf>>,
    opened: Instant,
}

/// A picker that answers "cancelled" sooner than this did not open.
const TOO_QUICK: Duration = Duration::from_millis(400);

/// What polling the picker gave.
pub enum DialogPoll {
    Open,
    /// Closed; the chosen path, or `None` when cancelled.
    Closed(Option<PathBuf>),
    /// No dialog could be shown: why (type the path instead).
    Failed(String),
}

/// Whether a program is on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Why the system's file dialog did not open, from what this desktop lacks.
pub fn no_dialog_reason() -> String {
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || Path::new(&format!(
            "/run/user/{}/bus",
            super::desktop_env::current_uid()
        ))
        .exists();
    let portal = if bus {
        "the desktop's file-chooser portal (xdg-desktop-portal) did not answer"
    } else {
        "there is no D-Bus session, so no file-chooser portal (xdg-desktop-portal)"
    };
    let zenity = if on_path("zenity") {
        "and zenity failed"
    } else {
        "and zenity, the fallback, is not installed"
    };
    format!("No file dialog could be shown: {portal}, {zenity}. Type the path instead.")
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
        Self {
            task,
            opened: Instant::now(),
        }
    }

    pub fn poll(&mut self) -> DialogPoll {
        match self.task.poll() {
            None => DialogPoll::Open,
            Some(Ok(Some(path))) => DialogPoll::Closed(Some(path)),
            Some(Err(e)) => DialogPoll::Failed(format!("The file dialog failed: {e}")),
            Some(Ok(None)) if self.opened.elapsed() < TOO_QUICK => {
                DialogPoll::Failed(no_dialog_reason())
            }
            Some(Ok(None)) => DialogPoll::Closed(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialog_that_closes_at_once_without_a_path_is_reported_with_why() {
        let ctx = egui::Context::default();
        let mut quick = PickDialog::spawn(ctx, async { None });
        let polled = loop {
            match quick.poll() {
                DialogPoll::Open => std::thread::sleep(Duration::from_millis(5)),
                other => break other,
            }
        };
        match polled {
            DialogPoll::Failed(why) => assert!(
                why.starts_with("No file dialog could be shown")
                    && why.contains("xdg-desktop-portal")
                    && why.ends_with("Type the path instead."),
                "{why}"
            ),
            _ => panic!("a dialog that never opened must not read as cancelled"),
        }
    }
}
