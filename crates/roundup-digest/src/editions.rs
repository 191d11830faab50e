//! Editions: immutable snapshots built from ranked stories — the morning briefing, "10 things
//! you need to know today" and the weekly good news. Plain serde data so the store can save
//! each as JSON exactly as readers saw it.

use crate::goodnews::story_good_news;
use crate::rank::RankedStory;
use crate::text::jaccard;
use crate::types::{Digest, Story};
use crate::{digest, DigestConfig};
use chrono::{DateTime, Duration, Utc};
use roundup_model::Section;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which edition a snapshot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditionKind {
    /// Top stories of the morning, each with its digest.
    MorningBriefing,
    /// Ten distinct stories, one line each.
    TenThings,
    /// Good-news stories of the last seven days.
    WeeklyGoodNews,
}

/// Sizes and windows of the editions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EditionConfig {
    /// Stories in the morning briefing.
    pub briefing_size: usize,
    /// Stories in "10 things" (10 by name, configurable anyway).
    pub ten_things_size: usize,
    /// Days looked back by the weekly good news.
    pub good_news_days: i64,
    /// Most stories in the weekly good news.
    pub good_news_size: usize,
    /// Headline similarity (term Jaccard) above which two stories count as the same story.
    pub duplicate_headline_similarity: f64,
}

impl Default for EditionConfig {
    fn default() -> Self {
        EditionConfig {
            briefing_size: 5,
            ten_things_size: 10,
            good_news_days: 7,
            good_news_size: 10,
            duplicate_headline_similarity: 0.6,
        }
    }
}

/// One story in an edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditionItem {
    /// Position in the edition (1-based).
    pub position: usize,
    /// Story id.
    pub story_id: String,
    /// Headline.
    pub headline: String,
    /// One-sentence digest.
    pub summary: String,
    /// Link to the headline's article.
    pub url: Option<String>,
    /// Section.
    pub section: Section,
    /// Distinct outlets.
    pub outlets: usize,
    /// Ranking score at build time.
    pub score: f64,
    /// Full digest (morning briefing and good news only).
    pub digest: Option<Digest>,
}

/// An edition snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edition {
    /// Kind.
    pub kind: EditionKind,
    /// Title ("Morning briefing — 2026-03-02").
    pub title: String,
    /// Build time.
    pub generated_at: DateTime<Utc>,
    /// Stories in order.
    pub items: Vec<EditionItem>,
}

fn index(stories: &[Story]) -> HashMap<&str, &Story> {
    stories.iter().map(|s| (s.id.as_str(), s)).collect()
}

fn item(pos: usize, r: &RankedStory, d: Digest, with_digest: bool) -> EditionItem {
    EditionItem {
        position: pos,
        story_id: r.story_id.clone(),
        headline: d.headline.text.clone(),
        summary: d.summary.clone(),
        url: d.headline.url.clone(),
        section: d.section.section,
        outlets: d.coverage.total,
        score: r.score,
        digest: if with_digest { Some(d) } else { None },
    }
}

/// Ranked stories with their digest, skipping stories that are missing or fail to digest and
/// stories whose headline repeats an earlier one.
fn distinct<'a>(
    ranked: &'a [RankedStory],
    stories: &[Story],
    cfg: &DigestConfig,
    ecfg: &EditionConfig,
    keep: impl Fn(&Story, &RankedStory) -> bool,
) -> Vec<(&'a RankedStory, Digest)> {
    let idx = index(stories);
    let mut out: Vec<(&RankedStory, Digest)> = Vec::new();
    for r in ranked {
        let Some(s) = idx.get(r.story_id.as_str()) else {
            continue;
        };
        if !keep(s, r) {
            continue;
        }
        let Ok(d) = digest(s, cfg) else { continue };
        if out.iter().any(|(_, o)| {
            jaccard(&o.headline.text, &d.headline.text) >= ecfg.duplicate_headline_similarity
        }) {
            continue;
        }
        out.push((r, d));
    }
    out
}

/// The morning briefing: the top stories, each with its full digest.
pub fn morning_briefing(
    ranked: &[RankedStory],
    stories: &[Story],
    now: DateTime<Utc>,
    cfg: &DigestConfig,
    ecfg: &EditionConfig,
) -> Edition {
    let mut picked = distinct(ranked, stories, cfg, ecfg, |_, _| true);
    picked.truncate(ecfg.briefing_size);
    Edition {
        kind: EditionKind::MorningBriefing,
        title: format!("Morning briefing — {}", now.format("%Y-%m-%d")),
        generated_at: now,
        items: picked
            .into_iter()
            .enumerate()
            .map(|(i, (r, d))| item(i + 1, r, d, true))
            .collect(),
    }
}

/// "10 things you need to know today": distinct top stories, one line each.
pub fn ten_things(
    ranked: &[RankedStory],
    stories: &[Story],
    now: DateTime<Utc>,
    cfg: &DigestConfig,
    ecfg: &EditionConfig,
) -> Edition {
    let mut picked = distinct(ranked, stories, cfg, ecfg, |_, _| true);
    picked.truncate(ecfg.ten_things_size);
    Edition {
        kind: EditionKind::TenThings,
        title: format!(
            "{} things you need to know today — {}",
            picked.len(),
            now.format("%Y-%m-%d")
        ),
        generated_at: now,
        items: picked
            .into_iter()
            .enumerate()
            .map(|(i, (r, d))| item(i + 1, r, d, false))
            .collect(),
    }
}

