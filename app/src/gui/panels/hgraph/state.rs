//! What the H-graph panel keeps across restarts: the checkpoint and the one compared with it, the
//! principal axes and mode, the pan/zoom and orbit camera, the playground's start and goal, and
//! the layout chosen for each mixed dataset.

use std::collections::BTreeMap;
use std::path::PathBuf;

use worldbench_widgets::hgraph::{HGraphView, OrbitCamera, ViewTransform};

/// The 2D view's pan and zoom.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedPanZoom {
    pub center: [f32; 2],
    pub scale: f32,
}

/// The 3D view's orbit camera.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedCamera {
    pub target: [f32; 3],
    pub yaw: f32,
    pub pitch: f32,
    pub distance: f32,
}

/// The panel's persisted state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HGraphState {
    /// The checkpoint shown (reopened from its cache on start).
    pub checkpoint: Option<PathBuf>,
    /// Principal axes on screen x and y (0 = PC1).
    pub axes: [usize; 2],
    /// The principal axis of the 3D view's depth (z).
    pub z_axis: usize,
    /// Whether the view shows three axes with the orbit camera.
    pub three_d: bool,
    /// The checkpoint compared with it ("Compare with…"), reopened beside it.
    pub compare: Option<PathBuf>,
    /// The 2D view's pan and zoom (fitted when absent).
    pub pan_zoom: Option<SavedPanZoom>,
    /// The 3D view's camera (fitted when absent).
    pub camera: Option<SavedCamera>,
    /// The playground's start and goal tiles `[row, col]`.
    pub start: Option<[i16; 2]>,
    pub goal: Option<[i16; 2]>,
    /// The layout shown of each mixed dataset (by its hash): an index into its `layouts.maps`.
    pub layouts: BTreeMap<String, usize>,
}

impl Default for HGraphState {
    /// PC1, PC2 (and PC3 in 3D), in 2D; nothing compared, fitted, no tiles.
    fn default() -> Self {
        Self {
            checkpoint: None,
            axes: [0, 1],
            z_axis: 2,
            three_d: false,
            compare: None,
            pan_zoom: None,
            camera: None,
            start: None,
            goal: None,
            layouts: BTreeMap::new(),
        }
    }
}

impl HGraphState {
    /// The principal axes on x, y and z.
    pub fn axes3(&self) -> [usize; 3] {
        [self.axes[0], self.axes[1], self.z_axis]
    }

    /// The layout to show of the dataset `hash` of `count` layouts: the one chosen last for it,
    /// else (never chosen, or no longer one of its layouts) the first.
    pub fn layout_of(&self, hash: &str, count: usize) -> usize {
        self.layouts
            .get(hash)
            .copied()
            .filter(|&i| i < count)
            .unwrap_or(0)
    }

    /// Remembers layout `i` as the one shown of the dataset `hash`.
    pub fn remember_layout(&mut self, hash: &str, i: usize) {
        self.layouts.insert(hash.to_string(), i);
    }

    /// Records `view`'s pan/zoom and camera.
    pub fn keep_view(&mut self, view: &HGraphView) {
        self.pan_zoom = view.transform.map(|t| SavedPanZoom {
            center: t.center,
            scale: t.scale,
        });
        self.camera = view.camera.map(|c| SavedCamera {
            target: c.target,
            yaw: c.yaw,
            pitch: c.pitch,
            distance: c.distance,
        });
        self.three_d = view.three_d;
    }

    /// Gives `view` the saved pan/zoom and camera (the ones missing stay to be fitted).
    pub fn restore_view(&self, view: &mut HGraphView) {
        if let Some(p) = self.pan_zoom {
            view.transform = Some(ViewTransform {
                center: p.center,
                scale: p.scale,
            });
        }
        if let Some(c) = self.camera {
            view.camera = Some(OrbitCamera {
                target: c.target,
                yaw: c.yaw,
                pitch: c.pitch,
                distance: c.distance,
            });
        }
        view.three_d = self.three_d;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn state_defaults_to_the_first_principal_axes_and_reads_old_files() {
        let d = HGraphState::default();
        assert_eq!(d.axes3(), [0, 1, 2]);
        assert!(!d.three_d);
        // A state saved before the 3D view (no z axis, no mode) keeps its axes and gets PC3.
        let old: HGraphState = serde_json::from_str(r#"{"checkpoint":null,"axes":[1,3]}"#).unwrap();
        assert_eq!(old.axes3(), [1, 3, 2]);
        assert!(!old.three_d);
        assert_eq!((old.compare, old.pan_zoom, old.start), (None, None, None));
        let back: HGraphState = serde_json::from_str(
            &serde_json::to_string(&HGraphState {
                three_d: true,
                z_axis: 4,
                compare: Some("/r/checkpoints/last.safetensors".into()),
                camera: Some(SavedCamera {
                    target: [1.0, 2.0, 3.0],
                    yaw: 0.5,
                    pitch: 0.25,
                    distance: 4.0,
                }),
                start: Some([3, 4]),
                ..d
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!((back.three_d, back.z_axis), (true, 4));
        assert_eq!(back.start, Some([3, 4]));
        assert!(back.camera.is_some() && back.compare.is_some());
    }

    #[test]
    fn the_layout_shown_is_remembered_per_dataset_and_falls_back_to_the_first() {
        let mut s = HGraphState::default();
        assert_eq!(s.layout_of("a", 3), 0, "never chosen");
        s.remember_layout("a", 2);
        s.remember_layout("b", 1);
        assert_eq!((s.layout_of("a", 3), s.layout_of("b", 3)), (2, 1));
        assert_eq!(s.layout_of("c", 3), 0, "another dataset");
        assert_eq!(s.layout_of("a", 2), 0, "no longer one of its layouts");
        let back: HGraphState = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.layout_of("a", 3), 2);
        // A state saved before layouts were remembered shows the first.
        let old: HGraphState = serde_json::from_str(r#"{"checkpoint":null}"#).unwrap();
        assert_eq!(old.layout_of("a", 3), 0);
    }
}
