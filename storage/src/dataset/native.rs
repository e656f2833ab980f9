//! The native dataset folder: `dataset.json`, `data.safetensors` and, for generated datasets, `map.txt`.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use safetensors::Dtype;
use serde::{Deserialize, Serialize};

use super::layouts::{EpisodeLayouts, LayoutsHeader};
use super::validate::{check_actions, check_episodes, count_episodes};
use super::{Dataset, DatasetSource};
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::tensors::{
    read_exact_at, read_safetensors_header, write_safetensors_refs, TensorRef, TensorSlot,
};

/// The `format` string of `dataset.json`.
pub const NATIVE_FORMAT: &str = "worldbench.dataset/1";
pub const DATASET_JSON: &str = "dataset.json";
pub const DATA_SAFETENSORS: &str = "data.safetensors";
pub const MAP_TXT: &str = "map.txt";

/// The content of `dataset.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NativeHeader {
    pub format: String,
    pub name: String,
    #[serde(default)]
    pub generator: Option<serde_json::Value>,
    /// `[height, width, 3]`.
    pub frame_shape: Vec<usize>,
    pub action_names: Vec<String>,
    pub counts: NativeCounts,
    /// A mixed dataset's maps and each episode's layout ([`super::layouts`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layouts: Option<LayoutsHeader>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeCounts {
    pub frames: usize,
    pub episodes: usize,
}

/// Writes `ds` into `dir` (created if missing), each file atomically. Refuses a dataset whose
/// arrays disagree or whose map is not a valid tile map (the same checks as [`read_native`]).
pub fn write_native(dir: &Path, ds: &Dataset) -> Result<()> {
    let data_path = dir.join(DATA_SAFETENSORS);
    check_lengths(&data_path, ds)?;
    check_actions(&data_path, &ds.actions, ds.action_names.len())?;
    check_episodes(&data_path, &ds.episode)?;
    if let Some(map) = &ds.map {
        super::map::check_map_text(map).map_err(|e| {
            StorageError::invalid(dir.join(MAP_TXT), format!("not a valid tile map: {e}"))
        })?;
    }
    let episodes = count_episodes(&ds.episode);
    if let Some(l) = &ds.layouts {
        l.check(dir, &dir.join(DATASET_JSON), episodes)?;
    }
    let mut header = NativeHeader {
        format: NATIVE_FORMAT.to_string(),
        name: ds.name.clone(),
        generator: ds.generator.clone(),
        frame_shape: vec![ds.height, ds.width, 3],
        action_names: ds.action_names.clone(),
        counts: NativeCounts {
            frames: ds.len(),
            episodes,
        },
        layouts: None,
    };
    write_data(&data_path, ds)?;
    if let Some(l) = &ds.layouts {
        header.layouts = Some(l.write(dir)?);
    }
    if let Some(map) = &ds.map {
        write_atomic(&dir.join(MAP_TXT), map.as_bytes())?;
    }
    let json_path = dir.join(DATASET_JSON);
    let json = serde_json::to_vec_pretty(&header)
        .map_err(|e| StorageError::invalid(&json_path, format!("cannot encode: {e}")))?;
    write_atomic(&json_path, &json)
}

fn write_data(path: &Path, ds: &Dataset) -> Result<()> {
    let n = ds.len();
    let frames_shape = [n, ds.height, ds.width, 3];
    let episode: Vec<u8> = ds.episode.iter().flat_map(|e| e.to_le_bytes()).collect();
    let tile: Option<Vec<u8>> = ds
        .tiles
        .as_ref()
        .map(|t| t.iter().flatten().flat_map(|v| v.to_le_bytes()).collect());
    let (n_shape, tile_shape) = ([n], [n, 2]);
    let mut tensors = vec![
        (
            "frames".to_string(),
            TensorRef {
                dtype: Dtype::U8,
                shape: &frames_shape,
                data: &ds.frames,
            },
        ),
        (
            "actions".to_string(),
            TensorRef {
                dtype: Dtype::U8,
                shape: &n_shape,
                data: &ds.actions,
            },
        ),
        (
            "episode".to_string(),
            TensorRef {
                dtype: Dtype::U32,
                shape: &n_shape,
                data: &episode,
            },
        ),
    ];
    if let Some(tile) = &tile {
        tensors.push((
            "tile".to_string(),
            TensorRef {
                dtype: Dtype::I16,
                shape: &tile_shape,
                data: tile,
            },
        ));
    }
    write_safetensors_refs(path, &tensors, None)
}

