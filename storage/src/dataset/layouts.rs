//! The layouts of a mixed dataset: one tile map per layout in `maps/<layout>-<seed>.txt`, and each
//! episode's layout, indexed in `dataset.json`:
//!
//! ```json
//! "layouts": {
//!   "maps": [{"layout": "two-rooms:0", "file": "maps/two-rooms-0.txt"}, …],
//!   "episode": [0, 1, 2, 0]
//! }
//! ```
//! `episode[e]` is the index in `maps` of the e-th episode (in data order). `map.txt` stays the
//! first layout's map, for readers that know only it. A dataset of one layout has no `layouts`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// The folder of a mixed dataset's maps.
pub const MAPS_DIR: &str = "maps";

/// One layout's map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutMap {
    /// `"<layout>:<seed>"`, e.g. `"two-rooms:3"`.
    pub layout: String,
    /// The tile map text ('#' wall, '.' floor).
    pub text: String,
}

/// The layouts of a mixed dataset and which one each episode ran in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeLayouts {
    /// Every layout, in order; the first is `map.txt`'s.
    pub maps: Vec<LayoutMap>,
    /// Per episode in data order, the index into `maps`.
    pub episode: Vec<u32>,
}

/// `layouts` of `dataset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutsHeader {
    pub maps: Vec<MapEntry>,
    pub episode: Vec<u32>,
}

/// One entry of `layouts.maps` in `dataset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapEntry {
    pub layout: String,
    /// Relative to the dataset folder: `maps/<layout>-<seed>.txt`.
    pub file: String,
}

/// `maps/two-rooms-3.txt` for `two-rooms:3`; `None` for a name that cannot be a file name.
pub fn map_file_name(layout: &str) -> Option<String> {
    let stem = layout.replace(':', "-");
    let ok = !stem.is_empty()
        && !stem.starts_with('.')
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| format!("{MAPS_DIR}/{stem}.txt"))
}

impl EpisodeLayouts {
    /// The map of episode `e` (in data order).
    pub fn map_of(&self, e: usize) -> Option<&LayoutMap> {
        self.maps.get(*self.episode.get(e)? as usize)
    }

    /// Checks the index against `episodes` and every map's text; `json` names dataset.json in errors.
    pub fn check(&self, dir: &Path, json: &Path, episodes: usize) -> Result<()> {
        let bad = |msg: String| Err(StorageError::invalid(json, msg));
        if self.maps.is_empty() {
            return bad("layouts.maps is empty".into());
        }
        if self.episode.len() != episodes {
            return bad(format!(
                "layouts.episode names {} episodes but the data holds {episodes}",
                self.episode.len()
            ));
        }
        if let Some((e, &i)) = self
            .episode
            .iter()
            .enumerate()
            .find(|(_, &i)| i as usize >= self.maps.len())
        {
            return bad(format!(
                "layouts.episode[{e}] is {i} but there are {} maps",
                self.maps.len()
            ));
        }
        for m in &self.maps {
            let Some(file) = map_file_name(&m.layout) else {
                return bad(format!("layout name {:?} cannot name a map file", m.layout));
            };
            super::map::check_map_text(&m.text).map_err(|e| {
                StorageError::invalid(dir.join(&file), format!("not a valid tile map: {e}"))
            })?;
        }
        Ok(())
    }

    /// Writes every map under `dir/maps/` atomically and returns the header entry.
    pub(super) fn write(&self, dir: &Path) -> Result<LayoutsHeader> {
        let mut maps = Vec::with_capacity(self.maps.len());
        for m in &self.maps {
            let file = map_file_name(&m.layout).ok_or_else(|| {
                StorageError::invalid(
                    dir.join(MAPS_DIR),
                    format!("layout name {:?} cannot name a map file", m.layout),
                )
            })?;
            write_atomic(&dir.join(&file), m.text.as_bytes())?;
            maps.push(MapEntry {
                layout: m.layout.clone(),
                file,
            });
        }
        Ok(LayoutsHeader {
            maps,
            episode: self.episode.clone(),
        })
    }

