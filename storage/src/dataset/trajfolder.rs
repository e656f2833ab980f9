//! Researchers' trajectory folders, read in place:
//! `<root>/traj_<k>/states/state_<i>.png`, `traj_<k>/actions.npz`, optional `traj_<k>/infos.npz`.
//!
//! `state_i` is the frame before action `i`. `actions.npz` holds `(T, 8)` controller buttons
//! (A, B, SELECT, START, UP, DOWN, LEFT, RIGHT) or `(T,)` action ids 0..4; `infos.npz` holds the
//! agent's pixel position `agent_x`, `agent_y` after each action; frame 0 sits at [`START_PIXEL`]
//! unless `infos.npz` also holds Worldbench's optional one-value arrays `start_x`, `start_y`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::npz::{Npz, NumArray};
use super::{Dataset, DatasetSource, ACTION_NAMES};
use crate::error::{Result, StorageError};

/// Pixel position of the agent in frame 0 of every trajectory (x, y).
pub const START_PIXEL: (i64, i64) = (4, 48);
/// Pixels per tile side: tile = (y / 4, x / 4).
pub const TILE_PX: i64 = 4;
/// Number of controller buttons per row of `actions.npz`.
pub const BUTTONS: usize = 8;
/// Index of the UP button; DOWN, LEFT, RIGHT follow (action ids 1..=4 in the same order).
pub const BUTTON_UP: usize = 4;

