//! Date parsing and publication-date finding (in the manner of htmldate): structured data,
//! `<meta>`, `<time>`, URL patterns, then dates written in the visible text, each checked
//! against sanity limits (not before 1995, not in the future).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;
use std::sync::OnceLock;

/// A parsed date: the calendar date as written, and the instant when a time was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    /// Calendar date in the page's own time zone.
    pub date: NaiveDate,
    /// Instant in UTC (midnight UTC when only a date was given).
    pub instant: DateTime<Utc>,
}

/// Earliest accepted publication date.
pub(crate) fn min_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1995, 1, 1).expect("valid date")
}

fn sane(d: NaiveDate, now: DateTime<Utc>) -> bool {
    d >= min_date() && d <= (now + chrono::Duration::days(1)).date_naive()
}

fn month_from(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    let n = n.trim_end_matches('.');
    let m = match n.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

fn iso_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?x)(?-u:\b)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})
              (?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?",
        )
        .expect("valid regex")
    })
}

fn compact_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?").expect("valid regex")
    })
}

fn text_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?xi)
            (?-u:\b)(?:(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})
            |(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(\d{4}))(?-u:\b)",
        )
        .expect("valid regex")
    })
}

fn numeric_dmy_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?-u:\b)(\d{1,2})([./])(\d{1,2})[./](\d{4})(?-u:\b)").expect("valid regex")
    })
}

fn finish(date: NaiveDate, time: Option<NaiveTime>, offset: Option<FixedOffset>) -> FoundDate {
    let instant = match (time, offset) {
        (Some(t), Some(off)) => off
            .from_local_datetime(&NaiveDateTime::new(date, t))
            .single()
            .map(|d| d.with_timezone(&Utc)),
        (Some(t), None) => Some(Utc.from_utc_datetime(&NaiveDateTime::new(date, t))),
        _ => None,
    }
    .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight")));
    FoundDate { date, instant }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("gmt")
    {
        return FixedOffset::east_opt(0);
    }
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Parses one date string in any common machine or human format. No sanity limits.
pub fn parse_date(s: &str) -> Option<FoundDate> {
    let s = s.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(FoundDate {
            date: d.date_naive(),
            instant: d.with_timezone(&Utc),
        });
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(FoundDate {
            date: d.date_naive(),
            instant: d.with_timezone(&Utc),
        });
    }
    if let Some(c) = iso_re().captures(s) {
        let y = c[1].parse().ok()?;
        let m = c[2].parse().ok()?;
        let d = c[3].parse().ok()?;
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            let time = match (c.get(4), c.get(5)) {
                (Some(h), Some(mi)) => NaiveTime::from_hms_opt(
                    h.as_str().parse().ok()?,
                    mi.as_str().parse().ok()?,
                    c.get(6).and_then(|x| x.as_str().parse().ok()).unwrap_or(0),
                ),
                _ => None,
            };
            let off = c.get(7).and_then(|o| parse_offset(o.as_str()));
            return Some(finish(date, time, off));
        }
    }
    if let Some(c) = compact_re().captures(s) {
        if let Some(date) =
            NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
        {
            return Some(finish(date, None, None));
        }
    }
    if let Some(f) = find_text_date(s) {
        return Some(f);
    }
    // Unix epoch seconds or milliseconds.
    if s.chars().all(|c| c.is_ascii_digit()) && (s.len() == 10 || s.len() == 13) {
        let n: i64 = s.parse().ok()?;
        let secs = if s.len() == 13 { n / 1000 } else { n };
        let d = Utc.timestamp_opt(secs, 0).single()?;
        return Some(FoundDate {
            date: d.date_naive(),
            instant: d,
        });
    }
    if let Some(c) = numeric_dmy_re().captures(s) {
        let a: u32 = c[1].parse().ok()?;
        let b: u32 = c[3].parse().ok()?;
        let y: i32 = c[4].parse().ok()?;
        // Dotted dates are day-first (European); slashed ones month-first (US) unless the
        // first number cannot be a month.
        let day_first = &c[2] == "." || a > 12;
        let date = if day_first {
            NaiveDate::from_ymd_opt(y, b, a)
        } else {
            NaiveDate::from_ymd_opt(y, a, b)
        }?;
        return Some(finish(date, None, None));
    }
    None
}

