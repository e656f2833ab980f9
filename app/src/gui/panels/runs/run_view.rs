//! One run of either kind opened in the All runs view: its loss curves (any column, from a list;
//! the world loss first), its planning metrics per step (every column), config, git commit and
//! diff, model size and FLOPs, and its image series with a step slider. Read in `Task`s; a PNG is
//! decoded off the UI thread and shown as a texture.

use std::path::PathBuf;

use worldbench_storage::their_runs::{curve, world_loss_column, RunDetail, XAxis};

use worldbench_model::ckpt_inspect::{inspect, CheckpointSummary};

use crate::gui::plots::{format_value, line_plot, PlotSettings, Series};
use crate::gui::task::Task;

pub struct RunView {
    dir: PathBuf,
    loading: Option<Task<RunDetail>>,
    detail: Option<Result<RunDetail, String>>,
    /// Read the run again on the next frame (after an annotation was written).
    pub reload: bool,
    loss_column: Option<String>,
    plot: PlotSettings,
    series: usize,
    frame: usize,
    image: Option<Task<egui::ColorImage>>,
    texture: Option<(PathBuf, egui::TextureHandle)>,
    /// The image the loading task decodes.
    texture_for: Option<PathBuf>,
    image_error: Option<String>,
    inspecting: Option<Task<CheckpointSummary>>,
    inspected: Option<Result<CheckpointSummary, String>>,
}

