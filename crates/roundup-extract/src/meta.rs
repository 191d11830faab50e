//! Page metadata: JSON-LD (schema.org), OpenGraph / Twitter / Dublin Core `<meta>` tags,
//! `<link rel=canonical>`, `<title>` and the `lang` attribute.

use crate::dom::{push_normalized, Dom, Tag};
use serde_json::Value;

/// Metadata gathered from structured data and `<meta>` tags, before choosing among sources.
#[derive(Debug, Default, Clone)]
pub(crate) struct Meta {
    pub ld_headline: Option<String>,
    pub ld_body: Option<String>,
    pub ld_authors: Vec<String>,
    pub ld_published: Option<String>,
    pub ld_modified: Option<String>,
    pub ld_image: Option<String>,
    pub ld_url: Option<String>,
    pub ld_publisher: Option<String>,
    pub ld_language: Option<String>,
    pub ld_description: Option<String>,
    /// `<meta>` name/property (lower-cased) → content, in document order.
    pub metas: Vec<(String, String)>,
    pub title_tag: Option<String>,
    pub canonical: Option<String>,
    pub html_lang: Option<String>,
}

impl Meta {
    /// First non-empty `<meta>` content among `names`, in the order of `names`.
    pub fn meta(&self, names: &[&str]) -> Option<&str> {
        for n in names {
            if let Some((_, v)) = self
                .metas
                .iter()
                .find(|(k, v)| k == n && !v.trim().is_empty())
            {
                return Some(v.trim());
            }
        }
        None
    }

    /// All non-empty contents of `<meta>` named `name`.
    pub fn meta_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.metas
            .iter()
            .filter(move |(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

const ARTICLE_TYPES: &[&str] = &[
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "askpublicnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "techarticle",
    "scholarlyarticle",
    "report",
    "review",
    "posting",
    "discussionforumposting",
];

fn type_names(v: &Value) -> Vec<String> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase())
            .collect(),
        _ => Vec::new(),
    }
}

fn str_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Array(a) => a.iter().find_map(|x| str_of(Some(x))),
        Value::Object(o) => str_of(o.get("name")).or_else(|| str_of(o.get("@value"))),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn url_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => (!s.trim().is_empty()).then(|| s.trim().to_string()),
        Value::Array(a) => a.iter().find_map(|x| url_of(Some(x))),
        Value::Object(o) => url_of(o.get("url"))
            .or_else(|| url_of(o.get("contentUrl")))
            .or_else(|| url_of(o.get("@id"))),
        _ => None,
    }
}

fn names_of(v: Option<&Value>, out: &mut Vec<String>) {
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
        Some(Value::Array(a)) => {
            for x in a {
                names_of(Some(x), out);
            }
        }
        Some(Value::Object(o)) => {
            if let Some(n) = str_of(o.get("name")) {
                out.push(n);
            } else if let (Some(g), Some(f)) =
                (str_of(o.get("givenName")), str_of(o.get("familyName")))
            {
                out.push(format!("{g} {f}"));
            }
        }
        _ => {}
    }
}

/// Parses JSON-LD blobs; tolerant of a trailing `;`, CDATA wrappers and raw control characters.
fn parse_ld(raw: &[u8]) -> Option<Value> {
    let s = String::from_utf8_lossy(raw);
    let mut t = s.trim();
    t = t
        .trim_start_matches("//<![CDATA[")
        .trim_start_matches("<![CDATA[")
        .trim();
    t = t
        .trim_end_matches("//]]>")
        .trim_end_matches("]]>")
        .trim()
        .trim_end_matches(';');
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Some(v);
    }
    // Raw newlines / tabs inside strings are a common publisher mistake.
    let cleaned: String = t
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    serde_json::from_str::<Value>(&cleaned).ok()
}

