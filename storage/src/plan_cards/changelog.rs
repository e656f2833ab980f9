//! `plans/CHANGELOG.md`: one line appended (the file rewritten atomically) each time Worldbench
//! changes a card's type or percent.

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

/// Appends "- `when` `id`: `change`" to the change log of `plans_dir` when the card changed;
/// returns the line written.
pub fn record(plans_dir: &Path, before: &Card, after: &Card, when: &str) -> Result<Option<String>> {
    let Some(change) = describe_change(before, after) else {
        return Ok(None);
    };
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
    let line = format!("- {when} {}: {change}", after.meta.id);
    text.push_str(&line);
    text.push('\n');
    write_atomic(&path, text.as_bytes())?;
    Ok(Some(line))
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
    }
}