/// Finds the first human-written date ("November 19, 2019", "19 Nov 2019") in a text.
pub(crate) fn find_text_date(s: &str) -> Option<FoundDate> {
    let c = text_re().captures(s)?;
    let (mon, day, year) = if let Some(m) = c.get(1) {
        (m.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str())
    } else {
        (c.get(5)?.as_str(), c.get(4)?.as_str(), c.get(6)?.as_str())
    };
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month_from(mon)?, day.parse().ok()?)?;
    Some(finish(date, None, None))
}

/// Parses and checks the sanity limits.
pub(crate) fn parse_sane(s: &str, now: DateTime<Utc>) -> Option<FoundDate> {
    parse_date(s).filter(|d| sane(d.date, now))
}

/// Finds a date written in a URL path: `/2019/11/19/`, `/2019-11-19`, `/20191119/`.
pub(crate) fn url_date(url: &str, now: DateTime<Utc>) -> Option<FoundDate> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"/((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)")
            .expect("valid regex")
    });
    let c = r.captures(url)?;
    let date = NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
    sane(date, now).then(|| finish(date, None, None))
}

/// Scans visible text for the first sane human-written or ISO date.
pub(crate) fn text_date(text: &str, now: DateTime<Utc>) -> Option<FoundDate> {
    for c in text_re().find_iter(text) {
        if let Some(d) = find_text_date(c.as_str()) {
            if sane(d.date, now) {
                return Some(d);
            }
        }
    }
    for c in iso_re().find_iter(text) {
        if let Some(d) = parse_date(c.as_str()) {
            if sane(d.date, now) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        parse_date(s)
            .map(|f| f.date.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn formats() {
        assert_eq!(d("2019-11-19T08:00:00-05:00"), "2019-11-19");
        assert_eq!(d("2019-11-19T23:30:00+0000"), "2019-11-19");
        assert_eq!(d("2019-11-19 23:30"), "2019-11-19");
        assert_eq!(d("Tue, 19 Nov 2019 08:00:00 GMT"), "2019-11-19");
        assert_eq!(d("November 19, 2019"), "2019-11-19");
        assert_eq!(d("Published 19th Nov. 2019, 10:00"), "2019-11-19");
        assert_eq!(d("20191119"), "2019-11-19");
        assert_eq!(d("2019/11/19"), "2019-11-19");
        assert_eq!(d("1574168580"), "2019-11-19");
        assert_eq!(d("19.11.2019"), "2019-11-19");
        assert_eq!(d("05.10.2018"), "2018-10-05");
        assert_eq!(d("11/19/2019"), "2019-11-19");
        assert_eq!(d("not a date"), "");
        assert_eq!(d("2019-13-45"), "");
    }

    #[test]
    fn instant_keeps_offset() {
        let f = parse_date("2019-11-19T22:00:00-05:00").unwrap();
        assert_eq!(f.date.to_string(), "2019-11-19");
        assert_eq!(f.instant.to_rfc3339(), "2019-11-20T03:00:00+00:00");
    }

    #[test]
    fn sanity_limits() {
        let now = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        assert!(parse_sane("1990-01-01", now).is_none());
        assert!(parse_sane("2030-01-01", now).is_none());
        assert!(parse_sane("2019-06-01", now).is_some());
        assert_eq!(
            url_date("https://x.com/2019/11/19/story", now)
                .unwrap()
                .date
                .to_string(),
            "2019-11-19"
        );
        assert_eq!(
            url_date("https://x.com/news/20191119-story", now)
                .unwrap()
                .date
                .to_string(),
            "2019-11-19"
        );
        assert!(url_date("https://x.com/2031/11/19/story", now).is_none());
        assert_eq!(
            text_date("Posted on March 3, 2018 by x", now)
                .unwrap()
                .date
                .to_string(),
            "2018-03-03"
        );
    }
}
