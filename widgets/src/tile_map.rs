//! The tile map: walls, a heatmap of visits per tile with its legend, a path, the current tile;
//! and [`TileMarkers`] drawn over a map (planning's start "S", goal "G", the agent as a disc).

use egui::{pos2, vec2, Align2, Color32, FontId, Rect, Response, Sense, Stroke, StrokeKind, Ui};

use crate::heatmap::{heat_color, TileGrid};

const FLOOR: Color32 = Color32::from_rgb(24, 24, 28);
const WALL: Color32 = Color32::from_rgb(110, 110, 118);
const PATH: Color32 = Color32::from_rgb(80, 220, 255);
const CURRENT: Color32 = Color32::from_rgb(255, 60, 60);
const GRID: Color32 = Color32::from_rgb(44, 44, 52);
const START: Color32 = Color32::from_rgb(80, 200, 120);
const GOAL: Color32 = Color32::from_rgb(245, 245, 245);
const AGENT: Color32 = Color32::from_rgb(255, 90, 200);

/// The tile map of one dataset, built from plain data each frame.
pub struct TileMap<'a> {
    /// Which tiles are walls; its size is the map's size.
    pub walls: &'a TileGrid<bool>,
    /// Visits per tile (same size as `walls`), drawn as a heatmap with a legend.
    pub coverage: Option<&'a TileGrid<u32>>,
    /// Tiles `[row, col]` of the agent's path, drawn as a line through tile centres.
    pub path: &'a [[i16; 2]],
    /// The highlighted tile.
    pub current: Option<[i16; 2]>,
    /// Side of one tile on screen, in points.
    pub tile_size: f32,
}

/// What the user did with the map this frame.
pub struct TileMapResponse {
    pub response: Response,
    /// The tile under the pointer.
    pub hovered: Option<[i16; 2]>,
    /// The tile clicked this frame.
    pub clicked: Option<[i16; 2]>,
}

impl<'a> TileMap<'a> {
    /// A map of `walls` with no heatmap, path or highlight, 16 points per tile.
    pub fn new(walls: &'a TileGrid<bool>) -> Self {
        Self {
            walls,
            coverage: None,
            path: &[],
            current: None,
            tile_size: 16.0,
        }
    }

    /// The tile `[row, col]` at screen position `pos` in a map drawn in `rect`.
    fn tile_at(&self, rect: Rect, pos: egui::Pos2) -> Option<[i16; 2]> {
        if !rect.contains(pos) {
            return None;
        }
        let rel = (pos - rect.min) / self.tile_size;
        let (r, c) = (rel.y.floor() as i64, rel.x.floor() as i64);
        let inside =
            r >= 0 && c >= 0 && (r as usize) < self.walls.rows && (c as usize) < self.walls.cols;
        inside.then_some([r as i16, c as i16])
    }

    fn tile_rect(&self, rect: Rect, [r, c]: [i16; 2]) -> Rect {
        let min = rect.min + vec2(f32::from(c), f32::from(r)) * self.tile_size;
        Rect::from_min_size(min, vec2(self.tile_size, self.tile_size))
    }

    /// Draws the map (and the legend under it when there is a heatmap).
    pub fn ui(self, ui: &mut Ui) -> TileMapResponse {
        let (rows, cols) = (self.walls.rows, self.walls.cols);
        let size = vec2(cols as f32, rows as f32) * self.tile_size;
        let (rect, response) = ui.allocate_exact_size(size, Sense::click());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Tile map"));
        let painter = ui.painter_at(rect);
        let max = self
            .coverage
            .map_or(0, |g| g.cells.iter().copied().max().unwrap_or(0));
        for r in 0..rows {
            for c in 0..cols {
                let tile = [r as i16, c as i16];
                let cell = self.tile_rect(rect, tile);
                let wall = self.walls.get(tile).unwrap_or(false);
                painter.rect_filled(cell, 0.0, if wall { WALL } else { FLOOR });
                if !wall && self.tile_size >= 6.0 {
                    // A faint grid, so single tiles can be aimed at on an empty map.
                    painter.rect_stroke(cell, 0.0, Stroke::new(0.5, GRID), StrokeKind::Inside);
                }
                if let Some(n) = self.coverage.and_then(|g| g.get(tile)) {
                    if n > 0 && !wall {
                        painter.rect_filled(cell.shrink(0.5), 0.0, heat_color(n, max));
                    }
                }
            }
        }
        let centres: Vec<egui::Pos2> = dedup_tiles(self.path)
            .into_iter()
            .map(|t| self.tile_rect(rect, t).center())
            .collect();
        if centres.len() > 1 {
            painter.line(centres, Stroke::new(2.0, PATH));
        } else if let Some(&p) = centres.first() {
            painter.circle_filled(p, 2.0, PATH);
        }
        if let Some(cur) = self.current.filter(|&t| self.walls.index(t).is_some()) {
            painter.rect_stroke(
                self.tile_rect(rect, cur),
                0.0,
                Stroke::new(2.0, CURRENT),
                StrokeKind::Inside,
            );
        }

        let hovered = response.hover_pos().and_then(|p| self.tile_at(rect, p));
        let clicked = if response.clicked() {
            response
                .interact_pointer_pos()
                .and_then(|p| self.tile_at(rect, p))
        } else {
            None
        };
        let response = match hovered {
            Some(t) => {
                let wall = self.walls.get(t).unwrap_or(false);
                let visits = self.coverage.and_then(|g| g.get(t));
                let text = match (wall, visits) {
                    (true, _) => format!("Tile {},{}: wall", t[0], t[1]),
                    (false, Some(n)) => format!("Tile {},{}: {n} visits", t[0], t[1]),
                    (false, None) => format!("Tile {},{}", t[0], t[1]),
                };
                response.on_hover_text_at_pointer(text)
            }
            None => response,
        };
        if self.coverage.is_some() {
            legend(ui, max, size.x);
        }
        TileMapResponse {
            response,
            hovered,
            clicked,
        }
    }
}

