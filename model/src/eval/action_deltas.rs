//! The researchers' action-delta statistics of a latent space (their `compute_action_delta_stats`
//! in `jepa_world_model/planning/planning_eval.py`), on our h and the data's transitions:
//!
//! - per action `a` (L, R, U, D and noop) over its transitions `d = h[t+1] − h[t]`: **mu_a**, the
//!   per-dimension median of `d`; **L_a**, the median of `‖d‖`; **S_a**, the median of `‖d − mu_a‖`;
//! - **L** (their `L_scale`): the median of `L_L, L_R, L_U, L_D` — the step length;
//! - **inv_lr** = `‖mu_L + mu_R‖ / L`, **inv_ud** = `‖mu_U + mu_D‖ / L`: 0 when opposite moves cancel;
//! - **noop_ratio** = `L_noop / L` (0 when the data has no noop transitions, as theirs);
//! - **q_a** = `S_a / max(‖mu_a‖, 1e-8)` for the four moves: the spread of a move's deltas around
//!   its median, relative to its size (0 = every step of that move is the same vector).
//!
//! As theirs, the statistics are absent when a move has fewer than [`MIN_ACTION_COUNT`]
//! transitions (they raise; we leave the columns empty).

use worldbench_storage::Dataset;

use super::stats::median;
use crate::world::action;

/// Fewest transitions of each move for the statistics (their `min_action_count`).
pub const MIN_ACTION_COUNT: usize = 5;

/// Their direction order: L, R, U, D.
pub const DIRECTIONS: [u8; 4] = [action::LEFT, action::RIGHT, action::UP, action::DOWN];

/// One observed transition: frame `from` → frame `to` under `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: usize,
    pub to: usize,
    pub action: u8,
}

/// The transitions of `data`: frame `i` → `i + 1` within one episode, action `actions[i]`.
pub fn dataset_transitions(data: &Dataset) -> Vec<Transition> {
    (0..data.len().saturating_sub(1))
        .filter(|&i| data.episode[i] == data.episode[i + 1])
        .map(|i| Transition {
            from: i,
            to: i + 1,
            action: data.actions[i],
        })
        .collect()
}

/// The statistics of one action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDelta {
    pub action: u8,
    pub count: usize,
    /// Per-dimension median delta.
    pub mu: Vec<f32>,
    /// Median delta norm.
    pub step_len: f64,
    /// Median norm of the delta minus `mu`.
    pub spread: f64,
}

/// The statistics of the module doc.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDeltaStats {
    /// L, R, U, D, then noop when present.
    pub per_action: Vec<ActionDelta>,
    /// Their `L_scale`: the median step length of the four moves.
    pub l_scale: f64,
    pub inv_lr: f64,
    pub inv_ud: f64,
    pub noop_ratio: f64,
    /// q of L, R, U, D.
    pub q: [f64; 4],
}

fn norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x).sum::<f64>().sqrt()
}

fn one_action(h: &[f32], dim: usize, ts: &[Transition], a: u8) -> Option<ActionDelta> {
    let deltas: Vec<Vec<f64>> = ts
        .iter()
        .filter(|t| t.action == a)
        .map(|t| {
            (0..dim)
                .map(|j| f64::from(h[t.to * dim + j]) - f64::from(h[t.from * dim + j]))
                .collect()
        })
        .collect();
    if deltas.is_empty() {
        return None;
    }
    let mu: Vec<f64> = (0..dim)
        .map(|j| median(&deltas.iter().map(|d| d[j]).collect::<Vec<_>>()))
        .collect();
    let lens: Vec<f64> = deltas.iter().map(|d| norm(d.iter().copied())).collect();
    let spreads: Vec<f64> = deltas
        .iter()
        .map(|d| norm(d.iter().zip(&mu).map(|(x, m)| x - m)))
        .collect();
    Some(ActionDelta {
        action: a,
        count: deltas.len(),
        mu: mu.iter().map(|&m| m as f32).collect(),
        step_len: median(&lens),
        spread: median(&spreads),
    })
}

