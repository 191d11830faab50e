//! View models: what templates, feeds and the API show, read leniently from store rows,
//! digest JSON (`roundup_digest::Digest`) and edition snapshots.
//!
//! Lenient means: every field is looked up with a fallback, a missing or mistyped field gives
//! an empty value, and nothing here fails. The digest and edition formats can grow without
//! breaking a page.

use chrono::{DateTime, TimeZone, Utc};
use roundup_store::{EditionRow, StoryRow};
use serde::Serialize;
use serde_json::Value;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link target taken from untrusted data, made safe to put in `href`: absolute `http(s)`
/// URLs and site-relative paths pass, anything else (`javascript:`, `data:`, protocol-relative
/// `//host`, control characters) becomes the empty string, which templates treat as "no link".
pub fn safe_url(u: &str) -> String {
    let t = u.trim();
    if t.is_empty() || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return String::new();
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return t.to_string();
    }
    if t.starts_with('/') && !t.starts_with("//") && !t.starts_with("/\\") {
        return t.to_string();
    }
    String::new()
}

/// Looks up a path of object keys.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    Some(cur)
}

/// A string at a path ("" when absent or not a string; numbers are formatted).
pub fn text(v: &Value, path: &[&str]) -> String {
    match at(v, path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// First non-empty string among several paths.
pub fn first_text(v: &Value, paths: &[&[&str]]) -> String {
    for p in paths {
        let t = text(v, p);
        if !t.trim().is_empty() {
            return t;
        }
    }
    String::new()
}

/// A non-negative integer at a path (numbers given as floats or strings accepted).
pub fn count(v: &Value, path: &[&str]) -> Option<u64> {
    match at(v, path)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An array at a path (empty when absent).
pub fn list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    match at(v, path) {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    }
}

/// A time at a path: unix seconds or an RFC 3339 string.
pub fn time(v: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    match at(v, path)? {
        Value::Number(n) => n.as_i64().and_then(|s| Utc.timestamp_opt(s, 0).single()),
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        _ => None,
    }
}

/// Unix seconds to a UTC time (the epoch for out-of-range values).
pub fn from_unix(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

/// A time as shown to readers: "1 Dec 2026, 14:05 UTC".
pub fn human_time(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// A time shown as a value plus its machine-readable form for `<time datetime>`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TimeView {
    /// RFC 3339.
    pub iso: String,
    /// Human form.
    pub human: String,
}

impl TimeView {
    /// From a time.
    pub fn of(t: DateTime<Utc>) -> TimeView {
        TimeView {
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            human: human_time(t),
        }
    }
}

/// A link to a source: outlet name plus a safe URL ("" when none).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SourceView {
    /// Outlet name.
    pub outlet: String,
    /// Safe article URL or "".
    pub url: String,
}

fn source(v: &Value) -> SourceView {
    if let Value::String(s) = v {
        return SourceView {
            outlet: s.clone(),
            url: String::new(),
        };
    }
    SourceView {
        outlet: first_text(v, &[&["outlet"], &["name"]]),
        url: safe_url(&text(v, &["url"])),
    }
}

/// One segment of a coverage bar.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    /// "left", "center", "right", "unrated".
    pub side: &'static str,
    /// Label ("Left").
    pub label: &'static str,
    /// Distinct outlets.
    pub count: u64,
    /// Flex weight 1..=40 used by the CSS classes `g1`…`g40`.
    pub grow: u64,
}

/// Coverage by side, with segments for the bar.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CoverageView {
    /// Left + center-left outlets.
    pub left: u64,
    /// Center outlets.
    pub center: u64,
    /// Right + center-right outlets.
    pub right: u64,
    /// Unrated outlets.
    pub unrated: u64,
    /// All distinct outlets.
    pub total: u64,
    /// Non-empty segments, left to right.
    pub segments: Vec<Segment>,
    /// Accessible description ("Left 3, Center 2, Right 1 outlets").
    pub label: String,
    /// Sides flagged as blindspots ("right").
    pub blindspots: Vec<String>,
}

