//! The story stage: cluster the window's entries into stories, keep story ids stable across
//! runs, merge stories the clusterer joined, write each story's digest and score, and publish
//! the editions.
//!
//! The clusterer is rebuilt from the window on each run (deterministic for the same input),
//! and each cluster is mapped onto the stored story that already holds most of its entries
//! ([`map_clusters`]; a stored story continues one cluster at most). A cluster that spans
//! several stored stories merges them into the largest (the others redirect); when the
//! clusterer splits a story, the larger part keeps the stored story and the other becomes a new
//! one. So ids stay stable as stories grow, without persisting clusterer internals.

use anyhow::Result;
use chrono::{DateTime, Utc};
use roundup_cluster::{ClusterConfig, Clusterer, Doc};
use roundup_digest::{DigestConfig, EditionConfig, RankConfig, Story, StoryArticle};
use roundup_store::{Store, StoryRecord, WindowItem};
use std::collections::{BTreeMap, HashMap};

/// Settings of the story stage.
#[derive(Debug, Clone)]
pub struct StoryStage {
    /// Clustering window, hours.
    pub window_hours: i64,
    /// Digest settings.
    pub digest: DigestConfig,
    /// Ranking settings.
    pub rank: RankConfig,
    /// Edition sizes.
    pub editions: EditionConfig,
    /// Optional LLM rewriter of digests (ROUNDUP_LLM_* env); `None` = extractive only.
    pub llm: Option<crate::llm::LlmRewriter>,
}

impl Default for StoryStage {
    fn default() -> Self {
        StoryStage {
            window_hours: 72,
            digest: DigestConfig::default(),
            rank: RankConfig::default(),
            editions: EditionConfig::default(),
            llm: crate::llm::LlmRewriter::from_env().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "LLM rewriter disabled");
                None
            }),
        }
    }
}

/// What one run of the story stage did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StoryStats {
    /// Entries clustered.
    pub entries: usize,
    /// Stories written.
    pub stories: usize,
    /// Stories newly created.
    pub created: usize,
    /// Stored stories merged into others.
    pub merged: usize,
    /// Editions published.
    pub editions: usize,
    /// Nothing was done: another process holds the story stage's lock.
    pub skipped: bool,
}

/// Name of the lock the story stage runs under (see [`roundup_store::Store::try_lock`]).
pub const STORY_LOCK: &str = "story-stage";
/// Lease of the story-stage lock; a holder that dies frees it after this long.
pub const STORY_LOCK_SECS: i64 = 30 * 60;

fn item_text(it: &WindowItem) -> String {
    match &it.text {
        Some(t) if !t.trim().is_empty() => t.clone(),
        _ if !it.entry.content.trim().is_empty() => it.entry.content.clone(),
        _ => it.entry.summary.clone(),
    }
}

fn item_time(it: &WindowItem) -> Option<DateTime<Utc>> {
    it.entry
        .published
        .or(it.article_published)
        .or_else(|| DateTime::from_timestamp(it.fetched_at, 0))
}

fn story_article(it: &WindowItem) -> StoryArticle {
    StoryArticle {
        outlet: it.outlet_name.clone(),
        lean: it.lean,
        region: it.region.clone(),
        url: it.entry.url.clone(),
        title: it.entry.title.clone(),
        text: item_text(it),
        published: item_time(it),
        position: Some(it.entry.position),
        categories: it.entry.categories.clone(),
        section_hint: it.section_hint,
        reach: None,
    }
}

