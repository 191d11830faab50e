//! Incremental story clustering over a rolling window.
//!
//! Each article becomes a sparse term vector (stemmed words from title, URL slug, lead and body,
//! each field weighted, sublinear term frequency, IDF from the stream so far, name-like words
//! boosted). Candidate stories come from an inverted index over the articles still in the window
//! (never all pairs). An article joins the best story when a blend of centroid similarity and its
//! similarity to the story's closest members, damped by the time gap (heavy-tailed: see
//! [`ClusterConfig::time_tail_power`]) and weighed by how much of the story's consistent terms the
//! article has (a headline sharing only names with a story is discounted by
//! [`ClusterConfig::names_only_factor`]), passes a threshold; otherwise it opens a new story.
//! Stories whose centroids become similar are merged and the merge is reported as an event (old id
//! → surviving id). A one-article story the new article could also have joined is reconsidered
//! after the join: its article, scored against the story the new one joined (now with the bridging
//! article in it), is merged into that story when it reaches [`ClusterConfig::recheck_ratio`] (or
//! [`ClusterConfig::recheck_ratio_long`]) of the join threshold. This keeps the clusterer online
//! (articles never move except through a merge or split event) while repairing the order effect of a story's
//! first article arriving too early.
//!
//! The opposite order effect, two events of one kind joined into one story through their shared
//! topic words while the early reports were vague, is repaired by a split: a full-text story is
//! checked when it reaches [`ClusterConfig::split_min_size`] members and again as it grows by
//! [`ClusterConfig::split_growth`]; its members are cut in two (each member with the member least
//! like it seeds a two-way partition, refined by moving members to the side they resemble more on
//! average), and the story splits when the mean similarity across the cut is at most
//! [`ClusterConfig::split_ratio`] of that inside the parts and each part has at least
//! [`ClusterConfig::split_exclusive`] of its consistent terms that no member of the other part has
//! (each event's own names and numbers). The larger part keeps the id, the other becomes a new story
//! ([`crate::StoryEvent::Split`]), and the two never merge again.
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
    /// Candidate stories (by their closest member) scored in full per new article.
    pub max_candidate_stories: usize,
    /// Posting lists longer than this share of the window are skipped in retrieval.
    pub max_posting_share: f32,
    /// How many closest members of a story are averaged for the link similarity.
    pub link_k: usize,
    /// Weight of centroid similarity against closest-member similarity (0..1).
    pub centroid_mix: f32,
    /// Join threshold for a headline-only article.
    pub join_short: f32,
    /// Extra share of `join_long` required to join a one-article full-text story.
    pub lone_join_extra: f32,
    /// Factor on the score of a headline-only story that the article shares only names with
    /// (none of the story's consistent other words; 1 = off).
    pub names_only_factor: f32,
    /// Member vectors a story needs before `names_only_factor` applies.
    pub names_only_min_size: u32,
    /// Join threshold for a full-text article.
    pub join_long: f32,
    /// Centroid similarity at which two headline-only stories merge.
    pub merge_short: f32,
    /// Centroid similarity at which two full-text stories merge.
    pub merge_long: f32,
    /// Time gap (hours) with no penalty.
    pub time_grace_hours: f64,
    /// Scale (hours) of the time penalty beyond the grace.
    pub time_scale_hours: f64,
    /// Shape of the time penalty beyond the grace: when > 0 the heavy-tailed
    /// (1 + hours / time_scale_hours)^−power (follow-ups of an event, such as charges or a
    /// verdict, come weeks or months later; a far date still counts against), else the
    /// exponential exp(−hours / time_scale_hours).
    pub time_tail_power: f64,
    /// Centroid terms kept per story.
    pub max_centroid_terms: usize,
    /// Exponent of the consistent-term coverage factor in the join score (0 = off).
    pub coverage_power: f32,
    /// Exponent of the coverage factor for headline-only stories (0 = off).
    pub coverage_power_short: f32,
    /// For a one-article story, how many of its strongest terms count as its consistent terms
    /// (0 = no coverage check against one-article stories).
    pub single_consistent_terms: usize,
    /// Exponent of the reverse coverage factor in the join score (0 = off).
    pub reverse_power: f32,
    /// Exponent of the mutual consistent-term coverage factor in the merge score (0 = off).
    pub merge_coverage_power: f32,
    /// Weight of adjacent-word phrase features relative to single words (0 = off).
    pub bigram_weight: f32,
    /// Strongest centroid terms used to find merge candidates for a story that grew (0 = only
    /// the stories the new article resembled).
    pub merge_probe_terms: usize,
    /// Growth of the merge threshold with the smaller story's size: the threshold is multiplied
    /// by 1 + slope × ln(size / merge_min_size).
    pub merge_size_slope: f32,
    /// Both stories need this many member vectors before they may merge.
    pub merge_min_size: u32,
    /// Constant added to ln((N+1)/(df+1)) in IDF (lower: more contrast).
    pub idf_add: f32,
    /// Weight of the headline field in full-text articles (headline-only ones use `title_weight`).
    pub title_weight_long: f32,
    /// Stories of at most this many member vectors are reconsidered when an article that could
    /// have joined them joins another story (0 = off): see `recheck_ratio`.
    pub recheck_max_size: u32,
    /// The small story is merged into the joined one when its members, scored as articles
    /// against the joined story, reach this share of the join threshold on average.
    pub recheck_ratio: f32,
    /// `recheck_ratio` when either story is mostly full text.
    pub recheck_ratio_long: f32,
    /// Share of the join threshold the new article must reach for a small story to be
    /// reconsidered (the article bridges the two).
    pub bridge_ratio: f32,
    /// Most recent members of a story an article is compared with when it is reconsidered.
    pub recheck_members: usize,
    /// A story is checked for a split when it reaches this many member vectors (0 = off), and
    /// again each time it grows by `split_growth`: see `split_ratio`.
    pub split_min_size: u32,
    /// Growth factor between two split checks of one story (at least one more member).
    pub split_growth: f32,
    /// Stories with more member vectors than this are not checked (cost bound).
    pub split_max_size: u32,
    /// Both parts of a split need this many member vectors.
    pub split_min_part: u32,
    /// A story splits in two when the mean member similarity across the best bipartition is at
    /// most this share of the geometric mean of the mean similarities inside the parts.
    pub split_ratio: f32,
    /// A split also needs each part to have this share (by weight) of its consistent terms (in
    /// half its members or more) that no member of the other part has: two events of one kind
    /// share topic words but each has names and numbers of its own.
    pub split_exclusive: f32,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            window_hours: 72.0,
            dedup_threshold: 0.7,
            title_weight: 3.0,
            title_weight_long: 1.0,
            slug_weight: 1.5,
            lead_weight: 1.75,
            body_weight: 1.0,
            lead_tokens: 60,
            long_text_tokens: 30,
            entity_boost: 2.0,
            idf_add: 1.0,
            bigram_weight: 0.0,
            max_doc_terms: 64,
            index_terms: 16,
            max_candidates: 100,
            max_candidate_stories: 12,
            max_posting_share: 0.2,
            link_k: 3,
            centroid_mix: 0.5,
            coverage_power: 0.5,
            reverse_power: 0.0,
            single_consistent_terms: 0,
            coverage_power_short: 0.1,
            join_short: 0.12,
            join_long: 0.25,
            lone_join_extra: 0.2,
            names_only_factor: 0.2,
            names_only_min_size: 2,
            merge_short: 0.15,
            merge_long: 0.5,
            merge_min_size: 2,
            merge_size_slope: 0.3,
            merge_coverage_power: 0.5,
            merge_probe_terms: 0,
            time_grace_hours: 24.0,
            time_scale_hours: 48.0,
            time_tail_power: 0.1,
            max_centroid_terms: 300,
            recheck_max_size: 1,
            recheck_ratio: 0.7,
            recheck_ratio_long: 0.8,
            bridge_ratio: 1.0,
            recheck_members: 64,
            split_min_size: 6,
            split_growth: 1.15,
            split_max_size: 64,
            split_min_part: 3,
            split_ratio: 0.65,
            split_exclusive: 0.3,
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
    /// Weight multiplier (IDF × name boost) per term, as last refreshed. Saved with the state
    /// so that a restored clusterer continues exactly as the original would have.
    mult: Vec<f32>,
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

    /// The term for two adjacent words (a phrase feature).
    fn pair_term(&mut self, a: u32, b: u32) -> u32 {
        let key = format!("\u{1}{a} {b}");
        match self.terms.get(&key) {
            Some(&t) => t,
            None => {
                let t = self.df.len() as u32;
                self.terms.insert(key, t);
                self.df.push(0);
                self.occ.push(0);
                self.cap.push(0);
                self.mult.push(0.0);
                t
            }
        }
    }

    fn compute_mult(&self, t: u32, boost: f32, idf_add: f32) -> f32 {
        let i = t as usize;
        let n = self.n_docs as f32;
        let df = self.df[i] as f32;
        let idf = ((n + 1.0) / (df + 1.0)).ln() + idf_add;
        let occ = self.occ[i] as f32;
        let ratio = self.cap[i] as f32 / (occ + 1.0);
        let name = ((ratio - 0.3) / 0.4).clamp(0.0, 1.0);
        idf * (1.0 + (boost - 1.0) * name)
    }

    /// How name-like a term is (0..1): share of its mid-sentence uses that are capitalized.
    fn nameness(&self, t: u32) -> f32 {
        let i = t as usize;
        let occ = self.occ[i] as f32;
        let ratio = self.cap[i] as f32 / (occ + 1.0);
        ((ratio - 0.3) / 0.4).clamp(0.0, 1.0)
    }

    fn refresh(&mut self, t: u32, boost: f32, idf_add: f32) {
        self.mult[t as usize] = self.compute_mult(t, boost, idf_add);
    }

    /// Recomputes every multiplier when the document count has grown enough to move IDF.
    fn maybe_refresh_all(&mut self, boost: f32, idf_add: f32) -> bool {
        if self.mult.len() != self.df.len() || self.n_docs as f64 > self.mult_n as f64 * 1.05 + 2.0
        {
            self.mult.resize(self.df.len(), 0.0);
            for t in 0..self.df.len() as u32 {
                self.refresh(t, boost, idf_add);
            }
            self.mult_n = self.n_docs;
            return true;
        }
        false
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
    /// Full-text article (else headline-only).
    #[serde(default)]
    long: bool,
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
    /// How many member vectors contain each term, sorted by term id.
    term_counts: Vec<(u32, u32)>,
    /// Member vectors summed into the centroid (duplicates folded away are not).
    vectors: u32,
    /// How many of those were full-text articles.
    long_vectors: u32,
    /// Member vectors at the last split check (0 = never checked).
    #[serde(default)]
    split_checked: u32,
    derived: StoryDerived,
}

