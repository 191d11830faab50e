//! RSS, Atom and JSON Feed parsing to [`FeedEntry`](roundup_model::FeedEntry); OPML import and
//! export; feed autodiscovery; URL canonicalization.
//!
//! # Main types
//! - [`parse_feed`] / [`parse_feed_with`] turn raw bytes (any encoding) into a [`ParsedFeed`]:
//!   RSS 0.90–2.0, RSS 1.0 (RDF), Atom 0.3/1.0, CDF and JSON Feed 1.0/1.1 all end up in one
//!   normalized vocabulary (the one Python's feedparser uses: `title`, `title_detail`,
//!   `links`, `published_parsed`, `itunes_*`, `media_*`, …). Ill-formed XML is parsed
//!   leniently and flagged ([`ParsedFeed::bozo`]); only input that is not a feed at all is a
//!   [`FeedError`].
//! - [`ParsedFeed::entries`] converts to pipeline [`FeedEntry`](roundup_model::FeedEntry)
//!   values (plain text + sanitized HTML, resolved links, image, position);
//!   [`ParsedFeed::info`] gives the feed-level [`FeedInfo`] (title, link, language, TTL and
//!   `sy:updatePeriod`/`updateFrequency` for adaptive polling).
//! - [`ParsedFeed::to_json`] prints the normalized result (the `roundup parse-feed --json`
//!   contract, checked against feedparser's test suite by `scripts/eval.d/feeds.sh`).
//! - [`discover`]: `<link rel="alternate">` feeds in an HTML page plus common candidate paths.
//! - [`opml`]: OPML import (nested folders, custom attributes) and OPML 2.0 export.
//! - [`canonicalize_url`]: scheme/host lower-cased, default port, fragment and tracking
//!   parameters dropped.
//!
//! The XML side is a small tolerant tokenizer of our own (`xml` module) feeding an
//! event-driven handler (`fp` module): one pass, no DOM, linear in the input, no recursion
//! (deep nesting is safe).
//!
//! # Fuzzing
//! `crates/roundup-feed/fuzz/` holds cargo-fuzz targets `feed` (any bytes → parser and
//! entry conversion) and `opml` (any bytes → OPML import). The folder has its own
//! `[workspace]` table so it is not built with the main workspace. Run with a nightly
//! toolchain and cargo-fuzz installed:
//! ```text
//! cd crates/roundup-feed/fuzz && cargo +nightly fuzz run feed
//! cd crates/roundup-feed/fuzz && cargo +nightly fuzz run opml
//! ```
//! (Nightly is not installed on the build machine; the targets are kept compile-ready.)

mod dates;
pub mod discover;
mod encoding;
mod entities;
mod entry;
mod fp;
mod html;
mod jsonfeed;
pub mod opml;
mod uri;
mod xml;

pub use dates::parse_date;
pub use discover::{candidate_urls, discover_feeds, DiscoveredFeed};
pub use entry::{FeedInfo, UpdatePeriod};
pub use html::html_to_text;
pub use uri::{canonicalize_url, urljoin};

use serde_json::{Map, Value};

/// Why a document could not be used as a feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The input was empty (or only whitespace).
    #[error("empty document")]
    Empty,
    /// The bytes are not XML (no element found) and not JSON.
    #[error("not XML: {0}")]
    NotXml(String),
    /// The XML root element is not a known feed element.
    #[error("unknown root element <{0}>: not RSS, Atom, RDF or CDF")]
    UnknownRoot(String),
    /// The document looks like JSON but is not a valid JSON Feed.
    #[error("invalid JSON Feed: {0}")]
    InvalidJsonFeed(String),
    /// A URL could not be parsed or is not hierarchical.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An OPML document could not be read.
    #[error("invalid OPML: {0}")]
    InvalidOpml(String),
}

/// Options for [`parse_feed_with`].
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The document's URL; relative links resolve against it (after any `xml:base`).
    pub base_url: Option<String>,
    /// A charset from the HTTP `Content-Type`, if any; it wins over the XML declaration.
    pub charset: Option<String>,
}

/// A parsed feed in the normalized vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// Detected format: `rss20`, `rss10`, `rss091u`, `atom10`, `atom03`, `cdf`, `json1`, `json11`, … or "".
    pub version: String,
    /// Character encoding used to decode the document (lower-case label).
    pub encoding: String,
    /// Why the document is not well-formed, when it was parsed leniently.
    pub bozo: Option<String>,
    /// Namespace prefix → URI as declared (default namespace under "").
    pub namespaces: Map<String, Value>,
    /// Feed-level fields.
    pub feed: Map<String, Value>,
    /// Entries in document order.
    pub items: Vec<Map<String, Value>>,
}

