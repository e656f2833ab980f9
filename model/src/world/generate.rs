//! Dataset generation: episodes of a movement pattern, rendered at the native 56 × 64 size.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use worldbench_storage::dataset::{DatasetSource, ACTION_NAMES};
use worldbench_storage::Dataset;

use crate::error::{ModelError, Result};

use super::{action, Preset, World, WorldMap, FRAME_BYTES, FRAME_HEIGHT, FRAME_WIDTH};

/// Largest frame buffer a generated dataset may have: 16 GiB.
pub const MAX_DATASET_BYTES: usize = 16 << 30;

/// Generates `episodes` episodes of `preset`, each starting at the start position.
///
/// An episode of `s` actions has `s + 1` frames: frame `i + 1` is the world after action `i`; the
/// last frame's action is noop (it leads nowhere). `steps_per_episode = None` lets the preset choose
/// (see [`Preset::actions`]). All randomness comes from one ChaCha8 stream seeded with `seed`, so the
/// same arguments give the same dataset. The dataset is named after the preset and carries the
/// tiles, the map text (all floor when `map` is `None`) and the generator
/// `{"preset", "episodes", "seed", "steps"}` (`steps` null when the preset chose).
///
/// Errors: no episodes, zero steps per episode, or a dataset too large to hold in memory.
pub fn generate_dataset(
    preset: Preset,
    episodes: usize,
    steps_per_episode: Option<usize>,
    seed: u64,
    map: Option<WorldMap>,
) -> Result<Dataset> {
    generate_dataset_maps(
        preset,
        episodes,
        steps_per_episode,
        seed,
        &[map.unwrap_or_default()],
    )
}

