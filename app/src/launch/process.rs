//! A child `worldbench` process started from an argv in its own process group.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// What to start: arguments after the program name, extra environment, where stderr goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessSpec {
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
    /// Appended to; nothing is kept when `None`.
    pub stderr_log: Option<PathBuf>,
}

/// Starts `exe` with `spec`: stdin and stdout closed, stderr to its log, its own process group.
pub fn spawn(exe: &Path, spec: &ProcessSpec) -> std::io::Result<Child> {
    let mut cmd = Command::new(exe);
    cmd.args(&spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    match &spec.stderr_log {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            cmd.stderr(Stdio::from(f));
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    cmd.process_group(0);
    cmd.spawn()
}

/// Asks process `pid` to stop cleanly (a trainer writes `last` first).
pub fn send_sigterm(pid: u32) -> nix::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| nix::errno::Errno::ESRCH)?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
}

/// The last non-empty line of a log file (the error a failed trainer printed).
pub fn last_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::to_string)
}
