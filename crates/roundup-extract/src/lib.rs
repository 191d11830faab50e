//! Article extraction: HTML or plain-text page to [`Article`] (body, title, byline, date,
//! language, image).
//!
//! The main entry points are [`extract_html`] (bytes of an HTML page), [`extract_plain_text`]
//! (page text without markup) and [`extract_auto`], which picks between them. Each returns an
//! [`Extraction`]: the [`Article`] plus a [`Quality`] signal the pipeline uses to fall back to a
//! feed's own content when a page is paywalled or mostly boilerplate.
//!
//! How an HTML page is read, in order:
//! 1. a byte pre-pass drops scripts, styles, SVG and comments and keeps JSON-LD aside;
//! 2. the rest is decoded (BOM, declared charset, UTF-8, else a detector) and parsed by
//!    html5ever into a flat pre-order array (no recursion, whatever the nesting);
//! 3. metadata comes from JSON-LD (schema.org `NewsArticle` & co.), OpenGraph / Twitter /
//!    Dublin Core `<meta>`, `<link rel=canonical>`, `<time>`, the URL and the visible text;
//! 4. the body comes from a readability-style content score with boilerplate rules
//!    (see the `content` module), with the JSON-LD `articleBody` and an all-paragraphs pass as
//!    fallbacks when the main method returns too little.

mod content;
mod dates;
mod dom;
mod markdown;
mod meta;
mod plain;
mod prepass;
mod sink;

use chrono::{DateTime, NaiveDate, Utc};
use content::{Block, Kind};
use roundup_model::Article;
use std::path::Path;

pub use dates::{parse_date, FoundDate};
pub use markdown::to_markdown;

/// Version of the extraction method; stored with extracted articles so that a changed method
/// can trigger re-extraction.
pub const EXTRACTOR_VERSION: &str = "1.0.0";

/// Largest input accepted, in bytes (decompressed).
pub const MAX_INPUT_BYTES: usize = 128 * 1024 * 1024;

/// Why a page could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The input holds no bytes (or only whitespace).
    #[error("empty input: the page has no content")]
    Empty,
    /// The input looks like binary data, not a text or HTML page.
    #[error("input is binary data, not an HTML or text page")]
    Binary,
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("input is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Reading a page file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Which method produced the body text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// DOM content scoring.
    Dom,
    /// schema.org `articleBody` from JSON-LD.
    JsonLd,
    /// Line classification of a plain-text page.
    PlainText,
    /// Nothing usable was found.
    None,
}

/// How trustworthy an extracted body is; see [`Quality::score`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quality {
    /// Characters of body text.
    pub chars: usize,
    /// Number of paragraphs (blocks) in the body.
    pub paragraphs: usize,
    /// Share of body characters inside links (0..1).
    pub link_density: f32,
    /// Share of the page's visible paragraph text that the body holds (0..1; 1 for text pages).
    pub coverage: f32,
    /// Overall score in 0..1: below about 0.35 the body is probably a teaser, a paywall stub
    /// or boilerplate, and a feed's own content should be preferred.
    pub score: f32,
}

/// An extracted article with its quality signal.
#[derive(Debug, Clone)]
pub struct Extraction {
    /// The article.
    pub article: Article,
    /// Publication date as written on the page (in the page's own time zone).
    pub published_date: Option<NaiveDate>,
    /// The method that produced the body.
    pub method: Method,
    /// Quality signal for fallbacks.
    pub quality: Quality,
}

/// Options for one extraction.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// URL the page was fetched from (resolves relative links, gives URL dates).
    pub url: Option<&'a str>,
    /// "Now" for date sanity limits (defaults to the current time).
    pub now: Option<DateTime<Utc>>,
}

/// Reads a page file, decompressing it when its name ends in `.gz`.
pub fn read_page(path: &Path) -> Result<Vec<u8>, ExtractError> {
    use std::io::Read;
    let io = |e| ExtractError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let raw = std::fs::read(path).map_err(io)?;
    let gz = path.extension().is_some_and(|e| e == "gz") || raw.starts_with(&[0x1f, 0x8b]);
    if !gz {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len() * 4);
    flate2::read::MultiGzDecoder::new(&raw[..])
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(io)?;
    if out.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge {
            size: out.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(out)
}

fn check_input(bytes: &[u8]) -> Result<(), ExtractError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ExtractError::Empty);
    }
    if looks_binary(bytes) {
        return Err(ExtractError::Binary);
    }
    Ok(())
}