impl CoverageView {
    /// From a digest `coverage` object (missing counts are 0).
    pub fn from_json(c: &Value) -> CoverageView {
        let left = count(c, &["left"]).unwrap_or(0);
        let center = count(c, &["center"]).unwrap_or(0);
        let right = count(c, &["right"]).unwrap_or(0);
        let unrated = count(c, &["unrated"]).unwrap_or(0);
        let total = count(c, &["total"])
            .unwrap_or(0)
            .max(left + center + right + unrated);
        let blindspots = list(c, &["blindspots"])
            .iter()
            .filter_map(|b| b.as_str().map(|s| s.to_string()))
            .collect();
        CoverageView::build(left, center, right, unrated, total, blindspots)
    }

    /// From counts.
    pub fn build(
        left: u64,
        center: u64,
        right: u64,
        unrated: u64,
        total: u64,
        blindspots: Vec<String>,
    ) -> CoverageView {
        let sum = left + center + right + unrated;
        let scale = |n: u64| -> u64 {
            if n == 0 {
                0
            } else if sum <= 40 {
                n
            } else {
                ((n * 40 + sum / 2) / sum).clamp(1, 40)
            }
        };
        let mut segments = Vec::new();
        for (side, label, n) in [
            ("left", "Left", left),
            ("center", "Center", center),
            ("right", "Right", right),
            ("unrated", "Unrated", unrated),
        ] {
            if n > 0 {
                segments.push(Segment {
                    side,
                    label,
                    count: n,
                    grow: scale(n),
                });
            }
        }
        let mut label = format!("Coverage: left {left}, center {center}, right {right}");
        if unrated > 0 {
            label.push_str(&format!(", unrated {unrated}"));
        }
        label.push_str(" outlets");
        CoverageView {
            left,
            center,
            right,
            unrated,
            total,
            segments,
            label,
            blindspots,
        }
    }
}

/// A story as a card on the front page, section pages, search results and editions.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StoryCard {
    /// Story id, when known.
    pub id: Option<i64>,
    /// Site path of the story page ("" when the item names no story).
    pub url: String,
    /// Headline.
    pub headline: String,
    /// One-sentence summary.
    pub summary: String,
    /// Up to three key facts.
    pub facts: Vec<String>,
    /// Section slug.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// Distinct outlets.
    pub outlet_count: u64,
    /// Articles.
    pub article_count: u64,
    /// Latest update.
    pub time: Option<TimeView>,
    /// Coverage bar.
    pub coverage: CoverageView,
    /// Pinned by an editor.
    pub pinned: bool,
}

/// Title of a section slug ("technology" → "Technology"); unknown slugs are capitalized.
pub fn section_title(slug: &str) -> String {
    match slug.parse::<roundup_model::Section>() {
        Ok(s) => s.title().to_string(),
        Err(_) => {
            let mut c = slug.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        }
    }
}

fn fact_texts(digest: &Value, n: usize) -> Vec<String> {
    list(digest, &["facts"])
        .iter()
        .map(|f| match f {
            Value::String(s) => s.clone(),
            other => text(other, &["text"]),
        })
        .filter(|t| !t.trim().is_empty())
        .take(n)
        .collect()
}

/// The digest's section slug: `section.section`, or `section` as a plain string.
pub fn digest_section(digest: &Value) -> String {
    first_text(digest, &[&["section", "section"], &["section"]])
}

impl StoryCard {
    /// From a stored story and its digest.
    pub fn from_row(s: &StoryRow) -> StoryCard {
        let d = &s.digest;
        let section = s.section.clone().unwrap_or_else(|| digest_section(d));
        let mut coverage = CoverageView::from_json(at(d, &["coverage"]).unwrap_or(&Value::Null));
        if coverage.total == 0 {
            coverage.total = s.outlet_count.max(0) as u64;
        }
        let summary = first_text(d, &[&["summary"]]);
        StoryCard {
            id: Some(s.id),
            url: format!("/story/{}", s.slug),
            headline: s.headline.clone(),
            facts: fact_texts(d, 3),
            summary,
            section_title: section_title(&section),
            section,
            outlet_count: (s.outlet_count.max(0) as u64).max(coverage.total),
            article_count: s.article_count.max(0) as u64,
            time: Some(TimeView::of(from_unix(s.last_updated))),
            coverage,
            pinned: s.pinned,
        }
    }

