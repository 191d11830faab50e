//! The XML feed handler: turns tokenizer events from any RSS / Atom / RDF / CDF dialect into
//! one normalized result (feed-level fields, entries, detected version, namespaces), using
//! the vocabulary of Python's feedparser so results can be checked against its test suite.
//!
//! It is an event-driven state machine: a stack of open elements collects text, and the
//! end of each known element stores its value in the current context (feed, entry, image,
//! text input, or an entry's source).

use crate::dates;
use crate::html;
use crate::uri::{make_safe_absolute, urljoin};
use crate::xml::{self, Sink, Start};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Namespace URI → conventional prefix ("" for the core feed namespaces).
pub(crate) fn known_prefix(uri: &str) -> Option<&'static str> {
    Some(match uri {
        ""
        | "http://backend.userland.com/rss"
        | "http://blogs.law.harvard.edu/tech/rss"
        | "http://purl.org/rss/1.0/"
        | "http://my.netscape.com/rdf/simple/0.9/"
        | "http://example.com/newformat#"
        | "http://example.com/necho"
        | "http://purl.org/echo/"
        | "uri/of/echo/namespace#"
        | "http://purl.org/pie/"
        | "http://purl.org/atom/ns#"
        | "http://www.w3.org/2005/atom"
        | "http://purl.org/rss/1.0/modules/rss091#" => "",
        "http://webns.net/mvcb/" => "admin",
        "http://purl.org/rss/1.0/modules/aggregation/" => "ag",
        "http://purl.org/rss/1.0/modules/annotate/" => "annotate",
        "http://media.tangent.org/rss/1.0/" => "audio",
        "http://backend.userland.com/blogchannelmodule" => "blogChannel",
        "http://creativecommons.org/ns#license" | "http://web.resource.org/cc/" => "cc",
        "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html"
        | "http://backend.userland.com/creativecommonsrssmodule" => "creativeCommons",
        "http://purl.org/rss/1.0/modules/company" => "co",
        "http://purl.org/rss/1.0/modules/content/" => "content",
        "http://my.theinfo.org/changed/1.0/rss/" => "cp",
        "http://purl.org/dc/elements/1.1/" => "dc",
        "http://purl.org/dc/terms/" => "dcterms",
        "http://purl.org/rss/1.0/modules/email/" => "email",
        "http://purl.org/rss/1.0/modules/event/" => "ev",
        "http://rssnamespace.org/feedburner/ext/1.0" => "feedburner",
        "http://freshmeat.net/rss/fm/" => "fm",
        "http://xmlns.com/foaf/0.1/" => "foaf",
        "http://www.w3.org/2003/01/geo/wgs84_pos#" => "geo",
        "http://www.georss.org/georss" => "georss",
        "http://www.opengis.net/gml" => "gml",
        "http://postneo.com/icbm/" => "icbm",
        "http://purl.org/rss/1.0/modules/image/" => "image",
        "http://www.itunes.com/dtds/podcast-1.0.dtd"
        | "http://example.com/dtds/podcast-1.0.dtd" => "itunes",
        "http://purl.org/rss/1.0/modules/link/" => "l",
        "http://search.yahoo.com/mrss" | "http://search.yahoo.com/mrss/" => "media",
        "http://madskills.com/public/xml/rss/module/pingback/" => "pingback",
        "http://prismstandard.org/namespaces/1.2/basic/" => "prism",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => "rdf",
        "http://www.w3.org/2000/01/rdf-schema#" => "rdfs",
        "http://purl.org/rss/1.0/modules/reference/" => "ref",
        "http://purl.org/rss/1.0/modules/richequiv/" => "reqv",
        "http://purl.org/rss/1.0/modules/search/" => "search",
        "http://purl.org/rss/1.0/modules/slash/" => "slash",
        "http://schemas.xmlsoap.org/soap/envelope/" => "soap",
        "http://purl.org/rss/1.0/modules/servicestatus/" => "ss",
        "http://hacks.benhammersley.com/rss/streaming/" => "str",
        "http://purl.org/rss/1.0/modules/subscription/" => "sub",
        "http://purl.org/rss/1.0/modules/syndication/" => "sy",
        "http://schemas.pocketsoap.com/rss/mydescmodule/" => "szf",
        "http://purl.org/rss/1.0/modules/taxonomy/" => "taxo",
        "http://purl.org/rss/1.0/modules/threading/" => "thr",
        "http://purl.org/rss/1.0/modules/textinput/" => "ti",
        "http://madskills.com/public/xml/rss/module/trackback/" => "trackback",
        "http://wellformedweb.org/commentapi/" => "wfw",
        "http://purl.org/rss/1.0/modules/wiki/" => "wiki",
        "http://www.w3.org/1999/xhtml" => "xhtml",
        "http://www.w3.org/1999/xlink" => "xlink",
        "http://www.w3.org/xml/1998/namespace" => "xml",
        "http://podlove.org/simple-chapters" => "psc",
        _ => return None,
    })
}

fn norm_ns(uri: &str) -> String {
    let l = uri.to_lowercase();
    if l.contains("backend.userland.com/rss") {
        "http://backend.userland.com/rss".into()
    } else {
        l
    }
}

/// Tags kept per entry / feed.
const MAX_TAGS: usize = 256;

const CAN_BE_RELATIVE_URI: &[&str] = &[
    "comments",
    "docs",
    "href",
    "icon",
    "id",
    "link",
    "logo",
    "url",
    "wfw_comment",
    "wfw_commentrss",
];
const CAN_CONTAIN_MARKUP: &[&str] = &[
    "content",
    "copyright",
    "description",
    "info",
    "rights",
    "subtitle",
    "summary",
    "tagline",
    "title",
];

#[derive(Clone, Debug)]
struct ContentParams {
    ctype: String,
    language: Option<String>,
    base: String,
    base64: bool,
    src: Option<String>,
}

impl ContentParams {
    fn to_value(&self, value: &str) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.ctype.clone()));
        m.insert(
            "language".into(),
            self.language.clone().map_or(Value::Null, Value::String),
        );
        m.insert("base".into(), Value::String(self.base.clone()));
        m.insert("value".into(), Value::String(value.to_string()));
        if let Some(s) = &self.src {
            m.insert("src".into(), Value::String(s.clone()));
        }
        Value::Object(m)
    }
}

struct Frame {
    element: String,
    expecting_text: bool,
    pieces: Vec<String>,
}

/// The normalized parse result.
pub(crate) struct FpResult {
    pub feed: Map<String, Value>,
    pub entries: Vec<Map<String, Value>>,
    pub version: String,
    pub namespaces: Map<String, Value>,
    pub xml_error: Option<String>,
    /// Dispatch name of the root element (`rss`, `feed`, `rdf:rdf`, `channel`, …).
    pub root: Option<String>,
}

#[derive(Default)]
struct Handler {
    feed: Map<String, Value>,
    entries: Vec<Map<String, Value>>,
    source: Map<String, Value>,
    version: String,
    namespaces_in_use: Map<String, Value>,
    stack: Vec<Frame>,
    basestack: Vec<String>,
    langstack: Vec<Option<String>>,
    /// element names as dispatched, to call the right end handler
    tagstack: Vec<String>,
    baseuri: String,
    lang: Option<String>,
    infeed: bool,
    inentry: bool,
    incontent: u32,
    intextinput: bool,
    inimage: bool,
    inauthor: bool,
    incontributor: bool,
    inpublisher: bool,
    insource: bool,
    contentparams: Option<ContentParams>,
    summary_key: Option<String>,
    has_content: bool,
    guidislink: bool,
    title_depth: i64,
    depth: i64,
    property_depth: HashMap<String, i64>,
    psc_flag: bool,
    ingeometry: u8,
    root: Option<String>,
    utf8_doc: bool,
    svg_ok: u32,
}

