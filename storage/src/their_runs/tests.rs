use std::path::{Path, PathBuf};

use super::*;

const METADATA: &str = r#"[train_config]
data_root = "data.gwbasic_rand_corner_loops2"
output_dir = "out.jepa_world_model_trainer"
batch_size = 8
lr = 0.0003

[model_config]
latent_dim = 64
"#;

const PLANNING_NEW: &str = "step,p_L,p_inv_lr,h_L,h_inv_lr,num_nodes_h,num_nodes_p,reach_h_median,h_local_success,test1_success,test1_steps\n\
100,0.5,0.9,0.4,nan,12,10,0.25,1.0,0.0,40\n\
200,0.6,0.95,0.45,0.8,14,11,0.5,1.0,1.0,12\n";

const PLANNING_OLD: &str =
    "step,L,inv_lr,inv_ud,noop_ratio,q_L,q_R,q_U,q_D,num_nodes_h,reach_h_median,test1_success\n\
100,0.5,0.9,0.8,0.1,1,1,1,1,12,0.25,0\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn their_run(root: &Path, name: &str, planning: &str) -> PathBuf {
    let dir = root.join(name);
    write(&dir, "metadata.txt", METADATA);
    write(
        &dir,
        "metadata_git.txt",
        "Git commit:\nabc123\n\nGit diff (uncommitted changes):\ndiff --git a/x b/x\n+y\n",
    );
    write(
        &dir,
        "metadata_model.txt",
        "[parameters]\ntotal = 123456\ntotal_formatted = \"123K\"\n\n[flops]\nper_step = 5000000\n",
    );
    write(&dir, "model_shape.txt", "encoder: conv\n");
    write(
        &dir,
        "metrics/loss.csv",
        "step,elapsed_seconds,cumulative_flops,loss_world,loss_jepa\n0,0.5,5000000,2.0,1.0\n10,5.0,55000000,1.5,nan\n",
    );
    write(&dir, "metrics/planning_metrics.csv", planning);
    write(&dir, "checkpoints/last.pt", "x");
    write(&dir, "vis_planning_graph/graph_h_0000200.png", "x");
    write(&dir, "vis_planning_graph/graph_h_0000100.png", "x");
    write(&dir, "vis_planning_graph/graph_p_0000100.png", "x");
    dir
}

#[test]
fn reads_their_run_folder_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = their_run(tmp.path(), "2026-02-05_12-56-29", PLANNING_NEW);
    let run = TheirRun::read(&dir).unwrap();
    assert_eq!(
        run.data_root.as_deref(),
        Some("data.gwbasic_rand_corner_loops2")
    );
    assert_eq!(
        run.config["train_config"]["batch_size"].as_integer(),
        Some(8)
    );
    let git = run.git.as_ref().unwrap();
    assert_eq!(git.commit, "abc123");
    assert!(git.diff.contains("+y"), "{}", git.diff);
    assert_eq!(run.model.parameters, Some(123_456));
    assert_eq!(run.model.flops_per_step, Some(5e6));
    assert_eq!(run.last_step(), Some(10));
    assert!(run.loss.column("loss_jepa").unwrap()[1].is_nan());
    assert_eq!(run.planning.rows(), 2);
    assert!(run.planning.column("h_inv_lr").unwrap()[0].is_nan());
    assert_eq!(run.checkpoints.len(), 1);
    let names: Vec<&str> = run.images.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["vis_planning_graph/graph_h", "vis_planning_graph/graph_p"]
    );
    let steps: Vec<u64> = run.images[0].frames.iter().map(|f| f.0).collect();
    assert_eq!(steps, [100, 200]);
    // Read in place: nothing written.
    assert!(!dir.join("notes.txt").exists());
    assert!(!dir.join("experiment_metadata.txt").exists());
}

#[test]
fn older_unprefixed_planning_columns_get_the_p_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = their_run(tmp.path(), "2025-12-01_10-00-00", PLANNING_OLD);
    let run = TheirRun::read(&dir).unwrap();
    assert_eq!(run.planning.column("p_L"), Some(&[0.5][..]));
    assert_eq!(run.planning.column("p_q_D"), Some(&[1.0][..]));
    assert!(run.planning.column("L").is_none());
    assert_eq!(run.planning.column("test1_success"), Some(&[0.0][..]));
}

