//! The Datasets panel: the workspace's datasets and folders opened by hand (either format); for the
//! selected one a frame scrubber, the trajectory list, the action histogram and the tile map with
//! its visit heatmap and the current trajectory's path. Opening reads only the metadata and small
//! arrays, on a background thread; the shown frame is read by a decoder thread and cached, so even
//! a dataset of a million frames opens in seconds and scrubbing never blocks the UI.

mod decoder;
mod list;
mod loader;
mod pending_hook;
mod playback;
mod shown;
mod stats;

use crate::gui::panels::{Panel, PanelContext};
use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::{Color32, Key, Modifiers, RichText, Ui};
use worldbench_storage::Workspace;
use worldbench_widgets::{action_histogram, FrameKey, TileMap};

use self::loader::{Loaded, Loading};
use self::playback::{apply_key, Playback, ScrubKey};
use self::shown::ShownFrame;
use crate::gui::command::AppCommand;
use crate::gui::file_dialog::{DialogPoll, PickDialog};

/// Playback speed when none was saved, in frames per second.
const DEFAULT_FPS: f32 = 10.0;
/// Frame enlargement when none was saved, in screen points per frame pixel.
const DEFAULT_ZOOM: f32 = 4.0;

/// The Datasets panel's persisted state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DatasetsState {
    /// The selected dataset folder.
    pub selected: Option<PathBuf>,
    /// Folders opened with the dialog or dropped on the window (beside the workspace's datasets).
    pub opened: Vec<PathBuf>,
    /// Playback speed in frames per second (0 = default).
    pub fps: f32,
    /// Frame enlargement in screen points per pixel (0 = default).
    pub zoom: f32,
    /// The frame shown in the selected dataset.
    pub frame: usize,
}

/// One entry of the dataset list.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// The label in the list (the folder name).
    name: String,
    path: PathBuf,
}

fn entry(path: &Path) -> Entry {
    Entry {
        name: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        path: path.to_path_buf(),
    }
}

/// The Datasets panel.
pub struct DatasetsPanel {
    workspace_root: PathBuf,
    state: DatasetsState,
    /// The workspace's datasets (`datasets/*`), sorted by name.
    workspace_entries: Vec<Entry>,
    loaded: Option<Loaded>,
    loading: Option<Loading>,
    /// The last load error of the selected dataset, shown inline.
    error: Option<String>,
    /// A load error not yet sent to the app as `ShowError`.
    unreported_error: Option<String>,
    playback: Playback,
    /// The shown frame: decoder thread, decoded and texture caches.
    shown: ShownFrame,
    dialog: Option<PickDialog>,
    /// Why the folder dialog did not open (shown above the path field).
    dialog_error: Option<String>,
    /// The folder path typed in the fallback field.
    typed_path: String,
    /// The trajectory the list last scrolled to (it follows the current one when that changes).
    followed_episode: Option<usize>,
    /// Kept from the last frame so background threads can ask for a repaint.
    ctx: Option<egui::Context>,
}

impl DatasetsPanel {
    /// The panel for the workspace at `workspace_root`, restoring `state` (it reopens the selected
    /// dataset in the background).
    pub fn new(workspace_root: PathBuf, state: DatasetsState) -> Self {
        let mut panel = Self {
            workspace_root,
            state,
            workspace_entries: Vec::new(),
            loaded: None,
            loading: None,
            error: None,
            unreported_error: None,
            playback: Playback::default(),
            shown: ShownFrame::new(64),
            dialog: None,
            dialog_error: None,
            typed_path: String::new(),
            followed_episode: None,
            ctx: None,
        };
        if !panel.state.fps.is_finite() || panel.state.fps <= 0.0 {
            panel.state.fps = DEFAULT_FPS;
        }
        if !panel.state.zoom.is_finite() || panel.state.zoom <= 0.0 {
            panel.state.zoom = DEFAULT_ZOOM;
        }
        panel.refresh();
        if let Some(sel) = panel.state.selected.clone() {
            let frame = panel.state.frame;
            panel.select(sel);
            panel.state.frame = frame;
        }
        panel
    }

    /// The state to persist.
    pub fn state(&self) -> DatasetsState {
        self.state.clone()
    }

