//! Metric rows: `metrics/train.csv` and `metrics/planning_metrics.csv` (DESIGN.md, metric contract).
//! Column names are the serde field names, in this order.

use serde::{Deserialize, Serialize};

mod append;
mod planning_file;

pub use append::{read_csv_whole_lines, CsvAppender};
pub use planning_file::{merge_planning_rows, update_planning_row};

/// One row of `metrics/planning_metrics.csv`: the planning evaluation of one checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanningRow {
    pub step: u64,
    pub num_nodes_h: u64,
    pub num_edges_h: u64,
    pub reach_h_median: f64,
    pub reach_h_p10: f64,
    pub reach_h_p90: f64,
    pub h_local_success: f64,
    /// 1 or 0.
    pub test1_success: u8,
    pub test1_steps: u64,
    pub test2_success: u8,
    pub test2_steps: u64,
    pub merge_radius: f64,
    pub eval_secs: f64,
    /// Metrics against the world (README, "Metrics against the world"); empty when the data has no
    /// tiles, and absent from files written before them.
    #[serde(default)]
    pub node_purity: Option<f64>,
    #[serde(default)]
    pub tiles_per_node: Option<f64>,
    #[serde(default)]
    pub nodes_per_tile: Option<f64>,
    #[serde(default)]
    pub path_agreement: Option<f64>,
    /// The researchers' diagnostics of h under their names (README, "Their diagnostics"): the
    /// action-delta statistics, empty when a move has too few transitions, and the graph
    /// diagnostics, empty when no episode is long enough; absent from files written before them.
    #[serde(default, rename = "h_L")]
    pub h_l: Option<f64>,
    #[serde(default)]
    pub h_inv_lr: Option<f64>,
    #[serde(default)]
    pub h_inv_ud: Option<f64>,
    #[serde(default)]
    pub h_noop_ratio: Option<f64>,
    #[serde(default, rename = "h_q_L")]
    pub h_q_l: Option<f64>,
    #[serde(default, rename = "h_q_R")]
    pub h_q_r: Option<f64>,
    #[serde(default, rename = "h_q_U")]
    pub h_q_u: Option<f64>,
    #[serde(default, rename = "h_q_D")]
    pub h_q_d: Option<f64>,
    #[serde(default)]
    pub h_hit1_at_k: Option<f64>,
    #[serde(default)]
    pub h_hit2_at_k: Option<f64>,
    #[serde(default)]
    pub h_mutual_rate: Option<f64>,
    #[serde(default)]
    pub h_median_neff1: Option<f64>,
    #[serde(default)]
    pub h_max_in_degree: Option<f64>,
    #[serde(default)]
    pub h_top1pct_mean_in_degree: Option<f64>,
    /// Per planner (README, "Planners"): the share of random pairs it reached, of long pairs, and
    /// the mean final latent distance to the goal; empty when that planner was not evaluated, and
    /// absent from files written before them.
    #[serde(default)]
    pub graph_success: Option<f64>,
    #[serde(default)]
    pub graph_long_success: Option<f64>,
    #[serde(default)]
    pub graph_final_distance: Option<f64>,
    #[serde(default)]
    pub lattice_success: Option<f64>,
    #[serde(default)]
    pub lattice_long_success: Option<f64>,
    #[serde(default)]
    pub lattice_final_distance: Option<f64>,
    #[serde(default)]
    pub mpc_success: Option<f64>,
    #[serde(default)]
    pub mpc_long_success: Option<f64>,
    #[serde(default)]
    pub mpc_final_distance: Option<f64>,
}

/// One planner's columns of a [`PlanningRow`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlannerColumns {
    pub success: Option<f64>,
    pub long_success: Option<f64>,
    pub final_distance: Option<f64>,
}