#[test]
fn bad_toml_and_ragged_csv_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = their_run(tmp.path(), "a", PLANNING_NEW);
    write(&dir, "metadata.txt", "[train_config\nx = 1\n");
    let e = TheirRun::read(&dir).unwrap_err().to_string();
    assert!(
        e.contains("metadata.txt") && e.contains("not valid TOML"),
        "{e}"
    );

    let dir = their_run(tmp.path(), "b", "step,p_L\n1,2\n3,4,5\n");
    let e = TheirRun::read(&dir).unwrap_err().to_string();
    assert!(
        e.contains("planning_metrics.csv") && e.contains("line 3") && e.contains("ragged"),
        "{e}"
    );
}

#[test]
fn a_last_line_being_appended_is_dropped_not_refused() {
    let t = ColumnTable::parse(Path::new("loss.csv"), "step,a,b\n1,2,3\n2,4").unwrap();
    assert_eq!(t.rows(), 1);
}

#[test]
fn lists_both_kinds_with_annotations() {
    let tmp = tempfile::tempdir().unwrap();
    let theirs = their_run(tmp.path(), "2026-02-05_12-56-29", PLANNING_NEW);
    let ours = tmp.path().join("2026-03-01_00-00-00.mine");
    std::fs::create_dir_all(ours.join("metrics")).unwrap();
    let config = serde_json::to_value(crate::train_config::TrainConfig::default()).unwrap();
    let manifest = serde_json::json!({
        "title": "mine", "kind": "smoke", "config": config, "dataset_path": "datasets/d",
        "started": "2026-03-01T00:00:00+00:00", "status": "completed",
    });
    std::fs::write(ours.join("run.json"), manifest.to_string()).unwrap();
    crate::RunManifest::read(&ours.join("run.json")).unwrap();
    write(
        &ours,
        "metrics/train.csv",
        "step,wall_s,loss,loss_pred,loss_var,loss_cov,lr,h_std,h_norm,steps_per_s\n5,1.0,0.7,0,0,0,0,0,0,0\n",
    );
    let lines = list_runs(&[tmp.path().to_path_buf()]);
    assert_eq!(lines.len(), 2);
    let t = &lines[0];
    assert_eq!(t.source, RunSource::NesAi);
    assert_eq!(t.title, "Untitled");
    assert_eq!(t.steps, Some(10));
    assert_eq!(t.last_loss, Some(1.5));
    assert_eq!(t.planning("test1_success"), Some(1.0));
    assert_eq!(t.started, "2026-02-05T12:56:29");
    let o = &lines[1];
    assert_eq!(
        (o.source, o.title.as_str()),
        (RunSource::Worldbench, "mine")
    );
    assert_eq!((o.steps, o.last_loss), (Some(5), Some(0.7)));

    // Theirs: experiment_metadata.txt keeps its other keys; notes.txt holds the notes.
    write(
        &theirs,
        "experiment_metadata.txt",
        "title = \"old\"\nextra = 7\n",
    );
    let edit = AnnotationEdit {
        title: Some("New title".into()),
        notes: Some("a note".into()),
        add_tags: vec!["cross-room".into(), "big".into()],
        starred: Some(true),
        ..Default::default()
    };
    let a = annotate(&theirs, &edit).unwrap();
    assert_eq!(a.tags, ["cross-room", "big"]);
    let meta = std::fs::read_to_string(theirs.join("experiment_metadata.txt")).unwrap();
    let t: toml::Table = meta.parse().unwrap();
    assert_eq!(t["title"].as_str(), Some("New title"));
    assert_eq!(t["tags"].as_str(), Some("cross-room, big"));
    assert_eq!(t["starred"].as_bool(), Some(true));
    assert_eq!(t["archived"].as_bool(), Some(false));
    assert_eq!(t["extra"].as_integer(), Some(7));
    assert_eq!(
        std::fs::read_to_string(theirs.join("notes.txt")).unwrap(),
        "a note"
    );
    let untag = AnnotationEdit {
        remove_tags: vec!["big".into()],
        archived: Some(true),
        ..Default::default()
    };
    let a = annotate(&theirs, &untag).unwrap();
    assert_eq!(
        (a.tags.as_slice(), a.archived),
        (&["cross-room".to_string()][..], true)
    );

    // Ours: annotations.toml, run.json untouched.
    let before = std::fs::read(ours.join("run.json")).unwrap();
    annotate(
        &ours,
        &AnnotationEdit {
            title: Some("renamed".into()),
            archived: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(ours.join("run.json")).unwrap(), before);
    let lines = list_runs(&[tmp.path().to_path_buf()]);
    assert_eq!(lines[1].title, "renamed");
    assert!(lines[1].archived);
    assert_eq!(lines[0].title, "New title");
    assert_eq!(lines[0].notes, "a note");
}

#[test]
fn their_tags_may_be_a_list_and_flags_strings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = their_run(tmp.path(), "r", PLANNING_NEW);
    write(
        &dir,
        "experiment_metadata.txt",
        "tags = [\"a\", \" b \"]\nstarred = \"yes\"\narchived = 0\n",
    );
    let a = read_annotations(&dir).unwrap();
    assert_eq!(a.tags, ["a", "b"]);
    assert!(a.starred && !a.archived);
    assert_eq!(a.title, None);
}

