//! Incremental story clustering over a rolling window.
//!
//! Each article becomes a sparse term vector (stemmed words from title, URL slug, lead and body,
//! each field weighted, sublinear term frequency, IDF from the stream so far, name-like words
//! boosted). Candidate stories come from an inverted index over the articles still in the window
//! (never all pairs). An article joins the best story when a blend of centroid similarity and
//! its similarity to the story's closest members, damped by the time gap, passes a threshold;
//! otherwise it opens a new story. Stories whose centroids become similar are merged and the
//! merge is reported as an event (old id → surviving id).
//!
//! IDF and the name cue change as articles arrive, so vectors are kept as raw field weights and
//! weighted with the current statistics at comparison time: early articles are not stuck with
//! the poor statistics of a near-empty stream.

use crate::dedup::{DupIndex, DupMatch, Signature};
use crate::text::{is_stopword, is_title_case, tokenize, url_slug, LangStemmer, Token};
use crate::{Assignment, ClusterError, Doc, StoryEvent, StoryId};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Tunable parameters. One set serves headline-only and full-text input: where the two need
/// different values, the parameter has a `_short` (no body text) and `_long` variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterConfig {
    /// Rolling window: stories with no new article for this long are closed (hours).
    pub window_hours: f64,
    /// Estimated Jaccard similarity at which two texts are near-duplicates.
    pub dedup_threshold: f32,
    /// Field weight of headline words.
    pub title_weight: f32,
    /// Field weight of URL slug words.
    pub slug_weight: f32,
    /// Field weight of the first `lead_tokens` words of the body.
    pub lead_weight: f32,
    /// Field weight of the rest of the body.
    pub body_weight: f32,
    /// Number of body words counted as the lead.
    pub lead_tokens: usize,
    /// Body words at which an article counts as full text (else headline-only).
    pub long_text_tokens: usize,
    /// Multiplier for words that are usually capitalized mid-sentence (names, places).
    pub entity_boost: f32,
    /// Terms kept per article vector.
    pub max_doc_terms: usize,
    /// Terms under which an article is put in the inverted index, and queried.
    pub index_terms: usize,
    /// Articles whose exact similarity is computed per new article.
    pub max_candidates: usize,
    /// Posting lists longer than this share of the window are skipped in retrieval.
    pub max_posting_share: f32,
    /// How many closest members of a story are averaged for the link similarity.
    pub link_k: usize,
    /// Weight of centroid similarity against closest-member similarity (0..1).
    pub centroid_mix: f32,
    /// Join threshold for a headline-only article.
    pub join_short: f32,
    /// Join threshold for a full-text article.
    pub join_long: f32,
    /// Centroid similarity at which two headline-only stories merge.
    pub merge_short: f32,
    /// Centroid similarity at which two full-text stories merge.
    pub merge_long: f32,
    /// Time gap (hours) with no penalty.
    pub time_grace_hours: f64,
    /// Scale (hours) of the exponential time penalty beyond the grace.
    pub time_scale_hours: f64,
    /// Centroid terms kept per story.
    pub max_centroid_terms: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            window_hours: 72.0,
            dedup_threshold: 0.7,
            title_weight: 3.0,
            slug_weight: 1.5,
            lead_weight: 1.5,
            body_weight: 1.0,
            lead_tokens: 60,
            long_text_tokens: 30,
            entity_boost: 2.0,
            max_doc_terms: 64,
            index_terms: 16,
            max_candidates: 40,
            max_posting_share: 0.2,
            link_k: 3,
            centroid_mix: 0.5,
            join_short: 0.3,
            join_long: 0.25,
            merge_short: 0.5,
            merge_long: 0.45,
            time_grace_hours: 24.0,
            time_scale_hours: 48.0,
            max_centroid_terms: 300,
        }
    }
}

