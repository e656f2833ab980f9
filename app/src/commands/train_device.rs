//! `--device cuda` on this machine: is there a device to train on, and what a CUDA run's manifest
//! records of it (device name, driver and CUDA versions).

use anyhow::{bail, Result};
use worldbench_model::cuda::{self, CudaUnavailable};

/// What `run.json` records of the device; all `None` for a CPU run.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeviceFacts {
    pub device_name: Option<String>,
    pub driver_version: Option<String>,
    pub cuda_version: Option<String>,
}

/// For "cuda": device 0's name and the driver's versions, or an error that says what is missing
/// (CUDA support in this build, the NVIDIA driver, a device). Nothing is asked for "cpu".
pub(crate) fn local_device_facts(device: &str) -> Result<DeviceFacts> {
    if device != "cuda" {
        return Ok(DeviceFacts::default());
    }
    let unavailable = |e: CudaUnavailable| {
        anyhow::anyhow!(
            "--device cuda: CUDA is not available on this machine: {e}; use --device cpu"
        )
    };
    let devices = cuda::cuda_devices().map_err(unavailable)?;
    let Some(first) = devices.into_iter().next() else {
        bail!(unavailable(CudaUnavailable::NoDevice));
    };
    let versions = cuda::cuda_versions().map_err(unavailable)?;
    Ok(DeviceFacts {
        device_name: Some(first.name),
        driver_version: versions.driver_version,
        cuda_version: Some(versions.cuda_version),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_asks_nothing_and_cuda_without_a_device_says_why() {
        assert_eq!(local_device_facts("cpu").unwrap(), DeviceFacts::default());
        // Here (no GPU, or no `cuda` feature) CUDA is refused with the reason; on a GPU machine
        // with the feature, the facts name the device.
        match local_device_facts("cuda") {
            Ok(facts) => assert!(facts.device_name.is_some() && facts.cuda_version.is_some()),
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(
                    msg.contains("--device cuda: CUDA is not available"),
                    "{msg}"
                );
                assert!(
                    msg.contains("built without CUDA")
                        || msg.contains("NVIDIA driver")
                        || msg.contains("no CUDA device"),
                    "{msg}"
                );
            }
        }
    }
}
