//! A fictional news world for `roundup demo`, clustering evaluation and digest golden tests.
//!
//! Everything here is invented and written for roundup: 16 outlets (a wire service, national
//! papers of every leaning, two local papers, a tech site, a business paper, a science & health
//! outlet) in five fictional regions, and two days of news (2026-11-30 and 2026-12-01, UTC) —
//! stories covered by up to ten outlets with different angles, wire copy republished by several
//! outlets, single-outlet stories and good-news stories. The data lives in TOML files under
//! `data/` (embedded with `include_str!`); this crate resolves it and renders it into the files a
//! loopback HTTP server serves.
//!
//! # Using it
//!
//! ```
//! // Every file of every outlet's site, keyed by request path.
//! let site = roundup_sample::build_site("http://127.0.0.1:8080");
//! let (content_type, body) = site.get("/meridian-wire/feed.xml").unwrap();
//! assert!(content_type.starts_with("application/rss+xml"));
//! assert!(!body.is_empty());
//!
//! // The outlets to follow (feed URLs for that base).
//! for o in roundup_sample::outlets_at("http://127.0.0.1:8080") {
//!     let _outlet: roundup_model::Outlet = o.to_model();
//! }
//!
//! // Gold story labels in the clustering JSONL format of `shared/eval/clustering`.
//! let jsonl = roundup_sample::stories_jsonl();
//! assert!(jsonl.lines().count() >= 120);
//! ```
//!
//! * [`build_site`] — request path → (content type, bytes) for every outlet's home page, feed,
//!   article pages and `robots.txt`, plus a root index and `/robots.txt`.
//! * [`outlets`] / [`outlets_at`] — the outlets with homepage and feed URLs.
//! * [`world`] — the resolved data: outlets, stories (with the gold label), articles (with the
//!   exact body text each page shows, quotes with their speakers, syndication links).
//! * [`stories_jsonl`] / [`stories_jsonl_at`] — the labelled export
//!   `{"id","story","outlet","published","title","url","text"}`, one article per line, in
//!   publication order. `id` is the article's URL path without the leading slash (it does not
//!   reveal the label); `text` is the body as paragraphs separated by blank lines, exactly what the
//!   article page shows as its body.
//!
//! * [`serve::spawn`] (feature `serve`, default) — binds a loopback port and serves the site in a
//!   background tokio task; [`serve::router`] gives the axum router to mount yourself.
//!
//! Output is deterministic: the same base URL always gives byte-identical files.
//!
//! # The data
//!
//! `data/outlets.toml` lists the outlets; `data/stories/*.toml` hold the stories, each with its
//! articles (original text, or a wire copy described as edits of the wire's text). The schema is
//! described in `data/README.md`. Loading checks the data (unknown outlets, duplicate URLs, edits
//! that match nothing) and the tests check its shape, so editing a file and running
//! `cargo test -p roundup-sample` is enough.

#![warn(missing_docs)]

use chrono::{DateTime, Utc};
use roundup_model::{Lean, Section, Side};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

mod data;
mod render;
#[cfg(feature = "serve")]
pub mod serve;

pub use render::escape;

/// The base URL used by [`outlets`] and [`stories_jsonl`] when none is given.
pub const DEFAULT_BASE_URL: &str = "http://sample.roundup.invalid";

/// Error in the embedded data (only possible if a data file was edited badly; the crate's tests
/// load it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// A data file failed to parse or is inconsistent.
    #[error("sample data {file}: {message}")]
    Data {
        /// The data file (relative to `data/`).
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Feed format an outlet publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    /// RSS 2.0 (`/<slug>/feed.xml`).
    Rss,
    /// Atom 1.0 (`/<slug>/atom.xml`).
    Atom,
    /// JSON Feed 1.1 (`/<slug>/feed.json`).
    #[serde(rename = "json")]
    JsonFeed,
}

/// HTML layout family of an outlet's article pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `<article>` with a JSON-LD `NewsArticle` (headline, author, datePublished, articleBody).
    JsonLd,
    /// OpenGraph / `article:*` meta only; body in `<div class="story-body">` with "Read more" and ad slots.
    OpenGraph,
    /// No semantic tags, no metadata beyond `<title>`; paragraphs separated by `<br><br>` in divs.
    DivSoup,
    /// schema.org microdata (`itemprop="articleBody"` etc.), a figure with caption inside the body.
    Microdata,
    /// `<main><section>` with a dek, a pull quote repeating a sentence, byline at the bottom.
    Magazine,
}

/// How an outlet's article URLs look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlStyle {
    /// `/<slug>/2026/11/30/<headline-slug>.html`
    Dated,
    /// `/<slug>/<section>/<headline-slug>`
    Section,
    /// `/<slug>/story/<6 digits>/<headline-slug>`
    Numeric,
}

/// What kind of publication an outlet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutletKind {
    /// A news agency whose copy other outlets republish.
    Wire,
    /// A national general-news outlet.
    National,
    /// A regional outlet.
    Regional,
    /// A local paper.
    Local,
    /// A business paper.
    Business,
    /// A technology site.
    Technology,
    /// A science and health outlet.
    Science,
}

