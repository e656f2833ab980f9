//! The desktop app (eframe + wgpu): panels, the job supervisor, and the persisted `State`.

pub mod app;
pub mod command;
mod command_handling;
pub mod criteria;
pub mod desktop_env;
pub mod file_dialog;
pub mod jobs;
pub mod panels;
pub mod planning_table;
pub mod plots;
pub mod progress_event;
pub mod run_index;
pub mod slurm_status;
pub mod task;
pub mod task_tracker;
#[cfg(test)]
mod test_fixtures;

use std::path::PathBuf;

pub use app::{shortcut_rows, WorldbenchApp, DEMO_DATASET, SHORTCUTS};
pub use panels::table::{PanelId, State};

/// The app icon (256×256 PNG).
pub const ICON_PNG: &[u8] = include_bytes!("../../../assets/worldbench.png");

/// Opens the desktop app on the workspace `workspace` (created on first use).
/// Bits of the window's depth buffer (eframe `NativeOptions::depth_buffer`).
const DEPTH_BITS: u8 = 32;

/// The h-graph view's render target: the window's colour format and the depth format that
/// [`DEPTH_BITS`] gives the render pass (the pipelines must match the pass).
pub fn gpu_target(rs: &eframe::egui_wgpu::RenderState) -> worldbench_widgets::hgraph::GpuTarget {
    let target = worldbench_widgets::hgraph::GpuTarget::of(rs);
    match eframe::egui_wgpu::depth_format_from_bits(DEPTH_BITS, 0) {
        Some(format) => target.with_depth(format),
        None => target,
    }
}

pub fn run(workspace: PathBuf) -> anyhow::Result<()> {
    desktop_env::quiet_wayland_probe();
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the worldbench executable: {e}"))?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Worldbench")
        .with_app_id("org.worldbench.Worldbench")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([800.0, 500.0])
        .with_drag_and_drop(true);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Wgpu,
        // A depth buffer for the h-graph's 3D view (nearer nodes draw on top); see `gpu_target`.
        depth_buffer: DEPTH_BITS,
        ..Default::default()
    };
    eframe::run_native(
        "Worldbench",
        options,
        Box::new(move |cc| {
            let state: State = cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default();
            let mut app = WorldbenchApp::new(workspace, state, exe)?;
            // A first start on an empty workspace: generate the demo dataset right away (a job, as the
            // "Generate demo dataset" button does), so there is something to browse and train on.
            if app.dataset_dirs().is_empty() {
                app.push_command(command::AppCommand::GenerateDemoDataset);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the desktop app could not start: {e} (is a display available? the command line works without one: `worldbench --help`)"))
}