    /// From one item of an edition snapshot: either a story summary written by the
    /// publisher (slug, headline, summary, facts, coverage, …) or a whole digest, possibly
    /// nested under `digest` or `story`.
    pub fn from_snapshot_item(item: &Value) -> StoryCard {
        let inner = at(item, &["digest"])
            .or_else(|| at(item, &["story"]))
            .unwrap_or(item);
        let both = |paths: &[&[&str]]| {
            let t = first_text(item, paths);
            if t.is_empty() {
                first_text(inner, paths)
            } else {
                t
            }
        };
        let headline = both(&[&["headline", "text"], &["headline"], &["title"], &["text"]]);
        let slug = both(&[&["slug"]]);
        let id = count(item, &["story_id"])
            .or_else(|| count(item, &["id"]))
            .or_else(|| count(inner, &["story_id"]))
            .or_else(|| count(inner, &["id"]))
            .map(|n| n as i64);
        let url = if !slug.is_empty() && slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            format!("/story/{slug}")
        } else if let Some(id) = id {
            // The story page resolves a slug by its trailing id and redirects to the
            // current slug.
            format!("/story/story-{id}")
        } else {
            String::new()
        };
        let section = {
            let s = first_text(item, &[&["section", "section"], &["section"]]);
            if s.is_empty() {
                digest_section(inner)
            } else {
                s
            }
        };
        let cov_json = at(item, &["coverage"])
            .or_else(|| at(inner, &["coverage"]))
            .unwrap_or(&Value::Null);
        let coverage = CoverageView::from_json(cov_json);
        let mut facts = fact_texts(item, 3);
        if facts.is_empty() {
            facts = fact_texts(inner, 3);
        }
        let when = time(item, &["last_updated"])
            .or_else(|| time(item, &["updated"]))
            .or_else(|| time(item, &["published"]))
            .or_else(|| time(inner, &["timeline", "last_report_at"]));
        let summary = both(&[&["summary"], &["blurb"]]);
        StoryCard {
            id,
            url,
            headline,
            summary,
            facts,
            section_title: section_title(&section),
            section,
            outlet_count: count(item, &["outlet_count"])
                .or_else(|| count(item, &["outlets"]))
                .unwrap_or(0)
                .max(coverage.total),
            article_count: count(item, &["article_count"]).unwrap_or(0),
            time: when.map(TimeView::of),
            coverage,
            pinned: item.get("pinned").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

/// The story items of an edition snapshot: the first array among `stories`, `items`,
/// `entries`, or the snapshot itself when it is an array.
pub fn snapshot_items(snap: &Value) -> &[Value] {
    if let Value::Array(a) = snap {
        return a;
    }
    for k in ["stories", "items", "entries", "ranked", "things"] {
        if let Some(Value::Array(a)) = snap.get(k) {
            return a;
        }
    }
    &[]
}

/// An edition as shown in the archive.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EditionView {
    /// Edition id.
    pub id: i64,
    /// Kind slug.
    pub kind: String,
    /// Kind as shown ("Front page").
    pub kind_title: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// Title.
    pub title: String,
    /// Intro text from the snapshot, if any.
    pub intro: String,
    /// Publication time.
    pub published: TimeView,
    /// Site path.
    pub url: String,
    /// The stories exactly as the snapshot lists them.
    pub items: Vec<StoryCard>,
}

/// "front-page" → "Front page".
pub fn kind_title(kind: &str) -> String {
    match kind {
        "ten-things" => "10 things to know".into(),
        other => section_title(&other.replace('-', " ")),
    }
}

impl EditionView {
    /// From a stored edition.
    pub fn from_row(e: &EditionRow) -> EditionView {
        EditionView {
            id: e.id,
            kind: e.kind.clone(),
            kind_title: kind_title(&e.kind),
            date: e.date.clone(),
            title: e.title.clone(),
            intro: first_text(&e.snapshot, &[&["intro"], &["summary"], &["lede"]]),
            published: TimeView::of(from_unix(e.published_at)),
            url: format!("/edition/{}", e.id),
            items: snapshot_items(&e.snapshot)
                .iter()
                .map(StoryCard::from_snapshot_item)
                .filter(|c| !c.headline.trim().is_empty())
                .collect(),
        }
    }
}

/// A key fact with its sources.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FactView {
    /// The sentence.
    pub text: String,
    /// Outlets stating it.
    pub sources: Vec<SourceView>,
}

/// A quote or attribution.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QuoteView {
    /// The words.
    pub text: String,
    /// Speaker.
    pub speaker: String,
    /// Speaker's role.
    pub role: String,
    /// "direct" or "indirect".
    pub kind: String,
    /// Reporting outlets.
    pub reported_by: Vec<SourceView>,
}