/// One fictional outlet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleOutlet {
    /// URL prefix of the outlet's site: its pages live under `/<slug>/`.
    pub slug: String,
    /// Display name ("The Harbor Gazette").
    pub name: String,
    /// Publication kind.
    pub kind: OutletKind,
    /// Political leaning.
    pub lean: Lean,
    /// Fictional region code: `aldermark`, `velland`, `kestrel-isles`, `marovia` or `global`.
    pub region: String,
    /// BCP-47 language tag.
    pub language: String,
    /// Section the outlet's articles default to (tech site → technology), if any.
    pub section_hint: Option<Section>,
    /// Feed format.
    pub feed_format: FeedFormat,
    /// RSS only: items carry the full body as `content:encoded`.
    pub rss_content_encoded: bool,
    /// RSS only: authors as `dc:creator` (else `<author>`).
    pub rss_dc_creator: bool,
    /// Article page layout.
    pub layout: Layout,
    /// Article URL style.
    pub url_style: UrlStyle,
    /// Minutes east of UTC the outlet prints its times in (instants are the same).
    pub utc_offset_minutes: i32,
    /// The outlet's pages use straight quotes instead of typographic ones.
    pub straight_quotes: bool,
    /// Masthead tagline.
    pub tagline: String,
    /// Home page path (`/<slug>/`).
    pub homepage_path: String,
    /// Feed path (`/<slug>/feed.xml`, `/atom.xml` or `/feed.json`).
    pub feed_path: String,
    /// Home page URL at the base URL this value was made for ([`DEFAULT_BASE_URL`] from [`outlets`]).
    pub homepage_url: String,
    /// Feed URL at the base URL this value was made for.
    pub feed_url: String,
}

impl SampleOutlet {
    /// This outlet with URLs at another base URL (e.g. the demo server's `http://127.0.0.1:PORT`).
    pub fn at(&self, base_url: &str) -> SampleOutlet {
        let base = base_url.trim_end_matches('/');
        let mut o = self.clone();
        o.homepage_url = format!("{base}{}", self.homepage_path);
        o.feed_url = format!("{base}{}", self.feed_path);
        o
    }

    /// The outlet as the pipeline's [`roundup_model::Outlet`] (id 0, not paused).
    pub fn to_model(&self) -> roundup_model::Outlet {
        roundup_model::Outlet {
            id: 0,
            name: self.name.clone(),
            homepage: Some(self.homepage_url.clone()),
            feed_url: self.feed_url.clone(),
            lean: Some(self.lean),
            region: Some(self.region.clone()),
            language: Some(self.language.clone()),
            section_hint: self.section_hint,
            paused: false,
        }
    }
}

/// One story of the world: the gold label shared by every article covering it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleStory {
    /// Gold story label (e.g. `budget-vote`).
    pub id: String,
    /// Section the story belongs in.
    pub section: Section,
    /// A constructive / good-news story.
    pub good_news: bool,
    /// One neutral sentence saying what happened (for humans and golden tests).
    pub summary: String,
}

/// A direct quote in an article, with who said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleQuote {
    /// The speaker as named in the text ("Halvard Brenn", or a role: "a senior ministry official").
    pub speaker: String,
    /// The quoted words as they appear in the body (without the quote marks).
    pub text: String,
}

/// One article page of one outlet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleArticle {
    /// Stable id: the URL path without the leading slash. Does not reveal the story label.
    pub id: String,
    /// Gold story label ([`SampleStory::id`]).
    pub story: String,
    /// Outlet slug.
    pub outlet: String,
    /// Section the outlet files it under.
    pub section: Section,
    /// Whether the story is a good-news story.
    pub good_news: bool,
    /// Headline as printed.
    pub headline: String,
    /// Byline names (may be empty: some copies run unsigned).
    pub authors: Vec<String>,
    /// Dateline place ("VARSHOLM"), already included at the start of the first paragraph.
    pub dateline: Option<String>,
    /// Publication instant.
    pub published: DateTime<Utc>,
    /// Last update instant, if the article was updated.
    pub updated: Option<DateTime<Utc>>,
    /// Body paragraphs exactly as the page shows them.
    pub paragraphs: Vec<String>,
    /// Direct quotes in the body.
    pub quotes: Vec<SampleQuote>,
    /// For wire copies republished by another outlet: the id of the wire original.
    pub syndicated_from: Option<String>,
    /// Request path of the article page.
    pub path: String,
    #[serde(skip)]
    pub(crate) raw_paragraphs: Vec<String>,
    #[serde(skip)]
    pub(crate) raw_quotes: Vec<SampleQuote>,
}

impl SampleArticle {
    /// The body as plain text: paragraphs separated by blank lines.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The article's absolute URL at a base URL.
    pub fn url(&self, base_url: &str) -> String {
        format!("{}{}", base_url.trim_end_matches('/'), self.path)
    }

    /// The feed teaser: the lead's first sentence (without the dateline), at most ~240 characters.
    pub fn teaser(&self) -> String {
        render::teaser(self)
    }
}

