//! Hypothesis gates and worklog posts on the command line: gate validation naming every missing field,
//! an attempt refused without a complete gate, an exported post with every section, the run's real
//! numbers and its images, FINDINGS.md, traversal names refused, a second export beside the first,
//! a run.json of another schema refused.

use std::path::Path;

use worldbench_storage::gate::Gate;
use worldbench_storage::metrics::read_csv;
use worldbench_storage::worklog::post::POST_SECTIONS;
use worldbench_storage::PlanningRow;
use worldbench_tests::{fails, ok, run_folder as run_dir, small_dataset, worldbench};

fn complete_gate(path: &Path) {
    let mut g = Gate::template();
    g.failure_mode = "the h-graph is disconnected".into();
    for (i, h) in g.hypotheses.iter_mut().enumerate() {
        h.statement = format!("cause {i}");
        h.recommendation = format!("change {i}");
        h.upside = "graph connects".into();
        h.downside = "slower".into();
        h.false_positive_risk = "low".into();
        h.runtime_cost = "1 min".into();
        (h.upside_rating, h.risk_rating, h.cost_rating) = (4, 2, 1);
        h.deferred_reason = if i == 1 {
            String::new()
        } else {
            "later".into()
        };
    }
    g.chosen = Some(1);
    g.justification = "cheapest".into();
    g.write(path).expect("write gate");
}

