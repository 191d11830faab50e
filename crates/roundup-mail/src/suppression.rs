//! Suppression policy: turns the history of one subscriber's bounce events into a
//! suppress / keep decision. A pure function, no I/O.
//!
//! - a hard bounce ([`EventKind::Hard`]) or a complaint ([`EventKind::Complaint`]) suppresses
//!   at once;
//! - soft bounces suppress only when they repeat: at least [`Policy::soft_threshold`] of them,
//!   spread over at least [`Policy::soft_span`] (first to last), with no successful delivery in
//!   between when [`Policy::reset_on_delivery`] is set (the default). A burst of soft bounces
//!   from one outage therefore does not suppress a reader.
//!
//! Pass the events since the subscriber (re-)subscribed: suppression is decided on the whole
//! history given.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::bounce::Action;

/// What happened to one message sent to the subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Hard bounce: the address does not exist.
    Hard,
    /// Soft bounce: temporary, policy or content failure.
    Soft,
    /// Abuse complaint / feedback report / unsubscribe request.
    Complaint,
    /// Delivery succeeded (or the mailbox proved alive, e.g. with an auto-reply).
    Delivered,
}

impl From<Action> for EventKind {
    fn from(a: Action) -> Self {
        match a {
            Action::Suppress => EventKind::Hard,
            Action::Soft => EventKind::Soft,
            Action::Unsubscribe => EventKind::Complaint,
            Action::Ignore => EventKind::Delivered,
        }
    }
}

/// One event of a subscriber's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

/// Errors of [`Policy::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The soft-bounce threshold must be at least 1.
    #[error("soft bounce threshold must be at least 1")]
    ZeroThreshold,
    /// The soft-bounce span must not be negative.
    #[error("soft bounce span must not be negative (got {0} days)")]
    NegativeSpan(i64),
}

/// Configuration of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// N: how many soft bounces (at least) suppress.
    pub soft_threshold: u32,
    /// D: the soft bounces counted must spread over at least this long (first to last).
    pub soft_span: Duration,
    /// A delivery after soft bounces starts the count afresh.
    pub reset_on_delivery: bool,
}

impl Default for Policy {
    /// 3 soft bounces over at least 7 days, reset by a delivery.
    fn default() -> Self {
        Policy {
            soft_threshold: 3,
            soft_span: Duration::days(7),
            reset_on_delivery: true,
        }
    }
}

impl Policy {
    /// A policy suppressing after `soft_threshold` soft bounces spread over at least
    /// `soft_span_days` days (deliveries reset the count).
    pub fn new(soft_threshold: u32, soft_span_days: i64) -> Result<Self, PolicyError> {
        if soft_threshold == 0 {
            return Err(PolicyError::ZeroThreshold);
        }
        if soft_span_days < 0 {
            return Err(PolicyError::NegativeSpan(soft_span_days));
        }
        Ok(Policy {
            soft_threshold,
            soft_span: Duration::days(soft_span_days),
            reset_on_delivery: true,
        })
    }
}

/// Why a subscriber is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum SuppressReason {
    /// A hard bounce at this time.
    HardBounce {
        /// When.
        at: DateTime<Utc>,
    },
    /// A complaint at this time.
    Complaint {
        /// When.
        at: DateTime<Utc>,
    },
    /// Repeated soft bounces.
    RepeatedSoft {
        /// How many soft bounces were counted.
        count: u32,
        /// The first counted.
        first: DateTime<Utc>,
        /// The one that crossed the threshold.
        last: DateTime<Utc>,
    },
}

/// The policy's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "lowercase")]
pub enum Decision {
    /// Keep mailing; `soft_count` soft bounces are pending in the current streak.
    Keep {
        /// Soft bounces counted since the last reset.
        soft_count: u32,
    },
    /// Stop mailing.
    Suppress {
        /// Why.
        reason: SuppressReason,
    },
}

impl Decision {
    /// True for [`Decision::Suppress`].
    pub fn is_suppress(&self) -> bool {
        matches!(self, Decision::Suppress { .. })
    }
}

