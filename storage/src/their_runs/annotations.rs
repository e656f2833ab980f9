//! Title, notes, tags, star and archive of a run of either kind. Theirs are kept where their viewer
//! keeps them (`experiment_metadata.txt`, TOML with every other key kept; `notes.txt`), ours in
//! `annotations.toml` beside `run.json` (which stays the launch record). Every write is atomic.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::folder::{parse_toml, read_text};
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// Our runs' annotation file.
pub const ANNOTATIONS_FILE: &str = "annotations.toml";
/// Their viewer's files.
pub const EXPERIMENT_METADATA_FILE: &str = "experiment_metadata.txt";
pub const NOTES_FILE: &str = "notes.txt";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Annotations {
    /// None: the run's own title (run.json's, or their "Untitled").
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub starred: bool,
    pub archived: bool,
    pub notes: String,
}

/// A change to a run's annotations; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationEdit {
    pub title: Option<String>,
    pub notes: Option<String>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub starred: Option<bool>,
    pub archived: Option<bool>,
}

impl AnnotationEdit {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
    fn apply(&self, a: &mut Annotations) {
        if let Some(t) = &self.title {
            let t = t.trim();
            a.title = (!t.is_empty()).then(|| t.to_string());
        }
        if let Some(n) = &self.notes {
            a.notes = n.replace("\r\n", "\n");
        }
        for t in &self.add_tags {
            let t = t.trim();
            if !t.is_empty() && !a.tags.iter().any(|x| x == t) {
                a.tags.push(t.to_string());
            }
        }
        a.tags
            .retain(|t| !self.remove_tags.iter().any(|r| r.trim() == t));
        if let Some(s) = self.starred {
            a.starred = s;
        }
        if let Some(s) = self.archived {
            a.archived = s;
        }
    }
}

/// Whether `dir` is one of ours (it has a `run.json`).
fn is_ours(dir: &Path) -> bool {
    dir.join("run.json").exists()
}

/// Reads the annotations of the run in `dir` (defaults where there are none).
pub fn read_annotations(dir: &Path) -> Result<Annotations> {
    if is_ours(dir) {
        let path = dir.join(ANNOTATIONS_FILE);
        return match read_text(&path)? {
            None => Ok(Annotations::default()),
            Some(text) => toml::from_str(&text).map_err(|e| {
                StorageError::invalid(&path, format!("not valid annotations: {}", e.message()))
            }),
        };
    }
    let meta_path = dir.join(EXPERIMENT_METADATA_FILE);
    let meta = match read_text(&meta_path)? {
        Some(text) => parse_toml(&meta_path, &text)?,
        None => toml::Table::new(),
    };
    let title = meta
        .get("title")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|t| !t.is_empty() && *t != "Untitled")
        .map(str::to_string);
    let tags = match meta.get("tags") {
        Some(toml::Value::String(s)) => split_tags(s),
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Annotations {
        title,
        tags,
        starred: meta.get("starred").is_some_and(coerce_bool),
        archived: meta.get("archived").is_some_and(coerce_bool),
        notes: read_text(&dir.join(NOTES_FILE))?.unwrap_or_default(),
    })
}

/// Applies `edit` to the run in `dir` and writes it back; returns the new annotations. For their
/// runs only the files the edit touches are written, and `experiment_metadata.txt` keeps every key
/// it had (comments and order too).
pub fn annotate(dir: &Path, edit: &AnnotationEdit) -> Result<Annotations> {
    super::listing::require_run_dir(dir)?;
    let mut a = read_annotations(dir)?;
    edit.apply(&mut a);
    if is_ours(dir) {
        let text = toml::to_string(&a).map_err(|e| {
            StorageError::invalid(dir.join(ANNOTATIONS_FILE), format!("cannot encode: {e}"))
        })?;
        write_atomic(&dir.join(ANNOTATIONS_FILE), text.as_bytes())?;
        return Ok(a);
    }
    let touches_meta = edit.title.is_some()
        || !edit.add_tags.is_empty()
        || !edit.remove_tags.is_empty()
        || edit.starred.is_some()
        || edit.archived.is_some();
    if touches_meta {
        write_their_metadata(&dir.join(EXPERIMENT_METADATA_FILE), &a)?;
    }
    if edit.notes.is_some() {
        write_atomic(&dir.join(NOTES_FILE), a.notes.as_bytes())?;
    }
    Ok(a)
}

/// Writes title, tags (one comma-separated string, as their viewer writes them), starred and
/// archived into `experiment_metadata.txt`, keeping the rest of the file.
fn write_their_metadata(path: &Path, a: &Annotations) -> Result<()> {
    let text = read_text(path)?.unwrap_or_default();
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        StorageError::invalid(path, format!("not valid TOML: {e}"))
    })?;
    doc["title"] = toml_edit::value(a.title.clone().unwrap_or_else(|| "Untitled".into()));
    doc["tags"] = toml_edit::value(a.tags.join(", "));
    doc["starred"] = toml_edit::value(a.starred);
    doc["archived"] = toml_edit::value(a.archived);
    write_atomic(path, doc.to_string().as_bytes())
}

/// Their tag string `"a, b"` as tags.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Their viewer's reading of a flag: a bool, "1/true/yes/on", or a non-zero integer.
fn coerce_bool(v: &toml::Value) -> bool {
    match v {
        toml::Value::Boolean(b) => *b,
        toml::Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        ),
        toml::Value::Integer(i) => *i != 0,
        _ => false,
    }
}

/// The file an annotation of the run in `dir` lands in (for messages).
pub fn annotation_files(dir: &Path) -> Vec<PathBuf> {
    if is_ours(dir) {
        vec![dir.join(ANNOTATIONS_FILE)]
    } else {
        vec![dir.join(EXPERIMENT_METADATA_FILE), dir.join(NOTES_FILE)]
    }
}