fn train(ws: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = worldbench(ws);
    cmd.args([
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
    .args(["--progress", "none"])
    .args(extra);
    cmd
}

#[test]
fn gate_new_check_show_and_an_attempt_refused_without_a_complete_gate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "1");
    let template = run_dir(&ok(worldbench(ws).args([
        "gate",
        "new",
        "--title",
        "First Try",
    ])));
    assert!(
        template.starts_with(ws.join("gates")),
        "{}",
        template.display()
    );
    assert!(template.to_string_lossy().ends_with(".first-try.json"));
    let err = fails(worldbench(ws).args(["gate", "check"]).arg(&template));
    let expected = Gate::template().missing_fields();
    assert_eq!(expected.len(), 30);
    for field in &expected {
        assert!(
            err.contains(&format!("  - {field}\n")),
            "{field} missing from:\n{err}"
        );
    }

    // Without a gate, and with the incomplete one, nothing is launched.
    let err = fails(&mut train(ws, &[]));
    assert!(err.contains("needs a hypothesis gate"), "{err}");
    let err = fails(train(ws, &["--gate"]).arg(&template));
    assert!(
        err.contains("hypotheses[2].cost_rating") && err.contains("justification"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(ws.join("runs")).expect("runs").count(),
        0,
        "no run folder was made"
    );

    let gate = ws.join("gates").join("complete.json");
    complete_gate(&gate);
    ok(worldbench(ws).args(["gate", "check"]).arg(&gate));
    let shown = ok(worldbench(ws).args(["gate", "show"]).arg(&gate));
    assert!(
        shown.contains("the h-graph is disconnected") && shown.contains("chosen: cheapest"),
        "{shown}"
    );
    assert!(
        shown.contains("deferred: later") && shown.contains("graph connects (4/5)"),
        "{shown}"
    );
    assert!(shown.contains("Complete."), "{shown}");

    let run = run_dir(&ok(
        train(ws, &["--title", "attempt one", "--gate"]).arg(&gate)
    ));
    let manifest = worldbench_storage::RunManifest::read(&run.join("run.json")).expect("manifest");
    assert_eq!(
        manifest.gate.as_deref().map(Path::new),
        Some(gate.as_path())
    );

    // The next gate carries over from this one, with the evidence of its run.
    let next = run_dir(&ok(worldbench(ws)
        .args(["gate", "new", "--from"])
        .arg(&gate)));
    let g = Gate::read(&next).expect("next gate");
    assert_eq!(
        g.carried_over_from.as_deref().map(Path::new),
        Some(gate.as_path())
    );
    assert_eq!(
        g.previous_run.as_deref().map(Path::new),
        Some(run.as_path())
    );
    let rows: Vec<PlanningRow> =
        read_csv(&run.join("metrics/planning_metrics.csv")).expect("metrics");
    let last = rows.last().expect("a row");
    assert!(
        g.evidence.contains(&format!(
            "step {}: num_nodes_h={}",
            last.step, last.num_nodes_h
        )),
        "{}",
        g.evidence
    );
    assert_eq!(g.hypotheses[2].carried_from, Some(2));
    let err = fails(worldbench(ws).args(["gate", "check"]).arg(&next));
    for f in [
        "hypotheses[0].revisit_note",
        "revisit at least 3 hypotheses",
        "chosen",
    ] {
        assert!(err.contains(f), "{f}: {err}");
    }
    // --out never overwrites.
    let err = fails(worldbench(ws).args(["gate", "new", "--out"]).arg(&gate));
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn exported_posts_hold_every_section_real_numbers_and_images_and_findings_lists_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "1");
    let first = run_dir(&ok(&mut train(ws, &["--smoke", "--title", "base"])));
    // A later run on another dataset is not "the previous attempt" of a run on `g`.
    small_dataset(ws, "other", "2");
    let elsewhere = run_dir(&ok(worldbench(ws).args([
        "train",
        "--data",
        "other",
        "--preset",
        "tiny",
        "--steps",
        "3",
        "--checkpoints",
        "3",
        "--progress",
        "none",
        "--smoke",
        "--title",
        "elsewhere",
    ])));
    let run = run_dir(&ok(&mut train(
        ws,
        &["--smoke", "--title", "more", "--seed", "5"],
    )));
    let draft = ws.join("draft.md");
    std::fs::write(
        &draft,
        "## Objective\nConnect the graph.\n\n## Diagnosis\nToo few steps.\n\n## Next changes\n- train longer\n",
    )
    .expect("draft");

    // Traversal names are refused before anything is written.
    for bad in ["../escape", "/abs/path", "a/b", ".."] {
        let err = fails(
            worldbench(ws)
                .args(["worklog", "export", "--concept", bad, "--run"])
                .arg(&run),
        );
        assert!(err.contains("concept name"), "{bad}: {err}");
    }
    assert!(!ws.join("FINDINGS.md").exists());
    assert_eq!(
        std::fs::read_dir(ws.join("worklog"))
            .expect("worklog")
            .count(),
        0
    );

    let export = || {
        run_dir(&ok(worldbench(ws)
            .args(["worklog", "export", "--concept", "Seed Sweep", "--draft"])
            .arg(&draft)
            .arg("--run")
            .arg(&run)))
    };
    let post = export();
    let dir = post.parent().expect("post folder").to_path_buf();
    assert!(dir.starts_with(ws.join("worklog")));
    assert!(
        dir.to_string_lossy().ends_with(".seed-sweep"),
        "{}",
        dir.display()
    );
    let text = std::fs::read_to_string(&post).expect("post.md");
    let mut at = 0;
    for section in POST_SECTIONS {
        let found = text[at..]
            .find(&format!("\n## {section}\n"))
            .unwrap_or_else(|| panic!("{section} missing or out of order:\n{text}"));
        at += found + 1;
    }
    for prose in ["Connect the graph.", "Too few steps.", "- train longer"] {
        assert!(text.contains(prose), "{prose}");
    }
    assert!(text.contains("--seed 5"), "the exact command is in Setup");
    // Compared with the previous run on the same dataset (a smoke run: there is no attempt), named.
    assert!(
        text.contains(&format!(
            "Diff to the previous run (a smoke run: no earlier attempt) on this dataset, `{}` (“base”, started ",
            first.file_name().expect("name").to_string_lossy()
        )),
        "{text}"
    );
    let other_name = elsewhere
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(!text.contains(&other_name), "{text}");
    assert!(
        text.contains("- Stops and resumes: none: the run went through and completed at step 6"),
        "{text}"
    );
    assert!(text.contains("| seed | 0 | 5 |"), "config diff:\n{text}");
    assert!(
        text.contains("| checkpoint_step | num_nodes_h | reach_h_median | reach_h_p10 | reach_h_p90 | h_local_success | test1_success | test2_success |"),
        "{text}"
    );
    let rows: Vec<PlanningRow> =
        read_csv(&run.join("metrics/planning_metrics.csv")).expect("metrics");
    assert_eq!(rows.iter().map(|r| r.step).collect::<Vec<_>>(), vec![3, 6]);
    let f = worldbench_storage::success_criteria::fmt_num;
    for r in &rows {
        let line = format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.step,
            r.num_nodes_h,
            f(r.reach_h_median),
            f(r.reach_h_p10),
            f(r.reach_h_p90),
            f(r.h_local_success),
            r.test1_success,
            r.test2_success
        );
        assert!(text.contains(&line), "{line} missing:\n{text}");
    }
    let csv = std::fs::read_to_string(dir.join("checkpoint_results.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("checkpoint_step,num_nodes_h,"));
    assert!(
        text.contains("| 2 | 62 | 64×56 | 3 | 4 | 6 |"),
        "data stats:\n{text}"
    );
    let outcome = if text.contains("**SUCCESS**") {
        "SUCCESS"
    } else {
        "FAILURE"
    };
    assert!(text.contains("| all criteria |"), "{text}");
    assert!(text.contains("✅") || text.contains("❌"));
    for png in ["loss_curves.png", "planning_metrics.png", "hgraph_last.png"] {
        assert!(text.contains(&format!("]({png})")), "{png} not linked");
        let img = image::open(dir.join(png)).unwrap_or_else(|e| panic!("{png}: {e}"));
        assert!(img.width() > 100 && img.height() > 100);
    }
    // The h-graph picture was drawn from the panel's view data: it is cached beside the last
    // checkpoint, fresh, so the H-graph panel opens exactly what the picture shows.
    let last = run.join("checkpoints").join("last.safetensors");
    let cache_file = worldbench_storage::hgraph_cache::cache_path(&last);
    assert!(
        worldbench_storage::hgraph_cache::is_fresh(&cache_file, &last),
        "{} missing or stale",
        cache_file.display()
    );
    let view = worldbench_storage::hgraph_cache::read_cache(&cache_file).expect("view data");
    let picture = worldbench::report::hgraph_picture(&worldbench::run_context::graph_data(
        &view,
        [0, 1, 2],
        [14, 16],
    ));
    assert_eq!(picture.positions.len(), view.num_nodes());
    assert!(view.num_nodes() > 0);

    let findings = std::fs::read_to_string(ws.join("FINDINGS.md")).expect("FINDINGS.md");
    let folder = dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        findings.contains(&format!("[post](worklog/{folder}/post.md)")),
        "{findings}"
    );
    assert!(
        findings.contains(&format!("| Seed Sweep | {outcome} (")),
        "{findings}"
    );
    assert!(findings.contains("step 6: reach_h_median="), "{findings}");

    // A second export of the same concept goes beside the first, which is left as it was.
    let second = export();
    assert_ne!(second, post);
    assert_eq!(std::fs::read_to_string(&post).expect("first post"), text);
    let findings = std::fs::read_to_string(ws.join("FINDINGS.md")).expect("FINDINGS.md");
    assert_eq!(findings.matches("| Seed Sweep |").count(), 2, "{findings}");
}

/// A run.json of another schema is not a manifest: `worklog export` refuses it, naming the file and
/// the missing field, and writes no post.
#[test]
fn worklog_export_refuses_a_run_json_of_another_schema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let run = ws.join("runs").join("2025-01-01_00-00-00.foreign");
    std::fs::create_dir_all(&run).expect("mkdir");
    std::fs::write(run.join("run.json"), r#"{"foo": 1}"#).expect("run.json");
    let err = fails(
        worldbench(ws)
            .args(["worklog", "export", "--concept", "foreign", "--run"])
            .arg(&run),
    );
    assert!(
        err.contains("run.json") && err.contains("missing field `title`"),
        "{err}"
    );
    assert!(!ws.join("FINDINGS.md").exists());
    let posts = std::fs::read_dir(ws.join("worklog")).map_or(0, Iterator::count);
    assert_eq!(posts, 0);
}
