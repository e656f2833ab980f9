//! Thread settings for the CPU training step.
//!
//! candle runs large element-wise ops on its own "barrier pool" of spinning worker threads, next
//! to the rayon pool that runs the convolutions and gemm. On a small machine (2 cores) the two
//! pools steal cores from each other; the convolutions are ~85% of the step, so the step is
//! faster with candle's element-wise ops on the calling thread.

/// Sets `CANDLE_NUM_THREADS=1` (unless already set), so candle's element-wise ops run on the
/// calling thread and only rayon's pool runs in parallel. candle reads it before its first
/// parallel op, so call this at the very start of `main`, before any other thread starts
/// (changing the environment while other threads read it is not safe).
pub fn use_rayon_only_for_cpu_training() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}
