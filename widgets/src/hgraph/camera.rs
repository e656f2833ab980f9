//! The 3D view's orbit camera: it looks at a target point from `distance` world units away, turned
//! by yaw (about the world y axis) then pitch (about the camera's x axis), with a perspective
//! projection of fixed vertical field of view and no far plane. At yaw = pitch = 0 it looks down
//! the world −z axis: world x points right on screen, y up, z towards the viewer (the 2D view with
//! depth added).

use egui::{Rect, Vec2};

use super::projection::{mat_mul, Mat4, Projection};

/// Vertical field of view, radians (45°).
pub const FOV_Y: f32 = std::f32::consts::FRAC_PI_4;
/// Orbit speed: radians of yaw or pitch per screen point dragged (half a degree).
pub const ORBIT_RAD_PER_POINT: f32 = std::f32::consts::PI / 360.0;
/// Pitch stays within ± this (just short of straight down or up, so the view never flips).
pub const MAX_PITCH: f32 = 89.0 * std::f32::consts::PI / 180.0;
/// The near plane sits at this fraction of the camera's distance to its target.
pub const NEAR_FRACTION: f32 = 0.01;
/// Yaw and pitch of a fresh or reset view, radians (an oblique look so depth shows).
pub const DEFAULT_YAW: f32 = -0.5;
pub const DEFAULT_PITCH: f32 = 0.35;
const MIN_DISTANCE: f32 = 1e-6;
const MAX_DISTANCE: f32 = 1e12;

/// Where the 3D view's camera is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitCamera {
    /// The point orbited and zoomed towards (world units); it sits at the view's centre.
    pub target: [f32; 3],
    /// Radians about the world y axis (positive turns the front of the scene to the right).
    pub yaw: f32,
    /// Radians about the camera's x axis (positive tilts the front of the scene down).
    pub pitch: f32,
    /// World units from the camera to the target.
    pub distance: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            target: [0.0; 3],
            yaw: DEFAULT_YAW,
            pitch: DEFAULT_PITCH,
            distance: 1.0,
        }
    }
}

/// `1 / tan(FOV_Y / 2)`: NDC per unit of (view-space height / depth).
fn focal() -> f32 {
    1.0 / (FOV_Y * 0.5).tan()
}

