//! Opening a dataset without reading its frames: the small per-frame arrays (actions, episodes,
//! tiles) are read and validated at once, each frame is read (native format) or decoded
//! (trajectory folder) only when asked for. A million 64×56 frames take ~10.7 GB in memory; their
//! actions, episodes and tiles take ~9 MB.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::native::read_native_index;
use super::open::{format_of, DatasetFormat};
use super::trajfolder::{check_png_headers, check_png_size, decode_png, index_traj_folder};
use super::validate::episode_ranges;
use super::{Dataset, DatasetSource, ACTION_NAMES};
use crate::error::{Result, StorageError};
use crate::tensors::read_exact_at;

/// Where the frames of a [`LazyDataset`] come from.
#[derive(Debug)]
pub enum FrameSource {
    /// All frames in memory, `N * height * width * 3` bytes (a dataset not on disk).
    Memory(Vec<u8>),
    /// The `frames` tensor of a native `data.safetensors`: frame `i` is the
    /// `height * width * 3` bytes at `offset + i * height * width * 3` of `file`.
    Safetensors {
        path: PathBuf,
        file: File,
        offset: u64,
    },
    /// One PNG per frame (a trajectory folder's `state_<i>.png`, all trajectories in order).
    Pngs(Vec<PathBuf>),
}

/// A dataset whose frames stay on disk until [`LazyDataset::frame`] asks for one. The fields mean
/// what they mean in [`Dataset`]. `&self` methods are safe to call from several threads at once.
#[derive(Debug)]
pub struct LazyDataset {
    pub name: String,
    pub source: DatasetSource,
    pub height: usize,
    pub width: usize,
    /// `N` action ids, indices into `action_names`.
    pub actions: Vec<u8>,
    /// `N` episode (trajectory) ids; frames of one episode are contiguous and in order.
    pub episode: Vec<u32>,
    /// `N` agent tiles `[row, col]`, when known.
    pub tiles: Option<Vec<[i16; 2]>>,
    pub action_names: Vec<String>,
    /// The tile map of a generated dataset ('#' wall, '.' floor), one line per row.
    pub map: Option<String>,
    /// How the dataset was generated, when it was.
    pub generator: Option<serde_json::Value>,
    /// A mixed dataset's layouts (see [`Dataset::layouts`]).
    pub layouts: Option<super::EpisodeLayouts>,
    pub frames: FrameSource,
}

/// Opens a native dataset or a trajectory folder, whichever `path` holds, reading everything but
/// the frames (the header of every PNG of a trajectory folder is read: each must be a PNG, not cut
/// short, of one size). The same checks as [`super::open_dataset`], except that frame pixels are
/// checked when read ([`super::check_dataset`] decodes them all).
pub fn open_dataset_lazy(path: &Path) -> Result<LazyDataset> {
    match format_of(path)? {
        DatasetFormat::Native => open_native_lazy(path),
        DatasetFormat::TrajFolder => open_traj_folder_lazy(path),
    }
}

fn open_native_lazy(dir: &Path) -> Result<LazyDataset> {
    let ix = read_native_index(dir)?;
    Ok(LazyDataset {
        name: ix.header.name,
        source: DatasetSource::Native {
            dir: dir.to_path_buf(),
        },
        height: ix.height,
        width: ix.width,
        actions: ix.actions,
        episode: ix.episode,
        tiles: ix.tiles,
        action_names: ix.header.action_names,
        map: ix.map,
        generator: ix.header.generator,
        layouts: ix.layouts,
        frames: FrameSource::Safetensors {
            path: ix.data_path,
            file: ix.data_file,
            offset: ix.frames_offset,
        },
    })
}

fn open_traj_folder_lazy(root: &Path) -> Result<LazyDataset> {
    let ix = index_traj_folder(root)?;
    // The header of every PNG: what `data info` reports is checked (a full decode is `data check`).
    let (width, height) = check_png_headers(&ix.pngs)?;
    let (width, height) = (width as usize, height as usize);
    Ok(LazyDataset {
        name: ix.name,
        source: DatasetSource::TrajFolder {
            root: root.to_path_buf(),
        },
        height,
        width,
        actions: ix.actions,
        episode: ix.episode,
        tiles: ix.tiles,
        action_names: ACTION_NAMES.iter().map(|s| (*s).to_string()).collect(),
        map: None,
        generator: None,
        layouts: None,
        frames: FrameSource::Pngs(ix.pngs),
    })
}

impl LazyDataset {
    /// A dataset already in memory, seen through the lazy interface (its frames stay in memory).
    pub fn from_dataset(ds: Dataset) -> Self {
        Self {
            name: ds.name,
            source: ds.source,
            height: ds.height,
            width: ds.width,
            actions: ds.actions,
            episode: ds.episode,
            tiles: ds.tiles,
            action_names: ds.action_names,
            map: ds.map,
            generator: ds.generator,
            layouts: ds.layouts,
            frames: FrameSource::Memory(ds.frames),
        }
    }

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

