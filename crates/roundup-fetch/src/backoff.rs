//! Retry waits, Retry-After parsing and the backoff schedule of failing feeds.

use rand::Rng;
use std::time::Duration;

/// Wait before retry number `retry` (0 = first retry): `base · 2^retry`, capped at `cap`,
/// with "equal jitter" (uniform in the upper half) so many clients do not retry in lockstep.
pub fn retry_delay(retry: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << retry.min(20));
    let d = exp.min(cap);
    let half = d / 2;
    let jitter = rand::thread_rng().gen_range(0.0..=1.0);
    half + half.mul_f64(jitter)
}

/// Parses a Retry-After value: delta-seconds or an HTTP-date (IMF-fixdate and RFC 850 / asctime
/// via RFC 2822 parsing). A date in the past means zero. `None` when unparseable.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|| {
            // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; asctime: "Sun Nov  6 08:49:37 1994".
            chrono::NaiveDateTime::parse_from_str(v, "%A, %d-%b-%y %H:%M:%S GMT")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%a %b %e %H:%M:%S %Y"))
                .ok()
                .map(|n| n.and_utc())
        })?;
    let delta = when.signed_duration_since(chrono::Utc::now());
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// How long a feed that failed `consecutive_failures` times in a row should wait before its
/// next attempt: 10 minutes doubling per failure, capped at 24 hours, ±10 % jitter (never
/// over the cap). Zero failures → zero.
pub fn next_backoff(consecutive_failures: u32) -> Duration {
    next_backoff_with(
        consecutive_failures,
        Duration::from_secs(600),
        Duration::from_secs(24 * 3600),
    )
}

/// [`next_backoff`] with an explicit base and cap.
pub fn next_backoff_with(consecutive_failures: u32, base: Duration, cap: Duration) -> Duration {
    if consecutive_failures == 0 {
        return Duration::ZERO;
    }
    let exp = base.saturating_mul(1u32 << (consecutive_failures - 1).min(20));
    let d = exp.min(cap);
    let jitter = rand::thread_rng().gen_range(0.9..=1.1);
    d.mul_f64(jitter).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_and_cap() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for r in 0..10 {
            let d = retry_delay(r, base, cap);
            let full = (base * (1 << r)).min(cap);
            assert!(d >= full / 2 && d <= full, "retry {r}: {d:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let future = chrono::Utc::now() + chrono::Duration::seconds(90);
        let s = future.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let d = parse_retry_after(&s).unwrap();
        assert!(
            d >= Duration::from_secs(85) && d <= Duration::from_secs(90),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn feed_backoff_schedule() {
        assert_eq!(next_backoff(0), Duration::ZERO);
        let one = next_backoff(1);
        assert!(one >= Duration::from_secs(540) && one <= Duration::from_secs(660));
        let three = next_backoff(3);
        assert!(three >= Duration::from_secs(2160) && three <= Duration::from_secs(2640));
        assert!(next_backoff(40) <= Duration::from_secs(24 * 3600));
        assert!(next_backoff(40) >= Duration::from_secs(21 * 3600));
    }
}