/// NUL bytes or many control bytes in the first 8 KB mean binary (UTF-16 with a BOM excepted).
fn looks_binary(b: &[u8]) -> bool {
    if b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let head = &b[..b.len().min(8192)];
    let ctrl = head
        .iter()
        .filter(|&&c| {
            c == 0 || (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c)) || c == 0x7f
        })
        .count();
    head.contains(&0) || ctrl * 20 > head.len()
}

/// Whether bytes look like markup rather than plain text.
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let lower = head.to_ascii_lowercase();
    let has = |n: &[u8]| memchr::memmem::find(&lower, n).is_some();
    has(b"<html")
        || has(b"<!doctype")
        || has(b"<head")
        || has(b"<body")
        || has(b"<p>")
        || has(b"<div")
        || has(b"<meta")
        || has(b"<p ")
}

/// Extracts from HTML or plain text, deciding by the content.
pub fn extract_auto(bytes: &[u8], opts: &Options<'_>) -> Result<Extraction, ExtractError> {
    check_input(bytes)?;
    if looks_like_html(bytes) {
        extract_html(bytes, opts)
    } else {
        let enc = prepass::sniff_charset(bytes);
        let text = prepass::decode(bytes, enc);
        extract_plain_text(&text, opts)
    }
}

/// Extracts an article from the bytes of an HTML page.
pub fn extract_html(bytes: &[u8], opts: &Options<'_>) -> Result<Extraction, ExtractError> {
    check_input(bytes)?;
    let now = opts.now.unwrap_or_else(Utc::now);
    let declared = prepass::sniff_charset(bytes);
    let stripped = prepass::strip(bytes);
    let html_text = prepass::decode_owned(stripped.html, declared);
    let dom = sink::parse(&html_text);
    drop(html_text);

    let mut m = meta::Meta::default();
    meta::read_json_ld(&stripped.json_ld, &mut m);
    meta::read_dom_meta(&dom, &mut m);

    // Relative links resolve against the fetch URL, else the page's own canonical URL.
    let base = opts
        .url
        .and_then(|u| url::Url::parse(u).ok())
        .or_else(|| {
            m.canonical
                .as_deref()
                .and_then(|u| url::Url::parse(u.trim()).ok())
        })
        .or_else(|| m.meta(&["og:url"]).and_then(|u| url::Url::parse(u).ok()));
    let resolve = |s: &str| -> String {
        match &base {
            Some(b) => b
                .join(s.trim())
                .map(|u| u.to_string())
                .unwrap_or_else(|_| s.trim().to_string()),
            None => s.trim().to_string(),
        }
    };

    let title = pick_title(&m, &dom);
    let content = content::extract(&dom, title.as_deref());
    let dom_chars: usize = content.blocks.iter().map(|b| b.chars()).sum();

    // The JSON-LD body is the publisher's own statement of the text: use it when the DOM pass
    // found clearly less (a wrong container or a script-rendered page).
    let ld_paras: Vec<String> = m.ld_body.as_deref().map(ld_paragraphs).unwrap_or_default();
    let ld_chars: usize = ld_paras.iter().map(|p| p.chars().count()).sum();
    let (blocks, method) = if ld_chars > 200 && ld_chars as f32 > dom_chars as f32 * 1.6 {
        let b: Vec<Block> = ld_paras
            .into_iter()
            .map(|t| Block {
                kind: Kind::P,
                text: t,
                links: Vec::new(),
                link_chars: 0,
            })
            .collect();
        (b, Method::JsonLd)
    } else if content.blocks.is_empty() {
        (Vec::new(), Method::None)
    } else {
        (content.blocks, Method::Dom)
    };

    let text = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let body_html = blocks_to_html(&blocks, &resolve);
    let chars = text.chars().count();
    let link_chars: usize = blocks.iter().map(|b| b.link_chars).sum();
    let coverage = if method == Method::JsonLd {
        1.0
    } else {
        content.coverage
    };

    let url = m
        .canonical
        .as_deref()
        .or(m.meta(&["og:url"]))
        .or(m.ld_url.as_deref())
        .map(&resolve)
        .filter(|u| u.starts_with("http"))
        .or_else(|| opts.url.map(|s| s.to_string()));

    let (published, published_date) = find_published(&m, &dom, url.as_deref().or(opts.url), now);
    let updated = m
        .ld_modified
        .as_deref()
        .and_then(|s| dates::parse_sane(s, now))
        .or_else(|| {
            m.meta(&[
                "article:modified_time",
                "og:updated_time",
                "itemprop:datemodified",
                "last-modified",
                "dcterms.modified",
                "modified",
            ])
            .and_then(|s| dates::parse_sane(s, now))
        })
        .map(|d| d.instant);

    let language = find_language(&m, &text);
    let image = m
        .meta(&[
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        ])
        .map(|s| s.to_string())
        .or(m.ld_image.clone())
        .or_else(|| first_image(&dom))
        .map(|s| resolve(&s));
    let site_name = m
        .meta(&["og:site_name", "application-name", "twitter:site"])
        .map(meta::clean_inline)
        .or_else(|| m.ld_publisher.as_deref().map(meta::clean_inline))
        .filter(|s| !s.is_empty());
    let description = m
        .meta(&[
            "og:description",
            "description",
            "twitter:description",
            "dc.description",
        ])
        .map(meta::clean_inline)
        .or_else(|| m.ld_description.as_deref().map(meta::clean_inline))
        .filter(|s| !s.is_empty());
    let authors = find_authors(&m, &dom);

    let article = Article {
        url,
        title,
        text,
        html: body_html,
        authors,
        published,
        updated,
        language,
        image,
        site_name,
        description,
    };
    let quality = make_quality(chars, blocks.len(), link_chars, coverage);
    Ok(Extraction {
        article,
        published_date,
        method,
        quality,
    })
}