/// Maps this run's clusters onto stored stories. `votes[c]` lists, for cluster `c`, the
/// stored stories holding some of its entries with how many. Returns, per cluster, the stored
/// story it continues (`None`: a new story), and the merges `(from, into)` to make first.
///
/// Each stored story continues at most one cluster: clusters are served by their strongest
/// claim first (most entries in one stored story), each taking the stored story holding most
/// of its entries that no cluster took yet. So when a story splits, the larger part keeps the
/// stored story (and its id, slug and links) and the other part becomes a new story; when a
/// cluster spans stored stories no other cluster continues, those are merged into the one it
/// continues (their ids then redirect).
pub fn map_clusters(votes: &[Vec<(i64, usize)>]) -> (Vec<Option<i64>>, Vec<(i64, i64)>) {
    let ranked: Vec<Vec<(i64, usize)>> = votes
        .iter()
        .map(|v| {
            let mut r = v.clone();
            r.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            r
        })
        .collect();
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by(|&a, &b| {
        let top = |c: usize| ranked[c].first().map_or(0, |x| x.1);
        top(b).cmp(&top(a)).then(a.cmp(&b))
    });
    let mut keeps: Vec<Option<i64>> = vec![None; ranked.len()];
    let mut taken: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for &c in &order {
        if let Some(&(s, _)) = ranked[c].iter().find(|(s, _)| !taken.contains(s)) {
            keeps[c] = Some(s);
            taken.insert(s);
        }
    }
    let mut merges = Vec::new();
    let mut merged: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for &c in &order {
        let Some(into) = keeps[c] else { continue };
        for &(s, _) in &ranked[c] {
            if !taken.contains(&s) && merged.insert(s) {
                merges.push((s, into));
            }
        }
    }
    (keeps, merges)
}

impl StoryStage {
    /// Runs the stage at time `now`: clusters the window, writes stories, and (with
    /// `publish`) publishes the front-page, briefing, ten-things and good-news editions.
    ///
    /// Runs once at a time across every process sharing the store: under the
    /// [`STORY_LOCK`] lease lock. When another process holds it, returns at once with
    /// [`StoryStats::skipped`] set (that run covers the same window).
    pub async fn run(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        publish: bool,
    ) -> Result<StoryStats> {
        let holder = roundup_store::lease_holder();
        let t = roundup_store::now_secs();
        if !store
            .try_lock(STORY_LOCK, &holder, STORY_LOCK_SECS, t)
            .await?
        {
            tracing::info!("story stage skipped: another process is running it");
            return Ok(StoryStats {
                skipped: true,
                ..StoryStats::default()
            });
        }
        let r = self.run_unlocked(store, now, publish).await;
        if let Err(e) = store.unlock(STORY_LOCK, &holder).await {
            tracing::warn!(error = %e, "releasing the story-stage lock (it expires by itself)");
        }
        r
    }

