//! Errors of the model crate.

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Storage(#[from] worldbench_storage::StorageError),
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Bad input or configuration; the message says what is wrong and what to do.
    #[error("{0}")]
    Invalid(String),
    /// The caller's cancel flag was set.
    #[error("cancelled")]
    Cancelled,
}
