//! The view transform between world (projected) coordinates and screen points: pan, zoom anchored
//! at the cursor, fit to view. World y points up, screen y down.

use egui::{pos2, vec2, Pos2, Rect, Vec2};

use super::projection::Projection;

/// Smallest and largest zoom, in screen points per world unit.
const MIN_SCALE: f32 = 1e-6;
const MAX_SCALE: f32 = 1e9;

/// Which world point sits at the centre of the view, and how many screen points a world unit spans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewTransform {
    pub center: [f32; 2],
    /// Screen points per world unit.
    pub scale: f32,
}

impl Default for ViewTransform {
    fn default() -> Self {
        Self {
            center: [0.0, 0.0],
            scale: 1.0,
        }
    }
}

impl ViewTransform {
    /// The transform that shows `bounds` (world) in `rect` (screen) with a 5% margin.
    pub fn fit(bounds: Rect, rect: Rect) -> Self {
        let sx = rect.width() / bounds.width().max(1e-12);
        let sy = rect.height() / bounds.height().max(1e-12);
        Self {
            center: [bounds.center().x, bounds.center().y],
            scale: (sx.min(sy) * 0.9).clamp(MIN_SCALE, MAX_SCALE),
        }
    }

    /// Screen position of world point `w` in a view drawn in `rect`.
    pub fn to_screen(&self, rect: Rect, w: [f32; 2]) -> Pos2 {
        let c = rect.center();
        pos2(
            c.x + (w[0] - self.center[0]) * self.scale,
            c.y - (w[1] - self.center[1]) * self.scale,
        )
    }

    /// World point under screen position `p`.
    pub fn to_world(&self, rect: Rect, p: Pos2) -> [f32; 2] {
        let c = rect.center();
        [
            self.center[0] + (p.x - c.x) / self.scale,
            self.center[1] - (p.y - c.y) / self.scale,
        ]
    }

    /// Moves the view by `delta` screen points (content follows the pointer).
    pub fn pan(&mut self, delta: Vec2) {
        self.center[0] -= delta.x / self.scale;
        self.center[1] += delta.y / self.scale;
    }

    /// Zooms by `factor` keeping the world point under `anchor` fixed on screen.
    pub fn zoom_at(&mut self, rect: Rect, anchor: Pos2, factor: f32) {
        let before = self.to_world(rect, anchor);
        self.scale = (self.scale * factor).clamp(MIN_SCALE, MAX_SCALE);
        let after = self.to_world(rect, anchor);
        self.center[0] += before[0] - after[0];
        self.center[1] += before[1] - after[1];
    }

    /// The world rectangle visible in `rect`.
    pub fn visible_world(&self, rect: Rect) -> Rect {
        let a = self.to_world(rect, rect.left_top());
        let b = self.to_world(rect, rect.right_bottom());
        Rect::from_two_pos(pos2(a[0], a[1]), pos2(b[0], b[1]))
    }

    /// Multipliers from world offsets (relative to `center`) to normalised device coordinates of a
    /// viewport of `size` points.
    pub fn ndc_scale(&self, size: Vec2) -> Vec2 {
        vec2(
            2.0 * self.scale / size.x.max(1.0),
            2.0 * self.scale / size.y.max(1.0),
        )
    }

    /// The same transform as a [`Projection`] of 3D points that ignores z (for a view drawn in
    /// `rect`): `to_screen` of `[x, y, z]` equals [`Self::to_screen`] of `[x, y]`.
    pub fn projection(&self, rect: Rect) -> Projection {
        let s = self.ndc_scale(rect.size());
        Projection {
            origin: [self.center[0], self.center[1], 0.0],
            matrix: [
                [s.x, 0.0, 0.0, 0.0],
                [0.0, s.y, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ],
            rect,
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn close(a: Pos2, b: Pos2) -> bool {
        (a - b).length() < 1e-3
    }

    #[test]
    fn zoom_keeps_the_anchor_and_pan_follows_the_pointer() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(200.0, 100.0));
        let mut t = ViewTransform {
            center: [1.0, 1.0],
            scale: 10.0,
        };
        assert_eq!(t.to_screen(rect, [1.0, 1.0]), pos2(100.0, 50.0));
        assert_eq!(t.to_screen(rect, [2.0, 2.0]), pos2(110.0, 40.0));
        let anchor = pos2(150.0, 20.0);
        let w = t.to_world(rect, anchor);
        t.zoom_at(rect, anchor, 3.0);
        assert!((t.scale - 30.0).abs() < 1e-4);
        assert!(close(t.to_screen(rect, w), anchor));
        let p = t.to_screen(rect, [0.0, 0.0]);
        t.pan(vec2(5.0, -7.0));
        assert!(close(t.to_screen(rect, [0.0, 0.0]), p + vec2(5.0, -7.0)));
    }

    #[test]
    fn fit_shows_the_bounds() {
        let rect = Rect::from_min_size(pos2(10.0, 10.0), vec2(200.0, 100.0));
        let bounds = Rect::from_min_max(pos2(-1.0, 0.0), pos2(3.0, 1.0));
        let t = ViewTransform::fit(bounds, rect);
        assert_eq!(t.center, [1.0, 0.5]);
        // Width 4 in 200 points → 50/unit; height 1 in 100 → 100/unit; the smaller, with margin.
        assert!((t.scale - 45.0).abs() < 1e-4);
        assert!(rect.contains(t.to_screen(rect, [-1.0, 0.0])));
        assert!(rect.contains(t.to_screen(rect, [3.0, 1.0])));
    }

    #[test]
    fn projection_matches_to_screen() {
        let rect = Rect::from_min_size(pos2(10.0, 30.0), vec2(200.0, 100.0));
        let t = ViewTransform {
            center: [1.0, -2.0],
            scale: 7.5,
        };
        let p = t.projection(rect);
        for w in [[1.0, -2.0], [3.0, 4.0], [-5.5, 0.25]] {
            let s = p.to_screen([w[0], w[1], 123.0]).expect("2D never clips");
            assert!(close(s, t.to_screen(rect, w)), "{w:?}");
        }
    }
}
