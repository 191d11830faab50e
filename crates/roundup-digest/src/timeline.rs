//! Timeline: coverage over time (first report, hourly counts, bursts) and every coverage link
//! in order.

use crate::types::{Burst, StoryArticle, Timeline, TimelineEntry};
use crate::DigestConfig;
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Most hourly buckets kept (two weeks); older hours are dropped from `hourly`.
const MAX_HOURS: i64 = 24 * 14;

fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// Build the timeline of a story.
pub fn timeline(articles: &[StoryArticle], cfg: &DigestConfig) -> Timeline {
    let mut entries: Vec<TimelineEntry> = articles
        .iter()
        .map(|a| TimelineEntry {
            published: a.published,
            outlet: a.outlet.clone(),
            title: a.title.clone(),
            url: a.url.clone(),
            lean: a.lean,
        })
        .collect();
    entries.sort_by(|a, b| {
        let ka = (
            a.published.is_none(),
            a.published,
            &a.outlet,
            &a.title,
            &a.url,
        );
        let kb = (
            b.published.is_none(),
            b.published,
            &b.outlet,
            &b.title,
            &b.url,
        );
        ka.cmp(&kb)
    });
    let dated: Vec<DateTime<Utc>> = entries.iter().filter_map(|e| e.published).collect();
    let first_report = entries.first().filter(|e| e.published.is_some()).cloned();
    let last_report_at = dated.last().copied();
    let mut hourly: Vec<(DateTime<Utc>, usize)> = Vec::new();
    let mut bursts = Vec::new();
    if let (Some(&first), Some(&last)) = (dated.first(), dated.last()) {
        let end = hour_floor(last);
        let mut start = hour_floor(first);
        if (end - start).num_hours() >= MAX_HOURS {
            start = end - Duration::hours(MAX_HOURS - 1);
        }
        let n = ((end - start).num_hours() + 1).max(1) as usize;
        let mut counts = vec![0usize; n];
        for t in &dated {
            let h = (hour_floor(*t) - start).num_hours();
            if h >= 0 && (h as usize) < n {
                counts[h as usize] += 1;
            }
        }
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2] as f64;
        let threshold = (cfg.burst_min_articles as f64).max(2.0 * median);
        let mut cur: Option<Burst> = None;
        for (i, &c) in counts.iter().enumerate() {
            let h = start + Duration::hours(i as i64);
            hourly.push((h, c));
            if c as f64 >= threshold && c > 0 {
                match cur.as_mut() {
                    Some(b) => {
                        b.end = h + Duration::hours(1);
                        b.articles += c;
                    }
                    None => {
                        cur = Some(Burst {
                            start: h,
                            end: h + Duration::hours(1),
                            articles: c,
                        })
                    }
                }
            } else if let Some(b) = cur.take() {
                bursts.push(b);
            }
        }
        if let Some(b) = cur {
            bursts.push(b);
        }
    }
    Timeline {
        first_report,
        last_report_at,
        hourly,
        bursts,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, outlet: &str) -> StoryArticle {
        StoryArticle {
            outlet: outlet.into(),
            published: Some(Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn orders_entries_and_finds_burst() {
        let arts = vec![
            at(9, 10, "B"),
            at(6, 0, "A"),
            at(9, 20, "C"),
            at(9, 40, "D"),
            at(12, 0, "E"),
            StoryArticle {
                outlet: "Z".into(),
                ..Default::default()
            },
        ];
        let t = timeline(&arts, &DigestConfig::default());
        assert_eq!(t.entries.first().unwrap().outlet, "A");
        assert_eq!(t.entries.last().unwrap().outlet, "Z");
        assert_eq!(t.first_report.as_ref().unwrap().outlet, "A");
        assert_eq!(t.hourly.len(), 7);
        assert_eq!(t.bursts.len(), 1);
        assert_eq!(t.bursts[0].articles, 3);
        assert_eq!(
            t.bursts[0].start,
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
        );
    }

    #[test]
    fn undated_and_empty() {
        let t = timeline(&[], &DigestConfig::default());
        assert!(t.entries.is_empty() && t.first_report.is_none() && t.hourly.is_empty());
        let t = timeline(&[StoryArticle::default()], &DigestConfig::default());
        assert!(t.first_report.is_none());
        // Far-apart dates are capped.
        let mut a = at(1, 0, "A");
        a.published = Some(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        let t = timeline(&[a, at(1, 0, "B")], &DigestConfig::default());
        assert!(t.hourly.len() as i64 <= MAX_HOURS);
    }
}
