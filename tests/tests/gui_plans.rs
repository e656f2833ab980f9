//! The Plans panel, driven through the accessibility tree on a fixture plan: the priority matrix,
//! the dependency graph with its critical path, the risk register and the health summary; changing
//! a card's type from the app rewrites the card (off the UI thread) and appends the change log.

mod gui_common;

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use gui_common::{app, settle};
use worldbench::gui::{PanelId, State};

fn card(ws: &Path, id: &str, extra: &str) {
    let dir = ws.join("plans");
    std::fs::create_dir_all(&dir).expect("plans/");
    std::fs::write(
        dir.join(format!("{id}.md")),
        format!("+++\nid = \"{id}\"\ntitle = \"Card {id}\"\n{extra}+++\n# {id}\n\nnotes stay\n"),
    )
    .expect("card");
}

fn fixture(ws: &Path) {
    card(ws, "data", "type = \"completed\"\n");
    card(ws, "encoder", "type = \"in-progress\"\nurgency = \"high\"\npercent = 40\ncomplexity = \"L\"\ndepends_on = [\"data\"]\n");
    card(ws, "predictor", "type = \"ready\"\nurgency = \"high\"\ndepends_on = [\"encoder\"]\nrisk = \"high\"\nrisk_notes = \"collapse of h\"\nmitigation = \"VICReg terms\"\n");
    card(ws, "eval", "type = \"planning\"\nurgency = \"medium\"\nvalue = \"high\"\ndepends_on = [\"predictor\"]\n");
    card(
        ws,
        "docs",
        "type = \"concept\"\nrisk = \"low\"\nrisk_notes = \"stale\"\n",
    );
}

trait GraphFacts {
    /// Nodes, edges (from, to) and the highlighted path.
    fn clone_data(&self) -> (usize, Vec<(u32, u32)>, Vec<u32>);
}

impl GraphFacts for worldbench_widgets::HGraphView {
    fn clone_data(&self) -> (usize, Vec<(u32, u32)>, Vec<u32>) {
        let d = self.data();
        (
            d.num_nodes(),
            d.edges.iter().map(|e| (e.from, e.to)).collect(),
            self.path.clone(),
        )
    }
}

fn plans_app(ws: &Path) -> egui_kittest::Harness<'static, worldbench::gui::WorldbenchApp> {
    let state = State {
        panel: PanelId::Plans,
        ..State::default()
    };
    let mut harness = app(ws, state);
    settle(&mut harness);
    harness
}

#[test]
fn the_board_shows_matrix_graph_risks_and_health() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    fixture(ws);
    let mut harness = plans_app(ws);
    harness.get_by_role_and_label(Role::Button, "Plans");
    // The graph widget holds every card and hard dependency; the critical path is its arrowed path
    // (cards in id order: data 0, docs 1, encoder 2, eval 3, predictor 4).
    let view = harness
        .state_mut()
        .plans_panel_mut()
        .graph()
        .expect("graph")
        .clone_data();
    assert_eq!(view.0, 5);
    assert_eq!(view.1, vec![(0, 2), (2, 4), (4, 3)]);
    assert_eq!(view.2, vec![2, 4, 3]);
    // The matrix: tiers as headers, each card in its tier.
    for tier in ["do now", "next", "strategic", "backlog", "closed"] {
        harness.get_by_label(tier);
    }
    harness.get_by_label("encoder (in-progress, 40%)");
    harness.get_by_label("predictor (ready)");
    harness.get_by_label("eval (planning)");
    harness.get_by_label("docs (concept)");
    harness.get_by_label("data (completed)");
    // The graph and its critical path (closed cards are off it).
    harness.get_by_label("Critical path: encoder -> predictor -> eval");
    // The risk register, highest first.
    harness.get_by_label("risk: predictor");
    harness.get_by_label("collapse of h");
    harness.get_by_label("VICReg terms");
    harness.get_by_label("risk: docs");
    harness.get_by_label(
        "Health: 5 cards — completed 1, concept 1, in-progress 1, planning 1, ready 1",
    );
    harness.get_by_label("Check: no problems");
}

#[test]
fn a_cycle_is_shown_as_a_problem_naming_the_cards() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    fixture(ws);
    card(ws, "data", "type = \"ready\"\ndepends_on = [\"eval\"]\n");
    let harness = plans_app(ws);
    harness.get_by_label("Check: 1 problem(s)");
    let node = harness.get_by_label_contains("dependency cycle");
    let node = node.accesskit_node();
    let problem = node
        .label()
        .or_else(|| node.value())
        .expect("the cycle is listed");
    for id in ["data", "encoder", "predictor", "eval"] {
        assert!(problem.contains(id), "{problem}");
    }
    harness.get_by_label("Critical path: none");
}

#[test]
fn changing_a_cards_type_writes_the_file_and_appends_the_change_log() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    fixture(ws);
    let mut harness = plans_app(ws);
    harness.get_by_label("Edit predictor").click();
    harness.run_ok();
    harness.get_by_label("predictor is ready:");
    harness.get_by_label("Mark in-progress").click();
    harness.run_ok();
    settle(&mut harness);
    let text = std::fs::read_to_string(ws.join("plans/predictor.md")).expect("card");
    assert!(text.contains("type = \"in-progress\""), "{text}");
    assert!(
        text.contains("risk_notes = \"collapse of h\"")
            && text.ends_with("+++\n# predictor\n\nnotes stay\n"),
        "{text}"
    );
    let log = std::fs::read_to_string(ws.join("plans/CHANGELOG.md")).expect("change log");
    assert!(
        log.contains("predictor: type ready -> in-progress"),
        "{log}"
    );
    harness.get_by_label("predictor (in-progress)");
    harness.get_by_label("predictor is in-progress:");
    // No temporary file is left beside the cards.
    let leftovers: Vec<_> = std::fs::read_dir(ws.join("plans"))
        .expect("plans/")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}