/// The numeric part of `name` = `<prefix><digits><suffix>`, if it has that form.
pub fn numbered(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The `traj_<k>` folders below `root`, in natural order of `k`.
pub fn list_trajectories(root: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let entries = std::fs::read_dir(root).map_err(|e| StorageError::io(root, e))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StorageError::io(root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("traj_") || !entry.path().is_dir() {
            continue;
        }
        let k = numbered(&name, "traj_", "").ok_or_else(|| {
            StorageError::invalid(
                entry.path(),
                "trajectory folders must be named traj_<number>",
            )
        })?;
        out.push((k, entry.path()));
    }
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// `states/state_<i>.png` of one trajectory, i = 0, 1, … without gaps.
pub(super) fn list_states(traj: &Path) -> Result<Vec<PathBuf>> {
    let dir = traj.join("states");
    let entries = std::fs::read_dir(&dir).map_err(|e| StorageError::io(&dir, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StorageError::io(&dir, e))?;
        if let Some(i) = numbered(&entry.file_name().to_string_lossy(), "state_", ".png") {
            found.push((i, entry.path()));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    if found.is_empty() {
        return Err(StorageError::invalid(&dir, "no state_<i>.png frames"));
    }
    for (want, (i, _)) in found.iter().enumerate() {
        if *i != want as u64 {
            let msg = format!(
                "state_{want}.png is missing (frames must be numbered 0, 1, 2, … without gaps)"
            );
            return Err(StorageError::invalid(&dir, msg));
        }
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// The action ids of one trajectory from `actions.npz`; there must be `t` of them.
pub(super) fn read_actions(path: &Path, t: usize) -> Result<Vec<u8>> {
    let mut npz = Npz::open(path)?;
    let names = npz.names();
    let name = if names.iter().any(|n| n == "actions") {
        "actions".to_string()
    } else {
        names
            .into_iter()
            .next()
            .ok_or_else(|| StorageError::invalid(path, "holds no array"))?
    };
    let arr = npz
        .get(&name)?
        .ok_or_else(|| StorageError::invalid(path, format!("array {name:?} unreadable")))?;
    let actions = match arr.shape.as_slice() {
        [_, b] if *b == BUTTONS => buttons_to_actions(&arr),
        [_] => ids_to_actions(path, &name, &arr)?,
        s => {
            let msg = format!("array {name:?} has shape {s:?}; expected (T, {BUTTONS}) buttons or (T,) action ids");
            return Err(StorageError::invalid(path, msg));
        }
    };
    if actions.len() != t {
        let msg = format!(
            "T = {} actions but {t} state PNGs; they must be equal",
            actions.len()
        );
        return Err(StorageError::invalid(path, msg));
    }
    Ok(actions)
}

/// Button rows → action ids: the first pressed of UP, DOWN, LEFT, RIGHT, else noop (0).
pub fn buttons_to_actions(arr: &NumArray) -> Vec<u8> {
    arr.values
        .chunks_exact(BUTTONS)
        .map(|row| {
            row[BUTTON_UP..]
                .iter()
                .position(|&v| v != 0.0)
                .map_or(0, |d| d as u8 + 1)
        })
        .collect()
}

/// The button row of an action id (noop: all zero).
pub fn action_to_buttons(action: u8) -> [u8; BUTTONS] {
    let mut row = [0u8; BUTTONS];
    if (1..=4).contains(&action) {
        row[BUTTON_UP + usize::from(action) - 1] = 1;
    }
    row
}

fn ids_to_actions(path: &Path, name: &str, arr: &NumArray) -> Result<Vec<u8>> {
    let max = (ACTION_NAMES.len() - 1) as f64;
    arr.values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && (0.0..=max).contains(&v) {
                Ok(v as u8)
            } else {
                Err(StorageError::invalid(
                    path,
                    format!("array {name:?}[{i}] = {v} is not an action id 0..={max}"),
                ))
            }
        })
        .collect()
}

/// Frame 0's pixel position: Worldbench's own optional `start_x`, `start_y` (one value each),
/// else [`START_PIXEL`].
fn start_pixel(path: &Path, npz: &mut Npz) -> Result<(f64, f64)> {
    match (npz.get("start_x")?, npz.get("start_y")?) {
        (Some(x), Some(y)) if x.values.len() == 1 && y.values.len() == 1 => {
            Ok((x.values[0], y.values[0]))
        }
        (None, None) => Ok((START_PIXEL.0 as f64, START_PIXEL.1 as f64)),
        _ => Err(StorageError::invalid(
            path,
            "start_x and start_y must both hold one value",
        )),
    }
}

/// Tiles `[row, col]` of the `t` frames from `infos.npz`, or `None` without agent_x/agent_y.
pub(super) fn read_tiles(path: &Path, t: usize) -> Result<Option<Vec<[i16; 2]>>> {
    // Only when nothing is there: a broken link or a folder named infos.npz is an error.
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    crate::files::require_regular_file(path, "file missing")?;
    let mut npz = Npz::open(path)?;
    let (Some(xs), Some(ys)) = (npz.get("agent_x")?, npz.get("agent_y")?) else {
        return Ok(None);
    };
    for (name, a) in [("agent_x", &xs), ("agent_y", &ys)] {
        if a.values.len() != t {
            let msg = format!(
                "{name} has {} entries but there are {t} actions",
                a.values.len()
            );
            return Err(StorageError::invalid(path, msg));
        }
    }
    let tile_of = |x: f64, y: f64| {
        [
            (y.floor() as i64).div_euclid(TILE_PX) as i16,
            (x.floor() as i64).div_euclid(TILE_PX) as i16,
        ]
    };
    let (sx, sy) = start_pixel(path, &mut npz)?;
    let mut tiles = vec![tile_of(sx, sy)];
    tiles.extend(
        xs.values
            .iter()
            .zip(&ys.values)
            .take(t.saturating_sub(1))
            .map(|(&x, &y)| tile_of(x, y)),
    );
    Ok(Some(tiles))
}

/// One trajectory's files and parsed arrays, before its PNGs are decoded.
struct TrajPlan {
    id: u64,
    pngs: Vec<PathBuf>,
    actions: Vec<u8>,
    tiles: Option<Vec<[i16; 2]>>,
}

fn plan_trajectory(id: u64, dir: &Path) -> Result<TrajPlan> {
    let pngs = list_states(dir)?;
    let actions = read_actions(&dir.join("actions.npz"), pngs.len())?;
    let tiles = read_tiles(&dir.join("infos.npz"), pngs.len())?;
    Ok(TrajPlan {
        id,
        pngs,
        actions,
        tiles,
    })
}

/// The last 12 bytes of every complete PNG: the empty IEND chunk (length, type, CRC).
const PNG_IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// A PNG's (width, height) from its header, without decoding it; the file must also end with the
/// IEND chunk, which a file cut short does not. Errors name the file: missing, a folder, a symlink
/// loop, not a PNG, cut short.
pub(crate) fn png_header(path: &Path) -> Result<(u32, u32)> {
    crate::files::require_regular_file(path, "file missing")?;
    let file = std::fs::File::open(path).map_err(|e| StorageError::io(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| StorageError::io(path, e))?
        .len();
    let mut reader = image::ImageReader::new(std::io::BufReader::new(&file));
    reader.set_format(image::ImageFormat::Png);
    let size = reader
        .into_dimensions()
        .map_err(|e| StorageError::invalid(path, format!("not a readable PNG: {e}")))?;
    let n = PNG_IEND.len();
    let tail = if len >= (8 + n) as u64 {
        Some(crate::tensors::read_exact_at(
            path,
            &file,
            len - n as u64,
            n,
        )?)
    } else {
        None
    };
    if tail.as_deref() != Some(&PNG_IEND[..]) {
        return Err(cut_short(path, len));
    }
    Ok(size)
}

fn cut_short(path: &Path, len: u64) -> StorageError {
    StorageError::invalid(
        path,
        format!("not a readable PNG: cut short ({len} bytes, no IEND chunk at the end)"),
    )
}

/// Reads the header of every PNG (in parallel, see [`png_header`]) and checks that all frames share
/// the first one's size; returns that (width, height). The first bad file in `pngs` order is the
/// error.
pub(super) fn check_png_headers(pngs: &[PathBuf]) -> Result<(u32, u32)> {
    let sizes: Vec<Result<(u32, u32)>> = pngs.par_iter().map(|p| png_header(p)).collect();
    let mut first: Option<(u32, u32)> = None;
    for (path, size) in pngs.iter().zip(sizes) {
        let size = size?;
        match first {
            None => first = Some(size),
            Some(first_size) => check_png_size(path, size, &pngs[0], first_size)?,
        }
    }
    Ok(first.unwrap_or((0, 0)))
}

/// Decodes one PNG to 8-bit RGB (RGBA and gray are converted): (width, height, bytes).
pub(crate) fn decode_png(path: &Path) -> Result<(u32, u32, Vec<u8>)> {
    crate::files::require_regular_file(path, "file missing")?;
    let bytes = std::fs::read(path).map_err(|e| StorageError::io(path, e))?;
    if !bytes.ends_with(&PNG_IEND) {
        return Err(cut_short(path, bytes.len() as u64));
    }
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .map_err(|e| StorageError::invalid(path, format!("not a readable PNG: {e}")))?;
    let rgb = img.to_rgb8();
    Ok((rgb.width(), rgb.height(), rgb.into_raw()))
}

/// Checks that the frame decoded from `path` is `size` (width, height) like `first`'s `first_size`.
pub(super) fn check_png_size(
    path: &Path,
    size: (u32, u32),
    first: &Path,
    first_size: (u32, u32),
) -> Result<()> {
    if size == first_size {
        return Ok(());
    }
    let ((w, h), (w0, h0)) = (size, first_size);
    let msg = format!(
        "frame is {w}×{h} but {} is {w0}×{h0}; all frames must share one size",
        first.display()
    );
    Err(StorageError::invalid(path, msg))
}

/// Decodes all PNGs in parallel; all must share one size.
fn decode_all(pngs: &[PathBuf]) -> Result<(usize, usize, Vec<u8>)> {
    let decoded: Vec<(u32, u32, Vec<u8>)> = pngs
        .par_iter()
        .map(|p| decode_png(p))
        .collect::<Result<_>>()?;
    let Some(&(w0, h0, _)) = decoded.first() else {
        return Ok((0, 0, Vec::new()));
    };
    let mut frames = Vec::with_capacity(decoded.len() * (w0 * h0 * 3) as usize);
    for (path, (w, h, data)) in pngs.iter().zip(decoded) {
        check_png_size(path, (w, h), &pngs[0], (w0, h0))?;
        frames.extend_from_slice(&data);
    }
    Ok((h0 as usize, w0 as usize, frames))
}

/// A trajectory folder's PNG paths (all trajectories, in order) and its parsed small arrays; no
/// PNG decoded yet.
pub(super) struct TrajIndex {
    pub name: String,
    pub pngs: Vec<PathBuf>,
    pub actions: Vec<u8>,
    pub episode: Vec<u32>,
    pub tiles: Option<Vec<[i16; 2]>>,
}

/// Lists a trajectory folder's PNGs and reads its `actions.npz` and `infos.npz`.
pub(super) fn index_traj_folder(root: &Path) -> Result<TrajIndex> {
    let trajs = list_trajectories(root)?;
    if trajs.is_empty() {
        return Err(StorageError::invalid(root, "no traj_<k> folders"));
    }
    let plans: Vec<TrajPlan> = trajs
        .iter()
        .map(|(k, dir)| plan_trajectory(*k, dir))
        .collect::<Result<_>>()?;
    let total: usize = plans.iter().map(|p| p.pngs.len()).sum();
    let mut episode = Vec::with_capacity(total);
    let mut actions = Vec::with_capacity(total);
    for (p, (_, dir)) in plans.iter().zip(&trajs) {
        let id = u32::try_from(p.id).map_err(|_| {
            StorageError::invalid(
                dir,
                format!("trajectory number too large (at most {})", u32::MAX),
            )
        })?;
        episode.extend(std::iter::repeat_n(id, p.pngs.len()));
        actions.extend_from_slice(&p.actions);
    }
    let tiles = if plans.iter().all(|p| p.tiles.is_some()) {
        Some(
            plans
                .iter()
                .flat_map(|p| p.tiles.iter().flatten().copied())
                .collect(),
        )
    } else {
        None
    };
    Ok(TrajIndex {
        name: root.file_name().map_or_else(
            || root.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        pngs: plans.into_iter().flat_map(|p| p.pngs).collect(),
        actions,
        episode,
        tiles,
    })
}

/// Reads a trajectory folder in place (no conversion).
pub fn read_traj_folder(root: &Path) -> Result<Dataset> {
    let ix = index_traj_folder(root)?;
    let (height, width, frames) = decode_all(&ix.pngs)?;
    Ok(Dataset {
        name: ix.name,
        source: DatasetSource::TrajFolder {
            root: root.to_path_buf(),
        },
        height,
        width,
        frames,
        actions: ix.actions,
        episode: ix.episode,
        tiles: ix.tiles,
        action_names: ACTION_NAMES.iter().map(|s| (*s).to_string()).collect(),
        map: None,
        generator: None,
        layouts: None,
    })
}
