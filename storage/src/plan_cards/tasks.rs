//! The phased tasks of a card's body:
//!
//! ```text
//! - [ ] [P2-T3] what | deliverable: <path> | done-when: <condition> | depends: P2-T1, P1-T4 | runs: <run>, …
//! - [ ] [P2-R1] midpoint review | reflection: midpoint | evidence: <what to inspect> | criteria: <continue or re-plan>
//! ```
//! A line that starts with a checkbox and then `[` is a task line and must be well formed; other
//! lines (checklists without an id included) are free Markdown. Keys: deliverable, done-when,
//! depends, runs, sweeps, posts, reflection (midpoint | final), evidence, criteria.

use serde::Serialize;

use super::condition::Condition;

/// A reflection task's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reflection {
    Midpoint,
    Final,
}

/// One task line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// `P2-T3`.
    pub id: String,
    pub phase: u32,
    pub done: bool,
    pub what: String,
    pub deliverable: Option<String>,
    pub done_when: Option<Condition>,
    pub depends: Vec<String>,
    pub runs: Vec<String>,
    pub sweeps: Vec<String>,
    pub posts: Vec<String>,
    pub reflection: Option<Reflection>,
    pub evidence: Option<String>,
    pub criteria: Option<String>,
    /// The 1-based line of the card file.
    pub line: usize,
}

/// The checkbox of a task line and what follows it, when `line` is one.
pub fn task_line(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    let rest = t.strip_prefix("- [")?;
    let (done, rest) = match rest.get(..2)? {
        " ]" => (false, &rest[2..]),
        "x]" | "X]" => (true, &rest[2..]),
        _ => return None,
    };
    let rest = rest.trim_start();
    rest.starts_with('[').then_some((done, rest))
}

