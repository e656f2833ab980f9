//! Sweeps in the app (issue 13): the Runs panel groups a sweep's runs under a collapsible sweep row
//! with its cells' counts; the Sweeps view shows each cell's mean ± std over seeds, the parameter
//! that matters most (Spearman ρ with n), marginals, and a click on a cell selects its runs for the
//! Runs comparison. Fixtures: run folders, planning_metrics.csv and sweep.json written with the
//! storage API (no training); the expected numbers are computed by hand in the comments.

use std::path::{Path, PathBuf};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use serde_json::json;
use worldbench::gui::{PanelId, State, WorldbenchApp};
use worldbench_storage::metrics::write_csv;
use worldbench_storage::queue::JobState;
use worldbench_storage::sweep::{CellState, SweepPaths, SweepState};
use worldbench_storage::{RunKind, RunPaths, RunStatus};

mod gui_common;
use gui_common::{app, click_panel, fixed_run, planning_row, settle, snapshot_dir};

/// reach p10 (0.1 + quality) of each (hidden, lr) cell's two seeds.
const CELLS: [(u64, f64, [f64; 2]); 4] = [
    (32, 0.001, [0.1, 0.3]),  // 0.2, 0.4: mean 0.3, std 0.141
    (32, 0.0003, [0.2, 0.2]), // 0.3, 0.3: mean 0.3, std 0
    (64, 0.001, [0.5, 0.7]),  // 0.6, 0.8: mean 0.7, std 0.141 (best)
    (64, 0.0003, [0.4, 0.6]), // 0.5, 0.7: mean 0.6
];

/// A 2×2×2-seed sweep of completed runs, one queued and one failed cell, and a run by hand.
fn sweep_workspace(ws: &Path) -> PathBuf {
    let root = ws.join("sweeps").join("2025-03-01_10-00-00.hidden-vs-lr");
    let paths = SweepPaths::new(&root);
    std::fs::create_dir_all(&root).expect("fixture");
    std::fs::write(paths.toml(), "title = \"hidden vs lr\"\n").expect("fixture");
    let mut state = SweepState::new("hidden vs lr", RunKind::Smoke, None);
    let cell = |hidden: u64, lr: f64, seed: u64, status, run| CellState {
        key: format!("lr={lr},model.hidden={hidden} seed={seed}"),
        params: [
            ("lr".into(), json!(lr)),
            ("model.hidden".into(), json!(hidden)),
        ]
        .into(),
        seed,
        status,
        run,
        job: None,
    };
    for (hidden, lr, qs) in CELLS {
        for (seed, q) in qs.into_iter().enumerate() {
            let name = format!("h{hidden}-lr{lr}-s{seed}");
            let dir = fixed_run(
                ws,
                &name,
                &format!("cell {name}"),
                RunStatus::Completed,
                hidden,
                2000,
            );
            write_csv(
                &RunPaths::new(&dir).planning_csv(),
                &[planning_row(2000, q)],
            )
            .expect("fixture");
            state.cells.push(cell(
                hidden,
                lr,
                seed as u64,
                JobState::Completed,
                Some(dir),
            ));
        }
    }
    state
        .cells
        .push(cell(128, 0.001, 0, JobState::Queued, None));
    state
        .cells
        .push(cell(128, 0.0003, 0, JobState::Failed, None));
    state.write(&paths.state()).expect("fixture");
    fixed_run(ws, "by-hand", "by hand", RunStatus::Completed, 32, 2000);
    root
}

#[test]
fn the_runs_panel_groups_a_sweeps_runs_under_a_collapsible_row() {
    let dir = tempfile::tempdir().expect("fixture");
    sweep_workspace(dir.path());
    let mut h = app(dir.path(), State::default());
    click_panel(&mut h, "Runs");
    h.get_by_label("10 cells: 8 done, 0 running, 1 queued, 1 failed");
    let sweep_row = h.get_by_label("⏷ Sweep: hidden vs lr").rect().min.y;
    let cell_run = h.get_by_label("cell h64-lr0.001-s1").rect().min.y;
    let by_hand = h.get_by_label("by hand").rect().min.y;
    assert!(
        sweep_row < cell_run && cell_run < by_hand,
        "{sweep_row} {cell_run} {by_hand}"
    );

    h.get_by_label("⏷ Sweep: hidden vs lr").click();
    h.run_ok();
    h.get_by_label("⏵ Sweep: hidden vs lr");
    assert!(
        h.query_by_label("cell h64-lr0.001-s1").is_none(),
        "folded away"
    );
    h.get_by_label("by hand");
    assert_eq!(h.state().state().runs.collapsed.len(), 1);
}

