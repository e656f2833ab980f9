//! The Train form's device choice, driven with egui_kittest: CUDA devices listed by name and
//! memory (the first selectable), and without CUDA one disabled "CUDA" entry whose tooltip says why
//! (no driver, no device, a build without the feature). The list comes from a `Task`.

use std::time::Duration;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use worldbench::gui::panels::train::devices::DeviceChoice;
use worldbench_model::cuda::CudaDeviceInfo;

struct Fixture {
    choice: DeviceChoice,
    device: String,
}

fn harness(choice: DeviceChoice, device: &str) -> Harness<'static, Fixture> {
    let fixture = Fixture {
        choice,
        device: device.to_string(),
    };
    let mut h = Harness::builder().with_size([600.0, 300.0]).build_ui_state(
        |ui, f: &mut Fixture| {
            ui.style_mut().interaction.tooltip_delay = 0.0;
            ui.horizontal(|ui| f.choice.ui(ui, &mut f.device));
        },
        fixture,
    );
    for _ in 0..20 {
        h.step();
        if !h.state().choice.is_asking() {
            break;
        }
        h.state_mut()
            .choice
            .wait_for_devices(Duration::from_secs(10));
    }
    h.run();
    assert!(!h.state().choice.is_asking(), "the device list never came");
    h
}

/// Hovers the disabled "CUDA" entry and returns its tooltip's text (the one label that mentions it).
fn tooltip_of_cuda(h: &mut Harness<'static, Fixture>) -> String {
    let node = h.get_by_label("CUDA");
    assert!(node.accesskit_node().is_disabled(), "CUDA must be disabled");
    node.hover();
    h.run();
    let tip = h.get_by_label_contains("CUDA is not available");
    format!("{tip:?}")
}

#[test]
fn without_a_driver_cuda_is_a_disabled_entry_that_says_why() {
    let choice = DeviceChoice::with_lister(|| {
        Err("no NVIDIA driver: libcuda.so.1 cannot be loaded (not found)".into())
    });
    // A persisted choice of CUDA falls back to the CPU on a machine that has none.
    let mut h = harness(choice, "cuda");
    assert_eq!(h.state().device, "cpu");
    let tip = tooltip_of_cuda(&mut h);
    assert!(tip.contains("no NVIDIA driver: libcuda.so.1"), "{tip}");
    // Clicking the disabled entry changes nothing.
    h.get_by_label("CUDA").click();
    h.run();
    assert_eq!(h.state().device, "cpu");
}

#[test]
fn a_driver_without_devices_is_said_too() {
    let mut h = harness(DeviceChoice::with_lister(|| Ok(Vec::new())), "cpu");
    let tip = tooltip_of_cuda(&mut h);
    assert!(tip.contains("reports no CUDA device"), "{tip}");
}

#[test]
fn this_build_without_the_feature_names_the_build_as_the_reason() {
    if cfg!(feature = "cuda") {
        println!("SKIPPED: this build has the cuda feature");
        return;
    }
    let mut h = harness(DeviceChoice::from_driver(), "cpu");
    let tip = tooltip_of_cuda(&mut h);
    assert!(
        tip.contains("built without CUDA support") && tip.contains("packaging/build-cuda.sh"),
        "{tip}"
    );
}

#[test]
fn cuda_devices_are_listed_by_name_with_their_memory_and_the_first_is_chosen() {
    let choice = DeviceChoice::with_lister(|| {
        Ok(vec![
            CudaDeviceInfo {
                index: 0,
                name: "NVIDIA H200".into(),
                total_memory_bytes: 150_121_971_712,
            },
            CudaDeviceInfo {
                index: 1,
                name: "NVIDIA A100-SXM4-80GB".into(),
                total_memory_bytes: 85_899_345_920,
            },
        ])
    });
    let mut h = harness(choice, "cpu");
    assert!(h.query_by_label("CUDA").is_none());
    let first = h.get_by_label("CUDA 0: NVIDIA H200 (139.8 GiB)");
    assert!(!first.accesskit_node().is_disabled());
    let second = h.get_by_label("CUDA 1: NVIDIA A100-SXM4-80GB (80.0 GiB)");
    assert!(second.accesskit_node().is_disabled());
    h.get_by_label("CUDA 0: NVIDIA H200 (139.8 GiB)").click();
    h.run();
    assert_eq!(h.state().device, "cuda");
    h.get_by_label("CPU").click();
    h.run();
    assert_eq!(h.state().device, "cpu");
}
