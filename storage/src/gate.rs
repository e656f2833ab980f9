//! The hypothesis gate (`gates/<ts>.<slug>.json`): before a training attempt, at least three
//! hypotheses for the failure mode, each with a recommendation and its tradeoffs, and one chosen.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// The fewest hypotheses a complete gate holds.
pub const MIN_HYPOTHESES: usize = 3;

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
    /// RFC 3339 local time.
    pub created: String,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
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
        out
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
            created: "2025-01-01T00:00:00+00:00".into(),
        }
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
}
