//! What the app knows about Slurm, always read in a [`Task`], never on the UI thread: whether the
//! Slurm backend can be offered (`[launch.slurm]` present and `launch check` clean), and the job
//! id, partition and state of the runs submitted to it (batched for all runs in one query, polled
//! with backoff).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use worldbench_storage::SlurmSettings;

use crate::gui::task::Task;
use crate::launch::slurm::{self, state, SlurmState};

/// Why the Slurm choice is greyed out when worldbench.toml has no `[launch.slurm]`.
pub const NOT_CONFIGURED: &str =
    "Slurm is not configured: add a [launch.slurm] table to worldbench.toml (partition, time, …; \
     see the README's Slurm section)";

/// How often the availability is checked again while the Train panel is shown.
const RECHECK: Duration = Duration::from_secs(30);

/// Whether the Slurm backend can run jobs from the workspace at `ws`: `Err` says why not.
pub fn check_workspace(ws: &Path) -> Result<(), String> {
    let config = ws.join("worldbench.toml");
    let settings = SlurmSettings::read_configured(&config)
        .map_err(|e| format!("{e}"))?
        .ok_or_else(|| NOT_CONFIGURED.to_string())?;
    let root = std::path::absolute(ws).map_err(|e| format!("{}: {e}", ws.display()))?;
    let problems = slurm::check(&settings, &root);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`worldbench launch check --backend slurm` fails:\n- {}",
            problems.join("\n- ")
        ))
    }
}

/// The Slurm backend's availability, re-checked in a task every 30 s.
#[derive(Default)]
pub struct SlurmAvailability {
    task: Option<Task<()>>,
    result: Option<Result<(), String>>,
    checked_at: Option<Instant>,
}

impl SlurmAvailability {
    /// Starts a check when one is due; takes a finished one.
    pub fn poll(&mut self, ws: &Path, ctx: &egui::Context) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.result = Some(r);
                self.task = None;
                self.checked_at = Some(Instant::now());
            }
        }
        let due = self.checked_at.is_none_or(|t| t.elapsed() >= RECHECK);
        if self.task.is_none() && due {
            let ws = ws.to_path_buf();
            self.task = Some(Task::spawn("Slurm check", Some(ctx.clone()), move |_| {
                check_workspace(&ws)
            }));
        }
    }

    /// Why Slurm cannot be chosen now (`None`: it can).
    pub fn blocker(&self) -> Option<String> {
        match &self.result {
            Some(Ok(())) => None,
            Some(Err(why)) => Some(why.clone()),
            None => Some("Checking whether Slurm can run jobs from this workspace…".into()),
        }
    }
}

/// A run's Slurm job as the Runs and Queue views show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmInfo {
    pub job_id: String,
    pub partition: Option<String>,
    /// `None` when no Slurm tool knows the job any more (its run.json tells how it ended).
    pub state: Option<SlurmState>,
}

impl SlurmInfo {
    /// "Slurm 123_4 · main · running".
    pub fn text(&self) -> String {
        let mut parts = vec![format!("Slurm {}", self.job_id)];
        parts.extend(self.partition.clone());
        parts.push(self.state.map_or("gone", SlurmState::as_str).to_string());
        parts.join(" · ")
    }
}

/// Reads the Slurm info of `runs` (run folder, job id if run.json has one): one batched query.
pub fn read_infos(runs: &[(PathBuf, Option<String>)]) -> BTreeMap<PathBuf, SlurmInfo> {
    let with_ids: Vec<(PathBuf, String)> = runs
        .iter()
        .filter_map(|(dir, id)| {
            let id = id.clone().or_else(|| slurm::recorded_job_id(dir))?;
            Some((dir.clone(), id))
        })
        .collect();
    let ids: Vec<String> = with_ids.iter().map(|(_, id)| id.clone()).collect();
    let states = if ids.is_empty() {
        BTreeMap::new()
    } else {
        state::query(&ids)
    };
    with_ids
        .into_iter()
        .map(|(dir, job_id)| {
            let info = SlurmInfo {
                partition: slurm::recorded_partition(&dir),
                state: states.get(&job_id).copied(),
                job_id,
            };
            (dir, info)
        })
        .collect()
}

/// The Slurm info of the runs a view shows, polled in a task with backoff: 1 s, 2 s, … up to
/// 30 s while nothing changes, back to 1 s when a state changed or the runs asked for did.
#[derive(Default)]
pub struct SlurmPoll {
    task: Option<Task<BTreeMap<PathBuf, SlurmInfo>>>,
    infos: BTreeMap<PathBuf, SlurmInfo>,
    asked: Vec<(PathBuf, Option<String>)>,
    next_at: Option<Instant>,
    attempt: u32,
}

impl SlurmPoll {
    /// Takes a finished read; starts the next when due. `runs`: the Slurm runs shown.
    pub fn poll(&mut self, runs: Vec<(PathBuf, Option<String>)>, ctx: Option<&egui::Context>) {
        if let Some(t) = &mut self.task {
            if let Some(r) = t.poll() {
                self.take(r);
            }
        }
        if runs != self.asked {
            self.asked = runs;
            self.attempt = 0;
            self.next_at = None;
        }
        if self.asked.is_empty() {
            return;
        }
        let due = self.next_at.is_none_or(|t| Instant::now() >= t);
        if self.task.is_none() && due {
            let runs = self.asked.clone();
            self.task = Some(Task::spawn("Slurm state", ctx.cloned(), move |_| {
                Ok(read_infos(&runs))
            }));
        }
        if let (Some(ctx), Some(at)) = (ctx, self.next_at) {
            ctx.request_repaint_after(at.saturating_duration_since(Instant::now()));
        }
    }

    fn take(&mut self, r: Result<BTreeMap<PathBuf, SlurmInfo>, String>) {
        self.task = None;
        let infos = r.unwrap_or_default();
        if infos == self.infos {
            self.attempt = self.attempt.saturating_add(1);
        } else {
            self.attempt = 0;
        }
        self.infos = infos;
        self.next_at = Some(Instant::now() + state::backoff(self.attempt));
    }

    /// Asks Slurm again at the next frame, with the backoff from its start (after a Cancel).
    pub fn poll_soon(&mut self) {
        self.attempt = 0;
        self.next_at = None;
    }

    pub fn get(&self, run: &Path) -> Option<&SlurmInfo> {
        self.infos.get(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_without_launch_slurm_is_refused_with_why() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check_workspace(dir.path()), Err(NOT_CONFIGURED.to_string()));
        std::fs::write(
            dir.path().join("worldbench.toml"),
            "[launch.slurm]\nbogus = 1\n",
        )
        .unwrap();
        let err = check_workspace(dir.path()).unwrap_err();
        assert!(
            err.contains("worldbench.toml") && err.contains("bogus"),
            "{err}"
        );
    }

    #[test]
    fn info_text_names_job_partition_and_state() {
        let info = SlurmInfo {
            job_id: "12_3".into(),
            partition: Some("gpu".into()),
            state: Some(SlurmState::Preempted),
        };
        assert_eq!(info.text(), "Slurm 12_3 · gpu · preempted");
        let gone = SlurmInfo {
            partition: None,
            state: None,
            ..info
        };
        assert_eq!(gone.text(), "Slurm 12_3 · gone");
    }
}
