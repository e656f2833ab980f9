//! The prose of a post, drafted before export: Objective, Diagnosis, Next changes. Saved as Markdown
//! with those `##` headings in `worklog/drafts/<run-folder-name>.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// The prose sections of a post (Markdown text each).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Draft {
    pub objective: String,
    pub diagnosis: String,
    pub next_changes: String,
}

/// The section headings of a draft file, with the field each fills.
const SECTIONS: [&str; 3] = ["Objective", "Diagnosis", "Next changes"];

impl Draft {
    /// The draft of the run in `run_dir`: `worklog/drafts/<run folder name>.md`.
    pub fn path_for_run(worklog_dir: &Path, run_dir: &Path) -> PathBuf {
        let name = run_dir
            .file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
        worklog_dir.join("drafts").join(format!("{name}.md"))
    }

    /// Parses `## Objective`, `## Diagnosis` and `## Next changes` sections (case-insensitive);
    /// text under other headings, and before the first, is ignored.
    pub fn parse_markdown(text: &str) -> Self {
        let mut draft = Self::default();
        let mut current: Option<usize> = None;
        for line in text.lines() {
            if let Some(h) = line.strip_prefix("## ").or_else(|| line.strip_prefix("# ")) {
                current = SECTIONS
                    .iter()
                    .position(|s| s.eq_ignore_ascii_case(h.trim()));
                continue;
            }
            if let Some(i) = current {
                let field = draft.field_mut(i);
                field.push_str(line);
                field.push('\n');
            }
        }
        for i in 0..SECTIONS.len() {
            let field = draft.field_mut(i);
            *field = field.trim().to_string();
        }
        draft
    }

    /// The draft as Markdown with one `##` heading per section.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for (i, name) in SECTIONS.iter().enumerate() {
            let _ = write!(out, "## {name}\n\n{}\n\n", self.field(i).trim());
        }
        out
    }

    fn field(&self, i: usize) -> &str {
        match i {
            0 => &self.objective,
            1 => &self.diagnosis,
            _ => &self.next_changes,
        }
    }

    fn field_mut(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.objective,
            1 => &mut self.diagnosis,
            _ => &mut self.next_changes,
        }
    }

    /// Reads a draft file; a missing file is an error naming it.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        Ok(Self::parse_markdown(&text))
    }

    /// Writes the draft atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_markdown().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_roundtrip_and_other_headings_ignored() {
        let d = Draft {
            objective: "Connect the graph.\n\nSecond paragraph.".into(),
            diagnosis: "Collapse.".into(),
            next_changes: "- raise var weight".into(),
        };
        assert_eq!(Draft::parse_markdown(&d.to_markdown()), d);
        let p = Draft::parse_markdown("intro\n## objective\nA\n## Other\nB\n## Next changes\nC\n");
        assert_eq!(
            (
                p.objective.as_str(),
                p.diagnosis.as_str(),
                p.next_changes.as_str()
            ),
            ("A", "", "C")
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = Draft::path_for_run(tmp.path(), Path::new("/w/runs/2025-01-01_00-00-00.x"));
        assert!(path.ends_with("drafts/2025-01-01_00-00-00.x.md"));
        d.write(&path).unwrap();
        assert_eq!(Draft::read(&path).unwrap(), d);
    }
}
