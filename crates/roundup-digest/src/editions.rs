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

fn index<'a>(stories: &'a [Story]) -> HashMap<&'a str, &'a Story> {
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
