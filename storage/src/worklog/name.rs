//! Concept names as folder names: no path traversal, never an existing post.

use std::path::{Component, Path, PathBuf};

use crate::error::{Result, StorageError};
use crate::workspace::{slugify, timestamp_now};

/// The folder-name form of a concept, or why the name is refused: names with a path separator, a
/// `..`, an absolute path, or no letter or digit are refused (never silently rewritten into a path).
pub fn concept_folder_name(concept: &str) -> std::result::Result<String, String> {
    let trimmed = concept.trim();
    if trimmed.is_empty() {
        return Err("the concept name is empty".into());
    }
    let as_path = Path::new(trimmed);
    let traversal = trimmed.contains(['/', '\\', '\0'])
        || trimmed.contains("..")
        || as_path.is_absolute()
        || as_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)));
    if traversal {
        return Err(format!(
            "concept name {concept:?} looks like a path (it has '/', '\\', '..' or is absolute); \
             use a plain name such as \"vicreg-weight\""
        ));
    }
    if !trimmed.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "concept name {concept:?} needs at least one ASCII letter or digit"
        ));
    }
    Ok(slugify(trimmed))
}

/// Creates `worklog/<ts>.<concept>/` (or `…-2`, `…-3` when taken, so an existing post is never
/// overwritten) and returns it.
pub fn create_post_dir(worklog_dir: &Path, concept: &str) -> Result<PathBuf> {
    let slug = concept_folder_name(concept)
        .map_err(|problem| StorageError::invalid(worklog_dir, problem))?;
    std::fs::create_dir_all(worklog_dir).map_err(|e| StorageError::io(worklog_dir, e))?;
    let base = format!("{}.{slug}", timestamp_now());
    for n in 1u32..10_000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = worklog_dir.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StorageError::io(&dir, e)),
        }
    }
    Err(StorageError::invalid(
        worklog_dir,
        "no free post folder name",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_absolute_names_are_refused() {
        for bad in [
            "../evil",
            "..",
            "a/b",
            "/etc/passwd",
            "a\\..\\b",
            "x..y",
            "",
            "  ",
            "!!!",
        ] {
            assert!(concept_folder_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            concept_folder_name(" VICReg weight 2x ").unwrap(),
            "vicreg-weight-2x"
        );
    }

    #[test]
    fn post_dirs_get_a_suffix_instead_of_overwriting() {
        let tmp = tempfile::tempdir().unwrap();
        let a = create_post_dir(tmp.path(), "idea").unwrap();
        let b = create_post_dir(tmp.path(), "idea").unwrap();
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
        assert!(create_post_dir(tmp.path(), "../up").is_err());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2);
    }
}
