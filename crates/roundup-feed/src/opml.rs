//! OPML import and export.
//!
//! Import reads every `<outline>` with an `xmlUrl` (feeds), however deeply nested in
//! folder outlines, keeping the folder path, `title`/`text`, `htmlUrl`, `language` and any
//! custom attributes; `lean`, `region`, `category`/`section` are also parsed into roundup's
//! types when present. Export writes a valid, escaped OPML 2.0 document with one folder
//! outline per distinct folder path.

use crate::xml::{self, Sink, Start};
use crate::FeedError;
use roundup_model::{Lean, Outlet, Section};
use std::collections::BTreeMap;

/// One feed outline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpmlFeed {
    /// `title`, else `text`, else the feed URL.
    pub title: String,
    /// `xmlUrl`: the feed.
    pub xml_url: String,
    /// `htmlUrl`: the site.
    pub html_url: Option<String>,
    /// Names of the enclosing folder outlines, outermost first.
    pub folders: Vec<String>,
    /// `language` attribute.
    pub language: Option<String>,
    /// `lean` attribute, when it names a known leaning.
    pub lean: Option<Lean>,
    /// `region` attribute.
    pub region: Option<String>,
    /// `category` attribute (OPML's comma-separated category list, as written).
    pub category: Option<String>,
    /// Section hint from a `section` attribute, else from `category` or the innermost folder.
    pub section: Option<Section>,
    /// All other attributes, as written (`type`, `description`, custom ones, …).
    pub attributes: BTreeMap<String, String>,
}

impl OpmlFeed {
    /// The outlet this outline describes (id 0, not paused).
    pub fn to_outlet(&self) -> Outlet {
        Outlet {
            id: 0,
            name: self.title.clone(),
            homepage: self.html_url.clone(),
            feed_url: self.xml_url.clone(),
            lean: self.lean,
            region: self.region.clone(),
            language: self.language.clone(),
            section_hint: self.section,
            paused: false,
        }
    }

    /// An outline for an outlet (inverse of [`OpmlFeed::to_outlet`]).
    pub fn from_outlet(o: &Outlet) -> Self {
        OpmlFeed {
            title: o.name.clone(),
            xml_url: o.feed_url.clone(),
            html_url: o.homepage.clone(),
            folders: Vec::new(),
            language: o.language.clone(),
            lean: o.lean,
            region: o.region.clone(),
            category: None,
            section: o.section_hint,
            attributes: BTreeMap::new(),
        }
    }
}

/// An imported OPML document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpmlDocument {
    /// `<head><title>`.
    pub title: Option<String>,
    /// Feed outlines in document order.
    pub feeds: Vec<OpmlFeed>,
}

#[derive(Default)]
struct Reader {
    doc: OpmlDocument,
    /// per open element: Some(folder name) when it is a folder outline
    stack: Vec<(String, Option<String>)>,
    folders: Vec<String>,
    in_title: bool,
    title: String,
    root: Option<String>,
}

