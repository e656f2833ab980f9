//! Datasets of frames and actions, in memory and on disk (native format and researchers' trajectory folders).

mod check;
mod info;
pub mod layouts;
pub mod lazy;
pub mod map;
mod native;
pub(crate) mod npz;
mod open;
pub(crate) mod trajfolder;
mod trajfolder_write;
mod validate;

#[cfg(test)]
pub(crate) mod testutil;
#[cfg(test)]
mod trajfolder_tests;

pub use check::{check_dataset, DatasetCheck};
pub use info::{DatasetInfo, TRAJ_FOLDER_FORMAT};
pub use layouts::{EpisodeLayouts, LayoutMap};
pub use lazy::{open_dataset_lazy, FrameSource, LazyDataset};
pub use native::{read_native, write_native, NativeCounts, NativeHeader, NATIVE_FORMAT};
pub use open::{dataset_hash, detect_format, open_dataset, DatasetFormat};
pub use trajfolder::{read_traj_folder, START_PIXEL, TILE_PX};
pub use trajfolder_write::write_traj_folder;

use std::ops::Range;
use std::path::PathBuf;

/// The default action vocabulary: index = action id stored in `actions`.
pub const ACTION_NAMES: [&str; 5] = ["noop", "up", "down", "left", "right"];

/// Where a dataset was read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum DatasetSource {
    /// Not yet on disk (freshly generated).
    Memory,
    /// `dataset.json` + `data.safetensors` (+ `map.txt`) in this folder.
    Native { dir: PathBuf },
    /// `traj_*/states/state_*.png` + `actions.npz` (+ `infos.npz`) below this root, read in place.
    TrajFolder { root: PathBuf },
}

/// A dataset fully in memory. Frames are 8-bit RGB, row-major, `[N, height, width, 3]`.
///
/// The action at index `i` leads from frame `i` to frame `i + 1` of the same episode; the action of
/// an episode's last frame leads nowhere and is ignored.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub source: DatasetSource,
    pub height: usize,
    pub width: usize,
    /// `N * height * width * 3` bytes.
    pub frames: Vec<u8>,
    /// `N` action ids, indices into `action_names`.
    pub actions: Vec<u8>,
    /// `N` episode (trajectory) ids; frames of one episode are contiguous and in order.
    pub episode: Vec<u32>,
    /// `N` agent tiles `[row, col]`, when known.
    pub tiles: Option<Vec<[i16; 2]>>,
    pub action_names: Vec<String>,
    /// The tile map of a generated dataset ('#' wall, '.' floor), one line per row.
    pub map: Option<String>,
    /// How the dataset was generated (preset, episodes, seed, …), when it was.
    pub generator: Option<serde_json::Value>,
    /// A mixed dataset's layouts: one map per layout and each episode's (`None`: one map at most).
    pub layouts: Option<EpisodeLayouts>,
}

impl Dataset {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Bytes of one frame.
    pub fn frame_bytes(&self) -> usize {
        self.height * self.width * 3
    }

    /// Frame `i` as `[height, width, 3]` RGB bytes.
    pub fn frame(&self, i: usize) -> &[u8] {
        let n = self.frame_bytes();
        &self.frames[i * n..(i + 1) * n]
    }

    /// The index ranges of the episodes, in order.
    pub fn episodes(&self) -> Vec<Range<usize>> {
        validate::episode_ranges(&self.episode)
    }

    /// The map text of episode `e` (in data order): its layout's in a mixed dataset, else `map`.
    pub fn episode_map(&self, e: usize) -> Option<&str> {
        episode_map(self.layouts.as_ref(), self.map.as_deref(), e)
    }

    /// The layout of episode `e` as `"<layout>:<seed>"`, when known.
    pub fn episode_layout(&self, e: usize) -> Option<String> {
        episode_layout(self.layouts.as_ref(), self.generator.as_ref(), e)
    }

    /// Whether each frame's episode ran in layout `i` of a mixed dataset (`layouts.maps[i]`); every
    /// frame for a dataset without layouts.
    pub fn frames_in_layout(&self, i: usize) -> Vec<bool> {
        let Some(l) = &self.layouts else {
            return vec![true; self.len()];
        };
        let mut out = vec![false; self.len()];
        for (e, range) in self.episodes().into_iter().enumerate() {
            let inside = l.episode.get(e).is_some_and(|&k| k as usize == i);
            out[range].fill(inside);
        }
        out
    }
}

/// See [`Dataset::episode_map`].
pub fn episode_map<'a>(
    layouts: Option<&'a EpisodeLayouts>,
    map: Option<&'a str>,
    e: usize,
) -> Option<&'a str> {
    match layouts {
        Some(l) => l.map_of(e).map(|m| m.text.as_str()),
        None => map,
    }
}

/// See [`Dataset::episode_layout`]: a mixed dataset's index, else the generator's one layout.
pub fn episode_layout(
    layouts: Option<&EpisodeLayouts>,
    generator: Option<&serde_json::Value>,
    e: usize,
) -> Option<String> {
    if let Some(l) = layouts {
        return l.map_of(e).map(|m| m.layout.clone());
    }
    let g = generator?;
    let name = g.get("layout")?.as_str()?;
    Some(
        match g.get("layout_seed").and_then(serde_json::Value::as_u64) {
            Some(seed) => format!("{name}:{seed}"),
            None => name.to_string(),
        },
    )
}
