//! `worldbench bench hgraph-render`: per-frame CPU time of the h-graph view, in 2D and in 3D,
//! against egui_plot's `Points` + `Line` showing the same nodes and edges (2D), in one run.
//!
//! A frame is what the CPU does each frame: egui's frame building (`Context::run_ui`, with pointer
//! moves, drags that pan (2D) or orbit (3D) and pinch-zooms) plus tessellation of the shapes. Our
//! view draws through a wgpu paint callback whose buffers are uploaded once (that one-time packing
//! is reported separately); per frame its `prepare` writes a 96-byte uniform, which is not timed
//! here (no GPU submission). In 3D, hover picking projects every node and rebuilds the screen grid
//! on the first frame after the camera moved (the frames where it moved skip the hover pick):
//! that cost shows in the 3D p90, and is also timed on its own. The peer gets its points as a
//! borrowed slice (no copy per frame) and the edges as one polyline through both ends of every
//! edge (the same vertex count).

use std::time::Instant;

use anyhow::Result;
use egui::{pos2, vec2, Event, PointerButton, RawInput, Rect};
use egui_plot::{Line, Plot, PlotPoint, Points};
use serde::Serialize;
use worldbench_widgets::hgraph::gpu::egui_wgpu::wgpu::TextureFormat;
use worldbench_widgets::hgraph::{Backend, GpuTarget, GraphData, HGraphView};

use crate::cli::BenchRenderArgs;

const SCREEN: [f32; 2] = [1280.0, 800.0];

/// One graph size.
#[derive(Debug, Serialize)]
struct Row {
    nodes: usize,
    edges: usize,
    /// Median and 90th percentile of our per-frame CPU time, 2D view.
    ours_ms_median: f64,
    ours_ms_p90: f64,
    /// The same in the 3D view (orbit instead of pan).
    ours_3d_ms_median: f64,
    ours_3d_ms_p90: f64,
    /// Median time of a 3D pick right after the camera moved: every node projected on the CPU
    /// and the screen grid rebuilt (the later picks under the same camera reuse both).
    pick_3d_after_move_ms: f64,
    /// One-time packing of node instances and edge vertices (on data or colour change only).
    ours_upload_prep_ms: f64,
    peer_ms_median: f64,
    peer_ms_p90: f64,
    /// peer / ours (medians).
    speedup: f64,
}

/// Input of frame `f`: the pointer wanders over the view; frames 2..6 of every 10 drag (pan),
/// odd frames pinch-zoom in or out at the pointer.
fn input(f: usize) -> RawInput {
    let t = f as f32;
    let p = pos2(
        640.0 + 60.0 * (t * 0.3).sin(),
        420.0 + 40.0 * (t * 0.2).cos(),
    );
    let mut events = vec![Event::PointerMoved(p)];
    match f % 10 {
        2 => events.push(Event::PointerButton {
            pos: p,
            button: PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        }),
        6 => events.push(Event::PointerButton {
            pos: p,
            button: PointerButton::Primary,
            pressed: false,
            modifiers: egui::Modifiers::NONE,
        }),
        _ => {}
    }
    if f % 2 == 1 {
        events.push(Event::Zoom(if f % 4 == 1 { 1.05 } else { 1.0 / 1.05 }));
    }
    RawInput {
        screen_rect: Some(Rect::from_min_size(
            pos2(0.0, 0.0),
            vec2(SCREEN[0], SCREEN[1]),
        )),
        time: Some(f64::from(f as u32) / 60.0),
        events,
        ..Default::default()
    }
}

