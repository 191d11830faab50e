//! Plain data types that flow through roundup's pipeline.
//!
//! ```text
//! Outlet ─fetch─▶ FetchOutcome ─parse─▶ FeedEntry ─fetch page─▶ Page ─extract─▶ Article
//! ```
//!
//! Every stage is a function from one of these owned values to the next, so each stage can be
//! tested with a value in and a value out, and every value can be stored. This crate does no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Political leaning of an outlet, from public media-bias ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lean {
    /// Left.
    Left,
    /// Center-left.
    CenterLeft,
    /// Center / least biased.
    Center,
    /// Center-right.
    CenterRight,
    /// Right.
    Right,
}

/// The coarse three-way side used by coverage bars (left / center / right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Left and center-left outlets.
    Left,
    /// Center outlets.
    Center,
    /// Right and center-right outlets.
    Right,
}

impl Lean {
    /// All leanings, left to right.
    pub const ALL: [Lean; 5] = [
        Lean::Left,
        Lean::CenterLeft,
        Lean::Center,
        Lean::CenterRight,
        Lean::Right,
    ];

    /// The stable text form used in config files, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Lean::Left => "left",
            Lean::CenterLeft => "center-left",
            Lean::Center => "center",
            Lean::CenterRight => "center-right",
            Lean::Right => "right",
        }
    }

    /// The coverage-bar side this leaning counts towards.
    pub fn side(self) -> Side {
        match self {
            Lean::Left | Lean::CenterLeft => Side::Left,
            Lean::Center => Side::Center,
            Lean::CenterRight | Lean::Right => Side::Right,
        }
    }
}

impl fmt::Display for Lean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a text that names no known enum value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownValue {
    /// What was being parsed ("lean", "section").
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: &'static str,
}

impl FromStr for Lean {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Ok(match norm.as_str() {
            "left" => Lean::Left,
            "center-left" | "centre-left" | "lean-left" => Lean::CenterLeft,
            "center" | "centre" => Lean::Center,
            "center-right" | "centre-right" | "lean-right" => Lean::CenterRight,
            "right" => Lean::Right,
            _ => {
                return Err(UnknownValue {
                    kind: "lean",
                    value: s.to_string(),
                    expected: "left, center-left, center, center-right, right",
                })
            }
        })
    }
}

/// A section of the site a story is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// International news.
    World,
    /// Politics and government.
    Politics,
    /// Business, markets and the economy.
    Business,
    /// Technology.
    Technology,
    /// Science and environment.
    Science,
    /// Health and medicine.
    Health,
    /// Sports.
    Sports,
    /// Arts, culture and entertainment.
    Culture,
    /// Opinion and commentary.
    Opinion,
    /// Local and regional news.
    Local,
}

impl Section {
    /// All sections in display order.
    pub const ALL: [Section; 10] = [
        Section::World,
        Section::Politics,
        Section::Business,
        Section::Technology,
        Section::Science,
        Section::Health,
        Section::Sports,
        Section::Culture,
        Section::Opinion,
        Section::Local,
    ];

    /// The stable text form (URL slug, database value).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::World => "world",
            Section::Politics => "politics",
            Section::Business => "business",
            Section::Technology => "technology",
            Section::Science => "science",
            Section::Health => "health",
            Section::Sports => "sports",
            Section::Culture => "culture",
            Section::Opinion => "opinion",
            Section::Local => "local",
        }
    }

    /// Human title ("Technology").
    pub fn title(self) -> &'static str {
        match self {
            Section::World => "World",
            Section::Politics => "Politics",
            Section::Business => "Business",
            Section::Technology => "Technology",
            Section::Science => "Science",
            Section::Health => "Health",
            Section::Sports => "Sports",
            Section::Culture => "Culture",
            Section::Opinion => "Opinion",
            Section::Local => "Local",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Section {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        Ok(match norm.as_str() {
            "world" | "international" => Section::World,
            "politics" => Section::Politics,
            "business" | "economy" | "markets" => Section::Business,
            "technology" | "tech" => Section::Technology,
            "science" | "environment" => Section::Science,
            "health" => Section::Health,
            "sports" | "sport" => Section::Sports,
            "culture" | "arts" | "entertainment" => Section::Culture,
            "opinion" => Section::Opinion,
            "local" | "regional" => Section::Local,
            _ => {
                return Err(UnknownValue {
                    kind: "section",
                    value: s.to_string(),
                    expected: "world, politics, business, technology, science, health, sports, culture, opinion, local",
                })
            }
        })
    }
}

/// A news outlet roundup follows: one feed of one publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlet {
    /// Store id (0 before insertion).
    pub id: i64,
    /// Display name ("The Harbor Gazette").
    pub name: String,
    /// Home page URL, if known.
    pub homepage: Option<String>,
    /// URL of the feed that is polled.
    pub feed_url: String,
    /// Political leaning, if rated.
    pub lean: Option<Lean>,
    /// Region code or name ("us", "uk", "global").
    pub region: Option<String>,
    /// BCP-47 language tag of the outlet's content.
    pub language: Option<String>,
    /// Section hint for the outlet's articles (a tech site files under technology).
    pub section_hint: Option<Section>,
    /// Paused outlets are not fetched.
    pub paused: bool,
}

/// One entry (item) of a feed, normalized across RSS, Atom and JSON Feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The entry's GUID / Atom id / JSON Feed id, if the feed gives one.
    pub guid: Option<String>,
    /// The entry's link, resolved against the feed's base and normalized.
    pub url: Option<String>,
    /// Title as plain text.
    pub title: String,
    /// Summary / description as plain text.
    pub summary: String,
    /// Summary or content as sanitized HTML (safe to render).
    pub summary_html: String,
    /// Full content as plain text, when the feed carries it (content:encoded, atom:content).
    pub content: String,
    /// Author names.
    pub authors: Vec<String>,
    /// Category / tag labels.
    pub categories: Vec<String>,
    /// Publication time, if given and parseable.
    pub published: Option<DateTime<Utc>>,
    /// Last update time, if given.
    pub updated: Option<DateTime<Utc>>,
    /// Lead image URL (enclosure, media:content, JSON Feed image).
    pub image: Option<String>,
    /// Position of the entry in its feed (0 = first), a prominence signal.
    pub position: u32,
}

impl FeedEntry {
    /// The key used to deduplicate entries within an outlet: GUID, else canonical URL, else title.
    pub fn dedup_key(&self) -> String {
        if let Some(g) = self.guid.as_deref().filter(|g| !g.trim().is_empty()) {
            return format!("guid:{}", g.trim());
        }
        if let Some(u) = self.url.as_deref().filter(|u| !u.trim().is_empty()) {
            return format!("url:{}", u.trim());
        }
        format!("title:{}", self.title.trim())
    }
}

/// An article's extracted content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Canonical URL of the page.
    pub url: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Body text with paragraphs separated by blank lines.
    pub text: String,
    /// Sanitized minimal HTML of the body (paragraphs, headings, lists, quotes, links).
    pub html: String,
    /// Author names.
    pub authors: Vec<String>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Last update time.
    pub updated: Option<DateTime<Utc>>,
    /// Language (ISO 639-1, e.g. "en").
    pub language: Option<String>,
    /// Lead image URL.
    pub image: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Description / standfirst.
    pub description: Option<String>,
}