impl OrbitCamera {
    /// The camera at `yaw`, `pitch` looking at the centre of `points`' bounding box from just far
    /// enough that every point lands inside the middle 90% of a view of width/height `aspect`
    /// (non-finite points are skipped; no points: the unit box around the origin).
    pub fn fit(points: &[[f32; 3]], aspect: f32, yaw: f32, pitch: f32) -> Self {
        let finite = || points.iter().filter(|p| p.iter().all(|v| v.is_finite()));
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for p in finite() {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        if lo[0] > hi[0] {
            (lo, hi) = ([-0.5; 3], [0.5; 3]);
        }
        let mut cam = Self {
            target: [
                0.5 * (lo[0] + hi[0]),
                0.5 * (lo[1] + hi[1]),
                0.5 * (lo[2] + hi[2]),
            ],
            yaw,
            pitch: pitch.clamp(-MAX_PITCH, MAX_PITCH),
            distance: 0.0,
        };
        let diagonal = (0..3)
            .map(|k| (hi[k] - lo[k]).powi(2))
            .sum::<f32>()
            .sqrt()
            .max(1e-6);
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        // Largest |x| / depth and |y| / depth on screen: 90% of the half-view.
        let ty = 0.9 * (FOV_Y * 0.5).tan();
        let tx = ty * aspect;
        // With the camera at the target (distance 0), a point at camera coordinates (x, y, z)
        // needs distance ≥ z + |x| / tx and ≥ z + |y| / ty; and every point stays well in front.
        let mut need = 0.0f32;
        for p in finite().chain(std::iter::once(&cam.target)) {
            let v = cam.view_point(*p);
            let near = v[2] + 0.05 * diagonal;
            need = need
                .max(v[2] + v[0].abs() / tx)
                .max(v[2] + v[1].abs() / ty)
                .max(near);
        }
        cam.distance = need.clamp(MIN_DISTANCE, MAX_DISTANCE);
        cam
    }

    /// The rotation from world to camera axes: pitch · yaw (row-major 3×3).
    pub fn rotation(&self) -> [[f32; 3]; 3] {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        // Rx(pitch) · Ry(yaw), Ry = [[c,0,s],[0,1,0],[−s,0,c]], Rx = [[1,0,0],[0,c,−s],[0,s,c]].
        [
            [cy, 0.0, sy],
            [sp * sy, cp, -sp * cy],
            [-cp * sy, sp, cp * cy],
        ]
    }

    /// World point `p` in camera coordinates: x right, y up, z towards the viewer, the camera at
    /// the origin (so the target is at `(0, 0, −distance)`).
    pub fn view_point(&self, p: [f32; 3]) -> [f32; 3] {
        let r = self.rotation();
        let v = [
            p[0] - self.target[0],
            p[1] - self.target[1],
            p[2] - self.target[2],
        ];
        let mut out = [0.0; 3];
        for (o, row) in out.iter_mut().zip(r) {
            *o = row[0] * v[0] + row[1] * v[1] + row[2] * v[2];
        }
        out[2] -= self.distance;
        out
    }

    /// Screen points per world unit at the target's depth in a view drawn in `rect`.
    pub fn points_per_unit(&self, rect: Rect) -> f32 {
        focal() * rect.height() * 0.5 / self.distance
    }

    /// World → screen for a view drawn in `rect` (perspective, near plane at
    /// [`NEAR_FRACTION`] of the distance, no far plane).
    pub fn projection(&self, rect: Rect) -> Projection {
        let r = self.rotation();
        let d = self.distance;
        let view: Mat4 = [
            [r[0][0], r[0][1], r[0][2], 0.0],
            [r[1][0], r[1][1], r[1][2], 0.0],
            [r[2][0], r[2][1], r[2][2], -d],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let f = focal();
        let aspect = rect.width().max(1.0) / rect.height().max(1.0);
        let near = d * NEAR_FRACTION;
        // clip = (f/aspect · x, f · y, depth − near, depth) with depth = −z (camera space).
        let persp: Mat4 = [
            [f / aspect, 0.0, 0.0, 0.0],
            [0.0, f, 0.0, 0.0],
            [0.0, 0.0, -1.0, -near],
            [0.0, 0.0, -1.0, 0.0],
        ];
        Projection {
            origin: self.target,
            matrix: mat_mul(&persp, &view),
            rect,
        }
    }

    /// Turns the camera by a drag of `delta` screen points (the scene follows the pointer).
    pub fn orbit(&mut self, delta: Vec2) {
        self.yaw = (self.yaw + delta.x * ORBIT_RAD_PER_POINT) % std::f32::consts::TAU;
        self.pitch = (self.pitch + delta.y * ORBIT_RAD_PER_POINT).clamp(-MAX_PITCH, MAX_PITCH);
    }

    /// Moves the target so that the scene at the target's depth follows a drag of `delta`
    /// screen points in a view drawn in `rect`.
    pub fn pan(&mut self, rect: Rect, delta: Vec2) {
        let ppu = self.points_per_unit(rect).max(1e-12);
        let r = self.rotation();
        let (dx, dy) = (delta.x / ppu, delta.y / ppu);
        // Camera right is row 0 of the rotation, camera up row 1.
        for ((t, right), up) in self.target.iter_mut().zip(r[0]).zip(r[1]) {
            *t += -dx * right + dy * up;
        }
    }

    /// Moves towards the target (`factor` > 1) or away from it.
    pub fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance / factor).clamp(MIN_DISTANCE, MAX_DISTANCE);
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use egui::{pos2, vec2, Pos2};
    use std::f32::consts::FRAC_PI_2;

    fn close3(a: [f32; 3], b: [f32; 3]) -> bool {
        (0..3).all(|k| (a[k] - b[k]).abs() < 1e-5)
    }

    fn close(a: Pos2, b: Pos2) -> bool {
        (a - b).length() < 1e-3
    }

    fn cam(yaw: f32, pitch: f32) -> OrbitCamera {
        OrbitCamera {
            target: [0.0; 3],
            yaw,
            pitch,
            distance: 10.0,
        }
    }

    #[test]
    fn yaw_and_pitch_rotate_the_axes() {
        let c = cam(0.0, 0.0);
        assert!(close3(
            c.view_point([1.0, 2.0, 3.0]),
            [1.0, 2.0, 3.0 - 10.0]
        ));
        // Yaw 90°: world x goes to −z (away from the viewer), z to +x (right).
        let c = cam(FRAC_PI_2, 0.0);
        assert!(close3(
            c.view_point([1.0, 0.0, 0.0]),
            [0.0, 0.0, -1.0 - 10.0]
        ));
        assert!(close3(c.view_point([0.0, 0.0, 1.0]), [1.0, 0.0, -10.0]));
        assert!(close3(c.view_point([0.0, 1.0, 0.0]), [0.0, 1.0, -10.0]));
        // Pitch 90° (clamped to 89° by orbit, not here): y goes to +z (towards the viewer), z to −y.
        let c = cam(0.0, FRAC_PI_2);
        assert!(close3(
            c.view_point([0.0, 1.0, 0.0]),
            [0.0, 0.0, 1.0 - 10.0]
        ));
        assert!(close3(c.view_point([0.0, 0.0, 1.0]), [0.0, -1.0, -10.0]));
        // The target is straight ahead whatever the angles.
        let mut c = cam(0.7, -0.3);
        c.target = [1.0, -2.0, 3.0];
        assert!(close3(c.view_point([1.0, -2.0, 3.0]), [0.0, 0.0, -10.0]));
    }

    #[test]
    fn perspective_projection_known_answers() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 200.0));
        let c = cam(0.0, 0.0);
        let p = c.projection(rect);
        // The target lands at the centre.
        assert!(close(
            p.to_screen([0.0; 3]).unwrap_or(Pos2::ZERO),
            pos2(200.0, 100.0)
        ));
        // One unit right at the target's depth: f · (h/2) / distance points right.
        let f = 1.0 / (FOV_Y / 2.0).tan();
        let ppu = f * 100.0 / 10.0;
        assert!((c.points_per_unit(rect) - ppu).abs() < 1e-4);
        assert!(close(
            p.to_screen([1.0, 0.0, 0.0]).unwrap_or(Pos2::ZERO),
            pos2(200.0 + ppu, 100.0)
        ));
        assert!(close(
            p.to_screen([0.0, 1.0, 0.0]).unwrap_or(Pos2::ZERO),
            pos2(200.0, 100.0 - ppu)
        ));
        // Five units nearer (depth 5): twice as far from the centre.
        assert!(close(
            p.to_screen([1.0, 0.0, 5.0]).unwrap_or(Pos2::ZERO),
            pos2(200.0 + 2.0 * ppu, 100.0)
        ));
        // Behind the near plane (depth below 0.1) and behind the camera: not drawn.
        assert_eq!(p.to_screen([0.0, 0.0, 9.95]), None);
        assert_eq!(p.to_screen([0.0, 0.0, 20.0]), None);
        assert!(p.to_screen([0.0, 0.0, 9.85]).is_some());
        // Yaw 90°: a point on +z lands right of centre, one on +x at the centre (further away).
        let p = cam(FRAC_PI_2, 0.0).projection(rect);
        assert!(close(
            p.to_screen([0.0, 0.0, 1.0]).unwrap_or(Pos2::ZERO),
            pos2(200.0 + ppu, 100.0)
        ));
        assert!(close(
            p.to_screen([3.0, 0.0, 0.0]).unwrap_or(Pos2::ZERO),
            pos2(200.0, 100.0)
        ));
    }

    #[test]
    fn pan_follows_the_pointer_and_zoom_approaches_the_target() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(300.0, 300.0));
        let mut c = cam(0.4, 0.3);
        c.target = [1.0, 1.0, 1.0];
        let before = c
            .projection(rect)
            .to_screen([1.0, 1.0, 1.0])
            .unwrap_or(Pos2::ZERO);
        c.pan(rect, vec2(12.0, -5.0));
        let after = c
            .projection(rect)
            .to_screen([1.0, 1.0, 1.0])
            .unwrap_or(Pos2::ZERO);
        assert!(
            close(after, before + vec2(12.0, -5.0)),
            "{before:?} → {after:?}"
        );
        let ppu = c.points_per_unit(rect);
        c.zoom(2.0);
        assert_eq!(c.distance, 5.0);
        assert!((c.points_per_unit(rect) - 2.0 * ppu).abs() < 1e-3);
        c.zoom(0.0);
        assert_eq!(c.distance, 5.0);
    }

    #[test]
    fn orbit_turns_by_half_a_degree_per_point_and_clamps_pitch() {
        let mut c = cam(0.0, 0.0);
        c.orbit(vec2(180.0, 0.0));
        assert!((c.yaw - FRAC_PI_2).abs() < 1e-6);
        c.orbit(vec2(0.0, 1000.0));
        assert_eq!(c.pitch, MAX_PITCH);
        c.orbit(vec2(0.0, -5000.0));
        assert_eq!(c.pitch, -MAX_PITCH);
    }

    #[test]
    fn fit_shows_every_point_within_the_margin() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(500.0, 200.0));
        let (min, max) = ([-1.0, 0.0, 2.0], [3.0, 1.0, 4.0]);
        let corners: Vec<[f32; 3]> = (0..8)
            .map(|k| {
                [
                    if k & 1 == 0 { min[0] } else { max[0] },
                    if k & 2 == 0 { min[1] } else { max[1] },
                    if k & 4 == 0 { min[2] } else { max[2] },
                ]
            })
            .chain([[f32::NAN, 0.0, 0.0]])
            .collect();
        // Inside the middle 90% of the view, touching it on at least one side.
        let inner = Rect::from_center_size(rect.center(), rect.size() * 0.9);
        for (yaw, pitch) in [(0.0, 0.0), (DEFAULT_YAW, DEFAULT_PITCH), (2.0, -1.2)] {
            let c = OrbitCamera::fit(&corners, 2.5, yaw, pitch);
            assert_eq!(c.target, [1.0, 0.5, 3.0]);
            let p = c.projection(rect);
            let mut touches = false;
            for corner in &corners[..8] {
                let s = p.to_screen(*corner).expect("in front of the camera");
                assert!(inner.expand(1e-3).contains(s), "{corner:?} at {s:?}");
                touches |= (s.x - inner.left()).abs() < 1e-2
                    || (s.x - inner.right()).abs() < 1e-2
                    || (s.y - inner.top()).abs() < 1e-2
                    || (s.y - inner.bottom()).abs() < 1e-2;
            }
            assert!(touches, "yaw {yaw}, pitch {pitch}: not tight");
        }
        // A single point, or none, still gives a usable camera.
        let c = OrbitCamera::fit(&[[1.0; 3]], 1.0, 0.0, 0.0);
        assert_eq!(c.target, [1.0; 3]);
        assert!(c.distance > 0.0 && c.distance.is_finite());
        let c = OrbitCamera::fit(&[], 1.0, 0.0, 0.0);
        assert_eq!(c.target, [0.0; 3]);
        assert!(c.distance > 0.0 && c.distance.is_finite());
    }
}
