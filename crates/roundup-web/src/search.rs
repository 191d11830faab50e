//! Search over stories and feed entries: a simple in-process index, built from the store at
//! the first search after a refresh and kept until the next one.
//!
//! Every query term must match (as a prefix) a word of the document; title matches count
//! three times body matches; stories rank above single articles on ties, then newer first.
//! No SQL is built from the query, so nothing needs escaping. A store-level full-text index
//! can replace this when archives grow large.

use crate::view::{self, StoryCard, TimeView};
use roundup_store::Store;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// How far back the index reaches.
const STORY_DAYS: i64 = 90;
/// Newest entries indexed per outlet.
const ENTRIES_PER_OUTLET: usize = 500;
/// Most query terms used.
const MAX_TERMS: usize = 8;

/// One search hit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// "story" or "article".
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Excerpt.
    pub snippet: String,
    /// Link: a site path for stories, the (safe) article URL for articles ("" when none).
    pub url: String,
    /// Outlet (articles).
    pub outlet: String,
    /// Outlet page (articles).
    pub outlet_url: String,
    /// When.
    pub time: TimeView,
    /// The story card (stories).
    pub story: Option<StoryCard>,
    #[serde(skip)]
    score: f64,
    #[serde(skip)]
    at: i64,
}

struct Doc {
    hit: Hit,
    title_words: Vec<String>,
    body_words: Vec<String>,
}

/// The index.
#[derive(Default)]
struct Index {
    docs: Vec<Doc>,
}

/// Lower-cased alphanumeric words.
pub(crate) fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn dedup(mut w: Vec<String>) -> Vec<String> {
    w.sort();
    w.dedup();
    w
}

impl Index {
    async fn build(store: &Store) -> Result<Index, roundup_store::StoreError> {
        let now = roundup_store::now_secs();
        let mut docs = Vec::new();
        for s in store
            .stories_since(now - STORY_DAYS * 86400, false, 20_000)
            .await?
        {
            let card = StoryCard::from_row(&s);
            let body = format!("{} {}", card.summary, card.facts.join(" "));
            docs.push(Doc {
                title_words: dedup(words(&card.headline)),
                body_words: dedup(words(&body)),
                hit: Hit {
                    kind: "story",
                    title: card.headline.clone(),
                    snippet: view::excerpt(&card.summary, 240),
                    url: card.url.clone(),
                    outlet: String::new(),
                    outlet_url: String::new(),
                    time: TimeView::of(view::from_unix(s.last_updated)),
                    story: Some(card),
                    score: 0.0,
                    at: s.last_updated,
                },
            });
        }
        for o in store.list_outlets().await? {
            for e in store
                .entries_of_outlet(o.id)
                .await?
                .into_iter()
                .take(ENTRIES_PER_OUTLET)
            {
                let at = e
                    .entry
                    .published
                    .map(|t| t.timestamp())
                    .unwrap_or(e.fetched_at);
                let summary = if e.entry.summary.trim().is_empty() {
                    view::excerpt(&e.entry.content, 240)
                } else {
                    view::excerpt(&e.entry.summary, 240)
                };
                docs.push(Doc {
                    title_words: dedup(words(&e.entry.title)),
                    body_words: dedup(words(&format!("{} {}", summary, e.entry.authors.join(" ")))),
                    hit: Hit {
                        kind: "article",
                        title: e.entry.title.clone(),
                        snippet: summary,
                        url: view::safe_url(e.entry.url.as_deref().unwrap_or("")),
                        outlet: o.name.clone(),
                        outlet_url: format!("/outlet/{}", o.id),
                        time: TimeView::of(view::from_unix(at)),
                        story: None,
                        score: 0.0,
                        at,
                    },
                });
            }
        }
        Ok(Index { docs })
    }

    fn query(&self, q: &str, limit: usize) -> Vec<Hit> {
        let mut terms = words(q);
        terms.dedup();
        terms.truncate(MAX_TERMS);
        if terms.is_empty() {
            return vec![];
        }
        let has = |ws: &[String], t: &str| -> bool {
            // Words are sorted: the first word >= t is the only candidate for an exact match,
            // and prefix matches follow it.
            let i = ws.partition_point(|w| w.as_str() < t);
            ws.get(i).is_some_and(|w| w.starts_with(t))
        };
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen: HashMap<(String, String), ()> = HashMap::new();
        for d in &self.docs {
            let mut score = 0.0;
            let mut all = true;
            for t in &terms {
                let in_title = has(&d.title_words, t);
                let in_body = has(&d.body_words, t);
                if !in_title && !in_body {
                    all = false;
                    break;
                }
                score += if in_title { 3.0 } else { 1.0 };
            }
            if !all {
                continue;
            }
            if d.hit.kind == "story" {
                score += 0.5;
            }
            // The same article syndicated twice in one outlet shows once.
            if seen
                .insert((d.hit.title.to_lowercase(), d.hit.outlet.clone()), ())
                .is_some()
            {
                continue;
            }
            let mut h = d.hit.clone();
            h.score = score;
            hits.push(h);
        }
        hits.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.at.cmp(&a.at))
        });
        hits.truncate(limit);
        hits
    }
}

/// The index of a site, rebuilt lazily after [`SearchIndex::invalidate`].
#[derive(Default)]
pub(crate) struct SearchIndex {
    /// The index with the generation it was built for.
    current: Mutex<Option<(u64, Arc<Index>)>>,
    generation: std::sync::atomic::AtomicU64,
}

impl SearchIndex {
    /// Marks the index stale; the next search rebuilds it.
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Searches, building the index first when needed.
    pub async fn search(
        &self,
        store: &Store,
        q: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, roundup_store::StoreError> {
        let idx = {
            let mut g = self.current.lock().await;
            let gen = self.generation.load(std::sync::atomic::Ordering::SeqCst);
            match g.as_ref() {
                Some((built, i)) if *built == gen => i.clone(),
                _ => {
                    let i = Arc::new(Index::build(store).await?);
                    *g = Some((gen, i.clone()));
                    i
                }
            }
        };
        Ok(idx.query(q, limit))
    }
}
