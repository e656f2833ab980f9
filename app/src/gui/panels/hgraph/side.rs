//! The H-graph panel's side column (it scrolls): the tile map with the playground's markers and
//! the tiles of a selection, and the details of the hovered or clicked node (its frames and
//! out-edges). On a mixed dataset the tiles, a tile's rings and a node's frames are those of the
//! layout shown.

use std::sync::Arc;

use egui::Ui;
use worldbench_model::world::Tile;
use worldbench_storage::ACTION_NAMES;
use worldbench_widgets::hgraph::HGraphView;
use worldbench_widgets::{coverage_counts, FrameKey, TileMap};

use super::selection::{frames_of_node, nodes_on_tile, tiles_of_nodes};
use super::HGraphPanel;

/// Frames shown in the strip behind a clicked node.
const STRIP_FRAMES: usize = 8;

impl HGraphPanel {
    /// Shows on the map the tiles of `nodes`' frames in the layout shown.
    pub(super) fn selection_tiles(&mut self, nodes: &[u32]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        let picked = tiles_of_nodes(&o.cache.node_of_frame, tiles, &self.shown_frames, nodes);
        self.coverage = Some(coverage_counts(&picked, self.walls.rows, self.walls.cols).0);
    }

    /// The map's tiles of the box or lasso selection (frames per tile), while one is shown.
    pub fn selection_coverage(&self) -> Option<&worldbench_widgets::TileGrid<u32>> {
        self.coverage.as_ref()
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
        let mut frames = frames_of_node(&o.cache.node_of_frame, &self.shown_frames, node);
        match o.data.layouts.as_ref().map(|l| &l.maps) {
            Some(maps) if maps.len() > 1 => {
                let all = o.cache.frame_count.get(node as usize).copied().unwrap_or(0);
                let name = maps.get(self.layout).map_or("", |m| m.layout.as_str());
                ui.label(format!(
                    "Frames behind node {node} in {name}: {} of its {all}",
                    frames.len()
                ));
            }
            _ => {
                ui.label(format!("Frames behind node {node}:"));
            }
        }
        frames.truncate(STRIP_FRAMES);
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

    /// Rings the nodes of every frame on `tile` in the layout shown.
    pub fn highlight_tile(&mut self, tile: [i16; 2]) {
        let Some(o) = &self.opened else { return };
        let Some(tiles) = &o.data.tiles else { return };
        self.view.highlighted =
            nodes_on_tile(&o.cache.node_of_frame, tiles, &self.shown_frames, tile);
    }
}