/// Milliseconds of each of `frames` frames of `ui` (after `warmup` untimed ones).
fn time_frames(warmup: usize, frames: usize, mut draw: impl FnMut(&mut egui::Ui)) -> Vec<f64> {
    let ctx = egui::Context::default();
    let mut out = Vec::with_capacity(frames);
    for f in 0..warmup + frames {
        let started = Instant::now();
        let mut output = ctx.run_ui(input(f), |ui| draw(ui));
        output.textures_delta.clear();
        let prims = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(&prims);
        if f >= warmup {
            out.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    out
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    s[((s.len() - 1) as f64 * p).round() as usize]
}

fn measure(nodes: usize, frames: usize, peer_frames: usize) -> Result<Row> {
    let data = GraphData::synthetic(nodes, 3, 42);
    let edges = data.edges.len();
    let target = GpuTarget {
        format: TextureFormat::Rgba8Unorm,
        msaa_samples: 1,
        depth_format: None,
    };
    let mut view = HGraphView::new(Backend::Wgpu(target));
    view.set_data(data.clone()).map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    std::hint::black_box(view.gpu_data());
    let prep_ms = started.elapsed().as_secs_f64() * 1e3;
    let ours = time_frames(3, frames, |ui| {
        egui::CentralPanel::default().show(ui, |ui| {
            view.ui(ui, ui.available_size());
        });
    });
    view.three_d = true;
    let ours_3d = time_frames(3, frames, |ui| {
        egui::CentralPanel::default().show(ui, |ui| {
            view.ui(ui, ui.available_size());
        });
    });
    let pick_3d = time_pick_after_move(&mut view, 7);

    let points: Vec<PlotPoint> = data
        .positions
        .iter()
        .map(|p| PlotPoint::new(f64::from(p[0]), f64::from(p[1])))
        .collect();
    let segments: Vec<PlotPoint> = data
        .edges
        .iter()
        .flat_map(|e| [points[e.from as usize], points[e.to as usize]])
        .collect();
    let peer = time_frames(1, peer_frames, |ui| {
        egui::CentralPanel::default().show(ui, |ui| {
            Plot::new("peer").data_aspect(1.0).show(ui, |plot| {
                plot.line(Line::new("edges", &segments[..]));
                plot.points(Points::new("nodes", &points[..]).radius(2.0));
            });
        });
    });
    let (om, pm) = (percentile(&ours, 0.5), percentile(&peer, 0.5));
    Ok(Row {
        nodes,
        edges,
        ours_ms_median: om,
        ours_ms_p90: percentile(&ours, 0.9),
        ours_3d_ms_median: percentile(&ours_3d, 0.5),
        ours_3d_ms_p90: percentile(&ours_3d, 0.9),
        pick_3d_after_move_ms: percentile(&pick_3d, 0.5),
        ours_upload_prep_ms: prep_ms,
        peer_ms_median: pm,
        peer_ms_p90: percentile(&peer, 0.9),
        speedup: pm / om,
    })
}

/// Milliseconds of `repeats` picks at the view's centre, each right after an orbit of the 3D
/// camera (so each projects every node and rebuilds the screen grid).
fn time_pick_after_move(view: &mut HGraphView, repeats: usize) -> Vec<f64> {
    let rect = view.rect();
    let mut camera = view.camera.unwrap_or_default();
    (0..repeats)
        .map(|_| {
            camera.orbit(vec2(7.0, 3.0));
            view.camera = Some(camera);
            let started = Instant::now();
            std::hint::black_box(view.pick(rect, rect.center()));
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

pub fn run(args: &BenchRenderArgs) -> Result<()> {
    let mut rows = Vec::new();
    for &n in &args.nodes {
        let row = measure(n, args.frames, args.peer_frames)?;
        if !args.json {
            eprintln!("{n} nodes done");
        }
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "h-graph view per-frame CPU time (egui frame + tessellation; 2D: pan and zoom, 3D: orbit and zoom), {} frames each; peer: egui_plot Points + Line, {} frames",
        args.frames, args.peer_frames
    );
    println!(
        "| {:>9} | {:>9} | {:>10} | {:>9} | {:>10} | {:>9} | {:>14} | {:>14} | {:>15} | {:>9} |",
        "nodes",
        "edges",
        "2D ms (md)",
        "2D p90",
        "3D ms (md)",
        "3D p90",
        "3D re-pick ms",
        "egui_plot (md)",
        "egui_plot p90",
        "speedup"
    );
    println!(
        "|{}|",
        [
            "-----------",
            "-----------",
            "------------",
            "-----------",
            "------------",
            "-----------",
            "----------------",
            "----------------",
            "-----------------",
            "-----------"
        ]
        .join("|")
    );
    for r in &rows {
        println!(
            "| {:>9} | {:>9} | {:>10.3} | {:>9.3} | {:>10.3} | {:>9.3} | {:>14.1} | {:>14.1} | {:>15.1} | {:>8.0}× |",
            r.nodes,
            r.edges,
            r.ours_ms_median,
            r.ours_ms_p90,
            r.ours_3d_ms_median,
            r.ours_3d_ms_p90,
            r.pick_3d_after_move_ms,
            r.peer_ms_median,
            r.peer_ms_p90,
            r.speedup
        );
    }
    println!("speedup: egui_plot median / our 2D median. 3D re-pick: the first pick after the camera moved (every node projected, screen grid rebuilt).");
    println!(
        "one-time packing of GPU buffers (on data or colour change): {}",
        rows.iter()
            .map(|r| format!("{} nodes {:.1} ms", r.nodes, r.ours_upload_prep_ms))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
