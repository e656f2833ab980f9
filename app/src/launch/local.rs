//! The first [`Launcher`]: a child process of the same `worldbench` binary on this machine, started
//! with an argv (never a shell string) in its own process group, so closing the app leaves a run
//! going. Cancel is SIGTERM (the trainer writes `last`); liveness is a signal probe checked against
//! `/proc` (a reused pid of another program is not the job).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::launcher::{JobHandle, LaunchEvent, LaunchFuture, Launcher, Sink};
use super::spec::JobSpec;

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

    fn run(&self, spec: &JobSpec, sink: Sink) -> LaunchFuture {
        let env: Vec<(String, String)> = spec
            .threads
            .map(|n| ("RAYON_NUM_THREADS".to_string(), n.to_string()))
            .into_iter()
            .collect();
        Box::pin(run_child(self.exe.clone(), spec.argv(), env, sink))
    }

    fn cancel(&self, handle: &JobHandle) -> Result<(), String> {
        let Some(pid) = handle.pid() else {
            return Err("not a local process".into());
        };
        send_sigterm(pid).map_err(|e| format!("cannot stop process {pid}: {e}"))
    }

    fn is_alive(&self, handle: &JobHandle) -> bool {
        handle.pid().is_some_and(pid_is_live_worldbench)
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

async fn run_child(exe: PathBuf, args: Vec<OsString>, env: Vec<(String, String)>, sender: Sink) {
    let mut cmd = tokio::process::Command::new(&exe);
    cmd.args(&args)
        .envs(env)
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
                .event(LaunchEvent::SpawnFailed(format!(
                    "{}: cannot start: {e}",
                    exe.display()
                )))
                .await;
            return;
        }
    };
    if let Some(pid) = child.id() {
        sender
            .event(LaunchEvent::Spawned(JobHandle::Local { pid }))
            .await;
    }
    let out = child
        .stdout
        .take()
        .map(|s| tokio::spawn(read_lines(s, Arc::clone(&sender), false)));
    let err = child
        .stderr
        .take()
        .map(|s| tokio::spawn(read_lines(s, Arc::clone(&sender), true)));
    let status = child.wait().await;
    for task in [out, err].into_iter().flatten() {
        let _ = task.await;
    }
    let update = match status {
        Ok(status) => LaunchEvent::Exited {
            success: status.success(),
            code: status.code(),
        },
        Err(e) => LaunchEvent::SpawnFailed(format!("{}: lost the process: {e}", exe.display())),
    };
    sender.event(update).await;
}

async fn read_lines<R: tokio::io::AsyncRead + Unpin>(stream: R, sender: Sink, is_stderr: bool) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let event = if is_stderr {
            LaunchEvent::Stderr(line)
        } else {
            LaunchEvent::Stdout(line)
        };
        sender.event(event).await;
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
