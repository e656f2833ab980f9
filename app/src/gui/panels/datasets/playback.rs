//! The frame scrubber's logic: keys and play/pause at a frame rate (pure, so it is tested alone).

/// Playing state of the scrubber.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Playback {
    pub playing: bool,
    /// Seconds of play time not yet turned into whole frames.
    carry_secs: f64,
}

/// A scrubber key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrubKey {
    Next,
    Previous,
    First,
    Last,
}

/// The frame after pressing `key` at `frame` in a dataset of `len` frames; Home and End go to the
/// first and last frame of `trajectory` (the frames of the trajectory holding `frame`), or of the
/// dataset when there is none.
pub fn apply_key(
    frame: usize,
    len: usize,
    trajectory: Option<std::ops::Range<usize>>,
    key: ScrubKey,
) -> usize {
    let last = len.saturating_sub(1);
    let (first_of, last_of) = trajectory
        .filter(|r| !r.is_empty())
        .map_or((0, last), |r| (r.start, (r.end - 1).min(last)));
    match key {
        ScrubKey::Next => (frame + 1).min(last),
        ScrubKey::Previous => frame.saturating_sub(1).min(last),
        ScrubKey::First => first_of,
        ScrubKey::Last => last_of,
    }
}

impl Playback {
    pub fn toggle(&mut self) {
        self.playing = !self.playing;
        self.carry_secs = 0.0;
    }

    /// Advances `frame` by the frames `dt_secs` of play at `fps` cover; stops at the last frame.
    /// Returns the new frame.
    pub fn advance(&mut self, frame: usize, len: usize, dt_secs: f64, fps: f64) -> usize {
        if !self.playing || len == 0 || fps <= 0.0 {
            return frame;
        }
        self.carry_secs += dt_secs.max(0.0);
        let whole = (self.carry_secs * fps).floor();
        self.carry_secs -= whole / fps;
        let next = frame.saturating_add(whole as usize);
        if next >= len - 1 {
            self.playing = false;
            self.carry_secs = 0.0;
            return len - 1;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_in_range() {
        assert_eq!(apply_key(0, 10, None, ScrubKey::Previous), 0);
        assert_eq!(apply_key(3, 10, None, ScrubKey::Next), 4);
        assert_eq!(apply_key(9, 10, None, ScrubKey::Next), 9);
        assert_eq!(apply_key(5, 10, None, ScrubKey::First), 0);
        assert_eq!(apply_key(5, 10, None, ScrubKey::Last), 9);
        assert_eq!(apply_key(0, 0, None, ScrubKey::Last), 0);
        // Home and End stay in the trajectory holding the frame.
        assert_eq!(apply_key(5, 10, Some(4..7), ScrubKey::Last), 6);
        assert_eq!(apply_key(5, 10, Some(4..7), ScrubKey::First), 4);
        assert_eq!(apply_key(6, 10, Some(4..7), ScrubKey::Next), 7);
    }

    #[test]
    fn plays_at_fps_carrying_fractions_and_stops_at_end() {
        let mut p = Playback::default();
        assert_eq!(p.advance(0, 100, 1.0, 10.0), 0, "paused: no motion");
        p.toggle();
        assert_eq!(p.advance(0, 100, 0.25, 10.0), 2); // 2.5 frames: 2, carry 0.5
        assert_eq!(p.advance(2, 100, 0.25, 10.0), 5); // 0.5 + 2.5 = 3
        assert_eq!(p.advance(5, 100, 100.0, 10.0), 99);
        assert!(!p.playing);
    }
}