enum Ctx {
    Source,
    Image,
    TextInput,
    Entry,
    Feed,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

impl Handler {
    fn ctx_kind(&self) -> Ctx {
        if self.insource {
            Ctx::Source
        } else if self.inimage && self.feed.contains_key("image") {
            Ctx::Image
        } else if self.intextinput {
            Ctx::TextInput
        } else if self.inentry && !self.entries.is_empty() {
            Ctx::Entry
        } else {
            Ctx::Feed
        }
    }

    fn ctx(&mut self) -> &mut Map<String, Value> {
        match self.ctx_kind() {
            Ctx::Source => &mut self.source,
            Ctx::Image => obj_at(&mut self.feed, "image"),
            Ctx::TextInput => obj_at(&mut self.feed, "textinput"),
            Ctx::Entry => self.entries.last_mut().expect("entry"),
            Ctx::Feed => &mut self.feed,
        }
    }

    fn is_feed_ctx(&self) -> bool {
        matches!(self.ctx_kind(), Ctx::Feed)
    }

    fn push(&mut self, element: &str, expecting_text: bool) {
        self.stack.push(Frame {
            element: element.to_string(),
            expecting_text,
            pieces: Vec::new(),
        });
    }

    fn push_content(
        &mut self,
        tag: &str,
        attrs: &Map<String, Value>,
        default_type: &str,
        expecting_text: bool,
    ) {
        self.incontent += 1;
        if let Some(l) = &self.lang {
            self.lang = Some(l.replace('_', "-"));
        }
        let ctype = map_content_type(attr(attrs, "type").unwrap_or(default_type));
        let base64 = attr(attrs, "mode") == Some("base64")
            || !(ctype.starts_with("text/") || ctype.ends_with("+xml") || ctype.ends_with("/xml"));
        self.contentparams = Some(ContentParams {
            ctype,
            language: self.lang.clone(),
            base: self.baseuri.clone(),
            base64,
            src: None,
        });
        self.push(tag, expecting_text);
    }

    fn pop_content(&mut self, tag: &str) -> Option<String> {
        let v = self.pop(tag, true);
        self.incontent = self.incontent.saturating_sub(1);
        self.contentparams = None;
        v
    }

    fn ctype(&self) -> Option<&str> {
        self.contentparams.as_ref().map(|c| c.ctype.as_str())
    }

    fn handle_data(&mut self, text: &str, escape: bool) {
        let xhtml = self.ctype() == Some("application/xhtml+xml");
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if escape && xhtml {
            top.pieces.push(
                text.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;"),
            );
        } else {
            top.pieces.push(text.to_string());
        }
    }

    fn resolve(&self, u: &str) -> String {
        urljoin(&self.baseuri, u)
    }

    fn pop(&mut self, element: &str, strip: bool) -> Option<String> {
        if self.stack.last().map(|f| f.element.as_str()) != Some(element) {
            return None;
        }
        let Frame {
            element,
            expecting_text,
            mut pieces,
        } = self.stack.pop().expect("checked");
        if self.version == "atom10" && self.ctype() == Some("application/xhtml+xml") {
            while pieces.len() > 1 && pieces.last().is_some_and(|p| p.trim().is_empty()) {
                pieces.pop();
            }
            let lead = pieces
                .iter()
                .take(pieces.len().saturating_sub(1))
                .take_while(|p| p.trim().is_empty())
                .count();
            pieces.drain(..lead);
            if !pieces.is_empty()
                && (pieces[0] == "<div>" || pieces[0].starts_with("<div "))
                && pieces.last().map(String::as_str) == Some("</div>")
            {
                let mut depth = 0i64;
                let mut closed_early = false;
                for p in &pieces[..pieces.len() - 1] {
                    if p.starts_with("</") {
                        depth -= 1;
                        if depth == 0 {
                            closed_early = true;
                            break;
                        }
                    } else if p.starts_with('<') && !p.ends_with("/>") {
                        depth += 1;
                    }
                }
                if !closed_early {
                    pieces.pop();
                    pieces.remove(0);
                }
            }
        }
        let mut output = pieces.concat();
        if strip {
            output = output.trim().to_string();
        }
        if !expecting_text {
            return Some(output);
        }
        let base64 = self.contentparams.as_ref().is_some_and(|c| c.base64);
        if base64 {
            use base64::Engine;
            let cleaned: String = output.chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes())
            {
                if let Ok(t) = String::from_utf8(bytes) {
                    output = t;
                }
            }
        }
        if CAN_BE_RELATIVE_URI.contains(&element.as_str())
            && !output.is_empty()
            && (element != "id" || self.guidislink)
        {
            output = self.resolve(&output);
        }
        if !self.version.starts_with("atom")
            && self.ctype() == Some("text/plain")
            && html::looks_like_html(&output)
        {
            if let Some(cp) = self.contentparams.as_mut() {
                cp.ctype = "text/html".into();
            }
        }
        let htmlish = matches!(
            self.ctype().map(map_content_type).as_deref(),
            Some("text/html") | Some("application/xhtml+xml")
        );
        if htmlish && CAN_CONTAIN_MARKUP.contains(&element.as_str()) {
            let html_type = self.ctype().is_some_and(|t| t.ends_with("html"));
            output = html::sanitize_typed(&output, &self.baseuri, true, true, html_type);
        }
        output = fix_mojibake(&output, self.utf8_doc);
        if matches!(element.as_str(), "category" | "tags" | "itunes_keywords") {
            return Some(output);
        }
        if element == "title" && -1 < self.title_depth && self.title_depth <= self.depth {
            return Some(output);
        }
        let detail = self.contentparams.as_ref().map(|c| c.to_value(&output));
        if self.inentry && !self.insource && !self.entries.is_empty() {
            let depth = self.depth;
            let incontent = self.incontent > 0;
            let inimage = self.inimage;
            let entry = self.entries.last_mut().expect("entry");
            if element == "content" {
                let list = entry
                    .entry("content")
                    .or_insert_with(|| Value::Array(vec![]));
                if let (Value::Array(a), Some(d)) = (list, detail) {
                    a.push(d);
                }
            } else if element == "link" {
                if !inimage {
                    let fixed = fix_amp_query(&output.replace("&amp;", "&"));
                    let rel_alt = entry
                        .get("links")
                        .and_then(|l| l.as_array())
                        .and_then(|a| a.last())
                        .and_then(|l| l.get("rel"))
                        .and_then(Value::as_str)
                        == Some("alternate");
                    if (rel_alt && !link_from_alternate(entry)) || !entry.contains_key("link") {
                        entry.insert("link".into(), s(&fixed));
                    }
                    if !fixed.is_empty() {
                        if let Some(Value::Object(l)) = entry
                            .get_mut("links")
                            .and_then(|l| l.as_array_mut())
                            .and_then(|a| a.last_mut())
                        {
                            l.insert("href".into(), s(&fixed));
                        }
                    }
                }
            } else {
                let key = if element == "description" {
                    "summary".to_string()
                } else {
                    element.clone()
                };
                let old = self.property_depth.get(&key).copied();
                if old.is_none() || depth <= old.unwrap_or(0) {
                    self.property_depth.insert(key.clone(), depth);
                    entry.insert(key.clone(), s(&output));
                }
                if incontent {
                    if let Some(d) = detail {
                        entry.insert(format!("{key}_detail"), d);
                    }
                }
            }
        } else if self.infeed || self.insource {
            let incontent = self.incontent > 0;
            let key = if element == "description" {
                "subtitle".to_string()
            } else {
                element.clone()
            };
            let ctx = self.ctx();
            if key == "link" {
                let fixed = fix_amp_query(&output);
                ctx.insert("link".into(), s(&fixed));
                if let Some(Value::Object(l)) = ctx
                    .get_mut("links")
                    .and_then(|l| l.as_array_mut())
                    .and_then(|a| a.last_mut())
                {
                    l.insert("href".into(), s(&fixed));
                }
            } else {
                ctx.insert(key.clone(), s(&output));
                if incontent {
                    if let Some(d) = detail {
                        ctx.insert(format!("{key}_detail"), d);
                    }
                }
            }
        }
        Some(output)
    }

