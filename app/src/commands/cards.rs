//! `worldbench cards list|show|check|graph|tick|set`: the plan cards of `plans/` (not `plan`, which
//! plans between tiles).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde::Serialize;
use worldbench_storage::plan_cards::card::edit_card;
use worldbench_storage::plan_cards::changelog;
use worldbench_storage::plan_cards::tick::{tick_card, TickResult};
use worldbench_storage::plan_cards::{Board, CardType};

use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum CardsCommand {
    /// The cards by priority tier, with type, percent and urgency.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One card: its fields, tasks and body.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Exit 0 when every card parses and the references and dependencies hold; else list every
    /// problem (file and line) and exit 1. Also prints the risk register and the health summary.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// The dependency graph (Graphviz DOT; the critical path in red), or nodes, edges and the
    /// critical path as JSON.
    Graph {
        #[arg(long)]
        json: bool,
    },
    /// Re-judge every task whose done-when is a metric condition against its linked runs, tick
    /// or un-tick it, and say why.
    Tick {
        /// Only this card.
        id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change a card's type and/or percent (the file is rewritten atomically, the change log appended).
    Set {
        id: String,
        /// concept, planning, ready, in-progress, completed, abandoned.
        #[arg(long = "type")]
        card_type: Option<String>,
        #[arg(long)]
        percent: Option<u8>,
    },
}

pub fn run(workspace: Option<PathBuf>, cmd: CardsCommand) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    let plans = ws.plans_dir();
    let board = Board::load(&plans);
    // Type and percent edits made by hand since Worldbench last read the plan go to the change log.
    let when = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
    for line in changelog::sync(&plans, &board.cards, &when)? {
        eprintln!("change log: {}", line.trim_start_matches("- "));
    }
    match cmd {
        CardsCommand::List { json } => list(&board, json),
        CardsCommand::Show { id, json } => {
            let card = board
                .card(&id)
                .with_context(|| format!("{}: no card `{id}`", plans.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(card)?);
                return Ok(());
            }
            let m = &card.meta;
            println!("{} — {}", m.id, m.title);
            println!(
                "type: {}  percent: {}",
                m.card_type.as_str(),
                m.percent.map_or("-".into(), |p| format!("{p}%"))
            );
            println!("depends on: {}", m.depends_on.join(", "));
            for t in &card.tasks {
                println!("[{}] {} {}", if t.done { "x" } else { " " }, t.id, t.what);
            }
            println!("\n{}", card.body);
            Ok(())
        }
        CardsCommand::Check { json } => check(&board, json),
        CardsCommand::Graph { json } => graph(&board, json),
        CardsCommand::Tick { id, json } => {
            refuse_broken(&board)?;
            let mut all: Vec<TickResult> = Vec::new();
            for c in board
                .cards
                .iter()
                .filter(|c| id.as_deref().is_none_or(|i| i == c.id()))
            {
                all.extend(tick_card(ws.root(), &c.path)?);
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            if all.is_empty() {
                println!("no task with a metric done-when");
            }
            for r in &all {
                let verb = match (r.was_done, r.done) {
                    (false, true) => "ticked",
                    (true, false) => "un-ticked",
                    (true, true) => "still done",
                    (false, false) => "not yet",
                };
                println!("{} {}: {verb} — {}", r.card, r.task, r.why);
            }
            Ok(())
        }
        CardsCommand::Set {
            id,
            card_type,
            percent,
        } => {
            let card = board
                .card(&id)
                .with_context(|| format!("{}: no card `{id}`", plans.display()))?;
            let t = match card_type.as_deref() {
                Some(s) => Some(CardType::parse(s).with_context(|| {
                    format!("type `{s}`: use concept, planning, ready, in-progress, completed or abandoned")
                })?),
                None => None,
            };
            if t.is_none() && percent.is_none() {
                bail!("give --type and/or --percent");
            }
            let now = chrono::Local::now();
            let (before, after) =
                edit_card(&card.path, t, percent, &now.format("%Y-%m-%d").to_string())?;
            match changelog::record(
                &plans,
                &before,
                &after,
                &now.format("%Y-%m-%d %H:%M").to_string(),
            )? {
                Some(line) => println!("{}", line.trim_start_matches("- ")),
                None => println!("{id}: unchanged"),
            }
            Ok(())
        }
    }
}

fn refuse_broken(board: &Board) -> Result<()> {
    if board.is_ok() {
        return Ok(());
    }
    let lines: Vec<String> = board.issues.iter().map(ToString::to_string).collect();
    bail!(
        "the plan has {} problem(s):\n  - {}",
        lines.len(),
        lines.join("\n  - ")
    )
}

#[derive(Serialize)]
struct ListLine<'a> {
    id: &'a str,
    title: &'a str,
    tier: &'static str,
    #[serde(rename = "type")]
    card_type: &'static str,
    percent: Option<u8>,
    urgency: Option<&'static str>,
}

