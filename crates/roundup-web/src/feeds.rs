//! Feeds out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the front page, each section and each
//! edition kind. Links are absolute (from the configured base URL), dates are RFC 822 (RSS)
//! and RFC 3339 (Atom, JSON Feed), ids are the permanent absolute URLs of the items, and all
//! text is escaped (characters XML 1.0 forbids are dropped).

use crate::error::WebError;
use crate::pages::{front_cards, parse_section, section_cards};
use crate::view::{self, EditionView, StoryCard};
use crate::Shared;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// One feed item.
struct Item {
    id: String,
    url: String,
    title: String,
    summary: String,
    category: String,
    published: DateTime<Utc>,
}

/// A feed, independent of its format.
struct Feed {
    title: String,
    description: String,
    /// Site path of the HTML page the feed mirrors.
    home: String,
    /// Site path of the feed itself, without extension ("/section/world/feed").
    base_path: String,
    updated: DateTime<Utc>,
    items: Vec<Item>,
}

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn path(self, base: &str) -> String {
        // base is the folder-like prefix: "" for the front page, "/section/x", "/editions/k".
        match self {
            Format::Rss => format!("{base}/feed.xml"),
            Format::Atom => format!("{base}/atom.xml"),
            Format::Json => format!("{base}/feed.json"),
        }
    }
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn render_rss(st: &Shared, f: &Feed) -> String {
    let cfg = &st.cfg;
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    let _ = writeln!(o, "<title>{}</title>", xml_escape(&f.title));
    let _ = writeln!(o, "<link>{}</link>", xml_escape(&cfg.abs(&f.home)));
    let _ = writeln!(
        o,
        "<description>{}</description>",
        xml_escape(&f.description)
    );
    let _ = writeln!(
        o,
        "<lastBuildDate>{}</lastBuildDate>",
        f.updated.to_rfc2822()
    );
    let _ = writeln!(
        o,
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        xml_escape(&cfg.abs(&Format::Rss.path(&f.base_path)))
    );
    for i in &f.items {
        o.push_str("<item>\n");
        let _ = writeln!(o, "<title>{}</title>", xml_escape(&i.title));
        let _ = writeln!(o, "<link>{}</link>", xml_escape(&i.url));
        let _ = writeln!(o, "<guid isPermaLink=\"true\">{}</guid>", xml_escape(&i.id));
        let _ = writeln!(o, "<pubDate>{}</pubDate>", i.published.to_rfc2822());
        if !i.summary.is_empty() {
            // RSS descriptions are HTML by convention: escape the text as HTML first so a
            // reader shows it as text, never as markup.
            let _ = writeln!(
                o,
                "<description>{}</description>",
                xml_escape(&view::escape_html(&i.summary))
            );
        }
        if !i.category.is_empty() {
            let _ = writeln!(o, "<category>{}</category>", xml_escape(&i.category));
        }
        o.push_str("</item>\n");
    }
    o.push_str("</channel>\n</rss>\n");
    o
}

fn render_atom(st: &Shared, f: &Feed) -> String {
    let cfg = &st.cfg;
    let self_url = cfg.abs(&Format::Atom.path(&f.base_path));
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(o, "<id>{}</id>", xml_escape(&self_url));
    let _ = writeln!(o, "<title>{}</title>", xml_escape(&f.title));
    let _ = writeln!(o, "<subtitle>{}</subtitle>", xml_escape(&f.description));
    let _ = writeln!(o, "<updated>{}</updated>", rfc3339(f.updated));
    let _ = writeln!(
        o,
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&self_url)
    );
    let _ = writeln!(
        o,
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&cfg.abs(&f.home))
    );
    let _ = writeln!(
        o,
        "<author><name>{}</name></author>",
        xml_escape(&cfg.site_title)
    );
    let _ = writeln!(o, "<generator>roundup</generator>");
    for i in &f.items {
        o.push_str("<entry>\n");
        let _ = writeln!(o, "<id>{}</id>", xml_escape(&i.id));
        let _ = writeln!(o, "<title type=\"text\">{}</title>", xml_escape(&i.title));
        let _ = writeln!(
            o,
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml_escape(&i.url)
        );
        let _ = writeln!(o, "<published>{}</published>", rfc3339(i.published));
        let _ = writeln!(o, "<updated>{}</updated>", rfc3339(i.published));
        if !i.summary.is_empty() {
            let _ = writeln!(
                o,
                "<summary type=\"text\">{}</summary>",
                xml_escape(&i.summary)
            );
        }
        if !i.category.is_empty() {
            let _ = writeln!(o, "<category term=\"{}\"/>", xml_escape(&i.category));
        }
        o.push_str("</entry>\n");
    }
    o.push_str("</feed>\n");
    o
}

