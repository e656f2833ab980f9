//! `worldbench tickets list|show|check|approve`: tickets of `tickets/`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use worldbench_storage::plan_cards::ticket::{approve, read_tickets, ticket_path, Ticket};

use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// Every ticket: id, status, deep change and approval, goal.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One ticket as JSON.
    Show { id: String },
    /// Exit 0 when every ticket parses; else name each broken file and exit 1.
    Check,
    /// Judge a ticket's metric acceptance tests against its runs (exit 1 when one fails); list
    /// its commands, which `--run-commands` runs in the workspace (`sh -c`).
    Accept {
        id: String,
        #[arg(long)]
        run_commands: bool,
    },
    /// Approve a deep-change ticket (who, note; the time is now), recorded in the ticket.
    Approve {
        id: String,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub fn run(workspace: Option<PathBuf>, cmd: TicketsCommand) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    let dir = ws.tickets_dir();
    match cmd {
        TicketsCommand::List { json } => {
            let (tickets, bad) = read_tickets(&dir);
            if json {
                println!("{}", serde_json::to_string_pretty(&tickets)?);
            } else {
                for t in &tickets {
                    let gate = match (t.deep_change, &t.approval) {
                        (false, _) => "-".to_string(),
                        (true, None) => "deep change, NOT approved".to_string(),
                        (true, Some(a)) => format!("deep change, approved by {}", a.by),
                    };
                    println!("{:<12} {:?}  {gate}  {}", t.id, t.status, t.goal);
                }
            }
            for b in &bad {
                eprintln!("problem: {b}");
            }
            Ok(())
        }
        TicketsCommand::Show { id } => {
            let t = Ticket::read(&ticket_path(&dir, &id))?;
            println!("{}", serde_json::to_string_pretty(&t)?);
            Ok(())
        }
        TicketsCommand::Check => {
            let (tickets, bad) = read_tickets(&dir);
            if bad.is_empty() {
                println!("{} tickets, all readable", tickets.len());
                return Ok(());
            }
            bail!(
                "{} broken ticket(s):\n  - {}",
                bad.len(),
                bad.join("\n  - ")
            )
        }
        TicketsCommand::Accept { id, run_commands } => {
            let t = Ticket::read(&ticket_path(&dir, &id))?;
            let mut failed = Vec::new();
            for mut r in t.judge_acceptance(ws.root()) {
                if r.passed.is_none() && run_commands {
                    let status = std::process::Command::new("sh")
                        .arg("-c")
                        .arg(&r.test)
                        .current_dir(ws.root())
                        .status();
                    r.passed = Some(status.as_ref().is_ok_and(std::process::ExitStatus::success));
                    r.why = match status {
                        Ok(s) => format!("exited with {s}"),
                        Err(e) => format!("cannot run: {e}"),
                    };
                }
                let mark = match r.passed {
                    Some(true) => "pass",
                    Some(false) => "FAIL",
                    None => "by hand",
                };
                println!("{mark:<8} {} — {}", r.test, r.why);
                if r.passed == Some(false) {
                    failed.push(r.test);
                }
            }
            if !failed.is_empty() {
                bail!(
                    "{id}: {} acceptance test(s) failed: {}",
                    failed.len(),
                    failed.join("; ")
                );
            }
            Ok(())
        }
        TicketsCommand::Approve { id, by, note } => {
            let t = approve(
                &ticket_path(&dir, &id),
                &by,
                &note,
                &worldbench_storage::now_rfc3339(),
            )?;
            println!("{} approved by {by}", t.id);
            Ok(())
        }
    }
}

/// The ticket `id` of the workspace, checked for launch: an unapproved deep change is refused.
pub fn launch_link(
    ws: &worldbench_storage::Workspace,
    id: &str,
) -> Result<worldbench_storage::plan_cards::ticket::TicketLink> {
    let t = Ticket::read(&ticket_path(&ws.tickets_dir(), id))?;
    t.check_launch().map_err(anyhow::Error::msg)
}