    /// Adds a folder (opened with the dialog or dropped on the window) and selects it.
    pub fn open_folder(&mut self, path: PathBuf) {
        let in_workspace = self.workspace_entries.iter().any(|e| e.path == path);
        if !in_workspace && !self.state.opened.contains(&path) {
            self.state.opened.push(path.clone());
        }
        self.select(path);
    }

    /// Rescans the workspace's `datasets/` folder.
    pub fn refresh(&mut self) {
        let ws = Workspace {
            root: self.workspace_root.clone(),
        };
        self.workspace_entries = ws.list_datasets().iter().map(|p| entry(p)).collect();
    }

    /// Whether a dataset is being loaded.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// The number of frames of the loaded dataset, once loaded.
    pub fn loaded_frames(&self) -> Option<usize> {
        self.loaded.as_ref().map(|l| l.dataset.len())
    }

    /// The load error shown for the selected dataset, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The frame shown.
    pub fn frame(&self) -> usize {
        self.state.frame
    }

    /// The walls of the map shown beside the frame (the current trajectory's world), once loaded.
    pub fn shown_walls(&self) -> Option<&worldbench_widgets::TileGrid<bool>> {
        let loaded = self.loaded.as_ref()?;
        let len = loaded.dataset.len();
        let frame = self.state.frame.min(len.saturating_sub(1));
        loaded.stats.walls_of(loaded.stats.episode_of(frame))
    }

    /// The frame drawn by the last `ui` call (`None` while it is being decoded or nothing is shown).
    pub fn shown_frame(&self) -> Option<usize> {
        self.shown.shown_frame()
    }

    /// Selects `path` and starts loading it in the background.
    fn select(&mut self, path: PathBuf) {
        if self.state.selected.as_ref() == Some(&path)
            && (self.loading.is_some() || self.loaded.as_ref().is_some_and(|l| l.path == path))
        {
            return;
        }
        self.state.selected = Some(path.clone());
        self.state.frame = 0;
        self.playback = Playback::default();
        self.error = None;
        self.loaded = None;
        self.shown.clear();
        self.loading = Some(Loading::start(path, self.ctx.clone()));
    }

    /// Applies a finished load; an error is also queued for the app (sent on the next `ui`).
    fn finish_load(&mut self, result: Result<Box<Loaded>, String>) {
        self.loading = None;
        match result {
            Ok(loaded) => {
                self.state.frame = self.state.frame.min(loaded.dataset.len().saturating_sub(1));
                self.shown.start(&loaded.dataset);
                self.loaded = Some(*loaded);
                self.error = None;
            }
            Err(msg) => {
                self.loaded = None;
                self.shown.clear();
                self.error = Some(msg.clone());
                self.unreported_error = Some(msg);
            }
        }
    }
}

impl Panel for DatasetsPanel {
    fn ui(&mut self, ui: &mut Ui, _cx: &PanelContext<'_>, commands: &mut Vec<AppCommand>) {
        self.show(ui, commands);
    }
}