#[test]
fn roots_are_read_and_added_keeping_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("worldbench.toml");
    std::fs::write(&cfg, "# my settings\n[queue]\nmax_parallel = 2\n").unwrap();
    assert!(read_roots(&cfg).unwrap().is_empty());
    assert!(add_root(&cfg, Path::new("/data/out")).unwrap());
    assert!(!add_root(&cfg, Path::new("/data/out")).unwrap());
    assert!(add_root(&cfg, Path::new("/data/out2")).unwrap());
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.starts_with("# my settings"), "{text}");
    assert!(text.contains("max_parallel = 2"));
    assert_eq!(
        read_roots(&cfg).unwrap(),
        [PathBuf::from("/data/out"), PathBuf::from("/data/out2")]
    );
    std::fs::write(&cfg, "[runs]\nroots = 3\n").unwrap();
    let e = read_roots(&cfg).unwrap_err().to_string();
    assert!(e.contains("worldbench.toml") && e.contains("roots"), "{e}");
}

#[test]
fn curves_follow_the_chosen_axis() {
    let t = ColumnTable::parse(
        Path::new("train.csv"),
        "step,wall_s,loss\n0,0,2\n10,4,1\n20,8,nan\n",
    )
    .unwrap();
    assert_eq!(world_loss_column(&t), Some("loss"));
    assert_eq!(
        curve(&t, "loss", XAxis::Step, None),
        [[0.0, 2.0], [10.0, 1.0]]
    );
    assert_eq!(
        curve(&t, "loss", XAxis::WallSecs, None),
        [[0.0, 2.0], [4.0, 1.0]]
    );
    assert_eq!(
        curve(&t, "loss", XAxis::CumulativeFlops, Some(100.0)),
        [[0.0, 2.0], [1000.0, 1.0]]
    );
    assert!(curve(&t, "loss", XAxis::CumulativeFlops, None).is_empty());
}

#[test]
fn the_listed_status_is_run_json_as_seen_for_ours_and_the_rule_for_theirs() {
    let tmp = tempfile::tempdir().unwrap();
    // METADATA has no train_config.steps: their status cannot be told.
    their_run(tmp.path(), "2026-02-05_12-56-29", PLANNING_NEW);
    let ours = tmp.path().join("2026-03-01_00-00-00.mine");
    std::fs::create_dir_all(&ours).unwrap();
    let config = serde_json::to_value(crate::train_config::TrainConfig::default()).unwrap();
    let manifest = |status: &str| {
        serde_json::json!({
            "title": "mine", "kind": "smoke", "config": config, "dataset_path": "datasets/d",
            "started": "2026-03-01T00:00:00+00:00", "status": status,
        })
        .to_string()
    };
    std::fs::write(ours.join("run.json"), manifest("failed")).unwrap();
    let statuses = |root: &Path| -> Vec<&'static str> {
        list_runs(&[root.to_path_buf()])
            .iter()
            .map(listed_status)
            .collect()
    };
    assert_eq!(statuses(tmp.path()), ["unknown", "failed"]);
    // `running` with nobody holding the run lock: interrupted, as `runs list` says.
    std::fs::write(ours.join("run.json"), manifest("running")).unwrap();
    assert_eq!(statuses(tmp.path()), ["unknown", "interrupted"]);
}