/// Planning markers over a drawn map: the start tile (a green ring with "S"), the goal (a white
/// ring with "G"), each on a darkened tile, and the agent (a pink disc, drawn over both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TileMarkers {
    pub start: Option<[i16; 2]>,
    pub goal: Option<[i16; 2]>,
    pub agent: Option<[i16; 2]>,
}

impl TileMarkers {
    /// Paints the markers over a map of `walls` drawn at `tile_size` (its response `drawn`).
    pub fn paint(&self, ui: &Ui, walls: &TileGrid<bool>, tile_size: f32, drawn: &TileMapResponse) {
        let rect = drawn.response.rect;
        let map = TileMap {
            tile_size,
            ..TileMap::new(walls)
        };
        let painter = ui.painter_at(rect);
        let inside = |t: &[i16; 2]| map.walls.index(*t).is_some();
        let font = FontId::proportional((map.tile_size * 0.8).max(7.0));
        for (tile, letter, color) in [(self.start, "S", START), (self.goal, "G", GOAL)] {
            if let Some(t) = tile.filter(inside) {
                let cell = map.tile_rect(rect, t);
                // A dark tile under the letter, so it reads on any heatmap colour.
                painter.rect_filled(cell, 0.0, Color32::from_black_alpha(190));
                painter.rect_stroke(cell, 0.0, Stroke::new(2.0, color), StrokeKind::Inside);
                painter.text(
                    cell.center(),
                    Align2::CENTER_CENTER,
                    letter,
                    font.clone(),
                    color,
                );
            }
        }
        if let Some(t) = self.agent.filter(inside) {
            let cell = map.tile_rect(rect, t);
            let r = (map.tile_size * 0.3).max(2.5);
            painter.circle(cell.center(), r, AGENT, Stroke::new(1.0, Color32::BLACK));
        }
    }
}

/// The path without consecutive repeats (an agent standing still or bumping a wall).
fn dedup_tiles(path: &[[i16; 2]]) -> Vec<[i16; 2]> {
    let mut out: Vec<[i16; 2]> = Vec::with_capacity(path.len().min(4096));
    for &t in path {
        if out.last() != Some(&t) {
            out.push(t);
        }
    }
    out
}

/// A colour bar from 1 to `max` visits.
fn legend(ui: &mut Ui, max: u32, width: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, 26.0), Sense::hover());
    let painter = ui.painter_at(rect);
    let bar = Rect::from_min_size(
        rect.min + vec2(40.0, 2.0),
        vec2((width - 80.0).max(10.0), 10.0),
    );
    let steps = 32;
    for i in 0..steps {
        let t = (i as f64 + 0.5) / f64::from(steps);
        let count = if max <= 1 {
            max
        } else {
            f64::from(max).powf(t).round().max(1.0) as u32
        };
        let w = bar.width() / steps as f32;
        let cell = Rect::from_min_size(
            pos2(bar.min.x + w * i as f32, bar.min.y),
            vec2(w + 0.5, bar.height()),
        );
        painter.rect_filled(cell, 0.0, heat_color(count.max(1), max.max(1)));
    }
    let font = FontId::proportional(11.0);
    let color = ui.visuals().text_color();
    painter.text(
        pos2(bar.min.x - 4.0, bar.center().y),
        Align2::RIGHT_CENTER,
        "1",
        font.clone(),
        color,
    );
    painter.text(
        pos2(bar.max.x + 4.0, bar.center().y),
        Align2::LEFT_CENTER,
        max.to_string(),
        font.clone(),
        color,
    );
    painter.text(
        pos2(bar.center().x, bar.max.y + 1.0),
        Align2::CENTER_TOP,
        "visits per tile (log scale)",
        font,
        color,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_drops_repeats_only() {
        let p = [[1, 1], [1, 1], [1, 2], [1, 1], [1, 1]];
        assert_eq!(dedup_tiles(&p), vec![[1, 1], [1, 2], [1, 1]]);
    }

    #[test]
    fn tile_under_pointer() {
        let walls = TileGrid::new(14, 16);
        let map = TileMap::new(&walls);
        let rect = Rect::from_min_size(pos2(10.0, 20.0), vec2(256.0, 224.0));
        assert_eq!(map.tile_at(rect, pos2(10.0, 20.0)), Some([0, 0]));
        assert_eq!(
            map.tile_at(rect, pos2(10.0 + 16.0 * 3.5, 20.0 + 16.0 * 12.5)),
            Some([12, 3])
        );
        assert_eq!(map.tile_at(rect, pos2(5.0, 20.0)), None);
    }
}