impl RunView {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            loading: None,
            detail: None,
            reload: true,
            loss_column: None,
            plot: PlotSettings::default(),
            series: 0,
            frame: 0,
            image: None,
            texture: None,
            texture_for: None,
            image_error: None,
            inspecting: None,
            inspected: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.reload || self.loading.is_some() || self.image.is_some() || self.inspecting.is_some()
    }

    pub fn detail(&self) -> Option<&RunDetail> {
        self.detail.as_ref().and_then(|d| d.as_ref().ok())
    }

    /// Whether the image shown is the one of `path`.
    pub fn shows_image(&self, path: &std::path::Path) -> bool {
        self.texture.as_ref().is_some_and(|(p, _)| p == path)
    }

    pub fn dir(&self) -> &PathBuf {
        &self.dir
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if self.reload && self.loading.is_none() {
            self.reload = false;
            let dir = self.dir.clone();
            self.loading = Some(Task::spawn("open-run", Some(ui.ctx().clone()), move |_| {
                crate::run_detail::read_detail(&dir).map_err(|e| e.to_string())
            }));
        }
        if let Some(r) = self.loading.as_mut().and_then(Task::poll) {
            self.loading = None;
            self.detail = Some(r);
        }
        let Some(detail) = self.detail.take() else {
            ui.spinner();
            return;
        };
        match &detail {
            Err(e) => {
                ui.colored_label(crate::gui::criteria::FAIL, e);
            }
            Ok(d) => self.detail_ui(ui, d),
        }
        self.detail = Some(detail);
    }

    fn detail_ui(&mut self, ui: &mut egui::Ui, d: &RunDetail) {
        let l = &d.listing;
        ui.heading(format!("{} ({})", l.title, l.source.as_str()));
        ui.label(format!(
            "dataset {} · {} steps · started {}{}",
            l.dataset,
            l.steps.map_or("–".into(), |s| s.to_string()),
            started_text(&l.started),
            l.status
                .map_or(String::new(), |s| format!(" · {}", s.as_str()))
        ));
        ui.label(format!(
            "model: {} parameters · {} FLOPs per step",
            d.parameters.map_or("–".into(), |p| p.to_string()),
            d.flops_per_step.map_or("–".into(), |f| format!("{f:.3e}"))
        ));
        if let Some(c) = &d.git_commit {
            ui.label(format!("git commit {c}"));
        }
        if !d.checkpoints.is_empty() {
            egui::CollapsingHeader::new(format!("Checkpoints ({})", d.checkpoints.len()))
                .show(ui, |ui| self.checkpoints_ui(ui, d));
        }
        self.loss_ui(ui, d);
        egui::CollapsingHeader::new(format!("Planning metrics ({} rows)", d.planning.rows()))
            .default_open(true)
            .show(ui, |ui| planning_table(ui, d));
        let anchor = &d.planning_anchor;
        if !anchor.names.is_empty() {
            let title = format!("Planning anchor metrics ({} rows)", anchor.rows.len());
            egui::CollapsingHeader::new(title).show(ui, |ui| anchor_table(ui, anchor));
        }
        egui::CollapsingHeader::new("Config").show(ui, |ui| {
            egui::Grid::new("run_view_config")
                .striped(true)
                .show(ui, |ui| {
                    for (k, v) in worldbench_storage::their_runs::columns::flatten(&d.config) {
                        ui.label(k);
                        ui.label(v);
                        ui.end_row();
                    }
                });
        });
        if let Some(md) = &d.model_diff {
            let title = format!(
                "Model diff against the {} preset ({} keys)",
                md.preset,
                md.keys.len()
            );
            egui::CollapsingHeader::new(title).show(ui, |ui| {
                egui::Grid::new("run_view_model_diff")
                    .striped(true)
                    .show(ui, |ui| {
                        for h in ["key", "preset", "this run"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for k in &md.keys {
                            ui.label(&k.key);
                            ui.label(k.preset.to_string());
                            ui.label(k.run.to_string());
                            ui.end_row();
                        }
                    });
            });
        }
        if let Some(diff) = d.git_diff.as_ref().filter(|t| !t.trim().is_empty()) {
            egui::CollapsingHeader::new("Git diff at launch").show(ui, |ui| {
                ui.add(egui::Label::new(egui::RichText::new(diff).monospace()).wrap());
            });
        }
        if let Some(shape) = &d.model_shape {
            egui::CollapsingHeader::new("Model shape").show(ui, |ui| {
                ui.label(egui::RichText::new(shape).monospace());
            });
        }
        if !d.images.is_empty() {
            egui::CollapsingHeader::new(format!("Images ({} series)", d.images.len()))
                .default_open(true)
                .show(ui, |ui| self.images_ui(ui, d));
        }
    }

    fn loss_ui(&mut self, ui: &mut egui::Ui, d: &RunDetail) {
        let columns: Vec<&String> = d
            .loss
            .names
            .iter()
            .filter(|n| {
                !matches!(
                    n.as_str(),
                    "step" | "elapsed_seconds" | "cumulative_flops" | "wall_s"
                )
            })
            .collect();
        if columns.is_empty() {
            ui.weak("No loss rows yet.");
            return;
        }
        let chosen = self
            .loss_column
            .clone()
            .filter(|c| columns.contains(&c))
            .or_else(|| world_loss_column(&d.loss).map(str::to_string))
            .unwrap_or_else(|| columns[0].clone());
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Loss column")
                .selected_text(&chosen)
                .show_ui(ui, |ui| {
                    for c in &columns {
                        if ui.selectable_label(**c == chosen, c.as_str()).clicked() {
                            self.loss_column = Some((*c).clone());
                        }
                    }
                });
            self.plot.controls(ui);
        });
        let points = curve(&d.loss, &chosen, XAxis::Step, d.flops_per_step);
        line_plot(
            ui,
            "run_view_loss",
            &[Series {
                name: chosen.clone(),
                points: &points,
            }],
            self.plot,
            180.0,
            &chosen,
        );
    }

    /// Each checkpoint with an Inspect button: tensors, parameters per module and scalars, read
    /// in a Task (`model::ckpt_inspect`, never executing a pickle).
    fn checkpoints_ui(&mut self, ui: &mut egui::Ui, d: &RunDetail) {
        for c in &d.checkpoints {
            let name = c.file_name().map_or_else(
                || c.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let clicked = ui
                .add_enabled(
                    self.inspecting.is_none(),
                    egui::Button::new(format!("Inspect {name}")),
                )
                .on_hover_text(c.display().to_string())
                .clicked();
            if clicked {
                let path = c.clone();
                self.inspecting = Some(Task::spawn(
                    "ckpt-inspect",
                    Some(ui.ctx().clone()),
                    move |_| inspect(&path).map_err(|e| e.to_string()),
                ));
            }
        }
        if let Some(r) = self.inspecting.as_mut().and_then(Task::poll) {
            self.inspecting = None;
            self.inspected = Some(r);
        }
        if self.inspecting.is_some() {
            ui.spinner();
        }
        match &self.inspected {
            None => {}
            Some(Err(e)) => {
                ui.colored_label(crate::gui::criteria::FAIL, e);
            }
            Some(Ok(s)) => {
                ui.label(format!(
                    "{} parameters in {} tensors ({})",
                    s.total_parameters,
                    s.tensors.len(),
                    s.format
                ));
                egui::Grid::new("run_view_ckpt_modules")
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("module");
                        ui.strong("tensors");
                        ui.strong("parameters");
                        ui.end_row();
                        for m in &s.modules {
                            ui.label(&m.module);
                            ui.label(m.tensors.to_string());
                            ui.label(m.parameters.to_string());
                            ui.end_row();
                        }
                    });
                for v in &s.scalars {
                    ui.label(format!("{} = {}", v.name, v.value));
                }
            }
        }
    }

    pub fn inspect_error(&self) -> Option<String> {
        match &self.inspected {
            Some(Err(e)) => Some(e.clone()),
            None => Some("not inspected yet".into()),
            Some(Ok(_)) => None,
        }
    }

    /// The last inspected checkpoint, if one was read.
    pub fn inspected(&self) -> Option<&CheckpointSummary> {
        self.inspected.as_ref().and_then(|r| r.as_ref().ok())
    }

    fn images_ui(&mut self, ui: &mut egui::Ui, d: &RunDetail) {
        self.series = self.series.min(d.images.len() - 1);
        let mut series = self.series;
        egui::ComboBox::from_label("Image series")
            .selected_text(&d.images[series].name)
            .show_ui(ui, |ui| {
                for (i, s) in d.images.iter().enumerate() {
                    ui.selectable_value(&mut series, i, format!("{} ({})", s.name, s.frames.len()));
                }
            });
        if series != self.series {
            self.series = series;
            self.frame = usize::MAX;
        }
        let frames = &d.images[self.series].frames;
        self.frame = self.frame.min(frames.len() - 1);
        let steps: Vec<u64> = frames.iter().map(|f| f.0).collect();
        let mut i = self.frame;
        ui.add(
            egui::Slider::new(&mut i, 0..=frames.len() - 1)
                .text("image step")
                .custom_formatter(|v, _| {
                    steps.get(v as usize).map_or(String::new(), u64::to_string)
                }),
        );
        self.frame = i;
        let (step, path) = &frames[self.frame];
        let rel = path.strip_prefix(&self.dir).unwrap_or(path);
        ui.label(format!("step {step}: {}", rel.display()))
            .on_hover_text(path.display().to_string());
        let shown = self.texture.as_ref().map(|(p, _)| p) == Some(path);
        if !shown && self.image.is_none() {
            let p = path.clone();
            self.image = Some(Task::spawn(
                "load-image",
                Some(ui.ctx().clone()),
                move |_| {
                    let img = image::open(&p)
                        .map_err(|e| format!("{}: {e}", p.display()))?
                        .to_rgba8();
                    let size = [img.width() as usize, img.height() as usize];
                    Ok(egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw()))
                },
            ));
            self.texture_for = Some(path.clone());
        }
        if let Some(r) = self.image.as_mut().and_then(Task::poll) {
            self.image = None;
            match r {
                Ok(img) => {
                    let p = self.texture_for.take().unwrap_or_default();
                    let tex = ui.ctx().load_texture(
                        p.display().to_string(),
                        img,
                        egui::TextureOptions::default(),
                    );
                    self.texture = Some((p, tex));
                    self.image_error = None;
                }
                Err(e) => self.image_error = Some(e),
            }
        }
        if let Some(e) = &self.image_error {
            ui.colored_label(crate::gui::criteria::FAIL, e);
        }
        if let Some((_, tex)) = &self.texture {
            let size = tex.size_vec2();
            let scale = (480.0 / size.x.max(1.0)).min(4.0);
            ui.add(egui::Image::new((tex.id(), size * scale)).alt_text("run image"));
        }
    }
}

