//! Date parsing for feeds: RFC 822/2822 (with the usual sloppiness: missing weekday,
//! two-digit years, named and military zones, missing seconds), W3C-DTF / ISO 8601
//! (reduced precision, ordinal and compact forms, fractional seconds) and asctime.
//! Everything is converted to UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Parses a feed date in any supported format.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso(s).or_else(|| parse_rfc822(s))
}

/// A date as the 9-item `gmtime()` tuple: year, month, day, hour, minute, second,
/// weekday (Monday = 0), day of year, 0.
pub(crate) fn to_tuple(d: &DateTime<Utc>) -> [i64; 9] {
    [
        d.year() as i64,
        d.month() as i64,
        d.day() as i64,
        d.hour() as i64,
        d.minute() as i64,
        d.second() as i64,
        d.weekday().num_days_from_monday() as i64,
        d.ordinal() as i64,
        0,
    ]
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn tz_offset_minutes(tz: &str) -> Option<i64> {
    let t = tz.trim();
    if t.is_empty() {
        return Some(0);
    }
    let up = t.to_ascii_uppercase();
    let named = match up.as_str() {
        "Z" | "UT" | "UTC" | "GMT" => Some(0),
        "EST" => Some(-5 * 60),
        "EDT" => Some(-4 * 60),
        "CST" => Some(-6 * 60),
        "CDT" => Some(-5 * 60),
        "MST" => Some(-7 * 60),
        "MDT" => Some(-6 * 60),
        "PST" => Some(-8 * 60),
        "PDT" => Some(-7 * 60),
        "AST" => Some(-4 * 60),
        "ADT" => Some(-3 * 60),
        "BST" => Some(60),
        "CET" => Some(60),
        "CEST" => Some(120),
        "EET" => Some(120),
        "JST" => Some(9 * 60),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    if up.len() == 1 {
        let c = up.as_bytes()[0];
        return match c {
            b'A'..=b'I' => Some(-((c - b'A' + 1) as i64) * 60),
            b'K'..=b'M' => Some(-((c - b'A') as i64) * 60),
            b'N'..=b'Y' => Some(((c - b'N' + 1) as i64) * 60),
            _ => None,
        };
    }
    let t = t
        .strip_prefix("GMT")
        .or_else(|| t.strip_prefix("UTC"))
        .unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let rest = rest.replace(':', "");
    if !digits(&rest) {
        return None;
    }
    let (h, m) = match rest.len() {
        1 | 2 => (rest.parse::<i64>().ok()?, 0),
        3 => (
            rest[..1].parse::<i64>().ok()?,
            rest[1..].parse::<i64>().ok()?,
        ),
        4 => (
            rest[..2].parse::<i64>().ok()?,
            rest[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 60 + m))
}

#[allow(clippy::too_many_arguments)]
fn build(
    y: i32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    sec: u32,
    frac_ns: u32,
    offset_min: i64,
) -> Option<DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let (h, extra) = if h == 24 && mi == 0 && sec == 0 {
        (0, 1)
    } else {
        (h, 0)
    };
    let sec_c = sec.min(59);
    let t = date.and_hms_nano_opt(h, mi, sec_c, frac_ns)?;
    let t: NaiveDateTime = t + Duration::days(extra) + Duration::seconds((sec - sec_c) as i64)
        - Duration::minutes(offset_min);
    Some(t.and_utc())
}

/// W3C-DTF / ISO 8601.
fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        // two-digit-year ISO forms are too ambiguous; let RFC 822 have a go
        return None;
    }
    let (date_part, time_part) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let year: i32 = date_part[..4].parse().ok()?;
    let rest = &date_part[4..];
    let (mo, d) = if rest.is_empty() {
        (1, 1)
    } else if let Some(r) = rest.strip_prefix('-') {
        let parts: Vec<&str> = r.split('-').collect();
        match parts.as_slice() {
            [m] if m.len() == 3 && digits(m) => {
                let od = NaiveDate::from_yo_opt(year, m.parse().ok()?)?;
                (od.month(), od.day())
            }
            [m] if digits(m) => (m.parse().ok()?, 1),
            [m, d] if digits(m) && digits(d) => (m.parse().ok()?, d.parse().ok()?),
            _ => return None,
        }
    } else if digits(rest) && rest.len() == 4 {
        (rest[..2].parse().ok()?, rest[2..].parse().ok()?)
    } else if digits(rest) && rest.len() == 3 {
        let od = NaiveDate::from_yo_opt(year, rest.parse().ok()?)?;
        (od.month(), od.day())
    } else if digits(rest) && rest.len() == 2 {
        (rest.parse().ok()?, 1)
    } else {
        return None;
    };
    if time_part.is_empty() {
        return build(year, mo, d, 0, 0, 0, 0, 0);
    }
    // split off the zone
    let tz_at = time_part
        .find(['Z', 'z', '+', '-'])
        .unwrap_or(time_part.len());
    let (clock, tz) = (time_part[..tz_at].trim(), time_part[tz_at..].trim());
    let (clock, frac) = match clock.find(['.', ',']) {
        Some(i) => (&clock[..i], &clock[i + 1..]),
        None => (clock, ""),
    };
    let fields: Vec<&str> = if clock.contains(':') {
        clock.split(':').collect()
    } else if digits(clock) && clock.len() >= 4 {
        let mut v = vec![&clock[..2], &clock[2..4]];
        if clock.len() >= 6 {
            v.push(&clock[4..6]);
        }
        v
    } else {
        return None;
    };
    if fields.is_empty() || fields.len() > 3 || !fields.iter().all(|f| digits(f)) {
        return None;
    }
    let h: u32 = fields[0].parse().ok()?;
    let mi: u32 = fields.get(1).map_or(Some(0), |f| f.parse().ok())?;
    let sec: u32 = fields.get(2).map_or(Some(0), |f| f.parse().ok())?;
    let frac_ns = if digits(frac) {
        let f = format!("{:0<9}", &frac[..frac.len().min(9)]);
        f.parse().unwrap_or(0)
    } else {
        0
    };
    let off = tz_offset_minutes(tz)?;
    build(year, mo, d, h, mi, sec, frac_ns, off)
}

