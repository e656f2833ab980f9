//! Text on the report canvas in the app's own font: egui's default proportional font (Ubuntu-Light
//! with its fallbacks), laid out and rasterized by epaint into its glyph atlas, whose coverage is
//! blended onto the canvas. Mixed case, digits, signs and arrows all come out as in the app.

use egui::epaint::text::{FontDefinitions, Fonts, LayoutJob, TextOptions};
use egui::{Color32, FontId};

/// A text shaper and rasterizer over egui's default fonts.
pub struct TextRaster {
    fonts: Fonts,
}

/// One glyph's coverage: `alpha[y * w + x]` in 0..=255, its top-left corner at (x, y) pixels.
pub struct GlyphCoverage {
    pub x: i64,
    pub y: i64,
    pub w: usize,
    pub h: usize,
    pub alpha: Vec<u8>,
}

impl Default for TextRaster {
    fn default() -> Self {
        Self::new()
    }
}

impl TextRaster {
    /// Loads egui's default fonts (built into the binary).
    pub fn new() -> Self {
        Self {
            fonts: Fonts::new(TextOptions::default(), FontDefinitions::default()),
        }
    }

    /// The width and height in pixels of `text` at `size` pixels.
    pub fn measure(&mut self, text: &str, size: f32) -> (f64, f64) {
        let galley = self.layout(text, size);
        (
            f64::from(galley.rect.width()),
            f64::from(galley.rect.height()),
        )
    }

    fn layout(&mut self, text: &str, size: f32) -> egui::Galley {
        let job = LayoutJob::simple_singleline(
            text.to_string(),
            FontId::proportional(size),
            Color32::WHITE,
        );
        self.fonts.layout_uncached(1.0, std::sync::Arc::new(job))
    }

    /// The glyphs of `text` at `size` pixels with the text's top-left corner at (x, y).
    pub fn glyphs(&mut self, x: f64, y: f64, text: &str, size: f32) -> Vec<GlyphCoverage> {
        let galley = self.layout(text, size);
        let atlas = self.fonts.texture_atlas().image();
        let [aw, _] = atlas.size;
        let mut out = Vec::new();
        for placed in &galley.rows {
            for g in &placed.row.glyphs {
                let uv = g.uv_rect;
                if uv.is_nothing() {
                    continue;
                }
                let left_top = placed.pos + g.pos.to_vec2() + uv.offset;
                let (u0, v0) = (usize::from(uv.min[0]), usize::from(uv.min[1]));
                let (w, h) = (
                    usize::from(uv.max[0] - uv.min[0]),
                    usize::from(uv.max[1] - uv.min[1]),
                );
                let mut alpha = Vec::with_capacity(w * h);
                for row in 0..h {
                    for col in 0..w {
                        let px = atlas.pixels.get((v0 + row) * aw + u0 + col);
                        alpha.push(px.map_or(0, Color32::a));
                    }
                }
                out.push(GlyphCoverage {
                    x: (x + f64::from(left_top.x)).round() as i64,
                    y: (y + f64::from(left_top.y)).round() as i64,
                    w,
                    h,
                    alpha,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_text_and_arrows_have_glyphs_of_their_own() {
        let mut t = TextRaster::new();
        let (w, h) = t.measure("loss", 14.0);
        assert!(w > 15.0 && w < 40.0, "{w}");
        assert!(h > 10.0 && h < 25.0, "{h}");
        // Lower and upper case differ (the old bitmap font drew both as capitals).
        let lower = t.glyphs(0.0, 0.0, "a", 14.0);
        let upper = t.glyphs(0.0, 0.0, "A", 14.0);
        assert_eq!((lower.len(), upper.len()), (1, 1));
        assert_ne!(lower[0].alpha, upper[0].alpha);
        // Every glyph has ink, including the arrow and the multiplication sign.
        for s in ["→", "×", "≈", "0.25"] {
            let glyphs = t.glyphs(0.0, 0.0, s, 14.0);
            assert!(!glyphs.is_empty(), "{s}");
            assert!(
                glyphs.iter().all(|g| g.alpha.iter().any(|&a| a > 128)),
                "{s}"
            );
        }
    }
}