/// Checks that frames, episode and tiles have one entry per action.
fn check_lengths(path: &Path, ds: &Dataset) -> Result<()> {
    let n = ds.len();
    let bad = |what: &str, have: usize, want: usize| {
        Err(StorageError::invalid(
            path,
            format!("{what} has {have} entries but there are {n} actions (want {want})"),
        ))
    };
    if ds.frames.len() != n * ds.frame_bytes() {
        return bad("frames (bytes)", ds.frames.len(), n * ds.frame_bytes());
    }
    if ds.episode.len() != n {
        return bad("episode", ds.episode.len(), n);
    }
    match &ds.tiles {
        Some(t) if t.len() != n => bad("tile", t.len(), n),
        _ => Ok(()),
    }
}

/// A native dataset folder with everything but the frame bytes read and validated: the open
/// `data.safetensors` and where its frames lie.
pub(super) struct NativeIndex {
    pub header: NativeHeader,
    pub data_path: PathBuf,
    pub data_file: File,
    /// Byte offset of frame 0 in `data_file`; frames follow each other, `height * width * 3` bytes each.
    pub frames_offset: u64,
    pub height: usize,
    pub width: usize,
    pub actions: Vec<u8>,
    pub episode: Vec<u32>,
    pub tiles: Option<Vec<[i16; 2]>>,
    pub map: Option<String>,
    pub layouts: Option<EpisodeLayouts>,
}

/// Reads and validates a native dataset folder except its frames: `dataset.json`, the safetensors
/// header and the small arrays (actions, episode, tile), `map.txt`. Every problem is
/// [`StorageError::Invalid`] naming the file concerned and what is wrong with it.
pub(super) fn read_native_index(dir: &Path) -> Result<NativeIndex> {
    let header = read_header(&dir.join(DATASET_JSON))?;
    let data_path = dir.join(DATA_SAFETENSORS);
    require_file(&data_path)?;
    let data_file = File::open(&data_path).map_err(|e| StorageError::io(&data_path, e))?;
    let (mut slots, _) = read_safetensors_header(&data_path, &data_file)?;
    let (height, width) = (header.frame_shape[0], header.frame_shape[1]);
    // The frames tensor gives N; every per-frame array must have N entries, so a short array is
    // named itself (not the next one checked against it).
    let frames = take(&data_path, &mut slots, "frames", Dtype::U8)?;
    let n = match frames.shape.as_slice() {
        [n, h, w, 3] if (*h, *w) == (height, width) => *n,
        _ => {
            let msg = format!(
                "tensor \"frames\" has shape {:?}, expected {:?} (counts and frame_shape of dataset.json)",
                frames.shape,
                [header.counts.frames, height, width, 3]
            );
            return Err(StorageError::invalid(&data_path, msg));
        }
    };
    let mut load = |name: &str, dtype: Dtype| -> Result<Option<(TensorSlot, Vec<u8>)>> {
        if name == "tile" && !slots.contains_key(name) {
            return Ok(None);
        }
        let slot = take(&data_path, &mut slots, name, dtype)?;
        let bytes = read_exact_at(&data_path, &data_file, slot.file_offset, slot.len_bytes)?;
        Ok(Some((slot, bytes)))
    };
    let missing =
        |name: &str| StorageError::invalid(&data_path, format!("missing tensor {name:?}"));
    let (actions_slot, actions) = load("actions", Dtype::U8)?.ok_or_else(|| missing("actions"))?;
    check_shape(&data_path, "actions", &actions_slot, &[n])?;
    let (episode_slot, episode) = load("episode", Dtype::U32)?.ok_or_else(|| missing("episode"))?;
    check_shape(&data_path, "episode", &episode_slot, &[n])?;
    let tiles = match load("tile", Dtype::I16)? {
        None => None,
        Some((tile_slot, tile)) => {
            check_shape(&data_path, "tile", &tile_slot, &[n, 2])?;
            Some(
                tile.chunks_exact(4)
                    .map(|c| {
                        [
                            i16::from_le_bytes([c[0], c[1]]),
                            i16::from_le_bytes([c[2], c[3]]),
                        ]
                    })
                    .collect(),
            )
        }
    };
    let episode: Vec<u32> = episode
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    check_actions(&data_path, &actions, header.action_names.len())?;
    check_episodes(&data_path, &episode)?;
    let episodes = count_episodes(&episode);
    check_counts(dir, &header, n, episodes)?;
    let json_path = dir.join(DATASET_JSON);
    let layouts = match &header.layouts {
        Some(h) => {
            let l = EpisodeLayouts::read(dir, &json_path, h)?;
            l.check(dir, &json_path, episodes)?;
            Some(l)
        }
        None => None,
    };
    Ok(NativeIndex {
        map: read_map(&dir.join(MAP_TXT))?,
        layouts,
        header,
        data_path,
        data_file,
        frames_offset: frames.file_offset,
        height,
        width,
        actions,
        episode,
        tiles,
    })
}

