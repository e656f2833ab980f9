//! The Queue view (issue 13): the workspace's queue in order with each job's state, read off the
//! UI thread; Cancel, Requeue, Up/Down and dragging a row's handle (real pointer events) change the
//! queue on disk, and a running job is not moved; it says when nothing works the queue. Fixtures
//! are queue files written with the storage API (no training).

use std::path::Path;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use worldbench::gui::{State, WorldbenchApp};
use worldbench_storage::queue::{JobState, NewJob, Queue};

mod gui_common;
use gui_common::{app, click_panel, settle, snapshot_dir};

/// Three jobs: 000001 and 000002 queued, 000003 failed.
fn three_jobs(ws: &Path) {
    let q = Queue::of_workspace(ws);
    let g = q.lock().expect("fixture");
    for (i, label) in ["lr=0.001 seed=0", "lr=0.001 seed=1", "lr=0.0003 seed=0"]
        .into_iter()
        .enumerate()
    {
        let mut job = g
            .add(NewJob {
                label: format!("hidden vs lr: {label}"),
                title: format!("cell {i}"),
                args: vec!["train".into(), "--steps".into(), "10".into()],
                ..NewJob::default()
            })
            .expect("fixture");
        if i == 2 {
            job.state = JobState::Failed;
            job.error = Some("the trainer exited with status 1".into());
            g.save(&job).expect("fixture");
        }
    }
}

fn on_disk(ws: &Path) -> Vec<(String, JobState)> {
    Queue::of_workspace(ws)
        .list()
        .expect("fixture")
        .into_iter()
        .map(|j| (j.id, j.state))
        .collect()
}

fn queue_view(ws: &Path) -> Harness<'static, WorldbenchApp> {
    let mut h = app(ws, State::default());
    click_panel(&mut h, "Queue");
    settle(&mut h);
    h
}

#[test]
fn the_queue_view_lists_jobs_in_order_and_says_nothing_works_the_queue() {
    let dir = tempfile::tempdir().expect("fixture");
    three_jobs(dir.path());
    let h = queue_view(dir.path());
    h.get_by_label("3 jobs: 2 queued, 0 running, 0 completed, 1 failed, 0 cancelled");
    h.get_by_label_contains("Nothing is working the queue");
    h.get_by_label("Work the queue");
    let rows: Vec<f32> = ["000001", "000002", "000003"]
        .iter()
        .map(|id| h.get_by_label(id).rect().min.y)
        .collect();
    assert!(rows[0] < rows[1] && rows[1] < rows[2], "{rows:?}");
    h.get_by_label("hidden vs lr: lr=0.0003 seed=0");
    assert_eq!(h.query_all_by_label("queued").count(), 2);
    h.get_by_label("failed");
}

#[test]
fn cancel_requeue_and_up_down_change_the_queue_on_disk() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    three_jobs(ws);
    let mut h = queue_view(ws);

    h.get_by_label("Down 000001").click();
    settle(&mut h);
    let ids: Vec<String> = on_disk(ws).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["000002", "000001", "000003"]);
    assert!(h.get_by_label("000002").rect().min.y < h.get_by_label("000001").rect().min.y);

    h.get_by_label("Up 000003").click();
    settle(&mut h);
    let ids: Vec<String> = on_disk(ws).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["000002", "000003", "000001"]);

    h.get_by_label("Cancel 000002").click();
    settle(&mut h);
    h.get_by_label("Requeue 000003").click();
    settle(&mut h);
    assert_eq!(
        on_disk(ws),
        [
            ("000002".to_string(), JobState::Cancelled),
            ("000003".to_string(), JobState::Queued),
            ("000001".to_string(), JobState::Queued),
        ]
    );
    h.get_by_label("3 jobs: 2 queued, 0 running, 0 completed, 0 failed, 1 cancelled");
    // A queued job cannot be requeued: its button is disabled and clicking it changes nothing.
    h.get_by_label("Requeue 000001").click();
    settle(&mut h);
    assert_eq!(on_disk(ws)[2].1, JobState::Queued);
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
}