    async fn run_unlocked(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        publish: bool,
    ) -> Result<StoryStats> {
        let mut stats = StoryStats::default();
        let since = now.timestamp() - self.window_hours * 3600;
        let items = store.window_items(since).await?;
        stats.entries = items.len();
        if items.is_empty() {
            return Ok(stats);
        }
        // Cluster in publication order.
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| {
            (
                item_time(&items[i]).map(|t| t.timestamp()).unwrap_or(0),
                items[i].entry_id,
            )
        });
        let mut clusterer = Clusterer::new(ClusterConfig {
            window_hours: self.window_hours as f64,
            ..ClusterConfig::default()
        });
        let mut assigned = Vec::with_capacity(items.len());
        for &i in &order {
            let it = &items[i];
            let doc = Doc {
                id: it.entry_id.to_string(),
                outlet: it.outlet_name.clone(),
                published: item_time(it),
                title: it.entry.title.clone(),
                url: it.entry.url.clone().unwrap_or_default(),
                text: item_text(it),
                language: it.language.clone(),
            };
            let a = clusterer.ingest_in_order(&doc)?;
            assigned.push((i, a.story));
        }
        let mut clusters: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, s) in assigned {
            // An article's current story: a merge redirects its story id, a split moves it.
            let now = clusterer
                .story_of(&items[i].entry_id.to_string())
                .unwrap_or_else(|| clusterer.resolve(s));
            clusters.entry(format!("{now:?}")).or_default().push(i);
        }

        // Map clusters onto stored stories.
        let mut current: HashMap<i64, i64> = HashMap::new();
        for it in &items {
            if let Some(sid) = store.story_of_entry(it.entry_id).await? {
                current.insert(it.entry_id, sid);
            }
        }
        let clusters: Vec<&Vec<usize>> = clusters.values().collect();
        let votes: Vec<Vec<(i64, usize)>> = clusters
            .iter()
            .map(|members| {
                let mut v: BTreeMap<i64, usize> = BTreeMap::new();
                for &i in members.iter() {
                    if let Some(s) = current.get(&items[i].entry_id) {
                        *v.entry(*s).or_default() += 1;
                    }
                }
                v.into_iter().collect()
            })
            .collect();
        let (keeps, merges) = map_clusters(&votes);
        for (from, into) in merges {
            store.merge_stories(from, into).await?;
            stats.merged += 1;
        }
        let mut stories: Vec<(i64, Story, Vec<i64>)> = Vec::new();
        for (members, keep) in clusters.iter().zip(keeps) {
            let articles: Vec<StoryArticle> =
                members.iter().map(|&i| story_article(&items[i])).collect();
            let entry_ids: Vec<i64> = members.iter().map(|&i| items[i].entry_id).collect();
            stories.push((
                keep.unwrap_or(0),
                Story {
                    id: String::new(),
                    articles,
                },
                entry_ids,
            ));
        }

        // Digest, save, and collect for ranking.
        let mut saved: Vec<(i64, Story)> = Vec::new();
        for (sid, mut story, entry_ids) in stories {
            let digest = match &self.llm {
                None => roundup_digest::digest(&story, &self.digest)?,
                Some(rw) => {
                    let (rw, st, cfg) = (rw.clone(), story.clone(), self.digest.clone());
                    // Blocking HTTP: keep it off the async workers.
                    tokio::task::spawn_blocking(move || roundup_digest::digest_with(&st, &cfg, &rw))
                        .await??
                        .0
                }
            };
            let times: Vec<i64> = story
                .articles
                .iter()
                .filter_map(|a| a.published)
                .map(|t| t.timestamp())
                .collect();
            let mut outlets: Vec<&str> = story.articles.iter().map(|a| a.outlet.as_str()).collect();
            outlets.sort();
            outlets.dedup();
            let rec = StoryRecord {
                id: sid,
                headline: digest.headline.text.clone(),
                section: Some(digest.section.section.as_str().to_string()),
                first_seen: times.iter().copied().min().unwrap_or(now.timestamp()),
                last_updated: times.iter().copied().max().unwrap_or(now.timestamp()),
                article_count: story.articles.len() as i64,
                outlet_count: outlets.len() as i64,
                score: 0.0,
                good_news: digest.good_news.is_good,
                digest: serde_json::to_value(&digest)?,
            };
            let id = store.save_story(&rec).await?;
            if sid == 0 {
                stats.created += 1;
            }
            store.assign_entries(id, &entry_ids).await?;
            story.id = id.to_string();
            saved.push((id, story));
            stats.stories += 1;
        }

        // Rank and store scores (the digest JSON is re-saved with its story id).
        let all: Vec<Story> = saved.iter().map(|(_, s)| s.clone()).collect();
        let ranked = roundup_digest::rank(&all, now, &self.rank);
        for r in &ranked {
            let Ok(id) = r.story_id.parse::<i64>() else {
                continue;
            };
            if let Some(row) = store.story(id).await? {
                let mut digest = row.digest.clone();
                digest["story_id"] = serde_json::Value::String(id.to_string());
                digest["score_terms"] = serde_json::to_value(&r.terms)?;
                store
                    .save_story(&StoryRecord {
                        id,
                        headline: row.auto_headline.clone(),
                        section: row.section.clone(),
                        first_seen: row.first_seen,
                        last_updated: row.last_updated,
                        article_count: row.article_count,
                        outlet_count: row.outlet_count,
                        score: r.score,
                        good_news: row.good_news,
                        digest,
                    })
                    .await?;
            }
        }
        if publish {
            stats.editions = self.publish(store, &ranked, &all, now).await?;
        }
        Ok(stats)
    }

    /// Publishes the editions from a ranking; returns how many.
    pub async fn publish(
        &self,
        store: &Store,
        ranked: &[roundup_digest::RankedStory],
        stories: &[Story],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        // Editors' flags: suppressed stories never appear; pinned ones lead.
        let mut visible: Vec<roundup_digest::RankedStory> = Vec::new();
        let mut pinned = Vec::new();
        for r in ranked {
            let Ok(id) = r.story_id.parse::<i64>() else {
                continue;
            };
            match store.story(id).await? {
                Some(row) if row.suppressed => {}
                Some(row) if row.pinned => pinned.push(r.clone()),
                Some(_) => visible.push(r.clone()),
                None => {}
            }
        }
        pinned.extend(visible);
        let ranked = pinned;
        let date = now.format("%Y-%m-%d").to_string();
        let editions = [
            (
                "briefing",
                roundup_digest::editions::morning_briefing(
                    &ranked,
                    stories,
                    now,
                    &self.digest,
                    &self.editions,
                ),
            ),
            (
                "ten-things",
                roundup_digest::editions::ten_things(
                    &ranked,
                    stories,
                    now,
                    &self.digest,
                    &self.editions,
                ),
            ),
            (
                "good-news",
                roundup_digest::editions::weekly_good_news(
                    &ranked,
                    stories,
                    now,
                    &self.digest,
                    &self.editions,
                ),
            ),
        ];
        let mut n = 0;
        for (kind, ed) in editions {
            store
                .publish_edition(kind, &date, &ed.title, &serde_json::to_value(&ed)?)
                .await?;
            n += 1;
        }
        // The front page: the briefing's ranking at full length.
        let front = roundup_digest::editions::morning_briefing(
            &ranked,
            stories,
            now,
            &self.digest,
            &EditionConfig {
                briefing_size: 30,
                ..self.editions.clone()
            },
        );
        store
            .publish_edition(
                "front-page",
                &date,
                &format!("Today's roundup — {date}"),
                &serde_json::to_value(&front)?,
            )
            .await?;
        Ok(n + 1)
    }
}

