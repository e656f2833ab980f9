//! Which workspace folder a command works in.

use std::path::PathBuf;

use anyhow::{Context, Result};
use worldbench_storage::Workspace;

/// The environment variable that names the default workspace.
pub const WORKSPACE_ENV: &str = "WORLDBENCH_WORKSPACE";

/// `--workspace`, else `$WORLDBENCH_WORKSPACE`, else `<per-user data folder>/worldbench/workspace`.
pub fn resolve(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(WORKSPACE_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("org", "worldbench", "worldbench").context(
        "no home folder found for the default workspace: pass --workspace <dir> or set WORLDBENCH_WORKSPACE",
    )?;
    Ok(dirs.data_dir().join("workspace"))
}

/// Opens (creating on first use) the workspace a command works in.
pub fn open(flag: Option<PathBuf>) -> Result<Workspace> {
    let root = resolve(flag)?;
    Workspace::open_or_create(&root)
        .with_context(|| format!("cannot open the workspace {}", root.display()))
}
