//! `worldbench bench train|hgraph`: benchmarks that print figures (never timed tests).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::config::ModelConfig;
use worldbench_model::config::TrainConfig;
use worldbench_model::eval::{bench_hgraph, evaluate};
use worldbench_model::nn::Jepa;
use worldbench_model::planners::{MpcConfig, MpcPlanner, Planner};
use worldbench_model::train::bench_train_on;
use worldbench_model::train::peak::{measure_peak_gflops, train_flops_per_step};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::{generate_dataset, Preset, World, TEST1};

use crate::cli::{BenchCommand, BenchEvalArgs, BenchHgraphArgs, BenchTrainArgs};

pub fn run(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Train(args) => train(&args),
        BenchCommand::Hgraph(args) => hgraph(&args),
        BenchCommand::HgraphRender(args) => super::bench_render::run(&args),
        BenchCommand::Eval(args) => eval_timings(&args),
        BenchCommand::MetricsIo(args) => super::bench_metrics_io::run(&args),
        BenchCommand::Queue(args) => super::bench_queue::run(&args),
    }
}

/// Our steps/s against the PyTorch peer's, interleaved A B A B in one run.
#[derive(Debug, Serialize)]
struct PeerComparison {
    ours_steps_per_s: Vec<f64>,
    peer_steps_per_s: Vec<f64>,
    ours_median: f64,
    peer_median: f64,
    /// ours / peer.
    ratio: f64,
    /// FLOPs of one step (`ref_step.py`'s count), in GFLOP.
    gflop_per_step: f64,
    /// Measured fp32 FMA peak of the threads used.
    peak_gflops: Option<f64>,
    ours_share_of_peak: Option<f64>,
    peer_share_of_peak: Option<f64>,
}

/// "X GFLOP/s = Y % of the measured peak" for a rate, or a note that no peak was measured.
fn peak_text(gflops: f64, peak: Option<f64>, threads: usize) -> String {
    match peak {
        Some(p) => format!(
            "{gflops:.1} GFLOP/s = {:.0} % of the measured fp32 FMA peak of {threads} threads ({p:.0} GFLOP/s)",
            100.0 * gflops / p
        ),
        None => format!("{gflops:.1} GFLOP/s (no FMA peak measured on this CPU)"),
    }
}

fn train(args: &BenchTrainArgs) -> Result<()> {
    if args.peer {
        return train_vs_peer(args);
    }
    super::train::check_device(&args.device)?;
    let report = bench_train_on(
        args.steps,
        args.warmup,
        args.repeats,
        args.threads,
        &args.device,
        args.batch,
    )?;
    let peak = measure_peak_gflops(report.threads);
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["peak_gflops"] = serde_json::json!(peak);
        v["share_of_peak"] = serde_json::json!(peak.map(|p| report.gflops / p));
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "reference training step (B={}, T=5, 32×32 RGB) on {}, {} threads",
        report.batch, report.device, report.threads
    );
    println!("loss {:.4} → {:.4}", report.first_loss, report.last_loss);
    println!("{:<28} {:>10}", "phase", "ms/step");
    for row in &report.profile {
        println!("{:<28} {:>10.2}", row.name, row.ms_per_step);
    }
    let rates: Vec<String> = report.rates.iter().map(|r| format!("{r:.2}")).collect();
    println!("repeats: {} steps/s", rates.join(", "));
    println!(
        "{:.2} GFLOP/step: {}",
        report.gflop_per_step,
        peak_text(report.gflops, peak, report.threads)
    );
    println!("steps_per_s={:.2}", report.steps_per_s);
    Ok(())
}

fn train_vs_peer(args: &BenchTrainArgs) -> Result<()> {
    let script = args
        .peer_script
        .clone()
        .unwrap_or_else(|| PathBuf::from("../shared/bench/ref_step.py"));
    if !script.is_file() {
        bail!(
            "{}: the PyTorch peer script is not there; pass --peer-script <ref_step.py>",
            script.display()
        );
    }
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    let probe = Command::new(&python).args(["-c", "import torch"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        bail!(
            "{} cannot import torch, so the PyTorch peer cannot run: install it (`python3 -m venv .venv-ref && \
             .venv-ref/bin/pip install torch`) and pass --python .venv-ref/bin/python",
            python.display()
        );
    }
    super::train::check_device(&args.device)?;
    if args
        .batch
        .is_some_and(|b| b != ModelConfig::reference().batch_size)
    {
        bail!(
            "--batch with --peer: ref_step.py has a fixed batch of {}; time the peer at another batch \
             by itself (packaging/gpu-check.sh does)",
            ModelConfig::reference().batch_size
        );
    }
    let threads = args.threads.unwrap_or(2);
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for round in 0..args.repeats {
        let report = bench_train_on(
            args.steps,
            args.warmup,
            1,
            Some(threads),
            &args.device,
            None,
        )?;
        ours.push(report.steps_per_s);
        let out = Command::new(&python)
            .arg(&script)
            .args([
                "--steps",
                &args.steps.to_string(),
                "--repeats",
                "1",
                "--warmup",
                &args.warmup.to_string(),
            ])
            .args(["--threads", &threads.to_string()])
            .args(["--device", &args.device])
            .output()
            .with_context(|| format!("running {}", script.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let rate = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("steps_per_s="))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .with_context(|| {
                format!("{} printed no steps_per_s= line:\n{text}", script.display())
            })?;
        peer.push(rate);
        if !args.json {
            eprintln!(
                "round {round}: worldbench {:.2} steps/s, pytorch {rate:.2} steps/s",
                report.steps_per_s
            );
        }
    }
    let (om, pm) = (median(&ours), median(&peer));
    let gflop_per_step = train_flops_per_step(&ModelConfig::reference()) / 1e9;
    let peak = measure_peak_gflops(threads);
    let cmp = PeerComparison {
        ours_steps_per_s: ours,
        peer_steps_per_s: peer,
        ours_median: om,
        peer_median: pm,
        ratio: om / pm,
        gflop_per_step,
        peak_gflops: peak,
        ours_share_of_peak: peak.map(|p| om * gflop_per_step / p),
        peer_share_of_peak: peak.map(|p| pm * gflop_per_step / p),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&cmp)?);
    } else {
        println!(
            "worldbench {om:.2} steps/s, pytorch {pm:.2} steps/s, ratio {:.2}× ({threads} threads)",
            cmp.ratio
        );
        println!(
            "worldbench {}; pytorch {}",
            peak_text(om * gflop_per_step, peak, threads),
            peak_text(pm * gflop_per_step, peak, threads)
        );
    }
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => 0.5 * (s[n / 2 - 1] + s[n / 2]),
    }
}

