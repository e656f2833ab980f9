//! The JEPA network in candle: the fast CPU convolution (im2col + gemm custom op), the model and
//! its loss, AdamW with exposed state, and an opt-in phase profiler.

pub mod adamw;
pub mod alloc;
pub mod buffer_pool;
pub mod conv;
mod cpu_values;
pub mod encoder_op;
pub mod gemm;
pub mod jepa;
pub mod loss_op;
pub mod profile;
pub mod threads;

pub use adamw::{AdamW, AdamWParams};
pub use conv::{conv2d_nhwc, ConvImpl, ConvOptions, ConvSpec};
pub use jepa::{Jepa, LossParts};