    fn save(&mut self, key: &str, value: Value, overwrite: bool) {
        let ctx = self.ctx();
        if overwrite || !ctx.contains_key(key) {
            ctx.insert(key.to_string(), value);
        }
    }

    fn save_date(&mut self, key: &str, value: Option<String>) {
        let parsed = value
            .as_deref()
            .and_then(dates::parse_date)
            .map(|d| json!(dates::to_tuple(&d)))
            .unwrap_or(Value::Null);
        self.save(key, parsed, true);
    }

    fn add_tag(&mut self, term: Option<String>, scheme: Option<String>, label: Option<String>) {
        let ctx = self.ctx();
        let tags = ctx.entry("tags").or_insert_with(|| Value::Array(vec![]));
        if term.is_none() && scheme.is_none() && label.is_none() {
            return;
        }
        let v = json!({"term": term, "scheme": scheme, "label": label});
        if let Value::Array(a) = tags {
            // duplicates are dropped; the check (and the list) is bounded so hostile
            // documents with huge tag lists stay linear
            if a.len() < MAX_TAGS && !a.contains(&v) {
                a.push(v);
            }
        }
    }

    fn save_author(&mut self, key: &str, value: &str, prefix: &str) {
        let ctx = self.ctx();
        let d = obj_at(ctx, &format!("{prefix}_detail"));
        d.insert(key.into(), s(value));
        self.sync_author_detail(prefix);
        let ctx = self.ctx();
        let authors = ctx.entry("authors").or_insert_with(|| json!([{}]));
        if let Some(Value::Object(last)) = authors.as_array_mut().and_then(|a| a.last_mut()) {
            last.insert(key.into(), s(value));
        }
    }

    fn save_contributor(&mut self, key: &str, value: &str) {
        let ctx = self.ctx();
        let c = ctx.entry("contributors").or_insert_with(|| json!([{}]));
        if let Some(Value::Object(last)) = c.as_array_mut().and_then(|a| a.last_mut()) {
            last.insert(key.into(), s(value));
        }
    }

    fn sync_author_detail(&mut self, key: &str) {
        let ctx = self.ctx();
        let dkey = format!("{key}_detail");
        if let Some(Value::Object(detail)) = ctx
            .get(&dkey)
            .filter(|d| d.as_object().is_some_and(|o| !o.is_empty()))
        {
            let name = detail
                .get("name")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let email = detail
                .get("email")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let v = match (name, email) {
                (Some(n), Some(e)) => Some(format!("{n} ({e})")),
                (Some(n), None) => Some(n),
                (None, Some(e)) => Some(e),
                _ => None,
            };
            if let Some(v) = v {
                ctx.insert(key.to_string(), s(&v));
            }
        } else {
            let Some(author) = ctx
                .get(key)
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
            else {
                return;
            };
            let (mut name, email) = match find_email(&author) {
                Some(e) => {
                    let mut a = author
                        .replace(&e, "")
                        .replace("()", "")
                        .replace("<>", "")
                        .replace("&lt;&gt;", "");
                    a = a.trim().to_string();
                    if a.starts_with('(') {
                        a.remove(0);
                    }
                    if a.ends_with(')') {
                        a.pop();
                    }
                    (a.trim().to_string(), Some(e))
                }
                None => (author.clone(), None),
            };
            name = name.trim().to_string();
            if !name.is_empty() || email.is_some() {
                let d = obj_at(ctx, &dkey);
                if !name.is_empty() {
                    d.insert("name".into(), s(&name));
                }
                if let Some(e) = email {
                    d.insert("email".into(), s(&e));
                }
            }
        }
    }

    // ---- dispatch ---------------------------------------------------------------------

