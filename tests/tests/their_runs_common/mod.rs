//! Researchers' run folders in the format of nes-ai's trainer, written by the tests themselves: TOML
//! metadata, a few CSV rows, a `last.pt` in PyTorch's zip layout (hand-built pickle), PNG series.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use worldbench_model::ckpt_inspect::pt_writer::{write_pt, PtValue};

pub const METADATA: &str = r#"[train_config]
data_root = "data.gwbasic_rand_corner_loops2"
output_dir = "out.jepa_world_model_trainer"
batch_size = 8
lr = 0.0003
steps = 100000

[model_config]
latent_dim = 64
"#;

/// The current planning_metrics.csv header (prefixed p_/h_ columns) and two rows.
pub const PLANNING_PREFIXED: &str = "step,p_L,p_inv_lr,h_L,h_inv_lr,num_nodes_h,num_nodes_p,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,test1_success,test1_steps,test1_final_p_dist,test1_goal_dist,test2_success,test2_steps\n\
100,0.5,0.9,0.4,nan,12,10,0.25,0.1,0.5,1.0,0.0,40,2.5,3.0,0.0,40\n\
200,0.6,0.95,0.45,0.8,14,11,0.5,0.2,0.75,1.0,1.0,12,0.5,0.0,1.0,18\n";

/// An older version: the per-action statistics of p without a prefix.
pub const PLANNING_UNPREFIXED: &str = "step,L,inv_lr,inv_ud,noop_ratio,q_L,q_R,q_U,q_D,num_nodes_h,num_nodes_p,reach_h_median,h_local_success,test1_success,test1_steps,test2_success,test2_steps\n\
100,0.3,0.7,0.6,0.2,1,1,1,1,9,8,0.125,0.0,0.0,40,0.0,40\n";

pub fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

/// A 4×4 PNG of one grey level.
pub fn png(level: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([level, level, level]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// Their trainer's checkpoint dict: global_step, model_state, decoder_state, optimizer_state.
pub fn their_checkpoint(step: i64) -> PtValue {
    let s = PtValue::str;
    PtValue::Dict(vec![
        (s("global_step"), PtValue::Int(step)),
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
                        PtValue::Dict(vec![(s("exp_avg"), PtValue::f32_tensor(&[4]))]),
                    )]),
                ),
                (
                    s("param_groups"),
                    PtValue::List(vec![PtValue::Dict(vec![(s("lr"), PtValue::Float(0.0003))])]),
                ),
            ]),
        ),
    ])
}

/// `<root>/<name>/` as their trainer leaves it (current version, prefixed planning columns).
pub fn their_run(root: &Path, name: &str) -> PathBuf {
    their_run_with(root, name, PLANNING_PREFIXED)
}

pub fn their_run_with(root: &Path, name: &str, planning: &str) -> PathBuf {
    let dir = root.join(name);
    write(&dir, "metadata.txt", METADATA);
    write(
        &dir,
        "metadata_git.txt",
        "Git commit:\n0123456789abcdef\n\nGit diff (uncommitted changes):\ndiff --git a/t.py b/t.py\n+lr = 3e-4\n",
    );
    write(
        &dir,
        "metadata_model.txt",
        "[parameters]\ntotal = 123456\ntotal_formatted = \"123.5K\"\n\n[flops]\nper_step = 5000000\nper_step_formatted = \"5.0 MFLOP\"\n",
    );
    write(
        &dir,
        "model_shape.txt",
        "JEPAWorldModel\n  encoder: 4 conv layers\n",
    );
    write(
        &dir,
        "experiment_metadata.txt",
        "title = \"corner loops, big lr\"\nowner = \"lab\"\n",
    );
    write(
        &dir,
        "metrics/loss.csv",
        "step,elapsed_seconds,cumulative_flops,loss_world,loss_jepa,loss_sigreg\n\
         0,0.5,5000000,2.0,1.5,0.5\n\
         100,50.0,505000000,1.25,1.0,nan\n\
         200,100.0,1005000000,0.75,0.5,0.25\n",
    );
    write(&dir, "metrics/planning_metrics.csv", planning);
    std::fs::create_dir_all(dir.join("checkpoints")).expect("mkdir");
    write_pt(&dir.join("checkpoints/last.pt"), &their_checkpoint(200)).expect("last.pt");
    write(&dir, "vis_planning_graph/graph_h_0000100.png", png(40));
    write(&dir, "vis_planning_graph/graph_h_0000200.png", png(200));
    write(&dir, "vis_planning_exec/exec_0000200.png", png(90));
    dir
}