/// Term statistics of the stream: vocabulary, document frequency and capitalization counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Vocab {
    terms: FxHashMap<String, u32>,
    df: Vec<u32>,
    /// Mid-sentence occurrences (outside title-case headlines) and how many were capitalized.
    occ: Vec<u32>,
    cap: Vec<u32>,
    n_docs: u64,
    /// Cached weight multiplier (IDF × name boost) per term.
    #[serde(skip)]
    mult: Vec<f32>,
    #[serde(skip)]
    mult_n: u64,
    #[serde(skip)]
    surface: FxHashMap<String, u32>,
    #[serde(skip)]
    stemmers: FxHashMap<String, LangStemmer>,
}

impl Vocab {
    fn term(&mut self, lang: &str, word: &str) -> u32 {
        if lang == "en" {
            if let Some(&t) = self.surface.get(word) {
                return t;
            }
        }
        let stemmer = self
            .stemmers
            .entry(lang.to_string())
            .or_insert_with(|| LangStemmer::new(Some(lang)));
        let stem = stemmer.stem(word);
        let id = match self.terms.get(&stem) {
            Some(&t) => t,
            None => {
                let t = self.df.len() as u32;
                self.terms.insert(stem, t);
                self.df.push(0);
                self.occ.push(0);
                self.cap.push(0);
                self.mult.push(0.0);
                t
            }
        };
        if lang == "en" && self.surface.len() < 2_000_000 {
            self.surface.insert(word.to_string(), id);
        }
        id
    }

    fn compute_mult(&self, t: u32, boost: f32) -> f32 {
        let i = t as usize;
        let n = self.n_docs as f32;
        let df = self.df[i] as f32;
        let idf = ((n + 1.0) / (df + 1.0)).ln() + 1.0;
        let occ = self.occ[i] as f32;
        let ratio = self.cap[i] as f32 / (occ + 1.0);
        let name = ((ratio - 0.3) / 0.4).clamp(0.0, 1.0);
        idf * (1.0 + (boost - 1.0) * name)
    }

    fn refresh(&mut self, t: u32, boost: f32) {
        self.mult[t as usize] = self.compute_mult(t, boost);
    }

    /// Recomputes every multiplier when the document count has grown enough to move IDF.
    fn maybe_refresh_all(&mut self, boost: f32) {
        if self.mult.len() != self.df.len() || self.n_docs as f64 > self.mult_n as f64 * 1.05 + 2.0
        {
            self.mult.resize(self.df.len(), 0.0);
            for t in 0..self.df.len() as u32 {
                self.refresh(t, boost);
            }
            self.mult_n = self.n_docs;
        }
    }

    #[inline]
    fn m(&self, t: u32) -> f32 {
        self.mult[t as usize]
    }
}

/// An article held in the window.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DocEntry {
    id: String,
    story: StoryId,
    arrival: i64,
    time: Option<i64>,
    /// Raw field weights, sorted by term id.
    terms: Vec<(u32, f32)>,
    /// Terms the article is indexed under.
    keys: Vec<u32>,
}

/// A story: centroid, live members and time span.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Story {
    /// Sum of members' raw vectors, each scaled by 1 / its weighted norm; sorted by term id.
    centroid: Vec<(u32, f32)>,
    /// Sequence numbers of members still in the window, ascending.
    members: Vec<u64>,
    /// Articles ever assigned, duplicates included.
    articles: u32,
    t_min: Option<i64>,
    t_max: Option<i64>,
    last_seen: i64,
}

/// Incremental clusterer. Feed articles with [`Clusterer::ingest`] in arrival order.
///
/// State: everything needed to continue is plain data and serializes with serde (the inverted
/// index and caches are skipped and rebuilt by [`Clusterer::rebuild_indexes`], which
/// [`Clusterer::from_json`] calls). The state is also a pure function of the articles fed and
/// their arrival times, so replaying the window's articles in order rebuilds it exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clusterer {
    config: ClusterConfig,
    vocab: Vocab,
    docs: VecDeque<DocEntry>,
    first_seq: u64,
    stories: FxHashMap<StoryId, Story>,
    next_story: StoryId,
    clock: Option<i64>,
    /// Every article id in the window (members and folded duplicates) → story and arrival.
    ids: FxHashMap<String, StoryId>,
    id_order: VecDeque<(i64, String)>,
    /// Story expiry queue: (last_seen when queued, story).
    expiry: VecDeque<(i64, StoryId)>,
    dup: DupIndex,
    /// Merged story → the story it was merged into.
    redirects: FxHashMap<StoryId, StoryId>,
    events: Vec<StoryEvent>,
    #[serde(skip)]
    postings: FxHashMap<u32, VecDeque<u64>>,
}