    /// Reads every map the header names; a missing or malformed map is an error naming its file.
    pub(super) fn read(dir: &Path, json: &Path, header: &LayoutsHeader) -> Result<Self> {
        let mut maps = Vec::with_capacity(header.maps.len());
        for entry in &header.maps {
            if map_file_name(&entry.layout).as_deref() != Some(entry.file.as_str()) {
                return Err(StorageError::invalid(
                    json,
                    format!(
                        "layouts.maps: layout {:?} must be in {}, not {:?}",
                        entry.layout,
                        map_file_name(&entry.layout).unwrap_or_else(|| "maps/<name>.txt".into()),
                        entry.file
                    ),
                ));
            }
            let path = dir.join(&entry.file);
            let text = super::native::read_map(&path)?.ok_or_else(|| {
                StorageError::invalid(
                    &path,
                    format!(
                        "file missing: dataset.json names it as the map of {}",
                        entry.layout
                    ),
                )
            })?;
            maps.push(LayoutMap {
                layout: entry.layout.clone(),
                text,
            });
        }
        Ok(Self {
            maps,
            episode: header.episode.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::native::{read_native, write_native};
    use super::super::testutil::tiny_dataset;
    use super::*;

    fn map_with_wall_col(col: usize) -> String {
        (0..14)
            .map(|r| {
                (0..16)
                    .map(|c| if c == col && r < 5 { '#' } else { '.' })
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    fn mixed() -> crate::Dataset {
        let mut ds = tiny_dataset();
        ds.map = Some(map_with_wall_col(7));
        ds.layouts = Some(EpisodeLayouts {
            maps: vec![
                LayoutMap {
                    layout: "two-rooms:0".into(),
                    text: map_with_wall_col(7),
                },
                LayoutMap {
                    layout: "two-rooms:1".into(),
                    text: map_with_wall_col(9),
                },
            ],
            episode: vec![1, 0],
        });
        ds
    }

    #[test]
    fn file_names_of_layouts() {
        assert_eq!(
            map_file_name("two-rooms:3").as_deref(),
            Some("maps/two-rooms-3.txt")
        );
        assert_eq!(map_file_name("../x"), None);
        assert_eq!(map_file_name("a/b"), None);
        assert_eq!(map_file_name(""), None);
    }

    #[test]
    fn mixed_maps_round_trip_and_map_txt_keeps_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        write_native(&dir, &mixed()).unwrap();
        let back = read_native(&dir).unwrap();
        assert_eq!(back.layouts, mixed().layouts);
        assert_eq!(
            std::fs::read_to_string(dir.join("maps/two-rooms-1.txt")).unwrap(),
            map_with_wall_col(9)
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("map.txt")).unwrap(),
            map_with_wall_col(7)
        );
        // Episode 0 ran in the second layout.
        assert_eq!(back.episode_map(0), Some(map_with_wall_col(9).as_str()));
        assert_eq!(back.episode_map(1), Some(map_with_wall_col(7).as_str()));
        assert_eq!(back.episode_layout(0).as_deref(), Some("two-rooms:1"));
        // The frames of episode 0 are those of layout 1.
        let episodes = back.episodes();
        let layout1 = back.frames_in_layout(1);
        assert!(layout1[episodes[0].clone()].iter().all(|&x| x));
        assert!(layout1[episodes[1].clone()].iter().all(|&x| !x));
        let layout0 = back.frames_in_layout(0);
        assert!(layout0.iter().zip(&layout1).all(|(a, b)| a != b));
        let json = std::fs::read_to_string(dir.join("dataset.json")).unwrap();
        assert!(json.contains("\"maps/two-rooms-0.txt\""), "{json}");
        // One layout: no maps folder, no index.
        let single = tmp.path().join("s");
        write_native(&single, &tiny_dataset()).unwrap();
        assert!(!single.join(MAPS_DIR).exists());
        assert_eq!(read_native(&single).unwrap().layouts, None);
    }

    #[test]
    fn a_malformed_map_of_one_layout_names_its_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        write_native(&dir, &mixed()).unwrap();
        let bad = dir.join("maps/two-rooms-1.txt");
        std::fs::write(&bad, "####\n").unwrap();
        let e = read_native(&dir).unwrap_err().to_string();
        assert!(
            e.contains("two-rooms-1.txt") && e.contains("tile map"),
            "{e}"
        );
        let check = super::super::check_dataset(&dir).unwrap();
        assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
        assert!(check.problems[0].to_string().contains("two-rooms-1.txt"));
        std::fs::remove_file(&bad).unwrap();
        let e = read_native(&dir).unwrap_err().to_string();
        assert!(
            e.contains("two-rooms-1.txt") && e.contains("file missing"),
            "{e}"
        );
        // Writing refuses a bad map before anything is written, naming its file.
        let mut ds = mixed();
        ds.layouts.as_mut().unwrap().maps[1].text = "x".into();
        let e = write_native(&tmp.path().join("w"), &ds)
            .unwrap_err()
            .to_string();
        assert!(e.contains("two-rooms-1.txt"), "{e}");
        // An index that does not fit the episodes names dataset.json.
        let mut ds = mixed();
        ds.layouts.as_mut().unwrap().episode = vec![0, 2];
        let e = write_native(&tmp.path().join("w2"), &ds)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dataset.json") && e.contains("episode[1]"),
            "{e}"
        );
    }
}
