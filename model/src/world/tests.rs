use super::*;

fn map_with_wall(tile: Tile) -> WorldMap {
    let mut lines = vec![".".repeat(16); 14];
    lines[tile.row as usize].replace_range(tile.col as usize..=tile.col as usize, "#");
    WorldMap::parse(&lines.join("\n")).unwrap()
}

#[test]
fn moves_by_six_pixels() {
    let mut w = World::default();
    assert_eq!(w.position(), (4, 48));
    assert_eq!(w.tile(), START_TILE);
    assert!(w.step(action::UP));
    assert_eq!(w.position(), (4, 42));
    assert!(w.step(action::RIGHT));
    assert_eq!(w.position(), (10, 42));
    assert!(w.step(action::DOWN));
    assert_eq!(w.position(), (10, 48));
    assert!(w.step(action::LEFT));
    assert_eq!(w.position(), (4, 48));
    assert!(!w.step(action::NOOP));
    assert!(!w.step(9));
    assert_eq!(w.position(), (4, 48));
    w.step(action::UP);
    w.reset();
    assert_eq!(w.position(), START_POSITION);
}

#[test]
fn moves_off_the_lattice_do_nothing() {
    let mut w = World::default();
    assert!(!w.step(action::LEFT));
    assert!(!w.step(action::DOWN));
    assert_eq!(w.position(), (4, 48));
    for _ in 0..8 {
        assert!(w.step(action::UP));
        assert!(w.step(action::RIGHT));
    }
    assert_eq!(w.position(), (52, 0));
    assert!(!w.step(action::UP));
    assert!(!w.step(action::RIGHT));
    assert_eq!(w.tile(), Tile::new(0, 13));
}

#[test]
fn tile_formula_on_every_lattice_point() {
    let rows = [0, 1, 3, 4, 6, 7, 9, 10, 12];
    let cols = [1, 2, 4, 5, 7, 8, 10, 11, 13];
    let w = World::default();
    let tiles = w.lattice_tiles();
    assert_eq!(tiles.len(), 81);
    for (iy, &row) in rows.iter().enumerate() {
        for (ix, &col) in cols.iter().enumerate() {
            let (x, y) = (4 + 6 * ix as i32, 6 * iy as i32);
            let t = Tile::of_position(x, y);
            assert_eq!(t, Tile::new(row, col));
            assert_eq!(position_of_tile(t), Some((x, y)));
            assert_eq!(lattice_index(t), Some(iy * 9 + ix));
            assert_eq!(tiles[iy * 9 + ix], t);
            let mut w = World::default();
            w.set_tile(t).unwrap();
            assert_eq!(w.position(), (x, y));
            assert_eq!(w.tile(), t);
        }
    }
    assert!(position_of_tile(Tile::new(2, 1)).is_none());
    assert!(position_of_tile(Tile::new(12, 3)).is_none());
    assert!(position_of_tile(Tile::new(13, 1)).is_none());
}

#[test]
fn set_tile_rejects_bad_tiles() {
    let mut w = World::new(Some(map_with_wall(Tile::new(7, 8))));
    let err = w.set_tile(Tile::new(2, 2)).unwrap_err().to_string();
    assert!(err.contains("tile 2,2 is not one"), "{err}");
    let err = w.set_tile(Tile::new(7, 8)).unwrap_err().to_string();
    assert_eq!(err, "tile 7,8 is a wall");
    assert_eq!(w.tile(), START_TILE);
}

#[test]
fn walls_block_moves() {
    // (12,2) is the tile right of the start.
    let mut w = World::new(Some(map_with_wall(Tile::new(12, 2))));
    assert!(!w.step(action::RIGHT));
    assert_eq!(w.tile(), START_TILE);
    assert!(w.step(action::UP));
    assert!(w.step(action::RIGHT));
    assert!(!w.step(action::DOWN));
    assert_eq!(w.tile(), Tile::new(10, 2));
    assert_eq!(w.lattice_tiles().len(), 80);
    assert_eq!(
        w.neighbors(START_TILE),
        vec![(action::UP, Tile::new(10, 1))]
    );
    // A wall on a non-lattice tile does not block.
    let mut w = World::new(Some(map_with_wall(Tile::new(12, 3))));
    assert!(w.step(action::RIGHT));
}

#[test]
fn bfs_distances() {
    let w = World::default();
    assert_eq!(w.shortest_path_len(TEST1.0, TEST1.1), Some(8));
    assert_eq!(w.shortest_path_len(TEST2.0, TEST2.1), Some(1));
    assert_eq!(w.shortest_path_len(START_TILE, START_TILE), Some(0));
    assert_eq!(
        w.shortest_path_len(Tile::new(12, 1), Tile::new(0, 13)),
        Some(16)
    );
    assert_eq!(w.shortest_path_len(Tile::new(2, 2), START_TILE), None);
    // A wall column with one gap forces a detour: cols 7 walls on every lattice row but row 0.
    let mut lines = vec![".".repeat(16); 14];
    for row in [1, 3, 4, 6, 7, 9, 10, 12] {
        lines[row].replace_range(7..8, "#");
    }
    let w = World::new(Some(WorldMap::parse(&lines.join("\n")).unwrap()));
    // (12,5) → (12,8): up 8 to row 0, right 2, down 8.
    assert_eq!(
        w.shortest_path_len(Tile::new(12, 5), Tile::new(12, 8)),
        Some(18)
    );
    // Walled-off corner (0,13): both its neighbours (0,11) and (1,13) are walls.
    let mut lines = vec![".".repeat(16); 14];
    lines[0].replace_range(11..12, "#");
    lines[1].replace_range(13..14, "#");
    let w = World::new(Some(WorldMap::parse(&lines.join("\n")).unwrap()));
    assert_eq!(w.shortest_path_len(START_TILE, Tile::new(0, 13)), None);
    assert_eq!(w.shortest_path_len(START_TILE, Tile::new(0, 10)), Some(14));
}

#[test]
fn renders_agent_square_only() {
    let mut w = World::default();
    w.set_tile(Tile::new(7, 8)).unwrap(); // x 34, y 30
    let f = w.render();
    assert_eq!(f.len(), 56 * 64 * 3);
    for y in 0..56 {
        for x in 0..64 {
            let p = (y * 64 + x) * 3;
            let inside = (36..40).contains(&x) && (32..36).contains(&y);
            let want = if inside { AGENT_RGB } else { FLOOR_RGB };
            assert_eq!(f[p..p + 3], want, "pixel x={x} y={y}");
        }
    }
    w.reset();
    let g = w.render();
    assert_eq!(g.iter().filter(|&&b| b == 255).count(), 16 * 3);
    let p = ((48 + 2) * 64 + 4 + 2) * 3;
    assert_eq!(g[p..p + 3], AGENT_RGB);
}

#[test]
fn renders_walls_grey_under_agent() {
    let w = World::new(Some(map_with_wall(Tile::new(0, 0))));
    let f = w.render();
    for y in 0..4 {
        for x in 0..4 {
            let p = (y * 64 + x) * 3;
            assert_eq!(f[p..p + 3], WALL_RGB);
        }
    }
    let grey = f.chunks(3).filter(|px| *px == WALL_RGB).count();
    assert_eq!(grey, 16);
}