    fn start_element(&mut self, tag: &str, mut a: Map<String, Value>) -> bool {
        let (prefix, local) = match tag.split_once(':') {
            Some((p, l)) => (p, l),
            None => ("", tag),
        };
        if prefix.is_empty() && !matches!(local, "title" | "link" | "description" | "name") {
            self.intextinput = false;
        }
        if prefix.is_empty()
            && !matches!(
                local,
                "title" | "link" | "description" | "url" | "href" | "width" | "height"
            )
        {
            self.inimage = false;
        }
        let name = if prefix.is_empty() {
            local.to_string()
        } else {
            format!("{prefix}_{local}")
        };
        let ctx_entry = self.infeed || self.inentry || self.insource;
        match name.as_str() {
            "rss" => {
                if !self.version.starts_with("rss") {
                    let v = attr(&a, "version").unwrap_or("");
                    self.version = match v {
                        "0.91" => "rss091u".into(),
                        "0.92" => "rss092".into(),
                        "0.93" => "rss093".into(),
                        "0.94" => "rss094".into(),
                        v if v.starts_with("2.") => "rss20".into(),
                        _ => "rss".into(),
                    };
                }
            }
            "channel" => {
                self.infeed = true;
                self.cdf_common(&a);
            }
            "feed" => {
                self.infeed = true;
                if self.version.is_empty() {
                    self.version = match attr(&a, "version") {
                        Some("0.1") => "atom01".into(),
                        Some("0.2") => "atom02".into(),
                        Some("0.3") => "atom03".into(),
                        _ => "atom".into(),
                    };
                }
            }
            "image" => {
                if !self.inentry {
                    obj_at(&mut self.feed, "image");
                }
                self.inimage = true;
                self.title_depth = -1;
                self.push("image", false);
            }
            "textinput" => {
                obj_at(self.ctx(), "textinput");
                self.intextinput = true;
                self.title_depth = -1;
                self.push("textinput", false);
            }
            "author" | "managingeditor" | "dc_author" | "dc_creator" | "itunes_author" => {
                self.inauthor = true;
                self.push("author", true);
                let ctx = self.ctx();
                let authors = ctx.entry("authors").or_insert_with(|| json!([]));
                if let Value::Array(v) = authors {
                    v.push(json!({}));
                }
            }
            "contributor" => {
                self.incontributor = true;
                let ctx = self.ctx();
                if let Value::Array(v) = ctx.entry("contributors").or_insert_with(|| json!([])) {
                    v.push(json!({}));
                }
                self.push("contributor", false);
            }
            "dc_contributor" => {
                self.incontributor = true;
                let ctx = self.ctx();
                if let Value::Array(v) = ctx.entry("contributors").or_insert_with(|| json!([])) {
                    v.push(json!({}));
                }
                self.push("name", false);
            }
            "name" | "itunes_name" => self.push("name", false),
            "width" => self.push("width", false),
            "height" => self.push("height", false),
            "url" | "homepage" | "uri" => self.push("href", true),
            "email" | "itunes_email" => self.push("email", false),
            "subtitle" | "tagline" | "itunes_subtitle" => {
                self.push_content("subtitle", &a, "text/plain", true)
            }
            "rights" | "copyright" | "dc_rights" => {
                self.push_content("rights", &a, "text/plain", true)
            }
            "item" | "entry" => {
                self.entries.push(Map::new());
                self.property_depth.clear();
                self.push("item", false);
                self.inentry = true;
                self.guidislink = false;
                self.title_depth = -1;
                if let Some(id) = attr(&a, "rdf:about").map(str::to_string) {
                    self.ctx().insert("id".into(), s(&id));
                }
                self.cdf_common(&a);
            }
            "language" | "dc_language" => self.push("language", true),
            "webmaster" | "dc_publisher" => self.push("publisher", true),
            "published" | "issued" | "pubdate" | "dcterms_issued" => self.push("published", true),
            "updated" | "modified" | "lastbuilddate" | "dc_date" | "dcterms_modified" => {
                self.push("updated", true)
            }
            "created" | "dcterms_created" => self.push("created", true),
            "expirationdate" => self.push("expired", true),
            "dcterms_valid" => self.push("validity", true),
            "category" | "keywords" => {
                let term = attr(&a, "term").map(str::to_string);
                let scheme = attr(&a, "scheme")
                    .or_else(|| attr(&a, "domain"))
                    .map(str::to_string);
                let label = attr(&a, "label").map(str::to_string);
                self.add_tag(term, scheme, label);
                self.push("category", true);
            }
            "dc_subject" => self.push("category", true),
            "tags" => self.push("tags", true),
            "media_category" => {
                let term = attr(&a, "term").map(str::to_string);
                let scheme = Some(
                    attr(&a, "scheme")
                        .unwrap_or("http://search.yahoo.com/mrss/category_schema")
                        .to_string(),
                );
                let label = attr(&a, "label").map(str::to_string);
                self.add_tag(term, scheme, label);
                self.push("category", true);
            }
            "itunes_category" => {
                self.add_tag(
                    attr(&a, "text").map(str::to_string),
                    Some("http://www.itunes.com/".into()),
                    None,
                );
                self.push("category", true);
            }
            "cloud" => {
                self.ctx().insert("cloud".into(), Value::Object(a));
            }
            "link" => {
                if !a.contains_key("rel") {
                    a.insert("rel".into(), s("alternate"));
                }
                if attr(&a, "rel") == Some("self") {
                    a.entry("type").or_insert_with(|| s("application/atom+xml"));
                } else {
                    a.entry("type").or_insert_with(|| s("text/html"));
                }
                enforce_href(&mut a);
                if let Some(h) = attr(&a, "href").map(str::to_string) {
                    a.insert("href".into(), s(&self.resolve(&h)));
                }
                let inentry_image = self.inentry && self.inimage;
                let has_href = a.contains_key("href");
                let is_alt_html = attr(&a, "rel") == Some("alternate")
                    && matches!(
                        map_content_type(attr(&a, "type").unwrap_or("")).as_str(),
                        "text/html" | "application/xhtml+xml"
                    );
                let href = attr(&a, "href").map(str::to_string);
                let ctx = self.ctx();
                let links = ctx.entry("links").or_insert_with(|| json!([]));
                if !inentry_image {
                    if let Value::Array(v) = links {
                        v.push(Value::Object(a));
                    }
                }
                if has_href {
                    if is_alt_html && !link_from_alternate(ctx) {
                        ctx.insert("link".into(), s(&href.unwrap_or_default()));
                    }
                } else {
                    self.push("link", ctx_entry);
                }
            }
            "guid" | "id" => {
                self.guidislink = attr(&a, "ispermalink").unwrap_or("true") == "true";
                self.push("id", true);
            }
            "title" | "dc_title" | "media_title" => {
                self.push_content("title", &a, "text/plain", ctx_entry)
            }
            "description" | "dc_description" | "media_description" => {
                if self.ctx().contains_key("summary") && !self.has_content {
                    self.summary_key = Some("content".into());
                    self.start_content(&a);
                } else {
                    self.push_content("description", &a, "text/html", ctx_entry);
                }
            }
            "abstract" => self.push_content("description", &a, "text/plain", ctx_entry),
            "info" | "feedburner_browserfriendly" => {
                self.push_content("info", &a, "text/plain", true)
            }
            "generator" => {
                if !a.is_empty() {
                    enforce_href(&mut a);
                    if let Some(h) = attr(&a, "href").map(str::to_string) {
                        a.insert("href".into(), s(&self.resolve(&h)));
                    }
                }
                self.ctx()
                    .insert("generator_detail".into(), Value::Object(a));
                self.push("generator", true);
            }
            "admin_generatoragent" | "admin_errorreportsto" => {
                let key = if name == "admin_generatoragent" {
                    "generator"
                } else {
                    "errorreportsto"
                };
                let value = attr(&a, "rdf:resource").map(str::to_string);
                self.push(key, true);
                if let (Some(v), Some(top)) = (&value, self.stack.last_mut()) {
                    top.pieces.push(v.clone());
                }
                self.pop(key, true);
                if key == "generator" {
                    self.ctx()
                        .insert("generator_detail".into(), json!({"href": value}));
                }
            }
            "summary" | "itunes_summary" => {
                if self.ctx().contains_key("summary") && !self.has_content {
                    self.summary_key = Some("content".into());
                    self.start_content(&a);
                } else {
                    self.summary_key = Some("summary".into());
                    self.push_content("summary", &a, "text/plain", true);
                }
            }
            "enclosure" => {
                enforce_href(&mut a);
                a.insert("rel".into(), s("enclosure"));
                if let Value::Array(v) = self.ctx().entry("links").or_insert_with(|| json!([])) {
                    v.push(Value::Object(a));
                }
            }
            "source" => {
                if let Some(u) = attr(&a, "url").map(str::to_string) {
                    self.source.insert("href".into(), s(&u));
                }
                self.push("source", true);
                self.insource = true;
                self.title_depth = -1;
            }
            "content" => self.start_content(&a),
            "body" | "xhtml_body" => {
                self.push_content("content", &a, "application/xhtml+xml", true)
            }
            "content_encoded" | "fullitem" => {
                self.has_content = true;
                self.push_content("content", &a, "text/html", true);
            }
            "newlocation" => self.push("newlocation", true),
            "itunes_image" | "itunes_link" => {
                self.push("itunes_image", false);
                let h = attr(&a, "href")
                    .or_else(|| attr(&a, "url"))
                    .map(str::to_string);
                if let Some(h) = h.filter(|h| !h.is_empty()) {
                    self.ctx().insert("image".into(), json!({"href": h}));
                }
            }
            "itunes_owner" => {
                self.inpublisher = true;
                self.push("publisher", false);
            }
            "cc_license" => {
                let v = attr(&a, "rdf:resource").map(str::to_string);
                let mut l = Map::new();
                l.insert("rel".into(), s("license"));
                if let Some(v) = v {
                    l.insert("href".into(), s(&v));
                }
                if let Value::Array(arr) = self.ctx().entry("links").or_insert_with(|| json!([])) {
                    arr.push(Value::Object(l));
                }
            }
            "creativecommons_license" | "creativeCommons_license" => self.push("license", true),
            "media_group" => {}
            "media_rating" => {
                self.ctx().entry("media_rating").or_insert(Value::Object(a));
                self.push("rating", true);
            }
            "media_credit" => {
                if let Value::Array(arr) = self
                    .ctx()
                    .entry("media_credit")
                    .or_insert_with(|| json!([]))
                {
                    arr.push(Value::Object(a));
                }
                self.push("credit", true);
            }
            "media_restriction" => {
                self.ctx()
                    .entry("media_restriction")
                    .or_insert(Value::Object(a));
                self.push("restriction", false);
            }
            "media_license" => {
                self.ctx()
                    .entry("media_license")
                    .or_insert(Value::Object(a));
                self.push("license", true);
            }
            "media_content" => {
                if let Value::Array(arr) = self
                    .ctx()
                    .entry("media_content")
                    .or_insert_with(|| json!([]))
                {
                    arr.push(Value::Object(a));
                }
            }
            "media_thumbnail" => {
                if let Value::Array(arr) = self
                    .ctx()
                    .entry("media_thumbnail")
                    .or_insert_with(|| json!([]))
                {
                    arr.push(Value::Object(a));
                }
                self.push("url", false);
            }
            "media_player" => {
                self.push("media_player", false);
                self.ctx().insert("media_player".into(), Value::Object(a));
            }
            "psc_chapters" => {
                if !self.ctx().contains_key("psc_chapters") {
                    self.psc_flag = true;
                    a.insert("chapters".into(), json!([]));
                    self.ctx().insert("psc_chapters".into(), Value::Object(a));
                }
            }
            "psc_chapter" => {
                if self.psc_flag {
                    let start = attr(&a, "start").unwrap_or("").to_string();
                    a.insert(
                        "start_parsed".into(),
                        parse_psc_start(&start).map_or(Value::Null, |v| json!(v)),
                    );
                    if let Some(Value::Array(ch)) = self
                        .ctx()
                        .get_mut("psc_chapters")
                        .and_then(|p| p.get_mut("chapters"))
                    {
                        ch.push(Value::Object(a));
                    }
                }
            }
            "georss_point" | "georss_line" | "georss_polygon" | "georss_box" => {
                self.push("geometry", false);
                self.ctx().insert("where".into(), json!({}));
            }
            "where" | "georss_where" => {
                self.push("where", false);
                self.ctx().insert("where".into(), json!({}));
            }
            "gml_point" | "gml_linestring" | "gml_polygon" => {
                self.parse_srs(&a);
                self.ingeometry = match name.as_str() {
                    "gml_point" => 1,
                    "gml_linestring" => 2,
                    _ => self.ingeometry,
                };
                self.push("geometry", false);
            }
            "gml_exterior" => self.push("geometry", false),
            "gml_linearring" => {
                self.ingeometry = 3;
                self.push("geometry", false);
            }
            "gml_pos" | "gml_poslist" => self.push("pos", false),
            _ => {
                if a.is_empty() {
                    self.push(&name, true);
                } else {
                    self.ctx().insert(name.clone(), Value::Object(a));
                }
            }
        }
        true
    }

