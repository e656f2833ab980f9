use super::pt_writer::{write_pt, write_pt_parts, PtValue};
use super::*;

fn s(x: &str) -> PtValue {
    PtValue::str(x)
}

/// Their trainer's checkpoint: global_step, model_state, decoder_state, optimizer_state.
fn their_checkpoint() -> PtValue {
    PtValue::Dict(vec![
        (s("global_step"), PtValue::Int(1200)),
        (
            s("model_state"),
            PtValue::OrderedDict(vec![
                (
                    s("encoder.conv1.weight"),
                    PtValue::f32_tensor(&[4, 3, 3, 3]),
                ),
                (s("encoder.conv1.bias"), PtValue::f32_tensor(&[4])),
                (s("predictor.fc.weight"), PtValue::f32_tensor(&[8, 6])),
            ]),
        ),
        (
            s("decoder_state"),
            PtValue::OrderedDict(vec![(s("out.weight"), PtValue::f32_tensor(&[2, 2]))]),
        ),
        (
            s("optimizer_state"),
            PtValue::Dict(vec![
                (
                    s("state"),
                    PtValue::Dict(vec![(
                        PtValue::Int(0),
                        PtValue::Dict(vec![
                            (s("step"), PtValue::f32_tensor(&[])),
                            (s("exp_avg"), PtValue::f32_tensor(&[4])),
                        ]),
                    )]),
                ),
                (
                    s("param_groups"),
                    PtValue::List(vec![PtValue::Dict(vec![
                        (s("lr"), PtValue::Float(0.0003)),
                        (
                            s("betas"),
                            PtValue::Tuple(vec![PtValue::Float(0.9), PtValue::Float(0.999)]),
                        ),
                        (s("foreach"), PtValue::None),
                        (
                            s("params"),
                            PtValue::List(vec![PtValue::Int(0), PtValue::Int(1)]),
                        ),
                    ])]),
                ),
            ]),
        ),
    ])
}

#[test]
fn reads_a_nested_torch_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("last.pt");
    write_pt(&path, &their_checkpoint()).unwrap();
    let sum = inspect(&path).unwrap();
    assert_eq!(sum.format, "pytorch-zip");
    assert_eq!(sum.scalar("global_step"), Some("1200"));
    assert_eq!(
        sum.scalar("optimizer_state.param_groups.0.lr"),
        Some("0.0003")
    );
    assert_eq!(
        sum.scalar("optimizer_state.param_groups.0.betas"),
        Some("(0.9, 0.999)")
    );
    let w = sum
        .tensors
        .iter()
        .find(|t| t.name == "model_state.encoder.conv1.weight")
        .unwrap();
    assert_eq!(
        (w.shape.as_slice(), w.dtype.as_str()),
        (&[4, 3, 3, 3][..], "f32")
    );
    let step = sum
        .tensors
        .iter()
        .find(|t| t.name == "optimizer_state.state.0.step")
        .unwrap();
    assert!(step.shape.is_empty());
    let m: Vec<(&str, u64)> = sum
        .modules
        .iter()
        .map(|m| (m.module.as_str(), m.parameters))
        .collect();
    assert_eq!(
        m,
        [
            ("decoder_state.out", 4),
            ("model_state.encoder", 108 + 4),
            ("model_state.predictor", 48),
            ("optimizer_state.state", 1 + 4),
        ]
    );
    assert_eq!(sum.total_parameters, 4 + 112 + 48 + 5);
}

#[test]
fn a_foreign_global_is_refused_not_run() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("evil.pt");
    let marker = tmp.path().join("ran");
    let v = PtValue::Dict(vec![(
        s("x"),
        PtValue::Call {
            module: "os".into(),
            name: "system".into(),
            arg: format!("touch {}", marker.display()),
        },
    )]);
    write_pt(&path, &v).unwrap();
    let e = inspect(&path).unwrap_err().to_string();
    assert!(
        e.contains("evil.pt") && e.contains("os.system") && e.contains("refused"),
        "{e}"
    );
    assert!(!marker.exists());
}

#[test]
fn a_reduce_of_an_allowed_class_that_is_no_rebuild_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("odd.pt");
    let v = PtValue::Dict(vec![(
        s("x"),
        PtValue::Call {
            module: "torch".into(),
            name: "FloatStorage".into(),
            arg: "a".into(),
        },
    )]);
    write_pt(&path, &v).unwrap();
    let e = inspect(&path).unwrap_err().to_string();
    assert!(e.contains("REDUCE of torch.FloatStorage"), "{e}");
}

#[test]
fn truncated_files_are_refused_with_the_file_named() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("last.pt");
    write_pt(&path, &their_checkpoint()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cut = tmp.path().join("cut.pt");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(e.contains("cut.pt") && e.contains("truncated"), "{e}");

    // A whole zip whose pickle stops early.
    let (pkl, storages) = pt_writer::pickle(&their_checkpoint());
    let short = tmp.path().join("short.pt");
    write_pt_parts(&short, &pkl[..pkl.len() - 5], &storages).unwrap();
    let e = inspect(&short).unwrap_err().to_string();
    assert!(e.contains("short.pt") && e.contains("data.pkl"), "{e}");

    // A storage shorter than its tensor.
    let short_data = tmp.path().join("short_data.pt");
    let mut st = storages.clone();
    st[0].1.truncate(2);
    write_pt_parts(&short_data, &pkl, &st).unwrap();
    let e = inspect(&short_data).unwrap_err().to_string();
    assert!(e.contains("short_data.pt") && e.contains("bytes"), "{e}");
}

#[test]
fn reads_safetensors_names_shapes_and_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("step_10.safetensors");
    let data = vec![0u8; 24];
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 3], &data).unwrap();
    let meta = std::collections::HashMap::from([("step".to_string(), "10".to_string())]);
    safetensors::serialize_to_file([("enc.w", view)], Some(meta), &path).unwrap();
    let sum = inspect(&path).unwrap();
    assert_eq!(sum.format, "safetensors");
    assert_eq!(sum.scalar("step"), Some("10"));
    assert_eq!(sum.tensors[0].shape, [2, 3]);
    assert_eq!(sum.tensors[0].dtype, "f32");
    assert_eq!(sum.modules[0].module, "enc");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
    let e = inspect(&path).unwrap_err().to_string();
    assert!(e.contains("step_10.safetensors"), "{e}");
}
