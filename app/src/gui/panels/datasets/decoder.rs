//! Reading the shown frame off the UI thread: one worker thread per opened dataset reads (native
//! format) or decodes (PNG) the frame the panel asks for. Requests go through a one-place slot, so
//! while scrubbing fast the newest request replaces an older one not yet started; results come back
//! through a channel into a small LRU of decoded frames.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use worldbench_storage::dataset::LazyDataset;

use crate::gui::task_tracker::Pending;
use worldbench_widgets::Lru;

/// Decoded frames kept (64×56 RGB: ~11 KB each).
const DECODED_CAPACITY: usize = 128;

/// What the panel can draw for a frame now.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameState<'a> {
    /// The frame's RGB bytes.
    Ready(&'a [u8]),
    /// Asked for; the worker will report back (and ask `ctx` to repaint).
    Pending,
    /// The frame cannot be read: the message names the file and the problem.
    Failed(&'a str),
}

/// The request slot shared with the worker: at most one request waits; a new one replaces it.
#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    wake: Condvar,
}

#[derive(Default)]
struct SlotState {
    /// The frame asked for, counted as work under way until its result is sent.
    request: Option<(usize, Pending)>,
    /// Asked to repaint when a frame is ready.
    ctx: Option<egui::Context>,
    /// The decoder was dropped: the worker stops.
    closed: bool,
}

/// One frame's outcome: its bytes or the error message.
type Decoded = (usize, Result<Vec<u8>, String>);

/// Reads frames of one dataset on a worker thread and caches the last [`DECODED_CAPACITY`].
pub struct FrameDecoder {
    slot: Arc<Slot>,
    results: Receiver<Decoded>,
    decoded: Lru<usize, Result<Vec<u8>, String>>,
    /// The last frame requested and not yet received.
    requested: Option<usize>,
    /// Why no worker thread runs, if it could not be started.
    spawn_error: Option<String>,
}

impl FrameDecoder {
    /// Starts the worker thread for `dataset`.
    pub fn start(dataset: Arc<LazyDataset>) -> Self {
        let slot = Arc::new(Slot::default());
        let (tx, results) = mpsc::channel();
        let worker_slot = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("frame-decoder".into())
            .spawn(move || work(&dataset, &worker_slot, &tx));
        Self {
            slot,
            results,
            decoded: Lru::new(DECODED_CAPACITY),
            requested: None,
            spawn_error: spawned
                .err()
                .map(|e| format!("could not start the frame decoder thread: {e}")),
        }
    }

    /// Frame `index`: from the cache, else requested from the worker (`Pending`). `ctx` is asked to
    /// repaint when the worker has it.
    pub fn get(&mut self, index: usize, ctx: &egui::Context) -> FrameState<'_> {
        if self.spawn_error.is_some() {
            return FrameState::Failed(self.spawn_error.as_deref().unwrap_or_default());
        }
        self.drain();
        if !self.decoded.contains(&index) && self.requested != Some(index) {
            let mut s = self
                .slot
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // A request not yet started is replaced, and its count with it.
            s.request = Some((index, Pending::begin()));
            s.ctx = Some(ctx.clone());
            drop(s);
            self.slot.wake.notify_one();
            self.requested = Some(index);
        }
        match self.decoded.get(&index) {
            Some(Ok(rgb)) => FrameState::Ready(rgb),
            Some(Err(e)) => FrameState::Failed(e),
            None => FrameState::Pending,
        }
    }

    /// Blocks until frame `index` (requested with [`Self::get`]) is decoded or `timeout` passes;
    /// whether it is cached now (this file's tests; the app's tests wait on `task_tracker`).
    #[cfg(test)]
    fn wait(&mut self, index: usize, timeout: std::time::Duration) -> bool {
        use std::sync::mpsc::RecvTimeoutError;
        use std::time::Instant;
        let deadline = Instant::now() + timeout;
        self.drain();
        while !self.decoded.contains(&index) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(d) => self.store(d),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
            }
        }
        true
    }

    /// Moves the worker's finished frames into the cache.
    fn drain(&mut self) {
        while let Ok(d) = self.results.try_recv() {
            self.store(d);
        }
    }

    fn store(&mut self, (index, result): Decoded) {
        if self.requested == Some(index) {
            self.requested = None;
        }
        self.decoded.insert(index, result);
    }
}

impl Drop for FrameDecoder {
    fn drop(&mut self) {
        let mut s = self
            .slot
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        s.closed = true;
        drop(s);
        self.slot.wake.notify_one();
    }
}

/// The worker: takes the newest request, reads that frame, sends it back, asks for a repaint.
fn work(dataset: &LazyDataset, slot: &Slot, tx: &Sender<Decoded>) {
    loop {
        let (index, pending, ctx) = {
            let mut s = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if s.closed {
                    return;
                }
                if let Some((i, pending)) = s.request.take() {
                    break (i, pending, s.ctx.clone());
                }
                s = slot.wake.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = dataset.frame(index).map_err(|e| e.to_string());
        if tx.send((index, result)).is_err() {
            return;
        }
        // Repaint first: a test that waits for the work to end must find the repaint asked for.
        if let Some(ctx) = ctx {
            ctx.request_repaint();
        }
        drop(pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use worldbench_storage::dataset::DatasetSource;
    use worldbench_storage::Dataset;

    fn counting(n: usize) -> Arc<LazyDataset> {
        Arc::new(LazyDataset::from_dataset(Dataset {
            name: "c".into(),
            source: DatasetSource::Memory,
            height: 1,
            width: 1,
            frames: (0..n * 3).map(|v| v as u8).collect(),
            actions: vec![0; n],
            episode: vec![0; n],
            tiles: None,
            action_names: vec!["noop".into()],
            map: None,
            generator: None,
            layouts: None,
        }))
    }

    #[test]
    fn frames_arrive_cached_and_errors_are_reported() {
        let ctx = egui::Context::default();
        let mut d = FrameDecoder::start(counting(4));
        assert_eq!(d.get(2, &ctx), FrameState::Pending);
        assert!(d.wait(2, Duration::from_secs(10)));
        assert_eq!(d.get(2, &ctx), FrameState::Ready(&[6, 7, 8]));
        // A frame that cannot be read is reported (and cached: not asked for again).
        assert_eq!(d.get(9, &ctx), FrameState::Pending);
        assert!(d.wait(9, Duration::from_secs(10)));
        match d.get(9, &ctx) {
            FrameState::Failed(e) => assert!(e.contains("frame 9 is out of range"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(d.requested.is_none());
        assert!(matches!(d.get(9, &ctx), FrameState::Failed(_)));
        assert!(
            d.requested.is_none(),
            "a cached failure is not requested again"
        );
    }
}
