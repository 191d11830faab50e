//! Conversion of the normalized result into pipeline values: [`FeedEntry`] for every entry
//! and [`FeedInfo`] for the feed itself.

use crate::html::html_to_text;
use crate::{dates, ParsedFeed};
use roundup_model::FeedEntry;
use serde_json::{Map, Value};
use std::time::Duration;

/// `sy:updatePeriod` of the RSS syndication module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatePeriod {
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

impl UpdatePeriod {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "hourly" => UpdatePeriod::Hourly,
            "daily" => UpdatePeriod::Daily,
            "weekly" => UpdatePeriod::Weekly,
            "monthly" => UpdatePeriod::Monthly,
            "yearly" => UpdatePeriod::Yearly,
            _ => return None,
        })
    }

    /// Length of one period.
    pub fn duration(self) -> Duration {
        Duration::from_secs(match self {
            UpdatePeriod::Hourly => 3600,
            UpdatePeriod::Daily => 86_400,
            UpdatePeriod::Weekly => 7 * 86_400,
            UpdatePeriod::Monthly => 30 * 86_400,
            UpdatePeriod::Yearly => 365 * 86_400,
        })
    }
}

/// Feed-level information.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedInfo {
    /// Feed title, plain text.
    pub title: Option<String>,
    /// The site the feed belongs to (first alternate link).
    pub link: Option<String>,
    /// Feed description / subtitle, plain text.
    pub description: Option<String>,
    /// Language tag (`en`, `en-US`).
    pub language: Option<String>,
    /// RSS `<ttl>` in minutes.
    pub ttl_minutes: Option<u32>,
    /// `sy:updatePeriod`.
    pub update_period: Option<UpdatePeriod>,
    /// `sy:updateFrequency` (times per period, default 1).
    pub update_frequency: Option<u32>,
    /// Feed logo / image URL.
    pub image: Option<String>,
    /// Detected format (`rss20`, `atom10`, `json11`, …).
    pub version: String,
}

impl FeedInfo {
    /// How often the publisher says the feed changes: TTL first, then the syndication
    /// module's period / frequency. `None` when the feed does not say.
    pub fn suggested_poll_interval(&self) -> Option<Duration> {
        if let Some(t) = self.ttl_minutes.filter(|t| *t > 0) {
            return Some(Duration::from_secs(u64::from(t) * 60));
        }
        let p = self.update_period?;
        let f = self.update_frequency.unwrap_or(1).max(1);
        Some(p.duration() / f)
    }
}

fn get_str<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn detail_type<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(&format!("{k}_detail"))
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("text/plain")
}

fn is_html(t: &str) -> bool {
    t == "text/html" || t == "application/xhtml+xml"
}

/// Plain text of a text construct.
fn text_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    let v = get_str(m, k)?;
    let t = if is_html(detail_type(m, k)) {
        html_to_text(v)
    } else {
        v.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    Some(t).filter(|t| !t.is_empty())
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn resolve(base: Option<&url::Url>, u: &str) -> String {
    let u = u.trim();
    match base {
        Some(b) => b
            .join(u)
            .map(|j| j.to_string())
            .unwrap_or_else(|_| u.to_string()),
        None => u.to_string(),
    }
}

impl ParsedFeed {
    /// Feed-level information.
    pub fn info(&self) -> FeedInfo {
        let f = &self.feed;
        FeedInfo {
            title: text_of(f, "title"),
            link: get_str(f, "link").map(str::to_string),
            description: text_of(f, "subtitle"),
            language: get_str(f, "language").map(str::to_string),
            ttl_minutes: get_str(f, "ttl").and_then(|t| t.trim().parse().ok()),
            update_period: get_str(f, "sy_updateperiod").and_then(UpdatePeriod::parse),
            update_frequency: get_str(f, "sy_updatefrequency").and_then(|t| t.trim().parse().ok()),
            image: f
                .get("image")
                .and_then(|i| i.get("href").or_else(|| i.get("url")))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| get_str(f, "logo").map(str::to_string)),
            version: self.version.clone(),
        }
    }

    /// Converts every entry to a [`FeedEntry`]: plain-text title and summary, sanitized
    /// summary HTML (no scripts, event handlers or `javascript:` URLs), links and image
    /// resolved against `feed_url` (after `xml:base`), and the entry's position.
    pub fn entries(&self, feed_url: Option<&str>) -> Vec<FeedEntry> {
        let base = feed_url.and_then(|u| url::Url::parse(u).ok());
        let mut cleaner = ammonia::Builder::default();
        if let Some(b) = &base {
            cleaner.url_relative(ammonia::UrlRelative::RewriteWithBase(b.clone()));
        } else {
            cleaner.url_relative(ammonia::UrlRelative::PassThrough);
        }
        let feed_authors = names_of(&self.feed);
        self.items
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut fe = convert(e, i, base.as_ref(), &cleaner);
                if fe.authors.is_empty() {
                    fe.authors = feed_authors.clone();
                }
                fe
            })
            .collect()
    }
}

