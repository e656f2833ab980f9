//! The research plan on the built binary: a plan of 6 cards with a cycle refused naming both cards;
//! a metric done-when ticked after the linked run reaches it (a hand-written planning_metrics.csv)
//! and un-ticked when it no longer does; an unapproved deep-change ticket refusing to launch, and
//! the approval recorded in run.json once approved; an experiment with one failing sub-experiment
//! `failed` and listing it; a card's status edited with the change log appended.

use std::path::Path;

use worldbench_storage::metrics::write_csv;
use worldbench_storage::{PlanningRow, RunManifest, RunStatus};
use worldbench_tests::{fails, ok, run_folder, small_dataset, smoke_train_command, worldbench};

fn card(ws: &Path, id: &str, extra: &str, body: &str) {
    let dir = ws.join("plans");
    std::fs::create_dir_all(&dir).expect("fixture");
    std::fs::write(
        dir.join(format!("{id}.md")),
        format!("+++\nid = \"{id}\"\ntitle = \"Card {id}\"\ntype = \"ready\"\n{extra}+++\n{body}"),
    )
    .expect("fixture");
}

fn row(step: u64, p10: f64) -> PlanningRow {
    PlanningRow {
        step,
        num_nodes_h: 40,
        num_edges_h: 90,
        reach_h_median: 0.8,
        reach_h_p10: p10,
        reach_h_p90: 0.95,
        h_local_success: 0.7,
        test1_success: 1,
        test1_steps: 14,
        test2_success: 0,
        test2_steps: 0,
        merge_radius: 0.05,
        eval_secs: 0.5,
        node_purity: None,
        tiles_per_node: None,
        nodes_per_tile: None,
        path_agreement: None,
        ..Default::default()
    }
}

fn run_with(ws: &Path, name: &str, status: RunStatus, rows: &[PlanningRow]) {
    let dir = ws.join("runs").join(name);
    let m = RunManifest {
        title: name.into(),
        status,
        started: "2026-12-02T00:00:00+00:00".into(),
        error: (status == RunStatus::Failed).then(|| "loss became NaN".to_string()),
        ..Default::default()
    };
    m.write(&dir.join("run.json")).expect("fixture");
    if !rows.is_empty() {
        write_csv(&dir.join("metrics/planning_metrics.csv"), rows).expect("fixture");
    }
}

#[test]
fn a_plan_of_six_cards_with_a_cycle_is_refused_naming_both_cards() {
    let tmp = tempfile::tempdir().expect("fixture");
    let ws = tmp.path();
    card(ws, "data", "", "");
    card(ws, "encoder", "depends_on = [\"data\"]\n", "");
    card(
        ws,
        "predictor",
        "depends_on = [\"encoder\", \"eval\"]\n",
        "",
    );
    card(ws, "eval", "depends_on = [\"predictor\"]\n", "");
    card(ws, "post", "soft_depends = [\"eval\"]\n", "");
    card(ws, "docs", "", "");
    let err = fails(worldbench(ws).args(["cards", "check"]));
    assert!(err.contains("dependency cycle"), "{err}");
    assert!(
        err.contains("eval -> predictor -> eval") || err.contains("predictor -> eval -> predictor"),
        "{err}"
    );
    assert!(
        err.contains("eval.md") && err.contains("predictor.md"),
        "{err}"
    );
    // Broken out of the cycle, the same plan passes and has a critical path.
    card(ws, "eval", "", "");
    let out = ok(worldbench(ws).args(["cards", "check"]));
    assert!(out.contains("6 cards"), "{out}");
    assert!(
        out.contains("critical path: data -> encoder -> predictor"),
        "{out}"
    );
    // A reference to a missing card and a bad enum name the file and line.
    card(ws, "docs", "urgency = \"soon\"\n", "");
    card(ws, "post", "soft_depends = [\"ghost\"]\n", "");
    let err = fails(worldbench(ws).args(["cards", "check"]));
    assert!(
        err.contains("docs.md: line 5") && err.contains("soon"),
        "{err}"
    );
    assert!(
        err.contains("post.md: line 5: soft_depends names `ghost`"),
        "{err}"
    );
}