/// Every planning column of the run, one row per evaluated step (`nan`: not evaluated).
fn planning_table(ui: &mut egui::Ui, d: &RunDetail) {
    if d.planning.rows() == 0 {
        ui.weak("No planning rows.");
        return;
    }
    egui::ScrollArea::horizontal()
        .id_salt("run_view_planning")
        .show(ui, |ui| {
            egui::Grid::new("run_view_planning_grid")
                .striped(true)
                .show(ui, |ui| {
                    for n in &d.planning.names {
                        ui.strong(n);
                    }
                    ui.end_row();
                    for r in 0..d.planning.rows() {
                        for (_, v) in d.planning.row(r) {
                            ui.label(cell_text(v));
                        }
                        ui.end_row();
                    }
                });
        });
}

/// Their planning_anchor_metrics.csv, every column (`h_metric` is a word).
fn anchor_table(ui: &mut egui::Ui, t: &worldbench_storage::their_runs::MixedTable) {
    egui::ScrollArea::horizontal()
        .id_salt("run_view_anchor")
        .show(ui, |ui| {
            egui::Grid::new("run_view_anchor_grid")
                .striped(true)
                .show(ui, |ui| {
                    for n in &t.names {
                        ui.strong(n);
                    }
                    ui.end_row();
                    for row in &t.rows {
                        for c in row {
                            match c {
                                worldbench_storage::their_runs::Cell::Number(v) => {
                                    ui.label(cell_text(*v))
                                }
                                worldbench_storage::their_runs::Cell::Text(w) => ui.label(w),
                            };
                        }
                        ui.end_row();
                    }
                });
        });
}

/// A planning cell: counts and steps as integers, `–` for not evaluated.
pub fn cell_text(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        format_value(v)
    }
}

/// A start time as the tables show it (`2026-02-05 12:56`), ours (RFC 3339) and theirs (their
/// folder's time, no offset) alike.
pub fn started_text(started: &str) -> String {
    let short = worldbench_storage::run::short_time(started);
    if short != started {
        return short;
    }
    match started.get(..16) {
        Some(s) => s.replace('T', " "),
        None => started.to_string(),
    }
}
