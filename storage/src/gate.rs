//! The hypothesis gate (`gates/<ts>.<slug>.json`): before a training attempt, at least three
//! hypotheses for the failure mode, each with a recommendation and its tradeoffs, and one chosen.
//!
//! A gate that follows another (`carried_over_from`) must *revisit* at least three hypotheses: a
//! hypothesis revisits when it is new in this gate (`carried_from` is `None`), or when it was carried
//! over from the previous gate and says what the previous run's evidence means for it (`revisit_note`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// The fewest hypotheses a complete gate holds.
pub const MIN_HYPOTHESES: usize = 3;
/// The fewest hypotheses a gate that follows another must revisit (carried over or new).
pub const MIN_REVISITED: usize = 3;

/// Column headers of [`Gate::table_rows`].
pub const GATE_TABLE_HEADERS: [&str; 9] = [
    "#",
    "hypothesis",
    "recommendation",
    "upside",
    "downside",
    "false-positive risk",
    "runtime cost",
    "decision",
    "carried from",
];

/// One hypothesis for the failure mode, with its recommendation and tradeoffs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Hypothesis {
    /// What might cause the failure.
    pub statement: String,
    /// The concrete change to try.
    pub recommendation: String,
    /// Expected gain if the hypothesis holds.
    pub upside: String,
    pub downside: String,
    /// How the attempt could look like a success without being one.
    pub false_positive_risk: String,
    /// Free text, e.g. "2 h on one GPU".
    pub runtime_cost: String,
    /// 1 (low) to 5 (high); 0 = not rated.
    pub upside_rating: u8,
    pub risk_rating: u8,
    pub cost_rating: u8,
    /// Why this one waits (every hypothesis but the chosen one).
    pub deferred_reason: String,
    /// Index of this hypothesis in the previous gate, when it was carried over from it.
    pub carried_from: Option<usize>,
    /// For a carried-over hypothesis: what the previous run's evidence says about it.
    pub revisit_note: String,
}

/// A hypothesis gate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Gate {
    /// The failure being addressed.
    pub failure_mode: String,
    pub hypotheses: Vec<Hypothesis>,
    /// Index into `hypotheses` of the one the next attempt tests.
    pub chosen: Option<usize>,
    /// Why that one.
    pub justification: String,
    /// Path of the previous iteration's gate, when hypotheses were carried over.
    pub carried_over_from: Option<String>,
    /// The run of the previous attempt whose evidence this gate weighs.
    pub previous_run: Option<String>,
    /// The evidence of the previous run (e.g. its last checkpoint's planning metrics), pre-filled.
    pub evidence: String,
    /// RFC 3339 local time.
    pub created: String,
    /// The plan card (`plans/<id>.md`) this attempt belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// The experiment (`experiments/<id>/`) this attempt belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
}

/// Blank: nothing but Unicode whitespace, control characters (`"\u{0}"`) and invisible format
/// characters (zero-width space, joiners, word joiner, BOM, soft hyphen).
pub fn blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            )
    })
}

/// The Gate panel's label of each field of a gate (its JSON name → the form's words): the form
/// and the checklist both read this one table.
pub const FIELD_LABELS: [(&str, &str); 15] = [
    ("failure_mode", "Failure mode"),
    ("evidence", "Evidence of the previous run"),
    ("justification", "Justification of the choice"),
    ("chosen", "Chosen hypothesis"),
    ("statement", "Statement"),
    ("recommendation", "Recommendation"),
    ("upside", "Upside"),
    ("downside", "Downside"),
    ("false_positive_risk", "False-positive risk"),
    ("runtime_cost", "Runtime cost"),
    ("deferred_reason", "Deferred because"),
    ("revisit_note", "Revisit note"),
    ("upside_rating", "Upside rating"),
    ("risk_rating", "Risk rating"),
    ("cost_rating", "Cost rating"),
];

/// The form's label of the field `name` ([`FIELD_LABELS`]); the name itself when it has none.
pub fn field_label(name: &str) -> &str {
    FIELD_LABELS
        .iter()
        .find(|(k, _)| *k == name)
        .map_or(name, |(_, label)| label)
}

