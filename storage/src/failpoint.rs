//! Kill points for the crash tests: `WORLDBENCH_FAILPOINT=<point>[:<arg>][@<n>]` makes the process
//! SIGKILL itself the `n`-th time (default the first) it reaches `point` with `arg`, exactly as a
//! `kill -9` at that moment would. Unset (always, outside the tests), [`hit`] is one relaxed load.
//!
//! Points: `mid_write:<file name>` (an atomic write has filled half its temporary file),
//! `after_checkpoint:<step>` (the step file and `last` are written, its evaluation is not),
//! `after_eval:<step>` (its planning row is written), `after_log:<step>` (a train.csv row is appended),
//! `queue_spawned:<job id>` (the queue's worker has spawned that job's trainer and not yet recorded
//! it), `queue_started:<job id>` (the queue's worker has started that job's trainer and recorded it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable that arms a kill point.
pub const ENV: &str = "WORLDBENCH_FAILPOINT";

struct Armed {
    point: String,
    arg: Option<String>,
    nth: u64,
    seen: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().and_then(|s| parse(&s)))
        .as_ref()
}

fn parse(spec: &str) -> Option<Armed> {
    let spec = spec.trim();
    if spec.is_empty() {
        return None;
    }
    let (rest, nth) = match spec.rsplit_once('@') {
        Some((r, n)) => (r, n.parse().ok()?),
        None => (spec, 1),
    };
    let (point, arg) = match rest.split_once(':') {
        Some((p, a)) => (p.to_string(), Some(a.to_string())),
        None => (rest.to_string(), None),
    };
    Some(Armed {
        point,
        arg,
        nth,
        seen: AtomicU64::new(0),
    })
}

/// Kills this process with SIGKILL when the armed point is `point` and its argument (if any)
/// equals `arg`, on the armed occurrence.
pub fn hit(point: &str, arg: &dyn std::fmt::Display) {
    let Some(a) = armed() else { return };
    if a.point != point {
        return;
    }
    if let Some(want) = &a.arg {
        if *want != arg.to_string() {
            return;
        }
    }
    if a.seen.fetch_add(1, Ordering::SeqCst) + 1 == a.nth {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let a = parse("mid_write:train.csv@3").unwrap();
        assert_eq!(
            (a.point.as_str(), a.arg.as_deref(), a.nth),
            ("mid_write", Some("train.csv"), 3)
        );
        let a = parse("after_checkpoint:20").unwrap();
        assert_eq!((a.arg.as_deref(), a.nth), (Some("20"), 1));
        assert!(parse("  ").is_none());
        assert!(parse("x@many").is_none());
    }
}
