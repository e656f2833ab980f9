//! The one table of panels. Each row names a panel's id, its field (in [`Panels`] and in the
//! persisted [`State`]), its type and persisted state, its left-bar label (also the accessible name
//! tests click), its Ctrl+key, its line in Help, how it is made from its state and how its state is
//! saved. The left bar, the shortcuts, Help, persistence and each frame's dispatch all read it:
//! adding a panel is its file and one row here.

use std::path::Path;

use super::checkpoints::{CheckpointsPanel, CheckpointsState};
use super::datasets::{DatasetsPanel, DatasetsState};
use super::gate::{GatePanel, GateState};
use super::hgraph::{HGraphPanel, HGraphState};
use super::plans::{PlansPanel, PlansState};
use super::queue::{QueuePanel, QueueState};
use super::runs::{RunsPanel, RunsState};
use super::sweeps::{SweepsPanel, SweepsState};
use super::train::{TrainPanel, TrainState};
use super::worklog::{WorklogPanel, WorklogState};
use super::{Panel, PanelContext};
use crate::gui::command::AppCommand;

macro_rules! panel_table {
    ($(
        $id:ident, $field:ident: $panel:ty, $state:ty, $label:literal, $key:ident, $help:literal,
        new: |$root:ident, $s:ident| $new:expr, save: |$p:ident| $save:expr;
    )+) => {
        /// The panels of the left bar, in its order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum PanelId {
            $($id,)+
        }

        impl PanelId {
            /// Every panel, in the left bar's order.
            pub const ALL: &'static [Self] = &[$(Self::$id,)+];

            /// The left-bar label (also the accessible name tests click).
            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$id => $label,)+
                }
            }

            /// Ctrl + this key shows the panel.
            pub fn key(self) -> egui::Key {
                match self {
                    $(Self::$id => egui::Key::$key,)+
                }
            }

            /// The panel's line in Help.
            pub fn help(self) -> &'static str {
                match self {
                    $(Self::$id => $help,)+
                }
            }
        }

        impl Default for PanelId {
            fn default() -> Self {
                Self::ALL[0]
            }
        }

        /// Everything the app persists between sessions (eframe storage, key
        /// [`eframe::APP_KEY`]): the shown panel and each panel's own state. Jobs and GPU
        /// resources are not part of it.
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct State {
            pub panel: PanelId,
            $(pub $field: $state,)+
        }

        /// The app's panels, each owning its state.
        pub struct Panels {
            $(pub $field: $panel,)+
        }

        impl Panels {
            /// Every panel, restored from `state`, on the workspace at `root`.
            pub fn new(root: &Path, state: State) -> Self {
                Self {
                    $($field: {
                        let ($root, $s) = (root, state.$field);
                        $new
                    },)+
                }
            }

            /// The state to persist, with `panel` shown.
            pub fn state(&self, panel: PanelId) -> State {
                State {
                    panel,
                    $($field: {
                        let $p = &self.$field;
                        $save
                    },)+
                }
            }

            /// The panel behind `id`.
            pub fn get_mut(&mut self, id: PanelId) -> &mut dyn Panel {
                match id {
                    $(PanelId::$id => &mut self.$field,)+
                }
            }

            /// Draws the panel `id` for this frame.
            pub fn ui(
                &mut self,
                id: PanelId,
                ui: &mut egui::Ui,
                cx: &PanelContext<'_>,
                commands: &mut Vec<AppCommand>,
            ) {
                self.get_mut(id).ui(ui, cx, commands);
            }
        }
    };
}

panel_table! {
    Datasets, datasets: DatasetsPanel, DatasetsState, "Datasets", Num1, "Datasets panel",
        new: |root, s| DatasetsPanel::new(root.to_path_buf(), s), save: |p| p.state();
    Train, train: TrainPanel, TrainState, "Train", Num2, "Train panel",
        new: |_root, s| TrainPanel::new(s), save: |p| p.state.clone();
    Runs, runs: RunsPanel, RunsState, "Runs", Num3, "Runs panel",
        new: |_root, s| RunsPanel::new(s), save: |p| p.state.clone();
    Checkpoints, checkpoints: CheckpointsPanel, CheckpointsState, "Checkpoints", Num4, "Checkpoints panel",
        new: |_root, s| CheckpointsPanel::new(s), save: |p| p.state.clone();
    Gate, gate: GatePanel, GateState, "Gate", Num5, "Gate panel",
        new: |_root, s| GatePanel::new(s), save: |p| p.state.clone();
    Worklog, worklog: WorklogPanel, WorklogState, "Worklog", Num6, "Worklog panel",
        new: |_root, s| WorklogPanel::new(s), save: |p| p.state.clone();
    HGraph, hgraph: HGraphPanel, HGraphState, "H-graph", Num7, "H-graph panel (checkpoint view; F fits the graph)",
        new: |_root, s| HGraphPanel::new(s), save: |p| p.state.clone();
    Queue, queue: QueuePanel, QueueState, "Queue", Num8, "Queue panel (the workspace's run queue)",
        new: |_root, s| QueuePanel::new(s), save: |p| p.state.clone();
    Sweeps, sweeps: SweepsPanel, SweepsState, "Sweeps", Num9, "Sweeps panel (a sweep's cells, statistics and plots)",
        new: |_root, s| SweepsPanel::new(s), save: |p| p.state.clone();
    Plans, plans: PlansPanel, PlansState, "Plans", Num0, "Plans panel (cards: priority matrix, dependency graph, risks)",
        new: |_root, s| PlansPanel::new(s), save: |p| p.state.clone();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_each_panel_a_distinct_label_and_key() {
        let labels: std::collections::BTreeSet<_> =
            PanelId::ALL.iter().map(|p| p.label()).collect();
        let keys: std::collections::BTreeSet<_> =
            PanelId::ALL.iter().map(|p| p.key().name()).collect();
        assert_eq!((labels.len(), keys.len()), (10, 10));
        assert_eq!(PanelId::default(), PanelId::Datasets);
        assert_eq!(PanelId::HGraph.label(), "H-graph");
    }

    #[test]
    fn state_keeps_its_field_names_on_disk() {
        let json = serde_json::to_value(State::default()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for k in [
            "panel",
            "datasets",
            "train",
            "runs",
            "checkpoints",
            "gate",
            "worklog",
            "hgraph",
            "queue",
            "sweeps",
            "plans",
        ] {
            assert!(keys.contains(&k), "{k} in {keys:?}");
        }
        assert_eq!(json["panel"], "Datasets");
    }
}