fn list(board: &Board, json: bool) -> Result<()> {
    let mut lines = Vec::new();
    for (tier, cards) in board.tiers() {
        for c in cards {
            lines.push(ListLine {
                id: c.id(),
                title: &c.meta.title,
                tier: tier.label(),
                card_type: c.meta.card_type.as_str(),
                percent: c.meta.percent,
                urgency: c
                    .meta
                    .urgency
                    .map(worldbench_storage::plan_cards::Level::as_str),
            });
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else {
        println!(
            "{:<10} {:<12} {:>5}  {:<8} {:<24} title",
            "tier", "type", "%", "urgency", "id"
        );
        for l in &lines {
            println!(
                "{:<10} {:<12} {:>5}  {:<8} {:<24} {}",
                l.tier,
                l.card_type,
                l.percent.map_or("-".into(), |p| p.to_string()),
                l.urgency.unwrap_or("-"),
                l.id,
                l.title
            );
        }
    }
    for i in &board.issues {
        eprintln!("problem: {i}");
    }
    Ok(())
}

fn check(board: &Board, json: bool) -> Result<()> {
    if json {
        #[derive(Serialize)]
        struct Report {
            ok: bool,
            issues: Vec<String>,
            critical_path: Vec<String>,
            risks: Vec<worldbench_storage::plan_cards::RiskEntry>,
            health: std::collections::BTreeMap<&'static str, usize>,
            changes: Vec<String>,
        }
        let r = Report {
            ok: board.is_ok(),
            issues: board.issues.iter().map(ToString::to_string).collect(),
            critical_path: board.critical_path(),
            risks: board.risk_register(),
            health: board.health(),
            changes: changelog::read_entries(&board_dir(board)),
        };
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!("{} cards", board.cards.len());
        let health: Vec<String> = board
            .health()
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        println!("health: {}", health.join(", "));
        println!("critical path: {}", board.critical_path().join(" -> "));
        for r in board.risk_register() {
            println!(
                "risk {:<8} {:<24} {} | mitigation: {}",
                r.level.as_str(),
                r.card,
                r.primary_risk,
                r.mitigation
            );
        }
    }
    refuse_broken(board)
}

/// The folder of the board's cards (for the change log).
fn board_dir(board: &Board) -> PathBuf {
    board
        .cards
        .first()
        .and_then(|c| c.path.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

fn graph(board: &Board, json: bool) -> Result<()> {
    let path = board.critical_path();
    let on_path = |a: &str, b: &str| path.windows(2).any(|w| w[0] == a && w[1] == b);
    let mut edges = Vec::new();
    for (i, c) in board.cards.iter().enumerate() {
        for d in board.hard_deps(i) {
            edges.push((board.cards[d].meta.id.clone(), c.meta.id.clone(), "hard"));
        }
        for s in &c.meta.soft_depends {
            edges.push((s.clone(), c.meta.id.clone(), "soft"));
        }
    }
    if json {
        let nodes: Vec<_> = board
            .cards
            .iter()
            .map(|c| serde_json::json!({"id": c.id(), "type": c.meta.card_type.as_str(), "critical": path.iter().any(|p| p == c.id())}))
            .collect();
        let edges: Vec<_> = edges
            .iter()
            .map(|(a, b, k)| serde_json::json!({"from": a, "to": b, "kind": k, "critical": on_path(a, b)}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"nodes": nodes, "edges": edges, "critical_path": path})
            )?
        );
    } else {
        println!("digraph plan {{");
        for c in &board.cards {
            let red = if path.iter().any(|p| p == c.id()) {
                ", color=red"
            } else {
                ""
            };
            println!(
                "  \"{}\" [label=\"{}\\n{}\"{red}];",
                c.id(),
                c.id(),
                c.meta.card_type.as_str()
            );
        }
        for (a, b, k) in &edges {
            let style = if *k == "soft" {
                " [style=dashed]"
            } else if on_path(a, b) {
                " [color=red]"
            } else {
                ""
            };
            println!("  \"{a}\" -> \"{b}\"{style};");
        }
        println!("}}");
    }
    refuse_broken(board)
}
