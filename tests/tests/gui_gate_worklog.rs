//! The Gate and Worklog panels, driven through the accessibility tree: an attempt's Launch stays
//! disabled (saying why) until its gate is complete; the gate form's checklist follows edits, Save
//! writes the file, "Carry over" starts the next gate; a post exported from the Worklog panel (off the
//! UI thread) is previewed with its sections and images, and its draft is saved.

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use worldbench::gui::panels::gate::GateState;
use worldbench::gui::panels::train::{TrainForm, TrainState};
use worldbench::gui::panels::worklog::WorklogState;
use worldbench::gui::{PanelId, State, WorldbenchApp};
use worldbench_storage::gate::{list_gates, Gate};
use worldbench_storage::RunKind;
use worldbench_tests::{binary, ok, run_folder, small_dataset, worldbench};

fn app(ws: &Path, state: State) -> Harness<'static, WorldbenchApp> {
    let ws = ws.to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |_cc| WorldbenchApp::new(ws, state, binary()).expect("app"));
    settle(&mut harness);
    harness
}

/// Runs frames until the background work they start has all been applied.
fn settle(harness: &mut Harness<'_, WorldbenchApp>) {
    worldbench::gui::task_tracker::settle(std::time::Duration::from_mins(2), || {
        harness.run_ok();
    })
    .expect("the app's background work ends");
}

/// Whether the widget labelled `label` is greyed out.
fn disabled(harness: &Harness<'_, WorldbenchApp>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

fn fill(g: &mut Gate) {
    g.failure_mode = "disconnected h-graph".into();
    for (i, h) in g.hypotheses.iter_mut().enumerate() {
        h.statement = format!("cause {i}");
        h.recommendation = format!("change {i}");
        h.upside = "up".into();
        h.downside = "down".into();
        h.false_positive_risk = "low".into();
        h.runtime_cost = "1 min".into();
        (h.upside_rating, h.risk_rating, h.cost_rating) = (3, 2, 1);
        h.deferred_reason = "later".into();
    }
    g.chosen = Some(0);
    g.justification = "cheapest".into();
}

#[test]
fn an_attempt_stays_disabled_until_its_gate_is_complete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let data = small_dataset(ws, "g", "0");
    let gate_path = ws.join("gates").join("g.json");
    let mut gate = Gate::template();
    gate.failure_mode = "disconnected".into();
    gate.write(&gate_path).expect("gate");
    let state = State {
        panel: PanelId::Train,
        train: TrainState {
            form: TrainForm {
                dataset: Some(data),
                preset: "tiny".into(),
                steps: 6,
                kind: RunKind::Attempt,
                gate: Some(gate_path.clone()),
                ..TrainForm::default()
            },
            ..TrainState::default()
        },
        ..State::default()
    };
    let mut harness = app(ws, state);
    assert!(disabled(&harness, "Launch attempt"));
    // The reason names the gate and every missing field.
    harness.get_by_label_contains("The gate g.json is incomplete");
    for field in [
        "Hypothesis #0: Statement",
        "Hypothesis #2: Cost rating",
        "Chosen hypothesis",
        "Justification of the choice",
    ] {
        assert!(
            harness.query_by_label_contains(field).is_some(),
            "{field} is not named"
        );
    }
    assert!(
        harness.query_by_label_contains("Failure mode").is_none(),
        "the failure mode is there"
    );

    fill(&mut gate);
    gate.write(&gate_path).expect("gate");
    harness.run_ok();
    assert_eq!(harness.state().state().train.form.launch_blocker(), None);
    assert!(!disabled(&harness, "Launch attempt"));
    assert!(harness.query_by_label_contains("is incomplete").is_none());
}