/// Values computed from a story's centroid and term counts, refreshed when it changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoryDerived {
    /// Weighted centroid norm.
    norm: f32,
    /// Consistent terms (in half the members or more) with weight m × share.
    consistent: Vec<(u32, f32)>,
    consistent_total: f32,
}

/// How one candidate story scored for an article (see [`Clusterer::last_scores`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The story.
    pub story: StoryId,
    /// Final score compared with the join threshold.
    pub score: f32,
    /// Blend of centroid and closest-member similarity, before time and coverage factors.
    pub base: f32,
    /// Share of the story's consistent terms (in half its members or more) the article has.
    pub coverage: f32,
    /// Share of the article's strongest terms the story has seen.
    pub reverse: f32,
}

/// Incremental clusterer. Feed articles with [`Clusterer::ingest`] in arrival order.
///
/// State: everything needed to continue is plain data and serializes with serde (the inverted
/// index and caches are skipped and rebuilt by [`Clusterer::rebuild_indexes`], which
/// [`Clusterer::from_json`] calls). The state is also a pure function of the articles fed and
/// their arrival times: replaying the same sequence gives the same stories and ids.
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
    /// Pairs of stories split apart (ids as at the split): they never merge again.
    #[serde(default)]
    apart: Vec<(StoryId, StoryId)>,
    events: Vec<StoryEvent>,
    #[serde(skip)]
    postings: FxHashMap<u32, VecDeque<u64>>,
    /// Candidate stories and scores of the last ingest, best first (for diagnostics).
    #[serde(skip)]
    last_scores: Vec<CandidateScore>,
    #[serde(skip)]
    last_merges: Vec<(StoryId, StoryId, f32)>,
    #[serde(skip)]
    last_splits: Vec<(StoryId, StoryId, f32)>,
}