    fn parse_srs(&mut self, a: &Map<String, Value>) {
        let srs_name = attr(a, "srsname").map(str::to_string);
        let dim = attr(a, "srsdimension")
            .and_then(|d| d.parse::<i64>().ok())
            .unwrap_or(2);
        let ctx = self.ctx();
        let w = obj_at(ctx, "where");
        w.insert(
            "srsName".into(),
            srs_name.map_or(Value::Null, Value::String),
        );
        w.insert("srsDimension".into(), json!(dim));
    }

    fn start_content(&mut self, a: &Map<String, Value>) {
        self.has_content = true;
        self.push_content("content", a, "text/plain", true);
        if let Some(src) = attr(a, "src").filter(|s| !s.is_empty()) {
            let src = src.to_string();
            if let Some(cp) = self.contentparams.as_mut() {
                cp.src = Some(src);
            }
        }
    }

    fn end_content(&mut self) {
        let copy = matches!(
            self.ctype().map(map_content_type).as_deref(),
            Some("text/plain") | Some("text/html") | Some("application/xhtml+xml")
        );
        let v = self.pop_content("content");
        if copy {
            if let Some(v) = v {
                self.save("summary", s(&v), false);
            }
        }
    }

    fn cdf_common(&mut self, a: &Map<String, Value>) {
        if let Some(lm) = attr(a, "lastmod").map(str::to_string) {
            self.push("updated", true);
            self.stack.last_mut().expect("pushed").pieces = vec![lm];
            let v = self.pop("updated", true);
            self.save_date("updated_parsed", v);
        }
        if let Some(h) = attr(a, "href").map(str::to_string) {
            let mut l = Map::new();
            self.start_element("link", std::mem::take(&mut l));
            if let Some(top) = self.stack.last_mut() {
                if top.element == "link" {
                    top.pieces = vec![h];
                }
            }
            self.pop("link", true);
        }
    }