fn sweeps_view(ws: &Path) -> Harness<'static, WorldbenchApp> {
    let mut h = app(ws, State::default());
    click_panel(&mut h, "Runs");
    h.get_by_label("Sweep view").click();
    h.run_ok();
    assert_eq!(h.state().panel(), PanelId::Sweeps);
    h
}

#[test]
fn the_sweep_view_shows_cell_statistics_and_what_matters_most() {
    let dir = tempfile::tempdir().expect("fixture");
    sweep_workspace(dir.path());
    let h = sweeps_view(dir.path());
    h.get_by_label("lr=0.001, model.hidden=64 (best)");
    h.get_by_label("0.700 ± 0.141");
    h.get_by_label("0.300 ± 0.000");
    h.get_by_label_contains("Best cell: lr=0.001, model.hidden=64 — 0.700 ± 0.141 (n=2)");
    // hidden: rx = 2.5 ×4, 6.5 ×4; ry = 1, 4, 2.5, 2.5, 6, 8, 5, 7: ρ = 32 / sqrt(32 · 41.5).
    h.get_by_label("Matters most: model.hidden (ρ = +0.878, n = 8)");
    // lr: ρ = 4 / sqrt(32 · 41.5).
    h.get_by_label("+0.110");
    // hidden = 32: 0.2, 0.4, 0.3, 0.3 -> mean 0.3, std sqrt(0.02 / 3).
    h.get_by_label("32: 0.300 ± 0.082 (n=4)");
    h.get_by_label("64: 0.650 ± 0.129 (n=4)");
}

#[test]
fn clicking_a_cell_selects_its_runs_for_the_comparison() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    sweep_workspace(ws);
    let mut h = sweeps_view(ws);
    h.get_by_label("lr=0.0003, model.hidden=64").click();
    h.run_ok();
    assert_eq!(h.state().panel(), PanelId::Runs);
    let selected = h.state().state().runs.selected;
    let want: Vec<PathBuf> = (0..2)
        .map(|s| ws.join("runs").join(format!("h64-lr0.0003-s{s}")))
        .collect();
    assert_eq!(selected, want);
    h.get_by_label("2 selected");
}

fn snapshot(ws: &Path, panel: &str, name: &str) {
    let ws = ws.to_path_buf();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| {
            WorldbenchApp::new(ws, State::default(), worldbench_tests::binary()).expect("app")
        });
    settle(&mut h);
    click_panel(&mut h, panel);
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(snapshot_dir())
        .max_failed_pixels(20);
    h.snapshot_options(name, &options);
}

#[test]
fn the_grouped_runs_at_1280x800() {
    worldbench_tests::require_wgpu_adapter();
    let dir = tempfile::tempdir().expect("fixture");
    sweep_workspace(dir.path());
    snapshot(dir.path(), "Runs", "panel_runs_grouped");
}

#[test]
fn the_sweep_view_at_1280x800() {
    worldbench_tests::require_wgpu_adapter();
    let dir = tempfile::tempdir().expect("fixture");
    sweep_workspace(dir.path());
    snapshot(dir.path(), "Sweeps", "panel_sweeps");
}

#[test]
fn the_worklog_post_of_a_sweep_has_its_tables_plots_gate_and_best_cell() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    let sweep = sweep_workspace(ws);
    let out = worldbench_tests::ok(
        worldbench_tests::worldbench(ws)
            .args(["worklog", "sweep"])
            .arg(&sweep),
    );
    let post = PathBuf::from(out.trim());
    let md = std::fs::read_to_string(&post).expect("fixture");
    assert!(md.contains("# Sweep: hidden vs lr"), "{md}");
    assert!(md.contains("- Gate: none (a smoke sweep)"), "{md}");
    assert!(
        md.contains("- Cells: 10 (8 completed, 0 running, 1 queued, 1 failed, 0 cancelled)"),
        "{md}"
    );
    assert!(
        md.contains("| lr=0.001, model.hidden=64 | 0, 1 | 2 | 0.7000 | 0.1414 |"),
        "{md}"
    );
    assert!(
        md.contains("| lr=0.0003, model.hidden=32 | 0, 1 | 2 | 0.3000 | 0.0000 |"),
        "{md}"
    );
    assert!(
        md.contains("**Best cell:** lr=0.001, model.hidden=64: 0.700 ± 0.141 (n=2) (seed 0: 0.6000, seed 1: 0.8000)."),
        "{md}"
    );
    assert!(
        md.contains("| model.hidden | +0.878 | 8 |") && md.contains("| lr | +0.110 | 8 |"),
        "{md}"
    );
    assert!(
        md.contains("| model.hidden | 32 | 0.3000 | 0.0816 | 4 |"),
        "{md}"
    );
    for png in ["heatmap.png", "marginals.png", "parallel.png"] {
        assert!(md.contains(&format!("]({png})")), "{png} in {md}");
        let bytes = std::fs::read(post.parent().expect("fixture").join(png)).expect("fixture");
        assert_eq!(&bytes[1..4], b"PNG", "{png}");
    }
    // Kept for a look at the figures (`SWEEP_POST_OUT=dir`).
    if let Ok(keep) = std::env::var("SWEEP_POST_OUT") {
        for png in ["heatmap.png", "marginals.png", "parallel.png"] {
            std::fs::copy(
                post.parent().expect("fixture").join(png),
                Path::new(&keep).join(png),
            )
            .expect("fixture");
        }
    }
}

