//! Every card of a workspace's `plans/`, and the checks over them: file name = id, references to
//! missing cards, dependency cycles (naming the cards), the critical path, priority tiers, the risk
//! register and the health summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::card::{Card, CardType, Level};

/// The change log's file name under `plans/` (not a card).
pub const CHANGELOG_FILE: &str = "CHANGELOG.md";

/// A problem of the plan, naming the file (and line when known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardIssue {
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for BoardIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// Priority tiers, like a tracker's "do now / next / strategic / backlog".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    DoNow,
    Next,
    Strategic,
    Backlog,
    Closed,
}

impl Tier {
    pub const ALL: [Tier; 5] = [
        Self::DoNow,
        Self::Next,
        Self::Strategic,
        Self::Backlog,
        Self::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::DoNow => "do now",
            Self::Next => "next",
            Self::Strategic => "strategic",
            Self::Backlog => "backlog",
            Self::Closed => "closed",
        }
    }

    /// The tier of a card, by urgency and type (value lifts a non-urgent card to strategic).
    pub fn of(card: &Card) -> Self {
        let m = &card.meta;
        if m.card_type.is_closed() {
            return Self::Closed;
        }
        let urgent = m.urgency >= Some(Level::High);
        let active = matches!(m.card_type, CardType::Ready | CardType::InProgress);
        match (urgent, active) {
            (true, true) => Self::DoNow,
            (true, false) => Self::Next,
            (false, true) if m.urgency == Some(Level::Medium) => Self::Next,
            _ if m.value >= Some(Level::High) => Self::Strategic,
            _ => Self::Backlog,
        }
    }
}

/// One line of the risk register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskEntry {
    pub card: String,
    pub level: Level,
    pub primary_risk: String,
    pub mitigation: String,
}

/// The plan: its cards (in id order) and what the checks found.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Board {
    pub cards: Vec<Card>,
    pub issues: Vec<BoardIssue>,
}