/// The whole resolved world.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct World {
    /// Outlets in data-file order, with URLs at [`DEFAULT_BASE_URL`].
    pub outlets: Vec<SampleOutlet>,
    /// Stories in data-file order.
    pub stories: Vec<SampleStory>,
    /// Articles in publication order (ties broken by id).
    pub articles: Vec<SampleArticle>,
}

impl World {
    /// The outlet with this slug.
    pub fn outlet(&self, slug: &str) -> Option<&SampleOutlet> {
        self.outlets.iter().find(|o| o.slug == slug)
    }

    /// The story with this label.
    pub fn story(&self, id: &str) -> Option<&SampleStory> {
        self.stories.iter().find(|s| s.id == id)
    }

    /// Articles of one story, in publication order.
    pub fn articles_of_story<'a>(
        &'a self,
        story: &'a str,
    ) -> impl Iterator<Item = &'a SampleArticle> + 'a {
        self.articles.iter().filter(move |a| a.story == story)
    }

    /// How many distinct outlets of each coverage side (left / center / right) cover a story.
    pub fn coverage(&self, story: &str) -> BTreeMap<Side, usize> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = BTreeMap::new();
        for a in self.articles_of_story(story) {
            if seen.insert(a.outlet.as_str()) {
                if let Some(o) = self.outlet(&a.outlet) {
                    *out.entry(o.lean.side()).or_insert(0) += 1;
                }
            }
        }
        out
    }

    /// Articles of one outlet, newest first (feed order).
    pub fn articles_of_outlet(&self, slug: &str) -> Vec<&SampleArticle> {
        let mut v: Vec<&SampleArticle> =
            self.articles.iter().filter(|a| a.outlet == slug).collect();
        v.reverse();
        v
    }
}

/// Parses the embedded data files. [`world`] caches this; call it directly to get the error
/// instead of a panic if you edit the data.
pub fn load_world() -> Result<World, SampleError> {
    data::load()
}

/// The resolved world (parsed once, cached).
///
/// # Panics
/// Only if the embedded data is inconsistent, which the crate's own tests rule out.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| match data::load() {
        Ok(w) => w,
        Err(e) => panic!("embedded sample data is broken: {e}"),
    })
}

/// The outlets with URLs at [`DEFAULT_BASE_URL`].
pub fn outlets() -> Vec<SampleOutlet> {
    world().outlets.clone()
}

/// The outlets with URLs at `base_url` (what the demo subscribes to).
pub fn outlets_at(base_url: &str) -> Vec<SampleOutlet> {
    world().outlets.iter().map(|o| o.at(base_url)).collect()
}

/// The stories (gold labels).
pub fn stories() -> Vec<SampleStory> {
    world().stories.clone()
}

/// The articles in publication order.
pub fn articles() -> Vec<SampleArticle> {
    world().articles.clone()
}

/// One served file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleResource {
    /// `Content-Type` header value.
    pub content_type: String,
    /// Body bytes (UTF-8 text).
    pub body: Vec<u8>,
}

/// Every file of the sample world's sites, keyed by request path (path only, no query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSite {
    /// The base URL absolute links in the files point at (no trailing slash).
    pub base_url: String,
    /// Request path → file.
    pub resources: BTreeMap<String, SampleResource>,
}

impl SampleSite {
    /// The content type and body served at `path` (a query string or fragment is ignored).
    pub fn get(&self, path: &str) -> Option<(&str, &[u8])> {
        let p = path.split(['?', '#']).next().unwrap_or(path);
        self.resources
            .get(p)
            .map(|r| (r.content_type.as_str(), r.body.as_slice()))
    }

    /// All served paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.resources.keys().map(String::as_str)
    }

    /// Number of served files.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether nothing is served (never, for the built-in world).
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// Renders every outlet's site with absolute links at `base_url` (e.g. `http://127.0.0.1:8080`).
///
/// Paths served: `/` (index of outlets), `/robots.txt`, and per outlet `/<slug>/` (home page),
/// `/<slug>/robots.txt`, its feed ([`SampleOutlet::feed_path`]) and every article's
/// [`SampleArticle::path`].
pub fn build_site(base_url: &str) -> SampleSite {
    render::build_site(world(), base_url)
}

/// The labelled export in the clustering JSONL format, with URLs at [`DEFAULT_BASE_URL`].
pub fn stories_jsonl() -> String {
    stories_jsonl_at(DEFAULT_BASE_URL)
}

/// The labelled export with URLs at `base_url`: one line per article, publication order,
/// `{"id","story","outlet","published","title","url","text"}` where `outlet` is the display name
/// and `published` is RFC 3339 UTC.
pub fn stories_jsonl_at(base_url: &str) -> String {
    let w = world();
    let mut out = String::new();
    for a in &w.articles {
        let outlet = w
            .outlet(&a.outlet)
            .map(|o| o.name.as_str())
            .unwrap_or(a.outlet.as_str());
        let row = serde_json::json!({
            "id": a.id,
            "story": a.story,
            "outlet": outlet,
            "published": a.published.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "title": a.headline,
            "url": a.url(base_url),
            "text": a.text(),
        });
        out.push_str(&row.to_string());
        out.push('\n');
    }
    out
}
