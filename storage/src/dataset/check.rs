//! `worldbench data check`: read and decode everything a dataset holds and list every bad file, not
//! only the first one.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::native::read_native_index;
use super::open::{format_of, DatasetFormat};
use super::trajfolder::{
    check_png_size, decode_png, list_states, list_trajectories, png_header, read_actions,
    read_tiles,
};
use crate::error::{Result, StorageError};
use crate::tensors::read_exact_at;

/// What [`check_dataset`] found.
#[derive(Debug)]
pub struct DatasetCheck {
    /// Frames read (native) or PNGs decoded (trajectory folder), good or bad.
    pub frames: usize,
    /// Every problem found, each naming its file; empty when the dataset is sound.
    pub problems: Vec<StorageError>,
}

/// Reads every file of the dataset at `path` and decodes every frame. Problems with single files
/// are collected in [`DatasetCheck::problems`]; `Err` only when `path` is no dataset at all.
pub fn check_dataset(path: &Path) -> Result<DatasetCheck> {
    match format_of(path)? {
        DatasetFormat::Native => Ok(check_native(path)),
        DatasetFormat::TrajFolder => check_traj_folder(path),
    }
}

/// Bytes of frames read at a time from a native `data.safetensors`.
const CHUNK_BYTES: usize = 64 << 20;

fn check_native(dir: &Path) -> DatasetCheck {
    let ix = match read_native_index(dir) {
        Ok(ix) => ix,
        Err(e) => {
            return DatasetCheck {
                frames: 0,
                problems: vec![e],
            }
        }
    };
    let frame = ix.height * ix.width * 3;
    let per_chunk = (CHUNK_BYTES / frame.max(1)).max(1);
    let n = ix.actions.len();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < n {
        let k = per_chunk.min(n - i);
        let offset = ix.frames_offset + (i * frame) as u64;
        if let Err(e) = read_exact_at(&ix.data_path, &ix.data_file, offset, k * frame) {
            problems.push(e);
            break;
        }
        i += k;
    }
    DatasetCheck {
        frames: i,
        problems,
    }
}

fn check_traj_folder(root: &Path) -> Result<DatasetCheck> {
    let trajs = list_trajectories(root)?;
    let mut problems = Vec::new();
    if trajs.is_empty() {
        problems.push(StorageError::invalid(root, "no traj_<k> folders"));
    }
    let mut pngs: Vec<PathBuf> = Vec::new();
    for (k, dir) in &trajs {
        if u32::try_from(*k).is_err() {
            let msg = format!("trajectory number too large (at most {})", u32::MAX);
            problems.push(StorageError::invalid(dir, msg));
        }
        let states = match list_states(dir) {
            Ok(states) => states,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if let Err(e) = read_actions(&dir.join("actions.npz"), states.len()) {
            problems.push(e);
        }
        if let Err(e) = read_tiles(&dir.join("infos.npz"), states.len()) {
            problems.push(e);
        }
        pngs.extend(states);
    }
    // Header (as `data info` reads it), then the whole image; only the size is kept.
    let sizes: Vec<Result<(u32, u32)>> = pngs
        .par_iter()
        .map(|p| {
            png_header(p)?;
            decode_png(p).map(|(w, h, _)| (w, h))
        })
        .collect();
    let first = pngs
        .iter()
        .zip(&sizes)
        .find_map(|(p, s)| s.as_ref().ok().map(|&s| (p.clone(), s)));
    for (path, size) in pngs.iter().zip(sizes) {
        match (size, &first) {
            (Err(e), _) => problems.push(e),
            (Ok(size), Some((first_path, first_size))) => {
                if let Err(e) = check_png_size(path, size, first_path, *first_size) {
                    problems.push(e);
                }
            }
            (Ok(_), None) => {}
        }
    }
    Ok(DatasetCheck {
        frames: pngs.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::tiny_dataset;
    use super::super::{write_native, write_traj_folder};
    use super::*;

    #[test]
    fn sound_datasets_have_no_problems() {
        let tmp = tempfile::tempdir().unwrap();
        let (n, t) = (tmp.path().join("n"), tmp.path().join("t"));
        write_native(&n, &tiny_dataset()).unwrap();
        write_traj_folder(&t, &tiny_dataset()).unwrap();
        for p in [n, t] {
            let c = check_dataset(&p).unwrap();
            assert_eq!(c.frames, 5);
            assert!(c.problems.is_empty(), "{:?}", c.problems);
        }
    }

    #[test]
    fn every_bad_file_is_listed() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path().join("t");
        write_traj_folder(&t, &tiny_dataset()).unwrap();
        let s = |k: usize, i: usize| t.join(format!("traj_{k}/states/state_{i}.png"));
        std::fs::write(s(0, 0), b"random bytes, not a PNG").unwrap();
        let whole = std::fs::read(s(1, 0)).unwrap();
        std::fs::write(s(1, 0), &whole[..whole.len() / 2]).unwrap();
        std::fs::write(s(1, 1), b"").unwrap();
        image::save_buffer(s(1, 2), &[0; 4 * 3], 4, 1, image::ExtendedColorType::Rgb8).unwrap();
        std::fs::write(t.join("traj_0/actions.npz"), b"PK not really").unwrap();
        let c = check_dataset(&t).unwrap();
        let msgs: Vec<String> = c.problems.iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 5, "{msgs:#?}");
        assert!(msgs[0].contains("traj_0/actions.npz"), "{msgs:#?}");
        for (m, k, i) in [(1, 0, 0), (2, 1, 0), (3, 1, 1), (4, 1, 2)] {
            assert!(
                msgs[m].contains(&s(k, i).display().to_string()),
                "{m}: {msgs:#?}"
            );
        }
        assert!(msgs[4].contains("4×1"), "{msgs:#?}");
    }
}
