//! A summary of a dataset for `worldbench dataset info` and the GUI.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::lazy::LazyDataset;
use super::native::NATIVE_FORMAT;
use super::validate::count_episodes;
use super::{Dataset, DatasetSource};

/// The `format` of a trajectory folder in [`DatasetInfo`].
pub const TRAJ_FOLDER_FORMAT: &str = "trajectory-folder";

/// What a dataset holds: counts, frame size, action use and visited tiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetInfo {
    pub name: String,
    /// "worldbench.dataset/1", "trajectory-folder" or "memory".
    pub format: String,
    /// The folder it was read from (`None` for an in-memory dataset).
    pub path: Option<PathBuf>,
    pub trajectories: usize,
    pub frames: usize,
    pub height: usize,
    pub width: usize,
    pub action_names: Vec<String>,
    /// Frames per action, in `action_names` order (a JSON object in that order).
    #[serde(serialize_with = "ordered_map")]
    pub action_histogram: Vec<(String, usize)>,
    /// Number of distinct tiles, when tiles are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiles_visited: Option<usize>,
    /// The distinct tiles `[row, col]`, sorted, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiles: Option<Vec<[i16; 2]>>,
}

fn ordered_map<S: Serializer>(pairs: &[(String, usize)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// The parts of a dataset a [`DatasetInfo`] is computed from (no frames needed).
struct Parts<'a> {
    name: &'a str,
    source: &'a DatasetSource,
    height: usize,
    width: usize,
    actions: &'a [u8],
    episode: &'a [u32],
    tiles: Option<&'a [[i16; 2]]>,
    action_names: &'a [String],
}

impl DatasetInfo {
    pub fn from_dataset(ds: &Dataset) -> Self {
        Self::from_parts(&Parts {
            name: &ds.name,
            source: &ds.source,
            height: ds.height,
            width: ds.width,
            actions: &ds.actions,
            episode: &ds.episode,
            tiles: ds.tiles.as_deref(),
            action_names: &ds.action_names,
        })
    }

    /// The same summary from a lazily opened dataset (its frames are not read).
    pub fn from_lazy(ds: &LazyDataset) -> Self {
        Self::from_parts(&Parts {
            name: &ds.name,
            source: &ds.source,
            height: ds.height,
            width: ds.width,
            actions: &ds.actions,
            episode: &ds.episode,
            tiles: ds.tiles.as_deref(),
            action_names: &ds.action_names,
        })
    }

    fn from_parts(ds: &Parts<'_>) -> Self {
        let (format, path) = match ds.source {
            DatasetSource::Memory => ("memory".to_string(), None),
            DatasetSource::Native { dir } => (NATIVE_FORMAT.to_string(), Some(dir.clone())),
            DatasetSource::TrajFolder { root } => {
                (TRAJ_FOLDER_FORMAT.to_string(), Some(root.clone()))
            }
        };
        let mut counts = vec![0usize; ds.action_names.len()];
        for &a in ds.actions {
            if let Some(c) = counts.get_mut(usize::from(a)) {
                *c += 1;
            }
        }
        let tiles: Option<Vec<[i16; 2]>> = ds.tiles.map(|t| {
            t.iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        });
        Self {
            name: ds.name.to_string(),
            format,
            path,
            trajectories: count_episodes(ds.episode),
            frames: ds.actions.len(),
            height: ds.height,
            width: ds.width,
            action_names: ds.action_names.to_vec(),
            action_histogram: ds.action_names.iter().cloned().zip(counts).collect(),
            tiles_visited: tiles.as_ref().map(Vec::len),
            tiles,
        }
    }
}

impl fmt::Display for DatasetInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset       {}", self.name)?;
        writeln!(f, "format        {}", self.format)?;
        if let Some(p) = &self.path {
            writeln!(f, "path          {}", p.display())?;
        }
        writeln!(f, "trajectories  {}", self.trajectories)?;
        writeln!(f, "frames        {}", self.frames)?;
        writeln!(
            f,
            "frame size    {} wide × {} high (RGB)",
            self.width, self.height
        )?;
        let hist: Vec<String> = self
            .action_histogram
            .iter()
            .map(|(n, c)| format!("{n} {c}"))
            .collect();
        writeln!(f, "actions       {}", hist.join(", "))?;
        match self.tiles_visited {
            Some(n) => write!(f, "tiles visited {n}"),
            None => write!(f, "tiles visited unknown (no positions)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::tiny_dataset;
    use super::*;

    #[test]
    fn counts_histogram_and_tiles() {
        let mut ds = tiny_dataset();
        ds.actions = vec![0, 0, 4, 1, 4];
        let info = DatasetInfo::from_dataset(&ds);
        assert_eq!(
            (info.trajectories, info.frames, info.height, info.width),
            (2, 5, 2, 3)
        );
        assert_eq!(info.format, "memory");
        let hist: Vec<usize> = info.action_histogram.iter().map(|(_, c)| *c).collect();
        assert_eq!(hist, vec![2, 1, 0, 0, 2]);
        // tiles [12,1] x2, [12,2], [11,1], [11,0] -> 4 distinct, sorted
        assert_eq!(info.tiles_visited, Some(4));
        assert_eq!(info.tiles, Some(vec![[11, 0], [11, 1], [12, 1], [12, 2]]));
    }

    #[test]
    fn json_keeps_action_order_and_display_is_readable() {
        let info = DatasetInfo::from_dataset(&tiny_dataset());
        let json = serde_json::to_string(&info).unwrap();
        assert!(
            json.contains(r#""action_histogram":{"noop":1,"up":1,"down":1,"left":1,"right":1}"#),
            "{json}"
        );
        let text = info.to_string();
        assert!(text.contains("trajectories  2\n"), "{text}");
        assert!(text.contains("frame size    3 wide × 2 high"), "{text}");
        assert!(
            text.contains("actions       noop 1, up 1, down 1, left 1, right 1\n"),
            "{text}"
        );
        assert!(text.contains("tiles visited 4"), "{text}");
    }

    #[test]
    fn without_tiles() {
        let mut ds = tiny_dataset();
        ds.tiles = None;
        let info = DatasetInfo::from_dataset(&ds);
        let json = serde_json::to_value(&info).unwrap();
        assert!(json.get("tiles").is_none() && json.get("tiles_visited").is_none());
        assert!(info.to_string().contains("tiles visited unknown"));
    }
}
