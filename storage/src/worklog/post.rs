//! `post.md`: the researchers' template, filled from a [`RunData`] and a [`Draft`].

use std::fmt::Write as _;

use super::draft::Draft;
use super::export::Plot;
use super::run_data::{config_diff, RunData};
use crate::gate::GATE_TABLE_HEADERS;
use crate::planning_metrics::{self, Shown};
use crate::success_criteria::{fmt_num, RunJudgement};

/// Columns of the checkpoint results table (and `checkpoint_results.csv`): the step, then the
/// registry's key metrics (the node count and the judged metrics).
pub fn checkpoint_columns() -> Vec<&'static str> {
    std::iter::once("checkpoint_step")
        .chain(planning_metrics::shown(Shown::Key).map(|m| m.key))
        .collect()
}

/// The section headings of a post, in order.
pub const POST_SECTIONS: [&str; 8] = [
    "Objective",
    "Setup",
    "Hypothesis gate",
    "Data stats",
    "Checkpoint results",
    "Diagnosis",
    "Outcome",
    "Next changes",
];

/// Text safe inside a Markdown table cell.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn prose(out: &mut String, text: &str) {
    if text.trim().is_empty() {
        out.push_str("_(not written)_\n\n");
    } else {
        let _ = writeln!(out, "{}\n", text.trim());
    }
}

/// A command line as one shell-quoted string.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The checkpoint results of a run, one row of [`checkpoint_columns`] per checkpoint.
pub fn checkpoint_rows(run: &RunData) -> Vec<Vec<String>> {
    run.planning
        .iter()
        .map(|r| {
            std::iter::once(r.step.to_string())
                .chain(planning_metrics::shown(Shown::Key).map(|m| fmt_num(m.of(r))))
                .collect()
        })
        .collect()
}

/// Renders `post.md`. `date` is the export's local date and time; `plots` and `tables` are files
/// beside the post.
pub fn render_post(
    concept: &str,
    date: &str,
    run: &RunData,
    draft: &Draft,
    plots: &[Plot],
    tables: &[&str],
) -> String {
    let j = &run.judgement;
    let m = &run.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "# {concept}\n");
    let _ = writeln!(
        out,
        "_{date} · run `{}` (\"{}\") · outcome **{}** · status **{}** · recommendation **{}**_\n",
        run.name(),
        m.title,
        j.outcome(),
        j.status(),
        j.recommendation.as_str()
    );

    out.push_str("## Objective\n\n");
    prose(&mut out, &draft.objective);

    out.push_str("## Setup\n\n");
    setup(&mut out, run);

    out.push_str("## Hypothesis gate\n\n");
    gate(&mut out, run);

    out.push_str("## Data stats\n\n");
    data_stats(&mut out, run);

    out.push_str("## Checkpoint results\n\n");
    checkpoint_results(&mut out, run, plots, tables);

    out.push_str("## Diagnosis\n\n");
    prose(&mut out, &draft.diagnosis);

    out.push_str("## Outcome\n\n");
    outcome(&mut out, j);

    out.push_str("## Next changes\n\n");
    prose(&mut out, &draft.next_changes);
    out
}

fn setup(out: &mut String, run: &RunData) {
    let m = &run.manifest;
    let _ = writeln!(
        out,
        "- Dataset: `{}` (hash `{}`)",
        m.dataset_path, m.dataset_hash
    );
    let _ = writeln!(
        out,
        "- Run: `{}` · kind {:?} · device {} · seed {} · started {} · finished {} · run status {:?}",
        run.paths.root.display(),
        m.kind,
        m.device,
        m.seed,
        m.started,
        m.finished.as_deref().unwrap_or("–"),
        m.status
    );
    let _ = writeln!(
        out,
        "- Build: worldbench {} · git commit {}",
        m.app_version,
        m.git_commit.as_deref().unwrap_or("–")
    );
    super::history::stops_and_resumes(out, run);
    let _ = writeln!(out, "\nCommand:\n\n```sh\n{}\n```\n", shell_join(&m.argv));
    let config = serde_json::to_string_pretty(&m.config).unwrap_or_default();
    let _ = writeln!(out, "Config:\n\n```json\n{config}\n```\n");
    match &run.previous {
        None => out.push_str(
            "Diff to the previous attempt: none (no earlier run on this dataset in this workspace).\n\n",
        ),
        Some((dir, prev)) => {
            let name = dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let which = format!(
                "the previous {} on this dataset, `{name}` (“{}”, started {})",
                if prev.kind == crate::run::RunKind::Attempt {
                    "attempt"
                } else {
                    "run (a smoke run: no earlier attempt)"
                },
                prev.title,
                crate::run::short_time(&prev.started)
            );
            let diff = config_diff(&prev.config.to_json(), &m.config.to_json());
            if diff.is_empty() {
                let _ = writeln!(out, "Diff to {which}: the config is the same.\n");
            } else {
                let _ = writeln!(out, "Diff to {which}:\n");
                let rows: Vec<Vec<String>> =
                    diff.into_iter().map(|(k, a, b)| vec![k, a, b]).collect();
                table(out, &["key", "previous", "this run"], &rows);
            }
        }
    }
}

