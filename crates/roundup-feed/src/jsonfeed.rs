//! JSON Feed 1.0 / 1.1, mapped onto the same vocabulary as the XML formats.

use crate::dates;
use crate::html;
use crate::uri::urljoin;
use serde_json::{json, Map, Value};

/// Result of mapping a JSON Feed document: (version, feed, entries).
pub(crate) type Mapped = (String, Map<String, Value>, Vec<Map<String, Value>>);

fn text_detail(ctype: &str, value: &str, base: &str, lang: &Value) -> Value {
    json!({"type": ctype, "language": lang, "base": base, "value": value})
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn authors_of(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |a: &Value| {
        let mut m = Map::new();
        if let Some(n) = str_of(a, "name") {
            m.insert("name".into(), json!(n));
        }
        if let Some(u) = str_of(a, "url") {
            m.insert("href".into(), json!(u));
        }
        if !m.is_empty() {
            out.push(Value::Object(m));
        }
    };
    if let Some(list) = v.get("authors").and_then(Value::as_array) {
        list.iter().for_each(&mut push);
    } else if let Some(a) = v.get("author").filter(|a| a.is_object()) {
        push(a);
    }
    out
}

fn put_authors(m: &mut Map<String, Value>, authors: Vec<Value>) {
    if let Some(first) = authors.first() {
        if let Some(n) = first.get("name").and_then(Value::as_str) {
            m.insert("author".into(), json!(n));
        }
        m.insert("author_detail".into(), first.clone());
        m.insert("authors".into(), Value::Array(authors));
    }
}

fn put_date(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(d) = v {
        m.insert(key.into(), json!(d));
        let parsed = dates::parse_date(d)
            .map(|d| json!(dates::to_tuple(&d)))
            .unwrap_or(Value::Null);
        m.insert(format!("{key}_parsed"), parsed);
    }
}

/// Maps a parsed JSON value. Errors name what is missing.
pub(crate) fn map(doc: &Value, base: &str) -> Result<Mapped, String> {
    let obj = doc.as_object().ok_or("top level is not an object")?;
    let version_url = obj
        .get("version")
        .and_then(Value::as_str)
        .ok_or("missing \"version\"")?;
    let version = if version_url.contains("jsonfeed.org/version/1.1") {
        "json11"
    } else if version_url.contains("jsonfeed.org/version/1") {
        "json1"
    } else {
        return Err(format!("unknown version {version_url:?}"));
    };
    let items = obj
        .get("items")
        .and_then(Value::as_array)
        .ok_or("missing \"items\" array")?;
    let lang = obj
        .get("language")
        .and_then(Value::as_str)
        .map_or(Value::Null, |l| json!(l));
    let mut feed = Map::new();
    let mut links = Vec::new();
    if let Some(t) = str_of(doc, "title") {
        feed.insert("title".into(), json!(t));
        feed.insert(
            "title_detail".into(),
            text_detail("text/plain", t, base, &lang),
        );
    }
    if let Some(h) = str_of(doc, "home_page_url") {
        let h = urljoin(base, h);
        feed.insert("link".into(), json!(h));
        links.push(json!({"rel": "alternate", "type": "text/html", "href": h}));
    }
    if let Some(f) = str_of(doc, "feed_url") {
        links.push(
            json!({"rel": "self", "type": "application/feed+json", "href": urljoin(base, f)}),
        );
    }
    if !links.is_empty() {
        feed.insert("links".into(), Value::Array(links));
    }
    if let Some(d) = str_of(doc, "description") {
        feed.insert("subtitle".into(), json!(d));
        feed.insert(
            "subtitle_detail".into(),
            text_detail("text/plain", d, base, &lang),
        );
    }
    if let Some(i) = str_of(doc, "icon") {
        feed.insert("image".into(), json!({"href": urljoin(base, i)}));
        feed.insert("logo".into(), json!(urljoin(base, i)));
    }
    if let Some(i) = str_of(doc, "favicon") {
        feed.insert("icon".into(), json!(urljoin(base, i)));
    }
    if let Some(l) = lang.as_str() {
        feed.insert("language".into(), json!(l));
    }
    put_authors(&mut feed, authors_of(doc));
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        if !item.is_object() {
            continue;
        }
        let mut e = Map::new();
        if let Some(id) = item.get("id").and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        }) {
            e.insert("id".into(), json!(id));
            e.insert("guidislink".into(), json!(false));
        }
        let mut links = Vec::new();
        if let Some(u) = str_of(item, "url") {
            let u = urljoin(base, u);
            e.insert("link".into(), json!(u));
            links.push(json!({"rel": "alternate", "type": "text/html", "href": u}));
        }
        if let Some(u) = str_of(item, "external_url") {
            links.push(json!({"rel": "related", "type": "text/html", "href": urljoin(base, u)}));
        }
        if let Some(atts) = item.get("attachments").and_then(Value::as_array) {
            for a in atts {
                if let Some(u) = str_of(a, "url") {
                    let mut l = Map::new();
                    l.insert("rel".into(), json!("enclosure"));
                    l.insert("href".into(), json!(urljoin(base, u)));
                    if let Some(t) = str_of(a, "mime_type") {
                        l.insert("type".into(), json!(t));
                    }
                    if let Some(n) = a.get("size_in_bytes").and_then(Value::as_u64) {
                        l.insert("length".into(), json!(n.to_string()));
                    }
                    if let Some(t) = str_of(a, "title") {
                        l.insert("title".into(), json!(t));
                    }
                    links.push(Value::Object(l));
                }
            }
        }
        if !links.is_empty() {
            e.insert("links".into(), Value::Array(links));
        }
        if let Some(t) = str_of(item, "title") {
            e.insert("title".into(), json!(t));
            e.insert(
                "title_detail".into(),
                text_detail("text/plain", t, base, &lang),
            );
        }
        let mut content = Vec::new();
        if let Some(h) = str_of(item, "content_html") {
            content.push(text_detail(
                "text/html",
                &html::sanitize(h, base, true, true),
                base,
                &lang,
            ));
        }
        if let Some(t) = str_of(item, "content_text") {
            content.push(text_detail("text/plain", t, base, &lang));
        }
        if let Some(s) = str_of(item, "summary") {
            e.insert("summary".into(), json!(s));
            e.insert(
                "summary_detail".into(),
                text_detail("text/plain", s, base, &lang),
            );
        } else if let Some(first) = content.first() {
            e.insert("summary".into(), first["value"].clone());
            e.insert("summary_detail".into(), first.clone());
        }
        if !content.is_empty() {
            e.insert("content".into(), Value::Array(content));
        }
        if let Some(i) = str_of(item, "image").or_else(|| str_of(item, "banner_image")) {
            e.insert("image".into(), json!({"href": urljoin(base, i)}));
        }
        put_date(&mut e, "published", str_of(item, "date_published"));
        put_date(&mut e, "updated", str_of(item, "date_modified"));
        if let Some(tags) = item.get("tags").and_then(Value::as_array) {
            let t: Vec<Value> = tags
                .iter()
                .filter_map(Value::as_str)
                .map(|t| json!({"term": t, "scheme": null, "label": null}))
                .collect();
            if !t.is_empty() {
                e.insert("tags".into(), Value::Array(t));
            }
        }
        if let Some(l) = item.get("language").and_then(Value::as_str) {
            e.insert("language".into(), json!(l));
        }
        put_authors(&mut e, authors_of(item));
        entries.push(e);
    }
    Ok((version.to_string(), feed, entries))
}