/// The sweep form with a 2 × 2 grid × 3 seeds on the Train form's base (tiny, 40 steps).
fn sweep_form_state(ws: &Path) -> State {
    let mut state = State {
        panel: PanelId::Train,
        ..State::default()
    };
    state.train.form.dataset = Some(ws.join("datasets").join("missing"));
    state.train.form.preset = "tiny".into();
    state.train.form.steps = 40;
    state.train.sweep.title = "width vs lr".into();
    state.train.sweep.rows = vec![
        worldbench::gui::panels::train::sweep_form::GridRow {
            key: "model.hidden".into(),
            values: "32 64".into(),
        },
        worldbench::gui::panels::train::sweep_form::GridRow {
            key: "lr".into(),
            values: "0.001 0.0003".into(),
        },
    ];
    state
}

#[test]
fn the_sweep_form_counts_its_runs_estimates_the_time_and_writes_the_sweep_file() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    sweep_workspace(ws);
    let mut h = app(ws, sweep_form_state(ws));
    h.get_by_label("Sweep over config keys").click();
    h.run_ok();
    // 2 × 2 cells × 3 seeds; the fixtures' runs logged 20 steps/s: 12 × 40 / 20 = 24 s.
    h.get_by_label("12 runs (40 steps each), about 24s one at a time at 20.0 steps/s");
    // The Train form's "Planners evaluated" (graph by default): add mpc, drop graph.
    h.get_by_label("mpc").click();
    h.run_ok();
    h.get_by_label("graph").click();
    h.run_ok();
    assert_eq!(h.state().state().train.form.eval_planners, ["mpc"]);
    h.get_by_label("Launch sweep").click();
    h.run_ok();
    for _ in 0..50 {
        if h.state()
            .jobs()
            .jobs()
            .iter()
            .any(|j| j.label == "sweep \"width vs lr\"")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        h.run_ok();
    }
    assert!(
        h.state()
            .jobs()
            .jobs()
            .iter()
            .any(|j| j.label == "sweep \"width vs lr\""),
        "the sweep job was launched"
    );
    let drafts: Vec<PathBuf> = std::fs::read_dir(ws.join("sweeps").join("drafts"))
        .expect("fixture")
        .map(|e| e.expect("fixture").path())
        .collect();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    let spec = worldbench_storage::sweep::SweepSpec::read(&drafts[0]).expect("fixture");
    assert_eq!(worldbench_storage::sweep::expand(&spec).len(), 12);
    assert_eq!(spec.base["steps"], json!(40));
    assert_eq!(spec.grid["model.hidden"], vec![json!(32), json!(64)]);
    // The planner choice is the sweep's base: every cell evaluates those planners.
    let text = std::fs::read_to_string(&drafts[0]).expect("fixture");
    assert!(text.contains("plan_eval_planners = \"mpc\""), "{text}");
    for cell in worldbench_storage::sweep::expand(&spec) {
        let cfg =
            worldbench_storage::sweep::resolve::resolve_config(&spec.full_params(&cell.params))
                .expect("a cell's config");
        assert_eq!(
            cfg.eval_planners().expect("planners"),
            ["mpc"],
            "{}",
            cell.key()
        );
    }
}

#[test]
fn the_sweep_form_refuses_a_value_of_the_wrong_type_with_its_key() {
    let dir = tempfile::tempdir().expect("fixture");
    let mut state = sweep_form_state(dir.path());
    state.train.sweep.rows[0].values = "32 wide".into();
    let mut h = app(dir.path(), state);
    h.get_by_label("Sweep over config keys").click();
    h.run_ok();
    h.get_by_label_contains("model.hidden: expected integer");
    assert!(h.query_by_label_contains("runs (40 steps each)").is_none());
}

#[test]
fn the_sweep_form_at_1280x800() {
    worldbench_tests::require_wgpu_adapter();
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path().to_path_buf();
    sweep_workspace(&ws);
    let state = sweep_form_state(&ws);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| {
            WorldbenchApp::new(ws, state, worldbench_tests::binary()).expect("app")
        });
    settle(&mut h);
    h.get_by_label("Sweep over config keys").click();
    h.run_ok();
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(snapshot_dir())
        .max_failed_pixels(20);
    h.snapshot_options("panel_sweep_form", &options);
}
