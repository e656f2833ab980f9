//! One plan card: `plans/<id>.md`, TOML front matter between `+++` lines, then free Markdown.
//!
//! ```text
//! +++
//! id = "hgraph-merge"            # required; the file's name without .md
//! title = "Merge radius from data" # required
//! type = "in-progress"           # required: concept | planning | ready | in-progress | completed | abandoned
//! urgency = "high"               # low | medium | high | critical
//! value = "high"                 # low | medium | high | critical
//! complexity = "M"               # S | M | L | XL
//! risk = "medium"                # low | medium | high | critical
//! risk_notes = "radius too small splits rooms"
//! mitigation = "clamp to 0.02..0.08"
//! depends_on = ["encoder-stack"]
//! soft_depends = []
//! blocks = []
//! status_notes = "waiting for the 5k run"
//! percent = 40
//! created = "2026-11-30"
//! updated = "2026-12-01"
//! +++
//! ```
//! Unknown fields and bad values are refused with the file and line.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::front_matter::{split, toml_error};
use super::tasks::{parse_tasks, Task};
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// Where a card stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardType {
    Concept,
    Planning,
    Ready,
    InProgress,
    Completed,
    Abandoned,
}

impl CardType {
    pub const ALL: [CardType; 6] = [
        Self::Concept,
        Self::Planning,
        Self::Ready,
        Self::InProgress,
        Self::Completed,
        Self::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Concept => "concept",
            Self::Planning => "planning",
            Self::Ready => "ready",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Completed or abandoned: no longer on any path.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Completed | Self::Abandoned)
    }
}

/// Urgency, value and risk levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// T-shirt size of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Complexity {
    S,
    M,
    L,
    XL,
}

impl Complexity {
    /// The weight on the critical path.
    pub fn weight(self) -> u32 {
        match self {
            Self::S => 1,
            Self::M => 2,
            Self::L => 3,
            Self::XL => 5,
        }
    }
}

/// The front matter of a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardMeta {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub card_type: CardType,
    #[serde(default)]
    pub urgency: Option<Level>,
    #[serde(default)]
    pub value: Option<Level>,
    #[serde(default)]
    pub complexity: Option<Complexity>,
    #[serde(default)]
    pub risk: Option<Level>,
    #[serde(default)]
    pub risk_notes: Option<String>,
    #[serde(default)]
    pub mitigation: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub soft_depends: Vec<String>,
    #[serde(default)]
    pub blocks: Vec<String>,
    #[serde(default)]
    pub status_notes: Option<String>,
    #[serde(default)]
    pub percent: Option<u8>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
}

/// A parsed card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub path: PathBuf,
    #[serde(flatten)]
    pub meta: CardMeta,
    pub body: String,
    /// The phased tasks of the body.
    pub tasks: Vec<Task>,
}

impl Card {
    /// Parses the text of `path`; errors say "line N: …".
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let bad = |problem: String| StorageError::invalid(path, problem);
        let parts = split(text).map_err(bad)?;
        let meta: CardMeta = toml::from_str(parts.toml)
            .map_err(|e| bad(toml_error(&e, parts.toml, parts.toml_line)))?;
        if meta.id.trim().is_empty() {
            return Err(bad("line 2: `id` is empty".into()));
        }
        if let Some(p) = meta.percent.filter(|&p| p > 100) {
            return Err(bad(format!("`percent` is {p}; it goes from 0 to 100")));
        }
        let tasks = parse_tasks(parts.body, parts.body_line).map_err(bad)?;
        Ok(Self {
            path: path.to_path_buf(),
            meta,
            body: parts.body.to_string(),
            tasks,
        })
    }

    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        Self::parse(path, &text)
    }

    pub fn id(&self) -> &str {
        &self.meta.id
    }
}

