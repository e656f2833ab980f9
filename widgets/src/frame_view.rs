//! An RGB frame shown enlarged with nearest-neighbour filtering; uploaded textures are cached.

use egui::{Color32, ColorImage, Rect, Response, Sense, TextureHandle, TextureOptions, Ui, Vec2};

use crate::lru::Lru;

/// Identifies one frame of one dataset, so a cached texture is reused when scrubbing back to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FrameKey {
    /// Any string unique to the dataset (e.g. its folder).
    pub dataset: String,
    /// Frame index in the dataset.
    pub index: usize,
}

/// Draws frames as textures; keeps the last `capacity` uploaded textures (dropping a handle frees it).
pub struct FrameView {
    cache: Lru<FrameKey, TextureHandle>,
    /// Number of uploads so far (a cache miss uploads once).
    uploads: usize,
}

impl Default for FrameView {
    fn default() -> Self {
        Self::new(64)
    }
}

impl FrameView {
    /// A view caching up to `capacity` frame textures.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: Lru::new(capacity),
            uploads: 0,
        }
    }

    /// How many textures were uploaded so far.
    pub fn uploads(&self) -> usize {
        self.uploads
    }

    /// Drops every cached texture (e.g. when a dataset is closed).
    pub fn clear(&mut self) {
        self.cache.clear();
    }

    /// Whether the texture of `key` is cached (then [`Self::show_cached`] draws it without bytes).
    pub fn contains(&self, key: &FrameKey) -> bool {
        self.cache.contains(key)
    }

    /// Shows the cached texture of `key` like [`Self::ui`] does, without needing its bytes; `None`
    /// (and nothing drawn) when it is not cached.
    pub fn show_cached(
        &mut self,
        ui: &mut Ui,
        key: &FrameKey,
        width: usize,
        height: usize,
        zoom: f32,
    ) -> Option<Response> {
        let id = self.cache.get(key)?.id();
        let size = Vec2::new(width as f32, height as f32) * zoom.max(0.1);
        let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
        let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        ui.painter().image(id, rect, uv, Color32::WHITE);
        Some(response)
    }

    /// Shows `rgb` (`height × width × 3` bytes, row-major) scaled by `zoom` (screen points per pixel).
    /// The texture is uploaded only if `key` is not cached. A buffer of the wrong length draws a
    /// message instead of the frame.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        key: &FrameKey,
        width: usize,
        height: usize,
        rgb: &[u8],
        zoom: f32,
    ) -> Response {
        let size = Vec2::new(width as f32, height as f32) * zoom.max(0.1);
        let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
        if width == 0 || height == 0 || rgb.len() != width * height * 3 {
            ui.painter().rect_filled(rect, 0.0, Color32::DARK_RED);
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                format!(
                    "frame {} has {} bytes, expected {}",
                    key.index,
                    rgb.len(),
                    width * height * 3
                ),
                egui::FontId::proportional(12.0),
                Color32::WHITE,
            );
            return response;
        }
        if !self.cache.contains(key) {
            let image = ColorImage::from_rgb([width, height], rgb);
            let name = format!("frame {}#{}", key.dataset, key.index);
            let handle = ui.ctx().load_texture(name, image, TextureOptions::NEAREST);
            self.uploads += 1;
            self.cache.insert(key.clone(), handle);
        }
        if let Some(tex) = self.cache.get(key) {
            let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            ui.painter().image(tex.id(), rect, uv, Color32::WHITE);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_back_reuses_cached_texture() {
        let ctx = egui::Context::default();
        let mut view = FrameView::new(2);
        let rgb = vec![7u8; 2 * 3 * 3];
        let key = |i| FrameKey {
            dataset: "d".into(),
            index: i,
        };
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            view.ui(ui, &key(0), 3, 2, &rgb, 4.0);
            view.ui(ui, &key(1), 3, 2, &rgb, 4.0);
            view.ui(ui, &key(0), 3, 2, &rgb, 4.0);
            assert_eq!(view.uploads(), 2);
            view.ui(ui, &key(2), 3, 2, &rgb, 4.0); // evicts 1
            view.ui(ui, &key(1), 3, 2, &rgb, 4.0);
            assert_eq!(view.uploads(), 4);
            // Drawn from the cache without bytes; nothing drawn when not cached.
            assert!(view.contains(&key(1)) && !view.contains(&key(0)));
            assert!(view.show_cached(ui, &key(1), 3, 2, 4.0).is_some());
            assert!(view.show_cached(ui, &key(0), 3, 2, 4.0).is_none());
            assert_eq!(view.uploads(), 4);
            // Wrong length: no upload, no panic.
            view.ui(ui, &key(9), 3, 2, &rgb[..5], 4.0);
            assert_eq!(view.uploads(), 4);
        });
        output.textures_delta.clear();
    }
}