/// What one side emphasizes.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PerspectiveView {
    /// "left", "center", "right".
    pub side: String,
    /// Side as shown.
    pub side_title: String,
    /// Outlets of that side.
    pub outlets: Vec<String>,
    /// Distinctive terms.
    pub terms: Vec<String>,
    /// Distinctive sentences.
    pub sentences: Vec<FactView>,
}

/// A timeline entry.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TimelineView {
    /// When.
    pub time: Option<TimeView>,
    /// Outlet.
    pub outlet: String,
    /// Title.
    pub title: String,
    /// Safe URL or "".
    pub url: String,
    /// Lean slug or "".
    pub lean: String,
}

/// The full digest of a story page.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DigestView {
    /// Summary sentence.
    pub summary: String,
    /// Every key fact.
    pub facts: Vec<FactView>,
    /// Direct quotes.
    pub quotes: Vec<QuoteView>,
    /// Indirect attributions.
    pub attributions: Vec<QuoteView>,
    /// Perspectives by side.
    pub perspectives: Vec<PerspectiveView>,
    /// Coverage.
    pub coverage: CoverageView,
    /// Blindspot sentence ("Few right-leaning outlets cover this story."), or "".
    pub blindspot: String,
    /// Timeline, oldest first.
    pub timeline: Vec<TimelineView>,
    /// Bursts of coverage ("14:00–16:00 UTC: 9 articles").
    pub bursts: Vec<String>,
    /// First report, if dated.
    pub first_report: Option<TimelineView>,
}

fn strings(v: &Value, path: &[&str]) -> Vec<String> {
    list(v, path)
        .iter()
        .filter_map(|x| x.as_str().map(|s| s.to_string()))
        .collect()
}

fn quote(q: &Value) -> QuoteView {
    QuoteView {
        text: text(q, &["text"]),
        speaker: text(q, &["speaker"]),
        role: text(q, &["speaker_role"]),
        kind: text(q, &["kind"]),
        reported_by: list(q, &["reported_by"]).iter().map(source).collect(),
    }
}

fn timeline_entry(t: &Value) -> TimelineView {
    TimelineView {
        time: time(t, &["published"]).map(TimeView::of),
        outlet: text(t, &["outlet"]),
        title: text(t, &["title"]),
        url: safe_url(&text(t, &["url"])),
        lean: text(t, &["lean"]),
    }
}

fn side_word(side: &str) -> &str {
    match side {
        "left" => "left-leaning",
        "right" => "right-leaning",
        "center" => "centrist",
        other => other,
    }
}