/// [`generate_dataset`] with one map per episode: episode `e` runs in `maps[e % maps.len()]` (a
/// mixed-layout dataset). The dataset's map text is the first map's.
///
/// Errors: as [`generate_dataset`], and no maps.
pub fn generate_dataset_maps(
    preset: Preset,
    episodes: usize,
    steps_per_episode: Option<usize>,
    seed: u64,
    maps: &[WorldMap],
) -> Result<Dataset> {
    if maps.is_empty() {
        return Err(ModelError::Invalid(
            "dataset generation: at least one map is needed".into(),
        ));
    }
    if episodes == 0 {
        return Err(ModelError::Invalid(
            "dataset generation: episodes must be at least 1".into(),
        ));
    }
    if steps_per_episode == Some(0) {
        return Err(ModelError::Invalid(
            "dataset generation: steps per episode must be at least 1".into(),
        ));
    }
    // Checked before any work: the most frames the episodes can have (presets choose at most 300 steps).
    let max_steps = steps_per_episode.unwrap_or(300);
    let too_big = || {
        ModelError::Invalid(format!(
            "dataset generation: {episodes} episodes of {max_steps} steps would need more than {} GiB; \
             use fewer episodes or steps",
            MAX_DATASET_BYTES >> 30
        ))
    };
    let max_frames = episodes
        .checked_mul(max_steps.checked_add(1).ok_or_else(too_big)?)
        .ok_or_else(too_big)?;
    if max_frames
        .checked_mul(FRAME_BYTES)
        .is_none_or(|b| b > MAX_DATASET_BYTES)
    {
        return Err(too_big());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let worlds: Vec<World> = maps.iter().map(|m| World::new(Some(m.clone()))).collect();
    let plans: Vec<Vec<u8>> = (0..episodes)
        .map(|e| preset.actions(&worlds[e % worlds.len()], steps_per_episode, &mut rng))
        .collect();
    let n: usize = plans.iter().map(|p| p.len() + 1).sum();
    let mut frames = vec![0u8; n * FRAME_BYTES];
    let mut actions = Vec::with_capacity(n);
    let mut episode = Vec::with_capacity(n);
    let mut tiles = Vec::with_capacity(n);
    let mut i = 0;
    for (e, plan) in plans.iter().enumerate() {
        let mut world = worlds[e % worlds.len()].clone();
        for k in 0..=plan.len() {
            world.render_into(&mut frames[i * FRAME_BYTES..(i + 1) * FRAME_BYTES]);
            tiles.push(world.tile().to_array());
            episode.push(e as u32);
            let a = plan.get(k).copied().unwrap_or(action::NOOP);
            actions.push(a);
            world.step(a);
            i += 1;
        }
    }
    Ok(Dataset {
        name: preset.name().to_string(),
        source: DatasetSource::Memory,
        height: FRAME_HEIGHT,
        width: FRAME_WIDTH,
        frames,
        actions,
        episode,
        tiles: Some(tiles),
        action_names: ACTION_NAMES.iter().map(|s| (*s).to_string()).collect(),
        map: Some(maps[0].to_text()),
        generator: Some(serde_json::json!({
            "preset": preset.name(),
            "episodes": episodes,
            "seed": seed,
            "steps": steps_per_episode,
        })),
        layouts: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::world::{Tile, START_TILE};

    #[test]
    fn generates_consistent_episodes() {
        let d = generate_dataset(Preset::CornerLoops, 3, Some(20), 5, None).unwrap();
        assert_eq!(d.len(), 63);
        assert_eq!(d.frames.len(), 63 * FRAME_BYTES);
        assert_eq!((d.height, d.width), (56, 64));
        assert_eq!(d.episodes(), vec![0..21, 21..42, 42..63]);
        assert_eq!(d.action_names, ["noop", "up", "down", "left", "right"]);
        let tiles = d.tiles.as_ref().unwrap();
        // Replaying the actions reproduces tiles and frames.
        for ep in d.episodes() {
            let mut w = World::default();
            assert_eq!(Tile::from_array(tiles[ep.start]), START_TILE);
            assert_eq!(d.actions[ep.end - 1], action::NOOP);
            for i in ep {
                assert_eq!(Tile::from_array(tiles[i]), w.tile());
                assert_eq!(d.frame(i), w.render().as_slice());
                w.step(d.actions[i]);
            }
        }
        let g = d.generator.as_ref().unwrap();
        assert_eq!(g["preset"], "corner-loops");
        assert_eq!(g["episodes"], 3);
        assert_eq!(g["seed"], 5);
        assert_eq!(g["steps"], 20);
        assert_eq!(
            d.map.as_deref(),
            Some(WorldMap::default().to_text().as_str())
        );
    }

    #[test]
    fn respects_walls() {
        // A wall right of the start: no frame may stand on it, and the map text is kept.
        let mut lines = vec![".".repeat(16); 14];
        lines[12].replace_range(2..=2, "#");
        let map = WorldMap::parse(&lines.join("\n")).unwrap();
        let d = generate_dataset(Preset::RandomWalk, 4, Some(50), 2, Some(map.clone())).unwrap();
        assert!(d.tiles.as_ref().unwrap().iter().all(|&t| t != [12, 2]));
        assert_eq!(d.map.as_deref(), Some(map.to_text().as_str()));
    }

    #[test]
    fn mixed_maps_one_per_episode() {
        use crate::world::Layout;
        let maps: Vec<WorldMap> = (0..3).map(|s| Layout::TwoRooms.map(s)).collect();
        let d = generate_dataset_maps(Preset::RandomWalk, 4, Some(40), 1, &maps).unwrap();
        assert_eq!(d.map.as_deref(), Some(maps[0].to_text().as_str()));
        let tiles = d.tiles.as_ref().unwrap();
        for (e, ep) in d.episodes().into_iter().enumerate() {
            let mut w = World::new(Some(maps[e % 3].clone()));
            for i in ep {
                assert_eq!(Tile::from_array(tiles[i]), w.tile());
                assert_eq!(d.frame(i), w.render().as_slice(), "episode {e} frame {i}");
                w.step(d.actions[i]);
            }
        }
        assert!(generate_dataset_maps(Preset::RandomWalk, 1, Some(4), 1, &[]).is_err());
    }

    #[test]
    fn deterministic_per_seed() {
        let a = generate_dataset(Preset::RandomWalk, 2, Some(15), 9, None).unwrap();
        let b = generate_dataset(Preset::RandomWalk, 2, Some(15), 9, None).unwrap();
        let c = generate_dataset(Preset::RandomWalk, 2, Some(15), 10, None).unwrap();
        assert_eq!(a.actions, b.actions);
        assert_eq!(a.frames, b.frames);
        assert_ne!(a.actions, c.actions);
        let d = generate_dataset(Preset::Coverage, 1, None, 1, None).unwrap();
        assert_eq!(d.len(), 201);
        assert!(d.generator.as_ref().unwrap()["steps"].is_null());
        assert!(generate_dataset(Preset::Coverage, 0, None, 1, None).is_err());
        assert!(generate_dataset(Preset::Coverage, 1, Some(0), 1, None).is_err());
        assert!(generate_dataset(Preset::Coverage, usize::MAX / 4, Some(1), 1, None).is_err());
    }
}
