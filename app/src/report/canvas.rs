//! A small RGB canvas for plots: lines (plain, or anti-aliased and dashed), markers, text in egui's
//! font (`text.rs`), PNG output (atomic).

use std::path::Path;

use anyhow::{Context, Result};
use image::{ImageEncoder, Rgb, RgbImage};

use super::text::TextRaster;

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
    text: TextRaster,
}

/// A point marker's shape (series are told apart by shape as well as colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Diamond,
    TriangleUp,
    TriangleDown,
    Cross,
}

/// Marker shapes, in series order.
pub const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Diamond,
    Marker::TriangleUp,
    Marker::TriangleDown,
    Marker::Cross,
];

/// Dash patterns (on, off pixels), in series order; `None` is solid.
pub const DASHES: [Option<[f64; 2]>; 6] = [
    None,
    Some([9.0, 5.0]),
    Some([3.0, 4.0]),
    Some([14.0, 4.0]),
    Some([6.0, 3.0]),
    Some([2.0, 6.0]),
];

impl Canvas {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            img: RgbImage::from_pixel(width, height, WHITE),
            text: TextRaster::new(),
        }
    }

    /// Blends `c` over the pixel at (x, y) with coverage `a` (0..=1).
    pub fn blend(&mut self, x: i64, y: i64, c: Rgb<u8>, a: f64) {
        if a <= 0.0
            || x < 0
            || y < 0
            || x >= i64::from(self.img.width())
            || y >= i64::from(self.img.height())
        {
            return;
        }
        let a = a.min(1.0);
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for k in 0..3 {
            let v = f64::from(p.0[k]) * (1.0 - a) + f64::from(c.0[k]) * a;
            p.0[k] = v.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// An anti-aliased segment `width` pixels wide (coverage by distance to the segment).
    pub fn aa_segment(&mut self, a: (f64, f64), b: (f64, f64), c: Rgb<u8>, width: f64) {
        if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
            return;
        }
        let r = width / 2.0;
        let (x0, x1) = (
            (a.0.min(b.0) - r - 1.0).floor(),
            (a.0.max(b.0) + r + 1.0).ceil(),
        );
        let (y0, y1) = (
            (a.1.min(b.1) - r - 1.0).floor(),
            (a.1.max(b.1) + r + 1.0).ceil(),
        );
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        for y in y0 as i64..=y1 as i64 {
            for x in x0 as i64..=x1 as i64 {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let t = if len2 > 0.0 {
                    (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (qx, qy) = (a.0 + t * dx - px, a.1 + t * dy - py);
                let d = (qx * qx + qy * qy).sqrt();
                self.blend(x, y, c, r + 0.5 - d);
            }
        }
    }

    /// An anti-aliased polyline, solid or dashed (`[on, off]` pixels, the pattern running on
    /// across vertices).
    pub fn polyline(&mut self, pts: &[(f64, f64)], c: Rgb<u8>, width: f64, dash: Option<[f64; 2]>) {
        let Some([on, off]) = dash else {
            for w in pts.windows(2) {
                self.aa_segment(w[0], w[1], c, width);
            }
            return;
        };
        let period = on + off;
        let mut phase = 0.0_f64;
        for w in pts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            if !len.is_finite() || len == 0.0 {
                continue;
            }
            let at = |t: f64| (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
            let mut t = 0.0;
            while t < len {
                let in_cycle = phase % period;
                let (drawing, left) = if in_cycle < on {
                    (true, on - in_cycle)
                } else {
                    (false, period - in_cycle)
                };
                let step = left.min(len - t);
                if drawing {
                    self.aa_segment(at(t), at(t + step), c, width);
                }
                t += step;
                phase += step;
            }
        }
    }

    /// A point marker of `shape`, `size` pixels across, centred on (x, y), with a white rim so
    /// overlapping markers stay apart.
    pub fn marker(&mut self, x: f64, y: f64, shape: Marker, size: f64, c: Rgb<u8>) {
        let r = size / 2.0;
        let inside = |dx: f64, dy: f64, r: f64| match shape {
            Marker::Circle => dx * dx + dy * dy <= r * r,
            Marker::Square => dx.abs() <= r * 0.85 && dy.abs() <= r * 0.85,
            Marker::Diamond => dx.abs() + dy.abs() <= r * 1.1,
            Marker::TriangleUp => dy <= r * 0.8 && dy >= -r && dx.abs() <= (dy + r) * 0.62,
            Marker::TriangleDown => dy >= -r * 0.8 && dy <= r && dx.abs() <= (r - dy) * 0.62,
            Marker::Cross => {
                dx.abs() + dy.abs() <= r * 1.3
                    && ((dx - dy).abs() <= r * 0.45 || (dx + dy).abs() <= r * 0.45)
            }
        };
        let n = (r + 2.0).ceil() as i64;
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for dy in -n..=n {
            for dx in -n..=n {
                let (fx, fy) = (dx as f64, dy as f64);
                if inside(fx, fy, r) {
                    self.put(cx + dx, cy + dy, c);
                } else if inside(fx, fy, r + 1.5) {
                    self.put(cx + dx, cy + dy, WHITE);
                }
            }
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

    /// The width and height of `text` at `size` pixels.
    pub fn measure(&mut self, text: &str, size: f32) -> (f64, f64) {
        self.text.measure(text, size)
    }

    /// Text with its top-left corner at (x, y), `size` pixels high (egui's font).
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f32, c: Rgb<u8>) {
        for g in self.text.glyphs(x, y, text, size) {
            for row in 0..g.h {
                for col in 0..g.w {
                    let a = f64::from(g.alpha[row * g.w + col]) / 255.0;
                    self.blend(g.x + col as i64, g.y + row as i64, c, a);
                }
            }
        }
    }

    /// Text whose right edge is at `right`, centred vertically on `y`.
    pub fn text_right(&mut self, right: f64, y: f64, text: &str, size: f32, c: Rgb<u8>) {
        let (w, h) = self.measure(text, size);
        self.text(right - w, y - h / 2.0, text, size, c);
    }

    /// Text centred horizontally on `x`, its top at `y`.
    pub fn text_centered(&mut self, x: f64, y: f64, text: &str, size: f32, c: Rgb<u8>) {
        let (w, _) = self.measure(text, size);
        self.text(x - w / 2.0, y, text, size, c);
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