impl PlanningRow {
    /// Sets the columns of `planner` (`graph`, `lattice` or `mpc`, see
    /// [`crate::planning_metrics::PLANNERS`]); `false` for another name.
    pub fn set_planner(&mut self, planner: &str, c: PlannerColumns) -> bool {
        let fields = match planner {
            "graph" => [
                &mut self.graph_success,
                &mut self.graph_long_success,
                &mut self.graph_final_distance,
            ],
            "lattice" => [
                &mut self.lattice_success,
                &mut self.lattice_long_success,
                &mut self.lattice_final_distance,
            ],
            "mpc" => [
                &mut self.mpc_success,
                &mut self.mpc_long_success,
                &mut self.mpc_final_distance,
            ],
            _ => return false,
        };
        let [s, l, d] = fields;
        (*s, *l, *d) = (c.success, c.long_success, c.final_distance);
        true
    }
}

/// One row of `metrics/train.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRow {
    pub step: u64,
    pub wall_s: f64,
    pub loss: f64,
    pub loss_pred: f64,
    pub loss_var: f64,
    pub loss_cov: f64,
    pub lr: f64,
    /// Mean over dimensions of the per-dimension standard deviation of h in the batch.
    pub h_std: f64,
    /// Mean L2 norm of h in the batch.
    pub h_norm: f64,
    pub steps_per_s: f64,
}

/// Writes `rows` as CSV (header from the serde field names, then one line per row) atomically.
/// Floats are written in plain decimal (shortest round-trip digits, never exponent notation), which
/// pandas reads exactly.
pub fn write_csv<T: Serialize>(path: &std::path::Path, rows: &[T]) -> crate::Result<()> {
    let bytes = encode_csv(path, rows, true)?;
    crate::atomic::write_atomic(path, &bytes)
}

/// The CSV text of `rows` (with the header line when `header`), as [`write_csv`] writes it.
/// `path` only names the file in errors.
pub fn encode_csv<T: Serialize>(
    path: &std::path::Path,
    rows: &[T],
    header: bool,
) -> crate::Result<Vec<u8>> {
    let bad = |e: csv::Error| crate::StorageError::invalid(path, format!("cannot encode CSV: {e}"));
    let mut w = csv::WriterBuilder::new()
        .has_headers(header)
        .from_writer(Vec::new());
    for row in rows {
        w.serialize(row).map_err(bad)?;
    }
    let raw = w.into_inner().map_err(|e| bad(e.into_error().into()))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(raw.as_slice());
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for record in r.records() {
        let record = record.map_err(bad)?;
        let fields = record
            .iter()
            .map(|f| plain_decimal(f).unwrap_or_else(|| f.to_string()));
        out.write_record(fields).map_err(bad)?;
    }
    out.into_inner().map_err(|e| bad(e.into_error().into()))
}

/// `1.25e-5` → `0.0000125`, `1e20` → `100000000000000000000.0`; `None` for anything that is not
/// a number in exponent notation.
fn plain_decimal(field: &str) -> Option<String> {
    let (mantissa, exp) = field.split_once(['e', 'E'])?;
    let exp: i64 = exp.parse().ok()?;
    let (sign, mantissa) = mantissa
        .strip_prefix('-')
        .map_or(("", mantissa), |m| ("-", m));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !ok(int) || !ok(frac) || exp.unsigned_abs() > 400 {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exp;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    Some(format!("{sign}{body}"))
}

/// Reads the rows of a CSV with a header line; errors name the file and the line.
pub fn read_csv<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> crate::Result<Vec<T>> {
    // A folder opens but reads as no rows: refuse it (and anything else not a file) by name.
    crate::files::require_regular_file(path, "file missing")?;
    let bytes = std::fs::read(path).map_err(|e| crate::StorageError::io(path, e))?;
    read_csv_bytes(path, &bytes)
}

/// Reads the rows of CSV text with a header line; `path` names the file in errors.
fn read_csv_bytes<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    bytes: &[u8],
) -> crate::Result<Vec<T>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for row in r.deserialize() {
        rows.push(row.map_err(|e| csv_error(path, &e))?);
    }
    Ok(rows)
}

