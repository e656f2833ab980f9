use super::*;
use crate::world::{World, START_TILE};

fn world(layout: Layout, seed: u64) -> World {
    World::new(Some(layout.map(seed)))
}

#[test]
fn names_parse() {
    for l in Layout::ALL {
        assert_eq!(l.name().parse::<Layout>().unwrap(), l);
    }
    let err = "spiral".parse::<Layout>().unwrap_err().to_string();
    assert!(err.contains("unknown layout \"spiral\""), "{err}");
    assert_eq!(
        parse_layout_seeds("two-rooms:0..20").unwrap(),
        (Layout::TwoRooms, 0..20)
    );
    assert_eq!(parse_layout_seeds("maze:3").unwrap(), (Layout::Maze, 3..4));
    assert_eq!(parse_layout_seeds("open").unwrap(), (Layout::Open, 0..1));
    assert!(parse_layout_seeds("maze:5..5").is_err());
    assert!(parse_layout_seeds("maze:x").is_err());
}

#[test]
fn open_is_todays_world() {
    assert_eq!(Layout::Open.map(7), WorldMap::default());
    let w = world(Layout::Open, 0);
    assert_eq!(w.lattice_tiles().len(), 81);
    for t in Layout::Open.cross_tests() {
        assert_eq!(w.shortest_path_len(t.start, t.goal), Some(8), "{}", t.name);
    }
}

#[test]
fn two_rooms_wall_and_door() {
    for seed in 0..9u64 {
        let w = world(Layout::TwoRooms, seed);
        assert_eq!(w.lattice_tiles().len(), 73, "seed {seed}");
        let door = lattice_tile(4, seed as usize);
        assert!(!w.map().is_wall(door));
        // Every other tile of the wall column blocks: moving right from ix = 3 stays put.
        for iy in (0..9).filter(|&iy| iy != seed as usize) {
            let mut a = World::new(Some(w.map().clone()));
            a.set_tile(lattice_tile(3, iy)).unwrap();
            assert!(!a.step(crate::world::action::RIGHT), "seed {seed} row {iy}");
        }
        // Bottom-left → bottom-right: up to the door row, across, down.
        let [c1, c2] = Layout::TwoRooms.cross_tests();
        let up = 8 - seed as usize;
        assert_eq!(w.shortest_path_len(c1.start, c1.goal), Some(2 * up + 8));
        assert_eq!(
            w.shortest_path_len(c2.start, c2.goal),
            Some(2 * seed as usize + 8)
        );
        assert!(!Layout::TwoRooms.same_room(seed, c1.start, c1.goal));
        assert!(Layout::TwoRooms.same_room(seed, START_TILE, lattice_tile(3, 0)));
        assert_eq!(Layout::TwoRooms.room_of(seed, door), None);
    }
    // The drawn wall covers the whole tile column but the door's rows.
    let text = Layout::TwoRooms.map(4).to_text();
    let col7: String = text.lines().map(|l| &l[7..8]).collect();
    assert_eq!(col7, "######.#######");
}

#[test]
fn four_rooms_have_four_doors() {
    for seed in 0..10 {
        let w = world(Layout::FourRooms, seed);
        assert_eq!(w.lattice_tiles().len(), 68, "seed {seed}");
        let rooms: std::collections::BTreeSet<u8> = w
            .lattice_tiles()
            .into_iter()
            .filter_map(|t| Layout::FourRooms.room_of(seed, t))
            .collect();
        assert_eq!(rooms.len(), 4);
        // Every floor tile is reachable from the start.
        for t in w.lattice_tiles() {
            assert!(
                w.shortest_path_len(START_TILE, t).is_some(),
                "seed {seed} {t}"
            );
        }
        for t in Layout::FourRooms.cross_tests() {
            let d = w.shortest_path_len(t.start, t.goal).unwrap();
            assert!(d >= 16, "{} {d}", t.name);
            assert!(!Layout::FourRooms.same_room(seed, t.start, t.goal));
        }
    }
    assert_ne!(Layout::FourRooms.map(0), Layout::FourRooms.map(1));
}

#[test]
fn mazes_are_perfect_and_seeded() {
    for seed in 0..10 {
        let w = world(Layout::Maze, seed);
        let tiles = w.lattice_tiles();
        // 25 cells and 24 passages: a spanning tree.
        assert_eq!(tiles.len(), 49, "seed {seed}");
        let edges: usize = tiles.iter().map(|&t| w.neighbors(t).len()).sum::<usize>() / 2;
        assert_eq!(edges, 48);
        for t in &tiles {
            assert!(w.shortest_path_len(START_TILE, *t).is_some());
        }
        for t in Layout::Maze.cross_tests() {
            let d = w.shortest_path_len(t.start, t.goal).unwrap();
            assert!(d >= 16 && d.is_multiple_of(2), "{} {d}", t.name);
        }
    }
    assert_eq!(Layout::Maze.map(3), Layout::Maze.map(3));
    assert_ne!(Layout::Maze.map(3), Layout::Maze.map(4));
}
