use super::*;
use crate::metrics::write_csv;

fn run(root: &Path, name: &str, status: RunStatus, p10: Option<f64>) {
    let paths = RunPaths::new(root.join("runs").join(name));
    let m = RunManifest {
        title: name.into(),
        status,
        started: "2026-12-02T00:00:00Z".into(),
        error: (status == RunStatus::Failed).then(|| "out of memory".to_string()),
        ..Default::default()
    };
    m.write(&paths.manifest()).unwrap();
    if let Some(p) = p10 {
        write_csv(
            &paths.planning_csv(),
            &[crate::plan_cards::condition::tests_row(1000, p)],
        )
        .unwrap();
    }
}

const E: &str = "id = \"e\"\ntitle = \"E\"\n[[sub]]\nname = \"a\"\nruns = [\"ra\"]\n[[sub]]\nname = \"b\"\nruns = [\"rb\"]\n[criteria.reach_h_p10]\ntarget = 0.9\nacceptable = 0.5\nfailure = 0.2\n";

#[test]
fn one_failing_sub_experiment_fails_the_experiment_and_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "ra", RunStatus::Completed, Some(0.95));
    run(dir.path(), "rb", RunStatus::Failed, None);
    let p = dir.path().join("experiments/e/experiment.toml");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, E).unwrap();
    let ev = write_findings(dir.path(), &p).unwrap();
    assert_eq!(ev.status, ExperimentStatus::Failed);
    assert_eq!(ev.to_fix.len(), 1);
    assert!(
        ev.to_fix[0].starts_with("b: run rb is failed: out of memory"),
        "{:?}",
        ev.to_fix
    );
    assert_eq!(ev.recommendation, None);
    let f = std::fs::read_to_string(dir.path().join("experiments/e/FINDINGS.md")).unwrap();
    assert!(f.contains("**failed**") && f.contains("- b: run rb"), "{f}");
    let index = std::fs::read_to_string(dir.path().join("FINDINGS.md")).unwrap();
    assert!(
        index.contains("| e | E | failed | [FINDINGS](experiments/e/FINDINGS.md) |"),
        "{index}"
    );
}

#[test]
fn completed_experiments_proceed_or_pivot() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "ra", RunStatus::Completed, Some(0.95));
    run(dir.path(), "rb", RunStatus::Completed, Some(0.6));
    let e = Experiment::parse(Path::new("x.toml"), E).unwrap();
    let ev = e.evaluate(dir.path());
    assert_eq!(
        (ev.status, ev.recommendation),
        (ExperimentStatus::Completed, Some(Recommendation::Proceed))
    );
    run(dir.path(), "rb", RunStatus::Completed, Some(0.3));
    let ev = e.evaluate(dir.path());
    assert_eq!(ev.recommendation, Some(Recommendation::Pivot));
    let text = findings_text(&e, &ev);
    assert!(
        text.contains("✅") && text.contains("❌") && text.contains("**pivot**"),
        "{text}"
    );
}

#[test]
fn refuses_broken_experiments() {
    let p = Path::new("experiments/e/experiment.toml");
    for (text, want) in [
        (
            E.replace("[criteria.reach_h_p10]", "[criteria.reach]"),
            "unknown planning metric",
        ),
        (E.replace("title", "titel"), "line 2"),
        (E.replace("runs = [\"rb\"]", ""), "names no runs"),
        ("id = \"e\"\ntitle = \"E\"\n".to_string(), "at least one"),
    ] {
        let e = Experiment::parse(p, &text).unwrap_err().to_string();
        assert!(
            e.contains("experiment.toml") && e.contains(want),
            "{want}: {e}"
        );
    }
}
