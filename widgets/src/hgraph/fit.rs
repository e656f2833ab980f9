//! Fitting two linked views at once (the H-graph panel's compare mode): one transform (2D) or
//! camera (3D) that shows both graphs whole, so that neither is cut off after a split or an F.

use egui::{Rect, Vec2};

use super::camera::{OrbitCamera, DEFAULT_PITCH, DEFAULT_YAW};
use super::transform::ViewTransform;
use super::view::HGraphView;

/// Gives `a` and `b` (drawn at `size` each) the same transform and camera, fitted to both graphs
/// together: in 2D the union of their bounds; in 3D all their points, keeping `a`'s camera angles
/// (the default angles before the first 3D frame). Both views keep their mode (`a`'s).
pub fn fit_together(a: &mut HGraphView, b: &mut HGraphView, size: Vec2) {
    let rect = Rect::from_min_size(egui::Pos2::ZERO, size);
    let bounds = a.data().bounds().union(b.data().bounds());
    let transform = ViewTransform::fit(bounds, rect);
    let (yaw, pitch) = a
        .camera
        .map_or((DEFAULT_YAW, DEFAULT_PITCH), |c| (c.yaw, c.pitch));
    let points: Vec<[f32; 3]> = a
        .data()
        .positions
        .iter()
        .chain(&b.data().positions)
        .copied()
        .collect();
    let aspect = size.x / size.y.max(1.0);
    let camera = OrbitCamera::fit(&points, aspect, yaw, pitch);
    for v in [a, b] {
        v.transform = Some(transform);
        v.camera = Some(camera);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hgraph::{Backend, GraphData};

    fn data(positions: Vec<[f32; 3]>) -> GraphData {
        let n = positions.len();
        GraphData {
            positions,
            frame_count: vec![1; n],
            in_degree: vec![0; n],
            out_degree: vec![0; n],
            tiles_covered: vec![1; n],
            scc: vec![0; n],
            first_step: vec![0; n],
            reach: vec![0.0; n],
            node_tile: vec![[0, 0]; n],
            map_size: [2, 2],
            edges: Vec::new(),
        }
    }

    #[test]
    fn both_views_get_one_transform_showing_both_graphs() {
        let mut a = HGraphView::new(Backend::Painter);
        a.set_data(data(vec![[0.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
            .unwrap();
        let mut b = HGraphView::new(Backend::Painter);
        b.set_data(data(vec![[4.0, -1.0, 2.0], [5.0, 0.0, 0.0]]))
            .unwrap();
        let size = egui::vec2(300.0, 200.0);
        fit_together(&mut a, &mut b, size);
        assert_eq!(a.transform, b.transform);
        assert_eq!(a.camera, b.camera);
        let t = a.transform.unwrap();
        assert!((t.center[0] - 2.5).abs() < 1e-6 && t.center[1].abs() < 1e-6);
        let rect = Rect::from_min_size(egui::Pos2::ZERO, size);
        for p in a.data().positions.iter().chain(&b.data().positions) {
            assert!(rect.contains(t.to_screen(rect, [p[0], p[1]])), "{p:?}");
        }
    }
}