    fn end_element(&mut self, tag: &str) {
        let (prefix, local) = match tag.split_once(':') {
            Some((p, l)) => (p, l),
            None => ("", tag),
        };
        let name = if prefix.is_empty() {
            local.to_string()
        } else {
            format!("{prefix}_{local}")
        };
        match name.as_str() {
            "channel" | "feed" => self.infeed = false,
            "image" => {
                self.pop("image", true);
                self.inimage = false;
            }
            "textinput" => {
                self.pop("textinput", true);
                self.intextinput = false;
            }
            "author" | "managingeditor" | "dc_author" | "dc_creator" | "itunes_author" => {
                let v = self.pop("author", true);
                self.inauthor = false;
                self.sync_author_detail("author");
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    let (name, email) = split_author(&v);
                    let ctx = self.ctx();
                    if let Some(Value::Object(last)) = ctx
                        .get_mut("authors")
                        .and_then(|a| a.as_array_mut())
                        .and_then(|a| a.last_mut())
                    {
                        if last.is_empty() {
                            if !name.is_empty() {
                                last.insert("name".into(), s(&name));
                            }
                            if let Some(e) = email {
                                last.insert("email".into(), s(&e));
                            }
                        }
                    }
                }
            }
            "contributor" => {
                self.pop("contributor", true);
                self.incontributor = false;
            }
            "dc_contributor" => {
                self.end_name();
                self.incontributor = false;
            }
            "name" | "itunes_name" => self.end_name(),
            "width" | "height" => {
                let v = self.pop(&name, true);
                if let Some(v) = v {
                    let n = v.trim().parse::<i64>().unwrap_or(0);
                    if self.inimage {
                        self.ctx().insert(name.clone(), json!(n));
                    }
                }
            }
            "url" | "homepage" | "uri" => {
                if let Some(v) = self.pop("href", true) {
                    if self.inauthor {
                        self.save_author("href", &v, "author");
                    } else if self.incontributor {
                        self.save_contributor("href", &v);
                    }
                }
            }
            "email" | "itunes_email" => {
                if let Some(v) = self.pop("email", true) {
                    if self.inpublisher {
                        self.save_author("email", &v, "publisher");
                    } else if self.inauthor {
                        self.save_author("email", &v, "author");
                    } else if self.incontributor {
                        self.save_contributor("email", &v);
                    }
                }
            }
            "subtitle" | "tagline" | "itunes_subtitle" => {
                self.pop_content("subtitle");
            }
            "rights" | "copyright" | "dc_rights" => {
                self.pop_content("rights");
            }
            "item" | "entry" => {
                self.pop("item", true);
                self.inentry = false;
                self.has_content = false;
            }
            "language" | "dc_language" => {
                if let Some(l) = self.pop("language", true) {
                    self.lang = Some(l);
                }
            }
            "webmaster" | "dc_publisher" => {
                self.pop("publisher", true);
                self.sync_author_detail("publisher");
            }
            "published" | "issued" | "pubdate" | "dcterms_issued" => {
                let v = self.pop("published", true);
                self.save_date("published_parsed", v);
            }
            "updated" | "modified" | "lastbuilddate" | "dc_date" | "dcterms_modified" => {
                let v = self.pop("updated", true);
                self.save_date("updated_parsed", v);
            }
            "created" | "dcterms_created" => {
                let v = self.pop("created", true);
                self.save_date("created_parsed", v);
            }
            "expirationdate" => {
                let v = self.pop("expired", true);
                self.save_date("expired_parsed", v);
            }
            "dcterms_valid" => {
                if let Some(v) = self.pop("validity", true) {
                    for part in v.split(';') {
                        if let Some((k, val)) = part.split_once('=') {
                            let (k, val) = (k.trim(), val.trim().to_string());
                            if k == "start" || k == "end" {
                                let key = format!("validity_{k}");
                                self.save(&key, s(&val), true);
                                self.save_date(&format!("{key}_parsed"), Some(val));
                            }
                        }
                    }
                }
            }
            "category" | "keywords" | "dc_subject" | "media_category" | "itunes_category" => {
                let Some(v) = self.pop("category", true) else {
                    return;
                };
                if v.is_empty() {
                    return;
                }
                let ctx = self.ctx();
                let mut done = false;
                if let Some(Value::Array(tags)) = ctx.get_mut("tags") {
                    if let Some(Value::Object(last)) = tags.last_mut() {
                        if last
                            .get("term")
                            .is_none_or(|t| t.is_null() || t.as_str() == Some(""))
                        {
                            last.insert("term".into(), s(&v));
                            done = true;
                        }
                    }
                }
                if !done {
                    self.add_tag(Some(v), None, None);
                }
            }
            "link" => {
                self.pop("link", true);
            }
            "guid" | "id" => {
                let v = self.pop("id", true);
                let gil = self.guidislink && !self.ctx().contains_key("link");
                self.save("guidislink", Value::Bool(gil), false);
                if self.guidislink {
                    if let Some(v) = v {
                        self.save("link", s(&v), false);
                    }
                }
            }
            "title" | "dc_title" | "media_title" => {
                let saved = self.title_depth;
                let v = self.pop_content("title");
                if v.is_some_and(|v| !v.is_empty()) {
                    self.title_depth = self.depth;
                }
                if name == "media_title" {
                    self.title_depth = saved;
                }
            }
            "tags" => {
                if let Some(v) = self.pop("tags", true) {
                    for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        self.add_tag(Some(t.to_string()), None, None);
                    }
                }
            }
            "description" | "dc_description" | "media_description" | "abstract" => {
                if self.summary_key.as_deref() == Some("content") {
                    self.end_content();
                } else {
                    self.pop_content("description");
                }
                self.summary_key = None;
            }
            "info" | "feedburner_browserfriendly" => {
                self.pop_content("info");
            }
            "generator" => {
                let v = self.pop("generator", true);
                if let Some(Value::Object(d)) = self.ctx().get_mut("generator_detail") {
                    d.insert("name".into(), v.map_or(Value::Null, Value::String));
                }
            }
            "summary" | "itunes_summary" => {
                if self.summary_key.as_deref() == Some("content") {
                    self.end_content();
                } else {
                    let k = self.summary_key.clone().unwrap_or_else(|| "summary".into());
                    self.pop_content(&k);
                }
                self.summary_key = None;
            }
            "source" => {
                self.insource = false;
                let v = self.pop("source", true);
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    self.source.insert("title".into(), s(&v));
                }
                let src = std::mem::take(&mut self.source);
                self.ctx().insert("source".into(), Value::Object(src));
            }
            "content" | "body" | "xhtml_body" | "content_encoded" | "fullitem" => {
                self.end_content()
            }
            "newlocation" => {
                let v = self.pop("newlocation", true);
                if self.is_feed_ctx() {
                    if let Some(v) = v {
                        let u = make_safe_absolute(&self.baseuri, v.trim());
                        self.feed.insert("newlocation".into(), s(&u));
                    }
                }
            }
            "itunes_image" | "itunes_link" => {
                self.pop("itunes_image", true);
            }
            "itunes_owner" => {
                self.pop("publisher", true);
                self.inpublisher = false;
                self.sync_author_detail("publisher");
            }
            "itunes_block" => {
                let v = self.pop("itunes_block", false);
                let b = matches!(v.as_deref(), Some("yes") | Some("Yes"));
                self.ctx().insert("itunes_block".into(), Value::Bool(b));
            }
            "itunes_explicit" => {
                let v = self.pop("itunes_explicit", false);
                let val = match v.as_deref() {
                    Some("yes") | Some("true") => Value::Bool(true),
                    Some("clean") | Some("no") | Some("false") => Value::Bool(false),
                    _ => Value::Null,
                };
                self.ctx().insert("itunes_explicit".into(), val);
            }
            "itunes_keywords" => {
                if let Some(v) = self.pop("itunes_keywords", true) {
                    for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        self.add_tag(
                            Some(t.to_string()),
                            Some("http://www.itunes.com/".into()),
                            None,
                        );
                    }
                }
            }
            "media_keywords" => {
                if let Some(v) = self.pop("media_keywords", true) {
                    for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        self.add_tag(Some(t.to_string()), None, None);
                    }
                }
            }
            "creativecommons_license" | "creativeCommons_license" => {
                let v = self.pop("license", true);
                let ctx = self.ctx();
                let mut l = Map::new();
                l.insert("rel".into(), s("license"));
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    l.insert("href".into(), s(&v));
                }
                if let Value::Array(arr) = ctx.entry("links").or_insert_with(|| json!([])) {
                    arr.push(Value::Object(l));
                }
                ctx.remove("license");
            }
            "media_rating" => {
                if let Some(r) = self.pop("rating", true).filter(|r| !r.trim().is_empty()) {
                    if let Some(Value::Object(m)) = self.ctx().get_mut("media_rating") {
                        m.insert("content".into(), s(&r));
                    }
                }
            }
            "media_credit" => {
                if let Some(r) = self.pop("credit", true).filter(|r| !r.trim().is_empty()) {
                    if let Some(Value::Object(m)) = self
                        .ctx()
                        .get_mut("media_credit")
                        .and_then(|c| c.as_array_mut())
                        .and_then(|a| a.last_mut())
                    {
                        m.insert("content".into(), s(&r));
                    }
                }
            }
            "media_restriction" => {
                if let Some(r) = self
                    .pop("restriction", true)
                    .filter(|r| !r.trim().is_empty())
                {
                    let list: Vec<Value> =
                        r.split(' ').map(|c| s(&c.trim().to_lowercase())).collect();
                    if let Some(Value::Object(m)) = self.ctx().get_mut("media_restriction") {
                        m.insert("content".into(), Value::Array(list));
                    }
                }
            }
            "media_license" => {
                if let Some(r) = self.pop("license", true).filter(|r| !r.trim().is_empty()) {
                    if let Some(Value::Object(m)) = self.ctx().get_mut("media_license") {
                        m.insert("content".into(), s(&r));
                    }
                }
            }
            "media_thumbnail" => {
                if let Some(u) = self.pop("url", true).filter(|u| !u.trim().is_empty()) {
                    if let Some(Value::Object(m)) = self
                        .ctx()
                        .get_mut("media_thumbnail")
                        .and_then(|c| c.as_array_mut())
                        .and_then(|a| a.last_mut())
                    {
                        m.entry("url").or_insert_with(|| s(&u));
                    }
                }
            }
            "media_player" => {
                let v = self.pop("media_player", true);
                if let Some(Value::Object(m)) = self.ctx().get_mut("media_player") {
                    m.insert("content".into(), v.map_or(Value::Null, Value::String));
                }
            }
            "psc_chapters" => self.psc_flag = false,
            "psc_chapter" | "media_group" | "media_content" | "cloud" | "enclosure"
            | "cc_license" => {}
            "georss_point" | "georss_line" | "georss_polygon" | "georss_box" => {
                let v = self.pop("geometry", true).unwrap_or_default();
                let g = match name.as_str() {
                    "georss_point" => geo_point(&v, true, 2),
                    "georss_line" => geo_line(&v, true, 2),
                    "georss_polygon" => geo_polygon(&v),
                    _ => geo_box(&v),
                };
                if let Some(g) = g {
                    self.save_where(g);
                }
            }
            "gml_pos" | "gml_poslist" => {
                let v = self.pop("pos", true).unwrap_or_default();
                let (swap, dims) = self.srs();
                let g = if name == "gml_pos" {
                    geo_point(&v, swap, dims)
                } else {
                    match self.ingeometry {
                        2 => geo_line(&v, swap, dims),
                        3 => geo_line(&v, swap, dims).map(|l| json!({"type": "Polygon", "coordinates": [l["coordinates"].clone()]})),
                        _ => None,
                    }
                };
                if let Some(g) = g {
                    self.save_where(g);
                }
            }
            "gml_point" | "gml_linestring" | "gml_polygon" | "gml_exterior" | "gml_linearring" => {
                self.ingeometry = 0;
                self.pop("geometry", true);
            }
            "where" | "georss_where" => {
                self.pop("where", true);
            }
            _ => {
                self.pop(&name, true);
            }
        }
    }

    fn srs(&mut self) -> (bool, usize) {
        let w = self.ctx().get("where").cloned().unwrap_or(Value::Null);
        let dims = w.get("srsDimension").and_then(Value::as_i64).unwrap_or(2) as usize;
        let mut swap = true;
        if let Some(name) = w.get("srsName").and_then(Value::as_str) {
            if name.contains("EPSG") {
                let code: i64 = name
                    .rsplit(':')
                    .next()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                // geographic (lat/lon) coordinate systems are swapped; projected ones are not
                swap = (4000..5000).contains(&code);
            }
        }
        (swap, dims)
    }

    fn save_where(&mut self, g: Value) {
        let ctx = self.ctx();
        let w = obj_at(ctx, "where");
        if let Value::Object(g) = g {
            for (k, v) in g {
                w.insert(k, v);
            }
        }
    }

    fn end_name(&mut self) {
        let Some(v) = self.pop("name", true) else {
            return;
        };
        if self.inpublisher {
            self.save_author("name", &v, "publisher");
        } else if self.inauthor {
            self.save_author("name", &v, "author");
        } else if self.incontributor {
            self.save_contributor("name", &v);
        } else if self.intextinput {
            self.ctx().insert("name".into(), s(&v));
        }
    }

    fn track_namespace(&mut self, prefix: &str, uri: &str) {
        let lower = uri.to_lowercase();
        if self.version.is_empty() {
            if prefix.is_empty() && lower == "http://my.netscape.com/rdf/simple/0.9/" {
                self.version = "rss090".into();
            } else if lower == "http://purl.org/rss/1.0/" {
                self.version = "rss10".into();
            } else if lower == "http://www.w3.org/2005/atom" {
                self.version = "atom10".into();
            }
        }
        let (uri, lower) = if lower.contains("backend.userland.com/rss") {
            (
                "http://backend.userland.com/rss".to_string(),
                "http://backend.userland.com/rss".to_string(),
            )
        } else {
            (uri.to_string(), lower)
        };
        match known_prefix(&lower) {
            Some(p) => {
                self.namespaces_in_use.insert(p.to_string(), s(&uri));
            }
            None => {
                self.namespaces_in_use.insert(prefix.to_string(), s(&uri));
            }
        }
    }
}

