//! Errors of the model crate.

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Storage(#[from] worldbench_storage::StorageError),
    /// The cause is in the message, not chained as a `source`, so that `{:#}` does not repeat it.
    #[error("tensor computation failed: {0}")]
    Candle(candle_core::Error),
    /// Bad input or configuration; the message says what is wrong and what to do.
    #[error("{0}")]
    Invalid(String),
    /// The caller's cancel flag was set.
    #[error("cancelled")]
    Cancelled,
}

impl From<candle_core::Error> for ModelError {
    fn from(e: candle_core::Error) -> Self {
        Self::Candle(e)
    }
}