impl Sink for Reader {
    fn start(&mut self, t: &Start<'_>) {
        let name = t.local.to_ascii_lowercase();
        if self.root.is_none() {
            self.root = Some(name.clone());
        }
        let mut folder = None;
        if name == "title" && self.stack.last().is_some_and(|(n, _)| n == "head") {
            self.in_title = true;
        }
        if name == "outline" {
            let mut attrs: BTreeMap<String, String> = BTreeMap::new();
            for a in t.attrs {
                attrs.insert(a.qname.clone(), a.value.clone());
            }
            let take = |attrs: &mut BTreeMap<String, String>, k: &str| -> Option<String> {
                let key = attrs.keys().find(|x| x.eq_ignore_ascii_case(k)).cloned()?;
                attrs
                    .remove(&key)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let xml_url = take(&mut attrs, "xmlUrl");
            let title = take(&mut attrs, "title");
            let text = take(&mut attrs, "text");
            match xml_url {
                Some(xml_url) => {
                    let html_url = take(&mut attrs, "htmlUrl");
                    let language = take(&mut attrs, "language");
                    let lean = take(&mut attrs, "lean").and_then(|l| l.parse().ok());
                    let region = take(&mut attrs, "region");
                    let category = take(&mut attrs, "category");
                    let section = take(&mut attrs, "section")
                        .and_then(|s| s.parse().ok())
                        .or_else(|| {
                            category.as_deref().and_then(|c| {
                                c.split([',', '/'])
                                    .map(str::trim)
                                    .find_map(|c| c.parse().ok())
                            })
                        })
                        .or_else(|| self.folders.last().and_then(|f| f.parse().ok()));
                    self.doc.feeds.push(OpmlFeed {
                        title: title.or(text).unwrap_or_else(|| xml_url.clone()),
                        xml_url,
                        html_url,
                        folders: self.folders.clone(),
                        language,
                        lean,
                        region,
                        category,
                        section,
                        attributes: attrs,
                    });
                }
                None => {
                    let f = title.or(text).unwrap_or_default();
                    self.folders.push(f.clone());
                    folder = Some(f);
                }
            }
        }
        self.stack.push((name, folder));
    }

    fn end(&mut self) {
        if let Some((name, folder)) = self.stack.pop() {
            if folder.is_some() {
                self.folders.pop();
            }
            if name == "title" && self.in_title {
                self.in_title = false;
                let t = self.title.trim().to_string();
                if !t.is_empty() {
                    self.doc.title = Some(t);
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_title {
            self.title.push_str(text);
        }
    }
}

/// Reads an OPML document. Recoverable XML errors are tolerated; a document that is not
/// XML or whose root is not `<opml>` is an error.
pub fn parse_opml(bytes: &[u8]) -> Result<OpmlDocument, FeedError> {
    let decoded = crate::encoding::decode(bytes, None);
    let text = decoded.text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(FeedError::Empty);
    }
    let mut r = Reader::default();
    let err = xml::parse(text, &mut r);
    match r.root.as_deref() {
        None => Err(FeedError::NotXml(
            err.unwrap_or_else(|| "no element found".into()),
        )),
        Some("opml") => Ok(r.doc),
        Some(other) => Err(FeedError::InvalidOpml(format!(
            "root element is <{other}>, not <opml>"
        ))),
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c if (c as u32) < 0x20 => o.push_str(&format!("&#{};", c as u32)),
            c => o.push(c),
        }
    }
    o
}

fn outline(f: &OpmlFeed, indent: usize, out: &mut String) {
    out.push_str(&"  ".repeat(indent));
    out.push_str(&format!(
        "<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"",
        esc(&f.title),
        esc(&f.xml_url)
    ));
    if let Some(h) = &f.html_url {
        out.push_str(&format!(" htmlUrl=\"{}\"", esc(h)));
    }
    if let Some(l) = &f.language {
        out.push_str(&format!(" language=\"{}\"", esc(l)));
    }
    if let Some(l) = f.lean {
        out.push_str(&format!(" lean=\"{}\"", l.as_str()));
    }
    if let Some(r) = &f.region {
        out.push_str(&format!(" region=\"{}\"", esc(r)));
    }
    if let Some(c) = &f.category {
        out.push_str(&format!(" category=\"{}\"", esc(c)));
    }
    if let Some(s) = f.section {
        out.push_str(&format!(" section=\"{}\"", s.as_str()));
    }
    for (k, v) in &f.attributes {
        let valid = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
            && !k.chars().next().is_some_and(|c| c.is_ascii_digit());
        if valid
            && !["type", "text", "title", "xmlurl", "htmlurl"]
                .contains(&k.to_ascii_lowercase().as_str())
        {
            out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }
    out.push_str("/>\n");
}

/// Writes an OPML 2.0 document. Feeds are grouped under nested folder outlines following
/// their [`OpmlFeed::folders`] path (first-seen order).
pub fn to_opml(title: &str, feeds: &[OpmlFeed]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n",
    );
    out.push_str(&format!("    <title>{}</title>\n", esc(title)));
    out.push_str(&format!(
        "    <dateCreated>{}</dateCreated>\n",
        chrono::Utc::now().to_rfc2822()
    ));
    out.push_str("  </head>\n  <body>\n");
    // Build a folder tree preserving first-seen order.
    #[derive(Default)]
    struct Node<'a> {
        children: Vec<(String, Node<'a>)>,
        feeds: Vec<&'a OpmlFeed>,
    }
    let mut root = Node::default();
    for f in feeds {
        let mut node = &mut root;
        for folder in &f.folders {
            let i = match node.children.iter().position(|(n, _)| n == folder) {
                Some(i) => i,
                None => {
                    node.children.push((folder.clone(), Node::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[i].1;
        }
        node.feeds.push(f);
    }
    // Iterative walk (no recursion on untrusted depth).
    enum Step<'n, 'a> {
        Enter(&'n str, &'n Node<'a>, usize),
        Leave(usize),
    }
    let mut todo: Vec<Step<'_, '_>> = Vec::new();
    for f in &root.feeds {
        outline(f, 2, &mut out);
    }
    for (name, child) in root.children.iter().rev() {
        todo.push(Step::Enter(name, child, 2));
    }
    while let Some(step) = todo.pop() {
        match step {
            Step::Enter(name, node, depth) => {
                out.push_str(&"  ".repeat(depth));
                out.push_str(&format!(
                    "<outline text=\"{0}\" title=\"{0}\">\n",
                    esc(name)
                ));
                for f in &node.feeds {
                    outline(f, depth + 1, &mut out);
                }
                todo.push(Step::Leave(depth));
                for (n, c) in node.children.iter().rev() {
                    todo.push(Step::Enter(n, c, depth + 1));
                }
            }
            Step::Leave(depth) => {
                out.push_str(&"  ".repeat(depth));
                out.push_str("</outline>\n");
            }
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>My &amp; feeds</title></head><body>
  <outline text="News">
    <outline text="World">
      <outline type="rss" text="Harbor Gazette" xmlUrl="https://gazette.example/feed" htmlUrl="https://gazette.example/" lean="center-left" region="us" category="politics" custom="x"/>
    </outline>
    <outline title="Tech Daily" xmlUrl="https://tech.example/rss"/>
  </outline>
  <outline text="Loose" xmlURL="https://loose.example/atom.xml"/>
</body></opml>"#;

    #[test]
    fn import_nested() {
        let d = parse_opml(DOC.as_bytes()).unwrap();
        assert_eq!(d.title.as_deref(), Some("My & feeds"));
        assert_eq!(d.feeds.len(), 3);
        let g = &d.feeds[0];
        assert_eq!(g.title, "Harbor Gazette");
        assert_eq!(g.folders, ["News", "World"]);
        assert_eq!(g.lean, Some(Lean::CenterLeft));
        assert_eq!(g.region.as_deref(), Some("us"));
        assert_eq!(g.section, Some(Section::Politics));
        assert_eq!(g.attributes.get("custom").map(String::as_str), Some("x"));
        assert_eq!(d.feeds[1].folders, ["News"]);
        assert_eq!(d.feeds[2].xml_url, "https://loose.example/atom.xml");
        assert!(d.feeds[2].folders.is_empty());
        assert_eq!(g.to_outlet().feed_url, "https://gazette.example/feed");
    }

    #[test]
    fn export_round_trips_and_escapes() {
        let mut d = parse_opml(DOC.as_bytes()).unwrap();
        d.feeds[1].title = "A \"quoted\" <tag> & more".into();
        let xml = to_opml("Out & about", &d.feeds);
        assert!(xml.contains("A &quot;quoted&quot; &lt;tag&gt; &amp; more"));
        let back = parse_opml(xml.as_bytes()).unwrap();
        assert_eq!(back.title.as_deref(), Some("Out & about"));
        assert_eq!(back.feeds.len(), 3);
        let by_url = |u: &str| back.feeds.iter().find(|f| f.xml_url == u).unwrap();
        assert_eq!(
            by_url("https://tech.example/rss").title,
            "A \"quoted\" <tag> & more"
        );
        let g = by_url("https://gazette.example/feed");
        assert_eq!(g.folders, ["News", "World"]);
        assert_eq!(g.lean, Some(Lean::CenterLeft));
        assert_eq!(g.attributes.get("custom").map(String::as_str), Some("x"));
        assert!(by_url("https://loose.example/atom.xml").folders.is_empty());
    }

    #[test]
    fn errors() {
        assert!(matches!(
            parse_opml(b"<rss/>"),
            Err(FeedError::InvalidOpml(_))
        ));
        assert!(matches!(parse_opml(b"nope"), Err(FeedError::NotXml(_))));
        assert_eq!(parse_opml(b""), Err(FeedError::Empty));
    }
}