fn month_of(w: &str) -> Option<u32> {
    let w = w.to_ascii_lowercase();
    let w = w.trim_end_matches('.');
    if w.len() < 3 {
        return None;
    }
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    M.iter()
        .position(|m| w.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn is_weekday(w: &str) -> bool {
    let w = w.to_ascii_lowercase();
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| w.starts_with(d))
}

/// RFC 822 / 2822 and asctime, tolerant of common mistakes.
fn parse_rfc822(s: &str) -> Option<DateTime<Utc>> {
    let cleaned = s.replace(',', " ");
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|w| is_weekday(w) && month_of(w).is_none())
    {
        words.remove(0);
    }
    // dashed date "31-Dec-2004"
    let mut expanded: Vec<String> = Vec::new();
    for w in &words {
        let parts: Vec<&str> = w.split('-').collect();
        if parts.len() == 3 && parts.iter().any(|p| month_of(p).is_some()) {
            expanded.extend(parts.iter().map(|p| p.to_string()));
        } else {
            expanded.push(w.to_string());
        }
    }
    let mut day = None;
    let mut month = None;
    let mut year: Option<i32> = None;
    let mut time: Option<(u32, u32, u32)> = None;
    let mut tz = String::new();
    for w in &expanded {
        if let Some(m) = month_of(w).filter(|_| month.is_none()) {
            month = Some(m);
        } else if w.contains(':') && time.is_none() {
            // time, maybe with an attached zone
            let tz_at = w.find(['+', '-']).unwrap_or(w.len());
            let parts: Vec<&str> = w[..tz_at].split(':').collect();
            if parts.len() < 2 || parts.len() > 3 || !parts.iter().all(|p| digits(p)) {
                return None;
            }
            time = Some((
                parts[0].parse().ok()?,
                parts[1].parse().ok()?,
                parts.get(2).map_or(Some(0), |p| p.parse().ok())?,
            ));
            if tz_at < w.len() {
                tz = w[tz_at..].to_string();
            }
        } else if digits(w) {
            let n: i64 = w.parse().ok()?;
            if day.is_none() && w.len() <= 2 && month.is_none()
                || (day.is_none() && w.len() <= 2 && year.is_some())
            {
                day = Some(n as u32);
            } else if year.is_none() && (w.len() == 4 || (w.len() == 2 && day.is_some())) {
                year = Some(n as i32);
            } else if day.is_none() && w.len() <= 2 {
                day = Some(n as u32);
            } else {
                return None;
            }
        } else if tz.is_empty() && tz_offset_minutes(w).is_some() {
            tz = w.to_string();
        } else if is_weekday(w) {
            continue;
        } else {
            return None;
        }
    }
    let mut year = year?;
    if year < 100 {
        year += if year < 90 { 2000 } else { 1900 };
    }
    let (h, mi, sec) = time.unwrap_or((0, 0, 0));
    build(year, month?, day?, h, mi, sec, 0, tz_offset_minutes(&tz)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<[i64; 9]> {
        parse_date(s).map(|d| to_tuple(&d))
    }

    #[test]
    fn rfc822_variants() {
        assert_eq!(
            t("Thu, 01 Jan 2004 19:48:21 GMT"),
            Some([2004, 1, 1, 19, 48, 21, 3, 1, 0])
        );
        assert_eq!(t("Wed, 31 Dec 2003 10:14:55 -0800").map(|a| a[3]), Some(18));
        assert_eq!(
            t("31 Dec 03 10:14 EST").map(|a| (a[0], a[3])),
            Some((2003, 15))
        );
        assert_eq!(
            t("Sun Jan  4 16:29:06 2004"),
            Some([2004, 1, 4, 16, 29, 6, 6, 4, 0])
        );
        assert_eq!(t("nonsense"), None);
    }

    #[test]
    fn iso_variants() {
        assert_eq!(
            t("2003-12-31T10:14:55Z"),
            Some([2003, 12, 31, 10, 14, 55, 2, 365, 0])
        );
        assert_eq!(t("2003-12-31T10:14:55-08:00").map(|a| a[3]), Some(18));
        assert_eq!(t("2003-12-31"), Some([2003, 12, 31, 0, 0, 0, 2, 365, 0]));
        assert_eq!(t("2003"), Some([2003, 1, 1, 0, 0, 0, 2, 1, 0]));
        assert_eq!(t("20031231T101455Z").map(|a| a[4]), Some(14));
        assert_eq!(t("2003-13-01"), None);
    }
}