/// Weekly good news: good-news stories whose latest article is within the last days.
pub fn weekly_good_news(
    ranked: &[RankedStory],
    stories: &[Story],
    now: DateTime<Utc>,
    cfg: &DigestConfig,
    ecfg: &EditionConfig,
) -> Edition {
    let since = now - Duration::days(ecfg.good_news_days.max(0));
    let mut picked = distinct(ranked, stories, cfg, ecfg, |s, r| {
        r.latest
            .is_some_and(|t| t >= since && t <= now + Duration::hours(1))
            && story_good_news(&s.articles, cfg.good_news_threshold).is_good
    });
    picked.truncate(ecfg.good_news_size);
    Edition {
        kind: EditionKind::WeeklyGoodNews,
        title: format!("Good news of the week — {}", now.format("%Y-%m-%d")),
        generated_at: now,
        items: picked
            .into_iter()
            .enumerate()
            .map(|(i, (r, d))| item(i + 1, r, d, true))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::{rank, RankConfig};
    use crate::types::StoryArticle;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
    }

    fn story(id: &str, title: &str, text: &str, outlets: usize, hours_ago: i64) -> Story {
        Story {
            id: id.into(),
            articles: (0..outlets)
                .map(|i| StoryArticle {
                    outlet: format!("Outlet {i}"),
                    title: title.into(),
                    text: text.into(),
                    url: Some(format!("https://o{i}.example/{id}")),
                    published: Some(
                        now() - Duration::hours(hours_ago) - Duration::minutes(i as i64),
                    ),
                    ..Default::default()
                })
                .collect(),
        }
    }

    fn world() -> Vec<Story> {
        let mut v = Vec::new();
        let topics = [
            "Council approves harbor tunnel budget",
            "Storm closes mountain passes overnight",
            "Rail union announces new strike dates",
            "Central bank holds interest rates steady",
            "Striker signs record contract with Harbor FC",
            "Museum returns stolen paintings to owners",
            "Hospital opens new cancer ward in Calder",
            "Court blocks airport expansion plan",
            "Farmers protest fuel tax increase",
            "School meals program extended for a year",
            "Telescope captures image of distant comet",
            "Ferry operator cancels winter routes",
        ];
        for (i, t) in topics.iter().enumerate() {
            v.push(story(&format!("s{i:02}"), t, &format!("{t} on Monday, officials confirmed in a statement to reporters. The decision affects thousands of residents across the region this week. Local groups reacted quickly to the news."), 12 - i, 2));
        }
        // A duplicate cluster of the top story (same headline) must not appear twice.
        v.push(story("dup", topics[0], "Council approves harbor tunnel budget after a long debate among members on Monday night.", 11, 2));
        // Good news, recent and old.
        v.push(story("good", "Volunteers rescue stranded dolphins and return them safely to sea", "Volunteers rescued 14 stranded dolphins on Sunday and returned them safely to the sea. No animals died and rescuers celebrated the success.", 2, 20));
        v.push(story("oldgood", "Volunteers rescue stranded seals and return them safely to sea", "Volunteers rescued 9 stranded seals and returned them safely to the sea. No animals died and rescuers celebrated.", 2, 24 * 10));
        v
    }

    #[test]
    fn ten_things_are_distinct_and_ranked() {
        let stories = world();
        let ranked = rank(&stories, now(), &RankConfig::default());
        let e = ten_things(
            &ranked,
            &stories,
            now(),
            &DigestConfig::default(),
            &EditionConfig::default(),
        );
        assert_eq!(e.items.len(), 10);
        assert_eq!(e.kind, EditionKind::TenThings);
        let ids: Vec<&str> = e.items.iter().map(|i| i.story_id.as_str()).collect();
        assert!(!(ids.contains(&"s00") && ids.contains(&"dup")), "{ids:?}");
        assert!(e
            .items
            .iter()
            .all(|i| i.digest.is_none() && !i.summary.is_empty()));
        assert_eq!(
            e.items.iter().map(|i| i.position).collect::<Vec<_>>(),
            (1..=10).collect::<Vec<_>>()
        );
        let json = serde_json::to_string(&e).unwrap();
        let back: Edition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn briefing_has_digests() {
        let stories = world();
        let ranked = rank(&stories, now(), &RankConfig::default());
        let e = morning_briefing(
            &ranked,
            &stories,
            now(),
            &DigestConfig::default(),
            &EditionConfig::default(),
        );
        assert_eq!(e.items.len(), 5);
        assert!(e.items.iter().all(|i| i.digest.is_some()));
        assert_eq!(e.items[0].story_id, ranked[0].story_id);
    }

    #[test]
    fn weekly_good_news_keeps_recent_good_stories() {
        let stories = world();
        let ranked = rank(&stories, now(), &RankConfig::default());
        let e = weekly_good_news(
            &ranked,
            &stories,
            now(),
            &DigestConfig::default(),
            &EditionConfig::default(),
        );
        let ids: Vec<&str> = e.items.iter().map(|i| i.story_id.as_str()).collect();
        assert_eq!(ids, vec!["good"], "{ids:?}");
    }

    #[test]
    fn empty_inputs() {
        let e = ten_things(
            &[],
            &[],
            now(),
            &DigestConfig::default(),
            &EditionConfig::default(),
        );
        assert!(e.items.is_empty());
    }
}