/// An entry of [`Gate::missing_fields`] in the form's words: "hypotheses[1].deferred_reason" →
/// "Hypothesis #1: Deferred because", "evidence (of the previous run)" → "Evidence of the
/// previous run"; other text stays.
pub fn missing_in_words(entry: &str) -> String {
    if entry == "evidence (of the previous run)" {
        return field_label("evidence").to_string();
    }
    if let Some(rest) = entry.strip_prefix("hypotheses[") {
        if let Some((i, rest)) = rest.split_once("].") {
            let (name, tail) = rest.split_once(' ').map_or((rest, ""), |(n, t)| (n, t));
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!(" {tail}")
            };
            return format!("Hypothesis #{i}: {}{tail}", field_label(name));
        }
    }
    let (head, tail) = entry.split_once(' ').map_or((entry, ""), |(h, t)| (h, t));
    match FIELD_LABELS.iter().find(|(k, _)| *k == head) {
        Some((_, label)) if tail.is_empty() => (*label).to_string(),
        Some((_, label)) => format!("{label} {tail}"),
        None => entry.to_string(),
    }
}

impl Hypothesis {
    /// Missing fields of this hypothesis, as `hypotheses[i].<field>`.
    fn missing_fields(&self, i: usize, out: &mut Vec<String>) {
        let texts = [
            ("statement", &self.statement),
            ("recommendation", &self.recommendation),
            ("upside", &self.upside),
            ("downside", &self.downside),
            ("false_positive_risk", &self.false_positive_risk),
            ("runtime_cost", &self.runtime_cost),
        ];
        for (name, value) in texts {
            if blank(value) {
                out.push(format!("hypotheses[{i}].{name}"));
            }
        }
        let ratings = [
            ("upside_rating", self.upside_rating),
            ("risk_rating", self.risk_rating),
            ("cost_rating", self.cost_rating),
        ];
        for (name, value) in ratings {
            match value {
                1..=5 => {}
                0 => out.push(format!("hypotheses[{i}].{name}")),
                v => out.push(format!("hypotheses[{i}].{name} (must be 1 to 5, have {v})")),
            }
        }
    }
}

impl Gate {
    /// An empty gate with three empty hypotheses, created now.
    pub fn template() -> Self {
        Self {
            hypotheses: vec![Hypothesis::default(); MIN_HYPOTHESES],
            created: crate::run::now_rfc3339(),
            ..Self::default()
        }
    }

