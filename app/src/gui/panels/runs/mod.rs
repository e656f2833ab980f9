//! The Runs panel: every run in a sortable, filterable table; select several to compare loss curves,
//! planning metrics over checkpoints, and the config keys that differ.

use std::cmp::Ordering;
use std::path::PathBuf;

use worldbench_storage::planning_metrics::{
    self, PlanningMetric, Shown, REACH_H_P10, TEST1_SUCCESS, TEST2_SUCCESS,
};
use worldbench_storage::run::short_time;
use worldbench_storage::RunStatus;

pub mod all_runs;
pub mod annotations;
mod compare;
mod cross_compare;
pub mod groups;
mod run_view;

pub use compare::differing_config;

use super::checkpoints::{resume_button, shown_steps, LastSteps};
use super::{format_duration, Panel, PanelContext};
use crate::gui::command::AppCommand;
use crate::gui::criteria::{FAIL, PASS};
use crate::gui::plots::{format_value, PlotSettings};
use crate::gui::run_index::RunRecord;
use crate::gui::slurm_status::SlurmPoll;

/// A sortable column of the runs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RunColumn {
    Title,
    Kind,
    Status,
    Steps,
    LastLoss,
    BestReachP10,
    Test1,
    Test2,
    #[default]
    Started,
    Duration,
}

impl RunColumn {
    pub const ALL: [Self; 10] = [
        Self::Title,
        Self::Kind,
        Self::Status,
        Self::Steps,
        Self::LastLoss,
        Self::BestReachP10,
        Self::Test1,
        Self::Test2,
        Self::Started,
        Self::Duration,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Self::Title => "Title",
            Self::Kind => "Kind",
            Self::Status => "Status",
            Self::Steps => "Steps",
            Self::LastLoss => "Last loss",
            Self::BestReachP10 => "Best reach p10",
            Self::Test1 => "Test1",
            Self::Test2 => "Test2",
            Self::Started => "Started",
            Self::Duration => "Duration",
        }
    }

    /// The planning metric a column shows, if any.
    pub fn metric(self) -> Option<&'static PlanningMetric> {
        match self {
            Self::BestReachP10 => Some(&REACH_H_P10),
            Self::Test1 => Some(&TEST1_SUCCESS),
            Self::Test2 => Some(&TEST2_SUCCESS),
            _ => None,
        }
    }
}

/// Planning metrics that the compare view can plot over checkpoints: the registry's key metrics.
pub fn compare_metrics() -> impl Iterator<Item = &'static PlanningMetric> + Clone {
    planning_metrics::shown(Shown::Key)
}

/// The Runs panel's persisted state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RunsState {
    pub sort: RunColumn,
    pub ascending: bool,
    /// Shows runs whose title, folder, kind or status contains this (case-insensitive).
    pub filter: String,
    /// Selected run folders (several: compare).
    pub selected: Vec<PathBuf>,
    /// The key of the metric the compare view plots, one of [`compare_metrics`]; any other name
    /// is shown as an error.
    pub compare_metric: String,
    pub plot: PlotSettings,
    /// Sweep folders whose runs are folded away under their sweep row.
    pub collapsed: Vec<PathBuf>,
    /// Show "All runs" (the workspace's and those under `[runs] roots`, nes-ai runs among them).
    pub all_runs: bool,
    pub all_filters: all_runs::AllRunsFilters,
}

impl Default for RunsState {
    fn default() -> Self {
        Self {
            sort: RunColumn::Started,
            ascending: false,
            filter: String::new(),
            selected: Vec::new(),
            compare_metric: REACH_H_P10.key.into(),
            plot: PlotSettings::default(),
            collapsed: Vec::new(),
            all_runs: false,
            all_filters: all_runs::AllRunsFilters::default(),
        }
    }
}

pub fn status_text(status: RunStatus) -> &'static str {
    status.as_str()
}

pub fn status_color(status: RunStatus) -> egui::Color32 {
    match status {
        RunStatus::Running => egui::Color32::from_rgb(100, 170, 255),
        RunStatus::Completed => PASS,
        RunStatus::Failed => FAIL,
        RunStatus::Cancelled => egui::Color32::from_rgb(230, 180, 60),
        RunStatus::Preempted => egui::Color32::from_rgb(190, 140, 230),
        RunStatus::Interrupted => egui::Color32::from_rgb(230, 120, 60),
        RunStatus::Pending => egui::Color32::GRAY,
    }
}