#[test]
fn a_metric_done_when_is_ticked_once_the_linked_run_reaches_it() {
    let tmp = tempfile::tempdir().expect("fixture");
    let ws = tmp.path();
    card(
        ws,
        "merge",
        "",
        "## Phase 1\n- [ ] [P1-T1] train | deliverable: runs/r1 | done-when: reach_h_p10 >= 0.9 at step 5000 | runs: r1\n\
         - [ ] [P1-T2] read the post | done-when: the plots look right\n",
    );
    run_with(ws, "r1", RunStatus::Running, &[row(1000, 0.4)]);
    let out = ok(worldbench(ws).args(["cards", "tick"]));
    assert!(
        out.contains("merge P1-T1: not yet") && out.contains("no checkpoint at step 5000"),
        "{out}"
    );
    let text = std::fs::read_to_string(ws.join("plans/merge.md")).expect("fixture");
    assert!(text.contains("- [ ] [P1-T1]"), "{text}");

    run_with(
        ws,
        "r1",
        RunStatus::Completed,
        &[row(1000, 0.4), row(5000, 0.93)],
    );
    let out = ok(worldbench(ws).args(["cards", "tick"]));
    assert!(
        out.contains("merge P1-T1: ticked") && out.contains("reach_h_p10 = 0.930 at step 5000"),
        "{out}"
    );
    let text = std::fs::read_to_string(ws.join("plans/merge.md")).expect("fixture");
    assert!(
        text.contains("- [x] [P1-T1]") && text.contains("- [ ] [P1-T2] read the post"),
        "{text}"
    );

    run_with(ws, "r1", RunStatus::Completed, &[row(5000, 0.5)]);
    let out = ok(worldbench(ws).args(["cards", "tick", "merge"]));
    assert!(out.contains("merge P1-T1: un-ticked"), "{out}");
}

#[test]
fn an_unapproved_deep_change_ticket_refuses_to_launch_and_the_approval_reaches_run_json() {
    let tmp = tempfile::tempdir().expect("fixture");
    let ws = tmp.path();
    std::fs::create_dir_all(ws.join("tickets")).expect("fixture");
    std::fs::write(
        ws.join("tickets/TICKET-007.toml"),
        "id = \"TICKET-007\"\ngoal = \"change the eval radius\"\nstatus = \"open\"\ndeep_change = true\n\
         [[acceptance]]\ncondition = \"reach_h_p10 >= 0.9\"\n",
    )
    .expect("fixture");
    let data = small_dataset(ws, "d", "3");
    let err = fails(smoke_train_command(ws, &data, "4", "4").args(["--ticket", "TICKET-007"]));
    assert!(
        err.contains("TICKET-007 is a deep change and is not approved"),
        "{err}"
    );
    assert!(
        !ws.join("runs").exists()
            || std::fs::read_dir(ws.join("runs")).expect("fixture").count() == 0
    );
    let err = fails(worldbench(ws).args(["tickets", "accept", "TICKET-007"]));
    assert!(
        err.contains("1 acceptance test(s) failed: reach_h_p10 >= 0.9"),
        "{err}"
    );

    ok(worldbench(ws).args([
        "tickets",
        "approve",
        "TICKET-007",
        "--by",
        "lead",
        "--note",
        "one try",
    ]));
    let out = ok(smoke_train_command(ws, &data, "4", "4").args([
        "--ticket",
        "TICKET-007",
        "--progress",
        "none",
    ]));
    let m = RunManifest::read(&run_folder(&out).join("run.json")).expect("fixture");
    let link = m.ticket.expect("the ticket in run.json");
    assert_eq!(link.id, "TICKET-007");
    let a = link.approval.expect("the approval in run.json");
    assert_eq!((a.by.as_str(), a.note.as_str()), ("lead", "one try"));
}

#[test]
fn an_experiment_with_one_failing_sub_experiment_is_failed_and_lists_it() {
    let tmp = tempfile::tempdir().expect("fixture");
    let ws = tmp.path();
    run_with(ws, "good", RunStatus::Completed, &[row(1000, 0.95)]);
    run_with(ws, "bad", RunStatus::Failed, &[]);
    let dir = ws.join("experiments/radius");
    std::fs::create_dir_all(&dir).expect("fixture");
    let exp = "id = \"radius\"\ntitle = \"Radius\"\ncard = \"merge\"\n\
               [[sub]]\nname = \"baseline\"\nruns = [\"good\"]\n\
               [[sub]]\nname = \"wide\"\nruns = [\"bad\"]\n\
               [criteria.reach_h_p10]\ntarget = 0.9\nacceptable = 0.5\nfailure = 0.2\n";
    std::fs::write(dir.join("experiment.toml"), exp).expect("fixture");
    let err = fails(worldbench(ws).args(["experiments", "check", "radius"]));
    assert!(err.contains("experiment radius: failed"), "{err}");
    assert!(
        err.contains("wide: run bad is failed: loss became NaN"),
        "{err}"
    );
    assert!(!err.contains("baseline:"), "{err}");
    let findings = std::fs::read_to_string(dir.join("FINDINGS.md")).expect("fixture");
    assert!(
        findings.contains("**failed**") && findings.contains("- wide:"),
        "{findings}"
    );
    let index = std::fs::read_to_string(ws.join("FINDINGS.md")).expect("fixture");
    assert!(
        index.contains("[FINDINGS](experiments/radius/FINDINGS.md)"),
        "{index}"
    );

    // Re-run the failing one: completed, and a pivot is an outcome, not an error.
    run_with(ws, "bad", RunStatus::Completed, &[row(1000, 0.3)]);
    let out = ok(worldbench(ws).args(["experiments", "check", "radius"]));
    assert!(
        out.contains("completed — pivot") && out.contains("❌"),
        "{out}"
    );
}

