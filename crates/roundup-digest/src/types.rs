//! Public input and output types of the digest crate. All are plain serde data.

use chrono::{DateTime, Utc};
use roundup_model::{Lean, Section, Side};
use serde::{Deserialize, Serialize};

/// One article of a story, as the digest sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoryArticle {
    /// Outlet display name ("The Harbor Gazette").
    pub outlet: String,
    /// Outlet leaning, if rated.
    pub lean: Option<Lean>,
    /// Outlet region ("us", "uk", "global").
    pub region: Option<String>,
    /// Canonical article URL.
    pub url: Option<String>,
    /// Headline.
    pub title: String,
    /// Body text, paragraphs separated by blank lines.
    pub text: String,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Position of the entry in its outlet's feed (0 = lead), if known.
    pub position: Option<u32>,
    /// Feed category labels.
    pub categories: Vec<String>,
    /// The outlet's section hint (a tech site files under technology).
    pub section_hint: Option<Section>,
    /// Relative reach of the outlet (1.0 = typical); weights the distinct-outlet count.
    pub reach: Option<f64>,
}

/// A story: the articles of several outlets about one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Story {
    /// Stable story id (from the clusterer / store).
    pub id: String,
    /// The articles.
    pub articles: Vec<StoryArticle>,
}

/// Where a digest element comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// Outlet name.
    pub outlet: String,
    /// Article URL, if known.
    pub url: Option<String>,
}

/// Kind of an attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// Words in quotation marks.
    Direct,
    /// Reported speech without quotation marks ("X said that …", "according to X").
    Indirect,
}

/// A quotation (or reported statement) with its speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words (direct) or the reported content (indirect), without quote marks.
    pub text: String,
    /// The speaker, in the fullest form the article uses ("Prime Minister Ana Ruiz").
    pub speaker: String,
    /// The speaker's role when the article gives one in apposition ("the minister of finance").
    pub speaker_role: Option<String>,
    /// Direct or indirect.
    pub kind: QuoteKind,
    /// The outlets that reported it.
    pub reported_by: Vec<SourceRef>,
}

/// A key fact: one sentence chosen to summarize the story, with the outlets that state it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// The sentence.
    pub text: String,
    /// The outlet the sentence was taken from first, then corroborating outlets.
    pub sources: Vec<SourceRef>,
}

/// The chosen headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// Cleaned title text (outlet suffix removed).
    pub text: String,
    /// Outlet whose title was chosen.
    pub outlet: String,
    /// URL of that article.
    pub url: Option<String>,
}

/// A sentence that one side of the spectrum emphasizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerspectiveSentence {
    /// The sentence.
    pub text: String,
    /// Where it comes from.
    pub source: SourceRef,
}

/// What one side (left / center / right) emphasizes compared with the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Perspective {
    /// The side.
    pub side: Side,
    /// Distinct outlets of that side covering the story, sorted.
    pub outlets: Vec<String>,
    /// Terms this side uses more than the others, most distinctive first.
    pub distinctive_terms: Vec<String>,
    /// Distinctive sentences.
    pub sentences: Vec<PerspectiveSentence>,
}

/// Coverage by side, counted in distinct outlets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageBar {
    /// Distinct left and center-left outlets.
    pub left: usize,
    /// Distinct center outlets.
    pub center: usize,
    /// Distinct right and center-right outlets.
    pub right: usize,
    /// Distinct outlets without a rating.
    pub unrated: usize,
    /// Distinct outlets in total (rated and unrated).
    pub total: usize,
    /// Sides that barely cover the story although enough outlets do (see `DigestConfig`).
    pub blindspots: Vec<Side>,
}

/// One coverage link in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Publication time, if known.
    pub published: Option<DateTime<Utc>>,
    /// Outlet name.
    pub outlet: String,
    /// Article title.
    pub title: String,
    /// Article URL.
    pub url: Option<String>,
    /// Outlet leaning.
    pub lean: Option<Lean>,
}

/// A run of hours with unusually much coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Burst {
    /// Start of the first hour of the burst.
    pub start: DateTime<Utc>,
    /// End of the last hour of the burst.
    pub end: DateTime<Utc>,
    /// Articles published in it.
    pub articles: usize,
}

/// Coverage over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// First dated report.
    pub first_report: Option<TimelineEntry>,
    /// Time of the latest dated report.
    pub last_report_at: Option<DateTime<Utc>>,
    /// Articles per hour, from the first to the last dated report: (hour start, count).
    pub hourly: Vec<(DateTime<Utc>, usize)>,
    /// Bursts of coverage.
    pub bursts: Vec<Burst>,
    /// Every coverage link, oldest first (undated last).
    pub entries: Vec<TimelineEntry>,
}

/// Good-news assessment of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoodNewsScore {
    /// Score in [-1, 1]: constructive/positive minus negative evidence, normalized.
    pub score: f64,
    /// Positive (or negated negative) hits, e.g. "rescued", "no deaths".
    pub positive: Vec<String>,
    /// Negative (or negated positive) hits, e.g. "killed", "not a success".
    pub negative: Vec<String>,
    /// Whether the score reaches the threshold.
    pub is_good: bool,
}

/// Section classification with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    /// The chosen section.
    pub section: Section,
    /// Share of the total evidence that the chosen section has (0–1).
    pub confidence: f64,
    /// Evidence per section, highest first (sections with zero evidence omitted).
    pub scores: Vec<(Section, f64)>,
}

/// The full digest of one story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// Story id.
    pub story_id: String,
    /// Representative headline.
    pub headline: Headline,
    /// One-sentence summary (the first key fact, or the headline when the text is empty).
    pub summary: String,
    /// Key facts, 3–6 when the text allows.
    pub facts: Vec<Fact>,
    /// Direct quotes with speakers, most widely reported first.
    pub quotes: Vec<Quote>,
    /// Indirect attributions ("according to X", "X said that …").
    pub attributions: Vec<Quote>,
    /// Per-side perspectives (only sides that cover the story).
    pub perspectives: Vec<Perspective>,
    /// Coverage bar.
    pub coverage: CoverageBar,
    /// Timeline.
    pub timeline: Timeline,
    /// Section.
    pub section: SectionScore,
    /// Good-news score.
    pub good_news: GoodNewsScore,
}
