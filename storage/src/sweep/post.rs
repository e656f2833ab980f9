//! The worklog post of a sweep, as Markdown: its gate, the cells' counts, each cell's mean ± std
//! over seeds (with n), the best cell with its seed spread, which parameter matters most
//! (Spearman ρ with n), the marginal means, and the plots drawn beside it.

use std::fmt::Write as _;
use std::path::Path;

use super::state::SweepState;
use super::summary::{self, Observation};
use crate::planning_metrics::PlanningMetric;
use crate::worklog::Plot;

fn params_text(params: &super::Params) -> String {
    let parts: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", summary::value_text(v)))
        .collect();
    if parts.is_empty() {
        "(base)".into()
    } else {
        parts.join(", ")
    }
}

/// The post's Markdown.
pub fn render_sweep_post(
    sweep_dir: &Path,
    state: &SweepState,
    metric: &PlanningMetric,
    obs: &[Observation],
    plots: &[Plot],
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Sweep: {}\n", state.title);
    let _ = writeln!(md, "- Sweep folder: `{}`", sweep_dir.display());
    let _ = writeln!(md, "- Kind: {}", state.kind.as_str());
    let _ = writeln!(
        md,
        "- Gate: {}",
        state
            .gate
            .as_deref()
            .map_or_else(|| "none (a smoke sweep)".to_string(), |g| format!("`{g}`"))
    );
    let [q, r, c, f, x] = state.counts();
    let _ = writeln!(
        md,
        "- Cells: {} ({c} completed, {r} running, {q} queued, {f} failed, {x} cancelled)",
        state.cells.len()
    );
    let direction = if metric.higher_is_better {
        "higher"
    } else {
        "lower"
    };
    let _ = writeln!(
        md,
        "- Metric: `{}` at each run's last checkpoint ({direction} is better)\n",
        metric.key
    );
    let cells = summary::by_cell(obs);
    if cells.is_empty() {
        md.push_str("No cell has finished with planning metrics yet.\n");
        return md;
    }
    md.push_str("## Cells\n\n| cell | seeds | n | mean | std |\n|---|---|---|---|---|\n");
    for cell in &cells {
        let seeds: Vec<String> = cell.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.4} | {:.4} |",
            params_text(&cell.params),
            seeds.join(", "),
            cell.stats.n,
            cell.stats.mean,
            cell.stats.std
        );
    }
    let best = summary::best_cells(&cells, metric.higher_is_better);
    if best.len() > 1 {
        let _ = writeln!(md, "\n**Best cells, tied ({}):**\n", best.len());
    }
    for b in &best {
        let spread: Vec<String> = obs
            .iter()
            .filter(|o| o.params == b.params)
            .map(|o| format!("seed {}: {:.4}", o.seed, o.value))
            .collect();
        let lead = if best.len() > 1 {
            "- "
        } else {
            "\n**Best cell:** "
        };
        let _ = writeln!(
            md,
            "{lead}{}: {} ({}).",
            params_text(&b.params),
            b.stats.text(),
            spread.join(", ")
        );
    }
    if !best.is_empty() {
        md.push('\n');
    }
    md.push_str("## Which parameter matters most\n\nSpearman rank correlation of each parameter with the metric over every finished run.\n\n| parameter | ρ | n |\n|---|---|---|\n");
    for i in summary::importance(obs) {
        let rho = i.rho.map_or_else(|| "–".into(), |r| format!("{r:+.3}"));
        let _ = writeln!(md, "| {} | {rho} | {} |", i.key, i.n);
    }
    md.push_str(
        "\n## Marginal means\n\n| parameter | value | mean | std | n |\n|---|---|---|---|---|\n",
    );
    for m in summary::marginals(obs) {
        for (v, s) in &m.levels {
            let _ = writeln!(
                md,
                "| {} | {} | {:.4} | {:.4} | {} |",
                m.key,
                summary::value_text(v),
                s.mean,
                s.std,
                s.n
            );
        }
    }
    md.push_str("\n## Plots\n\n");
    for p in plots {
        match &p.file {
            Some(file) => {
                let _ = writeln!(md, "### {}\n\n![{}]({file})\n", p.caption, p.caption);
            }
            None => {
                let _ = writeln!(md, "### {}\n\nNot drawn: {}\n", p.caption, p.note);
            }
        }
    }
    md
}
