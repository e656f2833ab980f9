//! The first [`Launcher`]: a child process of the same `worldbench` binary on this machine, started
//! with an argv (never a shell string) in its own process group, so closing the app leaves a run
//! going. Cancel is SIGTERM (the trainer writes `last`); liveness is a signal probe checked against
//! `/proc` (a reused pid of another program is not the job).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::job::Update;
use super::launcher::{JobHandle, LaunchFuture, Launcher};
use super::spec::JobSpec;
use super::supervisor::Sender;
use crate::gui::progress_event;

/// Runs jobs as child processes of `exe`.
#[derive(Debug, Clone)]
pub struct LocalProcess {
    exe: PathBuf,
}

impl LocalProcess {
    pub fn new(exe: PathBuf) -> Self {
        Self { exe }
    }

    /// The binary jobs run.
    pub fn exe(&self) -> &Path {
        &self.exe
    }
}

impl Launcher for LocalProcess {
    fn name(&self) -> &'static str {
        "local process"
    }

    fn run(&self, spec: &JobSpec, sender: Sender) -> LaunchFuture {
        Box::pin(run_child(self.exe.clone(), spec.argv(), sender))
    }

    fn cancel(&self, handle: &JobHandle) -> Result<(), String> {
        let JobHandle::Local { pid } = handle;
        send_sigterm(*pid).map_err(|e| format!("cannot stop process {pid}: {e}"))
    }

    fn is_alive(&self, handle: &JobHandle) -> bool {
        let JobHandle::Local { pid } = handle;
        pid_is_live_worldbench(*pid)
    }

    fn log_paths(&self, run_dir: &Path) -> Vec<PathBuf> {
        let logs = worldbench_storage::RunPaths::new(run_dir).logs_dir();
        vec![logs.join("stdout.log"), logs.join("stderr.log")]
    }
}

pub fn send_sigterm(pid: u32) -> nix::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| nix::errno::Errno::ESRCH)?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
}

/// Whether `pid` is a live `worldbench` process (not a reused pid of something else).
pub fn pid_is_live_worldbench(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let alive = match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    };
    if !alive {
        return false;
    }
    let proc_dir = Path::new("/proc").join(pid.to_string());
    if let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) {
        // A zombie is dead; its parent has not reaped it yet.
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        {
            return false;
        }
    }
    match std::fs::read(proc_dir.join("cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains("worldbench"),
        // No /proc (not Linux): trust the signal probe.
        Err(_) => true,
    }
}

async fn run_child(exe: PathBuf, args: Vec<OsString>, sender: Sender) {
    let mut cmd = tokio::process::Command::new(&exe);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    // Its own process group: closing the app or Ctrl+C in its terminal does not stop a run.
    cmd.process_group(0);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            sender
                .send(Update::SpawnFailed(format!(
                    "{}: cannot start: {e}",
                    exe.display()
                )))
                .await;
            return;
        }
    };
    if let Some(pid) = child.id() {
        sender.send(Update::Spawned(JobHandle::Local { pid })).await;
    }
    let out = child
        .stdout
        .take()
        .map(|s| tokio::spawn(read_lines(s, sender.clone(), false)));
    let err = child
        .stderr
        .take()
        .map(|s| tokio::spawn(read_lines(s, sender.clone(), true)));
    let status = child.wait().await;
    for task in [out, err].into_iter().flatten() {
        let _ = task.await;
    }
    let update = match status {
        Ok(status) => Update::Exited {
            success: status.success(),
            code: status.code(),
        },
        Err(e) => Update::SpawnFailed(format!("{}: lost the process: {e}", exe.display())),
    };
    sender.send(update).await;
}

async fn read_lines<R: tokio::io::AsyncRead + Unpin>(stream: R, sender: Sender, is_stderr: bool) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let update = if is_stderr {
            Update::Stderr(line)
        } else if let Some(event) = progress_event::parse(&line) {
            Update::Progress(event)
        } else {
            Update::Stdout(line)
        };
        sender.send(update).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_pid_is_live_and_a_free_pid_is_not() {
        // The test binary's name contains "worldbench" (worldbench-<hash>).
        assert!(pid_is_live_worldbench(std::process::id()));
        assert!(!pid_is_live_worldbench(u32::MAX - 7));
    }
}