#[test]
fn the_gate_form_checks_live_saves_and_carries_over() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let state = State {
        panel: PanelId::Gate,
        gate: GateState::default(),
        ..State::default()
    };
    let mut harness = app(ws, state);
    harness.get_by_label("Hypothesis gate");
    harness
        .get_by_role_and_label(Role::Button, "New gate")
        .click();
    harness.run_ok();
    harness.get_by_label("missing: Failure mode");
    harness.get_by_label("missing: Hypothesis #2: Statement");
    harness
        .get_by_role_and_label(Role::Button, "Add hypothesis")
        .click_accesskit();
    harness.run_ok();
    assert_eq!(
        harness.state_mut().gate_panel_mut().gate.hypotheses.len(),
        4
    );
    harness.get_by_label("missing: Hypothesis #3: Recommendation");
    harness
        .get_by_label("Failure mode")
        .set_text_value_accesskit("the graph falls apart");
    harness.run_ok();
    assert!(harness.query_by_label("missing: Failure mode").is_none());
    assert_eq!(
        harness.state_mut().gate_panel_mut().gate.failure_mode,
        "the graph falls apart"
    );

    // Remove the 4th, fill the rest, and the checklist says complete.
    let panel = harness.state_mut().gate_panel_mut();
    panel.gate.hypotheses.pop();
    let mut g = panel.gate.clone();
    fill(&mut g);
    panel.gate = g;
    harness.run_ok();
    harness.get_by_label_contains("Complete: ");
    harness.get_by_role_and_label(Role::Button, "Save*").click();
    harness.run_ok();
    let saved = list_gates(&ws.join("gates"));
    assert_eq!(saved.len(), 1);
    assert!(Gate::read(&saved[0]).expect("saved gate").is_complete());

    // "Use for the next attempt" chooses it in the Train panel.
    harness
        .get_by_role_and_label(Role::Button, "Use for the next attempt")
        .click();
    harness.run_ok();
    assert_eq!(harness.state().panel(), PanelId::Train);
    let form = harness.state().state().train.form;
    assert_eq!(
        (form.kind, form.gate.as_deref()),
        (RunKind::Attempt, Some(saved[0].as_path()))
    );

    click(&mut harness, "Gate");
    harness
        .get_by_role_and_label(Role::Button, "Carry over from the last gate")
        .click();
    harness.run_ok();
    let g = harness.state_mut().gate_panel_mut().gate.clone();
    assert_eq!(
        g.carried_over_from.as_deref().map(Path::new),
        Some(saved[0].as_path())
    );
    assert_eq!(g.hypotheses.len(), 3);
    assert_eq!(g.hypotheses[1].carried_from, Some(1));
    harness.get_by_label("missing: Hypothesis #0: Revisit note");
}

fn click(harness: &mut Harness<'_, WorldbenchApp>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    harness.run_ok();
}

#[test]
fn a_post_exported_from_the_worklog_panel_is_previewed_with_its_images() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let out = ok(worldbench(ws)
        .args([
            "train",
            "--data",
            "g",
            "--preset",
            "tiny",
            "--steps",
            "6",
            "--checkpoints",
            "3,6",
        ])
        .args(["--smoke", "--progress", "none", "--title", "for the post"]));
    let run = run_folder(&out);
    let state = State {
        panel: PanelId::Worklog,
        worklog: WorklogState {
            run: Some(run.clone()),
            concept: "../escape".into(),
            last_post: None,
        },
        ..State::default()
    };
    let mut harness = app(ws, state);
    // A traversal name cannot be exported.
    assert!(disabled(&harness, "Export post"));
    harness
        .get_by_label("Concept")
        .set_text_value_accesskit("gui post");
    harness
        .get_by_label("Objective")
        .set_text_value_accesskit("Check the panel.");
    harness.run_ok();
    assert!(!disabled(&harness, "Export post"));
    harness.get_by_label("Export post").click();
    harness.run_ok();
    settle(&mut harness);
    let status = harness.state_mut().worklog_panel_mut().status.clone();
    assert!(status.starts_with("Exported"), "{status}");

    let draft = ws.join("worklog/drafts").join(format!(
        "{}.md",
        run.file_name().expect("name").to_string_lossy()
    ));
    assert!(std::fs::read_to_string(&draft)
        .expect("draft saved")
        .contains("Check the panel."));
    let preview = harness
        .state_mut()
        .worklog_panel_mut()
        .preview()
        .map(|p| (p.post.clone(), p.images.clone()));
    let (post, images) = preview.expect("a preview");
    assert!(post.starts_with(ws.join("worklog")) && post.ends_with("post.md"));
    assert_eq!(
        images.len(),
        3,
        "loss curves, planning metrics and the h-graph"
    );
    // The preview draws them, and egui's loaders read and decode each PNG.
    assert_eq!(harness.query_all_by_role(Role::Image).count(), 3);
    for image in &images {
        let loaded = harness
            .ctx
            .try_load_image(&image.uri, egui::SizeHint::default());
        assert!(
            matches!(loaded, Ok(egui::load::ImagePoll::Ready { ref image }) if image.width() > 100),
            "{} is not shown",
            image.uri
        );
    }
    for heading in ["Setup", "Hypothesis gate", "Checkpoint results", "Outcome"] {
        harness.get_by_label(heading);
    }
    // The draft editors and the preview both show these.
    for heading in ["Objective", "Diagnosis", "Next changes"] {
        assert_eq!(harness.query_all_by_label(heading).count(), 2, "{heading}");
    }
    // The image's caption (its alt text) and a cell of the checkpoint results table.
    harness.get_by_label("Loss curves");
    harness.get_by_label("checkpoint_step");
    // The outcome table's "all criteria" row marks each checkpoint (drawn, not tofu: the harness
    // panics on a glyph no font has).
    assert!(
        harness.query_all_by_label("✅").count() + harness.query_all_by_label("❌").count() >= 2,
        "the pass/fail marks of the two checkpoints"
    );
    assert!(harness.query_all_by_label("Check the panel.").count() >= 1);
    assert!(std::fs::read_to_string(ws.join("FINDINGS.md"))
        .expect("findings")
        .contains("| gui post |"));
}
