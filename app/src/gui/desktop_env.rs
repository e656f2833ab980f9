//! What the desktop app needs from its environment before the window opens: a quiet start without
//! a Wayland session, and the user id (for the session bus path).

use std::path::PathBuf;

/// The user id, read from `/proc/self/status` (empty where there is none).
pub fn current_uid() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().map(str::to_string))
        })
        .unwrap_or_default()
}

/// The private folder given as `XDG_RUNTIME_DIR` when it is unset, if it is to be set: only without
/// a Wayland display (with one, the variable is needed to find it and is left as it is).
pub fn runtime_dir_to_set(
    xdg_runtime_dir: Option<&std::ffi::OsStr>,
    wayland_display: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    let unset = xdg_runtime_dir.is_none_or(std::ffi::OsStr::is_empty);
    let wayland = wayland_display.is_some_and(|v| !v.is_empty());
    (unset && !wayland)
        .then(|| std::env::temp_dir().join(format!("worldbench-runtime-{}", current_uid())))
}

/// libwayland, which the graphics stack asks for a Wayland socket even on X11, prints "error:
/// XDG_RUNTIME_DIR is invalid or not set in the environment." each time it looks (four times per
/// start) when the variable is unset. Without a Wayland display there is nothing to find, so the
/// variable is pointed at a private, empty folder (mode 700), where the lookup fails silently.
/// Called first thing, before any thread is started.
pub fn quiet_wayland_probe() {
    let Some(dir) = runtime_dir_to_set(
        std::env::var_os("XDG_RUNTIME_DIR").as_deref(),
        std::env::var_os("WAYLAND_DISPLAY").as_deref(),
    ) else {
        return;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let made = std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(())
                } else {
                    Err(e)
                }
            });
        // Only a folder of ours that nobody else can write to.
        let private = std::fs::symlink_metadata(&dir).is_ok_and(|m| {
            m.is_dir() && no_group_or_other_bits(m.permissions().mode()) && is_ours(&m)
        });
        if made.is_ok() && private {
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
    }
}

/// Whether a mode gives group and others no permission (its low 6 bits are 0).
fn no_group_or_other_bits(mode: u32) -> bool {
    mode.trailing_zeros() >= 6
}

#[cfg(unix)]
fn is_ours(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    current_uid()
        .parse::<u32>()
        .is_ok_and(|uid| meta.uid() == uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_runtime_dir_is_set_only_when_unset_and_there_is_no_wayland_display() {
        assert!(runtime_dir_to_set(None, None).is_some());
        assert!(runtime_dir_to_set(Some(OsStr::new("")), None).is_some());
        assert_eq!(
            runtime_dir_to_set(Some(OsStr::new("/run/user/1")), None),
            None
        );
        assert_eq!(
            runtime_dir_to_set(None, Some(OsStr::new("wayland-0"))),
            None
        );
    }
}