fn hgraph(args: &BenchHgraphArgs) -> Result<()> {
    let report = bench_hgraph(args.nodes);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "h-graph: {} nodes, {} edges, {} strongly connected components (largest {})",
            report.nodes, report.edges, report.scc_count, report.largest_scc
        );
        println!(
            "build {:.3} s, exact reachability {:.3} s",
            report.build_secs, report.reach_secs
        );
        println!(
            "reachability median {:.3}, p10 {:.3}, p90 {:.3}",
            report.reach_median, report.reach_p10, report.reach_p90
        );
    }
    Ok(())
}

/// Times one planning evaluation stage by stage.
fn eval_timings(args: &BenchEvalArgs) -> Result<()> {
    let (encoder, data, world, label) = if let Some(dir) = &args.run {
        let run = crate::run_context::open_run(dir)?;
        let path =
            super::run_checkpoint::select_checkpoints(&run.paths, &args.checkpoint)?.remove(0);
        let ckpt = checkpoint::load(&path)?;
        let encoder = JepaEncoder::from_checkpoint(&path, &ckpt.config.candle_device()?)?;
        (encoder, run.data, run.world, path.display().to_string())
    } else {
        let cfg = TrainConfig::preset("reference")?;
        let model = Jepa::new(&cfg.model, cfg.seed, &cfg.candle_device()?)?;
        let data = generate_dataset(Preset::CornerLoops, 40, None, 0, None)?;
        let label = "a freshly initialised reference model on corner-loops (40 episodes, seed 0)"
            .to_string();
        (JepaEncoder::new(model), data, World::new(None), label)
    };
    let started = std::time::Instant::now();
    let eval = evaluate(&encoder, &data, &world, 0, 0)?;
    let total_secs = started.elapsed().as_secs_f64();
    // mpc's cost per plan step: test1 with the default CEM settings, every step re-planned.
    let mpc_cfg = MpcConfig::default();
    let mut mpc = MpcPlanner::new(&encoder, mpc_cfg)?;
    let mpc_started = std::time::Instant::now();
    let mpc_out = mpc.run(&world, TEST1.0, TEST1.1)?;
    let mpc_step_secs = mpc_started.elapsed().as_secs_f64() / mpc_out.steps.max(1) as f64;
    if args.json {
        let v = serde_json::json!({
            "frames": data.len(),
            "nodes": eval.row.num_nodes_h,
            "edges": eval.row.num_edges_h,
            "timings": eval.timings,
            "total_secs": total_secs,
            "mpc": {
                "config": mpc_cfg,
                "steps": mpc_out.steps,
                "success": mpc_out.success,
                "predictor_calls": mpc.predictor_calls,
                "step_secs": mpc_step_secs,
            },
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let t = eval.timings;
    println!("planning evaluation of {label}");
    println!(
        "{} frames → {} nodes, {} edges",
        data.len(),
        eval.row.num_nodes_h,
        eval.row.num_edges_h
    );
    for (stage, secs) in [
        ("encode (distinct frames)", t.encode_secs),
        ("radius, clustering, edges", t.graph_secs),
        ("exact reachability", t.reach_secs),
        ("h_local_success", t.local_secs),
        ("diagnostics (h_L, hit@K…)", t.diagnostics_secs),
        ("planning test1 + test2", t.plan_secs),
        ("total", total_secs),
    ] {
        println!("{stage:<28} {secs:>9.4} s");
    }
    println!(
        "{:<28} {mpc_step_secs:>9.4} s  (horizon {}, {} samples, {} iterations: {} predictor batches \
         over {} steps of test1, {})",
        "mpc, per plan step",
        mpc_cfg.horizon,
        mpc_cfg.samples,
        mpc_cfg.iterations,
        mpc.predictor_calls,
        mpc_out.steps,
        if mpc_out.success { "reached" } else { "not reached" }
    );
    Ok(())
}