/// Parses `P2-T3` (or `P1-R1`); returns the phase.
fn parse_id(id: &str) -> Option<u32> {
    let (p, t) = id.split_once('-')?;
    let phase: u32 = p.strip_prefix('P')?.parse().ok()?;
    let n = t.strip_prefix('T').or_else(|| t.strip_prefix('R'))?;
    n.parse::<u32>().ok()?;
    Some(phase)
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses one task line (`number` is its line in the file).
pub fn parse_task(line: &str, number: usize) -> Result<Option<Task>, String> {
    let Some((done, rest)) = task_line(line) else {
        return Ok(None);
    };
    let at = |msg: String| format!("line {number}: {msg}");
    let close = rest
        .find(']')
        .ok_or_else(|| at("the task id is not closed by `]`".into()))?;
    let id = rest[1..close].trim().to_string();
    let phase = parse_id(&id).ok_or_else(|| {
        at(format!(
            "task id `{id}` is not of the form P<phase>-T<n> (or P<phase>-R<n> for a reflection)"
        ))
    })?;
    let mut parts = rest[close + 1..].split('|');
    let what = parts.next().unwrap_or("").trim().to_string();
    if what.is_empty() {
        return Err(at(format!("task {id} says nothing about what it is")));
    }
    let mut task = Task {
        id: id.clone(),
        phase,
        done,
        what,
        deliverable: None,
        done_when: None,
        depends: Vec::new(),
        runs: Vec::new(),
        sweeps: Vec::new(),
        posts: Vec::new(),
        reflection: None,
        evidence: None,
        criteria: None,
        line: number,
    };
    for part in parts {
        let (key, value) = part
            .split_once(':')
            .ok_or_else(|| at(format!("task {id}: `{}` is not `key: value`", part.trim())))?;
        let value = value.trim();
        match key.trim() {
            "deliverable" => task.deliverable = Some(value.to_string()),
            "done-when" => {
                task.done_when =
                    Some(Condition::parse(value).map_err(|e| at(format!("task {id}: {e}")))?);
            }
            "depends" => task.depends = list(value),
            "runs" => task.runs = list(value),
            "sweeps" => task.sweeps = list(value),
            "posts" => task.posts = list(value),
            "reflection" => {
                task.reflection = Some(match value {
                    "midpoint" => Reflection::Midpoint,
                    "final" => Reflection::Final,
                    other => {
                        return Err(at(format!(
                            "task {id}: reflection `{other}` is not midpoint or final"
                        )))
                    }
                });
            }
            "evidence" => task.evidence = Some(value.to_string()),
            "criteria" => task.criteria = Some(value.to_string()),
            other => {
                return Err(at(format!(
                    "task {id}: unknown key `{other}`; use deliverable, done-when, depends, runs, \
                     sweeps, posts, reflection, evidence, criteria"
                )))
            }
        }
    }
    if task.reflection.is_some() && (task.evidence.is_none() || task.criteria.is_none()) {
        return Err(at(format!(
            "reflection task {id} needs `evidence:` (what to inspect) and `criteria:` (when to continue or re-plan)"
        )));
    }
    Ok(Some(task))
}

/// Every task of `body` (which begins on line `first_line`), checked: ids unique, dependencies
/// on tasks of the card, no dependency cycle.
pub fn parse_tasks(body: &str, first_line: usize) -> Result<Vec<Task>, String> {
    let mut tasks: Vec<Task> = Vec::new();
    for (i, line) in body.lines().enumerate() {
        if let Some(t) = parse_task(line, first_line + i)? {
            if let Some(prev) = tasks.iter().find(|p| p.id == t.id) {
                return Err(format!(
                    "line {}: task {} is already on line {}",
                    t.line, t.id, prev.line
                ));
            }
            tasks.push(t);
        }
    }
    for t in &tasks {
        if let Some(d) = t
            .depends
            .iter()
            .find(|d| !tasks.iter().any(|o| &o.id == *d))
        {
            return Err(format!(
                "line {}: task {} depends on {d}, which is not a task of this card",
                t.line, t.id
            ));
        }
    }
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    let edges = |i: usize| -> Vec<usize> {
        tasks[i]
            .depends
            .iter()
            .filter_map(|d| ids.iter().position(|x| x == d))
            .collect()
    };
    if let Some(cycle) = super::board::find_cycle(ids.len(), edges) {
        let names: Vec<&str> = cycle.iter().map(|&i| ids[i]).collect();
        return Err(format!(
            "line {}: the tasks' dependencies form a cycle: {}",
            tasks[cycle[0]].line,
            names.join(" -> ")
        ));
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tasks_and_reflections() {
        let body = "## Phase 1\n- [ ] [P1-T1] train | deliverable: runs/a | done-when: reach_h_p10 >= 0.9 at step 5000 | runs: a\n\
                    - [x] [P1-T2] write up | depends: P1-T1 | done-when: the post reads well\n\
                    - [ ] [P1-R1] midpoint | reflection: midpoint | evidence: plots | criteria: p10 rises\n\
                    - [ ] plain checklist\n";
        let tasks = parse_tasks(body, 10).unwrap();
        assert_eq!(tasks.len(), 3);
        assert_eq!(tasks[0].line, 11);
        assert_eq!(tasks[0].runs, vec!["a"]);
        assert!(matches!(tasks[0].done_when, Some(Condition::Metric(_))));
        assert!(tasks[1].done);
        assert!(matches!(tasks[1].done_when, Some(Condition::FreeText(_))));
        assert_eq!(tasks[2].reflection, Some(Reflection::Midpoint));
    }

    #[test]
    fn refuses_bad_task_lines_with_their_line() {
        for (body, want) in [
            ("- [ ] [P2T3] x\n", "P<phase>-T<n>"),
            ("- [ ] [P1-T1 x\n", "not closed"),
            ("- [ ] [P1-T1] x | owner: me\n", "unknown key"),
            ("- [ ] [P1-T1] x | deliverable\n", "key: value"),
            ("- [ ] [P1-T1] x | depends: P1-T9\n", "not a task"),
            ("- [ ] [P1-T1] x\n- [ ] [P1-T1] y\n", "already on line"),
            ("- [ ] [P1-R1] x | reflection: final\n", "evidence"),
            (
                "- [ ] [P1-T1] x | depends: P1-T2\n- [ ] [P1-T2] y | depends: P1-T1\n",
                "cycle",
            ),
            (
                "- [ ] [P1-T1] x | done-when: reach_h_p11 >= 0.9\n",
                "unknown planning metric",
            ),
        ] {
            let e = parse_tasks(body, 5).unwrap_err();
            assert!(e.starts_with("line 5") || e.starts_with("line 6"), "{e}");
            assert!(e.contains(want), "{body}: {e}");
        }
    }
}
