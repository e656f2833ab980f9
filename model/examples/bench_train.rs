//! Times the reference training step: `cargo run --release -p worldbench-model --example bench_train -- [steps] [repeats] [threads]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    worldbench_model::nn::threads::use_rayon_only_for_cpu_training();
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let steps = args.first().copied().unwrap_or(20);
    let repeats = args.get(1).copied().unwrap_or(3);
    let threads = args.get(2).copied();
    let r = worldbench_model::train::bench_train(steps, 5, repeats, threads)?;
    println!(
        "threads={} rates={:?} loss {:.4} -> {:.4}",
        r.threads, r.rates, r.first_loss, r.last_loss
    );
    for p in &r.profile {
        println!("{:<24} {:8.2} ms/step", p.name, p.ms_per_step);
    }
    println!("steps_per_s={:.2}", r.steps_per_s);
    Ok(())
}
