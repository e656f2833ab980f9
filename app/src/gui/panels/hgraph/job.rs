//! Background work of the h-graph panel: opening a checkpoint's graph (`run_context`: from the cache
//! beside it when fresh, else computed by `model::eval::hgraph_view_data` and cached) and planning in
//! the playground. Each runs on its own thread, reports stages through a channel the UI polls, and
//! can be cancelled.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;

use anyhow::Result;
use worldbench_model::eval::{hgraph_of, Control, PlanOutcome, Planner};
use worldbench_model::world::{Tile, World};
use worldbench_storage::hgraph_cache::HGraphCache;

pub use crate::run_context::Opened;
use crate::run_context::{encoder_of, open_checkpoint_graph};

enum Msg<T> {
    Stage(String, f32),
    Done(Result<T, String>),
}

/// One background task producing a `T`.
pub struct Task<T> {
    pub stage: String,
    pub fraction: f32,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Msg<T>>,
}

impl<T: Send + 'static> Task<T> {
    fn spawn(
        name: &str,
        ctx: Option<egui::Context>,
        work: impl FnOnce(&Control<'_>) -> Result<T> + Send + 'static,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let send = |m: Msg<T>| {
                    // The receiver is gone when the panel moved on: nobody needs the result.
                    let _ = tx.send(m);
                    if let Some(c) = &ctx {
                        c.request_repaint();
                    }
                };
                let progress = |what: &str, f: f32| send(Msg::Stage(what.to_string(), f));
                let control = Control {
                    cancel: &flag,
                    progress: &progress,
                };
                let result = work(&control).map_err(|e| format!("{e:#}"));
                send(Msg::Done(result));
            });
        let stage = match spawned {
            Ok(_) => "starting…".to_string(),
            Err(e) => format!("could not start a thread: {e}"),
        };
        Self {
            stage,
            fraction: 0.0,
            cancel,
            rx,
        }
    }

    /// Asks the task to stop at its next stage.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result once the task has ended, without blocking.
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(Msg::Stage(s, f)) => {
                    self.stage = s;
                    self.fraction = f;
                }
                Ok(Msg::Done(r)) => return Some(r),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    return Some(Err(format!(
                        "the task stopped unexpectedly ({})",
                        self.stage
                    )))
                }
            }
        }
    }

    /// Blocks until the task ends (tests).
    pub fn wait(&mut self) -> Result<T, String> {
        loop {
            match self.rx.recv() {
                Ok(Msg::Stage(s, f)) => {
                    self.stage = s;
                    self.fraction = f;
                }
                Ok(Msg::Done(r)) => return r,
                Err(_) => return Err(format!("the task stopped unexpectedly ({})", self.stage)),
            }
        }
    }
}

/// Opens `checkpoint`'s graph on a background thread ([`open_checkpoint_graph`]: the cache beside
/// it when fresh, else computed and cached). `recompute` ignores the cache.
pub fn open(checkpoint: PathBuf, recompute: bool, ctx: Option<egui::Context>) -> Task<Opened> {
    Task::spawn("hgraph-open", ctx, move |control| {
        open_checkpoint_graph(checkpoint, recompute, control)
    })
}

/// Plans from `start` to `goal` with the model's [`Planner`] over the cached graph.
pub fn plan(
    checkpoint: PathBuf,
    cache: &HGraphCache,
    world: Arc<World>,
    start: Tile,
    goal: Tile,
    ctx: Option<egui::Context>,
) -> Task<PlanOutcome> {
    let graph = hgraph_of(cache);
    Task::spawn("hgraph-plan", ctx, move |control| {
        (control.progress)("loading the checkpoint", 0.1);
        let encoder = encoder_of(&checkpoint)?;
        (control.progress)("encoding every tile of the world", 0.4);
        let planner = Planner::new(&world, &encoder, &graph)?;
        (control.progress)("planning", 0.8);
        Ok(planner.run(start, goal)?)
    })
}