impl Sink for Handler {
    fn start(&mut self, t: &Start<'_>) {
        for (p, u) in t.decls {
            if !u.is_empty() {
                self.track_namespace(p, u);
            }
        }
        let ns = t.ns.map(norm_ns).unwrap_or_default();
        let prefix = match known_prefix(&ns) {
            Some(p) => p.to_string(),
            None => {
                if ns.is_empty() {
                    String::new()
                } else {
                    t.prefix.unwrap_or("").to_string()
                }
            }
        };
        let local = t.local.to_lowercase();
        let tag = if prefix.is_empty() {
            local
        } else {
            format!("{}:{}", prefix.to_lowercase(), local)
        };
        let mut a = Map::new();
        let mut ser: Vec<(String, String)> = Vec::new();
        let local_l = t.local.to_lowercase();
        if local_l == "math" && t.ns == Some("http://www.w3.org/1998/Math/MathML")
            || local_l == "svg" && t.ns == Some("http://www.w3.org/2000/svg")
        {
            a.insert("xmlns".into(), s(t.ns.unwrap_or("")));
            ser.push(("xmlns".into(), t.ns.unwrap_or("").to_string()));
        }
        for at in t.attrs {
            let key = match at.ns.as_deref().map(norm_ns).and_then(|n| known_prefix(&n)) {
                Some(p) if !p.is_empty() => format!("{p}:{}", at.local),
                _ => at.local.clone(),
            };
            a.insert(key.to_lowercase(), s(&at.value));
            a.insert(at.local.to_lowercase(), s(&at.value));
            ser.push((key.to_lowercase(), at.value.clone()));
        }
        for (p, u) in t.decls {
            if u == "http://www.w3.org/1999/xlink" && !p.is_empty() {
                a.insert(format!("xmlns:{p}"), s(u));
                ser.push((format!("xmlns:{p}"), u.clone()));
            }
        }
        self.unknown_starttag(&tag, &ser, a);
    }

    fn end(&mut self) {
        let tag = self.tagstack.pop().unwrap_or_default();
        self.unknown_endtag(&tag);
    }

    fn text(&mut self, text: &str) {
        self.handle_data(text, true);
    }
}

impl Handler {
    fn unknown_starttag(&mut self, tag: &str, ser: &[(String, String)], a: Map<String, Value>) {
        self.depth += 1;
        if self.root.is_none() {
            self.root = Some(tag.to_string());
        }
        self.tagstack.push(tag.to_string());
        let base_attr = attr(&a, "xml:base")
            .or_else(|| attr(&a, "base"))
            .filter(|b| !b.is_empty());
        if let Some(b) = base_attr {
            if !self.baseuri.is_empty() {
                let j = make_safe_absolute(&self.baseuri, b);
                if !j.is_empty() {
                    self.baseuri = j;
                }
            } else {
                self.baseuri = urljoin(&self.baseuri, b);
            }
        }
        let lang_attr = attr(&a, "xml:lang")
            .or_else(|| attr(&a, "lang"))
            .map(str::to_string);
        let lang = match lang_attr {
            Some(l) if l.is_empty() => None,
            Some(l) => Some(l),
            None => self.lang.clone(),
        };
        if let Some(l) = &lang {
            if tag == "feed" || tag == "rss" {
                self.feed.insert("language".into(), s(&l.replace('_', "-")));
            }
        }
        self.lang = lang.clone();
        self.basestack.push(self.baseuri.clone());
        self.langstack.push(lang);

        if self.incontent > 0 && !self.ctype().unwrap_or("xml").ends_with("xml") {
            if tag == "xhtml:div" || tag == "div" {
                return;
            }
            if let Some(cp) = self.contentparams.as_mut() {
                cp.ctype = "application/xhtml+xml".into();
            }
        }
        if self.incontent > 0 && self.ctype() == Some("application/xhtml+xml") {
            let local = tag.rsplit(':').next().unwrap_or(tag);
            let mut out = format!("<{local}");
            for (k, v) in ser {
                out.push_str(&format!(
                    " {k}=\"{}\"",
                    v.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                        .replace('"', "&quot;")
                ));
            }
            if local == "svg" {
                self.svg_ok += 1;
            }
            out.push('>');
            self.handle_data(&out, false);
            return;
        }
        self.start_element(tag, a);
    }

    fn unknown_endtag(&mut self, tag: &str) {
        let local = tag.rsplit(':').next().unwrap_or(tag);
        if local == "svg" && self.svg_ok > 0 {
            self.svg_ok -= 1;
        }
        if self.svg_ok > 0 {
            let (p, l) = tag.split_once(':').unwrap_or(("", tag));
            let name = if p.is_empty() {
                l.to_string()
            } else {
                format!("{p}_{l}")
            };
            self.pop(&name, true);
        } else {
            self.end_element(tag);
        }
        if self.incontent > 0 && !self.ctype().unwrap_or("xml").ends_with("xml") {
            if tag == "xhtml:div" || tag == "div" {
                self.pop_scopes();
                return;
            }
            if let Some(cp) = self.contentparams.as_mut() {
                cp.ctype = "application/xhtml+xml".into();
            }
        }
        if self.incontent > 0 && self.ctype() == Some("application/xhtml+xml") {
            let local = tag.rsplit(':').next().unwrap_or(tag);
            self.handle_data(&format!("</{local}>"), false);
        }
        self.pop_scopes();
    }