#[test]
fn the_queue_view_at_1280x800() {
    worldbench_tests::require_wgpu_adapter();
    let dir = tempfile::tempdir().expect("fixture");
    three_jobs(dir.path());
    let ws = dir.path().to_path_buf();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| {
            WorldbenchApp::new(ws, State::default(), worldbench_tests::binary()).expect("app")
        });
    h.run_ok();
    click_panel(&mut h, "Queue");
    settle(&mut h);
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(snapshot_dir())
        .max_failed_pixels(20);
    h.snapshot_options("panel_queue", &options);
}

/// Drags the handle of job `from` onto the row of job `onto` with real pointer events.
fn drag_onto(h: &mut Harness<'static, WorldbenchApp>, from: &str, onto: &str) {
    let start = h.get_by_label(&format!("Drag {from}")).rect().center();
    let end = h.get_by_label(onto).rect().center();
    h.hover_at(start);
    h.run_ok();
    h.drag_at(start);
    h.run_ok();
    // Past egui's drag threshold, then over the target, a frame each.
    h.hover_at(start + egui::vec2(0.0, -8.0));
    h.run_ok();
    h.hover_at(end);
    h.run_ok();
    h.drop_at(end);
    h.run_ok();
    settle(h);
}

fn ids_on_disk(ws: &Path) -> Vec<String> {
    on_disk(ws).into_iter().map(|(id, _)| id).collect()
}

fn row_y(h: &Harness<'static, WorldbenchApp>, id: &str) -> f32 {
    h.get_by_label(id).rect().min.y
}

#[test]
fn dragging_a_jobs_handle_onto_another_row_moves_it_there_on_disk() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    three_jobs(ws);
    let mut h = queue_view(ws);

    // Up: the dragged job takes the target's place, above it.
    drag_onto(&mut h, "000002", "000001");
    assert_eq!(ids_on_disk(ws), ["000002", "000001", "000003"]);
    assert!(row_y(&h, "000002") < row_y(&h, "000001") && row_y(&h, "000001") < row_y(&h, "000003"));
    // Down: below the target.
    drag_onto(&mut h, "000002", "000003");
    assert_eq!(ids_on_disk(ws), ["000001", "000003", "000002"]);
    assert!(row_y(&h, "000001") < row_y(&h, "000003") && row_y(&h, "000003") < row_y(&h, "000002"));
    // Dropped on its own row: nothing changes.
    drag_onto(&mut h, "000003", "000003");
    assert_eq!(ids_on_disk(ws), ["000001", "000003", "000002"]);
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
}

#[test]
fn dragging_a_running_job_is_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("fixture");
    let ws = dir.path();
    three_jobs(ws);
    let q = Queue::of_workspace(ws);
    let g = q.lock().expect("fixture");
    g.add(NewJob {
        label: "running one".into(),
        ..NewJob::default()
    })
    .expect("fixture");
    // This test is its worker: it holds the job's lock, so the view does not settle it.
    let (_job, _worker_lock) = g
        .claim_next(|j| j.id == "000004", |_| Ok(()))
        .expect("fixture")
        .expect("claimed");
    drop(g);
    let mut h = queue_view(ws);
    drag_onto(&mut h, "000004", "000001");
    h.get_by_label_contains("job 000004 is running and cannot be moved");
    assert_eq!(ids_on_disk(ws), ["000001", "000002", "000003", "000004"]);
    assert_eq!(on_disk(ws)[3].1, JobState::Running);
    assert!(row_y(&h, "000003") < row_y(&h, "000004"));
    // A queued job may still be dropped on the running one's row (below it).
    drag_onto(&mut h, "000001", "000004");
    assert_eq!(ids_on_disk(ws), ["000002", "000003", "000004", "000001"]);
}
