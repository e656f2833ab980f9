//! The research plan: plan cards (`plans/<id>.md`), their phased tasks and metric conditions, the
//! checks over every card of a workspace (references, cycles, critical path, tiers, risks, health),
//! the change log, tickets (`tickets/TICKET-NNN.toml`) and experiments (`experiments/<id>/`).
//!
//! Every parser names the file and the line of what it refuses; every write is atomic.

pub mod board;
#[cfg(test)]
mod board_tests;
pub mod card;
pub mod changelog;
pub mod condition;
pub mod experiment;
pub mod front_matter;
pub mod tasks;
pub mod tick;
pub mod ticket;

pub use board::{Board, BoardIssue, RiskEntry, Tier};
pub use card::{Card, CardType, Complexity, Level};
pub use condition::{Condition, MetricCondition};
pub use tasks::{Reflection, Task};
