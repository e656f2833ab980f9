//! CUDA devices as the driver reports them, and why there are none.
//!
//! A `cuda` build loads the NVIDIA driver (`libcuda.so.1`) at run time (see README, "CUDA"), so a
//! binary without a driver starts; everything here first checks that the driver library loads, so
//! asking for CUDA on such a machine is an error that names the missing driver, never a panic.

/// One CUDA device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaDeviceInfo {
    /// The ordinal (`cuda:0` is index 0).
    pub index: usize,
    /// The driver's name of the device, e.g. "NVIDIA H200".
    pub name: String,
    pub total_memory_bytes: u64,
}

/// The driver and CUDA versions of the machine, for a CUDA run's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaVersions {
    /// The NVIDIA kernel driver (`/proc/driver/nvidia/version`, e.g. "560.35.03"), when readable.
    pub driver_version: Option<String>,
    /// The CUDA version the driver supports (`cuDriverGetVersion`, e.g. "12.6").
    pub cuda_version: String,
}

/// Why no CUDA device can be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CudaUnavailable {
    #[error(
        "this worldbench was built without CUDA support (build it with packaging/build-cuda.sh)"
    )]
    NotBuilt,
    #[error("no NVIDIA driver: {0}")]
    NoDriver(String),
    #[error("the NVIDIA driver reports no CUDA device")]
    NoDevice,
    #[error("the CUDA driver failed: {0}")]
    Driver(String),
}

/// Every CUDA device, in ordinal order; an error that says why when there is none to use.
pub fn cuda_devices() -> Result<Vec<CudaDeviceInfo>, CudaUnavailable> {
    imp::devices()
}

/// The driver and CUDA versions; an error when the driver cannot be used.
pub fn cuda_versions() -> Result<CudaVersions, CudaUnavailable> {
    imp::versions()
}

/// Loads the driver library; an error naming it when it cannot be loaded (or in a build without CUDA).
pub fn check_driver() -> Result<(), CudaUnavailable> {
    imp::driver_loads()
}

/// `560.35.03` from `/proc/driver/nvidia/version`'s first line
/// (`NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.35.03  Fri Aug 16 21:39:15 UTC 2024`).
pub fn parse_driver_version(proc_version: &str) -> Option<String> {
    let line = proc_version.lines().next()?;
    let after = line.split("Kernel Module").nth(1)?;
    after
        .split_whitespace()
        .next()
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// "12.6" from `cuDriverGetVersion`'s 12060.
pub fn format_cuda_version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

#[cfg(not(feature = "cuda"))]
mod imp {
    use super::{CudaDeviceInfo, CudaUnavailable, CudaVersions};

    pub fn driver_loads() -> Result<(), CudaUnavailable> {
        Err(CudaUnavailable::NotBuilt)
    }

    pub fn devices() -> Result<Vec<CudaDeviceInfo>, CudaUnavailable> {
        Err(CudaUnavailable::NotBuilt)
    }

    pub fn versions() -> Result<CudaVersions, CudaUnavailable> {
        Err(CudaUnavailable::NotBuilt)
    }
}

#[cfg(feature = "cuda")]
// The driver's C API: each unsafe call says why it is sound.
#[allow(unsafe_code)]
mod imp {
    use super::{CudaDeviceInfo, CudaUnavailable, CudaVersions};
    use cudarc::driver::{result, sys};

    #[cfg(target_os = "windows")]
    const DRIVER_LIBRARIES: &[&str] = &["nvcuda.dll"];
    #[cfg(not(target_os = "windows"))]
    const DRIVER_LIBRARIES: &[&str] = &["libcuda.so.1", "libcuda.so"];

    /// Loads the driver library as cudarc will (its loader panics when there is none).
    pub fn driver_loads() -> Result<(), CudaUnavailable> {
        let mut why = Vec::new();
        for name in DRIVER_LIBRARIES {
            // SAFETY: loading the NVIDIA driver runs its initialisers, which is what cudarc does too.
            match unsafe { libloading::Library::new(*name) } {
                Ok(_) => return Ok(()),
                Err(e) => why.push(e.to_string()),
            }
        }
        Err(CudaUnavailable::NoDriver(format!(
            "{} cannot be loaded ({})",
            DRIVER_LIBRARIES[0],
            why.first().map_or("", String::as_str)
        )))
    }

    fn driver<T>(r: Result<T, result::DriverError>) -> Result<T, CudaUnavailable> {
        r.map_err(|e| CudaUnavailable::Driver(e.to_string()))
    }

    pub fn devices() -> Result<Vec<CudaDeviceInfo>, CudaUnavailable> {
        driver_loads()?;
        driver(result::init())?;
        let count = driver(result::device::get_count())?;
        if count <= 0 {
            return Err(CudaUnavailable::NoDevice);
        }
        (0..count)
            .map(|i| {
                let dev = driver(result::device::get(i))?;
                let name = driver(result::device::get_name(dev))?;
                // SAFETY: `dev` is a device handle the driver has just returned.
                let total = driver(unsafe { result::device::total_mem(dev) })?;
                Ok(CudaDeviceInfo {
                    index: i as usize,
                    name,
                    total_memory_bytes: total as u64,
                })
            })
            .collect()
    }

    pub fn versions() -> Result<CudaVersions, CudaUnavailable> {
        driver_loads()?;
        let mut v = 0;
        // SAFETY: the driver library is loaded; the call writes one int.
        driver(unsafe { sys::cuDriverGetVersion(&mut v) }.result())?;
        let driver_version = std::fs::read_to_string("/proc/driver/nvidia/version")
            .ok()
            .and_then(|t| super::parse_driver_version(&t));
        Ok(CudaVersions {
            driver_version,
            cuda_version: super::format_cuda_version(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        let proc = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.35.03  Fri Aug 16 21:39:15 UTC 2024\nGCC version: gcc 12\n";
        assert_eq!(parse_driver_version(proc).as_deref(), Some("560.35.03"));
        assert_eq!(parse_driver_version("garbage"), None);
        assert_eq!(parse_driver_version(""), None);
        assert_eq!(format_cuda_version(12060), "12.6");
        assert_eq!(format_cuda_version(13040), "13.4");
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn without_the_feature_the_reason_is_the_build() {
        let e = cuda_devices().unwrap_err();
        assert_eq!(e, CudaUnavailable::NotBuilt);
        assert!(e.to_string().contains("built without CUDA"));
        assert_eq!(cuda_versions().unwrap_err(), CudaUnavailable::NotBuilt);
    }
}
