//! Training batches: the preprocessed frames, the valid sequence starts, deterministic sampling
//! from (seed, step), and a prefetch thread that prepares batches ahead of the step.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};

use rand::{Rng, SeedableRng};
use worldbench_storage::Dataset;

use crate::config::ModelConfig;
use crate::error::{ModelError, Result};
use crate::nn::jepa::one_hot;
use crate::preprocess::resize_frames;

/// Batches kept ready ahead of the training step.
const PREFETCH_DEPTH: usize = 3;

/// How batches are drawn, recorded in checkpoints: ChaCha8 seeded with `seed`, stream = step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SamplerState {
    pub kind: String,
    pub seed: u64,
    /// The step whose batch comes next.
    pub next_step: u64,
}

impl SamplerState {
    pub fn new(seed: u64, next_step: u64) -> Self {
        Self {
            kind: "chacha8(seed).stream(step)".into(),
            seed,
            next_step,
        }
    }
}

/// One batch ready for the model.
pub struct Batch {
    pub step: u64,
    /// `[B·T, S, S, 3]` values in 0..1, sequence-major.
    pub frames: Vec<f32>,
    /// `[B, T-1, n_actions]` one-hot actions.
    pub actions: Vec<f32>,
}

/// The dataset prepared for training: frames resized to the model's input, and every index
/// where `seq_len` consecutive frames of one episode start.
pub struct TrainData {
    /// `[N, S, S, 3]` bytes.
    frames: Vec<u8>,
    actions: Vec<u8>,
    starts: Vec<u32>,
    size: usize,
    seq_len: usize,
    batch_size: usize,
    n_actions: usize,
}

impl TrainData {
    /// Resizes the frames (in parallel) and finds the valid sequence starts. Fails when no
    /// episode has `seq_len` frames or an action id is outside the model's action count.
    pub fn new(data: &Dataset, cfg: &ModelConfig) -> Result<Self> {
        if data.is_empty()
            || data.frames.len() != data.len() * data.frame_bytes()
            || data.episode.len() != data.len()
        {
            return Err(ModelError::Invalid(format!(
                "dataset {:?}: {} actions, {} episode ids and {} frame bytes do not describe the same frames",
                data.name,
                data.actions.len(),
                data.episode.len(),
                data.frames.len()
            )));
        }
        let mut starts = Vec::new();
        for ep in data.episodes() {
            if ep.len() < cfg.seq_len {
                continue;
            }
            if let Some(i) = ep
                .clone()
                .take(ep.len() - 1)
                .find(|&i| data.actions[i] as usize >= cfg.n_actions)
            {
                return Err(ModelError::Invalid(format!(
                    "dataset {:?}: frame {i} has action id {} but the model has {} actions",
                    data.name, data.actions[i], cfg.n_actions
                )));
            }
            starts.extend((ep.start..=ep.end - cfg.seq_len).map(|s| s as u32));
        }
        if starts.is_empty() {
            return Err(ModelError::Invalid(format!(
                "dataset {:?}: no episode has the {} consecutive frames a training sequence needs",
                data.name, cfg.seq_len
            )));
        }
        let frames = resize_frames(&data.frames, data.height, data.width, cfg.image_size)?;
        Ok(Self {
            frames,
            actions: data.actions.clone(),
            starts,
            size: cfg.image_size,
            seq_len: cfg.seq_len,
            batch_size: cfg.batch_size,
            n_actions: cfg.n_actions,
        })
    }

    /// Number of valid sequence starts.
    pub fn num_sequences(&self) -> usize {
        self.starts.len()
    }

