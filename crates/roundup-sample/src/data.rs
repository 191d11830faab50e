//! Loading the embedded TOML data into the resolved world.

use crate::{
    FeedFormat, Layout, OutletKind, SampleArticle, SampleError, SampleOutlet, SampleQuote,
    SampleStory, UrlStyle, World, DEFAULT_BASE_URL,
};
use chrono::{DateTime, Datelike, Utc};
use roundup_model::{Lean, Section};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The embedded data files, in load order: (file name, contents).
pub(crate) const OUTLETS_FILE: (&str, &str) =
    ("outlets.toml", include_str!("../data/outlets.toml"));

/// Story files; each holds one or more `[[story]]` tables.
pub(crate) const STORY_FILES: &[(&str, &str)] = &[
    (
        "stories/01-budget.toml",
        include_str!("../data/stories/01-budget.toml"),
    ),
    (
        "stories/02-storm.toml",
        include_str!("../data/stories/02-storm.toml"),
    ),
    (
        "stories/03-rail-strike.toml",
        include_str!("../data/stories/03-rail-strike.toml"),
    ),
    (
        "stories/04-health.toml",
        include_str!("../data/stories/04-health.toml"),
    ),
    (
        "stories/05-business-tech.toml",
        include_str!("../data/stories/05-business-tech.toml"),
    ),
    (
        "stories/06-world.toml",
        include_str!("../data/stories/06-world.toml"),
    ),
    (
        "stories/07-local-sport.toml",
        include_str!("../data/stories/07-local-sport.toml"),
    ),
    (
        "stories/08-day2.toml",
        include_str!("../data/stories/08-day2.toml"),
    ),
    (
        "stories/09-singles.toml",
        include_str!("../data/stories/09-singles.toml"),
    ),
    (
        "stories/10-day1-extra.toml",
        include_str!("../data/stories/10-day1-extra.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutletsFile {
    outlet: Vec<RawOutlet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutlet {
    slug: String,
    name: String,
    kind: OutletKind,
    lean: String,
    region: String,
    language: String,
    #[serde(default)]
    section_hint: Option<String>,
    feed: FeedFormat,
    #[serde(default)]
    content_encoded: bool,
    #[serde(default)]
    dc_creator: bool,
    layout: Layout,
    url_style: UrlStyle,
    #[serde(default)]
    utc_offset: i32,
    #[serde(default)]
    straight_quotes: bool,
    tagline: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryFile {
    story: Vec<RawStory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStory {
    id: String,
    section: String,
    #[serde(default)]
    good_news: bool,
    summary: String,
    article: Vec<RawArticle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    outlet: String,
    published: DateTime<Utc>,
    #[serde(default)]
    updated: Option<DateTime<Utc>>,
    headline: String,
    #[serde(default)]
    authors: Option<Vec<String>>,
    #[serde(default)]
    dateline: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    quotes: Vec<(String, String)>,
    /// Outlet slug of the wire article (same story) this copy republishes.
    #[serde(default)]
    syndicates: Option<String>,
    /// Paragraph indices (0-based, of the wire body) the copy drops.
    #[serde(default)]
    drop: Vec<usize>,
    /// Literal (from, to) text replacements applied to the wire paragraphs.
    #[serde(default)]
    edits: Vec<(String, String)>,
    /// Paragraphs the copy adds at the end (blank-line separated).
    #[serde(default)]
    append: Option<String>,
}

fn bad(file: &str, msg: impl Into<String>) -> SampleError {
    SampleError::Data {
        file: file.to_string(),
        message: msg.into(),
    }
}

/// Splits a body text into paragraphs on blank lines, joining wrapped lines with spaces.
pub(crate) fn split_paragraphs(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                out.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(t);
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

/// Turns typographic quotes into straight ones (the style of some outlets' CMS).
pub(crate) fn straighten(s: &str) -> String {
    s.replace(['\u{201c}', '\u{201d}'], "\"")
        .replace(['\u{2018}', '\u{2019}'], "'")
}

/// URL slug of a headline: lower-case ASCII words joined by '-', at most 9 words.
pub(crate) fn slugify(s: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if c == '\u{2019}' || c == '\'' {
            // "Port Tamsin's" -> "port-tamsins"
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words.truncate(9);
    words.join("-")
}

/// FNV-1a, for deterministic pseudo-random numbers derived from ids.
pub(crate) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn parse_section(file: &str, s: &str) -> Result<Section, SampleError> {
    s.parse::<Section>().map_err(|e| bad(file, e.to_string()))
}

/// Parses and resolves every embedded file.
pub(crate) fn load() -> Result<World, SampleError> {
    let (ofile, otext) = OUTLETS_FILE;
    let raw: OutletsFile = toml::from_str(otext).map_err(|e| bad(ofile, e.to_string()))?;
    let mut outlets = Vec::new();
    let mut seen = BTreeSet::new();
    for o in raw.outlet {
        if !seen.insert(o.slug.clone()) {
            return Err(bad(ofile, format!("duplicate outlet slug {:?}", o.slug)));
        }
        let lean: Lean = o
            .lean
            .parse()
            .map_err(|e: roundup_model::UnknownValue| bad(ofile, e.to_string()))?;
        let section_hint = match &o.section_hint {
            Some(s) => Some(parse_section(ofile, s)?),
            None => None,
        };
        let homepage_path = format!("/{}/", o.slug);
        let feed_path = match o.feed {
            FeedFormat::Rss => format!("/{}/feed.xml", o.slug),
            FeedFormat::Atom => format!("/{}/atom.xml", o.slug),
            FeedFormat::JsonFeed => format!("/{}/feed.json", o.slug),
        };
        outlets.push(SampleOutlet {
            homepage_url: format!("{DEFAULT_BASE_URL}{homepage_path}"),
            feed_url: format!("{DEFAULT_BASE_URL}{feed_path}"),
            homepage_path,
            feed_path,
            slug: o.slug,
            name: o.name,
            kind: o.kind,
            lean,
            region: o.region,
            language: o.language,
            section_hint,
            feed_format: o.feed,
            rss_content_encoded: o.content_encoded,
            rss_dc_creator: o.dc_creator,
            layout: o.layout,
            url_style: o.url_style,
            utc_offset_minutes: o.utc_offset,
            straight_quotes: o.straight_quotes,
            tagline: o.tagline,
        });
    }
    let by_slug: BTreeMap<String, usize> = outlets
        .iter()
        .enumerate()
        .map(|(i, o)| (o.slug.clone(), i))
        .collect();

    let mut stories = Vec::new();
    let mut articles: Vec<SampleArticle> = Vec::new();
    let mut story_ids = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for (file, text) in STORY_FILES {
        let sf: StoryFile = toml::from_str(text).map_err(|e| bad(file, e.to_string()))?;
        for rs in sf.story {
            if !story_ids.insert(rs.id.clone()) {
                return Err(bad(file, format!("duplicate story id {:?}", rs.id)));
            }
            let section = parse_section(file, &rs.section)?;
            // Originals first, so syndicated copies can find their source.
            let mut originals: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            let mut order: Vec<&RawArticle> = rs
                .article
                .iter()
                .filter(|a| a.syndicates.is_none())
                .collect();
            order.extend(rs.article.iter().filter(|a| a.syndicates.is_some()));
            for ra in order {
                let oi = *by_slug.get(&ra.outlet).ok_or_else(|| {
                    bad(
                        file,
                        format!("story {}: unknown outlet {:?}", rs.id, ra.outlet),
                    )
                })?;
                let outlet = &outlets[oi];
                let asection = match &ra.section {
                    Some(s) => parse_section(file, s)?,
                    None => section,
                };
                let (mut paragraphs, mut quotes, authors, dateline, syndicated_from) = match &ra
                    .syndicates
                {
                    None => {
                        let body = ra.body.as_deref().ok_or_else(|| {
                            bad(
                                file,
                                format!("story {}: article of {} has no body", rs.id, ra.outlet),
                            )
                        })?;
                        let quotes = ra
                            .quotes
                            .iter()
                            .map(|(s, t)| SampleQuote {
                                speaker: s.clone(),
                                text: t.clone(),
                            })
                            .collect::<Vec<_>>();
                        let authors = ra.authors.clone().unwrap_or_default();
                        (
                            split_paragraphs(body),
                            quotes,
                            authors,
                            ra.dateline.clone(),
                            None,
                        )
                    }
                    Some(src_slug) => {
                        let si = match originals.get(src_slug).map(Vec::as_slice) {
                            Some([one]) => *one,
                            _ => {
                                return Err(bad(file, format!("story {}: {} syndicates {:?}, which has no single original in this story", rs.id, ra.outlet, src_slug)))
                            }
                        };
                        let src = &articles[si];
                        let mut paras: Vec<String> = src
                            .raw_paragraphs
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| !ra.drop.contains(i))
                            .map(|(_, p)| p.clone())
                            .collect();
                        for (from, to) in &ra.edits {
                            let mut hit = false;
                            for p in paras.iter_mut() {
                                if p.contains(from.as_str()) {
                                    *p = p.replace(from.as_str(), to);
                                    hit = true;
                                }
                            }
                            if !hit {
                                return Err(bad(
                                    file,
                                    format!(
                                        "story {}: edit {:?} of {} matches nothing",
                                        rs.id, from, ra.outlet
                                    ),
                                ));
                            }
                        }
                        if let Some(extra) = &ra.append {
                            paras.extend(split_paragraphs(extra));
                        }
                        let mut quotes = src.raw_quotes.clone();
                        quotes.extend(ra.quotes.iter().map(|(s, t)| SampleQuote {
                            speaker: s.clone(),
                            text: t.clone(),
                        }));
                        let authors = ra.authors.clone().unwrap_or_else(|| src.authors.clone());
                        let dateline = ra.dateline.clone().or_else(|| src.dateline.clone());
                        (paras, quotes, authors, dateline, Some(src.id.clone()))
                    }
                };
                let mut raw_paragraphs = paragraphs.clone();
                let raw_quotes = quotes.clone();
                if outlet.straight_quotes {
                    raw_paragraphs = raw_paragraphs.iter().map(|p| straighten(p)).collect();
                }
                // The dateline opens the first paragraph, in the outlet's style.
                if let (Some(d), Some(first)) = (&dateline, paragraphs.first_mut()) {
                    let date = ra.published;
                    *first = match outlet.kind {
                        OutletKind::Wire => format!(
                            "{}, {} {} ({}) \u{2014} {}",
                            d,
                            crate::render::month_abbr(date.month()),
                            date.day(),
                            outlet.name,
                            first
                        ),
                        _ => format!("{} \u{2014} {}", d, first),
                    };
                }
                let mut headline = ra.headline.clone();
                if outlet.straight_quotes {
                    headline = straighten(&headline);
                    for p in paragraphs.iter_mut() {
                        *p = straighten(p);
                    }
                    for q in quotes.iter_mut() {
                        q.text = straighten(&q.text);
                    }
                }
                // Quotes whose text a copy dropped are not in the copy.
                let joined = paragraphs.join("\n\n");
                quotes.retain(|q| joined.contains(q.text.as_str()));
                let slug = slugify(&headline);
                let d = ra.published;
                let path = match outlet.url_style {
                    UrlStyle::Dated => format!(
                        "/{}/{:04}/{:02}/{:02}/{}.html",
                        outlet.slug,
                        d.year(),
                        d.month(),
                        d.day(),
                        slug
                    ),
                    UrlStyle::Section => format!("/{}/{}/{}", outlet.slug, asection.as_str(), slug),
                    UrlStyle::Numeric => format!(
                        "/{}/story/{}/{}",
                        outlet.slug,
                        100_000 + fnv(&format!("{}{}", outlet.slug, headline)) % 900_000,
                        slug
                    ),
                };
                if !paths.insert(path.clone()) {
                    return Err(bad(file, format!("duplicate article URL {path}")));
                }
                let idx = articles.len();
                if ra.syndicates.is_none() {
                    originals.entry(ra.outlet.clone()).or_default().push(idx);
                }
                articles.push(SampleArticle {
                    id: path.trim_start_matches('/').to_string(),
                    story: rs.id.clone(),
                    outlet: outlet.slug.clone(),
                    section: asection,
                    good_news: rs.good_news,
                    headline,
                    authors,
                    dateline,
                    published: ra.published,
                    updated: ra.updated,
                    paragraphs,
                    quotes,
                    syndicated_from,
                    path,
                    raw_paragraphs,
                    raw_quotes,
                });
            }
            stories.push(SampleStory {
                id: rs.id,
                section,
                good_news: rs.good_news,
                summary: rs.summary,
            });
        }
    }
    // Articles in publication order (ties by id) so every list is deterministic.
    articles.sort_by(|a, b| a.published.cmp(&b.published).then_with(|| a.id.cmp(&b.id)));
    // Remap syndicated_from ids are paths already, stable across the sort.
    Ok(World {
        outlets,
        stories,
        articles,
    })
}
