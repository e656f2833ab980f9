//! `worldbench`: the Worldbench research workbench (see lib.rs).

fn main() -> std::process::ExitCode {
    // Before any thread starts: candle's element-wise ops on the calling thread, rayon for the rest.
    worldbench_model::nn::threads::use_rayon_only_for_cpu_training();
    worldbench::main_entry()
}
