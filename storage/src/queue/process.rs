//! Who a running job's trainer is: its pid, and when that process started (the boot it runs in and
//! its start time since boot), so that a pid the system gave to another process since (after a
//! reboot, or after the trainer died) is never taken for the trainer.

/// `<boot id>/<start time in clock ticks since boot>` of process `pid`, or `None` where the
/// system does not say (no `/proc`, or the process is gone).
pub fn start_identity(pid: u32) -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which may hold spaces): state is field 3, and the
    // start time field 22.
    let (_, rest) = stat.rsplit_once(')')?;
    let start = rest.split_whitespace().nth(19)?;
    Some(format!("{}/{start}", boot.trim()))
}

/// Whether process `pid` is alive (not a zombie).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None).is_err() {
        return false;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
    })
}

/// Whether the process recorded as (`pid`, `start`) is alive: `pid` is alive and started when the
/// recorded one did. A record without a start (a job file from before starts were recorded)
/// trusts the pid.
pub fn is_alive(pid: u32, start: Option<&str>) -> bool {
    pid_alive(pid) && start.is_none_or(|s| start_identity(pid).as_deref() == Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_under_its_own_start_and_not_under_another() {
        let me = std::process::id();
        let start = start_identity(me).expect("Linux has /proc");
        assert_eq!(start_identity(me), Some(start.clone()), "stable");
        assert!(is_alive(me, Some(&start)));
        assert!(is_alive(me, None));
        // The same pid in another boot (a reboot since), or started at another time (reused).
        let (boot, ticks) = start.split_once('/').unwrap();
        assert!(!is_alive(me, Some(&format!("another-boot/{ticks}"))));
        assert!(!is_alive(me, Some(&format!("{boot}/1{ticks}"))));
        // A pid above pid_max is never alive.
        assert!(!is_alive(4_194_305, None));
        assert_eq!(start_identity(4_194_305), None);
    }
}