fn convert(
    e: &Map<String, Value>,
    position: usize,
    base: Option<&url::Url>,
    cleaner: &ammonia::Builder<'_>,
) -> FeedEntry {
    let link = get_str(e, "link").map(str::to_string).or_else(|| {
        e.get("links")?
            .as_array()?
            .iter()
            .find(|l| l.get("rel").and_then(Value::as_str) == Some("alternate"))?
            .get("href")?
            .as_str()
            .map(str::to_string)
    });
    let url = link.map(|l| {
        let r = resolve(base, &l);
        crate::canonicalize_url(&r).unwrap_or(r)
    });
    let content = e
        .get("content")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .cloned();
    let content_html = content.as_ref().map(|c| {
        let v = c.get("value").and_then(Value::as_str).unwrap_or("");
        let t = c
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("text/plain");
        (v.to_string(), is_html(t))
    });
    let summary_raw =
        get_str(e, "summary").map(|s| (s.to_string(), is_html(detail_type(e, "summary"))));
    let summary = summary_raw
        .as_ref()
        .map(|(v, h)| {
            if *h {
                html_to_text(v)
            } else {
                v.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        })
        .unwrap_or_default();
    let html_src = summary_raw.clone().or_else(|| content_html.clone());
    let summary_html = match html_src {
        Some((v, true)) => cleaner.clean(&v).to_string(),
        Some((v, false)) => escape_html(&v),
        None => String::new(),
    };
    let content_text = content_html
        .map(|(v, h)| {
            if h {
                html_to_text(&v)
            } else {
                v.trim().to_string()
            }
        })
        .unwrap_or_default();
    let summary = if summary.is_empty() {
        content_text.chars().take(600).collect()
    } else {
        summary
    };
    let authors = names_of(e);
    let categories: Vec<String> = e
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|x| {
                    x.get("label")
                        .and_then(Value::as_str)
                        .or_else(|| x.get("term").and_then(Value::as_str))
                })
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    let published = get_str(e, "published").and_then(dates::parse_date);
    let updated = get_str(e, "updated").and_then(dates::parse_date);
    FeedEntry {
        guid: get_str(e, "id").map(|s| s.trim().to_string()),
        url,
        title: text_of(e, "title").unwrap_or_default(),
        summary,
        summary_html,
        content: content_text,
        authors,
        categories,
        published: published.or(updated),
        updated,
        image: image_of(e).map(|i| resolve(base, &i)),
        position: position as u32,
    }
}

/// Author names of an entry or feed.
fn names_of(e: &Map<String, Value>) -> Vec<String> {
    let mut authors: Vec<String> = e
        .get("authors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    x.get("name")
                        .and_then(Value::as_str)
                        .or_else(|| x.get("email").and_then(Value::as_str))
                })
                .map(|s| s.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    authors.retain(|a| !a.is_empty());
    if authors.is_empty() {
        if let Some(a) = e
            .get("author_detail")
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
            .or_else(|| get_str(e, "author"))
        {
            authors.push(a.trim().to_string());
        }
    }
    authors.retain(|a| !a.is_empty());
    authors
}

