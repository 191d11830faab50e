//! Near-duplicate detection and incremental story clustering.
//!
//! Main types:
//! - [`Clusterer`]: online clustering of articles into stories over a rolling window
//!   ([`ClusterConfig::window_hours`], default 72 h). Feed each article with
//!   [`Clusterer::ingest`] (or [`Clusterer::ingest_in_order`]) as it arrives; it returns the
//!   story ([`Assignment`]). Story ids are stable: an id, once given, names the same story until
//!   it is merged into another, which is reported as [`StoryEvent::Merged`] (old id → surviving
//!   id) so a store can redirect, or split, reported as [`StoryEvent::Split`] (the story keeps
//!   its id, some of its articles move to a new one: [`Clusterer::story_of`] gives an article's
//!   current story); stories with no article for a whole window are closed
//!   ([`StoryEvent::Expired`]). Articles never move between stories except through a merge or a
//!   split.
//! - [`dedup::DupIndex`]: MinHash near-duplicate index (48 hashes over word shingles, LSH
//!   bands). The clusterer uses it to fold syndicated copies into one canonical item that
//!   remembers every outlet that ran it ([`Clusterer::duplicates`]).
//! - [`Doc`]: the article fields the clusterer reads; [`batch`]: the JSONL evaluation
//!   interface behind `roundup cluster`; [`synth`]: the seeded generator behind
//!   `roundup bench cluster`.
//!
//! How an article is placed (see [`cluster`] for details): a sparse vector of stemmed words (title,
//! URL slug, lead and body as weighted fields; IDF from the stream; words that are usually
//! capitalized mid-sentence boosted as names) is compared, via an inverted index over the window,
//! with candidate stories: centroid similarity blended with the closest members, damped by the time
//! gap, and for full-text stories weighed by how many of the story's consistent terms the article
//! shares (two different events of one kind share topic words but not their names and numbers); a
//! headline that shares only names with a story (none of its consistent other words) is discounted,
//! as another story about the same people. Below the threshold the article opens a story. Stories
//! that turn out to be one are merged (reported as [`StoryEvent::Merged`]): two stories the new
//! article resembles merge on centroid similarity, against a threshold growing with their size (the
//! full-text threshold when either story is mostly full text) and, for full-text stories, mutual
//! coverage; and a one-article story that the new article could have joined as well is
//! reconsidered: its article is scored again, as an article, against the story the new one joined,
//! and merged into it when it now comes close enough to that story's join threshold (the new
//! article bridges the two). A full-text story that grew (from 6 members, checked again as it
//! grows by 15 %) is split in two (reported as [`StoryEvent::Split`]) when the best bipartition
//! of its members is far more cohesive inside than across and each part has consistent terms of
//! its own that no member of the other part has: two events of one kind (two navies' pirate
//! arrests) that were joined through their shared topic words while the early reports were
//! vague. Parts split apart never merge again.
//!
//! Persistence: [`Clusterer::to_json`] / [`Clusterer::from_json`] snapshot the state (term
//! statistics, window articles, stories, duplicate items, merge redirects, split pairs); the inverted index
//! and LSH bands are rebuilt on load, and a restored clusterer continues exactly as the original
//! would have. The state is also a deterministic function of the articles and arrival times fed:
//! replaying the same articles from the start gives the same ids, and a pipeline that lost its
//! snapshot can rebuild a working state by replaying the last window of articles in order (with
//! new story ids, which it then maps to its stored ones by their articles).

pub mod batch;
pub mod cluster;
pub mod dedup;
pub mod synth;
pub mod text;

pub use cluster::{ClusterConfig, Clusterer};

use chrono::{DateTime, Utc};

/// A story id: a positive integer, unique within one clusterer's lifetime.
pub type StoryId = u64;

/// The article fields the clusterer reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    /// Unique article id.
    pub id: String,
    /// Outlet name (used by the near-duplicate index to list who ran a story).
    pub outlet: String,
    /// Publication time, when known.
    pub published: Option<DateTime<Utc>>,
    /// Headline.
    pub title: String,
    /// Canonical URL (its slug words are a weak extra signal); may be empty.
    pub url: String,
    /// Body text; may be empty (headline-only input).
    pub text: String,
    /// ISO 639-1 language code for stemming (English when `None`).
    pub language: Option<String>,
}

impl Doc {
    /// Builds a `Doc` from an extracted article.
    pub fn from_article(
        id: impl Into<String>,
        outlet: impl Into<String>,
        a: &roundup_model::Article,
    ) -> Self {
        Doc {
            id: id.into(),
            outlet: outlet.into(),
            published: a.published,
            title: a.title.clone().unwrap_or_default(),
            url: a.url.clone().unwrap_or_default(),
            text: a.text.clone(),
            language: a.language.clone(),
        }
    }
}

/// Where [`Clusterer::ingest`] put an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The article's story (after any merge this article caused).
    pub story: StoryId,
    /// The article opened a new story.
    pub created: bool,
    /// The article is a near-duplicate folded into this canonical article.
    pub duplicate_of: Option<String>,
}

/// A change to the set of stories, for the store to mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum StoryEvent {
    /// A new story was opened.
    Created {
        /// Its id.
        story: StoryId,
    },
    /// Story `from` turned out to be the same as `into`; `from` no longer exists.
    Merged {
        /// The id that disappears.
        from: StoryId,
        /// The surviving id.
        into: StoryId,
    },
    /// Story `from` turned out to hold two stories: some of its articles now form story `new`
    /// (`from` keeps the rest and its id).
    Split {
        /// The story that was split (it keeps its id).
        from: StoryId,
        /// The new story holding the articles that moved.
        new: StoryId,
    },
    /// The story got no article for a whole window and was closed (it is final).
    Expired {
        /// Its id.
        story: StoryId,
    },
}

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// An article had an empty id.
    #[error("article id is empty")]
    EmptyId,
    /// An article id was fed twice within the window.
    #[error("article id {0:?} was already ingested")]
    DuplicateId(String),
    /// A saved state could not be written or read.
    #[error("clusterer state: {0}")]
    State(String),
}