/// Reads and validates a native dataset folder. Every problem is [`StorageError::Invalid`] naming
/// the file concerned and what is wrong with it.
pub fn read_native(dir: &Path) -> Result<Dataset> {
    let ix = read_native_index(dir)?;
    let frames_len = ix.actions.len() * ix.height * ix.width * 3;
    let frames = read_exact_at(&ix.data_path, &ix.data_file, ix.frames_offset, frames_len)?;
    Ok(Dataset {
        name: ix.header.name,
        source: DatasetSource::Native {
            dir: dir.to_path_buf(),
        },
        height: ix.height,
        width: ix.width,
        frames,
        actions: ix.actions,
        episode: ix.episode,
        tiles: ix.tiles,
        action_names: ix.header.action_names,
        map: ix.map,
        generator: ix.header.generator,
        layouts: ix.layouts,
    })
}

fn require_file(path: &Path) -> Result<()> {
    crate::files::require_regular_file(
        path,
        "file missing: a worldbench dataset folder needs dataset.json and data.safetensors",
    )
}

/// Reads `dataset.json` and checks its format string, frame shape and action names.
fn read_header(path: &Path) -> Result<NativeHeader> {
    require_file(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
    let header: NativeHeader = serde_json::from_str(&text).map_err(|e| {
        StorageError::invalid(path, format!("not a valid dataset description: {e}"))
    })?;
    if header.format != NATIVE_FORMAT {
        let msg = format!(
            "unknown format {:?} (this version reads {NATIVE_FORMAT:?})",
            header.format
        );
        return Err(StorageError::invalid(path, msg));
    }
    let shape_ok = header.frame_shape.len() == 3
        && header.frame_shape[2] == 3
        && header.frame_shape[..2].iter().all(|&d| d > 0);
    if !shape_ok {
        let msg = format!(
            "frame_shape must be [height, width, 3] with height, width > 0, got {:?}",
            header.frame_shape
        );
        return Err(StorageError::invalid(path, msg));
    }
    if header.action_names.is_empty() || header.action_names.len() > 256 {
        let msg = format!(
            "action_names must hold 1 to 256 names, got {}",
            header.action_names.len()
        );
        return Err(StorageError::invalid(path, msg));
    }
    Ok(header)
}

fn check_counts(dir: &Path, header: &NativeHeader, frames: usize, episodes: usize) -> Result<()> {
    let c = header.counts;
    if c.frames != frames || c.episodes != episodes {
        let msg = format!(
            "counts say {} frames and {} episodes but data.safetensors holds {frames} frames and {episodes} episodes",
            c.frames, c.episodes
        );
        return Err(StorageError::invalid(dir.join(DATASET_JSON), msg));
    }
    Ok(())
}

/// Reads and validates `map.txt` (see [`super::map::check_map_text`]), when there is one.
pub(super) fn read_map(path: &Path) -> Result<Option<String>> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    require_file(path)?;
    let bytes = std::fs::read(path).map_err(|e| StorageError::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        StorageError::invalid(
            path,
            format!(
                "not a tile map: not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    super::map::check_map_text(&text)
        .map_err(|e| StorageError::invalid(path, format!("not a valid tile map: {e}")))?;
    Ok(Some(text))
}

/// Removes tensor `name` from `slots`, checking that it exists and has `dtype`.
fn take(
    path: &Path,
    slots: &mut BTreeMap<String, TensorSlot>,
    name: &str,
    dtype: Dtype,
) -> Result<TensorSlot> {
    let t = slots
        .remove(name)
        .ok_or_else(|| StorageError::invalid(path, format!("missing tensor {name:?}")))?;
    if t.dtype == dtype {
        Ok(t)
    } else {
        Err(StorageError::invalid(
            path,
            format!(
                "tensor {name:?} has dtype {:?}, expected {dtype:?}",
                t.dtype
            ),
        ))
    }
}

/// Checks that the shape of `t` is `want`.
fn check_shape(path: &Path, name: &str, t: &TensorSlot, want: &[usize]) -> Result<()> {
    if t.shape == want {
        return Ok(());
    }
    let msg = format!(
        "tensor {name:?} has shape {:?}, expected {want:?} (one entry per frame of \"frames\")",
        t.shape
    );
    Err(StorageError::invalid(path, msg))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::tiny_dataset;
    use super::*;
    use crate::tensors::{read_safetensors, write_safetensors, TensorBlob};

    fn written() -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ds");
        write_native(&dir, &tiny_dataset()).unwrap();
        (tmp, dir)
    }

    fn err_of(dir: &Path) -> String {
        read_native(dir).unwrap_err().to_string()
    }

    /// Rewrites data.safetensors after `edit` changes its tensors.
    fn edit_tensors(
        dir: &Path,
        edit: impl FnOnce(&mut std::collections::BTreeMap<String, TensorBlob>),
    ) {
        let path = dir.join(DATA_SAFETENSORS);
        let (mut t, _) = read_safetensors(&path).unwrap();
        edit(&mut t);
        let list: Vec<(String, TensorBlob)> = t.into_iter().collect();
        write_safetensors(&path, &list, None).unwrap();
    }

    fn edit_json(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = dir.join(DATASET_JSON);
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut v);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    #[test]
    fn roundtrip_keeps_everything() {
        let (_tmp, dir) = written();
        let ds = tiny_dataset();
        let got = read_native(&dir).unwrap();
        assert_eq!(got.name, ds.name);
        assert_eq!((got.height, got.width), (ds.height, ds.width));
        assert_eq!(got.frames, ds.frames);
        assert_eq!(got.actions, ds.actions);
        assert_eq!(got.episode, ds.episode);
        assert_eq!(got.tiles, ds.tiles);
        assert_eq!(got.action_names, ds.action_names);
        assert_eq!(got.map, ds.map);
        assert_eq!(got.generator, ds.generator);
        assert_eq!(got.source, DatasetSource::Native { dir: dir.clone() });
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(DATASET_JSON)).unwrap()).unwrap();
        assert_eq!(json["format"], "worldbench.dataset/1");
        assert_eq!(json["frame_shape"], serde_json::json!([2, 3, 3]));
        assert_eq!(
            json["counts"],
            serde_json::json!({"frames": 5, "episodes": 2})
        );
    }

    #[test]
    fn without_tiles_or_map() {
        let tmp = tempfile::tempdir().unwrap();
        let mut ds = tiny_dataset();
        ds.tiles = None;
        ds.map = None;
        write_native(tmp.path(), &ds).unwrap();
        assert!(!tmp.path().join(MAP_TXT).exists());
        let got = read_native(tmp.path()).unwrap();
        assert_eq!(got.tiles, None);
        assert_eq!(got.map, None);
        let (t, _) = read_safetensors(&tmp.path().join(DATA_SAFETENSORS)).unwrap();
        assert_eq!(
            t.keys().collect::<Vec<_>>(),
            ["actions", "episode", "frames"]
        );
    }

    #[test]
    fn missing_files_are_named() {
        let (_tmp, dir) = written();
        std::fs::remove_file(dir.join(DATA_SAFETENSORS)).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains("data.safetensors") && e.contains("file missing"),
            "{e}"
        );
        std::fs::remove_file(dir.join(DATASET_JSON)).unwrap();
        assert!(err_of(&dir).contains("dataset.json"));
    }

    #[test]
    fn truncated_safetensors_is_named() {
        let (_tmp, dir) = written();
        let path = dir.join(DATA_SAFETENSORS);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains("data.safetensors") && e.contains("truncated"),
            "{e}"
        );
    }

    #[test]
    fn missing_key_wrong_dtype_wrong_shape() {
        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| {
            t.remove("episode");
        });
        assert!(err_of(&dir).contains("missing tensor \"episode\""));

        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| {
            t.get_mut("actions").unwrap().dtype = Dtype::I8;
        });
        let e = err_of(&dir);
        assert!(e.contains("\"actions\" has dtype I8, expected U8"), "{e}");

        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| {
            let f = t.get_mut("frames").unwrap();
            f.shape = vec![5, 3, 2, 3];
        });
        let e = err_of(&dir);
        assert!(
            e.contains("\"frames\" has shape [5, 3, 2, 3], expected [5, 2, 3, 3]"),
            "{e}"
        );
    }

    #[test]
    fn lengths_that_disagree() {
        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| {
            let e = t.get_mut("episode").unwrap();
            e.shape = vec![4];
            e.data.truncate(16);
        });
        let e = err_of(&dir);
        assert!(e.contains("\"episode\" has shape [4], expected [5]"), "{e}");

        let (_tmp, dir) = written();
        edit_json(&dir, |v| v["counts"]["frames"] = 6.into());
        let e = err_of(&dir);
        assert!(e.contains("dataset.json") && e.contains("6 frames"), "{e}");
    }

    #[test]
    fn unknown_format_and_bad_json() {
        let (_tmp, dir) = written();
        edit_json(&dir, |v| v["format"] = "worldbench.dataset/99".into());
        let e = err_of(&dir);
        assert!(
            e.contains("dataset.json") && e.contains("unknown format \"worldbench.dataset/99\""),
            "{e}"
        );
        std::fs::write(dir.join(DATASET_JSON), "{\n  \"format\": ").unwrap();
        let e = err_of(&dir);
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn action_out_of_range_and_noncontiguous_episodes() {
        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| t.get_mut("actions").unwrap().data[3] = 5);
        let e = err_of(&dir);
        assert!(
            e.contains("data.safetensors") && e.contains("action 5 at frame 3"),
            "{e}"
        );

        let (_tmp, dir) = written();
        // episodes 0,0,1,1,1 -> 0,1,0,1,1
        let ep: Vec<u8> = [0u32, 1, 0, 1, 1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        edit_tensors(&dir, |t| t.get_mut("episode").unwrap().data = ep);
        let e = err_of(&dir);
        assert!(
            e.contains("not contiguous") && e.contains("episode 0"),
            "{e}"
        );
    }

    #[test]
    fn a_short_array_is_blamed_itself() {
        let (_tmp, dir) = written();
        edit_tensors(&dir, |t| {
            let a = t.get_mut("actions").unwrap();
            a.shape = vec![4];
            a.data.truncate(4);
        });
        let e = err_of(&dir);
        assert!(e.contains("\"actions\" has shape [4], expected [5]"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_not_a_missing_file() {
        let (_tmp, dir) = written();
        let path = dir.join(DATA_SAFETENSORS);
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&path, &path).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains("data.safetensors")
                && e.contains("symbolic links")
                && !e.contains("missing"),
            "{e}"
        );
    }

    #[test]
    fn a_broken_map_is_named_with_line_and_column() {
        let floor = format!("{}\n", ".".repeat(16));
        let cases = [
            (floor.repeat(13), "found 13 lines"),
            (
                format!(".{}", floor.repeat(14)),
                "line 1: expected 16 characters, found 17",
            ),
            (
                floor.repeat(14).replacen('.', "x", 1),
                "line 1, column 1: unexpected character 'x'",
            ),
            (
                format!("{}.#{}", floor.repeat(12), &floor.repeat(2)[2..]),
                "start tile 12,1",
            ),
        ];
        for (text, want) in cases {
            let (_tmp, dir) = written();
            std::fs::write(dir.join(MAP_TXT), &text).unwrap();
            let e = err_of(&dir);
            let path = dir.join(MAP_TXT).display().to_string();
            assert!(e.starts_with(&path) && e.contains(want), "{e}");
            let lazy = super::super::open_dataset_lazy(&dir)
                .unwrap_err()
                .to_string();
            assert_eq!(lazy, e);
        }
        let (_tmp, dir) = written();
        std::fs::write(dir.join(MAP_TXT), b"\xff\xfe").unwrap();
        assert!(err_of(&dir).contains("not UTF-8"), "{}", err_of(&dir));
        let mut ds = tiny_dataset();
        ds.map = Some("#".into());
        let tmp = tempfile::tempdir().unwrap();
        let e = write_native(tmp.path(), &ds).unwrap_err().to_string();
        assert!(e.contains("map.txt") && e.contains("found 1 lines"), "{e}");
    }

    #[test]
    fn write_refuses_inconsistent_dataset() {
        let tmp = tempfile::tempdir().unwrap();
        let mut ds = tiny_dataset();
        ds.episode.pop();
        let e = write_native(tmp.path(), &ds).unwrap_err().to_string();
        assert!(e.contains("episode has 4 entries"), "{e}");
        assert!(!tmp.path().join(DATASET_JSON).exists());
    }
}