/// Decides suppress / keep for one subscriber's history (any order; sorted by time here).
pub fn decide(history: &[BounceEvent], policy: &Policy) -> Decision {
    let mut events = history.to_vec();
    events.sort_by_key(|e| e.at);
    let threshold = policy.soft_threshold.max(1);
    let mut streak: Vec<DateTime<Utc>> = Vec::new();
    for e in &events {
        match e.kind {
            EventKind::Hard => {
                return Decision::Suppress {
                    reason: SuppressReason::HardBounce { at: e.at },
                }
            }
            EventKind::Complaint => {
                return Decision::Suppress {
                    reason: SuppressReason::Complaint { at: e.at },
                }
            }
            EventKind::Delivered => {
                if policy.reset_on_delivery {
                    streak.clear();
                }
            }
            EventKind::Soft => {
                streak.push(e.at);
                let first = streak[0];
                if streak.len() as u64 >= u64::from(threshold) && e.at - first >= policy.soft_span {
                    return Decision::Suppress {
                        reason: SuppressReason::RepeatedSoft {
                            count: streak.len() as u32,
                            first,
                            last: e.at,
                        },
                    };
                }
            }
        }
    }
    Decision::Keep {
        soft_count: streak.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(d)
    }

    fn ev(d: i64, kind: EventKind) -> BounceEvent {
        BounceEvent { at: day(d), kind }
    }

    #[test]
    fn empty_history_keeps() {
        assert_eq!(
            decide(&[], &Policy::default()),
            Decision::Keep { soft_count: 0 }
        );
    }

    #[test]
    fn hard_bounce_suppresses_at_once() {
        let d = decide(&[ev(0, EventKind::Hard)], &Policy::default());
        assert_eq!(
            d,
            Decision::Suppress {
                reason: SuppressReason::HardBounce { at: day(0) }
            }
        );
    }

    #[test]
    fn complaint_suppresses_at_once() {
        let d = decide(
            &[ev(0, EventKind::Delivered), ev(1, EventKind::Complaint)],
            &Policy::default(),
        );
        assert!(matches!(
            d,
            Decision::Suppress {
                reason: SuppressReason::Complaint { .. }
            }
        ));
    }

    #[test]
    fn soft_burst_within_span_keeps() {
        // Three soft bounces within two days: one outage, not a dead mailbox.
        let h = [
            ev(0, EventKind::Soft),
            ev(1, EventKind::Soft),
            ev(2, EventKind::Soft),
        ];
        assert_eq!(
            decide(&h, &Policy::default()),
            Decision::Keep { soft_count: 3 }
        );
    }

    #[test]
    fn repeated_soft_over_span_suppresses() {
        let h = [
            ev(0, EventKind::Soft),
            ev(3, EventKind::Soft),
            ev(7, EventKind::Soft),
        ];
        assert_eq!(
            decide(&h, &Policy::default()),
            Decision::Suppress {
                reason: SuppressReason::RepeatedSoft {
                    count: 3,
                    first: day(0),
                    last: day(7)
                }
            }
        );
    }

    #[test]
    fn too_few_soft_over_long_span_keeps() {
        let h = [ev(0, EventKind::Soft), ev(30, EventKind::Soft)];
        assert!(!decide(&h, &Policy::default()).is_suppress());
    }

    #[test]
    fn delivery_resets_streak() {
        let h = [
            ev(0, EventKind::Soft),
            ev(4, EventKind::Soft),
            ev(5, EventKind::Delivered),
            ev(8, EventKind::Soft),
        ];
        assert_eq!(
            decide(&h, &Policy::default()),
            Decision::Keep { soft_count: 1 }
        );
        let no_reset = Policy {
            reset_on_delivery: false,
            ..Policy::default()
        };
        assert!(decide(&h, &no_reset).is_suppress());
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let h = [
            ev(7, EventKind::Soft),
            ev(0, EventKind::Soft),
            ev(3, EventKind::Soft),
        ];
        assert!(decide(&h, &Policy::default()).is_suppress());
    }

    #[test]
    fn configurable_threshold_and_span() {
        let p = Policy::new(2, 1).unwrap();
        let h = [ev(0, EventKind::Soft), ev(1, EventKind::Soft)];
        assert!(decide(&h, &p).is_suppress());
        let p0 = Policy::new(1, 0).unwrap();
        assert!(decide(&[ev(0, EventKind::Soft)], &p0).is_suppress());
        assert_eq!(Policy::new(0, 3), Err(PolicyError::ZeroThreshold));
        assert_eq!(Policy::new(3, -1), Err(PolicyError::NegativeSpan(-1)));
    }

    #[test]
    fn actions_map_to_events() {
        assert_eq!(EventKind::from(Action::Suppress), EventKind::Hard);
        assert_eq!(EventKind::from(Action::Soft), EventKind::Soft);
        assert_eq!(EventKind::from(Action::Unsubscribe), EventKind::Complaint);
        assert_eq!(EventKind::from(Action::Ignore), EventKind::Delivered);
    }
}