#[test]
fn setting_a_cards_status_rewrites_it_and_appends_the_change_log() {
    let tmp = tempfile::tempdir().expect("fixture");
    let ws = tmp.path();
    card(
        ws,
        "a",
        "# kept comment\nurgency = \"high\"\n",
        "body stays\n",
    );
    let out = ok(worldbench(ws).args([
        "cards",
        "set",
        "a",
        "--type",
        "completed",
        "--percent",
        "100",
    ]));
    assert!(
        out.contains("a: type ready -> completed, percent unset -> 100%"),
        "{out}"
    );
    let text = std::fs::read_to_string(ws.join("plans/a.md")).expect("fixture");
    assert!(
        text.contains("type = \"completed\"") && text.contains("# kept comment"),
        "{text}"
    );
    assert!(text.ends_with("+++\nbody stays\n"), "{text}");
    let log = std::fs::read_to_string(ws.join("plans/CHANGELOG.md")).expect("fixture");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("- ")).count(),
        1,
        "{log}"
    );
    let err = fails(worldbench(ws).args(["cards", "set", "a", "--type", "done"]));
    assert!(err.contains("type `done`"), "{err}");
    // An edit by hand is logged the next time Worldbench reads the plan, once.
    let text = std::fs::read_to_string(ws.join("plans/a.md")).expect("card");
    std::fs::write(
        ws.join("plans/a.md"),
        text.replace("percent = 100", "percent = 80"),
    )
    .expect("edit");
    let (_, _, stderr) = worldbench_tests::run(worldbench(ws).args(["cards", "list"]));
    assert!(
        stderr.contains("a: percent 100% -> 80% (edited by hand)"),
        "{stderr}"
    );
    ok(worldbench(ws).args(["cards", "list"]));
    let log = std::fs::read_to_string(ws.join("plans/CHANGELOG.md")).expect("change log");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("- ")).count(),
        2,
        "{log}"
    );
}

#[test]
fn the_gate_and_worklog_post_of_an_attempt_link_its_card_experiment_and_ticket() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let data = small_dataset(ws, "d", "4");
    let mut g = worldbench_storage::Gate::template();
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
    g.card = Some("merge".into());
    g.experiment = Some("radius".into());
    let gate = ws.join("gates/g.json");
    g.write(&gate).expect("gate");
    std::fs::create_dir_all(ws.join("tickets")).expect("tickets/");
    std::fs::write(
        ws.join("tickets/TICKET-002.toml"),
        "id = \"TICKET-002\"\ngoal = \"g\"\nstatus = \"open\"\ndeep_change = true\ncard = \"merge\"\n\n\
         [approval]\nby = \"lead\"\nwhen = \"2026-12-02T01:00:00+00:00\"\nnote = \"go\"\n",
    )
    .expect("ticket");
    let mut cmd = worldbench(ws);
    cmd.args(["train", "--data"]).arg(&data).args([
        "--preset",
        "tiny",
        "--steps",
        "4",
        "--checkpoints",
        "4",
        "--progress",
        "none",
        "--title",
        "linked",
        "--ticket",
        "TICKET-002",
        "--gate",
    ]);
    let run = run_folder(&ok(cmd.arg(&gate)));
    let post = run_folder(&ok(worldbench(ws)
        .args(["worklog", "export", "--concept", "linked", "--run"])
        .arg(&run)));
    let text = std::fs::read_to_string(&post).expect("post.md");
    assert!(
        text.contains("- Plan card: [merge](../../plans/merge.md)"),
        "{text}"
    );
    assert!(
        text.contains("- Experiment: [radius](../../experiments/radius/FINDINGS.md)"),
        "{text}"
    );
    assert!(
        text.contains(
            "Ticket: [TICKET-002](../../tickets/TICKET-002.toml) · deep change approved by lead"
        ),
        "{text}"
    );
}
