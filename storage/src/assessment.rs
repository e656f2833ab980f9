//! The assessment scorecard, after the researchers' viewer's assessment page: each diagnostic of
//! the registry ([`Shown::Scorecard`]) judged Good, Ok or Bad against two thresholds — for a
//! metric where lower is better, Good when `value ≤ good`, Ok when `value ≤ ok`, else Bad (and the
//! other way round where higher is better); a missing value is Unknown; a metric without
//! thresholds (h_L, whose scale is the model's) is shown unjudged.
//!
//! Thresholds come from `[assessment]` of `worldbench.toml`, one inline table per metric key,
//! replacing that metric's defaults ([`DEFAULTS`]):
//!
//! ```toml
//! [assessment]
//! h_inv_lr = { good = 0.05, ok = 0.15 }
//! ```

use std::path::Path;

use crate::error::{Result, StorageError};
use crate::metrics::PlanningRow;
use crate::planning_metrics::{self, PlanningMetric, Shown};

/// Good and Ok thresholds of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub good: f64,
    pub ok: f64,
}

/// A scorecard verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Verdict {
    Good,
    Ok,
    Bad,
    /// No value, or no thresholds.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "Good",
            Self::Ok => "Ok",
            Self::Bad => "Bad",
            Self::Unknown => "-",
        }
    }
}

/// The default thresholds (README, "Their diagnostics"). Theirs where their page judges the same
/// idea (inverse moves cancelling: their cycle error's 0.1 / 0.2; spread: their 0.2 / 0.4); ours
/// for the graph diagnostics, with K = 10 (a mean in-degree of exactly K).
pub const DEFAULTS: [(&str, Band); 13] = [
    ("h_inv_lr", Band { good: 0.1, ok: 0.2 }),
    ("h_inv_ud", Band { good: 0.1, ok: 0.2 }),
    ("h_noop_ratio", Band { good: 0.1, ok: 0.2 }),
    ("h_q_L", Band { good: 0.2, ok: 0.4 }),
    ("h_q_R", Band { good: 0.2, ok: 0.4 }),
    ("h_q_U", Band { good: 0.2, ok: 0.4 }),
    ("h_q_D", Band { good: 0.2, ok: 0.4 }),
    ("h_hit1_at_k", Band { good: 0.7, ok: 0.5 }),
    ("h_hit2_at_k", Band { good: 0.6, ok: 0.4 }),
    ("h_mutual_rate", Band { good: 0.5, ok: 0.3 }),
    (
        "h_median_neff1",
        Band {
            good: 5.0,
            ok: 10.0,
        },
    ),
    (
        "h_max_in_degree",
        Band {
            good: 40.0,
            ok: 80.0,
        },
    ),
    (
        "h_top1pct_mean_in_degree",
        Band {
            good: 30.0,
            ok: 50.0,
        },
    ),
];

/// The thresholds of every scorecard metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    bands: Vec<(&'static PlanningMetric, Option<Band>)>,
}

/// One line of a scorecard.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreLine {
    pub key: &'static str,
    pub label: &'static str,
    /// `None` when the row has no value.
    pub value: Option<f64>,
    /// The value as tables write it ("-" when none).
    pub text: String,
    pub verdict: Verdict,
    /// "Good ≤ 0.100, Ok ≤ 0.200", or "" without thresholds.
    pub thresholds: String,
}

impl Default for Assessment {
    fn default() -> Self {
        let bands = planning_metrics::all()
            .iter()
            .filter(|m| m.shown == Shown::Scorecard)
            .map(|m| (m, DEFAULTS.iter().find(|(k, _)| *k == m.key).map(|d| d.1)))
            .collect();
        Self { bands }
    }
}

fn judge(m: &PlanningMetric, band: Band, v: f64) -> Verdict {
    let within = |t: f64| if m.higher_is_better { v >= t } else { v <= t };
    if within(band.good) {
        Verdict::Good
    } else if within(band.ok) {
        Verdict::Ok
    } else {
        Verdict::Bad
    }
}

