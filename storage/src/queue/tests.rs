use std::sync::{Arc, Barrier};

use super::*;
use crate::run::{RunManifest, RunPaths, RunStatus};

fn new_job(n: usize) -> NewJob {
    NewJob {
        label: format!("job {n}"),
        title: format!("t{n}"),
        args: vec!["train".into()],
        ..NewJob::default()
    }
}

#[test]
fn jobs_persist_in_order_and_move() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    assert!(q.list().unwrap().is_empty());
    let g = q.lock().unwrap();
    let ids: Vec<String> = (0..3).map(|n| g.add(new_job(n)).unwrap().id).collect();
    assert_eq!(ids, ["000001", "000002", "000003"]);
    g.move_to("000003", 0).unwrap();
    drop(g);
    let again = Queue::of_workspace(tmp.path());
    let order: Vec<String> = again.list().unwrap().into_iter().map(|j| j.id).collect();
    assert_eq!(order, ["000003", "000001", "000002"]);
    assert!(again.lock().unwrap().move_to("000009", 0).is_err());
}

#[test]
fn two_claimers_never_get_the_same_job_and_none_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    {
        let g = q.lock().unwrap();
        for n in 0..20 {
            g.add(new_job(n)).unwrap();
        }
    }
    let barrier = Arc::new(Barrier::new(4));
    let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (q, barrier) = (q.clone(), Arc::clone(&barrier));
                s.spawn(move || {
                    barrier.wait();
                    let mut mine = Vec::new();
                    let mut locks = Vec::new();
                    loop {
                        let g = q.lock().unwrap();
                        match g.claim_next(|_| true, |_| Ok(())).unwrap() {
                            Some((job, lock)) => {
                                mine.push(job.id);
                                locks.push(lock);
                            }
                            None => break,
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<String> = claimed.into_iter().flatten().collect();
    all.sort();
    let want: Vec<String> = (1..=20).map(|n| format!("{n:06}")).collect();
    assert_eq!(all, want, "each job claimed exactly once");
}

#[test]
fn a_running_job_whose_worker_died_is_settled_from_its_run() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    let g = q.lock().unwrap();
    for n in 0..4 {
        g.add(new_job(n)).unwrap();
    }
    let mut claimed = Vec::new();
    for n in 0..4 {
        let run = tmp.path().join(format!("run{n}"));
        let (job, lock) = g
            .claim_next(
                |_| true,
                |j| {
                    j.run = Some(run.clone());
                    Ok(())
                },
            )
            .unwrap()
            .unwrap();
        std::fs::create_dir_all(&run).unwrap();
        claimed.push((job, Some(lock), RunPaths::new(run)));
    }
    // Job 1: never wrote run.json. Job 2: completed. Job 3: interrupted with `last`.
    // Job 4: interrupted without `last`.
    let manifest = |status| RunManifest {
        title: "t".into(),
        status,
        started: crate::run::now_rfc3339(),
        ..RunManifest::default()
    };
    manifest(RunStatus::Completed)
        .write(&claimed[1].2.manifest())
        .unwrap();
    for i in [2, 3] {
        manifest(RunStatus::Running)
            .write(&claimed[i].2.manifest())
            .unwrap();
    }
    claimed[2].2.create_dirs().unwrap();
    std::fs::write(claimed[2].2.last_checkpoint(), b"x").unwrap();
    assert!(g.reconcile().unwrap().is_empty(), "live workers: untouched");
    // The workers die: their job locks go.
    for c in &mut claimed {
        c.1 = None;
    }
    let changed = g.reconcile().unwrap();
    assert_eq!(changed.len(), 4);
    let jobs = g.jobs().unwrap();
    assert_eq!(
        jobs.iter().map(|j| (j.state, j.resume)).collect::<Vec<_>>(),
        [
            (JobState::Queued, false),
            (JobState::Completed, false),
            (JobState::Queued, true),
            (JobState::Queued, false)
        ]
    );
    assert_eq!(jobs[0].run, claimed[0].0.run, "empty folder reused");
    assert_eq!(
        jobs[3].run, claimed[3].0.run,
        "no `last`: started again in its folder"
    );
}

#[test]
fn a_trainer_trains_only_when_its_job_records_it_and_a_reused_pid_is_not_it() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    let g = q.lock().unwrap();
    g.add(new_job(0)).unwrap();
    let me = std::process::id();
    let (mut job, lock) = g.claim_next(|_| true, |_| Ok(())).unwrap().unwrap();
    // Its worker died between spawning the trainer and recording it: the trainer does nothing.
    let e = g.confirm_trainer(&job.id, me).unwrap_err().to_string();
    assert!(
        e.contains("000001.json") && e.contains("does not name this process"),
        "{e}"
    );
    job.record_trainer(me);
    g.save(&job).unwrap();
    assert_eq!(g.confirm_trainer(&job.id, me).unwrap().pid, Some(me));
    assert!(
        g.confirm_trainer(&job.id, me + 1).is_err(),
        "another process"
    );
    drop(lock);
    // The worker is gone; its trainer (this process) lives and has no run.json yet: untouched.
    assert!(g.reconcile().unwrap().is_empty());
    assert_eq!(g.job("000001").unwrap().state, JobState::Running);
    // After a reboot the same pid is another process: the job starts again.
    let start = job.trainer_start.clone().unwrap();
    let ticks = start.split_once('/').unwrap().1;
    job.trainer_start = Some(format!("another-boot/{ticks}"));
    g.save(&job).unwrap();
    assert!(g.confirm_trainer(&job.id, me).is_err());
    assert_eq!(g.reconcile().unwrap().len(), 1);
    let job = g.job("000001").unwrap();
    assert_eq!(
        (job.state, job.pid, job.trainer_start),
        (JobState::Queued, None, None)
    );
}

#[test]
fn a_running_job_cannot_be_moved() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    let g = q.lock().unwrap();
    for n in 0..2 {
        g.add(new_job(n)).unwrap();
    }
    let (_job, _lock) = g.claim_next(|_| true, |_| Ok(())).unwrap().unwrap();
    let e = g.move_to("000001", 1).unwrap_err().to_string();
    assert!(e.contains("000001") && e.contains("is running"), "{e}");
    g.move_to("000002", 0).unwrap();
    let order: Vec<String> = g.jobs().unwrap().into_iter().map(|j| j.id).collect();
    assert_eq!(order, ["000002", "000001"]);
}