/// Extracts an article from a plain-text page (page text without markup).
pub fn extract_plain_text(text: &str, opts: &Options<'_>) -> Result<Extraction, ExtractError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge {
            size: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if looks_binary(text.as_bytes()) {
        return Err(ExtractError::Binary);
    }
    let now = opts.now.unwrap_or_else(Utc::now);
    let p = plain::clean(text);
    let body = p.paragraphs.join("\n\n");
    let mut html = String::new();
    for para in &p.paragraphs {
        html.push_str("<p>");
        escape_into(&mut html, para);
        html.push_str("</p>\n");
    }
    let date = opts
        .url
        .and_then(|u| dates::url_date(u, now))
        .or_else(|| dates::text_date(&text[..floor_char(text, 3000)], now));
    let language = detect_language(&body);
    let chars = body.chars().count();
    let quality = make_quality(chars, p.paragraphs.len(), 0, 1.0);
    let article = Article {
        url: opts.url.map(|s| s.to_string()),
        title: p.title,
        text: body,
        html,
        published: date.map(|d| d.instant),
        language,
        ..Default::default()
    };
    let method = if p.paragraphs.is_empty() {
        Method::None
    } else {
        Method::PlainText
    };
    Ok(Extraction {
        article,
        published_date: date.map(|d| d.date),
        method,
        quality,
    })
}