impl Assessment {
    /// Reads `[assessment]` of `worldbench.toml`; a missing file or table means the defaults.
    /// Errors name the file and the key.
    pub fn read(config_path: &Path) -> Result<Self> {
        match std::fs::read_to_string(config_path) {
            Ok(text) => Self::parse(&text).map_err(|p| StorageError::invalid(config_path, p)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(StorageError::io(config_path, e)),
        }
    }

    /// Parses the text of `worldbench.toml`; the error names the key.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| format!("not valid TOML: {e}"))?;
        let mut out = Self::default();
        let Some(table) = doc.get("assessment") else {
            return Ok(out);
        };
        let table = table
            .as_table()
            .ok_or("[assessment] must be a table of metrics")?;
        for (key, value) in table {
            let slot = out
                .bands
                .iter_mut()
                .find(|(m, _)| m.key == key)
                .ok_or_else(|| {
                    let valid: Vec<&str> =
                        Self::default().bands.iter().map(|(m, _)| m.key).collect();
                    format!(
                        "[assessment] {key}: not a scorecard metric; use one of {}",
                        valid.join(", ")
                    )
                })?;
            let t = value.as_table().ok_or_else(|| {
                format!("[assessment] {key}: expected {{ good = …, ok = … }}, got {value}")
            })?;
            let num = |name: &str| -> std::result::Result<f64, String> {
                let v = t
                    .get(name)
                    .ok_or_else(|| format!("[assessment] {key}: missing {name}"))?;
                v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("[assessment] {key}.{name}: expected a number, got {v}"))
            };
            if let Some(other) = t.keys().find(|k| *k != "good" && *k != "ok") {
                return Err(format!(
                    "[assessment] {key}.{other}: unknown; give good and ok"
                ));
            }
            let band = Band {
                good: num("good")?,
                ok: num("ok")?,
            };
            let m = slot.0;
            let ordered = if m.higher_is_better {
                band.good >= band.ok
            } else {
                band.good <= band.ok
            };
            if !ordered {
                return Err(format!(
                    "[assessment] {key}: good = {} must be {} ok = {} ({} is better)",
                    band.good,
                    if m.higher_is_better { "≥" } else { "≤" },
                    band.ok,
                    if m.higher_is_better {
                        "higher"
                    } else {
                        "lower"
                    }
                ));
            }
            slot.1 = Some(band);
        }
        Ok(out)
    }

    /// The thresholds of `key`, if it is a scorecard metric with thresholds.
    pub fn band(&self, key: &str) -> Option<Band> {
        self.bands.iter().find(|(m, _)| m.key == key)?.1
    }

    /// The scorecard of `row`, in registry order.
    pub fn scorecard(&self, row: &PlanningRow) -> Vec<ScoreLine> {
        self.bands
            .iter()
            .map(|&(m, band)| {
                let v = m.of(row);
                let value = v.is_finite().then_some(v);
                let (op_good, op_ok) = if m.higher_is_better {
                    ("≥", "≥")
                } else {
                    ("≤", "≤")
                };
                ScoreLine {
                    key: m.key,
                    label: m.label,
                    value,
                    text: m.text(row),
                    verdict: match (value, band) {
                        (Some(v), Some(b)) => judge(m, b, v),
                        _ => Verdict::Unknown,
                    },
                    thresholds: band.map_or_else(String::new, |b| {
                        format!("Good {op_good} {:.3}, Ok {op_ok} {:.3}", b.good, b.ok)
                    }),
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row() -> PlanningRow {
        PlanningRow {
            h_l: Some(0.3),
            h_inv_lr: Some(0.05),
            h_inv_ud: Some(0.15),
            h_noop_ratio: Some(0.5),
            h_hit1_at_k: Some(0.8),
            h_hit2_at_k: Some(0.45),
            h_mutual_rate: Some(0.1),
            ..PlanningRow::default()
        }
    }

    fn verdict(lines: &[ScoreLine], key: &str) -> Verdict {
        lines.iter().find(|l| l.key == key).unwrap().verdict
    }

    #[test]
    fn defaults_judge_each_direction_and_leave_missing_values_unknown() {
        let a = Assessment::default();
        let lines = a.scorecard(&row());
        assert_eq!(lines.len(), 14, "every scorecard metric of the registry");
        assert_eq!(verdict(&lines, "h_inv_lr"), Verdict::Good);
        assert_eq!(verdict(&lines, "h_inv_ud"), Verdict::Ok);
        assert_eq!(verdict(&lines, "h_noop_ratio"), Verdict::Bad);
        assert_eq!(verdict(&lines, "h_hit1_at_k"), Verdict::Good);
        assert_eq!(verdict(&lines, "h_hit2_at_k"), Verdict::Ok);
        assert_eq!(verdict(&lines, "h_mutual_rate"), Verdict::Bad);
        // No value: unknown; no thresholds (h_L): unknown with its value shown.
        assert_eq!(verdict(&lines, "h_q_L"), Verdict::Unknown);
        let l = lines.iter().find(|l| l.key == "h_L").unwrap();
        assert_eq!(
            (l.verdict, l.text.as_str(), l.thresholds.as_str()),
            (Verdict::Unknown, "0.3000", "")
        );
        let inv = lines.iter().find(|l| l.key == "h_inv_lr").unwrap();
        assert_eq!(inv.thresholds, "Good ≤ 0.100, Ok ≤ 0.200");
        // Every default names a scorecard metric.
        for (k, _) in DEFAULTS {
            assert!(a.band(k).is_some(), "{k}");
        }
    }

    #[test]
    fn the_file_replaces_a_metrics_thresholds_and_bad_keys_are_named() {
        let a = Assessment::parse(
            "[success]\nreach_h_median_min = 0.9\n[assessment]\nh_inv_lr = { good = 0.01, ok = 0.02 }\nh_hit1_at_k = { good = 1, ok = 0.9 }\n",
        )
        .unwrap();
        assert_eq!(
            a.band("h_inv_lr"),
            Some(Band {
                good: 0.01,
                ok: 0.02
            })
        );
        let lines = a.scorecard(&row());
        assert_eq!(verdict(&lines, "h_inv_lr"), Verdict::Bad);
        assert_eq!(verdict(&lines, "h_hit1_at_k"), Verdict::Bad);
        assert_eq!(
            verdict(&lines, "h_inv_ud"),
            Verdict::Ok,
            "others keep their defaults"
        );
        assert_eq!(
            Assessment::parse("[launch]\n").unwrap(),
            Assessment::default()
        );

        for (text, needle) in [
            (
                "[assessment]\nreach = { good = 1, ok = 0 }\n",
                "reach: not a scorecard metric",
            ),
            (
                "[assessment]\nh_inv_lr = 0.1\n",
                "h_inv_lr: expected { good",
            ),
            (
                "[assessment]\nh_inv_lr = { good = 0.1 }\n",
                "h_inv_lr: missing ok",
            ),
            (
                "[assessment]\nh_inv_lr = { good = \"a\", ok = 1 }\n",
                "h_inv_lr.good: expected a number",
            ),
            (
                "[assessment]\nh_inv_lr = { good = 0.3, ok = 0.2 }\n",
                "must be ≤ ok",
            ),
            (
                "[assessment]\nh_hit1_at_k = { good = 0.3, ok = 0.5 }\n",
                "must be ≥ ok",
            ),
            (
                "[assessment]\nh_inv_lr = { good = 0.1, ok = 0.2, bad = 1 }\n",
                "h_inv_lr.bad: unknown",
            ),
            ("assessment = 3\n", "must be a table"),
            ("[assessment\n", "not valid TOML"),
        ] {
            let e = Assessment::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("worldbench.toml");
        assert_eq!(Assessment::read(&path).unwrap(), Assessment::default());
        std::fs::write(&path, "[assessment]\nh_inv_lr = 1\n").unwrap();
        let e = Assessment::read(&path).unwrap_err().to_string();
        assert!(
            e.contains("worldbench.toml") && e.contains("h_inv_lr"),
            "{e}"
        );
    }
}
