//! Checks on files about to be read, so that errors say what is wrong with the path itself.

use std::path::Path;

use crate::error::{Result, StorageError};

/// Whether anything is at `path`: a file, a folder, or a link (even a broken one or a loop). Use it
/// for "optional file absent?", so that a broken file is read (and its error named) rather than
/// taken for a missing one.
pub fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// `Ok` when `path` is (or links to) a regular file. Otherwise an error naming it: `missing` when
/// nothing is there, "is a folder", "a symbolic link to nothing", or the I/O error (a symlink loop
/// reads "Too many levels of symbolic links").
pub fn require_regular_file(path: &Path, missing: &str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) if m.is_dir() => Err(StorageError::invalid(path, "is a folder, not a file")),
        Ok(_) => Err(StorageError::invalid(path, "not a regular file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                Err(StorageError::invalid(
                    path,
                    "a symbolic link to nothing (its target does not exist)",
                ))
            } else {
                Err(StorageError::invalid(path, missing))
            }
        }
        Err(e) => Err(StorageError::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn says_what_is_wrong_with_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let p = |n: &str| tmp.path().join(n);
        std::fs::write(p("f"), "x").unwrap();
        std::fs::create_dir(p("d")).unwrap();
        std::os::unix::fs::symlink(p("loop"), p("loop")).unwrap();
        std::os::unix::fs::symlink(p("nothing"), p("dangling")).unwrap();
        assert!(require_regular_file(&p("f"), "gone").is_ok());
        let e = |n: &str| require_regular_file(&p(n), "gone").unwrap_err().to_string();
        assert!(e("d").ends_with("d: is a folder, not a file"), "{}", e("d"));
        assert!(e("none").ends_with("none: gone"), "{}", e("none"));
        assert!(e("loop").contains("symbolic links"), "{}", e("loop"));
        assert!(
            e("dangling").contains("link to nothing"),
            "{}",
            e("dangling")
        );
    }
}
