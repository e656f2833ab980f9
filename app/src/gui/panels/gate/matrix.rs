//! The tradeoff matrix: hypotheses × criteria (upside, risk, cost ratings), sortable by rating.

use worldbench_storage::gate::Gate;

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Upside,
    Risk,
    Cost,
}

impl SortKey {
    const ALL: [Self; 3] = [Self::Upside, Self::Risk, Self::Cost];

    fn label(self) -> &'static str {
        match self {
            Self::Upside => "upside",
            Self::Risk => "risk",
            Self::Cost => "cost",
        }
    }

    fn rating(self, h: &worldbench_storage::gate::Hypothesis) -> u8 {
        match self {
            Self::Upside => h.upside_rating,
            Self::Risk => h.risk_rating,
            Self::Cost => h.cost_rating,
        }
    }
}

/// Row order of the matrix: by `sort` (key, descending), ties by index.
pub fn sorted_order(gate: &Gate, sort: Option<(SortKey, bool)>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..gate.hypotheses.len()).collect();
    if let Some((key, desc)) = sort {
        order.sort_by_key(|&i| {
            let r = key.rating(&gate.hypotheses[i]);
            (if desc { u8::MAX - r } else { r }, i)
        });
    }
    order
}

pub fn matrix_ui(ui: &mut egui::Ui, gate: &Gate, sort: &mut Option<(SortKey, bool)>) {
    ui.strong("Tradeoff matrix");
    ui.weak("Ratings 1 (low) to 5 (high); click a column to sort by it.");
    egui::Grid::new("gate_matrix").striped(true).show(ui, |ui| {
        ui.strong("#");
        ui.strong("hypothesis");
        for key in SortKey::ALL {
            let arrow = match sort {
                Some((k, true)) if *k == key => " (high first)",
                Some((k, false)) if *k == key => " (low first)",
                _ => "",
            };
            if ui
                .button(format!("{}{arrow}", key.label()))
                .on_hover_text(format!("Sort by {} rating", key.label()))
                .clicked()
            {
                *sort = match sort {
                    Some((k, true)) if *k == key => Some((key, false)),
                    _ => Some((key, true)),
                };
            }
        }
        ui.strong("decision");
        ui.end_row();
        for i in sorted_order(gate, *sort) {
            let h = &gate.hypotheses[i];
            ui.label(i.to_string());
            ui.label(if h.statement.trim().is_empty() {
                "–"
            } else {
                h.statement.trim()
            });
            for key in SortKey::ALL {
                let r = key.rating(h);
                ui.label(if r == 0 {
                    "–".to_string()
                } else {
                    format!("{r}/5")
                });
            }
            ui.label(if gate.chosen == Some(i) {
                "chosen"
            } else if h.deferred_reason.trim().is_empty() {
                ""
            } else {
                "deferred"
            });
            ui.end_row();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_rating_both_ways_with_ties_by_index() {
        let mut g = Gate::template();
        g.hypotheses[0].upside_rating = 2;
        g.hypotheses[1].upside_rating = 5;
        g.hypotheses[2].upside_rating = 2;
        assert_eq!(sorted_order(&g, None), vec![0, 1, 2]);
        assert_eq!(
            sorted_order(&g, Some((SortKey::Upside, true))),
            vec![1, 0, 2]
        );
        assert_eq!(
            sorted_order(&g, Some((SortKey::Upside, false))),
            vec![0, 2, 1]
        );
    }
}
