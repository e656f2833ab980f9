//! The Plans panel's tables: health, problems, the priority matrix, the risk register, and the row
//! that changes a card's type.

use worldbench_storage::plan_cards::{Board, CardType};

use crate::gui::command::AppCommand;

pub fn health_ui(ui: &mut egui::Ui, board: &Board) {
    let counts: Vec<String> = board
        .health()
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    ui.label(format!(
        "Health: {} cards — {}",
        board.cards.len(),
        counts.join(", ")
    ));
}

pub fn issues_ui(ui: &mut egui::Ui, board: &Board) {
    if board.is_ok() {
        ui.label("Check: no problems");
        return;
    }
    ui.colored_label(
        ui.visuals().error_fg_color,
        format!("Check: {} problem(s)", board.issues.len()),
    );
    for i in &board.issues {
        ui.colored_label(ui.visuals().error_fg_color, i.to_string());
    }
}

pub fn matrix_ui(ui: &mut egui::Ui, board: &Board) {
    let tiers = board.tiers();
    egui::Grid::new("plans-matrix")
        .striped(true)
        .num_columns(tiers.len())
        .show(ui, |ui| {
            for (t, _) in &tiers {
                ui.strong(t.label());
            }
            ui.end_row();
            let rows = tiers.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
            for r in 0..rows {
                for (_, cards) in &tiers {
                    match cards.get(r) {
                        Some(c) => {
                            let pct = c
                                .meta
                                .percent
                                .map_or_else(String::new, |p| format!(", {p}%"));
                            ui.label(format!("{} ({}{pct})", c.id(), c.meta.card_type.as_str()))
                                .on_hover_text(&c.meta.title);
                        }
                        None => {
                            ui.label("");
                        }
                    }
                }
                ui.end_row();
            }
        });
}

pub fn risk_ui(ui: &mut egui::Ui, board: &Board) {
    let risks = board.risk_register();
    if risks.is_empty() {
        ui.label("No card states a risk.");
        return;
    }
    egui::Grid::new("plans-risks")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for h in ["card", "level", "primary risk", "mitigation"] {
                ui.strong(h);
            }
            ui.end_row();
            for r in risks {
                ui.label(format!("risk: {}", r.card));
                ui.label(r.level.as_str());
                ui.label(r.primary_risk);
                ui.label(r.mitigation);
                ui.end_row();
            }
        });
}

pub fn edit_ui(
    ui: &mut egui::Ui,
    board: &Board,
    selected: &mut Option<String>,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal_wrapped(|ui| {
        for c in &board.cards {
            let on = selected.as_deref() == Some(c.id());
            if ui
                .selectable_label(on, format!("Edit {}", c.id()))
                .clicked()
            {
                *selected = Some(c.id().to_string());
            }
        }
    });
    let Some(card) = selected.as_deref().and_then(|id| board.card(id)) else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} is {}:",
            card.id(),
            card.meta.card_type.as_str()
        ));
        for t in CardType::ALL {
            let b = ui.add_enabled(
                t != card.meta.card_type,
                egui::Button::new(format!("Mark {}", t.as_str())),
            );
            if b.clicked() {
                commands.push(AppCommand::SetCardType {
                    card: card.path.clone(),
                    card_type: t,
                });
            }
        }
    });
}
