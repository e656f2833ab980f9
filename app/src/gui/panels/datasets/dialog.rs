//! The "Open folder…" dialog: rfd's async dialog driven on its own thread, the result polled.

use std::future::Future;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A folder dialog that is open.
pub struct FolderDialog {
    rx: Receiver<Option<PathBuf>>,
}

/// What polling the dialog gave.
pub enum DialogPoll {
    Open,
    /// Closed; the chosen folder, or `None` when cancelled (or the dialog failed).
    Closed(Option<PathBuf>),
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion on this thread.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

impl FolderDialog {
    /// Opens the system's folder picker starting in `start_dir`; `ctx` repaints when it closes.
    pub fn open(start_dir: PathBuf, ctx: egui::Context) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("folder-dialog".into())
            .spawn(move || {
                let picked = block_on(
                    rfd::AsyncFileDialog::new()
                        .set_title("Open a dataset folder")
                        .set_directory(start_dir)
                        .pick_folder(),
                );
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