fn floor_char(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn make_quality(chars: usize, paragraphs: usize, link_chars: usize, coverage: f32) -> Quality {
    let link_density = if chars == 0 {
        0.0
    } else {
        (link_chars as f32 / chars as f32).min(1.0)
    };
    // Length saturates at a short news story (2000 chars, 5 paragraphs); a body that holds
    // little of the page's visible paragraph text is discounted, and so is a link-heavy one.
    let len = (chars as f32 / 2000.0).min(1.0);
    let paras = (paragraphs as f32 / 5.0).min(1.0);
    let score =
        (0.7 * len + 0.3 * paras) * (0.5 + 0.5 * coverage.clamp(0.0, 1.0)) * (1.0 - link_density);
    Quality {
        chars,
        paragraphs,
        link_density,
        coverage,
        score: score.clamp(0.0, 1.0),
    }
}

/// Quality score (0..1) of an already extracted article, from its text alone: length,
/// paragraph count. Below about 0.35 prefer the feed's content.
pub fn quality(article: &Article) -> f32 {
    let paras = article
        .text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .count();
    make_quality(article.text.chars().count(), paras, 0, 1.0).score
}

fn ld_paragraphs(body: &str) -> Vec<String> {
    let cleaned = if body.contains('<') && body.contains('>') {
        meta_html_to_lines(body)
    } else {
        body.to_string()
    };
    cleaned
        .split('\n')
        .map(|l| {
            let mut s = String::new();
            dom::push_normalized(&mut s, &meta::clean_inline(l));
            s.trim().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

fn meta_html_to_lines(s: &str) -> String {
    let frag = scraper::Html::parse_fragment(s);
    let mut out = String::new();
    for node in frag.tree.root().descendants() {
        if let Some(t) = node.value().as_text() {
            out.push_str(&t.replace('\n', " "));
        } else if let Some(el) = node.value().as_element() {
            if matches!(
                el.name(),
                "p" | "br" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "blockquote"
            ) {
                out.push('\n');
            }
        }
    }
    out
}

fn pick_title(m: &meta::Meta, dom: &dom::Dom) -> Option<String> {
    let h1 = dom
        .nodes
        .iter()
        .position(|n| n.tag == dom::Tag::H1)
        .map(|i| dom.subtree_text(i, &|_| false));
    let cands = [
        m.meta(&["og:title", "twitter:title", "dc.title", "headline"])
            .map(meta::clean_inline),
        m.ld_headline.as_deref().map(meta::clean_inline),
        h1.clone(),
        m.title_tag
            .as_deref()
            .map(|t| strip_site_suffix(&meta::clean_inline(t))),
    ];
    let best = cands.into_iter().flatten().find(|t| !t.is_empty())?;
    // Sites often add " | Site" to og:title too; prefer the h1 when it is a prefix of it.
    if let Some(h) =
        h1.filter(|h| h.len() > 10 && best.starts_with(h.as_str()) && best.len() > h.len())
    {
        return Some(h);
    }
    Some(best)
}

fn strip_site_suffix(t: &str) -> String {
    for sep in [" | ", " - ", " — ", " – ", " :: ", " · "] {
        if let Some(p) = t.rfind(sep) {
            let (head, tail) = t.split_at(p);
            if tail.split_whitespace().count() <= 5 && head.split_whitespace().count() >= 3 {
                return head.trim().to_string();
            }
        }
    }
    t.to_string()
}

fn find_published(
    m: &meta::Meta,
    dom: &dom::Dom,
    url: Option<&str>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<NaiveDate>) {
    let wrap = |d: FoundDate| (Some(d.instant), Some(d.date));
    if let Some(d) = m
        .ld_published
        .as_deref()
        .and_then(|s| dates::parse_sane(s, now))
    {
        return wrap(d);
    }
    const NAMES: &[&str] = &[
        "article:published_time",
        "og:article:published_time",
        "article:published",
        "og:published_time",
        "published_time",
        "itemprop:datepublished",
        "datepublished",
        "article.published",
        "article_date_original",
        "publication_date",
        "publish-date",
        "publish_date",
        "publishdate",
        "pubdate",
        "original-publish-date",
        "parsely-pub-date",
        "sailthru.date",
        "dc.date.issued",
        "dc.date.created",
        "dc.date",
        "dcterms.created",
        "dcterms.date",
        "dcterms.issued",
        "date",
        "cxenseparse:recs:publishtime",
        "article.created",
        "created",
        "displaydate",
        "timestamp",
        "og:pubdate",
        "citation_publication_date",
        "citation_date",
    ];
    for name in NAMES {
        for v in m.meta_all(name) {
            if let Some(d) = dates::parse_sane(v, now) {
                return wrap(d);
            }
        }
    }
    // <time> elements: a datePublished/pubdate one first, then the first in the body.
    let mut first_time: Option<FoundDate> = None;
    for (i, n) in dom.nodes.iter().enumerate() {
        let Some(a) = dom.attrs(i) else { continue };
        let is_pub = a
            .itemprop
            .as_deref()
            .is_some_and(|p| p.contains("datepublished") || p == "datecreated");
        let v = if n.tag == dom::Tag::Time {
            a.datetime
                .clone()
                .or_else(|| Some(dom.subtree_text(i, &|_| false)))
        } else if is_pub {
            a.datetime
                .clone()
                .or(a.content.clone())
                .or_else(|| Some(dom.subtree_text(i, &|_| false)))
        } else {
            None
        };
        let Some(v) = v else { continue };
        let Some(d) = dates::parse_sane(&v, now) else {
            continue;
        };
        let ci = dom.class_id(i);
        if is_pub || ci.contains("publish") || ci.contains("posted") {
            return wrap(d);
        }
        if first_time.is_none() && !ci.contains("modif") && !ci.contains("update") {
            first_time = Some(d);
        }
    }
    if let Some(d) = first_time {
        return wrap(d);
    }
    if let Some(d) = url.and_then(|u| dates::url_date(u, now)) {
        return wrap(d);
    }
    // Visible text near the top of the body.
    let mut head = String::new();
    let body = dom
        .nodes
        .iter()
        .position(|n| n.tag == dom::Tag::Body)
        .unwrap_or(0);
    for j in body..dom.nodes.len() {
        if dom.nodes[j].tag == dom::Tag::Text {
            dom::push_normalized(&mut head, dom.node_text(j));
            head.push(' ');
            if head.len() > 6000 {
                break;
            }
        }
    }
    if let Some(d) = dates::text_date(&head, now) {
        return wrap(d);
    }
    (None, None)
}

fn primary_subtag(tag: &str) -> Option<String> {
    let t = tag.trim().split([',', ';']).next()?.trim();
    let p = t.split(['-', '_']).next()?.to_ascii_lowercase();
    (p.len() == 2 || p.len() == 3)
        .then_some(p)
        .filter(|p| p.chars().all(|c| c.is_ascii_alphabetic()))
}

fn find_language(m: &meta::Meta, text: &str) -> Option<String> {
    let declared = m
        .html_lang
        .as_deref()
        .or(m.meta(&["content-language", "language", "dc.language", "og:locale"]))
        .or(m.ld_language.as_deref())
        .and_then(primary_subtag);
    declared.or_else(|| detect_language(text))
}

/// Detects the language of a text (ISO 639-1), when it is long enough to tell.
pub fn detect_language(text: &str) -> Option<String> {
    if text.chars().count() < 40 {
        return None;
    }
    let sample = &text[..floor_char(text, 4000)];
    let info = whatlang::detect(sample)?;
    if info.confidence() < 0.3 {
        return None;
    }
    Some(iso639_1(info.lang().code()).to_string())
}

fn iso639_1(code3: &str) -> &str {
    match code3 {
        "eng" => "en",
        "rus" => "ru",
        "cmn" => "zh",
        "spa" => "es",
        "por" => "pt",
        "ita" => "it",
        "ben" => "bn",
        "fra" => "fr",
        "deu" => "de",
        "ukr" => "uk",
        "kat" => "ka",
        "ara" => "ar",
        "hin" => "hi",
        "jpn" => "ja",
        "heb" => "he",
        "yid" => "yi",
        "pol" => "pl",
        "amh" => "am",
        "jav" => "jv",
        "kor" => "ko",
        "nob" => "nb",
        "dan" => "da",
        "swe" => "sv",
        "fin" => "fi",
        "tur" => "tr",
        "nld" => "nl",
        "hun" => "hu",
        "ces" => "cs",
        "ell" => "el",
        "bul" => "bg",
        "bel" => "be",
        "mar" => "mr",
        "kan" => "kn",
        "ron" => "ro",
        "slv" => "sl",
        "hrv" => "hr",
        "srp" => "sr",
        "mkd" => "mk",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "tam" => "ta",
        "vie" => "vi",
        "urd" => "ur",
        "tha" => "th",
        "guj" => "gu",
        "uzb" => "uz",
        "pan" => "pa",
        "aze" => "az",
        "ind" => "id",
        "tel" => "te",
        "pes" => "fa",
        "mal" => "ml",
        "ori" => "or",
        "mya" => "my",
        "nep" => "ne",
        "sin" => "si",
        "khm" => "km",
        "tuk" => "tk",
        "aka" => "ak",
        "zul" => "zu",
        "sna" => "sn",
        "afr" => "af",
        "lat" => "la",
        "slk" => "sk",
        "cat" => "ca",
        "tgl" => "tl",
        "hye" => "hy",
        "epo" => "eo",
        other => other,
    }
}

fn first_image(dom: &dom::Dom) -> Option<String> {
    dom.nodes.iter().enumerate().find_map(|(i, n)| {
        if n.tag != dom::Tag::Img {
            return None;
        }
        let a = dom.attrs(i)?;
        let src = a.src.as_deref()?;
        (a.itemprop.as_deref() == Some("image") && !src.starts_with("data:"))
            .then(|| src.to_string())
    })
}

fn clean_author(s: &str) -> Option<String> {
    let mut t = meta::clean_inline(s);
    if t.starts_with("http") || t.contains("://") || t.contains('@') && !t.contains(' ') {
        return None;
    }
    // A job title split off "NAME, AP Auto Writer" is not a second author.
    let lower = t.to_lowercase();
    if [
        "writer",
        "editor",
        "reporter",
        "correspondent",
        "contributor",
        "columnist",
        "staff",
    ]
    .iter()
    .any(|r| lower.split_whitespace().any(|w| w == *r))
    {
        return None;
    }
    for p in ["By ", "by ", "BY ", "Written by ", "Posted by "] {
        if let Some(r) = t.strip_prefix(p) {
            t = r.trim().to_string();
        }
    }
    let t = t
        .trim_matches(|c: char| c == ',' || c == '|' || c.is_whitespace())
        .to_string();
    let words = t.split_whitespace().count();
    ((1..=6).contains(&words) && t.chars().count() <= 60 && t.chars().any(|c| c.is_alphabetic()))
        .then_some(t)
}

fn find_authors(m: &meta::Meta, dom: &dom::Dom) -> Vec<String> {
    let mut raw: Vec<String> = m.ld_authors.clone();
    if raw.is_empty() {
        for n in [
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "sailthru.author",
            "byl",
            "twitter:creator",
        ] {
            raw.extend(m.meta_all(n).map(|s| s.to_string()));
            if !raw.is_empty() {
                break;
            }
        }
    }
    if raw.is_empty() {
        for (i, n) in dom.nodes.iter().enumerate() {
            let Some(a) = dom.attrs(i) else { continue };
            let is_author = a.itemprop.as_deref() == Some("author")
                || a.rel
                    .as_deref()
                    .is_some_and(|r| r.split_whitespace().any(|t| t == "author"));
            if is_author && n.tag != dom::Tag::Meta && n.tag != dom::Tag::Link {
                // `itemprop=author` may wrap `itemprop=name`; its text is the name either way.
                let t = dom.subtree_text(i, &|_| false);
                if !t.is_empty() {
                    raw.push(t);
                }
            }
            if raw.len() >= 5 {
                break;
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        // "A, B and C" → three names.
        for part in r
            .split(" and ")
            .flat_map(|p| p.split(", "))
            .flat_map(|p| p.split(" & "))
        {
            if let Some(a) = clean_author(part) {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
                    out.push(a);
                }
            }
        }
    }
    out
}

fn escape_into(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

fn inline_html(out: &mut String, b: &Block, resolve: &dyn Fn(&str) -> String) {
    let mut pos = 0;
    let mut links: Vec<&(usize, usize, String)> = b.links.iter().filter(|l| l.0 < l.1).collect();
    links.sort_by_key(|l| l.0);
    for (s, e, href) in links {
        if *s < pos || !b.text.is_char_boundary(*s) || !b.text.is_char_boundary(*e) {
            continue;
        }
        escape_into(out, &b.text[pos..*s]);
        let abs = resolve(href);
        if abs.starts_with("http://") || abs.starts_with("https://") || abs.starts_with("mailto:") {
            out.push_str("<a href=\"");
            escape_into(out, &abs);
            out.push_str("\">");
            escape_into(out, &b.text[*s..*e]);
            out.push_str("</a>");
        } else {
            escape_into(out, &b.text[*s..*e]);
        }
        pos = *e;
    }
    escape_into(out, &b.text[pos..]);
}

/// Renders blocks as minimal sanitized HTML: p, h2-h6, ul/ol/li, blockquote, pre, a.
fn blocks_to_html(blocks: &[Block], resolve: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut open: Option<(Kind, &'static str)> = None;
    for b in blocks {
        let group = match b.kind {
            Kind::Li { ordered, .. } => Some(if ordered { "ol" } else { "ul" }),
            Kind::Quote(_) => Some("blockquote"),
            _ => None,
        };
        let same = match (open, b.kind) {
            (Some((Kind::Li { list: a, .. }, _)), Kind::Li { list: c, .. }) => a == c,
            (Some((Kind::Quote(a), _)), Kind::Quote(c)) => a == c,
            _ => false,
        };
        if !same {
            if let Some((_, tag)) = open.take() {
                out.push_str(&format!("</{tag}>\n"));
            }
            if let Some(tag) = group {
                out.push_str(&format!("<{tag}>\n"));
                open = Some((b.kind, tag));
            }
        }
        let (o, c) = match b.kind {
            Kind::P | Kind::Quote(_) => ("<p>".to_string(), "</p>".to_string()),
            Kind::H(l) => {
                let l = l.clamp(2, 6);
                (format!("<h{l}>"), format!("</h{l}>"))
            }
            Kind::Li { .. } => ("<li>".to_string(), "</li>".to_string()),
            Kind::Pre => ("<pre>".to_string(), "</pre>".to_string()),
        };
        out.push_str(&o);
        inline_html(&mut out, b, resolve);
        out.push_str(&c);
        out.push('\n');
    }
    if let Some((_, tag)) = open {
        out.push_str(&format!("</{tag}>\n"));
    }
    out
}
