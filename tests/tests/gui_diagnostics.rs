//! The Checkpoints panel's Assessment scorecard (Good/Ok/Bad by `[assessment]` of worldbench.toml)
//! and Provenance (git commit and diff, model diff) of issue 15.

use egui_kittest::kittest::Queryable;
use worldbench::gui::{PanelId, State};
use worldbench_storage::assessment::Verdict;
use worldbench_storage::config_keys::KeyDiff;
use worldbench_storage::metrics::{read_csv, write_csv};
use worldbench_storage::provenance::{write_provenance, GitState, ModelDiff};
use worldbench_storage::{PlanningRow, RunPaths, RunStatus};

mod gui_common;
use gui_common::{fixed_run, settle};

#[test]
fn the_scorecard_judges_the_last_checkpoint_and_provenance_shows_git_and_model_diff() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let dir = fixed_run(
        ws,
        "2025-03-01_10-00-00.baseline",
        "baseline",
        RunStatus::Completed,
        256,
        2000,
    );
    let run = RunPaths::new(&dir);
    // The fixture's rows, with the diagnostics of the last one: one Good (by the file's
    // thresholds), one Ok, one Bad (by the defaults), the rest absent.
    let mut rows: Vec<PlanningRow> = read_csv(&run.planning_csv()).expect("rows");
    let last = rows.last_mut().expect("a row");
    last.h_l = Some(0.25);
    last.h_inv_lr = Some(0.3);
    last.h_hit1_at_k = Some(0.6);
    last.h_mutual_rate = Some(0.1);
    let last_step = last.step;
    write_csv(&run.planning_csv(), &rows).expect("csv");
    std::fs::write(
        ws.join("worldbench.toml"),
        "[assessment]\nh_inv_lr = { good = 0.5, ok = 0.6 }\n",
    )
    .expect("toml");
    write_provenance(
        &run,
        Some(&GitState {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            diff: "--- a/x\n+++ b/x\n+changed\n".into(),
        }),
        &ModelDiff {
            preset: "default".into(),
            keys: vec![KeyDiff {
                key: "model.hidden".into(),
                preset: 256.into(),
                run: 512.into(),
            }],
        },
    )
    .expect("provenance");

    let mut state = State {
        panel: PanelId::Checkpoints,
        ..State::default()
    };
    state.checkpoints.run = Some(dir.clone());
    let mut harness = gui_common::app(ws, state);
    assert!(
        harness.state().errors().is_empty(),
        "{:?}",
        harness.state().errors()
    );
    // Closed at first: the table stays in view.
    assert!(harness.query_by_label("h hit1@K").is_none());
    harness.get_by_label("Assessment").click();
    harness.run_ok();
    harness.get_by_label("h hit1@K");
    harness.get_by_label("0.2500");
    assert_eq!(
        harness.get_by_label("Scorecard of step").value().as_deref(),
        Some(last_step.to_string().as_str()),
        "the last evaluated checkpoint"
    );
    // Each verdict once, on its metric's row, as the thresholds say.
    for (metric, verdict) in [
        ("h inv L/R", Verdict::Good),
        ("h hit1@K", Verdict::Ok),
        ("h mutual kNN", Verdict::Bad),
    ] {
        let m = harness.get_by_label(metric).rect();
        let v = harness.get_by_label(verdict.as_str()).rect();
        assert!(
            (m.center().y - v.center().y).abs() < 2.0 && v.min.x > m.max.x,
            "{metric}: {verdict:?} at {v:?}, not on its row at {m:?}"
        );
    }
    harness.get_by_label("Good ≤ 0.500, Ok ≤ 0.600");

    settle(&mut harness);
    harness.get_by_label("Provenance").click();
    harness.run_ok();
    harness.get_by_label("git commit 0123456789ab");
    harness.get_by_label("uncommitted diff (3 lines)");
    harness.get_by_label("model diff against the default preset:");
    harness.get_by_label("model.hidden");
    harness.get_by_label("512");
}