/// Reads every JSON-LD blob into `meta`, preferring the first article-typed object.
pub(crate) fn read_json_ld(blobs: &[Vec<u8>], meta: &mut Meta) {
    let mut articles: Vec<Value> = Vec::new();
    let mut others: Vec<Value> = Vec::new();
    for raw in blobs {
        let Some(v) = parse_ld(raw) else { continue };
        // Iterative walk over the JSON value: arrays, @graph and nested objects.
        let mut stack = vec![(v, 0usize)];
        while let Some((v, depth)) = stack.pop() {
            if depth > 16 {
                continue;
            }
            match v {
                Value::Array(a) => stack.extend(a.into_iter().rev().map(|x| (x, depth + 1))),
                Value::Object(ref o) => {
                    let types = type_names(&v);
                    if let Some(Value::Array(g)) = o.get("@graph") {
                        stack.extend(g.iter().cloned().rev().map(|x| (x, depth + 1)));
                    }
                    if let Some(me @ Value::Object(_)) =
                        o.get("mainEntity").or_else(|| o.get("mainEntityOfPage"))
                    {
                        if !type_names(me).is_empty() {
                            stack.push((me.clone(), depth + 1));
                        }
                    }
                    if types.iter().any(|t| ARTICLE_TYPES.contains(&t.as_str())) {
                        articles.push(v);
                    } else if !types.is_empty() {
                        others.push(v);
                    }
                }
                _ => {}
            }
        }
    }
    // An article with a body or headline beats one without.
    articles.sort_by_key(|a| {
        let body = a
            .get("articleBody")
            .and_then(|b| b.as_str())
            .map(|b| b.len())
            .unwrap_or(0);
        std::cmp::Reverse((a.get("headline").is_some() as usize, body.min(1)))
    });
    if let Some(a) = articles.first() {
        meta.ld_headline = str_of(a.get("headline")).or_else(|| str_of(a.get("name")));
        meta.ld_body = a
            .get("articleBody")
            .and_then(|b| b.as_str())
            .map(|s| s.to_string())
            .filter(|s| !s.trim().is_empty());
        names_of(
            a.get("author").or_else(|| a.get("creator")),
            &mut meta.ld_authors,
        );
        meta.ld_published = str_of(a.get("datePublished")).or_else(|| str_of(a.get("dateCreated")));
        meta.ld_modified = str_of(a.get("dateModified"));
        meta.ld_image = url_of(a.get("image")).or_else(|| url_of(a.get("thumbnailUrl")));
        meta.ld_url = url_of(a.get("url")).or_else(|| url_of(a.get("mainEntityOfPage")));
        meta.ld_publisher = a
            .get("publisher")
            .and_then(|p| str_of(p.get("name")).or_else(|| str_of(Some(p))));
        meta.ld_language = str_of(a.get("inLanguage"));
        meta.ld_description = str_of(a.get("description"));
    }
    for o in &others {
        let types = type_names(o);
        if meta.ld_publisher.is_none()
            && types
                .iter()
                .any(|t| t == "website" || t == "newsmediaorganization" || t == "organization")
        {
            meta.ld_publisher = str_of(o.get("name"));
        }
        if meta.ld_published.is_none() && types.iter().any(|t| t == "webpage" || t == "videoobject")
        {
            meta.ld_published = str_of(o.get("datePublished"));
        }
    }
}

/// Reads `<meta>`, `<link rel=canonical>`, `<title>` and `<html lang>` from the document.
pub(crate) fn read_dom_meta(dom: &Dom, meta: &mut Meta) {
    for (i, n) in dom.nodes.iter().enumerate() {
        match n.tag {
            Tag::Html if meta.html_lang.is_none() => {
                meta.html_lang = dom
                    .attrs(i)
                    .and_then(|a| a.lang.clone())
                    .filter(|l| !l.trim().is_empty());
            }
            Tag::Meta => {
                if let Some(a) = dom.attrs(i) {
                    if let (Some(k), Some(v)) = (&a.meta_name, &a.content) {
                        meta.metas.push((k.clone(), v.clone()));
                    } else if let (Some(k), Some(v)) = (&a.itemprop, &a.content) {
                        meta.metas.push((format!("itemprop:{k}"), v.clone()));
                    }
                }
            }
            Tag::Link if meta.canonical.is_none() => {
                if let Some(a) = dom.attrs(i) {
                    if a.rel
                        .as_deref()
                        .is_some_and(|r| r.split_whitespace().any(|t| t == "canonical"))
                    {
                        meta.canonical = a.href.clone().filter(|h| !h.trim().is_empty());
                    }
                }
            }
            Tag::Title if meta.title_tag.is_none() => {
                let mut s = String::new();
                for j in i + 1..n.end as usize {
                    push_normalized(&mut s, dom.node_text(j));
                }
                let s = s.trim().to_string();
                if !s.is_empty() {
                    meta.title_tag = Some(s);
                }
            }
            _ => {}
        }
    }
}

/// Un-escapes the HTML entities publishers leave in JSON-LD/meta strings and strips tags.
pub(crate) fn clean_inline(s: &str) -> String {
    let mut t = s.to_string();
    if t.contains('<') && t.contains('>') {
        let frag = scraper::Html::parse_fragment(&t);
        let mut out = String::new();
        for node in frag.tree.root().descendants() {
            if let Some(text) = node.value().as_text() {
                out.push_str(text);
            } else if let Some(el) = node.value().as_element() {
                if matches!(el.name(), "p" | "br" | "div" | "li" | "h2" | "h3") {
                    out.push('\n');
                }
            }
        }
        t = out;
    } else if t.contains('&') {
        t = t
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#039;", "'")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ")
            .replace("&#8217;", "\u{2019}")
            .replace("&#8216;", "\u{2018}")
            .replace("&#8220;", "\u{201c}")
            .replace("&#8221;", "\u{201d}");
    }
    let mut out = String::new();
    push_normalized(&mut out, &t);
    out.trim().to_string()
}