    /// Every field still missing, in words: "failure_mode", "at least 3 hypotheses (have 2)",
    /// "hypotheses[2].recommendation", "chosen", "justification", "hypotheses[1].deferred_reason", …
    pub fn missing_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        if blank(&self.failure_mode) {
            out.push("failure_mode".to_string());
        }
        if self.hypotheses.len() < MIN_HYPOTHESES {
            out.push(format!(
                "at least {MIN_HYPOTHESES} hypotheses (have {})",
                self.hypotheses.len()
            ));
        }
        for (i, h) in self.hypotheses.iter().enumerate() {
            h.missing_fields(i, &mut out);
        }
        match self.chosen {
            None => out.push("chosen".to_string()),
            Some(c) if c >= self.hypotheses.len() => {
                out.push(format!(
                    "chosen (index {c}, but there are {} hypotheses)",
                    self.hypotheses.len()
                ));
            }
            Some(c) => self.missing_deferrals(c, &mut out),
        }
        if blank(&self.justification) {
            out.push("justification".to_string());
        }
        if self.carried_over_from.is_some() {
            self.missing_revisits(&mut out);
        }
        out
    }

    /// A gate that follows another: the evidence, a note on each carried-over hypothesis, and at
    /// least [`MIN_REVISITED`] revisited hypotheses.
    fn missing_revisits(&self, out: &mut Vec<String>) {
        if blank(&self.evidence) {
            out.push("evidence (of the previous run)".to_string());
        }
        for (i, h) in self.hypotheses.iter().enumerate() {
            if h.carried_from.is_some() && blank(&h.revisit_note) {
                out.push(format!("hypotheses[{i}].revisit_note"));
            }
        }
        let revisited = self.revisited_count();
        if revisited < MIN_REVISITED {
            out.push(format!(
                "revisit at least {MIN_REVISITED} hypotheses, carried over (with a revisit_note) or new \
                 (have {revisited})"
            ));
        }
    }

    /// Hypotheses that are new in this gate, or carried over with a revisit note.
    pub fn revisited_count(&self) -> usize {
        self.hypotheses
            .iter()
            .filter(|h| h.carried_from.is_none() || !blank(&h.revisit_note))
            .count()
    }

    /// A new gate that follows `previous` (read from `previous_path`): its failure mode and
    /// hypotheses carried over (each with `carried_from`, ratings and tradeoffs kept, decisions
    /// cleared), nothing chosen yet; `evidence` pre-fills what the previous run showed.
    pub fn carry_over(
        previous: &Gate,
        previous_path: &Path,
        previous_run: Option<&Path>,
        evidence: String,
    ) -> Self {
        let hypotheses = previous
            .hypotheses
            .iter()
            .enumerate()
            .map(|(i, h)| Hypothesis {
                carried_from: Some(i),
                deferred_reason: String::new(),
                revisit_note: String::new(),
                ..h.clone()
            })
            .collect();
        Self {
            failure_mode: previous.failure_mode.clone(),
            hypotheses,
            chosen: None,
            justification: String::new(),
            carried_over_from: Some(previous_path.display().to_string()),
            previous_run: previous_run.map(|p| p.display().to_string()),
            evidence,
            created: crate::run::now_rfc3339(),
            card: previous.card.clone(),
            experiment: previous.experiment.clone(),
        }
    }

    /// One row per hypothesis, in [`GATE_TABLE_HEADERS`] order: ratings beside their text,
    /// "chosen: <justification>" or "deferred: <reason>".
    pub fn table_rows(&self) -> Vec<[String; 9]> {
        self.hypotheses
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let rated = |text: &str, r: u8| {
                    if r == 0 {
                        text.to_string()
                    } else {
                        format!("{text} ({r}/5)")
                    }
                };
                let decision = if self.chosen == Some(i) {
                    format!("chosen: {}", self.justification)
                } else if blank(&h.deferred_reason) {
                    String::new()
                } else {
                    format!("deferred: {}", h.deferred_reason)
                };
                [
                    i.to_string(),
                    h.statement.clone(),
                    h.recommendation.clone(),
                    rated(&h.upside, h.upside_rating),
                    h.downside.clone(),
                    rated(&h.false_positive_risk, h.risk_rating),
                    rated(&h.runtime_cost, h.cost_rating),
                    decision,
                    h.carried_from.map_or_else(String::new, |c| format!("#{c}")),
                ]
            })
            .collect()
    }

    fn missing_deferrals(&self, chosen: usize, out: &mut Vec<String>) {
        for (i, h) in self.hypotheses.iter().enumerate() {
            if i != chosen && blank(&h.deferred_reason) {
                out.push(format!("hypotheses[{i}].deferred_reason"));
            }
        }
    }

    /// True when nothing is missing.
    pub fn is_complete(&self) -> bool {
        self.missing_fields().is_empty()
    }

    /// The chosen hypothesis, when `chosen` is a valid index.
    pub fn chosen_hypothesis(&self) -> Option<&Hypothesis> {
        self.hypotheses.get(self.chosen?)
    }

    /// Reads a gate; errors name the file (missing, or not JSON with line and column).
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| StorageError::invalid(path, format!("not a valid gate: {e}")))
    }

    /// Writes the gate as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| StorageError::invalid(path, format!("cannot encode gate: {e}")))?;
        write_atomic(path, &json)
    }
}

