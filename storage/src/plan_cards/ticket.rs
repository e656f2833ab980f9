//! Tickets: `tickets/TICKET-NNN.toml`.
//!
//! ```toml
//! id = "TICKET-001"
//! goal = "Raise reach_h_p10 above 0.9"
//! constraints = ["keep the reference config"]
//! definition_of_done = ["post exported"]
//! card = "hgraph-merge"
//! runs = ["2026-12-01_10-00-00.merge"]
//! status = "open"          # open | in-progress | done | rejected
//! deep_change = true        # a change to the model's defaults or to evaluation: needs approval
//!
//! [[acceptance]]
//! condition = "reach_h_p10 >= 0.9 at step 5000"   # a metric condition, or
//! # command = "cargo test -p worldbench-storage"
//!
//! [approval]                 # written by `worldbench tickets approve`
//! by = "alice"
//! when = "2026-12-02T03:00:00+00:00"
//! note = "ok for one attempt"
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::front_matter::toml_error;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TicketStatus {
    Open,
    InProgress,
    Done,
    Rejected,
}

/// Who approved a deep change, when, and why; also copied into the run's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: String,
    pub when: String,
    #[serde(default)]
    pub note: String,
}

/// One acceptance test: a metric condition or a command to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub id: String,
    pub goal: String,
    #[serde(default)]
    pub constraints: Vec<String>,
    #[serde(default)]
    pub acceptance: Vec<Acceptance>,
    #[serde(default)]
    pub definition_of_done: Vec<String>,
    #[serde(default)]
    pub card: Option<String>,
    #[serde(default)]
    pub runs: Vec<String>,
    pub status: TicketStatus,
    #[serde(default)]
    pub deep_change: bool,
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// What a run's manifest records of the ticket it was launched for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketLink {
    pub id: String,
    #[serde(default)]
    pub deep_change: bool,
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// Whether `id` is `TICKET-` and digits.
pub fn is_ticket_id(id: &str) -> bool {
    id.strip_prefix("TICKET-")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

impl Ticket {
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let bad = |p: String| StorageError::invalid(path, p);
        let t: Ticket = toml::from_str(text).map_err(|e| bad(toml_error(&e, text, 1)))?;
        if !is_ticket_id(&t.id) {
            return Err(bad(format!("id `{}` is not of the form TICKET-NNN", t.id)));
        }
        if path.file_stem().is_some_and(|s| s != t.id.as_str()) {
            return Err(bad(format!("id `{}` is not the file's name", t.id)));
        }
        for (i, a) in t.acceptance.iter().enumerate() {
            match (&a.condition, &a.command) {
                (Some(c), None) => {
                    if let Condition::FreeText(_) = Condition::parse(c)
                        .map_err(|e| bad(format!("acceptance test {}: {e}", i + 1)))?
                    {
                        return Err(bad(format!(
                            "acceptance test {}: `{c}` is not a metric condition (<metric> <op> <value> [at step N]); \
                             use `command` for anything else",
                            i + 1
                        )));
                    }
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(bad(format!(
                        "acceptance test {}: give exactly one of `condition` and `command`",
                        i + 1
                    )))
                }
            }
        }
        Ok(t)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        Self::parse(path, &text)
    }

    /// Refuses to launch an attempt for an unapproved deep change, saying what to do.
    pub fn check_launch(&self) -> std::result::Result<TicketLink, String> {
        if self.deep_change && self.approval.is_none() {
            return Err(format!(
                "{} is a deep change and is not approved; nothing was launched. Approve it with \
                 `worldbench tickets approve {} --by <name> --note <why>`",
                self.id, self.id
            ));
        }
        if matches!(self.status, TicketStatus::Done | TicketStatus::Rejected) {
            return Err(format!(
                "{} is {}; reopen it (status = \"open\") before launching an attempt for it",
                self.id,
                if self.status == TicketStatus::Done {
                    "done"
                } else {
                    "rejected"
                }
            ));
        }
        Ok(TicketLink {
            id: self.id.clone(),
            deep_change: self.deep_change,
            approval: self.approval.clone(),
        })
    }
}

/// One acceptance test's result: `passed` is `None` for a command (run by whoever checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptanceResult {
    pub test: String,
    pub passed: Option<bool>,
    pub why: String,
}

impl Ticket {
    /// Judges the metric acceptance tests against the ticket's runs (workspace `root`); commands
    /// are listed with `passed: None`.
    pub fn judge_acceptance(&self, root: &Path) -> Vec<AcceptanceResult> {
        self.acceptance
            .iter()
            .map(|a| match (&a.condition, &a.command) {
                (Some(c), _) => match Condition::parse(c) {
                    Ok(Condition::Metric(m)) => {
                        let (ok, why) = super::tick::judge_runs(root, &self.runs, &m);
                        AcceptanceResult {
                            test: c.clone(),
                            passed: Some(ok),
                            why,
                        }
                    }
                    Ok(Condition::FreeText(_)) | Err(_) => AcceptanceResult {
                        test: c.clone(),
                        passed: Some(false),
                        why: "not a metric condition".into(),
                    },
                },
                (None, cmd) => AcceptanceResult {
                    test: cmd.clone().unwrap_or_default(),
                    passed: None,
                    why: "a command: run it".into(),
                },
            })
            .collect()
    }
}

