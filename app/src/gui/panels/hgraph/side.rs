//! The H-graph panel's side column (it scrolls): the tile map with the playground's markers and
//! the tiles of a selection, and the details of the hovered or clicked node (its frames and
//! out-edges).

use std::sync::Arc;

use egui::Ui;
use worldbench_model::world::Tile;
use worldbench_storage::ACTION_NAMES;
use worldbench_widgets::hgraph::HGraphView;
use worldbench_widgets::{coverage_counts, FrameKey, TileMap};

use super::HGraphPanel;

/// Frames shown in the strip behind a clicked node.
const STRIP_FRAMES: usize = 8;

impl HGraphPanel {
    pub(super) fn selection_tiles(&mut self, nodes: &[u32]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        let mut chosen = vec![false; o.cache.num_nodes()];
        for &n in nodes {
            chosen[n as usize] = true;
        }
        let picked: Vec<[i16; 2]> = o
            .cache
            .node_of_frame
            .iter()
            .zip(tiles)
            .filter(|(n, _)| chosen[**n as usize])
            .map(|(_, t)| *t)
            .collect();
        self.coverage = Some(coverage_counts(&picked, self.walls.rows, self.walls.cols).0);
    }

    pub(super) fn info_ui(&mut self, ui: &mut Ui, hovered: Option<u32>) {
        match hovered.or(self.view.selected) {
            Some(n) => {
                ui.label(self.view.describe(n));
            }
            None => {
                ui.weak(if self.view.three_d {
                    "Hover a node; click to see its frames. Drag orbits, right-drag pans, scroll \
                     zooms, F fits. Shift-drag selects a box, alt-drag a lasso."
                } else {
                    "Hover a node; click to see its frames. Shift-drag selects a box, alt-drag a lasso."
                });
            }
        }
        let Some(node) = self.view.selected else {
            return;
        };
        let Some(o) = &self.opened else { return };
        let frames: Vec<usize> = o
            .cache
            .node_of_frame
            .iter()
            .enumerate()
            .filter(|(_, &n)| n == node)
            .map(|(i, _)| i)
            .take(STRIP_FRAMES)
            .collect();
        ui.label(format!("Frames behind node {node}:"));
        let data = Arc::clone(&o.data);
        let dataset_key = o.checkpoint.display().to_string();
        egui::ScrollArea::horizontal()
            .id_salt("hgraph_strip")
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for &i in &frames {
                        let key = FrameKey {
                            dataset: dataset_key.clone(),
                            index: i,
                        };
                        self.frame_view
                            .ui(ui, &key, data.width, data.height, data.frame(i), 1.0);
                    }
                });
            });
        ui.label("Out-edges by action:");
        egui::Grid::new("hgraph_out_edges")
            .striped(true)
            .show(ui, |ui| {
                for e in self.view.data().out_edges(node).iter().take(24) {
                    let name = data.action_names.get(e.action as usize).map_or_else(
                        || {
                            ACTION_NAMES
                                .get(e.action as usize)
                                .copied()
                                .unwrap_or("?")
                                .to_string()
                        },
                        Clone::clone,
                    );
                    ui.label(name);
                    ui.label(format!("to node {}", e.to));
                    ui.label(format!("×{}", e.count));
                    ui.end_row();
                }
            });
    }

    /// A mixed dataset's layout choice (the map shown and planned on), and the layout's name.
    fn layout_ui(&mut self, ui: &mut Ui) {
        let Some(o) = &self.opened else { return };
        let Some(l) = &o.data.layouts else { return };
        let names: Vec<String> = l.maps.iter().map(|m| m.layout.clone()).collect();
        if names.len() > 1 {
            let mut chosen = None;
            ui.horizontal_wrapped(|ui| {
                ui.label("Layout:")
                    .on_hover_text("The dataset mixes layouts: the map shown and planned on");
                for (i, name) in names.iter().enumerate() {
                    if ui.selectable_label(self.layout == i, name).clicked() {
                        chosen = Some(i);
                    }
                }
            });
            if let Some(i) = chosen.filter(|&i| i != self.layout) {
                self.set_layout(i);
            }
        }
        if let Some(name) = names.get(self.layout) {
            ui.label(format!("Map of {name}"));
        }
    }

    pub(super) fn map_ui(&mut self, ui: &mut Ui) {
        self.layout_ui(ui);
        let executed = self.executed_tiles();
        let markers = self.markers();
        let mut map = TileMap::new(&self.walls);
        if self.coverage.is_some() {
            ui.weak("Tiles of the selected nodes' frames:");
            map.coverage = self.coverage.as_ref();
        } else if self.visits.is_some() {
            ui.weak(if self.layout_walls.len() > 1 {
                "Frames per tile (this layout's); click a tile to plan from or to it:"
            } else {
                "Frames per tile (whole dataset); click a tile to plan from or to it:"
            });
            map.coverage = self.visits.as_ref();
        }
        map.path = &executed;
        map.current = self.map_tile;
        let tile_size = (ui.available_width() / self.walls.cols.max(1) as f32).clamp(8.0, 18.0);
        map.tile_size = tile_size;
        let r = map.ui(ui);
        markers.paint(ui, &self.walls, tile_size, &r);
        if let Some(t) = r.clicked {
            self.map_tile = Some(t);
            self.highlight_tile(t);
            self.pick_tile(Tile::new(t[0], t[1]));
        }
        let compared = self.compare.as_ref().map(|c| &c.view);
        let any = |v: &HGraphView| {
            !v.selection.is_empty() || v.selected.is_some() || !v.highlighted.is_empty()
        };
        let selected = self.coverage.is_some() || any(&self.view) || compared.is_some_and(any);
        if selected
            && ui
                .small_button("Clear selection")
                .on_hover_text("Clear the selection and the rings in both views")
                .clicked()
        {
            self.clear_selection();
        }
    }

    /// Rings the nodes of every frame on `tile`.
    pub fn highlight_tile(&mut self, tile: [i16; 2]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        let mut nodes: Vec<u32> = o
            .cache
            .node_of_frame
            .iter()
            .zip(tiles)
            .filter(|(_, t)| **t == tile)
            .map(|(n, _)| *n)
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        self.view.highlighted = nodes;
    }
}
