//! The frame the Datasets panel shows: drawn from the texture cache, else from the decoder thread
//! once it has read it; while it is being read the previous frame (or a blank of the same size)
//! stays on screen and egui is told that an image is pending.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use egui::{Color32, Ui};
use worldbench_storage::dataset::LazyDataset;
use worldbench_widgets::{FrameKey, FrameView};

use super::decoder::{FrameDecoder, FrameState};
use super::pending_hook;

/// The shown frame's decoder, caches and pending flag.
pub struct ShownFrame {
    frame_view: FrameView,
    /// Reads the loaded dataset's frames off the UI thread.
    decoder: Option<FrameDecoder>,
    /// Whether the frame to show is still being read (reported to egui as a pending image).
    pending: Arc<AtomicBool>,
    /// Whether `pending`'s hook is installed in the context.
    hook_installed: bool,
    /// The frame drawn last.
    last_shown: Option<FrameKey>,
}

impl ShownFrame {
    /// Keeps up to `textures` frame textures.
    pub fn new(textures: usize) -> Self {
        Self {
            frame_view: FrameView::new(textures),
            decoder: None,
            pending: Arc::new(AtomicBool::new(false)),
            hook_installed: false,
            last_shown: None,
        }
    }

    /// Installs the pending-image hook into `ctx` (once).
    pub fn install_hook(&mut self, ctx: &egui::Context) {
        if !self.hook_installed {
            pending_hook::install(ctx, &self.pending);
            self.hook_installed = true;
        }
    }

    /// Forgets the dataset: stops its decoder, drops the caches.
    pub fn clear(&mut self) {
        self.decoder = None;
        self.last_shown = None;
        self.set_pending(false);
        self.frame_view.clear();
    }

    /// Starts reading the frames of `dataset`.
    pub fn start(&mut self, dataset: &Arc<LazyDataset>) {
        self.clear();
        self.decoder = Some(FrameDecoder::start(Arc::clone(dataset)));
    }

    pub fn set_pending(&self, pending: bool) {
        self.pending.store(pending, Ordering::Release);
    }

    /// The frame drawn last, unless the frame to show is still being read.
    pub fn shown_frame(&self) -> Option<usize> {
        if self.pending.load(Ordering::Acquire) {
            return None;
        }
        self.last_shown.as_ref().map(|k| k.index)
    }

    /// Whether the texture of `key` is cached.
    #[cfg(test)]
    pub fn has_texture(&self, key: &FrameKey) -> bool {
        self.frame_view.contains(key)
    }

    /// Draws frame `key` (`width × height` pixels) enlarged by `zoom`.
    pub fn ui(&mut self, ui: &mut Ui, key: &FrameKey, width: usize, height: usize, zoom: f32) {
        if self
            .frame_view
            .show_cached(ui, key, width, height, zoom)
            .is_some()
        {
            self.last_shown = Some(key.clone());
            return;
        }
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        let size = egui::vec2(width as f32, height as f32) * zoom.max(0.1);
        match decoder.get(key.index, ui.ctx()) {
            FrameState::Ready(rgb) => {
                self.frame_view.ui(ui, key, width, height, rgb, zoom);
                self.last_shown = Some(key.clone());
            }
            FrameState::Failed(msg) => {
                let msg = msg.to_string();
                let (rect, resp) = ui.allocate_exact_size(size, egui::Sense::hover());
                ui.painter().rect_filled(rect, 0.0, Color32::DARK_RED);
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    format!("frame {} unreadable", key.index),
                    egui::FontId::proportional(12.0),
                    Color32::WHITE,
                );
                resp.on_hover_text(msg);
                self.last_shown = None;
            }
            FrameState::Pending => {
                self.set_pending(true);
                let previous = self.last_shown.clone();
                let drawn = previous.is_some_and(|prev| {
                    self.frame_view
                        .show_cached(ui, &prev, width, height, zoom)
                        .is_some()
                });
                if !drawn {
                    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                    ui.painter().rect_filled(rect, 0.0, Color32::from_gray(24));
                }
            }
        }
    }
}
