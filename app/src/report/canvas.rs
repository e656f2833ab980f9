//! A small RGB canvas for plots: lines, boxes, text, PNG output (atomic).

use std::path::Path;

use anyhow::{Context, Result};
use image::{ImageEncoder, Rgb, RgbImage};

use super::font::{glyph, text_width};

pub const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
pub const BLACK: Rgb<u8> = Rgb([20, 20, 20]);
pub const GRID: Rgb<u8> = Rgb([225, 225, 225]);
/// Series colours, in order.
pub const PALETTE: [Rgb<u8>; 6] = [
    Rgb([31, 119, 180]),
    Rgb([255, 127, 14]),
    Rgb([44, 160, 44]),
    Rgb([214, 39, 40]),
    Rgb([148, 103, 189]),
    Rgb([140, 86, 75]),
];

pub struct Canvas {
    pub img: RgbImage,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            img: RgbImage::from_pixel(width, height, WHITE),
        }
    }

    pub fn put(&mut self, x: i64, y: i64, c: Rgb<u8>) {
        if x >= 0 && y >= 0 && x < i64::from(self.img.width()) && y < i64::from(self.img.height()) {
            self.img.put_pixel(x as u32, y as u32, c);
        }
    }

    /// A filled box centred on (x, y), `size` pixels wide.
    pub fn dot(&mut self, x: f64, y: f64, size: i64, c: Rgb<u8>) {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for dy in -size / 2..=size / 2 {
            for dx in -size / 2..=size / 2 {
                self.put(cx + dx, cy + dy, c);
            }
        }
    }

    /// A line from (x0, y0) to (x1, y1) (Bresenham), `width` 1 or 2.
    pub fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb<u8>, width: i64) {
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
            return;
        }
        let (mut x, mut y) = (x0.round() as i64, y0.round() as i64);
        let (xe, ye) = (x1.round() as i64, y1.round() as i64);
        let dx = (xe - x).abs();
        let dy = -(ye - y).abs();
        let sx = if x < xe { 1 } else { -1 };
        let sy = if y < ye { 1 } else { -1 };
        let mut err = dx + dy;
        loop {
            self.put(x, y, c);
            if width > 1 {
                self.put(x + 1, y, c);
                self.put(x, y + 1, c);
            }
            if x == xe && y == ye {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text with its top-left corner at (x, y).
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: i64, c: Rgb<u8>) {
        for (i, ch) in text.chars().enumerate() {
            let rows = glyph(ch);
            let gx = x + i as i64 * 4 * scale;
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..3 {
                    if bits & (4 >> col) != 0 {
                        for sy in 0..scale {
                            for sx in 0..scale {
                                self.put(gx + col * scale + sx, y + r as i64 * scale + sy, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Text whose right edge is at `right`.
    pub fn text_right(&mut self, right: i64, y: i64, text: &str, scale: i64, c: Rgb<u8>) {
        let w = i64::from(text_width(text, scale as u32));
        self.text(right - w, y, text, scale, c);
    }

    /// Writes the canvas as PNG, atomically.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let mut bytes = Vec::new();
        image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(
                self.img.as_raw(),
                self.img.width(),
                self.img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .with_context(|| format!("{}: cannot encode PNG", path.display()))?;
        worldbench_storage::atomic::write_atomic(path, &bytes)?;
        Ok(())
    }
}
