//! `worldbench bench queue`: what the queue adds per run. The same no-op process (`worldbench
//! --version`) is started N times directly, one after the other, then N times as queued jobs
//! worked by one worker (`max_parallel = 1`); the difference per job is the queue's overhead
//! (locking, job files written atomically, claiming, settling, polling).

use std::time::Instant;

use anyhow::{Context, Result};
use worldbench_storage::queue::{JobState, NewJob, Queue};
use worldbench_storage::Workspace;

use crate::cli::BenchQueueArgs;

pub fn run(args: &BenchQueueArgs) -> Result<()> {
    let n = args.jobs.max(1);
    let tmp = tempfile::tempdir().context("cannot create a temporary workspace")?;
    let ws = Workspace::open_or_create(tmp.path().join("ws"))?;
    std::fs::write(ws.config_path(), "[queue]\nmax_parallel = 1\n")
        .with_context(|| format!("{}: cannot write", ws.config_path().display()))?;
    let exe = std::env::current_exe().context("cannot find this worldbench binary")?;

    let t = Instant::now();
    for _ in 0..n {
        let status = std::process::Command::new(&exe)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .status()
            .with_context(|| format!("{}: cannot start", exe.display()))?;
        anyhow::ensure!(status.success(), "`worldbench --version` failed");
    }
    let direct = t.elapsed().as_secs_f64();

    let queue = Queue::of_workspace(ws.root());
    let t = Instant::now();
    {
        let g = queue.lock()?;
        for i in 0..n {
            g.add(NewJob {
                label: format!("no-op {i}"),
                title: format!("no-op {i}"),
                args: vec!["--version".into()],
                ..NewJob::default()
            })?;
        }
    }
    let enqueue = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let summary = super::queue_work::work(&ws, None, false)?;
    let worked = t.elapsed().as_secs_f64();
    let completed = queue
        .list()?
        .iter()
        .filter(|j| j.state == JobState::Completed)
        .count();
    anyhow::ensure!(
        completed == n && summary.started == n,
        "{completed} of {n} no-op jobs completed"
    );
    let per_job_ms = |s: f64| s * 1e3 / n as f64;
    let overhead = per_job_ms(worked - direct);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "jobs": n,
                "direct_ms_per_job": per_job_ms(direct),
                "queued_ms_per_job": per_job_ms(worked),
                "enqueue_ms_per_job": per_job_ms(enqueue),
                "overhead_ms_per_job": overhead,
            })
        );
    } else {
        println!("{n} no-op jobs (`worldbench --version`), one at a time:");
        println!(
            "  started directly        {:>8.2} ms per job",
            per_job_ms(direct)
        );
        println!(
            "  through the queue       {:>8.2} ms per job",
            per_job_ms(worked)
        );
        println!(
            "  enqueueing              {:>8.2} ms per job",
            per_job_ms(enqueue)
        );
        println!("  queue overhead          {overhead:>8.2} ms per job (+ enqueueing)");
    }
    Ok(())
}
