//! Model and training configuration, with named presets (`reference`, `default`, `tiny`).
//!
//! The plain data lives in `worldbench_storage::train_config` (the run manifest stores it); this
//! module re-exports it and adds what needs candle: [`CandleDevice`].

pub use worldbench_storage::train_config::{ConfigError, ModelConfig, TrainConfig, PRESET_NAMES};

use crate::error::{ModelError, Result};

impl From<ConfigError> for ModelError {
    fn from(e: ConfigError) -> Self {
        Self::Invalid(e.0)
    }
}

/// The candle device of a configuration.
pub trait CandleDevice {
    /// The candle device named by `device`; an error when it is unknown or not available.
    fn candle_device(&self) -> Result<candle_core::Device>;
}

impl CandleDevice for TrainConfig {
    fn candle_device(&self) -> Result<candle_core::Device> {
        match self.device.as_str() {
            "cpu" => Ok(candle_core::Device::Cpu),
            "cuda" => crate::cuda::check_driver()
                .map_err(|e| {
                    ModelError::Invalid(format!(
                        "device \"cuda\" is not available ({e}); use \"cpu\""
                    ))
                })
                .and_then(|()| {
                    candle_core::Device::new_cuda(0).map_err(|e| {
                        ModelError::Invalid(format!(
                            "device \"cuda\" is not available ({e}); use \"cpu\""
                        ))
                    })
                }),
            other => Err(ModelError::Invalid(format!(
                "unknown device {other:?}; use \"cpu\" or \"cuda\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_errors_convert() {
        let cfg = TrainConfig::default();
        assert!(matches!(cfg.candle_device(), Ok(candle_core::Device::Cpu)));
        let bad = TrainConfig {
            device: "tpu".into(),
            ..TrainConfig::default()
        };
        assert!(bad
            .candle_device()
            .unwrap_err()
            .to_string()
            .contains("unknown device"));
        let e: ModelError = bad.validate().unwrap_err().into();
        assert!(matches!(e, ModelError::Invalid(m) if m.contains("\"tpu\"")));
    }
}