/// An article as it is compared with stories.
struct Query<'a> {
    /// Its kept terms (raw weights, sorted by term id).
    terms: &'a [(u32, f32)],
    /// Weighted norm of `terms`.
    norm: f32,
    /// Every term of the article, sorted.
    all_terms: &'a [u32],
    /// Its strongest terms with their weights.
    salient: &'a [(u32, f32)],
    time: Option<i64>,
    long: bool,
}

struct Features {
    terms: Vec<(u32, f32)>,
    /// Hashes of every word of title and body, in order (for near-duplicate shingles).
    words: Vec<u64>,
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
            apart: Vec::new(),
            events: Vec::new(),
            postings: FxHashMap::default(),
            last_scores: Vec::new(),
            last_merges: Vec::new(),
            last_splits: Vec::new(),
        }
    }

    /// Candidate stories and their scores for the last article ingested, best first (ids as
    /// they were before any merge that article caused). For diagnostics and tuning.
    pub fn last_scores(&self) -> &[CandidateScore] {
        &self.last_scores
    }

    /// Merges caused by the last article: (story, other story, centroid similarity).
    pub fn last_merges(&self) -> &[(StoryId, StoryId, f32)] {
        &self.last_merges
    }

    /// Splits caused by the last article: (story, new story, similarity ratio of the cut).
    pub fn last_splits(&self) -> &[(StoryId, StoryId, f32)] {
        &self.last_splits
    }

    /// Cosine similarity of every pair of articles in the window under the current term
    /// weights, as (id, id, similarity). Quadratic: for diagnostics on small inputs only.
    pub fn pairwise_similarities(&self) -> Vec<(String, String, f32)> {
        let mut out = Vec::new();
        let norms: Vec<f32> = self.docs.iter().map(|d| self.norm(&d.terms)).collect();
        for i in 0..self.docs.len() {
            for j in i + 1..self.docs.len() {
                let (a, b) = (&self.docs[i], &self.docs[j]);
                out.push((
                    a.id.clone(),
                    b.id.clone(),
                    self.cosine(&a.terms, norms[i], &b.terms, norms[j]),
                ));
            }
        }
        out
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

    /// Events (created, merged, split, expired) since the last call.
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
        if self.vocab.mult.len() != self.vocab.df.len() {
            self.vocab.mult_n = 0;
            self.vocab
                .maybe_refresh_all(self.config.entity_boost, self.config.idf_add);
            self.refresh_all_stories();
        }
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
        let sig = Signature::of_word_hashes(&feats.words, k, 4);
        if let Some(sig) = &sig {
            if let DupMatch::Duplicate { canonical, .. } = self.dup.check(sig) {
                if let Some(story) = self.story_of(&canonical) {
                    if self.stories.contains_key(&story) {
                        self.dup.fold(&canonical, &doc.id, &doc.outlet, arrival);
                        self.touch(story, arrival, time);
                        self.remember_id(&doc.id, story, arrival);
                        self.last_scores = vec![CandidateScore {
                            story,
                            score: 1.0,
                            base: 1.0,
                            coverage: 1.0,
                            reverse: 1.0,
                        }];
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
        if self.vocab.maybe_refresh_all(boost, self.config.idf_add) {
            self.refresh_all_stories();
        }
        let mut terms = feats.terms;
        let mut all_terms: Vec<u32> = terms.iter().map(|x| x.0).collect();
        all_terms.sort_unstable();
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
            let s = self.cosine_to(&terms, dnorm, &d.terms);
            per_story.entry(d.story).or_default().push(s);
        }
        let salient: Vec<(u32, f32)> = by_weight.iter().take(10).copied().collect();
        let mut per_story: Vec<(StoryId, Vec<f32>)> = per_story
            .into_iter()
            .map(|(sid, mut sims)| {
                sims.sort_by(|a, b| b.total_cmp(a));
                (sid, sims)
            })
            .collect();
        per_story.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then(a.0.cmp(&b.0)));
        per_story.truncate(self.config.max_candidate_stories);
        let query = Query {
            terms: &terms,
            norm: dnorm,
            all_terms: &all_terms,
            salient: &salient,
            time,
            long: feats.long,
        };
        let mut scored: Vec<CandidateScore> = Vec::with_capacity(per_story.len());
        let mut scored_pairs: Vec<(StoryId, f32)> = Vec::with_capacity(per_story.len());
        for (sid, sims) in per_story {
            if let Some((c, ratio)) = self.judge(&query, sid, &sims) {
                scored.push(c);
                scored_pairs.push((sid, ratio));
            }
        }
        scored_pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.story.cmp(&b.story)));
        self.last_scores = scored;
        self.last_merges.clear();
        self.last_splits.clear();
        let scored = scored_pairs;

        let seq = self.first_seq + self.docs.len() as u64;
        let (mut story_id, created) = match scored.first() {
            Some(&(sid, s)) if s >= 1.0 => (sid, false),
            _ => {
                let sid = self.next_story;
                self.next_story += 1;
                self.stories.insert(
                    sid,
                    Story {
                        centroid: Vec::new(),
                        members: Vec::new(),
                        articles: 0,
                        term_counts: Vec::new(),
                        vectors: 0,
                        long_vectors: 0,
                        split_checked: 0,
                        derived: StoryDerived::default(),
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
            let ones: Vec<(u32, u32)> = terms.iter().map(|&(t, _)| (t, 1)).collect();
            story.term_counts = add_counts(&story.term_counts, &ones);
            story.vectors += 1;
            story.long_vectors += feats.long as u32;
        }
        self.prune_centroid(story_id);
        self.refresh_story(story_id);
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
            long: feats.long,
        });
        self.remember_id(&doc.id, story_id, arrival);
        if let Some(sig) = sig {
            self.dup.insert(&doc.id, &doc.outlet, sig, arrival);
        }

        // Small stories the article could have joined too are reconsidered: their members,
        // scored against the story the article joined, may now be close enough (the article
        // bridges them).
        if self.config.recheck_max_size > 0 {
            let small: Vec<StoryId> = scored
                .iter()
                .skip(usize::from(!created))
                .filter(|&&(_, r)| r >= self.config.bridge_ratio)
                .map(|&(sid, _)| sid)
                .collect();
            for other in small {
                let other = self.resolve(other);
                if other == story_id {
                    continue;
                }
                if let Some(r) = self.recheck(other, story_id) {
                    let long = [other, story_id].iter().any(|s| {
                        self.stories
                            .get(s)
                            .is_some_and(|s| s.long_vectors * 2 > s.vectors)
                    });
                    let need = if long {
                        self.config.recheck_ratio_long
                    } else {
                        self.config.recheck_ratio
                    };
                    if r >= need {
                        self.last_merges.push((story_id, other, r));
                        story_id = self.merge(story_id, other);
                    }
                }
            }
        }

        // Stories this article also resembles may turn out to be the same story.
        let mut merge_cands: Vec<StoryId> = scored
            .iter()
            .take_while(|&&(_, s)| s >= 0.5)
            .map(|&(sid, _)| sid)
            .collect();
        if self.config.merge_probe_terms > 0 {
            merge_cands.extend(self.stories_near_centroid(story_id));
        }
        let mut seen_cands = rustc_hash::FxHashSet::default();
        for other in merge_cands {
            if !seen_cands.insert(other) {
                continue;
            }
            let other = self.resolve(other);
            if other == story_id || !self.stories.contains_key(&other) {
                continue;
            }
            if self.kept_apart(story_id, other) {
                continue;
            }
            let (a, b) = (&self.stories[&story_id], &self.stories[&other]);
            // A lone article is judged by the join rule; merges need evidence on both sides.
            if a.vectors.min(b.vectors) < self.config.merge_min_size {
                continue;
            }
            let cc = self.cosine(&a.centroid, a.derived.norm, &b.centroid, b.derived.norm)
                * self.span_factor(a, b)
                * if a.long_vectors * 2 > a.vectors && b.long_vectors * 2 > b.vectors {
                    self.story_coverage(a, b)
                        .min(self.story_coverage(b, a))
                        .powf(self.config.merge_coverage_power)
                } else {
                    1.0
                };
            // Centroids of larger samples of one story agree more closely, and so do those of
            // two related stories: demand more of bigger stories.
            let smaller = a.vectors.min(b.vectors) as f32;
            // Full-text stories merge by the full-text rule, whatever the bridging article is.
            let long_pair = a.long_vectors * 2 > a.vectors || b.long_vectors * 2 > b.vectors;
            let need = if long_pair {
                self.config.merge_long
            } else {
                self.config.merge_short
            } * (1.0
                + self.config.merge_size_slope
                    * (smaller / self.config.merge_min_size.max(1) as f32)
                        .ln()
                        .max(0.0));
            if cc >= need {
                self.last_merges.push((story_id, other, cc));
                story_id = self.merge(story_id, other);
            }
        }
        let story = self.resolve(story_id);
        let story = self.maybe_split(story, seq);
        Ok(Assignment {
            story,
            created: created && story == story_id,
            duplicate_of: None,
        })
    }

    /// Scores story `sid` for an article (`sims`: its similarities to the story's members, best
    /// first, as far as known). Returns the score and its ratio to the join threshold that
    /// applies (≥ 1: the article may join).
    fn judge(&self, q: &Query<'_>, sid: StoryId, sims: &[f32]) -> Option<(CandidateScore, f32)> {
        let story = self.stories.get(&sid)?;
        let k = self.config.link_k.min(story.members.len()).max(1);
        let link: f32 = sims.iter().take(k).sum::<f32>() / k as f32;
        let cent = self.cosine(q.terms, q.norm, &story.centroid, story.derived.norm);
        let a = self.config.centroid_mix;
        let base = a * cent + (1.0 - a) * link;
        let coverage = self.coverage(q.all_terms, story);
        let reverse = self.reverse_coverage(q.salient, story);
        let long_story = story.long_vectors * 2 > story.vectors;
        let score = base
            * self.time_factor(q.time, story.t_min, story.t_max)
            * if long_story {
                // Consistent terms are only meaningful for full-text stories.
                coverage.powf(self.config.coverage_power) * reverse.powf(self.config.reverse_power)
            } else {
                coverage.powf(self.config.coverage_power_short)
                    * if self.config.names_only_factor < 1.0
                        && story.vectors >= self.config.names_only_min_size
                        && self.shares_only_names(q.all_terms, story)
                    {
                        self.config.names_only_factor
                    } else {
                        1.0
                    }
            };
        // Each candidate is judged against the threshold for its kind: a full-text article or
        // a full-text story needs the full-text threshold.
        let thr = if q.long || long_story {
            // One full-text article is thin evidence for a story (twin events of one kind look
            // alike pairwise): ask more of it.
            self.config.join_long
                * if story.vectors == 1 {
                    1.0 + self.config.lone_join_extra
                } else {
                    1.0
                }
        } else {
            self.config.join_short
        };
        Some((
            CandidateScore {
                story: sid,
                score,
                base,
                coverage,
                reverse,
            },
            score / thr,
        ))
    }

    /// Mean join ratio of the members of a small story `small` scored as articles against
    /// story `into` (`None` when `small` is not small or has no member in the window).
    fn recheck(&self, small: StoryId, into: StoryId) -> Option<f32> {
        let s = self.stories.get(&small)?;
        let target = self.stories.get(&into)?;
        if s.vectors > self.config.recheck_max_size || s.members.is_empty() {
            return None;
        }
        let recent: Vec<&DocEntry> = target
            .members
            .iter()
            .rev()
            .filter(|&&q| q >= self.first_seq)
            .take(self.config.recheck_members)
            .map(|&q| &self.docs[(q - self.first_seq) as usize])
            .collect();
        let mut total = 0.0;
        let mut n = 0;
        for &seq in &s.members {
            if seq < self.first_seq {
                continue;
            }
            let d = &self.docs[(seq - self.first_seq) as usize];
            let norm = self.norm(&d.terms);
            let ids: Vec<u32> = d.terms.iter().map(|x| x.0).collect();
            let mut salient: Vec<(u32, f32)> = d
                .terms
                .iter()
                .map(|&(t, r)| (t, r * self.vocab.m(t)))
                .collect();
            salient.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            salient.truncate(10);
            let mut sims: Vec<f32> = recent
                .iter()
                .map(|m| self.cosine_to(&d.terms, norm, &m.terms))
                .collect();
            sims.sort_by(|a, b| b.total_cmp(a));
            let q = Query {
                terms: &d.terms,
                norm,
                all_terms: &ids,
                salient: &salient,
                time: d.time,
                long: d.long,
            };
            let (_, r) = self.judge(&q, into, &sims)?;
            total += r;
            n += 1;
        }
        (n > 0).then(|| total / n as f32)
    }

    /// The smaller over the two sides of a bipartition of `entries` of the share (by weight) of
    /// the side's consistent terms (in half its members or more) that no member of the other
    /// side has.
    fn exclusive_share(&self, entries: &[&DocEntry], side: &[bool]) -> f32 {
        let mut counts: FxHashMap<u32, [u32; 2]> = FxHashMap::default();
        let mut sizes = [0u32; 2];
        for (d, &s) in entries.iter().zip(side) {
            let k = s as usize;
            sizes[k] += 1;
            for &(t, _) in &d.terms {
                counts.entry(t).or_insert([0; 2])[k] += 1;
            }
        }
        let mut terms: Vec<(&u32, &[u32; 2])> = counts.iter().collect();
        // Summed in term order, so that the result does not depend on the hash map's order.
        terms.sort_unstable_by_key(|x| *x.0);
        let mut out = f32::INFINITY;
        for k in 0..2 {
            let (mut total, mut exclusive) = (0.0f32, 0.0f32);
            for &(&t, c) in &terms {
                if c[k] * 2 >= sizes[k] {
                    let w = self.vocab.m(t) * c[k] as f32 / sizes[k] as f32;
                    total += w;
                    if c[1 - k] == 0 {
                        exclusive += w;
                    }
                }
            }
            out = out.min(if total > 0.0 { exclusive / total } else { 0.0 });
        }
        out
    }

    /// True when stories `a` and `b` (current ids) hold the two sides of an earlier split.
    fn kept_apart(&self, a: StoryId, b: StoryId) -> bool {
        self.apart.iter().any(|&(x, y)| {
            let (x, y) = (self.resolve(x), self.resolve(y));
            (x == a && y == b) || (x == b && y == a)
        })
    }

    /// Checks story `sid` for a split when it has grown enough since the last check (see
    /// [`ClusterConfig::split_ratio`]); returns the story that the article with sequence number
    /// `seq` is in afterwards.
    fn maybe_split(&mut self, sid: StoryId, seq: u64) -> StoryId {
        let cfg = &self.config;
        if cfg.split_min_size == 0 {
            return sid;
        }
        let Some(s) = self.stories.get(&sid) else {
            return sid;
        };
        let n = s.vectors;
        // Headline-only members are too short for their pairwise similarities to show a cut.
        if s.long_vectors * 2 <= n {
            return sid;
        }
        if n < cfg.split_min_size.max(2 * cfg.split_min_part.max(1)) || n > cfg.split_max_size {
            return sid;
        }
        if s.split_checked > 0
            && (n as f32)
                < (s.split_checked as f32 * cfg.split_growth).max(s.split_checked as f32 + 1.0)
        {
            return sid;
        }
        // Only a story whose every member vector is still in the window can be rebuilt exactly.
        if s.members.len() != n as usize || s.members.iter().any(|&q| q < self.first_seq) {
            return sid;
        }
        let members = s.members.clone();
        let s_last_seen = s.last_seen;
        self.stories
            .get_mut(&sid)
            .expect("story exists")
            .split_checked = n;
        let entries: Vec<&DocEntry> = members
            .iter()
            .map(|&q| &self.docs[(q - self.first_seq) as usize])
            .collect();
        let norms: Vec<f32> = entries.iter().map(|d| self.norm(&d.terms)).collect();
        let m = entries.len();
        let mut sim = vec![0.0f32; m * m];
        for i in 0..m {
            sim[i * m + i] = 1.0;
            for j in i + 1..m {
                let c = self.cosine(&entries[i].terms, norms[i], &entries[j].terms, norms[j]);
                sim[i * m + j] = c;
                sim[j * m + i] = c;
            }
        }
        let min_part = self.config.split_min_part.max(1) as usize;
        let Some((side, ratio)) = bipartition(&sim, m, min_part) else {
            return sid;
        };
        let exclusive = self.exclusive_share(&entries, &side);
        if ratio > self.config.split_ratio || exclusive < self.config.split_exclusive {
            return sid;
        }
        // The side with more articles keeps the id (the one with the oldest member on a tie).
        let articles = |d: &DocEntry| 1 + self.dup.item(&d.id).map_or(0, |it| it.copies.len());
        let count = |want: bool| -> usize {
            entries
                .iter()
                .zip(&side)
                .filter(|(_, &s)| s == want)
                .map(|(d, _)| articles(d))
                .sum()
        };
        let (a_true, a_false) = (count(true), count(false));
        let keep_side = if a_true != a_false {
            a_true > a_false
        } else {
            side[0]
        };
        let nid = self.next_story;
        self.next_story += 1;
        // Both parts keep the story's last activity (it just grew, so this is the clock, and
        // the expiry queue stays in order).
        let last_seen = s_last_seen;
        let build = |want: bool| -> Story {
            let mut centroid = Vec::new();
            let mut term_counts = Vec::new();
            let (mut vectors, mut long_vectors, mut arts) = (0u32, 0u32, 0u32);
            let (mut t_min, mut t_max) = (None::<i64>, None::<i64>);
            let mut mem = Vec::new();
            for ((d, &q), (&s, &nm)) in entries.iter().zip(&members).zip(side.iter().zip(&norms)) {
                if s != want {
                    continue;
                }
                let inv = if nm > 0.0 { 1.0 / nm } else { 0.0 };
                let scaled: Vec<(u32, f32)> = d.terms.iter().map(|&(t, r)| (t, r * inv)).collect();
                centroid = add_sparse(&centroid, &scaled);
                let ones: Vec<(u32, u32)> = d.terms.iter().map(|&(t, _)| (t, 1)).collect();
                term_counts = add_counts(&term_counts, &ones);
                vectors += 1;
                long_vectors += d.long as u32;
                arts += articles(d) as u32;
                if let Some(t) = d.time {
                    t_min = Some(t_min.map_or(t, |x| x.min(t)));
                    t_max = Some(t_max.map_or(t, |x| x.max(t)));
                }
                mem.push(q);
            }
            Story {
                centroid,
                members: mem,
                articles: arts,
                t_min,
                t_max,
                last_seen,
                term_counts,
                vectors,
                long_vectors,
                split_checked: vectors,
                derived: StoryDerived::default(),
            }
        };
        let kept = build(keep_side);
        let moved = build(!keep_side);
        let moved_ids: Vec<String> = entries
            .iter()
            .zip(&side)
            .filter(|(_, &s)| s != keep_side)
            .flat_map(|(d, _)| {
                let mut v = vec![d.id.clone()];
                if let Some(it) = self.dup.item(&d.id) {
                    v.extend(it.copies.iter().cloned());
                }
                v
            })
            .collect();
        let in_moved = moved.members.binary_search(&seq).is_ok();
        for &q in &moved.members {
            self.docs[(q - self.first_seq) as usize].story = nid;
        }
        for id in moved_ids {
            if let Some(s) = self.ids.get_mut(&id) {
                *s = nid;
            }
        }
        self.stories.insert(sid, kept);
        self.stories.insert(nid, moved);
        self.expiry.push_back((last_seen, nid));
        self.apart.push((sid, nid));
        self.events.push(StoryEvent::Split {
            from: sid,
            new: nid,
        });
        self.last_splits.push((sid, nid, ratio));
        for x in [sid, nid] {
            self.prune_centroid(x);
            self.refresh_story(x);
        }
        if in_moved {
            nid
        } else {
            sid
        }
    }

    /// Stories with members indexed under the strongest centroid terms of `sid`.
    fn stories_near_centroid(&self, sid: StoryId) -> Vec<StoryId> {
        let Some(story) = self.stories.get(&sid) else {
            return Vec::new();
        };
        if story.vectors < self.config.merge_min_size {
            return Vec::new();
        }
        let mut top: Vec<(u32, f32)> = story
            .centroid
            .iter()
            .map(|&(t, w)| (t, w * self.vocab.m(t)))
            .collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1));
        let cap = ((self.docs.len() as f32 * self.config.max_posting_share) as usize).max(200);
        let mut acc: FxHashMap<StoryId, f32> = FxHashMap::default();
        for &(t, w) in top.iter().take(self.config.merge_probe_terms) {
            let Some(list) = self.postings.get(&t) else {
                continue;
            };
            if list.len() > cap {
                continue;
            }
            for &seq in list.iter().filter(|&&q| q >= self.first_seq) {
                let d = &self.docs[(seq - self.first_seq) as usize];
                if d.story != sid {
                    *acc.entry(d.story).or_insert(0.0) += w;
                }
            }
        }
        let mut v: Vec<(StoryId, f32)> = acc.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(8).map(|x| x.0).collect()
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
        k.term_counts = add_counts(&k.term_counts, &g.term_counts);
        k.vectors += g.vectors;
        k.long_vectors += g.long_vectors;
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
        self.refresh_story(keep);
        keep
    }

    fn prune_centroid(&mut self, sid: StoryId) {
        let max = self.config.max_centroid_terms;
        let Some(s) = self.stories.get(&sid) else {
            return;
        };
        if s.term_counts.len() > 3 * max {
            let mut c = s.term_counts.clone();
            c.sort_by(|a, b| {
                (b.1 as f32 * self.vocab.m(b.0)).total_cmp(&(a.1 as f32 * self.vocab.m(a.0)))
            });
            c.truncate(2 * max);
            c.sort_by_key(|x| x.0);
            self.stories
                .get_mut(&sid)
                .expect("story exists")
                .term_counts = c;
        }
        let s = &self.stories[&sid];
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
        let evicted_before = self.first_seq;
        let mut closed = false;
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
                closed = true;
            }
        }
        if closed && !self.apart.is_empty() {
            let apart = std::mem::take(&mut self.apart);
            self.apart = apart
                .into_iter()
                .filter(|&(a, b)| {
                    self.stories.contains_key(&self.resolve(a))
                        && self.stories.contains_key(&self.resolve(b))
                })
                .collect();
        }
        while self.id_order.front().is_some_and(|(a, _)| *a < cutoff) {
            let (_, id) = self.id_order.pop_front().expect("non-empty");
            self.ids.remove(&id);
        }
        self.dup.expire(cutoff);
        // Sweep dead postings now and then (queried lists are trimmed as they are used).
        if self.first_seq / 4096 != evicted_before / 4096 {
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

        let words: Vec<u64> = title
            .iter()
            .chain(&body)
            .map(|t| crate::text::fnv1a(t.lower.as_bytes()))
            .collect();

        let mut tf: FxHashMap<u32, [u16; 4]> = FxHashMap::default();
        let title_case = is_title_case(&title);
        let bigrams = self.config.bigram_weight > 0.0;
        let mut tf2: FxHashMap<u32, [u16; 4]> = FxHashMap::default();
        let mut count = |vocab: &mut Vocab,
                         toks: &[Token],
                         field: usize,
                         informative_caps: bool,
                         lead: usize| {
            let mut prev: Option<(u32, u32)> = None;
            for (i, t) in toks.iter().enumerate() {
                if t.lower.chars().nth(1).is_none() || is_stopword(&t.lower) {
                    continue;
                }
                let id = vocab.term(&lang, &t.lower);
                let f = if field == 2 && i >= lead { 3 } else { field };
                let e = tf.entry(id).or_insert([0; 4]);
                e[f] = e[f].saturating_add(1);
                if bigrams {
                    if let Some((p, sentence)) = prev {
                        if sentence == t.sentence {
                            let b = vocab.pair_term(p, id);
                            let e = tf2.entry(b).or_insert([0; 4]);
                            e[f] = e[f].saturating_add(1);
                        }
                    }
                    prev = Some((id, t.sentence));
                }
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
            if long {
                self.config.title_weight_long
            } else {
                self.config.title_weight
            },
            self.config.slug_weight,
            self.config.lead_weight,
            self.config.body_weight,
        ];
        self.vocab.n_docs += 1;
        let boost = self.config.entity_boost;
        let mut terms: Vec<(u32, f32)> = Vec::with_capacity(tf.len());
        let bw = self.config.bigram_weight;
        for (scale, map) in [(1.0, tf), (bw, tf2)] {
            for (id, counts) in map {
                self.vocab.df[id as usize] += 1;
                let mut w = 0.0;
                for f in 0..4 {
                    if counts[f] > 0 {
                        w += fw[f] * (1.0 + (counts[f] as f32).ln());
                    }
                }
                terms.push((id, w * scale));
            }
        }
        self.vocab.mult.resize(self.vocab.df.len(), 0.0);
        for &(id, _) in &terms {
            self.vocab.refresh(id, boost, self.config.idf_add);
        }
        Features { terms, words, long }
    }

    /// Share (by term weight) of the story's consistent terms that the article contains.
    fn coverage(&self, doc_terms: &[u32], story: &Story) -> f32 {
        if story.derived.consistent_total <= 0.0 {
            return 1.0;
        }
        let have: f32 = story
            .derived
            .consistent
            .iter()
            .filter(|(t, _)| doc_terms.binary_search(t).is_ok())
            .map(|x| x.1)
            .sum();
        have / story.derived.consistent_total
    }

    /// True when the story has consistent terms that are not names and the article has none of
    /// them (it shares only names with the story: another story about the same people).
    fn shares_only_names(&self, doc_terms: &[u32], story: &Story) -> bool {
        let mut any = false;
        for &(t, _) in &story.derived.consistent {
            if self.vocab.nameness(t) >= 0.5 {
                continue;
            }
            any = true;
            if doc_terms.binary_search(&t).is_ok() {
                return false;
            }
        }
        any
    }

    /// Share (by term weight) of story `a`'s consistent terms that are common in story `b` too
    /// (in a quarter of its members or more).
    fn story_coverage(&self, a: &Story, b: &Story) -> f32 {
        if a.derived.consistent_total <= 0.0 {
            return 1.0;
        }
        let mut have = 0.0f32;
        for &(t, w) in &a.derived.consistent {
            if let Ok(i) = b.term_counts.binary_search_by_key(&t, |x| x.0) {
                if b.term_counts[i].1 * 4 >= b.vectors {
                    have += w;
                }
            }
        }
        have / a.derived.consistent_total
    }

    /// Recomputes a story's derived values (after it changed or the weights moved).
    fn refresh_story(&mut self, sid: StoryId) {
        let Some(s) = self.stories.get(&sid) else {
            return;
        };
        let norm = self.norm(&s.centroid);
        let mut consistent = Vec::new();
        let mut total = 0.0;
        if s.vectors == 1 && self.config.single_consistent_terms > 0 {
            // One member: its strongest terms stand in for the consistent ones.
            let mut top: Vec<(u32, f32)> = s
                .centroid
                .iter()
                .map(|&(t, w)| (t, w * self.vocab.m(t)))
                .collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            for &(t, _) in top.iter().take(self.config.single_consistent_terms) {
                let w = self.vocab.m(t);
                consistent.push((t, w));
                total += w;
            }
            consistent.sort_by_key(|x| x.0);
        } else if s.vectors >= 2 {
            for &(t, c) in &s.term_counts {
                if c * 2 >= s.vectors {
                    let w = self.vocab.m(t) * c as f32 / s.vectors as f32;
                    consistent.push((t, w));
                    total += w;
                }
            }
        }
        let s = self.stories.get_mut(&sid).expect("story exists");
        s.derived = StoryDerived {
            norm,
            consistent,
            consistent_total: total,
        };
    }

    fn refresh_all_stories(&mut self) {
        let ids: Vec<StoryId> = self.stories.keys().copied().collect();
        for sid in ids {
            self.refresh_story(sid);
        }
    }

    /// Share (by weight) of the article's strongest terms that some member of the story has.
    fn reverse_coverage(&self, salient: &[(u32, f32)], story: &Story) -> f32 {
        let (mut have, mut total) = (0.0f32, 0.0f32);
        for &(t, w) in salient {
            total += w;
            if story.term_counts.binary_search_by_key(&t, |x| x.0).is_ok() {
                have += w;
            }
        }
        if total > 0.0 {
            have / total
        } else {
            1.0
        }
    }

    fn norm(&self, v: &[(u32, f32)]) -> f32 {
        v.iter()
            .map(|&(t, r)| (r * self.vocab.m(t)).powi(2))
            .sum::<f32>()
            .sqrt()
    }

    /// Like [`Clusterer::cosine`] with `b`'s norm computed in the same pass (the same value as
    /// [`Clusterer::norm`] gives: the squares are summed in the same order).
    fn cosine_to(&self, a: &[(u32, f32)], na: f32, b: &[(u32, f32)]) -> f32 {
        let (mut i, mut dot, mut nb2) = (0, 0.0f32, 0.0f32);
        for &(t, rb) in b {
            let m = self.vocab.m(t);
            nb2 += (rb * m).powi(2);
            while i < a.len() && a[i].0 < t {
                i += 1;
            }
            if i < a.len() && a[i].0 == t {
                dot += a[i].1 * rb * m * m;
                i += 1;
            }
        }
        let nb = nb2.sqrt();
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        dot / (na * nb)
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
        } else if self.config.time_tail_power > 0.0 {
            (1.0 + hours / self.config.time_scale_hours).powf(-self.config.time_tail_power) as f32
        } else {
            (-hours / self.config.time_scale_hours).exp() as f32
        }
    }
}

