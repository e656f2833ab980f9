//! Tests of the board checks on plans written to a temporary folder.

use std::path::Path;

use super::board::{Board, Tier};

pub(crate) fn write_card(dir: &Path, id: &str, extra: &str) {
    let text = format!(
        "+++\nid = \"{id}\"\ntitle = \"Card {id}\"\ntype = \"ready\"\n{extra}+++\nbody of {id}\n"
    );
    std::fs::write(dir.join(format!("{id}.md")), text).unwrap();
}

#[test]
fn a_cycle_is_reported_naming_the_cards() {
    let dir = tempfile::tempdir().unwrap();
    write_card(dir.path(), "a", "depends_on = [\"b\"]\n");
    write_card(dir.path(), "b", "depends_on = [\"c\"]\n");
    write_card(dir.path(), "c", "blocks = [\"b\"]\ndepends_on = [\"b\"]\n");
    write_card(dir.path(), "d", "");
    let b = Board::load(dir.path());
    assert!(!b.is_ok());
    let msg = b
        .issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.contains("dependency cycle") && msg.contains("b -> c -> b"),
        "{msg}"
    );
    assert!(
        msg.contains("b.md: line 5: dependency cycle") && msg.contains("c.md line 6"),
        "{msg}"
    );
    assert!(b.critical_path().is_empty());
}

#[test]
fn missing_references_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write_card(dir.path(), "a", "soft_depends = [\"ghost\"]\n");
    let b = Board::load(dir.path());
    assert_eq!(b.issues.len(), 1);
    let m = b.issues[0].to_string();
    assert!(
        m.contains("a.md: line 5: soft_depends names `ghost`"),
        "{m}"
    );
}

#[test]
fn id_must_match_the_file_and_broken_cards_are_issues() {
    let dir = tempfile::tempdir().unwrap();
    write_card(dir.path(), "a", "");
    std::fs::rename(dir.path().join("a.md"), dir.path().join("x.md")).unwrap();
    std::fs::write(dir.path().join("y.md"), "+++\nid = \"y\"\n+++\n").unwrap();
    std::fs::write(dir.path().join("CHANGELOG.md"), "# log\n").unwrap();
    let b = Board::load(dir.path());
    assert_eq!(b.issues.len(), 2, "{:?}", b.issues);
    assert!(b
        .issues
        .iter()
        .any(|i| i.message.contains("not the file's name")));
    assert!(b
        .issues
        .iter()
        .any(|i| i.file.ends_with("y.md") && i.message.contains("title")));
}

#[test]
fn critical_path_tiers_risks_and_health() {
    let dir = tempfile::tempdir().unwrap();
    write_card(dir.path(), "a", "complexity = \"XL\"\nurgency = \"high\"\n");
    write_card(dir.path(), "b", "depends_on = [\"a\"]\ncomplexity = \"S\"\nrisk = \"high\"\nrisk_notes = \"collapse\\nmore\"\nmitigation = \"VICReg\"\n");
    write_card(
        dir.path(),
        "c",
        "depends_on = [\"a\"]\ncomplexity = \"L\"\nvalue = \"high\"\nrisk = \"low\"\n",
    );
    write_card(
        dir.path(),
        "d",
        "depends_on = [\"c\"]\ntype = \"completed\"\n"
            .replace("type", "status_notes")
            .as_str(),
    );
    let b = Board::load(dir.path());
    assert!(b.is_ok(), "{:?}", b.issues);
    assert_eq!(b.critical_path(), vec!["a", "c", "d"]);
    let tiers = b.tiers();
    assert_eq!(tiers[0].0, Tier::DoNow);
    assert_eq!(
        tiers[0].1.iter().map(|c| c.id()).collect::<Vec<_>>(),
        vec!["a"]
    );
    assert_eq!(
        tiers[2].1.iter().map(|c| c.id()).collect::<Vec<_>>(),
        vec!["c"]
    );
    let risks = b.risk_register();
    assert_eq!(risks[0].card, "b");
    assert_eq!(risks[0].primary_risk, "collapse");
    assert_eq!(risks[0].mitigation, "VICReg");
    assert_eq!(b.health()["ready"], 4);
}