fn render_json(st: &Shared, f: &Feed) -> String {
    let cfg = &st.cfg;
    let items: Vec<serde_json::Value> = f
        .items
        .iter()
        .map(|i| {
            let mut v = serde_json::json!({
                "id": i.id,
                "url": i.url,
                "title": i.title,
                "content_text": if i.summary.is_empty() { i.title.clone() } else { i.summary.clone() },
                "date_published": rfc3339(i.published),
                "date_modified": rfc3339(i.published),
            });
            if !i.summary.is_empty() {
                v["summary"] = serde_json::Value::String(i.summary.clone());
            }
            if !i.category.is_empty() {
                v["tags"] = serde_json::json!([i.category]);
            }
            v
        })
        .collect();
    let doc = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": f.title,
        "description": f.description,
        "home_page_url": cfg.abs(&f.home),
        "feed_url": cfg.abs(&Format::Json.path(&f.base_path)),
        "language": "en",
        "authors": [{"name": cfg.site_title}],
        "items": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
}

fn respond(st: &Shared, f: &Feed, fmt: Format) -> Response {
    let (body, ct) = match fmt {
        Format::Rss => (render_rss(st, f), "application/rss+xml; charset=utf-8"),
        Format::Atom => (render_atom(st, f), "application/atom+xml; charset=utf-8"),
        Format::Json => (render_json(st, f), "application/feed+json; charset=utf-8"),
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

fn parse_time(t: &Option<view::TimeView>) -> Option<DateTime<Utc>> {
    t.as_ref()
        .and_then(|t| DateTime::parse_from_rfc3339(&t.iso).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn story_items(st: &Shared, cards: &[StoryCard]) -> Vec<Item> {
    let now = Utc::now();
    cards
        .iter()
        .filter(|c| !c.url.is_empty() && !c.headline.trim().is_empty())
        .map(|c| {
            let url = st.cfg.abs(&c.url);
            let mut summary = c.summary.clone();
            for f in &c.facts {
                if !summary.contains(f.as_str()) {
                    if !summary.is_empty() {
                        summary.push(' ');
                    }
                    summary.push_str(f);
                }
            }
            Item {
                id: url.clone(),
                url,
                title: c.headline.clone(),
                summary,
                category: c.section_title.clone(),
                published: parse_time(&c.time).unwrap_or(now),
            }
        })
        .collect()
}

fn newest(items: &[Item]) -> DateTime<Utc> {
    items
        .iter()
        .map(|i| i.published)
        .max()
        .unwrap_or_else(|| view::from_unix(0))
}

async fn front_feed(st: &Shared) -> Result<Feed, WebError> {
    let cards = front_cards(st).await?;
    let items = story_items(st, &cards);
    Ok(Feed {
        title: st.cfg.site_title.clone(),
        description: format!("Today's biggest stories on {}", st.cfg.site_title),
        home: "/".into(),
        base_path: String::new(),
        updated: newest(&items),
        items,
    })
}

async fn section_feed(st: &Shared, name: &str) -> Result<Feed, WebError> {
    let (sec, _) = parse_section(name)?;
    let cards = section_cards(st, sec, 50).await?;
    let items = story_items(st, &cards);
    Ok(Feed {
        title: format!("{} — {}", sec.title(), st.cfg.site_title),
        description: format!("{} stories on {}", sec.title(), st.cfg.site_title),
        home: format!("/section/{}", sec.as_str()),
        base_path: format!("/section/{}", sec.as_str()),
        updated: newest(&items),
        items,
    })
}

/// Edition kinds with a feed even before their first edition.
const KNOWN_KINDS: &[&str] = &["front-page", "briefing", "ten-things", "good-news"];

async fn editions_feed(st: &Shared, kind: &str) -> Result<Feed, WebError> {
    let valid = !kind.is_empty()
        && kind.len() <= 40
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(WebError::NotFound(format!("edition kind {kind}")));
    }
    let eds = st.store.editions(Some(kind), None, 50).await?;
    if eds.is_empty() && !KNOWN_KINDS.contains(&kind) {
        return Err(WebError::NotFound(format!("edition kind {kind}")));
    }
    let items: Vec<Item> = eds
        .iter()
        .map(|e| {
            let v = EditionView::from_row(e);
            let url = st.cfg.abs(&v.url);
            let mut summary = v.intro.clone();
            for (n, c) in v.items.iter().enumerate() {
                if !summary.is_empty() {
                    summary.push('\n');
                }
                let _ = write!(summary, "{}. {}", n + 1, c.headline);
            }
            Item {
                id: url.clone(),
                url,
                title: v.title.clone(),
                summary,
                category: v.kind_title.clone(),
                published: view::from_unix(e.published_at),
            }
        })
        .collect();
    let title = view::kind_title(kind);
    Ok(Feed {
        title: format!("{title} — {}", st.cfg.site_title),
        description: format!("Every {title} edition of {}", st.cfg.site_title),
        home: "/archive".into(),
        base_path: format!("/editions/{kind}"),
        updated: newest(&items),
        items,
    })
}

/// GET /feed.xml.
pub(crate) async fn front_rss(State(st): State<Shared>) -> Result<Response, WebError> {
    Ok(respond(&st, &front_feed(&st).await?, Format::Rss))
}
/// GET /atom.xml.
pub(crate) async fn front_atom(State(st): State<Shared>) -> Result<Response, WebError> {
    Ok(respond(&st, &front_feed(&st).await?, Format::Atom))
}
/// GET /feed.json.
pub(crate) async fn front_json(State(st): State<Shared>) -> Result<Response, WebError> {
    Ok(respond(&st, &front_feed(&st).await?, Format::Json))
}
/// GET /section/{name}/feed.xml.
pub(crate) async fn section_rss(
    State(st): State<Shared>,
    Path(n): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &section_feed(&st, &n).await?, Format::Rss))
}
/// GET /section/{name}/atom.xml.
pub(crate) async fn section_atom(
    State(st): State<Shared>,
    Path(n): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &section_feed(&st, &n).await?, Format::Atom))
}
/// GET /section/{name}/feed.json.
pub(crate) async fn section_json(
    State(st): State<Shared>,
    Path(n): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &section_feed(&st, &n).await?, Format::Json))
}
/// GET /editions/{kind}/feed.xml.
pub(crate) async fn editions_rss(
    State(st): State<Shared>,
    Path(k): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &editions_feed(&st, &k).await?, Format::Rss))
}
/// GET /editions/{kind}/atom.xml.
pub(crate) async fn editions_atom(
    State(st): State<Shared>,
    Path(k): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &editions_feed(&st, &k).await?, Format::Atom))
}
/// GET /editions/{kind}/feed.json.
pub(crate) async fn editions_json(
    State(st): State<Shared>,
    Path(k): Path<String>,
) -> Result<Response, WebError> {
    Ok(respond(&st, &editions_feed(&st, &k).await?, Format::Json))
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn xml_escape_drops_forbidden_chars() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}\u{FFFF}c\n"),
            "a&lt;b&gt;&amp;&quot;&apos;c\n"
        );
    }
}