    /// The index ranges of the episodes, in order.
    pub fn episodes(&self) -> Vec<Range<usize>> {
        episode_ranges(&self.episode)
    }

    /// The map text of episode `e`, see [`Dataset::episode_map`].
    pub fn episode_map(&self, e: usize) -> Option<&str> {
        super::episode_map(self.layouts.as_ref(), self.map.as_deref(), e)
    }

    /// The layout of episode `e`, see [`Dataset::episode_layout`].
    pub fn episode_layout(&self, e: usize) -> Option<String> {
        super::episode_layout(self.layouts.as_ref(), self.generator.as_ref(), e)
    }

    /// Frame `i` as `[height, width, 3]` RGB bytes, read from disk (or copied from memory). Errors
    /// name the file: an index out of range, a file that became shorter, a PNG that cannot be
    /// decoded or whose size differs from the first frame's.
    pub fn frame(&self, i: usize) -> Result<Vec<u8>> {
        if i >= self.len() {
            return Err(StorageError::invalid(
                self.location(),
                format!(
                    "frame {i} is out of range: the dataset has {} frames",
                    self.len()
                ),
            ));
        }
        let n = self.frame_bytes();
        match &self.frames {
            FrameSource::Memory(frames) => frames
                .get(i * n..(i + 1) * n)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| {
                    StorageError::invalid(
                        self.location(),
                        format!("frame {i} lies beyond the {} bytes of frames", frames.len()),
                    )
                }),
            FrameSource::Safetensors { path, file, offset } => {
                read_exact_at(path, file, offset + (i * n) as u64, n)
            }
            FrameSource::Pngs(paths) => {
                let (w, h, rgb) = decode_png(&paths[i])?;
                let want = (self.width as u32, self.height as u32);
                check_png_size(&paths[i], (w, h), &paths[0], want)?;
                Ok(rgb)
            }
        }
    }

    /// The folder the dataset was read from, or its name when it is in memory (for errors).
    fn location(&self) -> PathBuf {
        match &self.source {
            DatasetSource::Memory => PathBuf::from(&self.name),
            DatasetSource::Native { dir } => dir.clone(),
            DatasetSource::TrajFolder { root } => root.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::tiny_dataset;
    use super::super::{open_dataset, write_native, write_traj_folder, DatasetInfo};
    use super::*;

    /// Both formats of the tiny dataset, in `tmp`.
    fn both(tmp: &Path) -> [PathBuf; 2] {
        let (native, traj) = (tmp.join("n"), tmp.join("t"));
        write_native(&native, &tiny_dataset()).unwrap();
        write_traj_folder(&traj, &tiny_dataset()).unwrap();
        [native, traj]
    }

    #[test]
    fn lazy_frames_and_arrays_equal_the_eager_ones() {
        let tmp = tempfile::tempdir().unwrap();
        for path in both(tmp.path()) {
            let eager = open_dataset(&path).unwrap();
            let lazy = open_dataset_lazy(&path).unwrap();
            assert_eq!(lazy.len(), 5);
            assert_eq!((lazy.height, lazy.width), (2, 3));
            assert_eq!(lazy.name, eager.name);
            assert_eq!(lazy.source, eager.source);
            assert_eq!(lazy.actions, eager.actions);
            assert_eq!(lazy.episode, eager.episode);
            assert_eq!(lazy.tiles, eager.tiles);
            assert_eq!(lazy.map, eager.map);
            assert_eq!(lazy.generator, eager.generator);
            assert_eq!(lazy.episodes(), vec![0..2, 2..5]);
            assert_eq!(
                DatasetInfo::from_lazy(&lazy),
                DatasetInfo::from_dataset(&eager)
            );
            // Read backwards, and from several threads at once.
            for i in (0..5).rev() {
                assert_eq!(lazy.frame(i).unwrap(), eager.frame(i), "{}", path.display());
            }
            let lazy = &lazy;
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..5)
                    .map(|i| (i, s.spawn(move || lazy.frame(i).unwrap())))
                    .collect();
                for (i, h) in handles {
                    assert_eq!(h.join().unwrap(), tiny_dataset().frame(i));
                }
            });
            let e = lazy.frame(5).unwrap_err().to_string();
            assert!(
                e.contains("frame 5 is out of range") && e.contains("5 frames"),
                "{e}"
            );
        }
    }

    #[test]
    fn in_memory_dataset_reads_the_same() {
        let lazy = LazyDataset::from_dataset(tiny_dataset());
        assert_eq!(lazy.frame(3).unwrap(), tiny_dataset().frame(3));
        assert_eq!(DatasetInfo::from_lazy(&lazy).format, "memory");
    }

    #[test]
    fn truncated_safetensors_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let [native, _] = both(tmp.path());
        let path = native.join("data.safetensors");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
        let e = open_dataset_lazy(&native).unwrap_err().to_string();
        assert!(
            e.contains(&path.display().to_string()) && e.contains("truncated"),
            "{e}"
        );
    }

    #[test]
    fn a_file_truncated_after_opening_is_named_when_a_frame_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let [native, _] = both(tmp.path());
        let lazy = open_dataset_lazy(&native).unwrap();
        let path = native.join("data.safetensors");
        let len = std::fs::metadata(&path).unwrap().len();
        // Cut the file in place (same inode) so that the open handle sees it shrink.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len / 2).unwrap();
        let e = lazy.frame(4).unwrap_err().to_string();
        assert!(
            e.contains("data.safetensors") && e.contains("truncated"),
            "{e}"
        );
    }

    #[test]
    fn wrong_frames_dtype_is_refused_like_the_eager_reader() {
        let tmp = tempfile::tempdir().unwrap();
        let [native, _] = both(tmp.path());
        let path = native.join("data.safetensors");
        let (mut t, _) = crate::tensors::read_safetensors(&path).unwrap();
        let f = t.get_mut("frames").unwrap();
        f.shape = vec![5, 3, 2, 3];
        let list: Vec<_> = t.into_iter().collect();
        crate::tensors::write_safetensors(&path, &list, None).unwrap();
        let lazy = open_dataset_lazy(&native).unwrap_err().to_string();
        let eager = open_dataset(&native).unwrap_err().to_string();
        assert_eq!(lazy, eager);
        assert!(lazy.contains("expected [5, 2, 3, 3]"), "{lazy}");
    }

    /// Breaks a file in place.
    type Make<'a> = Box<dyn Fn() + 'a>;

    #[test]
    fn every_png_header_is_checked_when_opening() {
        let tmp = tempfile::tempdir().unwrap();
        let [_, traj] = both(tmp.path());
        let target = traj.join("traj_1/states/state_2.png");
        let good = std::fs::read(&target).unwrap();
        let cases: Vec<(&str, Make<'_>, &str)> = vec![
            (
                "random bytes",
                Box::new(|| std::fs::write(&target, b"\x13\x37 random").unwrap()),
                "not a readable PNG",
            ),
            (
                "half",
                Box::new(|| std::fs::write(&target, &good[..good.len() / 2]).unwrap()),
                "not a readable PNG",
            ),
            (
                "empty",
                Box::new(|| std::fs::write(&target, b"").unwrap()),
                "not a readable PNG",
            ),
            (
                "other size",
                Box::new(|| {
                    image::save_buffer(&target, &[0; 12], 4, 1, image::ExtendedColorType::Rgb8)
                        .unwrap();
                }),
                "4×1",
            ),
            (
                "folder",
                Box::new(|| std::fs::create_dir(&target).unwrap()),
                "is a folder",
            ),
            #[cfg(unix)]
            (
                "loop",
                Box::new(|| std::os::unix::fs::symlink(&target, &target).unwrap()),
                "symbolic links",
            ),
        ];
        for (what, make, want) in cases {
            std::fs::remove_file(&target).unwrap();
            make();
            let e = open_dataset_lazy(&traj).unwrap_err().to_string();
            assert!(
                e.starts_with(&target.display().to_string()) && e.contains(want),
                "{what}: {e}"
            );
            if target.is_dir() {
                std::fs::remove_dir(&target).unwrap();
            } else {
                std::fs::remove_file(&target).unwrap();
            }
            std::fs::write(&target, &good).unwrap();
        }
        assert!(open_dataset_lazy(&traj).is_ok());
    }

    #[test]
    fn a_too_large_trajectory_number_names_its_own_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let [_, traj] = both(tmp.path());
        let big = traj.join("traj_4294967296");
        std::fs::rename(traj.join("traj_1"), &big).unwrap();
        let e = open_dataset_lazy(&traj).unwrap_err().to_string();
        assert!(
            e.starts_with(&big.display().to_string()) && e.contains("too large"),
            "{e}"
        );
    }

    #[test]
    fn png_of_another_size_is_named_when_read() {
        let tmp = tempfile::tempdir().unwrap();
        let [_, traj] = both(tmp.path());
        // Frame 3 is traj_1's second state.
        let odd = traj.join("traj_1/states/state_1.png");
        // Replaced after opening (opening checks every header).
        let lazy = open_dataset_lazy(&traj).unwrap();
        image::save_buffer(&odd, &[0; 4 * 3], 4, 1, image::ExtendedColorType::Rgb8).unwrap();
        assert_eq!(lazy.frame(2).unwrap(), tiny_dataset().frame(2));
        let e = lazy.frame(3).unwrap_err().to_string();
        assert!(
            e.contains(&odd.display().to_string()) && e.contains("4×1") && e.contains("one size"),
            "{e}"
        );
    }
}
