//! The one projection from world positions to the screen that the GPU shader, the painter
//! fallback, picking and the overlays all use: subtract an origin (kept separate for f32
//! precision when zoomed far in), multiply by a 4×4 matrix into clip space, divide by w, map NDC
//! onto the view's rectangle. The 2D view is the special case of a matrix that ignores z.

use egui::{pos2, Pos2, Rect};

/// A row-major 4×4 matrix (`m[row][col]`), applied to column vectors.
pub type Mat4 = [[f32; 4]; 4];

/// `a · b`.
pub fn mat_mul(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut out = [[0.0f32; 4]; 4];
    for (r, row) in out.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = (0..4).map(|k| a[r][k] * b[k][c]).sum();
        }
    }
    out
}

/// World → screen for one view in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    /// World point subtracted before the matrix (the view centre or orbit target).
    pub origin: [f32; 3],
    /// From `world − origin` (w = 1) to clip space; NDC = clip.xyz / clip.w.
    pub matrix: Mat4,
    /// Where the view is drawn (screen points); NDC −1..1 spans it, y up.
    pub rect: Rect,
}

impl Projection {
    /// Clip-space coordinates of world point `p` (the same arithmetic as the vertex shader).
    pub fn clip(&self, p: [f32; 3]) -> [f32; 4] {
        let v = [
            p[0] - self.origin[0],
            p[1] - self.origin[1],
            p[2] - self.origin[2],
        ];
        let m = &self.matrix;
        let mut out = [0.0f32; 4];
        for (r, o) in out.iter_mut().enumerate() {
            *o = m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2] + m[r][3];
        }
        out
    }

    /// Screen position of clip-space point `c`, `None` when it lies behind the near plane.
    pub fn clip_to_screen(&self, c: [f32; 4]) -> Option<Pos2> {
        if c[3] <= 0.0 || c[2] < 0.0 {
            return None;
        }
        let centre = self.rect.center();
        Some(pos2(
            centre.x + c[0] / c[3] * self.rect.width() * 0.5,
            centre.y - c[1] / c[3] * self.rect.height() * 0.5,
        ))
    }

    /// Screen position of world point `p`, `None` when it lies behind the near plane.
    pub fn to_screen(&self, p: [f32; 3]) -> Option<Pos2> {
        self.clip_to_screen(self.clip(p))
    }

    /// The matrix as 16 floats in column-major order (WGSL's `mat4x4<f32>` layout).
    pub fn columns(&self) -> [f32; 16] {
        let mut out = [0.0f32; 16];
        for c in 0..4 {
            for r in 0..4 {
                out[c * 4 + r] = self.matrix[r][c];
            }
        }
        out
    }

    /// Screen positions of every point of `positions` (`[NaN, NaN]` behind the near plane).
    pub fn project_all(&self, positions: &[[f32; 3]]) -> Vec<[f32; 2]> {
        positions
            .iter()
            .map(|&p| self.to_screen(p).map_or([f32::NAN; 2], |s| [s.x, s.y]))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use egui::vec2;

    const IDENTITY: Mat4 = [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];

    #[test]
    fn identity_maps_ndc_onto_the_rect() {
        let p = Projection {
            origin: [1.0, 2.0, 0.0],
            matrix: IDENTITY,
            rect: Rect::from_min_size(pos2(10.0, 20.0), vec2(200.0, 100.0)),
        };
        assert_eq!(p.to_screen([1.0, 2.0, 0.0]), Some(pos2(110.0, 70.0)));
        // NDC (1, 1) is the top-right corner.
        assert_eq!(p.to_screen([2.0, 3.0, 0.5]), Some(pos2(210.0, 20.0)));
        // Negative z is behind the near plane.
        assert_eq!(p.to_screen([1.0, 2.0, -0.1]), None);
        let cols = p.columns();
        assert_eq!(cols[0], 1.0);
        assert_eq!(cols[5], 1.0);
        let m = [
            [1.0, 2.0, 3.0, 4.0],
            [5.0, 6.0, 7.0, 8.0],
            [9.0, 10.0, 11.0, 12.0],
            [13.0, 14.0, 15.0, 16.0],
        ];
        let q = Projection { matrix: m, ..p };
        // Column-major: the first column is (1, 5, 9, 13).
        assert_eq!(&q.columns()[..4], &[1.0, 5.0, 9.0, 13.0]);
        assert_eq!(mat_mul(&IDENTITY, &m), m);
        assert_eq!(mat_mul(&m, &IDENTITY), m);
        assert_eq!(mat_mul(&m, &m)[0][0], 1.0 + 10.0 + 27.0 + 52.0);
    }
}