/// The runs that run.json says were submitted to Slurm, for [`SlurmPoll`].
pub fn slurm_runs(cx: &PanelContext<'_>) -> Vec<(PathBuf, Option<String>)> {
    cx.runs
        .runs()
        .iter()
        .filter(|r| r.manifest.slurm_job_id.is_some())
        .map(|r| (r.dir.clone(), r.manifest.slurm_job_id.clone()))
        .collect()
}

/// "Slurm 123 · main · running" beside a Slurm run's status.
pub fn slurm_label(ui: &mut egui::Ui, poll: &SlurmPoll, run: &RunRecord) {
    let text = match (poll.get(&run.dir), &run.manifest.slurm_job_id) {
        (Some(info), _) => info.text(),
        (None, Some(id)) => format!("Slurm {id}"),
        (None, None) => return,
    };
    ui.label(egui::RichText::new(text).weak().small());
}

fn cmp_f64(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

/// Orders two runs by a column (ascending).
pub fn compare_runs(
    a: &RunRecord,
    b: &RunRecord,
    col: RunColumn,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Ordering {
    let last = |r: &RunRecord, m: &PlanningMetric| r.last_planning().map(|p| m.of(p));
    match col {
        RunColumn::Title => a.title().to_lowercase().cmp(&b.title().to_lowercase()),
        RunColumn::Kind => a.manifest.kind.as_str().cmp(b.manifest.kind.as_str()),
        RunColumn::Status => status_text(a.manifest.status).cmp(status_text(b.manifest.status)),
        RunColumn::Steps => a.steps_done().cmp(&b.steps_done()),
        RunColumn::LastLoss => cmp_f64(a.last_loss(), b.last_loss()),
        RunColumn::BestReachP10 => cmp_f64(a.best(&REACH_H_P10), b.best(&REACH_H_P10)),
        RunColumn::Test1 => cmp_f64(last(a, &TEST1_SUCCESS), last(b, &TEST1_SUCCESS)),
        RunColumn::Test2 => cmp_f64(last(a, &TEST2_SUCCESS), last(b, &TEST2_SUCCESS)),
        RunColumn::Started => a
            .manifest
            .started
            .cmp(&b.manifest.started)
            .then_with(|| a.dir.cmp(&b.dir)),
        RunColumn::Duration => cmp_f64(a.duration_secs(now), b.duration_secs(now)),
    }
}

/// Whether a run matches the filter text.
pub fn matches_filter(run: &RunRecord, filter: &str) -> bool {
    let f = filter.trim().to_lowercase();
    f.is_empty()
        || [
            run.title(),
            run.name(),
            run.manifest.kind.as_str().into(),
            status_text(run.manifest.status).into(),
        ]
        .iter()
        .any(|s| s.to_lowercase().contains(&f))
}

pub struct RunsPanel {
    pub state: RunsState,
    /// Steps held by the runs' `last` files (the Steps column shows them when further).
    last_steps: LastSteps,
    /// The All runs view (both sources).
    pub all: all_runs::AllRuns,
    /// Slurm job id, partition and state of the runs submitted to Slurm (read in a task).
    pub slurm: SlurmPoll,
}

impl RunsPanel {
    pub fn new(state: RunsState) -> Self {
        let all = all_runs::AllRuns::new(state.all_filters.clone());
        Self {
            state,
            last_steps: LastSteps::default(),
            all,
            slurm: SlurmPoll::default(),
        }
    }
}

impl Panel for RunsPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.slurm.poll(slurm_runs(cx), Some(ui.ctx()));
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.state.all_runs, false, "This workspace")
                .on_hover_text("The workspace's runs, with status, resume and sweeps");
            ui.selectable_value(&mut self.state.all_runs, true, "All runs")
                .on_hover_text(
                    "The workspace's runs and those under [runs] roots (researchers' nes-ai runs, read in place)",
                );
        });
        if self.state.all_runs {
            self.all.ui(ui, cx.workspace, commands);
            self.state.all_filters = self.all.filters.clone();
            return;
        }
        ui.horizontal(|ui| {
            ui.heading("Runs of this workspace");
            if ui
                .button("Refresh")
                .on_hover_text("Read the run folders again (F5)")
                .clicked()
            {
                commands.push(AppCommand::RefreshRuns);
            }
            if cx.runs.is_loading() {
                ui.spinner();
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.state.filter)
                    .hint_text("title, kind or status")
                    .desired_width(200.0),
            )
            .labelled_by(label.id);
            let n = self.state.selected.len();
            if n > 0 {
                ui.label(format!("{n} selected"));
                if ui.button("Clear selection").clicked() {
                    self.state.selected.clear();
                }
            }
            ui.weak("Click a title to select it; Ctrl+click to select several and compare.");
        });
        ui.separator();

        let now = chrono::Local::now().fixed_offset();
        let mut rows: Vec<&RunRecord> = cx
            .runs
            .runs()
            .iter()
            .filter(|r| matches_filter(r, &self.state.filter))
            .collect();
        rows.sort_by(|a, b| {
            let o = compare_runs(a, b, self.state.sort, now);
            if self.state.ascending {
                o
            } else {
                o.reverse()
            }
        });

        if cx.runs.runs().is_empty() && !cx.runs.is_loading() {
            ui.label("No runs yet: launch one from the Train panel (Ctrl+2).");
        }
        let compare = self.state.selected.len() >= 2;
        let table_height = if compare {
            ui.available_height() * 0.4
        } else {
            ui.available_height()
        };
        egui::ScrollArea::both()
            .id_salt("runs_table")
            .max_height(table_height)
            .show(ui, |ui| {
                self.table_ui(ui, &rows, cx, now, commands);
            });
        if compare {
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("runs_compare")
                .show(ui, |ui| self.compare_ui(ui, cx));
        }
    }
}