impl DatasetsPanel {
    /// Draws the panel (it needs nothing from the app's context; tests call this directly).
    pub fn show(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        self.ctx = Some(ui.ctx().clone());
        self.shown.install_hook(ui.ctx());
        self.poll_background(ui, commands);
        self.handle_keys(ui);

        egui::Panel::left("datasets_list")
            .resizable(true)
            .default_size(220.0)
            .show(ui, |ui| self.list_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("datasets_details")
                .auto_shrink(false)
                .show(ui, |ui| self.details_ui(ui, commands));
        });
    }

    fn poll_background(&mut self, ui: &Ui, commands: &mut Vec<AppCommand>) {
        if let Some(loading) = self.loading.as_mut() {
            if let Some(result) = loading.poll() {
                self.finish_load(result);
            } else {
                ui.ctx().request_repaint_after(Duration::from_millis(100));
            }
        }
        if let Some(msg) = self.unreported_error.take() {
            commands.push(AppCommand::ShowError(msg));
        }
        if let Some(d) = &mut self.dialog {
            match d.poll() {
                DialogPoll::Open => {}
                DialogPoll::Closed(picked) => {
                    self.dialog = None;
                    if let Some(p) = picked {
                        self.open_folder(p);
                    }
                }
                DialogPoll::Failed(why) => {
                    self.dialog = None;
                    self.dialog_error = Some(why);
                }
            }
        }
        // Play: advance by the time since the last frame.
        if let Some(l) = &self.loaded {
            let dt = f64::from(ui.input(|i| i.stable_dt));
            let len = l.dataset.len();
            self.state.frame =
                self.playback
                    .advance(self.state.frame, len, dt, f64::from(self.state.fps));
            if self.playback.playing {
                ui.ctx()
                    .request_repaint_after(Duration::from_secs_f32(1.0 / self.state.fps.max(1.0)));
            }
        }
    }

    /// Left/Right one frame, Home/End the trajectory's first/last, Space play/pause — unless a text field has the keyboard.
    fn handle_keys(&mut self, ui: &Ui) {
        let Some(loaded) = self.loaded.as_ref() else {
            return;
        };
        let len = loaded.dataset.len();
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let keys = [
            (Key::ArrowRight, ScrubKey::Next),
            (Key::ArrowLeft, ScrubKey::Previous),
            (Key::Home, ScrubKey::First),
            (Key::End, ScrubKey::Last),
        ];
        for (key, scrub) in keys {
            let presses = ui.input_mut(|i| i.count_and_consume_key(Modifiers::NONE, key));
            for _ in 0..presses {
                let trajectory = loaded
                    .stats
                    .episode_of(self.state.frame)
                    .map(|k| loaded.stats.episodes[k].clone());
                self.state.frame = apply_key(self.state.frame, len, trajectory, scrub);
            }
        }
        let spaces = ui.input_mut(|i| i.count_and_consume_key(Modifiers::NONE, Key::Space));
        if spaces % 2 == 1 {
            self.playback.toggle();
        }
    }

    fn details_ui(&mut self, ui: &mut Ui, commands: &mut Vec<AppCommand>) {
        // Set again below while the shown frame is being decoded.
        self.shown.set_pending(false);
        if let Some(loading) = &self.loading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(loading.stage());
                ui.weak(format!("{:.1} s", loading.started.elapsed().as_secs_f32()));
            });
            return;
        }
        if let Some(err) = &self.error {
            ui.colored_label(Color32::from_rgb(230, 80, 80), err);
            return;
        }
        let Some(loaded) = &self.loaded else {
            ui.weak("Select a dataset on the left, open a folder, or drop one on this window.");
            return;
        };
        let ds = loaded.dataset.clone();
        let stats = &loaded.stats;
        let len = ds.len();

        ui.horizontal(|ui| {
            ui.heading(&ds.name);
            if ui
                .button("Train on this dataset")
                .on_hover_text("Open the Train panel with this dataset selected")
                .clicked()
            {
                commands.push(AppCommand::UseDatasetForTraining(loaded.path.clone()));
            }
        });
        ui.weak(loaded.path.display().to_string());
        ui.horizontal(|ui| {
            ui.label(format!("Frames: {len}"));
            ui.separator();
            ui.label(format!("Trajectories: {}", stats.episodes.len()));
            ui.separator();
            ui.label(format!("Frame size: {} × {}", ds.width, ds.height));
            if let Some(l) = &ds.layouts {
                ui.separator();
                ui.label(format!("Layouts: {}", l.maps.len()));
            }
        });
        if len == 0 {
            ui.weak("This dataset has no frames.");
            return;
        }
        let frame = self.state.frame.min(len - 1);
        let episode = stats.episode_of(frame);
        let tile = ds.tiles.as_ref().and_then(|t| t.get(frame).copied());
        ui.separator();

        // Frame and map side by side.
        let mut jump_to = None;
        ui.horizontal_top(|ui| {
            let key = FrameKey {
                dataset: loaded.path.display().to_string(),
                index: frame,
            };
            self.shown
                .ui(ui, &key, ds.width, ds.height, self.state.zoom);
            if let Some(walls) = stats.walls_of(episode) {
                ui.vertical(|ui| {
                    if let Some(layout) = stats.layout_of(episode) {
                        ui.label(format!("Map of {layout}"));
                    }
                    let path: &[[i16; 2]] = match (&ds.tiles, &episode) {
                        (Some(t), Some(k)) => &t[stats.episodes[*k].clone()],
                        _ => &[],
                    };
                    let map = TileMap {
                        walls,
                        coverage: stats.coverage.as_ref(),
                        path,
                        current: tile,
                        tile_size: 14.0,
                    };
                    let resp = map.ui(ui);
                    if let (Some(t), Some(tiles)) = (resp.clicked, &ds.tiles) {
                        jump_to = next_frame_on_tile(tiles, frame, t);
                    }
                    if stats.tiles_outside > 0 {
                        ui.weak(format!(
                            "{} frames lie outside the map",
                            stats.tiles_outside
                        ));
                    }
                });
            }
        });
        if let Some(f) = jump_to {
            self.state.frame = f;
        }

        // Scrubber.
        ui.horizontal(|ui| {
            let play = if self.playback.playing {
                "Pause"
            } else {
                "Play"
            };
            if ui.button(play).on_hover_text("Space").clicked() {
                self.playback.toggle();
            }
            ui.spacing_mut().slider_width = (ui.available_width() - 140.0).max(120.0);
            ui.add(egui::Slider::new(&mut self.state.frame, 0..=len - 1).text("Frame"))
                .on_hover_text(SCRUB_KEYS_HELP);
        });
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.state.fps, 1.0..=60.0).text("fps"));
            ui.add(egui::Slider::new(&mut self.state.zoom, 1.0..=8.0).text("Zoom"));
        });
        let frame = self.state.frame.min(len - 1);
        let episode = stats.episode_of(frame);
        ui.horizontal(|ui| {
            let action = ds.actions.get(frame).map_or_else(
                || "?".to_string(),
                |&a| {
                    ds.action_names
                        .get(usize::from(a))
                        .cloned()
                        .unwrap_or_else(|| format!("#{a}"))
                },
            );
            ui.label(format!("Action: {action}"));
            ui.separator();
            match ds.tiles.as_ref().and_then(|t| t.get(frame)) {
                Some([r, c]) => ui.label(format!("Tile: {r},{c}")),
                None => ui.label("Tile: unknown"),
            };
            ui.separator();
            if let Some(k) = episode {
                let r = &stats.episodes[k];
                ui.label(format!(
                    "Trajectory: {k} (frame {} of {})",
                    frame - r.start + 1,
                    r.len()
                ));
                if let Some(layout) = stats.layout_of(Some(k)) {
                    ui.separator();
                    ui.label(format!("Layout: {layout}"));
                }
            }
        });
        ui.separator();

        // Trajectory list and action histogram.
        ui.columns(2, |cols| {
            cols[0].label(RichText::new("Trajectories").strong());
            // A selectable row's real height (text plus its padding), so that show_rows places and
            // scrolls to the rows where they are drawn (the last row included).
            let row_h = (cols[0].text_style_height(&egui::TextStyle::Button)
                + 2.0 * cols[0].spacing().button_padding.y)
                .max(cols[0].spacing().interact_size.y);
            let mut jump = None;
            // The list fills the panel's height; it scrolls to the current trajectory when that
            // changes (scrubbing, playing, keys), and leaves the scrolling to the user otherwise.
            let follow = episode.is_some() && episode != self.followed_episode;
            self.followed_episode = episode;
            // To the bottom of what is visible (the details scroll: their available height is not).
            let list_height = (cols[0].clip_rect().bottom() - cols[0].cursor().top() - 8.0)
                .min(cols[0].available_height())
                .max(200.0);
            let mut list = egui::ScrollArea::vertical()
                .id_salt("datasets_trajectories")
                .max_height(list_height)
                .auto_shrink([false, false]);
            if let Some(k) = episode.filter(|_| follow) {
                // The current trajectory's row in the middle of the list (only this list scrolls).
                let pitch = row_h + cols[0].spacing().item_spacing.y;
                list = list.vertical_scroll_offset(
                    (k as f32 * pitch - (list_height - row_h) / 2.0).max(0.0),
                );
            }
            list.show_rows(&mut cols[0], row_h, stats.episodes.len(), |ui, rows| {
                for k in rows {
                    let r = &stats.episodes[k];
                    let text = match stats.layout_of(Some(k)) {
                        Some(layout) => format!("Trajectory {k}: {} frames · {layout}", r.len()),
                        None => format!("Trajectory {k}: {} frames", r.len()),
                    };
                    if ui.selectable_label(episode == Some(k), text).clicked() {
                        jump = Some(r.start);
                    }
                }
            });
            if let Some(f) = jump {
                self.state.frame = f;
            }
            cols[1].label(RichText::new("Actions").strong());
            let current_action = ds.actions.get(frame).map(|&a| usize::from(a));
            action_histogram(
                &mut cols[1],
                "datasets_action_histogram",
                &stats.action_counts,
                current_action,
                180.0,
            );
        });
    }
}

