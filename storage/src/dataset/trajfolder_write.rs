//! Writing a dataset as a researchers' trajectory folder (used for fixtures and export).

use std::path::Path;

use image::ImageEncoder;
use rayon::prelude::*;

use super::npz::{write_npz, NpzEntry};
use super::trajfolder::{action_to_buttons, BUTTONS, START_PIXEL, TILE_PX};
use super::validate::check_episodes;
use super::Dataset;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// Writes `ds` below `root` as `traj_<j>/` folders (j = 0, 1, … in episode order): PNG states,
/// `actions.npz` ("actions": (T, 8) u8 buttons) and, when tiles are known, `infos.npz`
/// (agent_x, agent_y: i64 pixel position after each action; the last frame repeats its own; plus
/// one-value start_x, start_y when an episode does not begin at the default start tile).
/// Action ids must be 0..=4 (noop, up, down, left, right).
pub fn write_traj_folder(root: &Path, ds: &Dataset) -> Result<()> {
    if let Some(i) = ds.actions.iter().position(|&a| a > 4) {
        let msg = format!(
            "action {} at frame {i} has no controller button (ids 0..=4 only)",
            ds.actions[i]
        );
        return Err(StorageError::invalid(root, msg));
    }
    check_episodes(root, &ds.episode)?;
    for (j, range) in ds.episodes().into_iter().enumerate() {
        let dir = root.join(format!("traj_{j}"));
        write_states(&dir, ds, range.clone())?;
        let buttons: Vec<u8> = ds.actions[range.clone()]
            .iter()
            .flat_map(|&a| action_to_buttons(a))
            .collect();
        let shape = vec![range.len() as u64, BUTTONS as u64];
        write_npz(
            &dir.join("actions.npz"),
            &[NpzEntry::U8 {
                name: "actions",
                shape,
                data: &buttons,
            }],
        )?;
        if let Some(tiles) = &ds.tiles {
            write_infos(&dir.join("infos.npz"), &tiles[range])?;
        }
    }
    Ok(())
}

/// `states/state_<i>.png`, encoded in parallel.
fn write_states(dir: &Path, ds: &Dataset, range: std::ops::Range<usize>) -> Result<()> {
    let states = dir.join("states");
    range.into_par_iter().enumerate().try_for_each(|(i, f)| {
        let path = states.join(format!("state_{i}.png"));
        let png = encode_png(&path, ds.frame(f), ds.width, ds.height)?;
        write_atomic(&path, &png)
    })
}

fn encode_png(path: &Path, rgb: &[u8], width: usize, height: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            rgb,
            width as u32,
            height as u32,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| StorageError::invalid(path, format!("cannot encode PNG: {e}")))?;
    Ok(out)
}

/// Position after action i = position of frame i + 1; the last frame repeats its own.
fn write_infos(path: &Path, tiles: &[[i16; 2]]) -> Result<()> {
    let after = |i: usize| tiles[(i + 1).min(tiles.len() - 1)];
    let xs: Vec<i64> = (0..tiles.len())
        .map(|i| i64::from(after(i)[1]) * TILE_PX)
        .collect();
    let ys: Vec<i64> = (0..tiles.len())
        .map(|i| i64::from(after(i)[0]) * TILE_PX)
        .collect();
    let shape = vec![tiles.len() as u64];
    let start = [
        i64::from(tiles[0][1]) * TILE_PX,
        i64::from(tiles[0][0]) * TILE_PX,
    ];
    let mut entries = vec![
        NpzEntry::I64 {
            name: "agent_x",
            shape: shape.clone(),
            data: &xs,
        },
        NpzEntry::I64 {
            name: "agent_y",
            shape,
            data: &ys,
        },
    ];
    let (sx, sy) = START_PIXEL;
    if [start[0].div_euclid(TILE_PX), start[1].div_euclid(TILE_PX)]
        != [sx.div_euclid(TILE_PX), sy.div_euclid(TILE_PX)]
    {
        // Frame 0 is not at the default start: record where it is, so reading gives it back.
        entries.push(NpzEntry::I64 {
            name: "start_x",
            shape: vec![1],
            data: &start[..1],
        });
        entries.push(NpzEntry::I64 {
            name: "start_y",
            shape: vec![1],
            data: &start[1..],
        });
    }
    write_npz(path, &entries)
}
