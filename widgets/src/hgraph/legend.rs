//! The legend of each colour mode.

use egui::{pos2, vec2, Color32, Rect, Sense, Ui};

use super::colors::{category_color, ramp, tile_color, ColorMode, ColorScale};

fn ramp_bar(ui: &mut Ui, lo: &str, hi: &str, what: &str) {
    ui.horizontal(|ui| {
        ui.label(lo);
        let (rect, _) = ui.allocate_exact_size(vec2(140.0, 12.0), Sense::hover());
        let steps = 28;
        let w = rect.width() / steps as f32;
        for i in 0..steps {
            let cell = Rect::from_min_size(
                pos2(rect.min.x + w * i as f32, rect.min.y),
                vec2(w + 0.5, rect.height()),
            );
            ui.painter()
                .rect_filled(cell, 0.0, ramp((i as f32 + 0.5) / steps as f32));
        }
        ui.label(hi);
        ui.weak(what);
    });
}

fn swatch(ui: &mut Ui, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
}

/// Draws the legend of `mode` (scales from `scale`; the tile map is `map_size` rows × columns).
pub fn legend(ui: &mut Ui, mode: ColorMode, scale: &ColorScale, map_size: [usize; 2]) {
    match mode {
        ColorMode::Tile => {
            ui.horizontal(|ui| {
                let cell = 5.0;
                let [rows, cols] = map_size;
                let (rect, _) = ui.allocate_exact_size(
                    vec2(cols as f32 * cell, rows as f32 * cell),
                    Sense::hover(),
                );
                for r in 0..rows {
                    for c in 0..cols {
                        let min = rect.min + vec2(c as f32 * cell, r as f32 * cell);
                        let color = tile_color([r as i16, c as i16], map_size);
                        ui.painter().rect_filled(
                            Rect::from_min_size(min, vec2(cell, cell)),
                            0.0,
                            color,
                        );
                    }
                }
                ui.vertical(|ui| {
                    ui.label("Colour = most frequent true tile");
                    ui.weak("row down, column across the map");
                    ui.horizontal(|ui| {
                        swatch(ui, super::colors::UNKNOWN);
                        ui.weak("no tile known");
                    });
                });
            });
        }
        ColorMode::Degree => ramp_bar(
            ui,
            "0",
            &scale.max_degree.to_string(),
            "in + out degree (log scale)",
        ),
        ColorMode::Reach => ramp_bar(ui, "0", "1", "fraction of nodes reachable"),
        ColorMode::FirstVisit => ramp_bar(
            ui,
            "0",
            &scale.max_first_step.to_string(),
            "frame index of the first visit",
        ),
        ColorMode::Scc => {
            ui.horizontal(|ui| {
                swatch(ui, category_color(scale.largest_scc, scale.largest_scc));
                ui.label(format!(
                    "largest component: {} nodes",
                    scale.largest_scc_size
                ));
                for id in 0..4u32 {
                    if id != scale.largest_scc {
                        swatch(ui, category_color(id, scale.largest_scc));
                    }
                }
                ui.weak(format!(
                    "… {} strongly connected components",
                    scale.scc_count
                ));
            });
        }
    }
}
