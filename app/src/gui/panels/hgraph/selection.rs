//! What a selection of nodes covers on the map, and which nodes a map tile holds, counting only
//! the frames of the layout shown: a mixed dataset's other layouts ran on other walls, so their
//! frames do not belong on this map (every frame counts for a dataset of one layout).

/// The tiles of the frames shown (`shown[i]`) whose node is one of `nodes`, one entry per frame.
pub(super) fn tiles_of_nodes(
    node_of_frame: &[u32],
    tiles: &[[i16; 2]],
    shown: &[bool],
    nodes: &[u32],
) -> Vec<[i16; 2]> {
    let Some(max) = nodes.iter().max() else {
        return Vec::new();
    };
    let mut chosen = vec![false; *max as usize + 1];
    for &n in nodes {
        chosen[n as usize] = true;
    }
    node_of_frame
        .iter()
        .zip(tiles)
        .zip(shown)
        .filter(|((n, _), s)| **s && chosen.get(**n as usize).copied().unwrap_or(false))
        .map(|((_, t), _)| *t)
        .collect()
}

/// The nodes of the frames shown that are on `tile`, ascending, each once.
pub(super) fn nodes_on_tile(
    node_of_frame: &[u32],
    tiles: &[[i16; 2]],
    shown: &[bool],
    tile: [i16; 2],
) -> Vec<u32> {
    let mut nodes: Vec<u32> = node_of_frame
        .iter()
        .zip(tiles)
        .zip(shown)
        .filter(|((_, t), s)| **s && **t == tile)
        .map(|((n, _), _)| *n)
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// The frames shown of `node`, in order.
pub(super) fn frames_of_node(node_of_frame: &[u32], shown: &[bool], node: u32) -> Vec<usize> {
    node_of_frame
        .iter()
        .zip(shown)
        .enumerate()
        .filter(|(_, (n, s))| **s && **n == node)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Six frames: frames 0..3 in the layout shown, 3..6 in another; node 0 holds frames 0, 3 and 4.
    const NODES: [u32; 6] = [0, 1, 1, 0, 0, 2];
    const TILES: [[i16; 2]; 6] = [[1, 1], [1, 2], [1, 3], [1, 1], [5, 5], [1, 2]];
    const SHOWN: [bool; 6] = [true, true, true, false, false, false];

    #[test]
    fn a_selection_covers_only_the_tiles_of_the_frames_shown() {
        assert_eq!(
            tiles_of_nodes(&NODES, &TILES, &SHOWN, &[0]),
            vec![[1, 1]],
            "frame 4 on tile 5,5 is in another layout"
        );
        assert_eq!(
            tiles_of_nodes(&NODES, &TILES, &[true; 6], &[0]),
            vec![[1, 1], [1, 1], [5, 5]]
        );
        assert_eq!(
            tiles_of_nodes(&NODES, &TILES, &SHOWN, &[1, 2]),
            vec![[1, 2], [1, 3]]
        );
        assert!(tiles_of_nodes(&NODES, &TILES, &SHOWN, &[2]).is_empty());
        assert!(tiles_of_nodes(&NODES, &TILES, &SHOWN, &[]).is_empty());
    }

    #[test]
    fn a_tile_rings_only_the_nodes_of_its_frames_shown() {
        // Tile 1,2 holds frame 1 (node 1, shown) and frame 5 (node 2, another layout).
        assert_eq!(nodes_on_tile(&NODES, &TILES, &SHOWN, [1, 2]), vec![1]);
        assert_eq!(
            nodes_on_tile(&NODES, &TILES, &[true; 6], [1, 2]),
            vec![1, 2]
        );
        assert_eq!(nodes_on_tile(&NODES, &TILES, &SHOWN, [1, 1]), vec![0]);
        assert!(nodes_on_tile(&NODES, &TILES, &SHOWN, [5, 5]).is_empty());
    }

    #[test]
    fn a_node_shows_its_frames_of_the_layout_shown() {
        assert_eq!(frames_of_node(&NODES, &SHOWN, 0), vec![0]);
        assert_eq!(frames_of_node(&NODES, &[true; 6], 0), vec![0, 3, 4]);
        assert!(frames_of_node(&NODES, &SHOWN, 2).is_empty());
    }
}
