//! The Train form's device choice: the CPU, and each CUDA device by name and memory. The driver is
//! asked in a `Task` (never on the UI thread); without CUDA (a build without the feature, no
//! driver, no device) one disabled "CUDA" entry says why in its tooltip.

use worldbench_model::cuda::{cuda_devices, CudaDeviceInfo};

use crate::gui::task::Task;

/// The tooltip of the disabled CUDA entry.
pub fn cuda_unavailable_text(reason: &str) -> String {
    format!("CUDA is not available: {reason}")
}

/// "CUDA 0: NVIDIA H200 (139.8 GiB)".
pub fn device_label(d: &CudaDeviceInfo) -> String {
    let gib = d.total_memory_bytes as f64 / f64::from(1u32 << 30);
    format!("CUDA {}: {} ({gib:.1} GiB)", d.index, d.name)
}

/// Where the device list stands.
enum Found {
    NotAsked,
    Asking(Task<Vec<CudaDeviceInfo>>),
    Done(Result<Vec<CudaDeviceInfo>, String>),
}

/// The CUDA devices of this machine, asked once (when the form is first shown).
pub struct DeviceChoice {
    found: Found,
    lister: fn() -> Result<Vec<CudaDeviceInfo>, String>,
    /// Ask on a thread (the driver may take a while); a build without CUDA knows the answer at once.
    on_thread: bool,
}

impl DeviceChoice {
    /// The devices the NVIDIA driver reports (asked on a thread in a `cuda` build).
    pub fn from_driver() -> Self {
        let mut choice = Self::with_lister(|| cuda_devices().map_err(|e| e.to_string()));
        choice.on_thread = cfg!(feature = "cuda");
        choice
    }

    /// A choice whose devices come from `lister` (the driver in the app; tests give their own).
    pub fn with_lister(lister: fn() -> Result<Vec<CudaDeviceInfo>, String>) -> Self {
        Self {
            found: Found::NotAsked,
            lister,
            on_thread: true,
        }
    }

    /// The devices once known: `Some(Err(why))` when there is none to use.
    fn poll(&mut self, ctx: &egui::Context) -> Option<&Result<Vec<CudaDeviceInfo>, String>> {
        if let Found::NotAsked = self.found {
            let lister = self.lister;
            self.found = Found::Asking(if self.on_thread {
                Task::spawn("cuda-devices", Some(ctx.clone()), move |_| lister())
            } else {
                Task::ready(lister())
            });
        }
        if let Found::Asking(task) = &mut self.found {
            if let Some(result) = task.poll() {
                let result = result.and_then(|d| {
                    if d.is_empty() {
                        Err("the NVIDIA driver reports no CUDA device".to_string())
                    } else {
                        Ok(d)
                    }
                });
                self.found = Found::Done(result);
            }
        }
        match &self.found {
            Found::Done(r) => Some(r),
            _ => None,
        }
    }

    /// Waits up to `timeout` for the device list (tests; the app polls each frame).
    pub fn wait_for_devices(&mut self, timeout: std::time::Duration) {
        if let Found::Asking(task) = &mut self.found {
            if let Some(result) = task.wait_timeout(timeout) {
                self.found = Found::Asking(Task::ready(result));
            }
        }
    }

    /// Whether the list is still being asked for.
    pub fn is_asking(&self) -> bool {
        !matches!(self.found, Found::Done(_))
    }

    /// The radio buttons: CPU, then the CUDA devices (training uses the first, `cuda:0`); a device
    /// "cuda" that is not available falls back to "cpu".
    pub fn ui(&mut self, ui: &mut egui::Ui, device: &mut String) {
        ui.radio_value(device, "cpu".to_string(), "CPU");
        let found = self.poll(ui.ctx());
        match found {
            None => {
                ui.add_enabled_ui(false, |ui| {
                    ui.radio(false, "CUDA (looking for devices…)")
                        .on_disabled_hover_text("Asking the NVIDIA driver for its devices");
                });
            }
            Some(Err(why)) => {
                ui.add_enabled_ui(false, |ui| {
                    ui.radio(false, "CUDA")
                        .on_disabled_hover_text(cuda_unavailable_text(why));
                });
                if device == "cuda" {
                    *device = "cpu".into();
                }
            }
            Some(Ok(devices)) => {
                for d in devices {
                    let label = device_label(d);
                    let first = d.index == 0;
                    ui.add_enabled_ui(first, |ui| {
                        let selected = first && device == "cuda";
                        let r = ui.radio(selected, label).on_disabled_hover_text(
                            "Training uses the first CUDA device; set CUDA_VISIBLE_DEVICES to choose another",
                        );
                        if r.clicked() {
                            *device = "cuda".into();
                        }
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_named_with_its_memory() {
        let d = CudaDeviceInfo {
            index: 1,
            name: "NVIDIA H200".into(),
            total_memory_bytes: 150_121_971_712,
        };
        assert_eq!(device_label(&d), "CUDA 1: NVIDIA H200 (139.8 GiB)");
        assert_eq!(
            cuda_unavailable_text("no NVIDIA driver: libcuda.so.1 cannot be loaded"),
            "CUDA is not available: no NVIDIA driver: libcuda.so.1 cannot be loaded"
        );
    }
}