struct Features {
    terms: Vec<(u32, f32)>,
    words: Vec<String>,
    long: bool,
}

impl Clusterer {
    /// An empty clusterer.
    pub fn new(config: ClusterConfig) -> Self {
        let dup = DupIndex::new(config.dedup_threshold);
        Clusterer {
            config,
            vocab: Vocab::default(),
            docs: VecDeque::new(),
            first_seq: 0,
            stories: FxHashMap::default(),
            next_story: 1,
            clock: None,
            ids: FxHashMap::default(),
            id_order: VecDeque::new(),
            expiry: VecDeque::new(),
            dup,
            redirects: FxHashMap::default(),
            events: Vec::new(),
            postings: FxHashMap::default(),
        }
    }

    /// The parameters in use.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Number of open stories.
    pub fn open_stories(&self) -> usize {
        self.stories.len()
    }

    /// Number of articles held in the window (duplicates folded away are not counted).
    pub fn window_len(&self) -> usize {
        self.docs.len()
    }

    /// The near-duplicate index (canonical items and the outlets that ran them).
    pub fn duplicates(&self) -> &DupIndex {
        &self.dup
    }

    /// Follows merges: the id under which `story` lives now.
    pub fn resolve(&self, mut story: StoryId) -> StoryId {
        let mut hops = 0;
        while let Some(&next) = self.redirects.get(&story) {
            story = next;
            hops += 1;
            if hops > 1_000_000 {
                break;
            }
        }
        story
    }

    /// The current story of an article still in the window.
    pub fn story_of(&self, article_id: &str) -> Option<StoryId> {
        self.ids.get(article_id).map(|s| self.resolve(*s))
    }

    /// Events (created, merged, expired) since the last call.
    pub fn take_events(&mut self) -> Vec<StoryEvent> {
        std::mem::take(&mut self.events)
    }

    /// Serializes the whole state as JSON.
    pub fn to_json(&self) -> Result<String, ClusterError> {
        serde_json::to_string(self).map_err(|e| ClusterError::State(e.to_string()))
    }

    /// Restores a state written by [`Clusterer::to_json`].
    pub fn from_json(s: &str) -> Result<Self, ClusterError> {
        let mut c: Clusterer =
            serde_json::from_str(s).map_err(|e| ClusterError::State(e.to_string()))?;
        c.rebuild_indexes();
        Ok(c)
    }

    /// Rebuilds the inverted index, the near-duplicate bands and the weight caches.
    pub fn rebuild_indexes(&mut self) {
        self.postings.clear();
        for (i, d) in self.docs.iter().enumerate() {
            let seq = self.first_seq + i as u64;
            for &t in &d.keys {
                self.postings.entry(t).or_default().push_back(seq);
            }
        }
        self.dup.rebuild();
        self.vocab.mult_n = 0;
        self.vocab.maybe_refresh_all(self.config.entity_boost);
    }