/// A cycle of the directed graph on `n` nodes whose successors `edges(i)` gives, as its nodes in order.
pub fn find_cycle(n: usize, edges: impl Fn(usize) -> Vec<usize>) -> Option<Vec<usize>> {
    fn visit(
        u: usize,
        edges: &dyn Fn(usize) -> Vec<usize>,
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[u] = 1;
        stack.push(u);
        for v in edges(u) {
            if state[v] == 1 {
                let from = stack.iter().position(|&x| x == v).unwrap_or(0);
                return Some(stack[from..].to_vec());
            }
            if state[v] == 0 {
                if let Some(c) = visit(v, edges, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[u] = 2;
        None
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut stack: Vec<usize> = Vec::new();
    (0..n).find_map(|u| {
        if state[u] == 0 {
            visit(u, &edges, &mut state, &mut stack)
        } else {
            None
        }
    })
}

impl Board {
    /// Reads every `*.md` of `plans_dir` (but the change log) and checks them.
    pub fn load(plans_dir: &Path) -> Self {
        let mut files: Vec<PathBuf> = std::fs::read_dir(plans_dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.extension().is_some_and(|e| e == "md")
                            && p.file_name().is_some_and(|n| n != CHANGELOG_FILE)
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let mut board = Self::default();
        for f in files {
            match Card::read(&f) {
                Ok(c) => board.cards.push(c),
                Err(e) => board.issues.push(BoardIssue {
                    file: f.clone(),
                    message: e
                        .to_string()
                        .trim_start_matches(&format!("{}: ", f.display()))
                        .to_string(),
                }),
            }
        }
        board.cards.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        board.check();
        board
    }

    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.meta.id == id)
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.cards.iter().position(|c| c.meta.id == id)
    }

    /// The hard dependencies of card `i` (its depends_on, and every card that says it blocks `i`).
    pub fn hard_deps(&self, i: usize) -> Vec<usize> {
        let id = &self.cards[i].meta.id;
        let mut deps: Vec<usize> = self.cards[i]
            .meta
            .depends_on
            .iter()
            .filter_map(|d| self.index(d))
            .collect();
        for (j, c) in self.cards.iter().enumerate() {
            if c.meta.blocks.iter().any(|b| b == id) && !deps.contains(&j) {
                deps.push(j);
            }
        }
        deps
    }

    fn check(&mut self) {
        let mut issues = Vec::new();
        for (i, c) in self.cards.iter().enumerate() {
            let stem = c.path.file_stem().map(|s| s.to_string_lossy().to_string());
            if stem.as_deref() != Some(c.meta.id.as_str()) {
                issues.push(BoardIssue {
                    file: c.path.clone(),
                    message: format!("line 2: id `{}` is not the file's name", c.meta.id),
                });
            }
            if let Some(prev) = self.cards[..i].iter().find(|p| p.meta.id == c.meta.id) {
                issues.push(BoardIssue {
                    file: c.path.clone(),
                    message: format!("card id `{}` is also {}", c.meta.id, prev.path.display()),
                });
            }
            for (field, refs) in [
                ("depends_on", &c.meta.depends_on),
                ("soft_depends", &c.meta.soft_depends),
                ("blocks", &c.meta.blocks),
            ] {
                for r in refs.iter().filter(|r| self.index(r).is_none()) {
                    issues.push(BoardIssue {
                        file: c.path.clone(),
                        message: format!(
                            "line {}: {field} names `{r}`, which is no card in plans/",
                            field_line(c, field)
                        ),
                    });
                }
            }
        }
        if let Some(cycle) = find_cycle(self.cards.len(), |i| self.hard_deps(i)) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&i| self.cards[i].meta.id.as_str())
                .collect();
            let mut shown = names.clone();
            shown.push(names[0]);
            issues.push(BoardIssue {
                file: self.cards[cycle[0]].path.clone(),
                message: format!(
                    "line {}: dependency cycle: {} (cards {})",
                    field_line(&self.cards[cycle[0]], "depends_on"),
                    shown.join(" -> "),
                    cycle
                        .iter()
                        .map(|&i| {
                            let c = &self.cards[i];
                            format!("{} line {}", c.path.display(), field_line(c, "depends_on"))
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        self.issues.extend(issues);
    }

    /// Whether the plan has no problems.
    pub fn is_ok(&self) -> bool {
        self.issues.is_empty()
    }

    /// The longest chain of open cards along hard dependencies, weighted by complexity (M when
    /// unset), first card first. Empty when the graph has a cycle.
    pub fn critical_path(&self) -> Vec<String> {
        fn longest(
            i: usize,
            b: &Board,
            memo: &mut [Option<(u32, Option<usize>)>],
            open: &dyn Fn(usize) -> bool,
            weight: &dyn Fn(usize) -> u32,
        ) -> (u32, Option<usize>) {
            if let Some(v) = memo[i] {
                return v;
            }
            let mut best = (0, None);
            for d in b.hard_deps(i).into_iter().filter(|&d| open(d)) {
                let (w, _) = longest(d, b, memo, open, weight);
                if w > best.0 {
                    best = (w, Some(d));
                }
            }
            let v = (best.0 + weight(i), best.1);
            memo[i] = Some(v);
            v
        }
        let n = self.cards.len();
        if find_cycle(n, |i| self.hard_deps(i)).is_some() {
            return Vec::new();
        }
        let open = |i: usize| !self.cards[i].meta.card_type.is_closed();
        let weight = |i: usize| {
            self.cards[i]
                .meta
                .complexity
                .map_or(2, super::card::Complexity::weight)
        };
        let mut memo: Vec<Option<(u32, Option<usize>)>> = vec![None; n];
        let Some(end) = (0..n).filter(|&i| open(i)).max_by_key(|&i| {
            (
                longest(i, self, &mut memo, &open, &weight).0,
                std::cmp::Reverse(i),
            )
        }) else {
            return Vec::new();
        };
        let mut path = vec![end];
        while let Some(prev) = longest(path[path.len() - 1], self, &mut memo, &open, &weight).1 {
            path.push(prev);
        }
        path.reverse();
        path.into_iter()
            .map(|i| self.cards[i].meta.id.clone())
            .collect()
    }

    /// The cards of each tier, in tier order.
    pub fn tiers(&self) -> Vec<(Tier, Vec<&Card>)> {
        Tier::ALL
            .into_iter()
            .map(|t| (t, self.cards.iter().filter(|c| Tier::of(c) == t).collect()))
            .collect()
    }

    /// Cards with a risk level, highest first.
    pub fn risk_register(&self) -> Vec<RiskEntry> {
        let mut v: Vec<RiskEntry> = self
            .cards
            .iter()
            .filter_map(|c| {
                Some(RiskEntry {
                    card: c.meta.id.clone(),
                    level: c.meta.risk?,
                    primary_risk: c
                        .meta
                        .risk_notes
                        .as_deref()
                        .and_then(|n| n.lines().next())
                        .unwrap_or("")
                        .to_string(),
                    mitigation: c.meta.mitigation.clone().unwrap_or_default(),
                })
            })
            .collect();
        v.sort_by(|a, b| b.level.cmp(&a.level).then(a.card.cmp(&b.card)));
        v
    }

    /// How many cards of each type (every type listed).
    pub fn health(&self) -> BTreeMap<&'static str, usize> {
        CardType::ALL
            .into_iter()
            .map(|t| {
                (
                    t.as_str(),
                    self.cards.iter().filter(|c| c.meta.card_type == t).count(),
                )
            })
            .collect()
    }
}

/// The line of `field` in a card's file (2 when not found).
fn field_line(card: &Card, field: &str) -> usize {
    std::fs::read_to_string(&card.path)
        .ok()
        .and_then(|t| {
            t.lines()
                .position(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == field))
        })
        .map_or(2, |i| i + 1)
}
