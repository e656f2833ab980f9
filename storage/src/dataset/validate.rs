//! Checks shared by the dataset readers and writers.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Result, StorageError};

/// Every action id must index `action_names` (`n_names` of them).
pub fn check_actions(path: &Path, actions: &[u8], n_names: usize) -> Result<()> {
    match actions.iter().position(|&a| usize::from(a) >= n_names) {
        None => Ok(()),
        Some(i) => Err(StorageError::invalid(
            path,
            format!(
                "action {} at frame {i} is out of range: there are {n_names} action names",
                actions[i]
            ),
        )),
    }
}

/// The frames of one episode must be contiguous: an id never reappears after another one.
pub fn check_episodes(path: &Path, episode: &[u32]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, &e) in episode.iter().enumerate() {
        let starts = i == 0 || episode[i - 1] != e;
        if starts && !seen.insert(e) {
            return Err(StorageError::invalid(
                path,
                format!("episodes are not contiguous: episode {e} appears again at frame {i} after another episode"),
            ));
        }
    }
    Ok(())
}

/// The index ranges of the episode runs (blocks of equal consecutive ids), in order.
pub fn episode_ranges(episode: &[u32]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=episode.len() {
        if i == episode.len() || episode[i] != episode[start] {
            out.push(start..i);
            start = i;
        }
    }
    out
}

/// Number of episode runs (blocks of equal consecutive ids).
pub fn count_episodes(episode: &[u32]) -> usize {
    episode
        .iter()
        .enumerate()
        .filter(|&(i, &e)| i == 0 || episode[i - 1] != e)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episodes_counted_and_checked() {
        let p = Path::new("x");
        assert_eq!(count_episodes(&[]), 0);
        assert_eq!(count_episodes(&[3, 3, 1, 1, 1, 7]), 3);
        assert_eq!(episode_ranges(&[3, 3, 1, 1, 1, 7]), vec![0..2, 2..5, 5..6]);
        assert!(episode_ranges(&[]).is_empty());
        assert!(check_episodes(p, &[3, 3, 1, 7]).is_ok());
        let e = check_episodes(p, &[3, 1, 3]).unwrap_err().to_string();
        assert!(e.contains("episode 3 appears again at frame 2"), "{e}");
    }

    #[test]
    fn actions_in_range() {
        let p = Path::new("x");
        assert!(check_actions(p, &[0, 4, 2], 5).is_ok());
        let e = check_actions(p, &[0, 5], 5).unwrap_err().to_string();
        assert!(e.contains("action 5 at frame 1"), "{e}");
    }
}