impl ParsedFeed {
    /// The normalized result as one JSON object (the `parse-feed --json` output).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("bozo".into(), Value::from(u8::from(self.bozo.is_some())));
        m.insert(
            "bozo_exception".into(),
            self.bozo.clone().map_or(Value::Null, Value::String),
        );
        m.insert("version".into(), Value::String(self.version.clone()));
        m.insert("encoding".into(), Value::String(self.encoding.clone()));
        m.insert("namespaces".into(), Value::Object(self.namespaces.clone()));
        m.insert("feed".into(), Value::Object(self.feed.clone()));
        m.insert(
            "entries".into(),
            Value::Array(self.items.iter().cloned().map(Value::Object).collect()),
        );
        Value::Object(m)
    }
}

/// Parses a feed document (RSS, Atom, RDF, CDF or JSON Feed) from raw bytes.
///
/// Ill-formed XML is recovered and flagged in [`ParsedFeed::bozo`]; an error is returned
/// only when the input is not a feed at all.
pub fn parse_feed(bytes: &[u8]) -> Result<ParsedFeed, FeedError> {
    parse_feed_with(bytes, &ParseOptions::default())
}

/// [`parse_feed`] with a document URL and/or transport charset.
pub fn parse_feed_with(bytes: &[u8], opts: &ParseOptions) -> Result<ParsedFeed, FeedError> {
    let (parsed, fatal) = parse_inner(bytes, opts);
    match fatal {
        Some(e) => Err(e),
        None => Ok(parsed),
    }
}

/// Parses whatever `bytes` hold and always returns a result (for diagnostics tools such as
/// `roundup parse-feed`): what could not be used is reported through `bozo`.
pub fn parse_feed_lenient(bytes: &[u8], opts: &ParseOptions) -> ParsedFeed {
    let (mut parsed, fatal) = parse_inner(bytes, opts);
    if let (Some(e), None) = (fatal, &parsed.bozo) {
        parsed.bozo = Some(e.to_string());
    }
    parsed
}

fn parse_inner(bytes: &[u8], opts: &ParseOptions) -> (ParsedFeed, Option<FeedError>) {
    let base = opts.base_url.clone().unwrap_or_default();
    let mut out = ParsedFeed {
        version: String::new(),
        encoding: String::new(),
        bozo: None,
        namespaces: Map::new(),
        feed: Map::new(),
        items: Vec::new(),
    };
    let decoded = encoding::decode(bytes, opts.charset.as_deref());
    out.encoding = decoded.encoding.clone();
    let text = decoded.text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        out.bozo = Some("document is empty".into());
        return (out, Some(FeedError::Empty));
    }
    if text.trim_start().starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(doc) => match jsonfeed::map(&doc, &base) {
                Ok((version, feed, items)) => {
                    out.version = version;
                    out.feed = feed;
                    out.items = items;
                    (out, None)
                }
                Err(e) => {
                    out.bozo = Some(format!("invalid JSON Feed: {e}"));
                    (out, Some(FeedError::InvalidJsonFeed(e)))
                }
            },
            Err(e) => {
                out.bozo = Some(format!("invalid JSON: {e}"));
                (out, Some(FeedError::InvalidJsonFeed(e.to_string())))
            }
        };
    }
    let initial_version = if netscape_doctype(text) {
        "rss091n"
    } else {
        ""
    };
    let r = fp::parse_xml(text, initial_version, &base, decoded.encoding == "utf-8");
    out.version = r.version;
    out.feed = r.feed;
    out.items = r.entries;
    out.namespaces = r.namespaces;
    let mut fatal = None;
    if let Some(e) = r.xml_error {
        out.bozo = Some(format!("XML error: {e}"));
        if r.root.is_none() {
            fatal = Some(FeedError::NotXml(e));
        }
    } else if let Some(p) = decoded.problem {
        out.bozo = Some(format!("character encoding: {p}"));
    }
    if fatal.is_none() {
        if let Some(root) = &r.root {
            if !matches!(root.as_str(), "rss" | "feed" | "rdf:rdf" | "channel")
                && out.version.is_empty()
            {
                fatal = Some(FeedError::UnknownRoot(root.clone()));
            }
        }
    }
    (out, fatal)
}

