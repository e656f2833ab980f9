//! Tells egui that a frame is still being decoded, the way egui's own image loaders do: an image
//! loader that loads nothing and reports `has_pending` while the panel waits for its shown frame.
//! Test harnesses (egui_kittest) keep stepping until no image is pending, so a snapshot taken after
//! scrubbing shows the decoded frame.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use egui::load::{ImageLoadResult, ImageLoader, LoadError, SizeHint};

/// Makes each panel's loader id unique.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Whether a panel's shown frame is still being decoded; the panel owns the flag.
pub struct PendingFrameHook {
    id: String,
    pending: Weak<AtomicBool>,
}

/// Installs a hook reporting `pending` (while the flag lives) into `ctx`.
pub fn install(ctx: &egui::Context, pending: &Arc<AtomicBool>) {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    ctx.add_image_loader(Arc::new(PendingFrameHook {
        id: format!("worldbench::datasets::pending_frame#{n}"),
        pending: Arc::downgrade(pending),
    }));
}

impl ImageLoader for PendingFrameHook {
    fn id(&self) -> &str {
        &self.id
    }

    fn load(&self, _ctx: &egui::Context, _uri: &str, _size_hint: SizeHint) -> ImageLoadResult {
        Err(LoadError::NotSupported)
    }

    fn forget(&self, _uri: &str) {}

    fn forget_all(&self) {}

    fn byte_size(&self) -> usize {
        0
    }

    fn has_pending(&self) -> bool {
        self.pending
            .upgrade()
            .is_some_and(|p| p.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_flag_while_it_lives() {
        let ctx = egui::Context::default();
        let flag = Arc::new(AtomicBool::new(false));
        install(&ctx, &flag);
        assert!(!ctx.has_pending_images());
        flag.store(true, Ordering::Release);
        assert!(ctx.has_pending_images());
        drop(flag);
        assert!(!ctx.has_pending_images());
    }
}
