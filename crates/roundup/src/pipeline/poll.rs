//! Adaptive polling: how long until a feed is fetched again.
//!
//! The interval follows the feed's observed update frequency (the gaps between its entries'
//! publication times, and whether the last poll found anything new), never goes below what
//! the publisher asked for (RSS `<ttl>`, `sy:updatePeriod`, `Cache-Control: max-age`), and is
//! clamped to `[min, max]` with ±10 % jitter so feeds added together spread out.

use chrono::{DateTime, Utc};
use rand::Rng;

/// Bounds and inputs of the polling decision.
#[derive(Debug, Clone, Copy)]
pub struct PollBounds {
    /// Shortest interval, seconds.
    pub min_secs: i64,
    /// Longest interval, seconds.
    pub max_secs: i64,
}

/// What one poll of a feed observed.
#[derive(Debug, Clone, Default)]
pub struct PollObservation {
    /// Interval used before this poll, seconds.
    pub previous_secs: i64,
    /// New entries stored by this poll.
    pub new_entries: usize,
    /// Publication times of the entries in the feed document (any order).
    pub entry_times: Vec<DateTime<Utc>>,
    /// The publisher's own minimum (TTL, updatePeriod, max-age), seconds.
    pub publisher_hint_secs: Option<i64>,
}

/// The next interval, before jitter.
pub fn next_interval(obs: &PollObservation, b: PollBounds) -> i64 {
    let prev = obs.previous_secs.clamp(b.min_secs, b.max_secs);
    let mut times: Vec<i64> = obs.entry_times.iter().map(|t| t.timestamp()).collect();
    times.sort_unstable();
    times.dedup();
    // Median gap between consecutive entries: a feed that publishes every hour is polled
    // about twice an hour.
    let observed = if times.len() >= 3 {
        let mut gaps: Vec<i64> = times
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|g| *g > 0)
            .collect();
        gaps.sort_unstable();
        gaps.get(gaps.len() / 2).map(|g| g / 2)
    } else {
        None
    };
    let trend = if obs.new_entries > 0 {
        prev * 3 / 4
    } else {
        prev * 3 / 2
    };
    let mut next = match observed {
        // Blend the document's rhythm with the recent trend.
        Some(o) => (o + trend) / 2,
        None => trend,
    };
    if let Some(h) = obs.publisher_hint_secs {
        next = next.max(h);
    }
    next.clamp(b.min_secs, b.max_secs)
}

/// Applies ±10 % jitter, staying within the bounds.
pub fn jitter(secs: i64, b: PollBounds) -> i64 {
    let spread = (secs / 10).max(1);
    let j = rand::thread_rng().gen_range(-spread..=spread);
    (secs + j).clamp(b.min_secs, b.max_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const B: PollBounds = PollBounds {
        min_secs: 600,
        max_secs: 86_400,
    };

    fn at(h: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_547_200 + h * 3600, 0).unwrap()
    }

    #[test]
    fn busy_feed_polls_faster_quiet_feed_slower() {
        let busy = PollObservation {
            previous_secs: 3600,
            new_entries: 5,
            entry_times: (0..10)
                .map(|i| at(0) + chrono::Duration::minutes(20 * i))
                .collect(),
            publisher_hint_secs: None,
        };
        let quiet = PollObservation {
            previous_secs: 3600,
            new_entries: 0,
            entry_times: (0..10).map(|i| at(24 * i)).collect(),
            publisher_hint_secs: None,
        };
        let fast = next_interval(&busy, B);
        let slow = next_interval(&quiet, B);
        assert!(fast < 3600, "{fast}");
        assert!(slow > 3600, "{slow}");
    }

    #[test]
    fn bounds_and_publisher_hint_are_respected() {
        let o = PollObservation {
            previous_secs: 10,
            new_entries: 9,
            ..Default::default()
        };
        assert_eq!(next_interval(&o, B), 600);
        let o = PollObservation {
            previous_secs: 80_000,
            new_entries: 0,
            ..Default::default()
        };
        assert_eq!(next_interval(&o, B), 86_400);
        let o = PollObservation {
            previous_secs: 900,
            new_entries: 3,
            publisher_hint_secs: Some(7200),
            ..Default::default()
        };
        assert_eq!(next_interval(&o, B), 7200);
        for _ in 0..100 {
            let j = jitter(1000, B);
            assert!((900..=1100).contains(&j));
            assert!(jitter(600, B) >= 600);
        }
    }
}