/// The best bipartition of `n` items by their similarity matrix `sim` (row-major) with both
/// sides of at least `min_part` items, and its ratio: mean similarity across the sides over the
/// geometric mean of the mean similarities inside them (lower: a cleaner cut).
///
/// Each of up to 12 items spread over the list, with the item least similar to it, seeds a
/// two-way partition, which is refined by moving every item to the side it is more similar to
/// on average.
fn bipartition(sim: &[f32], n: usize, min_part: usize) -> Option<(Vec<bool>, f32)> {
    if n < 2 * min_part.max(1) {
        return None;
    }
    let mut best: Option<(Vec<bool>, f32)> = None;
    let mut tried: Vec<(usize, usize)> = Vec::new();
    // At most SEEDS seed items, spread over the members (cost bound for large stories).
    const SEEDS: usize = 12;
    let step = n.div_ceil(SEEDS);
    for i in (0..n).step_by(step) {
        let row = &sim[i * n..(i + 1) * n];
        let j = (0..n)
            .filter(|&j| j != i)
            .min_by(|&a, &b| row[a].total_cmp(&row[b]).then(a.cmp(&b)))?;
        let pair = (i.min(j), i.max(j));
        if tried.contains(&pair) {
            continue;
        }
        tried.push(pair);
        let mut side: Vec<bool> = (0..n).map(|k| sim[k * n + i] >= sim[k * n + j]).collect();
        side[i] = true;
        side[j] = false;
        for _ in 0..10 {
            let mut next = side.clone();
            for k in 0..n {
                let (mut st, mut nt, mut sf, mut nf) = (0.0f32, 0usize, 0.0f32, 0usize);
                for l in 0..n {
                    if l == k {
                        continue;
                    }
                    if side[l] {
                        st += sim[k * n + l];
                        nt += 1;
                    } else {
                        sf += sim[k * n + l];
                        nf += 1;
                    }
                }
                if nt > 0 && nf > 0 {
                    next[k] = st / nt as f32 >= sf / nf as f32;
                }
            }
            if next == side || next.iter().all(|&x| x) || next.iter().all(|&x| !x) {
                break;
            }
            side = next;
        }
        let size_t = side.iter().filter(|&&x| x).count();
        if size_t < min_part || n - size_t < min_part {
            continue;
        }
        let (mut intra_t, mut intra_f, mut cross) = (0.0f64, 0.0f64, 0.0f64);
        for k in 0..n {
            for l in k + 1..n {
                let v = sim[k * n + l] as f64;
                match (side[k], side[l]) {
                    (true, true) => intra_t += v,
                    (false, false) => intra_f += v,
                    _ => cross += v,
                }
            }
        }
        let size_f = n - size_t;
        let pairs = |s: usize| (s * (s - 1) / 2) as f64;
        let it = intra_t / pairs(size_t);
        let inf = intra_f / pairs(size_f);
        let cr = cross / (size_t * size_f) as f64;
        let inside = (it * inf).sqrt();
        let ratio = if inside > 0.0 {
            (cr / inside) as f32
        } else {
            f32::INFINITY
        };
        if best.as_ref().is_none_or(|b| ratio < b.1) {
            best = Some((side, ratio));
        }
    }
    best
}

/// Sum of two sparse count vectors sorted by term id.
fn add_counts(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
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