fn gate(out: &mut String, run: &RunData) {
    if let Some(t) = &run.manifest.ticket {
        let approval = t.approval.as_ref().map_or_else(String::new, |a| {
            format!(
                " · deep change approved by {} on {} ({})",
                a.by, a.when, a.note
            )
        });
        let _ = writeln!(
            out,
            "Ticket: [{}](../../tickets/{}.toml){approval}\n",
            t.id, t.id
        );
    }
    match &run.gate {
        Err(why) => {
            let _ = writeln!(out, "Gate: {why}.\n");
        }
        Ok((path, g)) => {
            let _ = writeln!(out, "Gate: `{}`\n", path.display());
            let _ = writeln!(out, "- Failure mode: {}", g.failure_mode.trim());
            if let Some(prev) = &g.carried_over_from {
                let _ = writeln!(out, "- Carried over from: `{prev}`");
            }
            if !g.evidence.trim().is_empty() {
                let _ = writeln!(out, "- Evidence: {}", cell(g.evidence.trim()));
            }
            if let Some(c) = &g.card {
                let _ = writeln!(out, "- Plan card: [{c}](../../plans/{c}.md)");
            }
            if let Some(e) = &g.experiment {
                let _ = writeln!(
                    out,
                    "- Experiment: [{e}](../../experiments/{e}/FINDINGS.md)"
                );
            }
            let missing = g.missing_fields();
            if !missing.is_empty() {
                let _ = writeln!(out, "- Incomplete: missing {}", missing.join(", "));
            }
            out.push('\n');
            let rows: Vec<Vec<String>> = g.table_rows().into_iter().map(Vec::from).collect();
            table(out, &GATE_TABLE_HEADERS, &rows);
        }
    }
}

fn data_stats(out: &mut String, run: &RunData) {
    let steps = run.manifest.config.steps.to_string();
    match &run.data {
        Err(why) => {
            let _ = writeln!(out, "The dataset could not be read: {}\n", cell(why));
        }
        Ok(d) => {
            let opt = |v: Option<u64>| v.map_or_else(|| "–".into(), |v| v.to_string());
            table(
                out,
                &[
                    "trajectories",
                    "frames",
                    "frame size",
                    "sequence length",
                    "batch size",
                    "training steps",
                ],
                &[vec![
                    d.trajectories.to_string(),
                    d.frames.to_string(),
                    format!("{}×{}", d.width, d.height),
                    opt(d.seq_len),
                    opt(d.batch_size),
                    steps,
                ]],
            );
        }
    }
}

fn checkpoint_results(out: &mut String, run: &RunData, plots: &[Plot], tables: &[&str]) {
    if run.planning.is_empty() {
        out.push_str(
            "No checkpoint was evaluated (metrics/planning_metrics.csv is missing or empty).\n\n",
        );
    } else {
        table(out, &checkpoint_columns(), &checkpoint_rows(run));
    }
    if let Some(last) = run.train.last() {
        let _ = writeln!(
            out,
            "Training: {} logged steps; at step {}: loss {:.4} (pred {:.4}, var {:.4}, cov {:.4}), \
             {:.1} steps/s.\n",
            run.train.len(),
            last.step,
            last.loss,
            last.loss_pred,
            last.loss_var,
            last.loss_cov,
            last.steps_per_s
        );
    }
    if !tables.is_empty() {
        let links: Vec<String> = tables.iter().map(|t| format!("[{t}]({t})")).collect();
        let _ = writeln!(out, "Tables: {}\n", links.join(", "));
    }
    for plot in plots {
        match &plot.file {
            Some(file) => {
                let _ = writeln!(out, "![{}]({file})\n", plot.caption);
            }
            None => {
                let _ = writeln!(out, "_{}: not drawn ({})_\n", plot.caption, plot.note);
            }
        }
    }
}

fn outcome(out: &mut String, j: &RunJudgement) {
    let _ = writeln!(
        out,
        "**{}** — {}. Status: **{}**. Recommendation: **{}**.\n",
        j.outcome(),
        j.reason,
        j.status(),
        j.recommendation.as_str()
    );
    let Some(first) = j.checkpoints.first() else {
        return;
    };
    let mut headers: Vec<String> = vec![
        "criterion".into(),
        "target".into(),
        "acceptable".into(),
        "failure".into(),
    ];
    headers.extend(j.checkpoints.iter().map(|c| format!("step {}", c.step)));
    let rows: Vec<Vec<String>> = first
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut row = vec![
                m.metric.key.to_string(),
                fmt_num(m.thresholds.target),
                fmt_num(m.thresholds.acceptable),
                fmt_num(m.thresholds.failure),
            ];
            row.extend(j.checkpoints.iter().map(|c| {
                c.metrics.get(i).map_or_else(String::new, |m| {
                    format!("{} {}", fmt_num(m.value), m.level.mark())
                })
            }));
            row
        })
        .collect();
    let mut all = vec![
        "all criteria".to_string(),
        String::new(),
        String::new(),
        String::new(),
    ];
    all.extend(
        j.checkpoints
            .iter()
            .map(|c| if c.passes { "✅" } else { "❌" }.to_string()),
    );
    let mut rows = rows;
    rows.push(all);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    table(out, &headers, &rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_commands_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(
            shell_join(&["worldbench".into(), "--title".into(), "it's a test".into()]),
            "worldbench --title 'it'\\''s a test'"
        );
    }
}