#[test]
fn max_parallel_defaults_and_reads() {
    assert_eq!(settings::QueueSettings::default_for(2).max_parallel, 1);
    assert_eq!(settings::QueueSettings::default_for(4).max_parallel, 1);
    assert_eq!(settings::QueueSettings::default_for(16).max_parallel, 4);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("worldbench.toml");
    std::fs::write(&p, "[queue]\nmax_parallel = 3\n").unwrap();
    let s = settings::QueueSettings::read(&p).unwrap();
    assert_eq!((s.max_parallel, s.threads_per_run(12)), (3, 4));
    std::fs::write(&p, "[queue]\nmax_parallel = 0\n").unwrap();
    let e = settings::QueueSettings::read(&p).unwrap_err().to_string();
    assert!(
        e.contains("worldbench.toml") && e.contains("max_parallel"),
        "{e}"
    );
}

#[test]
fn a_slurm_job_whose_worker_is_gone_is_left_to_a_slurm_worker() {
    let tmp = tempfile::tempdir().unwrap();
    let q = Queue::of_workspace(tmp.path());
    let g = q.lock().unwrap();
    g.add(new_job(0)).unwrap();
    let (mut job, lock) = g
        .claim_next(|_| true, |_| Ok(()))
        .unwrap()
        .expect("claimed");
    job.slurm_job_id = Some("41".into());
    g.save(&job).unwrap();
    drop(lock);
    // No manifest and no worker: a local job would be queued again; a Slurm one may still be
    // pending in Slurm's queue.
    assert!(g.reconcile().unwrap().is_empty());
    assert_eq!(g.job(&job.id).unwrap().state, JobState::Running);
    // Claimed again (after a requeue), it is submitted afresh: the old id goes.
    let mut again = g.job(&job.id).unwrap();
    again.state = JobState::Queued;
    g.save(&again).unwrap();
    let (claimed, _lock) = g
        .claim_next(|_| true, |_| Ok(()))
        .unwrap()
        .expect("claimed");
    assert_eq!(claimed.slurm_job_id, None);
}
