//! Statistics of a loaded dataset, computed once on the loading thread: trajectories, action counts,
//! the map's walls and the visits per tile.

use std::ops::Range;

use worldbench_model::world::{MAP_COLS, MAP_ROWS};
use worldbench_storage::dataset::LazyDataset;
use worldbench_widgets::{coverage_counts, parse_walls, TileGrid};

/// What the Datasets panel shows about a dataset besides its frames.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetStats {
    /// Frame index ranges of the trajectories (episodes), in order.
    pub episodes: Vec<Range<usize>>,
    /// Frames per action, in `action_names` order.
    pub action_counts: Vec<(String, usize)>,
    /// The map's walls; `None` when the dataset has no tile positions (nothing to draw).
    pub walls: Option<TileGrid<bool>>,
    /// Frames per tile (same size as `walls`).
    pub coverage: Option<TileGrid<u32>>,
    /// Frames whose tile lies outside the map.
    pub tiles_outside: usize,
    /// Per trajectory, its layout (`"two-rooms:1"`), when the dataset records it.
    pub episode_layouts: Vec<Option<String>>,
    /// A mixed dataset's walls per layout (empty otherwise), and each trajectory's index into them.
    pub layout_walls: Vec<TileGrid<bool>>,
    pub episode_walls: Vec<usize>,
}

impl DatasetStats {
    /// The statistics of `ds` (its frames are not read).
    pub fn compute(ds: &LazyDataset) -> Self {
        let mut action_counts: Vec<(String, usize)> =
            ds.action_names.iter().map(|n| (n.clone(), 0)).collect();
        for &a in &ds.actions {
            if let Some((_, c)) = action_counts.get_mut(usize::from(a)) {
                *c += 1;
            }
        }
        let walls = ds.tiles.as_ref().map(|tiles| {
            ds.map.as_deref().and_then(parse_walls).unwrap_or_else(|| {
                // No map: all floor, large enough for every tile seen (at least the default 14 × 16).
                let max = |k: usize| {
                    tiles
                        .iter()
                        .map(|t| t[k].max(0) as usize + 1)
                        .max()
                        .unwrap_or(0)
                };
                TileGrid::new(max(0).max(MAP_ROWS), max(1).max(MAP_COLS))
            })
        });
        let (coverage, tiles_outside) = match (&ds.tiles, &walls) {
            (Some(tiles), Some(w)) => {
                let (grid, outside) = coverage_counts(tiles, w.rows, w.cols);
                (Some(grid), outside)
            }
            _ => (None, 0),
        };
        let episodes = ds.episodes();
        let episode_layouts = (0..episodes.len()).map(|k| ds.episode_layout(k)).collect();
        let (layout_walls, episode_walls) = match (&ds.layouts, &walls) {
            (Some(l), Some(first)) => (
                crate::gui::panels::layout_walls::layout_walls(l, first),
                l.episode.iter().map(|&i| i as usize).collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        Self {
            episodes,
            action_counts,
            walls,
            coverage,
            tiles_outside,
            episode_layouts,
            layout_walls,
            episode_walls,
        }
    }

    /// The walls of trajectory `episode`'s world: its layout's in a mixed dataset, else the map's.
    pub fn walls_of(&self, episode: Option<usize>) -> Option<&TileGrid<bool>> {
        let walls = self.walls.as_ref()?;
        Some(
            episode
                .and_then(|k| self.episode_walls.get(k))
                .and_then(|&i| self.layout_walls.get(i))
                .unwrap_or(walls),
        )
    }

    /// The layout of trajectory `episode`, when known.
    pub fn layout_of(&self, episode: Option<usize>) -> Option<&str> {
        self.episode_layouts.get(episode?)?.as_deref()
    }

    /// The index of the trajectory holding `frame`.
    pub fn episode_of(&self, frame: usize) -> Option<usize> {
        let k = self.episodes.partition_point(|r| r.end <= frame);
        self.episodes
            .get(k)
            .filter(|r| r.contains(&frame))
            .map(|_| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::dataset::DatasetSource;
    use worldbench_storage::Dataset;

    fn tiny() -> LazyDataset {
        LazyDataset::from_dataset(Dataset {
            name: "t".into(),
            source: DatasetSource::Memory,
            height: 1,
            width: 1,
            frames: vec![0; 5 * 3],
            actions: vec![4, 4, 0, 1, 0],
            episode: vec![0, 0, 0, 1, 1],
            tiles: Some(vec![[12, 1], [12, 2], [12, 2], [12, 1], [11, 1]]),
            action_names: ["noop", "up", "down", "left", "right"]
                .map(String::from)
                .to_vec(),
            map: None,
            generator: None,
            layouts: None,
        })
    }

    #[test]
    fn episodes_actions_and_coverage() {
        let s = DatasetStats::compute(&tiny());
        assert_eq!(s.episodes, vec![0..3, 3..5]);
        let counts: Vec<usize> = s.action_counts.iter().map(|(_, c)| *c).collect();
        assert_eq!(counts, vec![2, 1, 0, 0, 2]);
        let cov = s.coverage.as_ref().expect("coverage");
        assert_eq!((cov.rows, cov.cols), (14, 16));
        assert_eq!(cov.get([12, 2]), Some(2));
        assert_eq!(cov.get([12, 1]), Some(2));
        assert_eq!(cov.get([11, 1]), Some(1));
        assert_eq!(cov.cells.iter().sum::<u32>(), 5);
        assert_eq!(s.episode_of(0), Some(0));
        assert_eq!(s.episode_of(2), Some(0));
        assert_eq!(s.episode_of(3), Some(1));
        assert_eq!(s.episode_of(5), None);
    }

    #[test]
    fn map_text_gives_walls_and_no_tiles_gives_no_map() {
        let mut ds = tiny();
        ds.map = Some("#...\n....\n".into());
        let s = DatasetStats::compute(&ds);
        assert_eq!(s.tiles_outside, 5);
        let w = s.walls.expect("walls");
        assert_eq!((w.rows, w.cols), (2, 4));
        assert_eq!(w.get([0, 0]), Some(true));
        ds.tiles = None;
        let s = DatasetStats::compute(&ds);
        assert!(s.walls.is_none() && s.coverage.is_none());
    }
}