#[cfg(test)]
mod mapping_tests {
    use super::map_clusters;

    #[test]
    fn a_split_keeps_the_story_for_the_larger_part_and_creates_one_for_the_other() {
        // Stored story 7 held both parts; this run's clusters are its 9 and its 4 entries.
        let (keeps, merges) = map_clusters(&[vec![(7, 4)], vec![(7, 9)]]);
        assert_eq!(keeps, vec![None, Some(7)]);
        assert!(merges.is_empty());
    }

    #[test]
    fn spanned_stories_merge_unless_another_cluster_continues_them() {
        // Cluster 0 spans stored 1 (3) and 2 (2); nobody else continues 2: merge 2 into 1.
        let (keeps, merges) = map_clusters(&[vec![(1, 3), (2, 2)], vec![]]);
        assert_eq!(keeps, vec![Some(1), None]);
        assert_eq!(merges, vec![(2, 1)]);
        // Cluster 1 has 5 entries of stored 2: it continues 2, which is not merged away.
        let (keeps, merges) = map_clusters(&[vec![(1, 3), (2, 2)], vec![(2, 5)]]);
        assert_eq!(keeps, vec![Some(1), Some(2)]);
        assert!(merges.is_empty());
        // The strongest claim is served first even when listed later.
        let (keeps, _) = map_clusters(&[vec![(4, 2), (5, 1)], vec![(4, 6)]]);
        assert_eq!(keeps, vec![Some(5), Some(4)]);
    }
}