fn csv_error(path: &std::path::Path, e: &csv::Error) -> crate::StorageError {
    let line = e
        .position()
        .map_or_else(String::new, |p| format!("line {}: ", p.line()));
    let what = match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    crate::StorageError::invalid(path, format!("{line}{what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(step: u64) -> PlanningRow {
        PlanningRow {
            step,
            num_nodes_h: 12,
            num_edges_h: 30,
            reach_h_median: 0.5,
            reach_h_p10: 0.125,
            reach_h_p90: 1.0,
            h_local_success: 0.75,
            test1_success: 1,
            test1_steps: 14,
            test2_success: 0,
            test2_steps: 6,
            merge_radius: 0.000_012_5,
            eval_secs: 123_456_789.5,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        }
    }

    #[test]
    fn planning_header_is_the_metric_contract() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("m/planning_metrics.csv");
        write_csv(&path, &[row(100), row(1000)]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header,
            "step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,\
             test1_success,test1_steps,test2_success,test2_steps,merge_radius,eval_secs,\
             node_purity,tiles_per_node,nodes_per_tile,path_agreement,h_L,h_inv_lr,h_inv_ud,\
             h_noop_ratio,h_q_L,h_q_R,h_q_U,h_q_D,h_hit1_at_k,h_hit2_at_k,h_mutual_rate,\
             h_median_neff1,h_max_in_degree,h_top1pct_mean_in_degree,\
             graph_success,graph_long_success,graph_final_distance,\
             lattice_success,lattice_long_success,lattice_final_distance,\
             mpc_success,mpc_long_success,mpc_final_distance"
        );
        // Plain decimals, never exponent notation.
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "100,12,30,0.5,0.125,1.0,0.75,1,14,0,6,0.0000125,123456789.5,,,,,,,,,,,,,,,,,,,,,,,,,,,"
        );
        // A file written before the metrics against the world reads them as absent.
        let old =
            "step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,\
                   test1_success,test1_steps,test2_success,test2_steps,merge_radius,eval_secs\n\
                   100,12,30,0.5,0.125,1.0,0.75,1,14,0,6,0.0000125,123456789.5\n";
        let old_path = tmp.path().join("old.csv");
        std::fs::write(&old_path, old).unwrap();
        assert_eq!(read_csv::<PlanningRow>(&old_path).unwrap(), vec![row(100)]);
        assert_eq!(
            read_csv::<PlanningRow>(&path).unwrap(),
            vec![row(100), row(1000)]
        );
    }

    #[test]
    fn bad_line_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("train.csv");
        let rows = [TrainRow {
            step: 1,
            wall_s: 0.5,
            loss: 1.0,
            loss_pred: 0.5,
            loss_var: 0.25,
            loss_cov: 0.25,
            lr: 3e-4,
            h_std: 0.9,
            h_norm: 8.0,
            steps_per_s: 10.0,
        }];
        write_csv(&path, &rows).unwrap();
        assert_eq!(read_csv::<TrainRow>(&path).unwrap(), rows);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("2,x,1,1,1,1,1,1,1,1\n");
        std::fs::write(&path, text).unwrap();
        let e = read_csv::<TrainRow>(&path).unwrap_err().to_string();
        assert!(e.contains("train.csv") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn exponents_become_plain_decimals() {
        assert_eq!(plain_decimal("1.25e-5").as_deref(), Some("0.0000125"));
        assert_eq!(plain_decimal("-3e-9").as_deref(), Some("-0.000000003"));
        assert_eq!(
            plain_decimal("1.5e20").as_deref(),
            Some("150000000000000000000.0")
        );
        assert_eq!(plain_decimal("1.2345e2").as_deref(), Some("123.45"));
        assert_eq!(plain_decimal("0.5"), None);
        assert_eq!(plain_decimal("name"), None);
        assert_eq!(plain_decimal("NaN"), None);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.csv");
        let mut r = row(1);
        r.merge_radius = 3e-9;
        r.eval_secs = 2.5e21;
        write_csv(&path, &[r.clone()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(",0.000000003,2500000000000000000000.0,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"),
            "{text}"
        );
        assert_eq!(read_csv::<PlanningRow>(&path).unwrap(), vec![r]);
    }

    #[test]
    fn empty_rows_write_an_empty_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("e.csv");
        write_csv::<TrainRow>(&path, &[]).unwrap();
        assert!(read_csv::<TrainRow>(&path).unwrap().is_empty());
    }
}
