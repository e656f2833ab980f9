//! The status of one of their runs, from their files alone (their viewer shows none; its
//! experiment list has the last loss.csv step and the folder's last change). Their trainer writes
//! `checkpoints/last.pt` during and after training and no marker at the end, so:
//! - `completed`: `checkpoints/final.pt` exists, or loss.csv reached the last step their trainer
//!   logs (the last step below `train_config.steps` that `train_config.log_schedule` logs: their
//!   loop runs `range(steps)`);
//! - `stopped`: loss.csv has rows but ends before that (the run stopped early, or is still
//!   training: their files cannot tell the two apart);
//! - `unknown`: no loss rows, or no `train_config.steps` in metadata.txt.
//!
//! [`listed_status`] is what a run list shows for a run of either kind.

use serde::Serialize;

use super::folder::TheirRun;
use super::listing::{RunListing, RunSource};
use crate::run::{RunManifest, RunPaths};
use crate::run_lock::observed_status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TheirStatus {
    Completed,
    Stopped,
    Unknown,
}

impl TheirStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Stopped => "stopped",
            Self::Unknown => "unknown",
        }
    }
}

/// The status of `run` (see the module's rules).
pub fn their_status(run: &TheirRun) -> TheirStatus {
    if run.dir.join("checkpoints/final.pt").is_file() {
        return TheirStatus::Completed;
    }
    let train = run.config.get("train_config");
    let steps = train
        .and_then(|t| t.get("steps"))
        .and_then(toml::Value::as_integer)
        .and_then(|s| u64::try_from(s).ok());
    let (Some(steps), Some(last)) = (steps, run.last_step()) else {
        return TheirStatus::Unknown;
    };
    let schedule = train
        .and_then(|t| t.get("log_schedule"))
        .and_then(toml::Value::as_str)
        .map(parse_schedule)
        .unwrap_or_default();
    if last >= last_logged_step(steps, &schedule) {
        TheirStatus::Completed
    } else {
        TheirStatus::Stopped
    }
}

/// The status a run list shows for `l`: ours, run.json's as a reader should see it (`running`
/// while nobody holds the run lock is `interrupted`, as `runs list` says); theirs, by the rules
/// above. `unknown` when run.json cannot be read or their status was not computed.
pub fn listed_status(l: &RunListing) -> &'static str {
    match l.source {
        RunSource::NesAi => l.status.unwrap_or(TheirStatus::Unknown).as_str(),
        RunSource::Worldbench => {
            let paths = RunPaths::new(&l.dir);
            RunManifest::read(&paths.manifest()).map_or(TheirStatus::Unknown.as_str(), |m| {
                observed_status(&paths, m.status).as_str()
            })
        }
    }
}

/// Their schedule text (`"10:None"`, `"10:100 50:1000"`): (every_steps, max_step) entries; an
/// entry that does not parse is left out.
pub fn parse_schedule(text: &str) -> Vec<(u64, Option<u64>)> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .filter_map(|t| {
            let (every, max) = t.split_once(':')?;
            let max = if max.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(max.parse().ok()?)
            };
            Some((every.parse().ok()?, max))
        })
        .collect()
}

/// Their `_should_run_schedule`: the first entry whose range holds `step` decides.
fn logs(step: u64, schedule: &[(u64, Option<u64>)]) -> bool {
    schedule
        .iter()
        .filter(|(every, _)| *every > 0)
        .find(|(_, max)| max.is_none_or(|m| step <= m))
        .is_some_and(|(every, _)| step.is_multiple_of(*every))
}

/// The last step below `steps` that the schedule logs (every step when it has no entry).
pub fn last_logged_step(steps: u64, schedule: &[(u64, Option<u64>)]) -> u64 {
    let last = steps.saturating_sub(1);
    if schedule.is_empty() {
        return last;
    }
    let widest = schedule.iter().map(|(e, _)| *e).max().unwrap_or(1);
    (last.saturating_sub(widest)..=last)
        .rev()
        .find(|s| logs(*s, schedule))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_logged_step_follows_their_schedule() {
        assert_eq!(parse_schedule("10:None"), [(10, None)]);
        assert_eq!(
            parse_schedule("10:100, 50:1000 bad 200:None"),
            [(10, Some(100)), (50, Some(1000)), (200, None)]
        );
        assert_eq!(
            last_logged_step(100_000, &parse_schedule("10:None")),
            99_990
        );
        assert_eq!(
            last_logged_step(1000, &parse_schedule("10:100 50:None")),
            950
        );
        assert_eq!(last_logged_step(80, &parse_schedule("10:100 50:None")), 70);
        assert_eq!(last_logged_step(300, &[]), 299);
    }
}
