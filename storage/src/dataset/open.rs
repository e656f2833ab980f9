//! Opening a dataset folder of either format, and hashing its files.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::native::{read_native, DATASET_JSON, DATA_SAFETENSORS, MAP_TXT};
use super::trajfolder::{list_trajectories, numbered, read_traj_folder};
use super::Dataset;
use crate::error::{Result, StorageError};

/// The on-disk format of a dataset folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetFormat {
    /// `dataset.json` + `data.safetensors`.
    Native,
    /// `traj_*/states/state_*.png` + `actions.npz`.
    TrajFolder,
}

/// Which format `path` holds, or `None` when it is neither (or missing).
pub fn detect_format(path: &Path) -> Option<DatasetFormat> {
    // Anything named dataset.json (a folder, a broken link) makes it a native dataset folder, so
    // that the reader names what is wrong with that file.
    if std::fs::symlink_metadata(path.join(DATASET_JSON)).is_ok() {
        return Some(DatasetFormat::Native);
    }
    let has_traj = std::fs::read_dir(path).ok()?.flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with("traj_") && e.path().join("states").is_dir()
    });
    has_traj.then_some(DatasetFormat::TrajFolder)
}

pub(super) fn format_of(path: &Path) -> Result<DatasetFormat> {
    if !path.exists() {
        return Err(StorageError::NotFound {
            path: path.to_path_buf(),
            what: "dataset folder".into(),
        });
    }
    detect_format(path).ok_or_else(|| {
        StorageError::invalid(
            path,
            "not a dataset: expected dataset.json (worldbench format) or traj_*/states/state_*.png folders",
        )
    })
}

/// Opens a native dataset or a trajectory folder, whichever `path` holds.
pub fn open_dataset(path: &Path) -> Result<Dataset> {
    match format_of(path)? {
        DatasetFormat::Native => read_native(path),
        DatasetFormat::TrajFolder => read_traj_folder(path),
    }
}

/// The dataset's files in a stable order, with their names relative to `path` ('/'-separated).
fn dataset_files(path: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut add = |rel: String| {
        let full = path.join(&rel);
        if full.is_file() {
            files.push((rel, full));
        }
    };
    match format_of(path)? {
        DatasetFormat::Native => {
            for name in [DATASET_JSON, DATA_SAFETENSORS, MAP_TXT] {
                add(name.to_string());
            }
            // A mixed dataset's maps, in name order.
            if let Ok(entries) = std::fs::read_dir(path.join(super::layouts::MAPS_DIR)) {
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| Path::new(n).extension().is_some_and(|e| e == "txt"))
                    .collect();
                names.sort();
                for n in names {
                    add(format!("{}/{n}", super::layouts::MAPS_DIR));
                }
            }
        }
        DatasetFormat::TrajFolder => {
            for (k, dir) in list_trajectories(path)? {
                for i in state_numbers(&dir.join("states"))? {
                    add(format!("traj_{k}/states/state_{i}.png"));
                }
                add(format!("traj_{k}/actions.npz"));
                add(format!("traj_{k}/infos.npz"));
            }
        }
    }
    Ok(files)
}

/// The sorted numbers i of `state_<i>.png` in `dir`.
fn state_numbers(dir: &Path) -> Result<Vec<u64>> {
    let entries = std::fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))?;
    let mut out: Vec<u64> = entries
        .flatten()
        .filter_map(|e| numbered(&e.file_name().to_string_lossy(), "state_", ".png"))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// blake3 hex digest over the dataset's files (name, length, bytes of each) in a stable order.
pub fn dataset_hash(path: &Path) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    for (rel, full) in dataset_files(path)? {
        let mut file = std::fs::File::open(&full).map_err(|e| StorageError::io(&full, e))?;
        let len = file
            .metadata()
            .map_err(|e| StorageError::io(&full, e))?
            .len();
        hasher.update(rel.as_bytes());
        hasher.update(&[0]);
        hasher.update(&len.to_le_bytes());
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| StorageError::io(&full, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::super::native::write_native;
    use super::super::testutil::tiny_dataset;
    use super::super::trajfolder_write::write_traj_folder;
    use super::*;

    #[test]
    fn opens_both_formats() {
        let tmp = tempfile::tempdir().unwrap();
        let (native, traj) = (tmp.path().join("n"), tmp.path().join("t"));
        write_native(&native, &tiny_dataset()).unwrap();
        write_traj_folder(&traj, &tiny_dataset()).unwrap();
        assert_eq!(detect_format(&native), Some(DatasetFormat::Native));
        assert_eq!(detect_format(&traj), Some(DatasetFormat::TrajFolder));
        assert_eq!(open_dataset(&native).unwrap().frames, tiny_dataset().frames);
        assert_eq!(open_dataset(&traj).unwrap().frames, tiny_dataset().frames);
    }

    #[test]
    fn neither_format_or_missing_is_an_error_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let e = open_dataset(tmp.path()).unwrap_err().to_string();
        let want = format!(
            "{}: not a dataset: expected dataset.json (worldbench format) or traj_*/states/state_*.png folders",
            tmp.path().display()
        );
        assert_eq!(e, want);
        let missing = tmp.path().join("nope");
        let e = open_dataset(&missing).unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("not found"), "{e}");
    }

    #[test]
    fn hash_is_stable_and_sees_content_and_names() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write_traj_folder(&a, &tiny_dataset()).unwrap();
        write_traj_folder(&b, &tiny_dataset()).unwrap();
        let ha = dataset_hash(&a).unwrap();
        assert_eq!(ha.len(), 64);
        assert_eq!(ha, dataset_hash(&b).unwrap());
        // A renamed trajectory changes the hash even though no bytes changed.
        std::fs::rename(b.join("traj_1"), b.join("traj_5")).unwrap();
        assert_ne!(ha, dataset_hash(&b).unwrap());

        let n = tmp.path().join("n");
        write_native(&n, &tiny_dataset()).unwrap();
        let hn = dataset_hash(&n).unwrap();
        let mut ds = tiny_dataset();
        ds.frames[0] ^= 1;
        write_native(&n, &ds).unwrap();
        assert_ne!(hn, dataset_hash(&n).unwrap());
        // Unrelated files beside the dataset do not count.
        let h2 = dataset_hash(&n).unwrap();
        std::fs::write(n.join("notes.txt"), "x").unwrap();
        assert_eq!(h2, dataset_hash(&n).unwrap());
    }
}
