//! The trainer's signals. SIGINT/SIGTERM (Ctrl+C, the app's Cancel, `scancel`) set the cancel
//! flag: the trainer writes `last` and stops. SIGUSR2 (Slurm's `--signal=B:USR2@<secs>` before a
//! time limit or a preemption) does the same and marks the run preempted; on Slurm the job then
//! requeues itself (`scontrol requeue`, up to `WORLDBENCH_SLURM_MAX_REQUEUES` times) and the
//! requeued job resumes from `last`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
static USR2: AtomicBool = AtomicBool::new(false);

extern "C" fn on_usr2(_: nix::libc::c_int) {
    // Only atomic stores: async-signal-safe.
    USR2.store(true, Ordering::SeqCst);
    if let Some(flag) = FLAG.get() {
        flag.store(true, Ordering::SeqCst);
    }
}

/// The flag the trainer polls; the handlers are installed on first use.
pub fn cancel_flag() -> Arc<AtomicBool> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        // If a handler cannot be installed the run still works; it just cannot be cancelled by a signal.
        let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst));
        install_usr2();
        flag
    })
    .clone()
}

#[allow(unsafe_code)]
fn install_usr2() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(on_usr2),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to atomics.
    let _ = unsafe { sigaction(Signal::SIGUSR2, &action) };
}

/// Whether SIGUSR2 stopped this trainer.
pub fn got_usr2() -> bool {
    USR2.load(Ordering::SeqCst)
}

/// On Slurm, after USR2: `scontrol requeue <job>` unless the job was requeued
/// `WORLDBENCH_SLURM_MAX_REQUEUES` times already. Returns whether the job was requeued (the run
/// is then `preempted`, waiting to restart; otherwise `cancelled`) and what happened, for run.json.
pub fn requeue_on_slurm() -> (bool, String) {
    let Ok(job) = std::env::var("SLURM_JOB_ID") else {
        return (false, "stopped by SIGUSR2: `last` was written".into());
    };
    let restarts: u32 = std::env::var("SLURM_RESTART_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max: u32 = std::env::var("WORLDBENCH_SLURM_MAX_REQUEUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    if restarts >= max {
        return (
            false,
            format!(
                "preempted by Slurm (USR2) after {restarts} requeues, the limit: `last` was written; \
                 resume with `worldbench train --resume <run>`"
            ),
        );
    }
    match std::process::Command::new("scontrol")
        .args(["requeue", &job])
        .output()
    {
        Ok(out) if out.status.success() => (
            true,
            format!(
                "preempted by Slurm (USR2): `last` was written and job {job} requeued (restart {})",
                restarts + 1
            ),
        ),
        Ok(out) => (
            false,
            format!(
                "preempted by Slurm (USR2): `last` was written; `scontrol requeue {job}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ),
        Err(e) => (
            false,
            format!("preempted by Slurm (USR2): `last` was written; cannot run scontrol: {e}"),
        ),
    }
}