impl RunsPanel {
    fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        rows: &[&RunRecord],
        cx: &PanelContext<'_>,
        now: chrono::DateTime<chrono::FixedOffset>,
        commands: &mut Vec<AppCommand>,
    ) {
        // Runs a job works on (Resume is not offered for them).
        let active: Vec<&std::path::Path> = cx
            .jobs
            .jobs()
            .iter()
            .filter(|j| j.state.is_active())
            .filter_map(|j| j.run_dir.as_deref())
            .collect();
        egui::Grid::new("runs_grid")
            .striped(true)
            .spacing([14.0, 6.0])
            .show(ui, |ui| {
                for col in RunColumn::ALL {
                    let arrow = if self.state.sort == col {
                        if self.state.ascending {
                            " (asc)"
                        } else {
                            " (desc)"
                        }
                    } else {
                        ""
                    };
                    let header = egui::Button::new(
                        egui::RichText::new(format!("{}{arrow}", col.header())).strong(),
                    )
                    .frame(false);
                    if ui
                        .add(header)
                        .on_hover_text("Sort by this column")
                        .clicked()
                    {
                        if self.state.sort == col {
                            self.state.ascending = !self.state.ascending;
                        } else {
                            self.state.sort = col;
                            self.state.ascending = true;
                        }
                    }
                }
                ui.end_row();
                let grouped =
                    groups::group(rows, cx.runs.sweeps(), self.state.filter.trim().is_empty());
                for (sweep, runs) in &grouped.sweeps {
                    let open = groups::sweep_row(ui, sweep, &mut self.state.collapsed, commands);
                    if open {
                        for run in runs {
                            self.run_row(ui, run, cx, &active, now, commands);
                        }
                    }
                }
                for run in &grouped.loose {
                    self.run_row(ui, run, cx, &active, now, commands);
                }
            });
    }

    #[allow(clippy::too_many_arguments)]
    fn run_row(
        &mut self,
        ui: &mut egui::Ui,
        run: &RunRecord,
        cx: &PanelContext<'_>,
        active: &[&std::path::Path],
        now: chrono::DateTime<chrono::FixedOffset>,
        commands: &mut Vec<AppCommand>,
    ) {
        let selected = self.state.selected.contains(&run.dir);
        let resp = ui
            .selectable_label(selected, run.title())
            .on_hover_text(run.dir.display().to_string());
        if resp.clicked() {
            let multi = ui.input(|i| i.modifiers.command || i.modifiers.shift);
            if multi {
                if selected {
                    self.state.selected.retain(|d| d != &run.dir);
                } else {
                    self.state.selected.push(run.dir.clone());
                }
            } else {
                self.state.selected = vec![run.dir.clone()];
                commands.push(AppCommand::ShowCheckpoints(run.dir.clone()));
            }
        }
        ui.label(run.manifest.kind.as_str());
        ui.horizontal(|ui| {
            ui.label(
                egui::RichText::new(status_text(run.manifest.status))
                    .color(status_color(run.manifest.status)),
            );
            if !active.contains(&run.dir.as_path()) {
                resume_button(ui, run, commands);
            }
            slurm_label(ui, &self.slurm, run);
        });
        let total = run.total_steps();
        let last = self.last_steps.of_run(run, cx.runs.generation(), ui.ctx());
        let done = shown_steps(run, last.as_ref());
        ui.label(if total > 0 {
            format!("{done} / {total}")
        } else {
            done.to_string()
        });
        ui.label(run.last_loss().map_or_else(|| "–".into(), format_value));
        ui.label(
            run.best(&REACH_H_P10)
                .map_or_else(|| "–".into(), |v| format!("{v:.3}")),
        );
        for test in [&TEST1_SUCCESS, &TEST2_SUCCESS] {
            match run.last_planning() {
                Some(p) => ui.label(egui::RichText::new(test.text(p)).color(
                    if test.passed(p) == Some(true) {
                        PASS
                    } else {
                        FAIL
                    },
                )),
                None => ui.label("–"),
            };
        }
        ui.label(short_time(&run.manifest.started));
        ui.label(
            run.duration_secs(now)
                .map_or_else(|| "–".into(), format_duration),
        );
        ui.end_row();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worldbench_storage::train_config::{ModelConfig, TrainConfig};
    use worldbench_storage::RunManifest;

    fn run(title: &str, config: TrainConfig, status: RunStatus) -> RunRecord {
        RunRecord {
            dir: PathBuf::from(format!("/ws/runs/{title}")),
            manifest: RunManifest {
                title: title.into(),
                config,
                status,
                ..RunManifest::default()
            },
            train: Vec::new(),
            planning: Vec::new(),
            checkpoints: Vec::new(),
        }
    }

    fn config(steps: u64, hidden: usize, latent_dim: usize) -> TrainConfig {
        TrainConfig {
            steps,
            model: ModelConfig {
                hidden,
                latent_dim,
                ..ModelConfig::default()
            },
            ..TrainConfig::default()
        }
    }

    #[test]
    fn only_differing_config_keys_are_listed() {
        let a = run("a", config(10, 32, 16), RunStatus::Completed);
        let b = run("b", config(20, 32, 64), RunStatus::Completed);
        let diff = differing_config(&[&a, &b]);
        let keys: Vec<&str> = diff.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["model.latent_dim", "steps"]);
        assert_eq!(
            diff[0].1,
            vec![Some("16".to_string()), Some("64".to_string())]
        );
    }

    #[test]
    fn the_compare_metric_comes_from_the_registry_and_an_unknown_one_is_an_error() {
        let state = RunsState::default();
        let m = planning_metrics::find_in(compare_metrics(), &state.compare_metric).unwrap();
        assert_eq!(m, &REACH_H_P10);
        let keys: Vec<&str> = compare_metrics().map(|m| m.key).collect();
        assert!(keys.contains(&"num_nodes_h") && keys.contains(&"test2_success"));
        let e = planning_metrics::find_in(compare_metrics(), "reach_p10")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"reach_p10\"") && e.contains("num_nodes_h, reach_h_median"),
            "{e}"
        );
        // A non-summary column is not offered either.
        assert!(planning_metrics::find_in(compare_metrics(), "eval_secs").is_err());
    }

    #[test]
    fn filter_and_sort_by_title_and_status() {
        let a = run("Zeta", TrainConfig::default(), RunStatus::Completed);
        let b = run("alpha", TrainConfig::default(), RunStatus::Cancelled);
        assert!(
            matches_filter(&a, "zet")
                && !matches_filter(&a, "alpha")
                && matches_filter(&b, "CANCEL")
        );
        let now = chrono::Local::now().fixed_offset();
        assert_eq!(
            compare_runs(&a, &b, RunColumn::Title, now),
            Ordering::Greater
        );
        assert_eq!(
            compare_runs(&a, &b, RunColumn::Status, now),
            Ordering::Greater
        );
    }
}
