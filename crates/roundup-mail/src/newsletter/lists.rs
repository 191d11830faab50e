//! Newsletter lists and their schedules.
//!
//! A list sends one edition kind on a cron schedule evaluated in an IANA time zone, so "07:00
//! in Europe/Paris" stays 07:00 local time across daylight-saving changes. On the spring-forward
//! day a time that does not exist locally (e.g. 02:30) runs at the first valid instant after
//! the gap; on the fall-back day an ambiguous time runs once, at its first occurrence.

use super::{NewsletterError, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One newsletter list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListConfig {
    /// Identifier used in URLs, tokens and `List-Id` (`briefing`).
    pub id: String,
    /// Display name ("Morning Briefing").
    pub name: String,
    /// One line shown in the sign-up form and the footer.
    #[serde(default)]
    pub description: String,
    /// Five-field cron expression (minute hour day-of-month month day-of-week).
    pub cron: String,
    /// IANA time zone the cron expression is evaluated in (`Europe/London`).
    pub timezone: String,
    /// Edition kind sent by this list (`briefing`, `ten-things`, `good-news`).
    pub edition_kind: String,
}

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: Tz,
}

impl ListConfig {
    /// Parses the cron expression and the time zone.
    pub fn schedule(&self) -> Result<Schedule> {
        let cron = Cron::from_str(self.cron.trim()).map_err(|e| {
            NewsletterError::Config(format!("list {}: cron {:?}: {e}", self.id, self.cron))
        })?;
        let tz: Tz = self.timezone.parse().map_err(|_| {
            NewsletterError::Config(format!(
                "list {}: unknown time zone {:?} (use an IANA name such as Europe/London)",
                self.id, self.timezone
            ))
        })?;
        Ok(Schedule { cron, tz })
    }
}

impl Schedule {
    /// The first scheduled instant strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let local = after.with_timezone(&self.tz);
        self.cron
            .find_next_occurrence(&local, false)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| NewsletterError::Config(format!("cron has no next run: {e}")))
    }
}

/// The first run of `list` strictly after `after`.
pub fn next_run(list: &ListConfig, after: DateTime<Utc>) -> Result<DateTime<Utc>> {
    list.schedule()?.next_after(after)
}

/// The default lists: the morning briefing (07:00 daily), "10 things" (12:00 daily) and the
/// weekly good news (Saturday 09:00), all in UTC until configured otherwise.
pub fn default_lists() -> Vec<ListConfig> {
    vec![
        ListConfig {
            id: "briefing".into(),
            name: "Morning Briefing".into(),
            description: "The day's biggest stories with their digest, every morning.".into(),
            cron: "0 7 * * *".into(),
            timezone: "UTC".into(),
            edition_kind: "briefing".into(),
        },
        ListConfig {
            id: "ten-things".into(),
            name: "10 Things".into(),
            description: "Ten stories you need to know today, one line each.".into(),
            cron: "0 12 * * *".into(),
            timezone: "UTC".into(),
            edition_kind: "ten-things".into(),
        },
        ListConfig {
            id: "good-news".into(),
            name: "Weekly Good News".into(),
            description: "The week's good news, every Saturday.".into(),
            cron: "0 9 * * 6".into(),
            timezone: "UTC".into(),
            edition_kind: "good-news".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn list(cron: &str, tz: &str) -> ListConfig {
        ListConfig {
            id: "t".into(),
            name: "T".into(),
            description: String::new(),
            cron: cron.into(),
            timezone: tz.into(),
            edition_kind: "briefing".into(),
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn daily_morning_keeps_local_time_across_dst() {
        let l = list("0 7 * * *", "Europe/Paris");
        // Winter: UTC+1.
        assert_eq!(
            next_run(&l, utc(2026, 3, 28, 12, 0)).unwrap(),
            utc(2026, 3, 29, 5, 0),
            "29 March 2026 is the spring-forward day: 07:00 CEST = 05:00 UTC"
        );
        assert_eq!(
            next_run(&l, utc(2026, 3, 27, 12, 0)).unwrap(),
            utc(2026, 3, 28, 6, 0)
        );
        // Autumn: 25 October 2026 back to UTC+1.
        assert_eq!(
            next_run(&l, utc(2026, 10, 24, 12, 0)).unwrap(),
            utc(2026, 10, 25, 6, 0)
        );
        assert_eq!(
            next_run(&l, utc(2026, 10, 23, 12, 0)).unwrap(),
            utc(2026, 10, 24, 5, 0)
        );
    }

    #[test]
    fn strictly_after() {
        let l = list("0 7 * * *", "UTC");
        assert_eq!(
            next_run(&l, utc(2026, 1, 1, 7, 0)).unwrap(),
            utc(2026, 1, 2, 7, 0)
        );
        assert_eq!(
            next_run(&l, utc(2026, 1, 1, 6, 59)).unwrap(),
            utc(2026, 1, 1, 7, 0)
        );
    }

    #[test]
    fn nonexistent_and_ambiguous_local_times() {
        // New York springs forward on 8 March 2026 at 02:00 → 03:00: 02:30 does not exist.
        let l = list("30 2 * * *", "America/New_York");
        let t = next_run(&l, utc(2026, 3, 8, 0, 0)).unwrap();
        assert!(
            t >= utc(2026, 3, 8, 7, 0) && t <= utc(2026, 3, 9, 6, 30),
            "skipped time runs after the gap or next day, got {t}"
        );
        // It falls back on 1 November 2026: 01:30 happens twice; one run that day.
        let l = list("30 1 * * *", "America/New_York");
        let first = next_run(&l, utc(2026, 11, 1, 0, 0)).unwrap();
        assert_eq!(first, utc(2026, 11, 1, 5, 30), "first 01:30 (EDT)");
        let second = next_run(&l, first).unwrap();
        assert!(
            second >= utc(2026, 11, 2, 6, 30) || second == utc(2026, 11, 1, 6, 30),
            "got {second}"
        );
    }

    #[test]
    fn weekly_good_news_in_sydney() {
        // Saturday 09:00 Australia/Sydney; DST ends 5 April 2026 (UTC+11 → UTC+10).
        let l = list("0 9 * * 6", "Australia/Sydney");
        assert_eq!(
            next_run(&l, utc(2026, 4, 1, 0, 0)).unwrap(),
            utc(2026, 4, 3, 22, 0),
            "Sat 4 April 09:00 AEDT = Fri 3 April 22:00 UTC"
        );
        assert_eq!(
            next_run(&l, utc(2026, 4, 5, 0, 0)).unwrap(),
            utc(2026, 4, 10, 23, 0),
            "Sat 11 April 09:00 AEST = Fri 10 April 23:00 UTC"
        );
    }

    #[test]
    fn defaults_parse_and_bad_config_is_an_error() {
        for l in default_lists() {
            l.schedule().unwrap();
        }
        assert!(matches!(
            list("61 7 * * *", "UTC").schedule(),
            Err(NewsletterError::Config(_))
        ));
        assert!(matches!(
            list("0 7 * * *", "Mars/Olympus").schedule(),
            Err(NewsletterError::Config(_))
        ));
    }
}
