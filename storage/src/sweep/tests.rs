use std::path::Path;

use serde_json::json;

use super::expand::sample_without_replacement;
use super::*;
use crate::run::RunKind;

const EXAMPLE: &str = r#"title = "hidden width vs lr"
kind = "smoke"
method = "grid"
seeds = [0, 1, 2]
[base]
data = "demo-corner-loops"
preset = "default"
steps = 3000
checkpoints = [1000, 3000]
[grid]
"model.hidden" = [128, 256]
lr = [0.001, 0.0003]
"#;

fn parse(text: &str) -> crate::Result<SweepSpec> {
    SweepSpec::parse(Path::new("sweeps/x/sweep.toml"), text)
}

#[test]
fn the_issue_example_expands_to_cells_times_seeds_in_order() {
    let spec = parse(EXAMPLE).unwrap();
    assert_eq!(
        (spec.title.as_str(), spec.kind),
        ("hidden width vs lr", RunKind::Smoke)
    );
    assert_eq!(spec.base["steps"], json!(3000));
    let cells = expand(&spec);
    assert_eq!(cells.len(), 12);
    let keys: Vec<String> = cells.iter().take(4).map(Cell::key).collect();
    assert_eq!(
        keys,
        [
            "lr=0.001 model.hidden=128 seed=0",
            "lr=0.001 model.hidden=128 seed=1",
            "lr=0.001 model.hidden=128 seed=2",
            "lr=0.001 model.hidden=256 seed=0",
        ]
    );
    assert_eq!(expand(&parse(EXAMPLE).unwrap()), cells, "deterministic");
    let full = spec.full_params(&cells[0].params);
    let cfg = resolve::resolve_config(&full).unwrap();
    assert_eq!((cfg.steps, cfg.model.hidden, cfg.lr), (3000, 128, 0.001));
    assert_eq!(cfg.checkpoint_steps, [1000, 3000]);
}

#[test]
fn explicit_cells_join_the_grid_without_duplicates() {
    let text = format!(
        "{EXAMPLE}[[cells]]\nlr = 0.01\n\"model.hidden\" = 64\n[[cells]]\nlr = 0.001\nmodel.hidden = 128\n"
    );
    let spec = parse(&text).unwrap();
    assert_eq!(
        expand(&spec).len(),
        15,
        "4 grid + 1 new explicit cell, × 3 seeds"
    );
}

#[test]
fn random_samples_are_distinct_and_reproducible() {
    for seed in 0..20 {
        let s = sample_without_replacement(10, 7, seed);
        let mut sorted = s.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 7, "without replacement");
        assert!(s.iter().all(|&i| i < 10));
        assert_eq!(s, sample_without_replacement(10, 7, seed));
    }
    assert_eq!(sample_without_replacement(5, 5, 1).len(), 5);
    assert_ne!(
        sample_without_replacement(100, 5, 1),
        sample_without_replacement(100, 5, 2)
    );
    let text = EXAMPLE.replace(
        "method = \"grid\"",
        "method = \"random\"\nsamples = 3\nsample_seed = 9",
    );
    let spec = parse(&text).unwrap();
    let cells = expand(&spec);
    assert_eq!(cells.len(), 9);
    let mut combos: Vec<String> = cells.iter().map(|c| format!("{:?}", c.params)).collect();
    combos.dedup();
    assert_eq!(combos.len(), 3);
    let too_many = text.replace("samples = 3", "samples = 5");
    let e = parse(&too_many).unwrap_err().to_string();
    assert!(
        e.contains("line 4: samples") && e.contains("4 combinations"),
        "{e}"
    );
}

#[test]
fn errors_name_the_file_the_line_and_the_key() {
    let cases = [
        (
            EXAMPLE.replace("lr = [", "learning_rate = ["),
            "line 12: grid.learning_rate",
            "unknown config key",
        ),
        (
            EXAMPLE.replace("[128, 256]", "[128, \"wide\"]"),
            "line 11: grid.model.hidden",
            "expected integer",
        ),
        (
            EXAMPLE.replace("steps = 3000", "steps = \"many\""),
            "line 8: base.steps",
            "expected integer",
        ),
        (
            EXAMPLE.replace("[1000, 3000]", "[1000, 5000]"),
            "line 9: base.checkpoints",
            "never be reached",
        ),
        (
            EXAMPLE.replace("kind = \"smoke\"", "kind = \"attempt\""),
            "gate",
            "needs gate",
        ),
        (
            EXAMPLE.replace("method = \"grid\"", "methd = \"grid\""),
            "line 3: methd",
            "unknown key",
        ),
        (
            EXAMPLE.replace("seeds = [0, 1, 2]", "seeds = [0, 0]"),
            "line 4: seeds",
            "twice",
        ),
        (
            EXAMPLE.replace("[128, 256]", "[128 256]"),
            "line 11",
            "not valid TOML",
        ),
        (
            EXAMPLE.replace("preset = \"default\"", "preset = \"huge\""),
            "line 7: base.preset",
            "expected one of",
        ),
        (
            EXAMPLE.replace("[grid]", "[grid]\nseed = [1]"),
            "line 11: grid.seed",
            "seeds",
        ),
        (
            EXAMPLE.replace("data = \"demo-corner-loops\"\n", ""),
            "base",
            "data",
        ),
    ];
    for (text, at, what) in cases {
        let e = parse(&text).unwrap_err().to_string();
        assert!(
            e.contains("sweeps/x/sweep.toml") && e.contains(at) && e.contains(what),
            "want {at:?} and {what:?} in: {e}"
        );
    }
}

#[test]
fn sweep_json_adds_only_missing_cells_and_counts() {
    let spec = parse(EXAMPLE).unwrap();
    let mut state = SweepState::new(&spec.title, spec.kind, None);
    assert_eq!(state.add_missing(&expand(&spec)).len(), 12);
    assert!(state.add_missing(&expand(&spec)).is_empty());
    state.cells[0].status = crate::queue::JobState::Completed;
    assert_eq!(state.counts(), [11, 0, 1, 0, 0]);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("sweep.json");
    state.write(&p).unwrap();
    assert_eq!(SweepState::read(&p).unwrap(), state);
}

#[test]
fn registering_the_same_file_twice_is_one_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mine.toml");
    std::fs::write(&file, EXAMPLE).unwrap();
    let (a, new_a) = register::register(tmp.path(), &file, "hidden width vs lr").unwrap();
    let (b, new_b) = register::register(tmp.path(), &file, "hidden width vs lr").unwrap();
    let (c, new_c) = register::register(tmp.path(), &a.toml(), "x").unwrap();
    assert!(new_a && !new_b && !new_c);
    assert_eq!((&a, &a), (&b, &c));
    assert!(a
        .root
        .file_name()
        .unwrap()
        .to_string_lossy()
        .ends_with(".hidden-width-vs-lr"));
    assert_eq!(std::fs::read_to_string(a.toml()).unwrap(), EXAMPLE);
}