/// The statistics of `h` (one row of `dim` floats per frame) over `transitions`; `None` when a
/// move has fewer than [`MIN_ACTION_COUNT`] transitions or the step length is 0.
pub fn action_delta_stats(
    h: &[f32],
    dim: usize,
    transitions: &[Transition],
) -> Option<ActionDeltaStats> {
    let moves: Vec<ActionDelta> = DIRECTIONS
        .iter()
        .map(|&a| one_action(h, dim, transitions, a))
        .collect::<Option<_>>()?;
    if moves.iter().any(|m| m.count < MIN_ACTION_COUNT) {
        return None;
    }
    let l_scale = median(&moves.iter().map(|m| m.step_len).collect::<Vec<_>>());
    if l_scale <= 0.0 || !l_scale.is_finite() {
        return None;
    }
    let cancel = |a: &ActionDelta, b: &ActionDelta| {
        norm(a.mu.iter().zip(&b.mu).map(|(x, y)| f64::from(*x + *y))) / l_scale
    };
    let inv_lr = cancel(&moves[0], &moves[1]);
    let inv_ud = cancel(&moves[2], &moves[3]);
    let q = [0, 1, 2, 3].map(|i: usize| {
        let m = &moves[i];
        m.spread / norm(m.mu.iter().map(|&x| f64::from(x))).max(1e-8)
    });
    let noop = one_action(h, dim, transitions, action::NOOP);
    let noop_ratio = noop.as_ref().map_or(0.0, |n| n.step_len / l_scale);
    let mut per_action = moves;
    per_action.extend(noop);
    Some(ActionDeltaStats {
        per_action,
        l_scale,
        inv_lr,
        inv_ud,
        noop_ratio,
        q,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    /// Frames on a 2-D lattice walk: h = (col, row) scaled by `step`, with the given moves.
    fn walk(moves: &[u8], step: f32) -> (Vec<f32>, Vec<Transition>) {
        let (mut x, mut y) = (0.0f32, 0.0f32);
        let mut h = vec![x, y];
        let mut ts = Vec::new();
        for (i, &a) in moves.iter().enumerate() {
            match a {
                action::LEFT => x -= step,
                action::RIGHT => x += step,
                action::UP => y -= step,
                action::DOWN => y += step,
                _ => {}
            }
            h.extend([x, y]);
            ts.push(Transition {
                from: i,
                to: i + 1,
                action: a,
            });
        }
        (h, ts)
    }

    fn each_move(times: usize, noop: bool) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..times {
            v.extend([action::LEFT, action::RIGHT, action::UP, action::DOWN]);
            if noop {
                v.push(action::NOOP);
            }
        }
        v
    }

    #[test]
    fn lattice_coordinates_are_perfect() {
        let (h, ts) = walk(&each_move(6, true), 1.0);
        let s = action_delta_stats(&h, 2, &ts).unwrap();
        assert_eq!(s.l_scale, 1.0);
        assert_eq!(s.inv_lr, 0.0);
        assert_eq!(s.inv_ud, 0.0);
        assert_eq!(s.noop_ratio, 0.0);
        assert_eq!(s.q, [0.0; 4]);
        assert_eq!(s.per_action[0].mu, vec![-1.0, 0.0]);
        assert_eq!(s.per_action[3].mu, vec![0.0, 1.0]);
        assert_eq!(s.per_action.len(), 5);
        assert_eq!(s.per_action[4].count, 6);
        // Scaling h scales L, not the ratios.
        let (h, ts) = walk(&each_move(6, false), 2.5);
        let s = action_delta_stats(&h, 2, &ts).unwrap();
        assert_eq!(s.l_scale, 2.5);
        assert_eq!(s.inv_lr, 0.0);
        assert_eq!(s.per_action.len(), 4, "no noop transitions");
    }

    #[test]
    fn non_cancelling_moves_noisy_moves_and_moving_noops() {
        // R moves by (2, 0) and L by (−1, 0): ‖mu_L + mu_R‖ = 1; L_scale = median(1, 2, 1, 1) = 1.
        let (mut h, ts) = walk(&each_move(5, true), 1.0);
        for t in &ts {
            if t.action == action::RIGHT {
                // Shift every later frame one more step right.
                for k in t.to..h.len() / 2 {
                    h[k * 2] += 1.0;
                }
            }
            if t.action == action::NOOP {
                // A noop that moves half a step down, and every later frame with it.
                for k in t.to..h.len() / 2 {
                    h[k * 2 + 1] += 0.5;
                }
            }
        }
        let s = action_delta_stats(&h, 2, &ts).unwrap();
        assert_eq!(s.l_scale, 1.0);
        assert!((s.inv_lr - 1.0).abs() < 1e-9, "{}", s.inv_lr);
        assert_eq!(s.inv_ud, 0.0);
        assert!((s.noop_ratio - 0.5).abs() < 1e-9);

        // Up steps alternate between (0, −1) and (0, −3) (6 of each): median delta (0, −2), spread 1.
        let mut moves = Vec::new();
        for _ in 0..12 {
            moves.extend([action::UP, action::LEFT, action::RIGHT, action::DOWN]);
        }
        let (mut h, ts) = walk(&moves, 1.0);
        let mut nth = 0;
        for t in &ts {
            if t.action == action::UP {
                nth += 1;
                if nth % 2 == 0 {
                    for k in t.to..h.len() / 2 {
                        h[k * 2 + 1] -= 2.0;
                    }
                }
            }
        }
        let s = action_delta_stats(&h, 2, &ts).unwrap();
        assert_eq!(s.per_action[2].mu, vec![0.0, -2.0]);
        assert!(
            (s.q[2] - 0.5).abs() < 1e-9,
            "q_U = spread 1 / ‖mu‖ 2: {:?}",
            s.q
        );
        assert_eq!(s.q[0], 0.0);
    }

    #[test]
    fn too_few_transitions_of_a_move_give_none() {
        let mut moves = each_move(MIN_ACTION_COUNT, false);
        let (h, ts) = walk(&moves, 1.0);
        assert!(action_delta_stats(&h, 2, &ts).is_some());
        moves.retain(|&a| a != action::DOWN);
        moves.extend([action::DOWN; MIN_ACTION_COUNT - 1]);
        let (h, ts) = walk(&moves, 1.0);
        assert!(action_delta_stats(&h, 2, &ts).is_none());
        // A constant encoder has step length 0: no statistics rather than a division by 0.
        let (_, ts) = walk(&each_move(6, false), 1.0);
        assert!(action_delta_stats(&vec![0.5; (ts.len() + 1) * 2], 2, &ts).is_none());
    }

    #[test]
    fn dataset_transitions_stay_within_episodes() {
        let d = super::super::testutil::pixel_dataset(vec![1, 2, 3, 4, 0], vec![0, 0, 1, 1, 1]);
        let ts = dataset_transitions(&d);
        assert_eq!(
            ts,
            vec![
                Transition {
                    from: 0,
                    to: 1,
                    action: 1
                },
                Transition {
                    from: 2,
                    to: 3,
                    action: 3
                },
                Transition {
                    from: 3,
                    to: 4,
                    action: 4
                },
            ]
        );
    }
}