/// The path of ticket `id` in `tickets_dir`.
pub fn ticket_path(tickets_dir: &Path, id: &str) -> PathBuf {
    tickets_dir.join(format!("{id}.toml"))
}

/// Every ticket of `tickets_dir` (id order), and the files that could not be read.
pub fn read_tickets(tickets_dir: &Path) -> (Vec<Ticket>, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tickets_dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        match Ticket::read(&f) {
            Ok(t) => ok.push(t),
            Err(e) => bad.push(e.to_string()),
        }
    }
    (ok, bad)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Records an approval in the ticket file (appends an `[approval]` table, keeping the rest of the
/// file as written); refuses a ticket that is already approved.
pub fn approve(path: &Path, by: &str, note: &str, when: &str) -> Result<Ticket> {
    let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
    let t = Ticket::parse(path, &text)?;
    if let Some(a) = &t.approval {
        return Err(StorageError::invalid(
            path,
            format!("already approved by {} on {}", a.by, a.when),
        ));
    }
    if by.trim().is_empty() {
        return Err(StorageError::invalid(
            path,
            "an approval needs who approves it (--by)",
        ));
    }
    let mut out = text.clone();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let _ = write!(
        out,
        "\n[approval]\nby = {}\nwhen = {}\nnote = {}\n",
        quote(by),
        quote(when),
        quote(note)
    );
    let approved = Ticket::parse(path, &out)?;
    write_atomic(path, out.as_bytes())?;
    Ok(approved)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "id = \"TICKET-001\"\ngoal = \"g\"\nstatus = \"open\"\ndeep_change = true\n\n[[acceptance]]\ncondition = \"reach_h_p10 >= 0.9\"\n\n[[acceptance]]\ncommand = \"true\"\n";

    #[test]
    fn parses_and_gates_deep_changes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("TICKET-001.toml");
        std::fs::write(&p, T).unwrap();
        let t = Ticket::read(&p).unwrap();
        assert_eq!(t.acceptance.len(), 2);
        let e = t.check_launch().unwrap_err();
        assert!(
            e.contains("deep change") && e.contains("not approved"),
            "{e}"
        );
        let t = approve(&p, "alice", "one attempt", "2026-12-02T03:00:00Z").unwrap();
        let link = t.check_launch().unwrap();
        assert_eq!(link.approval.unwrap().by, "alice");
        assert!(std::fs::read_to_string(&p).unwrap().starts_with(T));
        assert!(approve(&p, "bob", "", "x")
            .unwrap_err()
            .to_string()
            .contains("already approved by alice"));
    }

    #[test]
    fn acceptance_tests_are_judged_on_the_tickets_runs() {
        let dir = tempfile::tempdir().unwrap();
        let text = T.replace(
            "deep_change = true\n",
            "deep_change = true\nruns = [\"r\"]\n",
        );
        let t = Ticket::parse(Path::new("TICKET-001.toml"), &text).unwrap();
        let r = t.judge_acceptance(dir.path());
        assert_eq!(r[0].passed, Some(false));
        assert_eq!(r[1].passed, None);
        crate::metrics::write_csv(
            &dir.path().join("runs/r/metrics/planning_metrics.csv"),
            &[crate::plan_cards::condition::tests_row(1000, 0.95)],
        )
        .unwrap();
        let r = t.judge_acceptance(dir.path());
        assert_eq!(r[0].passed, Some(true), "{}", r[0].why);
    }

    #[test]
    fn refuses_broken_tickets() {
        let p = Path::new("tickets/TICKET-001.toml");
        for (text, want) in [
            (T.replace("goal", "gaol"), "line 2"),
            (T.replace("\"open\"", "\"closed\""), "line 3"),
            (T.replace("TICKET-001", "T1"), "TICKET-NNN"),
            (
                T.replace("reach_h_p10 >= 0.9", "reach_h_p11 >= 0.9"),
                "acceptance test 1",
            ),
            (
                T.replace("reach_h_p10 >= 0.9", "it works"),
                "not a metric condition",
            ),
            (T.replace("command = \"true\"", ""), "exactly one"),
        ] {
            let e = Ticket::parse(p, &text).unwrap_err().to_string();
            assert!(
                e.contains("TICKET-001.toml") && e.contains(want),
                "{want}: {e}"
            );
        }
        let e = Ticket::parse(Path::new("tickets/TICKET-002.toml"), T)
            .unwrap_err()
            .to_string();
        assert!(e.contains("file's name"), "{e}");
    }
}