/// A free path `gates/<ts>.<slug>.json` for a new gate (`-2`, `-3`, … added when taken).
pub fn new_gate_path(gates_dir: &Path, title: &str) -> PathBuf {
    let base = format!(
        "{}.{}",
        crate::workspace::timestamp_now(),
        crate::workspace::slugify(title)
    );
    let mut n = 1u32;
    loop {
        let name = if n == 1 {
            format!("{base}.json")
        } else {
            format!("{base}-{n}.json")
        };
        let path = gates_dir.join(name);
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}

/// The `*.json` files of `gates_dir`, sorted by name (so by creation time); empty when missing.
pub fn list_gates(gates_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(gates_dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

/// The latest run of `runs_dir` whose run.json records the gate at `gate_path` (compared as
/// absolute paths), if any.
pub fn run_of_gate(runs_dir: &Path, gate_path: &Path) -> Option<PathBuf> {
    let want = std::path::absolute(gate_path).ok()?;
    let mut runs: Vec<PathBuf> = std::fs::read_dir(runs_dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    runs.sort();
    runs.into_iter().rev().find(|r| {
        crate::run::RunManifest::read(&r.join("run.json"))
            .ok()
            .and_then(|m| m.gate)
            .and_then(|g| std::path::absolute(Path::new(&g)).ok())
            .is_some_and(|g| g == want)
    })
}

/// The evidence of a run in words, from its files: its status, its last checkpoint's planning
/// metrics, and its outcome against `criteria`, e.g. "run 2025-…x (completed), step 6: num_nodes_h=12,
/// reach_h_median=0.412, …; FAILURE: at step 6: reach_h_median 0.412 (below acceptable)".
pub fn run_evidence(
    run_dir: &Path,
    criteria: &crate::success_criteria::SuccessCriteria,
) -> Result<String> {
    let paths = crate::run::RunPaths::new(run_dir);
    let manifest = crate::run::RunManifest::read(&paths.manifest())?;
    let mut rows: Vec<crate::metrics::PlanningRow> = if crate::files::present(&paths.planning_csv())
    {
        crate::metrics::read_csv(&paths.planning_csv())?
    } else {
        Vec::new()
    };
    rows.sort_by_key(|r| r.step);
    let name = run_dir.file_name().map_or_else(
        || run_dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let status = format!("{:?}", manifest.status).to_lowercase();
    let Some(last) = rows.last() else {
        return Ok(format!(
            "run {name} ({status}): no checkpoint was evaluated"
        ));
    };
    let f = crate::success_criteria::fmt_num;
    let judged = criteria.judge_run(&rows);
    let metrics: Vec<String> = crate::planning_metrics::shown(crate::planning_metrics::Shown::Key)
        .map(|m| format!("{}={}", m.key, f(m.of(last))))
        .collect();
    Ok(format!(
        "run {name} ({status}), step {}: {}; {}: {}",
        last.step,
        metrics.join(", "),
        judged.outcome(),
        judged.reason
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(tag: &str) -> Hypothesis {
        Hypothesis {
            statement: format!("{tag} causes collapse"),
            recommendation: format!("change {tag}"),
            upside: "graph connects".into(),
            downside: "slower".into(),
            false_positive_risk: "low".into(),
            runtime_cost: "1 h CPU".into(),
            upside_rating: 4,
            risk_rating: 2,
            cost_rating: 1,
            deferred_reason: String::new(),
            carried_from: None,
            revisit_note: String::new(),
        }
    }

    fn complete() -> Gate {
        let mut hs = vec![filled("a"), filled("b"), filled("c")];
        hs[0].deferred_reason = "later".into();
        hs[2].deferred_reason = "costly".into();
        Gate {
            failure_mode: "h-graph disconnected".into(),
            hypotheses: hs,
            chosen: Some(1),
            justification: "cheapest test".into(),
            carried_over_from: None,
            previous_run: None,
            evidence: String::new(),
            created: "2025-01-01T00:00:00+00:00".into(),
            card: None,
            experiment: None,
        }
    }

    #[test]
    fn invisible_texts_are_blank() {
        for text in [
            "",
            " \t\n",
            "\u{0}",
            "\u{200B}",
            "\u{FEFF}\u{00A0}\u{3000}",
            "\u{7}\u{2060}",
        ] {
            assert!(blank(text), "{text:?}");
        }
        for text in ["a", "\u{200B}x", "é", "🙂"] {
            assert!(!blank(text), "{text:?}");
        }
        let mut g = complete();
        g.hypotheses[1].recommendation = "\u{200B}".into();
        g.justification = "\u{0}".into();
        let missing = g.missing_fields();
        assert!(
            missing.contains(&"hypotheses[1].recommendation".to_string())
                && missing.contains(&"justification".to_string()),
            "{missing:?}"
        );
    }

    #[test]
    fn complete_gate_has_nothing_missing() {
        let g = complete();
        assert!(g.is_complete(), "{:?}", g.missing_fields());
        assert_eq!(g.chosen_hypothesis().unwrap().recommendation, "change b");
    }

    #[test]
    fn template_lists_every_missing_field() {
        let m = Gate::template().missing_fields();
        assert_eq!(m.len(), 1 + 3 * 9 + 2, "{m:?}");
        assert_eq!(m[0], "failure_mode");
        assert!(m.contains(&"hypotheses[2].recommendation".to_string()));
        assert!(m.contains(&"hypotheses[0].cost_rating".to_string()));
        assert_eq!(&m[m.len() - 2..], ["chosen", "justification"]);
    }

    #[test]
    fn too_few_hypotheses_deferrals_and_ratings() {
        let mut g = complete();
        g.hypotheses.truncate(2);
        g.hypotheses[0].deferred_reason.clear();
        g.hypotheses[1].risk_rating = 9;
        g.justification = "  ".into();
        assert_eq!(
            g.missing_fields(),
            vec![
                "at least 3 hypotheses (have 2)",
                "hypotheses[1].risk_rating (must be 1 to 5, have 9)",
                "hypotheses[0].deferred_reason",
                "justification",
            ]
        );
        g.chosen = Some(7);
        assert!(g
            .missing_fields()
            .contains(&"chosen (index 7, but there are 2 hypotheses)".to_string()));
    }

    #[test]
    fn read_write_roundtrip_and_errors_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("g.json");
        complete().write(&path).unwrap();
        assert_eq!(Gate::read(&path).unwrap(), complete());
        std::fs::write(&path, r#"{"failure_mode": "x"}"#).unwrap();
        let g = Gate::read(&path).unwrap();
        assert_eq!(
            (g.failure_mode.as_str(), g.hypotheses.len(), g.chosen),
            ("x", 0, None)
        );
        std::fs::write(&path, "{\n  \"chosen\": \"one\"\n}").unwrap();
        let e = Gate::read(&path).unwrap_err().to_string();
        assert!(e.contains("g.json") && e.contains("line 2 column"), "{e}");
        let e = Gate::read(&tmp.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("none.json"), "{e}");
    }

    #[test]
    fn a_following_gate_must_revisit_three_hypotheses() {
        let prev = complete();
        let mut g = Gate::carry_over(
            &prev,
            Path::new("gates/a.json"),
            Some(Path::new("runs/r")),
            String::new(),
        );
        assert_eq!(g.carried_over_from.as_deref(), Some("gates/a.json"));
        assert_eq!(g.previous_run.as_deref(), Some("runs/r"));
        assert_eq!(g.hypotheses.len(), 3);
        assert_eq!(g.hypotheses[2].carried_from, Some(2));
        assert_eq!(g.hypotheses[2].recommendation, "change c");
        assert!(g.hypotheses.iter().all(|h| h.deferred_reason.is_empty()));
        assert_eq!(g.chosen, None);
        g.chosen = Some(0);
        g.justification = "j".into();
        g.hypotheses[1].deferred_reason = "d".into();
        g.hypotheses[2].deferred_reason = "d".into();
        assert_eq!(
            g.missing_fields(),
            vec![
                "evidence (of the previous run)",
                "hypotheses[0].revisit_note",
                "hypotheses[1].revisit_note",
                "hypotheses[2].revisit_note",
                "revisit at least 3 hypotheses, carried over (with a revisit_note) or new (have 0)",
            ]
        );
        g.evidence = "reach 0.1".into();
        g.hypotheses[0].revisit_note = "refuted".into();
        // A new hypothesis counts as revisited; an un-noted carried one does not.
        g.hypotheses[1] = filled("new");
        g.hypotheses[1].deferred_reason = "d".into();
        assert_eq!(g.revisited_count(), 2);
        assert_eq!(
            g.missing_fields(),
            vec![
                "hypotheses[2].revisit_note",
                "revisit at least 3 hypotheses, carried over (with a revisit_note) or new (have 2)",
            ]
        );
        g.hypotheses[2].revisit_note = "still open".into();
        assert!(g.is_complete(), "{:?}", g.missing_fields());
        let rows = g.table_rows();
        assert_eq!(rows[0][7], "chosen: j");
        assert_eq!(rows[2][7], "deferred: d");
        assert_eq!(rows[2][8], "#2");
        assert_eq!(rows[1][3], "graph connects (4/5)");
    }

    #[test]
    fn gate_paths_are_unique_and_listed_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let a = new_gate_path(tmp.path(), "Fix Collapse");
        assert!(a
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with(".fix-collapse.json"));
        complete().write(&a).unwrap();
        let b = new_gate_path(tmp.path(), "Fix Collapse");
        assert_ne!(a, b);
        complete().write(&b).unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "").unwrap();
        assert_eq!(list_gates(tmp.path()).len(), 2);
    }

    #[test]
    fn missing_fields_read_in_the_forms_words() {
        assert_eq!(
            missing_in_words("hypotheses[1].deferred_reason"),
            "Hypothesis #1: Deferred because"
        );
        assert_eq!(
            missing_in_words("hypotheses[0].risk_rating (must be 1 to 5, have 7)"),
            "Hypothesis #0: Risk rating (must be 1 to 5, have 7)"
        );
        assert_eq!(missing_in_words("failure_mode"), "Failure mode");
        assert_eq!(
            missing_in_words("evidence (of the previous run)"),
            "Evidence of the previous run"
        );
        assert_eq!(
            missing_in_words("chosen (index 5, but there are 3 hypotheses)"),
            "Chosen hypothesis (index 5, but there are 3 hypotheses)"
        );
        assert_eq!(
            missing_in_words("at least 3 hypotheses (have 2)"),
            "at least 3 hypotheses (have 2)"
        );
    }
}
