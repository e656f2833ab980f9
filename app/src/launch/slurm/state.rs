//! A Slurm job's state, read from `squeue` (live jobs), `scontrol show job` (jobs Slurm still
//! remembers, `MinJobAge`) and `sacct` (when the cluster keeps accounting; many do not, and then
//! it fails and is skipped). One call covers a whole array: ids are batched.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

/// What Worldbench shows for a Slurm job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SlurmState {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    Timeout,
    Preempted,
}

impl SlurmState {
    /// Maps Slurm's state names (`RUNNING`, `CANCELLED by 0`, `NODE_FAIL`, …).
    pub fn from_slurm(s: &str) -> Option<Self> {
        let word = s.split_whitespace().next()?.trim_end_matches('+');
        Some(match word {
            "PENDING" | "PD" | "CONFIGURING" | "CF" | "REQUEUED" | "REQUEUE_HOLD"
            | "REQUEUE_FED" | "RESV_DEL_HOLD" | "SUSPENDED" | "S" => Self::Pending,
            "RUNNING" | "R" | "COMPLETING" | "CG" | "SIGNALING" | "STAGE_OUT" | "RESIZING" => {
                Self::Running
            }
            "COMPLETED" | "CD" => Self::Completed,
            "FAILED" | "F" | "NODE_FAIL" | "NF" | "BOOT_FAIL" | "BF" | "OUT_OF_MEMORY" | "OOM"
            | "DEADLINE" | "DL" | "SPECIAL_EXIT" | "SE" | "REVOKED" => Self::Failed,
            "CANCELLED" | "CA" => Self::Cancelled,
            "TIMEOUT" | "TO" => Self::Timeout,
            "PREEMPTED" | "PR" => Self::Preempted,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Timeout => "timeout",
            Self::Preempted => "preempted",
        }
    }

    /// Whether the job will not run again by itself.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Running)
    }
}

/// `squeue -h -o %i|%T`: `123_4|RUNNING` or `123|PENDING` per line; `123_[5-9]|PENDING` for
/// array tasks not started yet.
pub fn parse_squeue(text: &str) -> BTreeMap<String, SlurmState> {
    text.lines()
        .filter_map(|l| {
            let (id, state) = l.trim().split_once('|')?;
            Some((id.trim().to_string(), SlurmState::from_slurm(state.trim())?))
        })
        .collect()
}

/// `scontrol show job -o <id>`: one record per line (`JobId=123 ArrayJobId=120 ArrayTaskId=3 …
/// JobState=COMPLETED …`). Keys are read by name, in any order.
pub fn parse_scontrol(text: &str) -> BTreeMap<String, SlurmState> {
    let mut out = BTreeMap::new();
    for record in text.lines().filter(|l| l.contains("JobId=")) {
        let mut fields = BTreeMap::new();
        for word in record.split_whitespace() {
            if let Some((k, v)) = word.split_once('=') {
                fields.entry(k).or_insert(v);
            }
        }
        let Some(state) = fields
            .get("JobState")
            .and_then(|s| SlurmState::from_slurm(s))
        else {
            continue;
        };
        let id = match (fields.get("ArrayJobId"), fields.get("ArrayTaskId")) {
            (Some(a), Some(t)) => format!("{a}_{t}"),
            _ => match fields.get("JobId") {
                Some(j) => (*j).to_string(),
                None => continue,
            },
        };
        out.insert(id, state);
    }
    out
}

/// `sacct -n -P -X -o JobID,State`: `123_4|COMPLETED`.
pub fn parse_sacct(text: &str) -> BTreeMap<String, SlurmState> {
    parse_squeue(text)
}

/// Whether sacct answers. Without accounting it fails ("accounting storage is disabled"): asked
/// once, then skipped.
static ACCOUNTING: AtomicBool = AtomicBool::new(true);

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The states of `job_ids` (plain ids or array ids), keyed `123` or `123_4`: `squeue` for the
/// live ones, then `scontrol`, then `sacct` where accounting exists. Jobs no tool knows are left
/// out (the caller falls back to the run folder's run.json).
pub fn query(job_ids: &[String]) -> BTreeMap<String, SlurmState> {
    let mut states = BTreeMap::new();
    if job_ids.is_empty() {
        return states;
    }
    let list = job_ids.join(",");
    if ACCOUNTING.load(Ordering::Relaxed) {
        match output(
            "sacct",
            &["-n", "-P", "-X", "-o", "JobID,State", "-j", &list],
        ) {
            Some(text) => states.extend(parse_sacct(&text)),
            None => ACCOUNTING.store(false, Ordering::Relaxed),
        }
    }
    for id in job_ids {
        if let Some(text) = output("scontrol", &["show", "job", "-o", id]) {
            states.extend(parse_scontrol(&text));
        }
    }
    // Live state last: it is the freshest.
    if let Some(text) = output("squeue", &["-h", "-o", "%i|%T", "-j", &list]) {
        states.extend(parse_squeue(&text));
    }
    states
}

/// Seconds between polls: 1, 2, 4, … up to 30.
pub fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_secs(1u64 << attempt.min(5)).min(std::time::Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_slurm_states() {
        for (s, want) in [
            ("PENDING", SlurmState::Pending),
            ("CANCELLED by 0", SlurmState::Cancelled),
            ("CANCELLED+", SlurmState::Cancelled),
            ("NODE_FAIL", SlurmState::Failed),
            ("OUT_OF_MEMORY", SlurmState::Failed),
            ("TIMEOUT", SlurmState::Timeout),
            ("PREEMPTED", SlurmState::Preempted),
            ("COMPLETING", SlurmState::Running),
            ("REQUEUED", SlurmState::Pending),
        ] {
            assert_eq!(SlurmState::from_slurm(s), Some(want), "{s}");
        }
        assert_eq!(SlurmState::from_slurm("WHATEVER"), None);
        assert_eq!(SlurmState::from_slurm(""), None);
    }

    #[test]
    fn parses_squeue_with_arrays_and_junk() {
        let s = parse_squeue("12_0|RUNNING\n12_[1-3%2]|PENDING\n\nnot a line\n13|COMPLETING\n");
        assert_eq!(s["12_0"], SlurmState::Running);
        assert_eq!(s["12_[1-3%2]"], SlurmState::Pending);
        assert_eq!(s["13"], SlurmState::Running);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn parses_scontrol_one_liners() {
        let text =
            "JobId=21 JobName=worldbench UserId=u(0) JobState=COMPLETED Reason=None ExitCode=0:0\n\
                    JobId=23 ArrayJobId=22 ArrayTaskId=1 JobState=CANCELLED Reason=None\n\
                    JobId=24 ArrayJobId=22 ArrayTaskId=2 JobState=TIMEOUT\n\
                    slurm_load_jobs error: Invalid job id specified\n";
        let s = parse_scontrol(text);
        assert_eq!(s["21"], SlurmState::Completed);
        assert_eq!(s["22_1"], SlurmState::Cancelled);
        assert_eq!(s["22_2"], SlurmState::Timeout);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn backoff_grows_to_a_ceiling() {
        assert_eq!(backoff(0).as_secs(), 1);
        assert_eq!(backoff(2).as_secs(), 4);
        assert_eq!(backoff(40).as_secs(), 30);
    }
}
