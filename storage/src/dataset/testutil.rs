//! Small datasets for tests.

use super::{Dataset, DatasetSource, ACTION_NAMES};

/// 5 frames of 2×3 pixels in two episodes (2 + 3 frames), with tiles, a map and a generator.
/// Frame 0 of each episode sits at the default start tile (12, 1). The map is 14 × 16 tiles, the
/// top row walls.
pub fn tiny_dataset() -> Dataset {
    let (height, width, n) = (2, 3, 5);
    Dataset {
        name: "tiny".to_string(),
        source: DatasetSource::Memory,
        height,
        width,
        frames: (0..n * height * width * 3)
            .map(|v| (v * 7 % 251) as u8)
            .collect(),
        actions: vec![4, 0, 1, 3, 2],
        episode: vec![0, 0, 1, 1, 1],
        tiles: Some(vec![[12, 1], [12, 2], [12, 1], [11, 1], [11, 0]]),
        action_names: ACTION_NAMES.iter().map(|s| (*s).to_string()).collect(),
        map: Some(format!(
            "{}\n{}",
            "#".repeat(16),
            format!("{}\n", ".".repeat(16)).repeat(13)
        )),
        generator: Some(serde_json::json!({"preset": "tiny", "seed": 7})),
        layouts: None,
    }
}
