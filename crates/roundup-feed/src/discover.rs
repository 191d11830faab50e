//! Feed autodiscovery: `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">`
//! in an HTML page, resolved against the page URL (and `<base href>`), plus the common
//! candidate paths a caller can probe when the page advertises nothing.

use crate::html::{Tok, Tokenizer};

/// A feed advertised by an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFeed {
    /// Absolute feed URL.
    pub url: String,
    /// The link's `title`, if any.
    pub title: Option<String>,
    /// The advertised media type (`application/rss+xml`, …).
    pub mime_type: String,
}

const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json+feed",
];

/// Paths commonly serving a site's feed, in the order worth probing.
pub const CANDIDATE_PATHS: &[&str] = &[
    "/feed",
    "/rss",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/rss.xml",
    "/feed.json",
];

fn decode_attr(v: &str) -> String {
    crate::html::html_to_text(v)
}

/// Feeds advertised in `html`, resolved against `page_url`, in document order, without duplicates.
pub fn discover_feeds(html: &str, page_url: &str) -> Vec<DiscoveredFeed> {
    let mut base = url::Url::parse(page_url).ok();
    let mut out: Vec<DiscoveredFeed> = Vec::new();
    for tok in Tokenizer::new(html) {
        let Tok::Start { name, attrs, .. } = tok else {
            continue;
        };
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if name == "base" {
            if let Some(h) = get("href") {
                let joined = match &base {
                    Some(b) => b.join(h.trim()).ok(),
                    None => url::Url::parse(h.trim()).ok(),
                };
                if joined.is_some() {
                    base = joined;
                }
            }
            continue;
        }
        if name != "link" {
            continue;
        }
        let rel = get("rel").unwrap_or("").to_ascii_lowercase();
        if !rel.split_ascii_whitespace().any(|r| r == "alternate") {
            continue;
        }
        let mime = get("type").unwrap_or("").trim().to_ascii_lowercase();
        let mime = mime.split(';').next().unwrap_or("").trim().to_string();
        if !FEED_TYPES.contains(&mime.as_str()) {
            continue;
        }
        let Some(href) = get("href").map(decode_attr).filter(|h| !h.is_empty()) else {
            continue;
        };
        let url = match &base {
            Some(b) => match b.join(&href) {
                Ok(u) => u.to_string(),
                Err(_) => continue,
            },
            None => match url::Url::parse(&href) {
                Ok(u) => u.to_string(),
                Err(_) => continue,
            },
        };
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || out.iter().any(|f| f.url == url)
        {
            continue;
        }
        let title = get("title").map(decode_attr).filter(|t| !t.is_empty());
        out.push(DiscoveredFeed {
            url,
            title,
            mime_type: mime,
        });
    }
    out
}

/// Common feed locations on the site of `page_url` (see [`CANDIDATE_PATHS`]).
pub fn candidate_urls(page_url: &str) -> Vec<String> {
    let Ok(base) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    CANDIDATE_PATHS
        .iter()
        .filter_map(|p| base.join(p).ok())
        .map(|u| u.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_advertised_feeds() {
        let html = r#"<html><head>
<link rel="stylesheet" href="/s.css">
<LINK REL="alternate" TYPE="application/rss+xml" TITLE="News &amp; more" HREF="/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://other.example/atom">
<link rel="alternate" type="application/feed+json" href="feed.json">
<link rel="alternate" type="text/html" href="/fr/">
<link rel="alternate" type="application/rss+xml" href="/rss.xml">
</head></html>"#;
        let f = discover_feeds(html, "https://example.org/blog/post");
        let urls: Vec<&str> = f.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://example.org/rss.xml",
                "https://other.example/atom",
                "https://example.org/blog/feed.json"
            ]
        );
        assert_eq!(f[0].title.as_deref(), Some("News & more"));
    }

    #[test]
    fn honours_base_and_lists_candidates() {
        let f = discover_feeds(
            r#"<base href="https://cdn.example/x/"><link rel="alternate feed" type="application/atom+xml" href="a.xml">"#,
            "https://example.org/",
        );
        assert_eq!(f[0].url, "https://cdn.example/x/a.xml");
        let c = candidate_urls("https://example.org/some/page?x=1");
        assert_eq!(c[0], "https://example.org/feed");
        assert_eq!(c.len(), 7);
        assert!(c.contains(&"https://example.org/feed.json".to_string()));
        assert!(candidate_urls("not a url").is_empty());
    }
}