/// Sets (or adds) `key = value` lines in the front matter of `text`, keeping every other line
/// and the body as they are. `value` is already TOML (quoted where needed).
pub fn set_fields(text: &str, fields: &[(&str, String)]) -> std::result::Result<String, String> {
    let parts = split(text)?;
    let mut lines: Vec<String> = parts.toml.lines().map(str::to_string).collect();
    for (key, value) in fields {
        let new_line = format!("{key} = {value}");
        let found = lines.iter_mut().find(|l| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim() == *key && !l.trim_start().starts_with('#'))
        });
        match found {
            Some(l) => *l = new_line,
            None => lines.push(new_line),
        }
    }
    let mut out = String::from("+++\n");
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("+++\n");
    out.push_str(parts.body);
    Ok(out)
}

/// Changes a card's type and/or percent on disk (atomically), with `updated` set to `today`;
/// returns the card before and after. The change log is the caller's ([`super::changelog`]).
pub fn edit_card(
    path: &Path,
    card_type: Option<CardType>,
    percent: Option<u8>,
    today: &str,
) -> Result<(Card, Card)> {
    let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
    let before = Card::parse(path, &text)?;
    if let Some(p) = percent.filter(|&p| p > 100) {
        return Err(StorageError::invalid(
            path,
            format!("percent {p}: it goes from 0 to 100"),
        ));
    }
    let mut fields = Vec::new();
    if let Some(t) = card_type {
        fields.push(("type", format!("\"{}\"", t.as_str())));
    }
    if let Some(p) = percent {
        fields.push(("percent", p.to_string()));
    }
    fields.push(("updated", format!("\"{today}\"")));
    let new_text = set_fields(&text, &fields).map_err(|e| StorageError::invalid(path, e))?;
    let after = Card::parse(path, &new_text)?;
    write_atomic(path, new_text.as_bytes())?;
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "+++\nid = \"a\"\ntitle = \"A\"\ntype = \"ready\"\nurgency = \"high\"\ncomplexity = \"M\"\n+++\n# A\n\nfree text\n";

    #[test]
    fn parses_a_valid_card() {
        let c = Card::parse(Path::new("plans/a.md"), CARD).unwrap();
        assert_eq!(c.meta.card_type, CardType::Ready);
        assert_eq!(c.meta.urgency, Some(Level::High));
        assert_eq!(c.meta.complexity, Some(Complexity::M));
        assert_eq!(c.body, "# A\n\nfree text\n");
    }

    #[test]
    fn refuses_unknown_fields_and_bad_enums_with_file_and_line() {
        let text = CARD.replace("urgency = \"high\"", "urgnecy = \"high\"");
        let e = Card::parse(Path::new("plans/a.md"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("plans/a.md") && e.contains("line 5") && e.contains("urgnecy"),
            "{e}"
        );
        let text = CARD.replace("\"ready\"", "\"doing\"");
        let e = Card::parse(Path::new("plans/a.md"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4") && e.contains("doing"), "{e}");
        let text = CARD.replace("complexity = \"M\"", "complexity = \"XXL\"");
        let e = Card::parse(Path::new("plans/a.md"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 6"), "{e}");
    }

    #[test]
    fn requires_id_title_and_type() {
        let text = CARD.replace("title = \"A\"\n", "");
        let e = Card::parse(Path::new("a.md"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("title"), "{e}");
        let e = Card::parse(Path::new("a.md"), "no fences")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn editing_keeps_body_and_other_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, CARD.replace("+++\n#", "# comment = kept\n+++\n#")).unwrap();
        let (before, after) =
            edit_card(&p, Some(CardType::InProgress), Some(30), "2026-12-02").unwrap();
        assert_eq!(before.meta.card_type, CardType::Ready);
        assert_eq!(after.meta.card_type, CardType::InProgress);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("type = \"in-progress\"") && text.contains("percent = 30"));
        assert!(text.contains("# comment = kept") && text.contains("urgency = \"high\""));
        assert!(text.ends_with("# A\n\nfree text\n"), "{text}");
        assert!(edit_card(&p, None, Some(101), "x").is_err());
    }
}
