//! Near-duplicate detection and incremental story clustering.
//!
//! Main types:
//! - [`Clusterer`]: online clustering of articles into stories over a rolling window
//!   ([`ClusterConfig::window_hours`], default 72 h). Feed each article with
//!   [`Clusterer::ingest`] as it arrives; it returns the story ([`Assignment`]). Story ids are
//!   stable: an id, once given, names the same story until it is merged into another, which is
//!   reported as [`StoryEvent::Merged`] (old id → surviving id) so a store can redirect.
//! - [`dedup::DupIndex`]: MinHash near-duplicate index. The clusterer uses it to fold
//!   syndicated copies into one canonical item that remembers every outlet that ran it.
//! - [`Doc`]: the article fields the clusterer reads.
//!
//! Persistence: [`Clusterer::to_json`] / [`Clusterer::from_json`] snapshot the state (indexes are
//! rebuilt on load). The state is also a deterministic function of the articles and arrival
//! times fed, so a pipeline may instead replay the last window of articles in order.

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