impl DigestView {
    /// From digest JSON.
    pub fn from_json(d: &Value) -> DigestView {
        let coverage = CoverageView::from_json(at(d, &["coverage"]).unwrap_or(&Value::Null));
        let blindspot = match coverage.blindspots.as_slice() {
            [] => String::new(),
            [one] => format!(
                "Blindspot: few {} outlets cover this story.",
                side_word(one)
            ),
            many => format!(
                "Blindspot: few {} outlets cover this story.",
                many.iter()
                    .map(|s| side_word(s))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let bursts = list(d, &["timeline", "bursts"])
            .iter()
            .filter_map(|b| {
                let s = time(b, &["start"])?;
                let e = time(b, &["end"])?;
                let n = count(b, &["articles"]).unwrap_or(0);
                Some(format!(
                    "{} – {}: {n} articles",
                    human_time(s),
                    e.format("%H:%M UTC")
                ))
            })
            .collect();
        DigestView {
            summary: text(d, &["summary"]),
            facts: list(d, &["facts"])
                .iter()
                .map(|f| match f {
                    Value::String(s) => FactView {
                        text: s.clone(),
                        sources: vec![],
                    },
                    f => FactView {
                        text: text(f, &["text"]),
                        sources: list(f, &["sources"]).iter().map(source).collect(),
                    },
                })
                .filter(|f| !f.text.trim().is_empty())
                .collect(),
            quotes: list(d, &["quotes"]).iter().map(quote).collect(),
            attributions: list(d, &["attributions"]).iter().map(quote).collect(),
            perspectives: list(d, &["perspectives"])
                .iter()
                .map(|p| {
                    let side = text(p, &["side"]);
                    PerspectiveView {
                        side_title: section_title(&side),
                        side,
                        outlets: strings(p, &["outlets"]),
                        terms: strings(p, &["distinctive_terms"]),
                        sentences: list(p, &["sentences"])
                            .iter()
                            .map(|s| FactView {
                                text: text(s, &["text"]),
                                sources: at(s, &["source"]).map(source).into_iter().collect(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            coverage,
            blindspot,
            timeline: list(d, &["timeline", "entries"])
                .iter()
                .map(timeline_entry)
                .collect(),
            bursts,
            first_report: at(d, &["timeline", "first_report"])
                .filter(|v| v.is_object())
                .map(timeline_entry),
        }
    }
}

/// Plain-text excerpt of at most `max` characters, cut at a word boundary.
pub fn excerpt(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn safe_url_keeps_only_web_links() {
        assert_eq!(safe_url("https://x.org/a?b=1"), "https://x.org/a?b=1");
        assert_eq!(safe_url("/story/a-1"), "/story/a-1");
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\nscript:alert(1)",
            "data:text/html,<script>",
            "//evil.example/x",
            "vbscript:x",
            "",
        ] {
            assert_eq!(safe_url(bad), "", "{bad:?}");
        }
    }

    #[test]
    fn coverage_segments_scale_and_label() {
        let c = CoverageView::from_json(
            &json!({"left": 3, "center": 0, "right": 1, "unrated": 2, "total": 6, "blindspots": ["right"]}),
        );
        assert_eq!(c.segments.len(), 3);
        assert_eq!(c.segments[0].grow, 3);
        assert!(c.label.contains("left 3"));
        let big = CoverageView::build(100, 50, 10, 0, 160, vec![]);
        assert!(big.segments.iter().all(|s| (1..=40).contains(&s.grow)));
        assert_eq!(big.segments[0].grow, 25);
    }

    #[test]
    fn snapshot_items_are_read_leniently() {
        let snap = json!({"stories": [
            {"slug": "a-1", "headline": "A", "facts": ["f1", "f2"], "coverage": {"left": 1}},
            {"digest": {"headline": {"text": "B"}, "story_id": "7", "summary": "s", "section": {"section": "world"}}},
            {"title": "C", "story_id": 9},
            42
        ]});
        let cards: Vec<_> = snapshot_items(&snap)
            .iter()
            .map(StoryCard::from_snapshot_item)
            .collect();
        assert_eq!(cards[0].url, "/story/a-1");
        assert_eq!(cards[0].facts, vec!["f1", "f2"]);
        assert_eq!(cards[1].headline, "B");
        assert_eq!(cards[1].url, "/story/story-7");
        assert_eq!(cards[1].section, "world");
        assert_eq!(cards[2].url, "/story/story-9");
        assert_eq!(cards[3].headline, "");
    }

    #[test]
    fn digest_crate_edition_items_are_understood() {
        // The shape of roundup_digest::editions::EditionItem.
        let item = json!({"position": 1, "story_id": "12", "headline": "H", "summary": "S",
            "url": "https://outlet.example/a", "section": "business", "outlets": 5, "score": 3.5,
            "digest": {"facts": [{"text": "F1", "sources": []}], "coverage": {"left": 2, "center": 1, "right": 2, "unrated": 0, "total": 5, "blindspots": []},
                       "timeline": {"last_report_at": "2026-12-01T08:00:00Z"}}});
        let c = StoryCard::from_snapshot_item(&item);
        assert_eq!(c.id, Some(12));
        assert_eq!(
            c.url, "/story/story-12",
            "the headline's article URL is not the story page"
        );
        assert_eq!(
            (c.headline.as_str(), c.summary.as_str(), c.section.as_str()),
            ("H", "S", "business")
        );
        assert_eq!(c.outlet_count, 5);
        assert_eq!(c.facts, vec!["F1"]);
        assert_eq!(c.coverage.total, 5);
        assert_eq!(c.time.unwrap().iso, "2026-12-01T08:00:00Z");
        let no_digest = json!({"story_id": "3", "headline": "T", "summary": "", "section": "world", "outlets": 2, "digest": null});
        let c = StoryCard::from_snapshot_item(&no_digest);
        assert_eq!((c.outlet_count, c.coverage.total), (2, 0));
    }

    #[test]
    fn excerpt_cuts_at_words() {
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("short", 9), "short");
    }
}