    /// The first frame index of each sequence of step `step`'s batch (deterministic in seed, step).
    pub fn batch_starts(&self, seed: u64, step: u64) -> Vec<usize> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(step);
        (0..self.batch_size)
            .map(|_| self.starts[rng.random_range(0..self.starts.len())] as usize)
            .collect()
    }

    /// Step `step`'s batch, converted to f32.
    pub fn batch(&self, seed: u64, step: u64) -> Batch {
        let fb = self.size * self.size * 3;
        let (t, a) = (self.seq_len, self.n_actions);
        let starts = self.batch_starts(seed, step);
        let mut frames = Vec::with_capacity(starts.len() * t * fb);
        let mut acts = Vec::with_capacity(starts.len() * (t - 1));
        for &s in &starts {
            frames.extend(
                self.frames[s * fb..(s + t) * fb]
                    .iter()
                    .map(|&v| f32::from(v) / 255.0),
            );
            acts.extend_from_slice(&self.actions[s..s + t - 1]);
        }
        Batch {
            step,
            frames,
            actions: one_hot(&acts, a),
        }
    }

    /// Starts a thread (inside `scope`) that prepares the batches of steps `first..=last` in
    /// order and hands them over through a bounded channel. It stops when the receiver is
    /// dropped or `stop` is set.
    pub fn prefetch<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        seed: u64,
        first: u64,
        last: u64,
        stop: &'scope AtomicBool,
    ) -> Receiver<Batch> {
        let (tx, rx) = sync_channel(PREFETCH_DEPTH);
        scope.spawn(move || {
            for step in first..=last {
                if stop.load(Ordering::Relaxed) || tx.send(self.batch(seed, step)).is_err() {
                    break;
                }
            }
        });
        rx
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use worldbench_storage::dataset::DatasetSource;

    /// A hand-made dataset of `episodes` episodes of `len` frames of `side`×`side` RGB. Frame
    /// `i` is filled with the value `i`, so batches reveal which frames they hold.
    pub(crate) fn synthetic_dataset(episodes: usize, len: usize, side: usize) -> Dataset {
        let n = episodes * len;
        let fb = side * side * 3;
        let mut frames = vec![0u8; n * fb];
        for i in 0..n {
            // A moving bright square, so the data has structure.
            let (ep_t, ep) = (i % len, i / len);
            let pos = (ep_t * 2 + ep) % side.saturating_sub(2).max(1);
            for y in 0..side {
                for x in 0..side {
                    let on = y.abs_diff(pos) < 2 && x.abs_diff(side - 1 - pos) < 3;
                    let v = if on { 250 } else { (i % 7) as u8 * 3 };
                    frames[i * fb + (y * side + x) * 3..][..3].copy_from_slice(&[
                        v,
                        v / 2,
                        (i % 256) as u8,
                    ]);
                }
            }
        }
        Dataset {
            name: "synthetic".into(),
            source: DatasetSource::Memory,
            height: side,
            width: side,
            frames,
            actions: (0..n).map(|i| ((i * 7 + i / 3) % 5) as u8).collect(),
            episode: (0..n).map(|i| (i / len) as u32).collect(),
            tiles: None,
            action_names: worldbench_storage::dataset::ACTION_NAMES
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            map: None,
            generator: None,
            layouts: None,
        }
    }

    #[test]
    fn sequences_stay_inside_episodes_and_sampling_is_deterministic() {
        let mut data = synthetic_dataset(3, 4, 16);
        // Episode 1 is cut short to 2 frames: it yields no sequence of 3.
        data.episode[6] = 9;
        data.episode[7] = 9;
        let cfg = ModelConfig::tiny();
        let td = TrainData::new(&data, &cfg).expect("train data");
        // Episode 0: starts 0,1; episode 1 (frames 4,5): none; episode 9 (6,7): none; episode 2: 8,9.
        assert_eq!(td.starts, vec![0, 1, 8, 9]);
        assert_eq!(td.batch_starts(1, 5), td.batch_starts(1, 5));
        let all: Vec<Vec<usize>> = (0..8).map(|s| td.batch_starts(1, s)).collect();
        assert!(all.iter().any(|b| *b != all[0]));
        let b = td.batch(1, 3);
        assert_eq!(b.frames.len(), 4 * 3 * 16 * 16 * 3);
        assert_eq!(b.actions.len(), 4 * 2 * 5);
        // The blue channel holds the frame index: frame t of a sequence is start + t.
        let s0 = td.batch_starts(1, 3)[0];
        for t in 0..3 {
            assert!((b.frames[t * 16 * 16 * 3 + 2] * 255.0 - (s0 + t) as f32).abs() < 1e-3);
        }
    }

    #[test]
    fn unusable_datasets_are_refused_with_a_reason() {
        let data = synthetic_dataset(2, 2, 16);
        let err = TrainData::new(&data, &ModelConfig::tiny())
            .err()
            .expect("too short");
        assert!(err.to_string().contains("consecutive frames"), "{err}");
        let mut data = synthetic_dataset(2, 4, 16);
        data.actions[1] = 7;
        let err = TrainData::new(&data, &ModelConfig::tiny())
            .err()
            .expect("bad action");
        assert!(err.to_string().contains("action id 7"), "{err}");
    }
}