/// The scrubber's keys, in words (egui's default fonts have no arrow glyphs).
pub const SCRUB_KEYS_HELP: &str =
    "Left/Right arrow keys: one frame · Home/End: first/last frame of the trajectory · Space: play/pause";

/// The next frame after `frame` (wrapping around) whose tile is `tile`.
fn next_frame_on_tile(tiles: &[[i16; 2]], frame: usize, tile: [i16; 2]) -> Option<usize> {
    let n = tiles.len();
    (1..=n).map(|d| (frame + d) % n).find(|&i| tiles[i] == tile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::task_tracker;
    use worldbench_model::world::{generate_dataset, Preset};
    use worldbench_storage::dataset::write_native;

    /// One pass of the panel in `ctx`, with `events` as input.
    fn pass(ctx: &egui::Context, panel: &mut DatasetsPanel, events: Vec<egui::Event>) {
        let input = egui::RawInput {
            events,
            ..Default::default()
        };
        let mut out = ctx.run_ui(input, |ui| panel.show(ui, &mut Vec::new()));
        out.textures_delta.clear();
    }

    #[test]
    fn the_key_help_uses_only_glyphs_the_default_fonts_have() {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
        out.textures_delta.clear();
        let font = egui::FontId::default();
        let texts = crate::gui::app::shortcut_rows()
            .into_iter()
            .flat_map(|(k, v)| [k, v])
            .chain([SCRUB_KEYS_HELP.to_string()]);
        ctx.fonts_mut(|f| {
            assert!(!f.has_glyphs(&font, "←/→"), "the check can fail");
            for text in texts {
                assert!(f.has_glyphs(&font, &text), "a glyph of {text:?} is missing");
            }
        });
    }

    #[test]
    fn a_generated_dataset_opens_lazily_and_shows_the_next_frame_after_the_right_arrow() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("ws").join("datasets").join("loops");
        let ds = generate_dataset(Preset::CornerLoops, 2, Some(10), 7, None).expect("generate");
        write_native(&dir, &ds).expect("write");
        // Frames 0 and 1 differ (the agent moves), so showing the wrong one would be seen.
        assert_ne!(ds.frame(0), ds.frame(1));
        let state = DatasetsState {
            selected: Some(dir.clone()),
            ..DatasetsState::default()
        };
        let mut panel = DatasetsPanel::new(tmp.path().join("ws"), state);
        assert!(task_tracker::wait_idle(Duration::from_secs(30)));
        let ctx = egui::Context::default();
        pass(&ctx, &mut panel, Vec::new());
        assert_eq!(panel.loaded_frames(), Some(22));
        // The pass that takes the load asks the decoder thread for frame 0 and tells egui an image
        // is pending.
        assert!(ctx.has_pending_images());
        assert_eq!(panel.shown_frame(), None);
        assert!(task_tracker::wait_idle(Duration::from_secs(30)));
        pass(&ctx, &mut panel, Vec::new());
        assert_eq!(panel.shown_frame(), Some(0));
        assert!(!ctx.has_pending_images());

        let right = egui::Event::Key {
            key: Key::ArrowRight,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::NONE,
        };
        pass(&ctx, &mut panel, vec![right]);
        assert_eq!(panel.frame(), 1);
        assert_eq!(panel.shown_frame(), None, "frame 1 is being read");
        assert!(task_tracker::wait_idle(Duration::from_secs(30)));
        pass(&ctx, &mut panel, Vec::new());
        assert_eq!(panel.shown_frame(), Some(1));
        let loaded = panel.loaded.as_ref().expect("loaded");
        assert_eq!(loaded.dataset.frame(1).expect("frame 1"), ds.frame(1));
        let key = FrameKey {
            dataset: dir.display().to_string(),
            index: 1,
        };
        assert!(panel.shown.has_texture(&key));
    }

    #[test]
    fn next_frame_on_tile_wraps() {
        let t = [[0, 0], [1, 1], [0, 0], [2, 2]];
        assert_eq!(next_frame_on_tile(&t, 0, [0, 0]), Some(2));
        assert_eq!(next_frame_on_tile(&t, 2, [0, 0]), Some(0));
        assert_eq!(next_frame_on_tile(&t, 0, [5, 5]), None);
    }
}