fn netscape_doctype(text: &str) -> bool {
    let head_end = text.find('<').map_or(0, |i| i);
    let mut end = text.len().min(head_end + 4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[head_end..end];
    match head.find("<!DOCTYPE").or_else(|| head.find("<!doctype")) {
        Some(i) => {
            let d = &head[i..];
            let d = &d[..d.find('>').unwrap_or(d.len())];
            d.to_ascii_lowercase().contains("netscape")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors() {
        assert_eq!(parse_feed(b"   "), Err(FeedError::Empty));
        assert!(matches!(
            parse_feed(b"hello world"),
            Err(FeedError::NotXml(_))
        ));
        assert!(
            matches!(parse_feed(b"<html><body>x</body></html>"), Err(FeedError::UnknownRoot(r)) if r == "html")
        );
        assert!(matches!(
            parse_feed(b"{\"a\": 1}"),
            Err(FeedError::InvalidJsonFeed(_))
        ));
        assert!(matches!(
            parse_feed(b"{nope"),
            Err(FeedError::InvalidJsonFeed(_))
        ));
    }

    #[test]
    fn rss_and_atom_basics() {
        let f = parse_feed(br#"<rss version="2.0"><channel><title>T</title><item><title>A &amp; B</title><link>http://e.org/a</link></item></channel></rss>"#).unwrap();
        assert_eq!(f.version, "rss20");
        assert_eq!(f.bozo, None);
        assert_eq!(f.items[0]["title"], "A & B");
        assert_eq!(f.items[0]["link"], "http://e.org/a");
        let f = parse_feed(br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.org/x/"><entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Hi <b>there</b></div></title><link href="p"/></entry></feed>"#).unwrap();
        assert_eq!(f.version, "atom10");
        assert_eq!(f.items[0]["title"], "Hi <b>there</b>");
        assert_eq!(f.items[0]["link"], "http://e.org/x/p");
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let alphabet = b"<>/&;#x=\"' abc:!-[]?{}\n\xff\xfe\x00rssfeedentryitem";
        for len in [0usize, 1, 7, 64, 512, 4096] {
            for _ in 0..40 {
                let mut v = Vec::with_capacity(len);
                for _ in 0..len {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    v.push(alphabet[(seed % alphabet.len() as u64) as usize]);
                }
                let p = parse_feed_lenient(&v, &ParseOptions::default());
                let _ = p.entries(None);
                let _ = p.info();
            }
        }
        let doc = br#"<rss version="2.0"><channel><title>x</title><item><title>y</title><description>&lt;b&gt;z</description></item></channel></rss>"#;
        for cut in 0..doc.len() {
            let p = parse_feed_lenient(&doc[..cut], &ParseOptions::default());
            let _ = p.entries(Some("http://e.org/"));
        }
    }

    /// Found by `cargo fuzz run feed` / `opml`: a non-ASCII whitespace character (U+00A0 from
    /// a Latin-1 byte) where an attribute name was expected used to split a UTF-8 character.
    #[test]
    fn non_ascii_whitespace_in_a_start_tag() {
        for raw in [
            &b"<X\xa0)\x9a\xa0"[..],
            b"<<\xa0!\xa0!",
            "<a \u{a0}b='1'\u{2003}>x</a>".as_bytes(),
        ] {
            let p = parse_feed_lenient(raw, &ParseOptions::default());
            let _ = p.entries(None);
            assert!(p.bozo.is_some(), "{raw:?} is not well-formed");
            let _ = crate::opml::parse_opml(raw);
        }
    }

    #[test]
    fn hostile_documents_stay_linear() {
        let t = std::time::Instant::now();
        let opts = ParseOptions::default();
        // entity expansion bomb
        let mut bomb = String::from("<!DOCTYPE r [<!ENTITY e \"");
        bomb.push_str(&"x".repeat(100_000));
        bomb.push_str("\">]><rss><channel><title>");
        bomb.push_str(&"&e;".repeat(20_000));
        bomb.push_str("</title></channel></rss>");
        let p = parse_feed_lenient(bomb.as_bytes(), &opts);
        assert!(p.bozo.is_some());
        assert!(
            p.feed
                .get("title")
                .and_then(|t| t.as_str())
                .map_or(0, str::len)
                < 2_000_000
        );
        // many attributes, many bogus end tags, many unterminated comments in HTML
        let mut s = String::from("<rss><channel><item><title a0=\"1\"");
        for i in 1..50_000 {
            s.push_str(&format!(" a{i}=\"{i}\""));
        }
        s.push('>');
        s.push_str(&"</nope>".repeat(50_000));
        s.push_str("</title><description>");
        s.push_str(&"&lt;!--x&gt;&lt;!x".repeat(50_000));
        s.push_str(&"&lt;b ".repeat(20_000));
        s.push_str("</description><category>a</category>");
        s.push_str(&"<category>b</category>".repeat(20_000));
        s.push_str("</item></channel></rss>");
        let p = parse_feed_lenient(s.as_bytes(), &opts);
        assert_eq!(p.items.len(), 1);
        let _ = p.entries(None);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(30),
            "took {:?}",
            t.elapsed()
        );
    }

    #[test]
    fn huge_nesting_is_fine() {
        let mut s = String::from("<rss><channel><item><description>");
        s.push_str(&"<div>".repeat(100_000));
        s.push_str("</description></item></channel></rss>");
        let p = parse_feed_lenient(s.as_bytes(), &ParseOptions::default());
        assert!(p.bozo.is_some());
        let _ = p.entries(None);
        let deep = "<a>".repeat(300_000);
        let _ = parse_feed_lenient(deep.as_bytes(), &ParseOptions::default());
    }
}