    fn pop_scopes(&mut self) {
        if self.basestack.pop().is_some() {
            if let Some(b) = self.basestack.last().filter(|b| !b.is_empty()) {
                self.baseuri = b.clone();
            }
        }
        if self.langstack.pop().is_some() {
            if let Some(l) = self.langstack.last() {
                self.lang = l.clone();
            }
        }
        self.depth -= 1;
    }
}

fn obj_at<'m>(m: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let v = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("object")
}

fn attr<'m>(m: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    m.get(key).and_then(Value::as_str)
}

fn enforce_href(a: &mut Map<String, Value>) {
    let href = attr(a, "url")
        .or_else(|| attr(a, "uri"))
        .or_else(|| attr(a, "href"))
        .map(str::to_string);
    if let Some(h) = href {
        a.remove("url");
        a.remove("uri");
        a.insert("href".into(), s(&h));
    }
}

pub(crate) fn map_content_type(t: &str) -> String {
    let t = t.to_lowercase();
    match t.as_str() {
        "text" | "plain" => "text/plain".into(),
        "html" => "text/html".into(),
        "xhtml" => "application/xhtml+xml".into(),
        _ => t,
    }
}

/// `?a=1&b;=2` style corruption: `&name;` inside a link is turned back into `&name`.
fn fix_amp_query(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if n > 0 && rest[n..].starts_with(';') {
            out.push_str(&rest[..n]);
            rest = &rest[n + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// UTF-8 that was mis-read as Latin-1 and re-encoded is decoded once more; C1 control
/// characters are read as the Windows-1252 characters they almost always are.
fn fix_mojibake(s: &str, utf8_doc: bool) -> String {
    if !s.chars().any(|c| ('\u{80}'..='\u{ff}').contains(&c)) {
        return s.to_string();
    }
    let mut out = s.to_string();
    if utf8_doc && s.chars().all(|c| (c as u32) <= 0xff) {
        let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
        if let Ok(t) = String::from_utf8(bytes) {
            out = t;
        }
    }
    if out.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        out = out
            .chars()
            .map(|c| html::cp1252_char(c as u32).unwrap_or(c))
            .collect();
    }
    out
}

/// Whether the context's `link` is the href of one of its alternate links.
fn link_from_alternate(ctx: &Map<String, Value>) -> bool {
    let Some(link) = ctx.get("link").and_then(Value::as_str) else {
        return false;
    };
    // bounded scan: the first alternate links are the ones that matter
    ctx.get("links")
        .and_then(Value::as_array)
        .is_some_and(|ls| {
            ls.iter().take(64).any(|l| {
                l.get("rel").and_then(Value::as_str) == Some("alternate")
                    && l.get("href").and_then(Value::as_str) == Some(link)
            })
        })
}

/// Splits "Name (email)" / "email (Name)" / "Name <email>" into name and email.
fn split_author(author: &str) -> (String, Option<String>) {
    match find_email(author) {
        Some(e) => {
            let mut a = author
                .replace(&e, "")
                .replace("()", "")
                .replace("<>", "")
                .replace("&lt;&gt;", "");
            a = a.trim().to_string();
            if a.starts_with('(') {
                a.remove(0);
            }
            if a.ends_with(')') {
                a.pop();
            }
            (a.trim().to_string(), Some(e))
        }
        None => (author.trim().to_string(), None),
    }
}

fn find_email(s: &str) -> Option<String> {
    // local@domain.tld with a simple scan
    let at = s.find('@')?;
    let bytes = s.as_bytes();
    let mut st = at;
    while st > 0 && (bytes[st - 1].is_ascii_alphanumeric() || b"_-.+".contains(&bytes[st - 1])) {
        st -= 1;
    }
    let mut en = at + 1;
    while en < bytes.len() && (bytes[en].is_ascii_alphanumeric() || b"-.".contains(&bytes[en])) {
        en += 1;
    }
    let mut cand = &s[st..en];
    cand = cand.trim_end_matches('.');
    let domain = cand.split('@').nth(1)?;
    if st == at || !domain.contains('.') {
        return None;
    }
    let mut result = cand.to_string();
    if s[st + cand.len()..].starts_with("?subject=") {
        let rest = &s[st + cand.len()..];
        let e = rest.find(char::is_whitespace).unwrap_or(rest.len());
        result.push_str(&rest[..e]);
    }
    Some(result)
}

fn parse_psc_start(s: &str) -> Option<f64> {
    let (main, ms) = match s.split_once('.') {
        Some((m, f)) => (m, f),
        None => (s, ""),
    };
    let parts: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || !parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if !(ms.is_empty() || ms.len() == 3 && ms.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let nums: Vec<f64> = parts.iter().map(|p| p.parse().unwrap_or(0.0)).collect();
    let secs = if nums.len() == 3 {
        nums[0] * 3600.0 + nums[1] * 60.0 + nums[2]
    } else {
        nums[0] * 60.0 + nums[1]
    };
    let frac = if ms.is_empty() {
        0.0
    } else {
        ms.parse::<f64>().unwrap_or(0.0) / 1000.0
    };
    Some(secs + frac)
}

fn geo_coords(v: &str, swap: bool, dims: usize) -> Option<Vec<Value>> {
    let nums: Vec<f64> = v
        .replace(',', " ")
        .split_whitespace()
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    let step = if dims == 3 { 3 } else { 2 };
    let mut out = Vec::new();
    for c in nums.chunks(step) {
        if c.len() < 2 {
            break;
        }
        let mut t = if swap {
            vec![c[1], c[0]]
        } else {
            vec![c[0], c[1]]
        };
        if dims == 3 {
            if c.len() < 3 {
                break;
            }
            t.push(c[2]);
        }
        out.push(json!(t));
    }
    Some(out)
}

fn geo_point(v: &str, swap: bool, dims: usize) -> Option<Value> {
    let c = geo_coords(v, swap, dims)?;
    let first = c.into_iter().next()?;
    Some(json!({"type": "Point", "coordinates": first}))
}

fn geo_line(v: &str, swap: bool, dims: usize) -> Option<Value> {
    let c = geo_coords(v, swap, dims)?;
    Some(json!({"type": "LineString", "coordinates": c}))
}

fn geo_polygon(v: &str) -> Option<Value> {
    let c = geo_coords(v, true, 2)?;
    if c.len() < 4 {
        return None;
    }
    Some(json!({"type": "Polygon", "coordinates": [c]}))
}

fn geo_box(v: &str) -> Option<Value> {
    let c = geo_coords(v, true, 2)?;
    if c.len() != 2 {
        return None;
    }
    Some(json!({"type": "Box", "coordinates": c}))
}

/// Parses decoded XML text into the normalized result.
pub(crate) fn parse_xml(text: &str, initial_version: &str, base: &str, utf8_doc: bool) -> FpResult {
    let mut h = Handler {
        title_depth: -1,
        version: initial_version.to_string(),
        baseuri: base.to_string(),
        utf8_doc,
        ..Default::default()
    };
    let err = xml::parse(text, &mut h);
    if h.version.is_empty() && h.root.as_deref() == Some("channel") {
        h.version = "cdf".into();
    }
    FpResult {
        feed: h.feed,
        entries: h.entries,
        version: h.version,
        namespaces: h.namespaces_in_use,
        xml_error: err,
        root: h.root,
    }
}