fn image_of(e: &Map<String, Value>) -> Option<String> {
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|x| !x.trim().is_empty())
            .map(str::to_string)
    };
    if let Some(links) = e.get("links").and_then(Value::as_array) {
        for l in links {
            if l.get("rel").and_then(Value::as_str) == Some("enclosure")
                && l.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("image/"))
            {
                if let Some(h) = s(l, "href") {
                    return Some(h);
                }
            }
        }
    }
    if let Some(mc) = e.get("media_content").and_then(Value::as_array) {
        for m in mc {
            let medium = m.get("medium").and_then(Value::as_str) == Some("image");
            let typ = m
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("image/"));
            let ext = m.get("url").and_then(Value::as_str).is_some_and(|u| {
                let p = u
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"]
                    .iter()
                    .any(|x| p.ends_with(x))
            });
            if medium || typ || ext {
                if let Some(u) = s(m, "url") {
                    return Some(u);
                }
            }
        }
    }
    if let Some(t) = e
        .get("media_thumbnail")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
    {
        if let Some(u) = s(t, "url") {
            return Some(u);
        }
    }
    if let Some(i) = e.get("image") {
        if let Some(h) = s(i, "href").or_else(|| s(i, "url")) {
            return Some(h);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::parse_feed_with;
    use crate::ParseOptions;

    #[test]
    fn rss_entry_conversion() {
        let doc = br#"<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel><title>Gazette</title><link>http://example.org/</link><language>en-us</language><ttl>30</ttl>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
<item><title>First &amp; foremost</title><link>/news/1?utm_source=rss&amp;id=7</link><guid isPermaLink="false">g1</guid>
<description>&lt;p onclick="evil()"&gt;Hello &lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt; &lt;img src="/i.png"&gt;&lt;script&gt;bad()&lt;/script&gt;&lt;/p&gt;</description>
<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><category>World</category><author>ed@example.org (Ed)</author>
<media:content url="http://cdn.example.org/a.jpg" medium="image"/></item>
<item><title>Second</title><enclosure url="/pic.png" type="image/png" length="1"/></item>
</channel></rss>"#;
        let f = parse_feed_with(
            doc,
            &ParseOptions {
                base_url: Some("http://example.org/feed.xml".into()),
                charset: None,
            },
        )
        .unwrap();
        let info = f.info();
        assert_eq!(info.title.as_deref(), Some("Gazette"));
        assert_eq!(info.language.as_deref(), Some("en-us"));
        assert_eq!(info.ttl_minutes, Some(30));
        assert_eq!(
            info.suggested_poll_interval(),
            Some(std::time::Duration::from_secs(1800))
        );
        let es = f.entries(Some("http://example.org/feed.xml"));
        assert_eq!(es.len(), 2);
        let e = &es[0];
        assert_eq!(e.title, "First & foremost");
        assert_eq!(e.url.as_deref(), Some("http://example.org/news/1?id=7"));
        assert_eq!(e.guid.as_deref(), Some("g1"));
        assert!(
            !e.summary_html.contains("script")
                && !e.summary_html.contains("onclick")
                && !e.summary_html.contains("javascript:"),
            "{}",
            e.summary_html
        );
        assert!(
            e.summary_html.contains("http://example.org/i.png"),
            "{}",
            e.summary_html
        );
        assert_eq!(e.summary, "Hello x");
        assert_eq!(e.categories, ["World"]);
        assert_eq!(e.authors, ["Ed"]);
        assert_eq!(
            e.published.map(|d| d.to_rfc3339()),
            Some("2003-06-10T04:00:00+00:00".into())
        );
        assert_eq!(e.image.as_deref(), Some("http://cdn.example.org/a.jpg"));
        assert_eq!(es[1].position, 1);
        assert_eq!(es[1].image.as_deref(), Some("http://example.org/pic.png"));
    }

    #[test]
    fn sy_period_without_ttl() {
        let doc = br#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency></channel></rss>"#;
        let info = crate::parse_feed(doc).unwrap().info();
        assert_eq!(info.update_period, Some(super::UpdatePeriod::Daily));
        assert_eq!(
            info.suggested_poll_interval(),
            Some(std::time::Duration::from_secs(21_600))
        );
    }

    #[test]
    fn json_feed_conversion() {
        let doc = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://j.example/","items":[{"id":"1","url":"https://j.example/1","title":"One","content_html":"<p>Hi<script>x()</script></p>","image":"https://j.example/1.png","date_published":"2020-01-02T03:04:05Z","tags":["a"]}]}"#;
        let f = crate::parse_feed(doc).unwrap();
        assert_eq!(f.version, "json11");
        let e = &f.entries(None)[0];
        assert_eq!(e.title, "One");
        assert_eq!(e.summary, "Hi");
        assert!(!e.summary_html.contains("script"));
        assert_eq!(e.image.as_deref(), Some("https://j.example/1.png"));
        assert_eq!(e.categories, ["a"]);
    }
}