    /// Moves the clock to `now` (if later) and closes what fell out of the window.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        let now = now.timestamp();
        if self.clock.is_none_or(|c| now > c) {
            self.clock = Some(now);
        }
        self.expire();
    }

    /// Feeds one article of a stream in publication order: its arrival time is its publication
    /// time (never earlier than the clock; the clock when the article has no date).
    pub fn ingest_in_order(&mut self, doc: &Doc) -> Result<Assignment, ClusterError> {
        let clock = self.clock.unwrap_or(0);
        let t = doc.published.map_or(clock, |p| p.timestamp().max(clock));
        let now = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
        self.ingest(doc, now)
    }

    /// Feeds one article that arrived at `now`. Returns the story it was put in.
    pub fn ingest(&mut self, doc: &Doc, now: DateTime<Utc>) -> Result<Assignment, ClusterError> {
        if doc.id.trim().is_empty() {
            return Err(ClusterError::EmptyId);
        }
        if self.ids.contains_key(&doc.id) {
            return Err(ClusterError::DuplicateId(doc.id.clone()));
        }
        self.advance(now);
        let arrival = self.clock.unwrap_or(now.timestamp());
        let time = doc.published.map(|p| p.timestamp());
        let feats = self.features(doc);

        // Near-duplicates fold into their canonical item's story.
        let k = if feats.words.len() >= 30 { 3 } else { 2 };
        let sig = Signature::of_words(&feats.words, k, 4);
        if let Some(sig) = &sig {
            if let DupMatch::Duplicate { canonical, .. } = self.dup.check(sig) {
                if let Some(story) = self.story_of(&canonical) {
                    if self.stories.contains_key(&story) {
                        self.dup.fold(&canonical, &doc.id, &doc.outlet, arrival);
                        self.touch(story, arrival, time);
                        self.remember_id(&doc.id, story, arrival);
                        return Ok(Assignment {
                            story,
                            created: false,
                            duplicate_of: Some(canonical),
                        });
                    }
                }
            }
        }

        let boost = self.config.entity_boost;
        self.vocab.maybe_refresh_all(boost);
        let mut terms = feats.terms;
        // Keep the strongest terms under the current weights.
        if terms.len() > self.config.max_doc_terms {
            terms.sort_by(|a, b| (b.1 * self.vocab.m(b.0)).total_cmp(&(a.1 * self.vocab.m(a.0))));
            terms.truncate(self.config.max_doc_terms);
        }
        terms.sort_by_key(|x| x.0);
        let dnorm = self.norm(&terms);
        let mut by_weight: Vec<(u32, f32)> = terms
            .iter()
            .map(|&(t, r)| (t, r * self.vocab.m(t)))
            .collect();
        by_weight.sort_by(|a, b| b.1.total_cmp(&a.1));
        let keys: Vec<u32> = by_weight
            .iter()
            .take(self.config.index_terms)
            .map(|x| x.0)
            .collect();

        // Candidate articles from the inverted index.
        let cap = ((self.docs.len() as f32 * self.config.max_posting_share) as usize).max(200);
        let mut acc: FxHashMap<u64, f32> = FxHashMap::default();
        for &(t, w) in by_weight.iter().take(self.config.index_terms) {
            let first = self.first_seq;
            if let Some(list) = self.postings.get_mut(&t) {
                while list.front().is_some_and(|&s| s < first) {
                    list.pop_front();
                }
                if list.len() > cap {
                    continue;
                }
                for &s in list.iter() {
                    *acc.entry(s).or_insert(0.0) += w;
                }
            }
        }
        let mut cands: Vec<(u64, f32)> = acc.into_iter().collect();
        cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        cands.truncate(self.config.max_candidates);

        // Exact similarities, grouped by story.
        let mut per_story: FxHashMap<StoryId, Vec<f32>> = FxHashMap::default();
        for &(seq, _) in &cands {
            let d = &self.docs[(seq - self.first_seq) as usize];
            let s = self.cosine(&terms, dnorm, &d.terms, self.norm(&d.terms));
            per_story.entry(d.story).or_default().push(s);
        }
        let mut scored: Vec<(StoryId, f32)> = Vec::with_capacity(per_story.len());
        for (sid, mut sims) in per_story {
            let Some(story) = self.stories.get(&sid) else {
                continue;
            };
            sims.sort_by(|a, b| b.total_cmp(a));
            let k = self.config.link_k.min(story.members.len()).max(1);
            let link: f32 = sims.iter().take(k).sum::<f32>() / k as f32;
            let cent = self.cosine(&terms, dnorm, &story.centroid, self.norm(&story.centroid));
            let a = self.config.centroid_mix;
            let score =
                (a * cent + (1.0 - a) * link) * self.time_factor(time, story.t_min, story.t_max);
            scored.push((sid, score));
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let join = if feats.long {
            self.config.join_long
        } else {
            self.config.join_short
        };

        let seq = self.first_seq + self.docs.len() as u64;
        let (mut story_id, created) = match scored.first() {
            Some(&(sid, s)) if s >= join => (sid, false),
            _ => {
                let sid = self.next_story;
                self.next_story += 1;
                self.stories.insert(
                    sid,
                    Story {
                        centroid: Vec::new(),
                        members: Vec::new(),
                        articles: 0,
                        t_min: None,
                        t_max: None,
                        last_seen: arrival,
                    },
                );
                self.events.push(StoryEvent::Created { story: sid });
                (sid, true)
            }
        };

        // Add the article.
        let inv = if dnorm > 0.0 { 1.0 / dnorm } else { 0.0 };
        let scaled: Vec<(u32, f32)> = terms.iter().map(|&(t, r)| (t, r * inv)).collect();
        {
            let story = self.stories.get_mut(&story_id).expect("story exists");
            story.centroid = add_sparse(&story.centroid, &scaled);
            story.members.push(seq);
        }
        self.prune_centroid(story_id);
        self.touch(story_id, arrival, time);
        for &t in &keys {
            self.postings.entry(t).or_default().push_back(seq);
        }
        self.docs.push_back(DocEntry {
            id: doc.id.clone(),
            story: story_id,
            arrival,
            time,
            terms,
            keys,
        });
        self.remember_id(&doc.id, story_id, arrival);
        if let Some(sig) = sig {
            self.dup.insert(&doc.id, &doc.outlet, sig, arrival);
        }

        // Stories this article also resembles may turn out to be the same story.
        let merge_at = if feats.long {
            self.config.merge_long
        } else {
            self.config.merge_short
        };
        for &(other, s) in scored.iter() {
            if s < join * 0.5 {
                break;
            }
            let other = self.resolve(other);
            if other == story_id || !self.stories.contains_key(&other) {
                continue;
            }
            let (a, b) = (&self.stories[&story_id], &self.stories[&other]);
            let cc = self.cosine(
                &a.centroid,
                self.norm(&a.centroid),
                &b.centroid,
                self.norm(&b.centroid),
            ) * self.span_factor(a, b);
            if cc >= merge_at {
                story_id = self.merge(story_id, other);
            }
        }
        let story = self.resolve(story_id);
        Ok(Assignment {
            story,
            created: created && story == story_id,
            duplicate_of: None,
        })
    }

    fn remember_id(&mut self, id: &str, story: StoryId, arrival: i64) {
        self.ids.insert(id.to_string(), story);
        self.id_order.push_back((arrival, id.to_string()));
    }

    fn touch(&mut self, sid: StoryId, arrival: i64, time: Option<i64>) {
        if let Some(s) = self.stories.get_mut(&sid) {
            s.articles += 1;
            s.last_seen = s.last_seen.max(arrival);
            if let Some(t) = time {
                s.t_min = Some(s.t_min.map_or(t, |m| m.min(t)));
                s.t_max = Some(s.t_max.map_or(t, |m| m.max(t)));
            }
            self.expiry.push_back((s.last_seen, sid));
        }
    }

    /// Merges two stories; the one with more articles keeps its id (the older on a tie).
    fn merge(&mut self, a: StoryId, b: StoryId) -> StoryId {
        let (sa, sb) = (&self.stories[&a], &self.stories[&b]);
        let (keep, gone) = if sa.articles > sb.articles || (sa.articles == sb.articles && a < b) {
            (a, b)
        } else {
            (b, a)
        };
        let g = self.stories.remove(&gone).expect("story exists");
        for &seq in &g.members {
            if seq >= self.first_seq {
                self.docs[(seq - self.first_seq) as usize].story = keep;
            }
        }
        let k = self.stories.get_mut(&keep).expect("story exists");
        k.centroid = add_sparse(&k.centroid, &g.centroid);
        let mut members = Vec::with_capacity(k.members.len() + g.members.len());
        let (mut i, mut j) = (0, 0);
        while i < k.members.len() || j < g.members.len() {
            if j >= g.members.len() || (i < k.members.len() && k.members[i] < g.members[j]) {
                members.push(k.members[i]);
                i += 1;
            } else {
                members.push(g.members[j]);
                j += 1;
            }
        }
        k.members = members;
        k.articles += g.articles;
        k.last_seen = k.last_seen.max(g.last_seen);
        k.t_min = match (k.t_min, g.t_min) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        k.t_max = match (k.t_max, g.t_max) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        self.redirects.insert(gone, keep);
        self.events.push(StoryEvent::Merged {
            from: gone,
            into: keep,
        });
        self.prune_centroid(keep);
        keep
    }

    fn prune_centroid(&mut self, sid: StoryId) {
        let max = self.config.max_centroid_terms;
        let Some(s) = self.stories.get(&sid) else {
            return;
        };
        if s.centroid.len() <= max + max / 2 {
            return;
        }
        let mut c = s.centroid.clone();
        c.sort_by(|a, b| (b.1 * self.vocab.m(b.0)).total_cmp(&(a.1 * self.vocab.m(a.0))));
        c.truncate(max);
        c.sort_by_key(|x| x.0);
        self.stories.get_mut(&sid).expect("story exists").centroid = c;
    }

    fn expire(&mut self) {
        let Some(clock) = self.clock else { return };
        let cutoff = clock - (self.config.window_hours * 3600.0) as i64;
        while self.docs.front().is_some_and(|d| d.arrival < cutoff) {
            let d = self.docs.pop_front().expect("non-empty");
            let seq = self.first_seq;
            self.first_seq += 1;
            if let Some(s) = self.stories.get_mut(&d.story) {
                if let Ok(pos) = s.members.binary_search(&seq) {
                    s.members.remove(pos);
                }
            }
        }
        while let Some(&(seen, sid)) = self.expiry.front() {
            if seen >= cutoff {
                break;
            }
            self.expiry.pop_front();
            if self.stories.get(&sid).is_some_and(|s| s.last_seen < cutoff) {
                self.stories.remove(&sid);
                self.events.push(StoryEvent::Expired { story: sid });
            }
        }
        while self.id_order.front().is_some_and(|(a, _)| *a < cutoff) {
            let (_, id) = self.id_order.pop_front().expect("non-empty");
            self.ids.remove(&id);
        }
        self.dup.expire(cutoff);
        // Sweep dead postings now and then (queried lists are trimmed as they are used).
        if self.first_seq % 4096 == 0 && self.first_seq > 0 {
            let first = self.first_seq;
            self.postings.retain(|_, l| {
                while l.front().is_some_and(|&s| s < first) {
                    l.pop_front();
                }
                !l.is_empty()
            });
        }
    }

    fn features(&mut self, doc: &Doc) -> Features {
        let lang = doc
            .language
            .as_deref()
            .unwrap_or("en")
            .trim()
            .to_ascii_lowercase();
        let lang = lang.split(['-', '_']).next().unwrap_or("en").to_string();
        let mut title = Vec::new();
        tokenize(&doc.title, &mut title);
        let mut body = Vec::new();
        tokenize(&doc.text, &mut body);
        let mut slug = Vec::new();
        tokenize(&url_slug(&doc.url), &mut slug);
        let long = body.len() >= self.config.long_text_tokens;

        let mut words: Vec<String> = Vec::with_capacity(title.len() + body.len());
        words.extend(title.iter().map(|t| t.lower.clone()));
        words.extend(body.iter().map(|t| t.lower.clone()));

        let mut tf: FxHashMap<u32, [u16; 4]> = FxHashMap::default();
        let title_case = is_title_case(&title);
        let mut count = |vocab: &mut Vocab,
                         toks: &[Token],
                         field: usize,
                         informative_caps: bool,
                         lead: usize| {
            for (i, t) in toks.iter().enumerate() {
                if t.lower.chars().count() < 2 || is_stopword(&t.lower) {
                    continue;
                }
                let id = vocab.term(&lang, &t.lower);
                let f = if field == 2 && i >= lead { 3 } else { field };
                let e = tf.entry(id).or_insert([0; 4]);
                e[f] = e[f].saturating_add(1);
                if informative_caps
                    && !t.start
                    && t.lower.chars().next().is_some_and(char::is_alphabetic)
                {
                    vocab.occ[id as usize] += 1;
                    if t.cap {
                        vocab.cap[id as usize] += 1;
                    }
                }
            }
        };
        count(&mut self.vocab, &title, 0, !title_case, 0);
        count(&mut self.vocab, &slug, 1, false, 0);
        count(&mut self.vocab, &body, 2, true, self.config.lead_tokens);

        let fw = [
            self.config.title_weight,
            self.config.slug_weight,
            self.config.lead_weight,
            self.config.body_weight,
        ];
        self.vocab.n_docs += 1;
        let boost = self.config.entity_boost;
        let mut terms: Vec<(u32, f32)> = Vec::with_capacity(tf.len());
        for (id, counts) in tf {
            self.vocab.df[id as usize] += 1;
            let mut w = 0.0;
            for f in 0..4 {
                if counts[f] > 0 {
                    w += fw[f] * (1.0 + (counts[f] as f32).ln());
                }
            }
            terms.push((id, w));
        }
        self.vocab.mult.resize(self.vocab.df.len(), 0.0);
        for &(id, _) in &terms {
            self.vocab.refresh(id, boost);
        }
        Features { terms, words, long }
    }

    fn norm(&self, v: &[(u32, f32)]) -> f32 {
        v.iter()
            .map(|&(t, r)| (r * self.vocab.m(t)).powi(2))
            .sum::<f32>()
            .sqrt()
    }

    fn cosine(&self, a: &[(u32, f32)], na: f32, b: &[(u32, f32)], nb: f32) -> f32 {
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let m = self.vocab.m(a[i].0);
                    dot += a[i].1 * b[j].1 * m * m;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot / (na * nb)
    }

    fn time_factor(&self, t: Option<i64>, lo: Option<i64>, hi: Option<i64>) -> f32 {
        let (Some(t), Some(lo), Some(hi)) = (t, lo, hi) else {
            return 1.0;
        };
        let gap = if t < lo { lo - t } else { (t - hi).max(0) };
        self.gap_factor(gap)
    }

    fn span_factor(&self, a: &Story, b: &Story) -> f32 {
        let (Some(alo), Some(ahi), Some(blo), Some(bhi)) = (a.t_min, a.t_max, b.t_min, b.t_max)
        else {
            return 1.0;
        };
        let gap = (blo - ahi).max(alo - bhi).max(0);
        self.gap_factor(gap)
    }

    fn gap_factor(&self, gap_secs: i64) -> f32 {
        let hours = gap_secs as f64 / 3600.0 - self.config.time_grace_hours;
        if hours <= 0.0 {
            1.0
        } else {
            (-hours / self.config.time_scale_hours).exp() as f32
        }
    }
}

/// Sum of two sparse vectors sorted by term id.
fn add_sparse(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j >= b.len() || (i < a.len() && a[i].0 < b[j].0) {
            out.push(a[i]);
            i += 1;
        } else if i >= a.len() || b[j].0 < a[i].0 {
            out.push(b[j]);
            j += 1;
        } else {
            out.push((a[i].0, a[i].1 + b[j].1));
            i += 1;
            j += 1;
        }
    }
    out
}
