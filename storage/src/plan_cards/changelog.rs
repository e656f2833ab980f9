//! `plans/CHANGELOG.md`: one line appended (the file rewritten atomically) each time a card's
//! type or percent changes: at once when Worldbench edits the card, and for edits made by hand
//! when Worldbench next reads the plan ([`sync`], against `plans/.cards-snapshot.json`).

use std::collections::BTreeMap;
use std::path::Path;

use super::board::CHANGELOG_FILE;
use super::card::Card;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// The change between two versions of a card ("type ready -> in-progress, percent 0 -> 30"), if any.
pub fn describe_change(before: &Card, after: &Card) -> Option<String> {
    let mut parts = Vec::new();
    if before.meta.card_type != after.meta.card_type {
        parts.push(format!(
            "type {} -> {}",
            before.meta.card_type.as_str(),
            after.meta.card_type.as_str()
        ));
    }
    if before.meta.percent != after.meta.percent {
        let p = |v: Option<u8>| v.map_or_else(|| "unset".to_string(), |v| format!("{v}%"));
        parts.push(format!(
            "percent {} -> {}",
            p(before.meta.percent),
            p(after.meta.percent)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The snapshot of every card's type and percent that [`sync`] compares with.
pub const SNAPSHOT_FILE: &str = ".cards-snapshot.json";

type Snapshot = BTreeMap<String, (String, Option<u8>)>;

fn read_snapshot(plans_dir: &Path) -> Option<Snapshot> {
    let text = std::fs::read_to_string(plans_dir.join(SNAPSHOT_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_snapshot(plans_dir: &Path, snap: &Snapshot) -> Result<()> {
    let path = plans_dir.join(SNAPSHOT_FILE);
    let json = serde_json::to_vec_pretty(snap)
        .map_err(|e| StorageError::invalid(&path, format!("cannot encode: {e}")))?;
    write_atomic(&path, &json)
}

fn entry(card: &Card) -> (String, Option<u8>) {
    (card.meta.card_type.as_str().to_string(), card.meta.percent)
}

/// Appends a line for each card whose type or percent differs from the snapshot (edits made by
/// hand), then writes the snapshot; the first call only writes the snapshot. Returns the lines.
pub fn sync(plans_dir: &Path, cards: &[Card], when: &str) -> Result<Vec<String>> {
    let now: Snapshot = cards
        .iter()
        .map(|c| (c.meta.id.clone(), entry(c)))
        .collect();
    let Some(old) = read_snapshot(plans_dir) else {
        if !cards.is_empty() {
            write_snapshot(plans_dir, &now)?;
        }
        return Ok(Vec::new());
    };
    let mut lines = Vec::new();
    for c in cards {
        let Some((t, p)) = old.get(&c.meta.id) else {
            continue;
        };
        let mut parts = Vec::new();
        if *t != entry(c).0 {
            parts.push(format!("type {t} -> {}", c.meta.card_type.as_str()));
        }
        if *p != c.meta.percent {
            let f = |v: Option<u8>| v.map_or_else(|| "unset".to_string(), |v| format!("{v}%"));
            parts.push(format!("percent {} -> {}", f(*p), f(c.meta.percent)));
        }
        if !parts.is_empty() {
            lines.push(format!(
                "- {when} {}: {} (edited by hand)",
                c.meta.id,
                parts.join(", ")
            ));
        }
    }
    if !lines.is_empty() {
        append(plans_dir, &lines)?;
    }
    if old != now {
        write_snapshot(plans_dir, &now)?;
    }
    Ok(lines)
}

/// Appends "- `when` `id`: `change`" to the change log of `plans_dir` when the card changed (and
/// updates the snapshot); returns the line written.
pub fn record(plans_dir: &Path, before: &Card, after: &Card, when: &str) -> Result<Option<String>> {
    let Some(change) = describe_change(before, after) else {
        return Ok(None);
    };
    let line = format!("- {when} {}: {change}", after.meta.id);
    append(plans_dir, std::slice::from_ref(&line))?;
    let mut snap = read_snapshot(plans_dir).unwrap_or_default();
    snap.insert(after.meta.id.clone(), entry(after));
    write_snapshot(plans_dir, &snap)?;
    Ok(Some(line))
}

fn append(plans_dir: &Path, lines: &[String]) -> Result<()> {
    let path = plans_dir.join(CHANGELOG_FILE);
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "# Plan change log\n\nAppended by Worldbench when a card's type or percent changes.\n\n"
                .to_string()
        }
        Err(e) => return Err(StorageError::io(&path, e)),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    write_atomic(&path, text.as_bytes())
}

/// The entries of the change log, oldest first.
pub fn read_entries(plans_dir: &Path) -> Vec<String> {
    std::fs::read_to_string(plans_dir.join(CHANGELOG_FILE))
        .map(|t| {
            t.lines()
                .filter_map(|l| l.strip_prefix("- "))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_cards::card::{edit_card, CardType};
    use crate::plan_cards::Card;

    #[test]
    fn an_edit_appends_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(
            &p,
            "+++\nid = \"a\"\ntitle = \"A\"\ntype = \"ready\"\n+++\n",
        )
        .unwrap();
        let (b, a) = edit_card(&p, Some(CardType::Completed), Some(100), "2026-12-02").unwrap();
        let line = record(dir.path(), &b, &a, "2026-12-02 03:00")
            .unwrap()
            .unwrap();
        assert_eq!(
            line,
            "- 2026-12-02 03:00 a: type ready -> completed, percent unset -> 100%"
        );
        let (b, a) = edit_card(&p, None, None, "2026-12-02").unwrap();
        assert_eq!(record(dir.path(), &b, &a, "x").unwrap(), None);
        assert_eq!(read_entries(dir.path()).len(), 1);
        // An edit by hand is logged at the next sync, once.
        let card = Card::read(&p).unwrap();
        assert!(sync(dir.path(), std::slice::from_ref(&card), "t")
            .unwrap()
            .is_empty());
        std::fs::write(
            &p,
            std::fs::read_to_string(&p)
                .unwrap()
                .replace("percent = 100", "percent = 90"),
        )
        .unwrap();
        let card = Card::read(&p).unwrap();
        let lines = sync(dir.path(), std::slice::from_ref(&card), "t2").unwrap();
        assert_eq!(lines, vec!["- t2 a: percent 100% -> 90% (edited by hand)"]);
        assert!(sync(dir.path(), &[card], "t3").unwrap().is_empty());
        assert_eq!(read_entries(dir.path()).len(), 2);
    }

    #[test]
    fn the_first_sync_only_takes_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(
            &p,
            "+++\nid = \"a\"\ntitle = \"A\"\ntype = \"ready\"\n+++\n",
        )
        .unwrap();
        let card = Card::read(&p).unwrap();
        assert!(sync(dir.path(), &[card], "t").unwrap().is_empty());
        assert!(dir.path().join(SNAPSHOT_FILE).exists());
        assert!(!dir.path().join(CHANGELOG_FILE).exists());
    }
}
