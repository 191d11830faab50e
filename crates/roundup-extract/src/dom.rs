//! A compact, pre-order array form of the parsed document.
//!
//! The html5ever tree (via `scraper`) is walked once, iteratively, into a flat `Vec` in document
//! order. Every node knows its parent and the end of its subtree, so subtree scans are index
//! ranges and bottom-up statistics are one reverse loop: no recursion anywhere, whatever the
//! nesting depth of the page.

#[cfg(test)]
use ego_tree::iter::Edge;
#[cfg(test)]
use scraper::{Html, Node};

/// Element names the extractor distinguishes; everything else is [`Tag::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Tag {
    Text,
    Html,
    Head,
    Body,
    Title,
    Meta,
    Link,
    Script,
    Style,
    Noscript,
    Template,
    Svg,
    Math,
    Iframe,
    Object,
    Embed,
    Canvas,
    Video,
    Audio,
    Picture,
    Img,
    Figure,
    Figcaption,
    Nav,
    Aside,
    Footer,
    Header,
    Form,
    Input,
    Button,
    Select,
    Textarea,
    Label,
    Option,
    P,
    Div,
    Section,
    Article,
    Main,
    Span,
    A,
    Br,
    Hr,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Blockquote,
    Pre,
    Code,
    Table,
    Tr,
    Td,
    Th,
    Caption,
    Time,
    Address,
    Center,
    Font,
    Em,
    Strong,
    B,
    I,
    U,
    Dialog,
    Menu,
    Other,
}

impl Tag {
    pub(crate) fn from_name(n: &str) -> Tag {
        use Tag::*;
        match n {
            "html" => Html,
            "head" => Head,
            "body" => Body,
            "title" => Title,
            "meta" => Meta,
            "link" => Link,
            "script" => Script,
            "style" => Style,
            "noscript" => Noscript,
            "template" => Template,
            "svg" => Svg,
            "math" => Math,
            "iframe" => Iframe,
            "object" => Object,
            "embed" => Embed,
            "canvas" => Canvas,
            "video" => Video,
            "audio" => Audio,
            "picture" => Picture,
            "img" => Img,
            "figure" => Figure,
            "figcaption" => Figcaption,
            "nav" => Nav,
            "aside" => Aside,
            "footer" => Footer,
            "header" => Header,
            "form" => Form,
            "input" => Input,
            "button" => Button,
            "select" => Select,
            "textarea" => Textarea,
            "label" => Label,
            "option" => Option,
            "p" => P,
            "div" => Div,
            "section" => Section,
            "article" => Article,
            "main" => Main,
            "span" => Span,
            "a" => A,
            "br" => Br,
            "hr" => Hr,
            "h1" => H1,
            "h2" => H2,
            "h3" => H3,
            "h4" => H4,
            "h5" => H5,
            "h6" => H6,
            "ul" => Ul,
            "ol" => Ol,
            "li" => Li,
            "dl" => Dl,
            "dt" => Dt,
            "dd" => Dd,
            "blockquote" => Blockquote,
            "pre" => Pre,
            "code" => Code,
            "table" => Table,
            "tr" => Tr,
            "td" => Td,
            "th" => Th,
            "caption" => Caption,
            "time" => Time,
            "address" => Address,
            "center" => Center,
            "font" => Font,
            "em" => Em,
            "strong" => Strong,
            "b" => B,
            "i" => I,
            "u" => U,
            "dialog" => Dialog,
            "menu" => Menu,
            _ => Other,
        }
    }

    /// Elements in the SVG / MathML namespaces: only their roots matter.
    pub(crate) fn from_foreign(n: &str) -> Tag {
        match n {
            "svg" => Tag::Svg,
            "math" => Tag::Math,
            _ => Tag::Other,
        }
    }

    /// Elements that start a new block of text.
    pub(crate) fn is_block(self) -> bool {
        use Tag::*;
        matches!(
            self,
            P | Div
                | Section
                | Article
                | Main
                | Br
                | Hr
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Ul
                | Ol
                | Li
                | Dl
                | Dt
                | Dd
                | Blockquote
                | Pre
                | Table
                | Tr
                | Td
                | Th
                | Caption
                | Figure
                | Figcaption
                | Header
                | Footer
                | Nav
                | Aside
                | Form
                | Address
                | Center
                | Body
                | Html
                | Dialog
                | Menu
                | Option
                | Textarea
                | Select
        )
    }

    /// Heading level 1-6, if a heading.
    pub(crate) fn heading(self) -> Option<u8> {
        use Tag::*;
        match self {
            H1 => Some(1),
            H2 => Some(2),
            H3 => Some(3),
            H4 => Some(4),
            H5 => Some(5),
            H6 => Some(6),
            _ => None,
        }
    }
}

/// One node of the flat document.
#[derive(Debug, Clone)]
pub(crate) struct DNode {
    pub tag: Tag,
    /// Parent index (the root's parent is itself).
    pub parent: u32,
    /// One past the last index of this node's subtree.
    pub end: u32,
    /// Text node: byte range into [`Dom::text`]. Element: range into [`Dom::attrs`] of its
    /// lower-cased `class` and `id` joined by a space.
    pub start_s: u32,
    pub end_s: u32,
    /// Index into [`Dom::elems`] for elements that keep their attributes, else `u32::MAX`.
    pub attrs: u32,
    /// `hidden`, `aria-hidden`, or an inline `display:none` / `visibility:hidden`.
    pub hidden: bool,
}

/// The attributes the extractor reads later, kept for elements that have any of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attrs {
    pub href: Option<String>,
    pub itemprop: Option<String>,
    pub role: Option<String>,
    pub datetime: Option<String>,
    pub src: Option<String>,
    pub rel: Option<String>,
    pub lang: Option<String>,
    pub meta_name: Option<String>,
    pub content: Option<String>,
    pub itemtype: Option<String>,
}

/// The flat document.
pub(crate) struct Dom {
    pub nodes: Vec<DNode>,
    pub text: String,
    pub attrs: String,
    pub elems: Vec<Attrs>,
}

impl Dom {
    /// Flattens a document parsed by `scraper` (reference for the sink, used in tests).
    #[cfg(test)]
    pub fn from_html(html: &Html) -> Dom {
        let mut dom = Dom {
            nodes: Vec::with_capacity(4096),
            text: String::new(),
            attrs: String::new(),
            elems: Vec::new(),
        };
        // Stack of open element indices.
        let mut stack: Vec<u32> = Vec::with_capacity(64);
        for edge in html.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(el) => {
                        let idx = dom.nodes.len() as u32;
                        let parent = stack.last().copied().unwrap_or(idx);
                        let tag = Tag::from_name(el.name());
                        let s0 = dom.attrs.len() as u32;
                        let mut a = Attrs::default();
                        let mut keep = false;
                        let mut hidden = false;
                        for (k, v) in el.attrs() {
                            match k {
                                "class" | "id" => {
                                    if !dom.attrs.is_empty() && dom.attrs.len() as u32 > s0 {
                                        dom.attrs.push(' ');
                                    }
                                    if v.is_ascii() {
                                        let at = dom.attrs.len();
                                        dom.attrs.push_str(v);
                                        dom.attrs[at..].make_ascii_lowercase();
                                    } else {
                                        for ch in v.chars() {
                                            dom.attrs.extend(ch.to_lowercase());
                                        }
                                    }
                                }
                                "href" if tag == Tag::A || tag == Tag::Link => {
                                    a.href = Some(v.to_string());
                                    keep = true;
                                }
                                "itemprop" => {
                                    a.itemprop = Some(v.to_ascii_lowercase());
                                    keep = true;
                                }
                                "itemtype" => {
                                    a.itemtype = Some(v.to_string());
                                    keep = true;
                                }
                                "role" => {
                                    a.role = Some(v.to_ascii_lowercase());
                                    keep = true;
                                }
                                "datetime" => {
                                    a.datetime = Some(v.to_string());
                                    keep = true;
                                }
                                "src" | "data-src" if tag == Tag::Img => {
                                    if a.src.is_none() || k == "src" {
                                        a.src = Some(v.to_string());
                                    }
                                    keep = true;
                                }
                                "rel" => {
                                    a.rel = Some(v.to_ascii_lowercase());
                                    keep = true;
                                }
                                "lang" | "xml:lang" => {
                                    a.lang = Some(v.to_string());
                                    keep = true;
                                }
                                "name" | "property" | "http-equiv" if tag == Tag::Meta => {
                                    let v = v.to_ascii_lowercase();
                                    // `property` (OpenGraph) and `name` both name the value.
                                    if a.meta_name.is_none() || k != "http-equiv" {
                                        a.meta_name = Some(v);
                                    }
                                    keep = true;
                                }
                                "content" if tag == Tag::Meta => {
                                    a.content = Some(v.to_string());
                                    keep = true;
                                }
                                "hidden" => hidden = true,
                                "aria-hidden" if v.eq_ignore_ascii_case("true") => hidden = true,
                                "style" => {
                                    let s: String = v
                                        .chars()
                                        .filter(|c| !c.is_whitespace())
                                        .collect::<String>()
                                        .to_ascii_lowercase();
                                    if s.contains("display:none") || s.contains("visibility:hidden")
                                    {
                                        hidden = true;
                                    }
                                }
                                _ => {}
                            }
                        }
                        let attrs = if keep {
                            dom.elems.push(a);
                            (dom.elems.len() - 1) as u32
                        } else {
                            u32::MAX
                        };
                        dom.nodes.push(DNode {
                            tag,
                            parent,
                            end: idx + 1,
                            start_s: s0,
                            end_s: dom.attrs.len() as u32,
                            attrs,
                            hidden,
                        });
                        stack.push(idx);
                    }
                    Node::Text(t) => {
                        let idx = dom.nodes.len() as u32;
                        let parent = stack.last().copied().unwrap_or(idx);
                        let s0 = dom.text.len() as u32;
                        dom.text.push_str(t);
                        dom.nodes.push(DNode {
                            tag: Tag::Text,
                            parent,
                            end: idx + 1,
                            start_s: s0,
                            end_s: dom.text.len() as u32,
                            attrs: u32::MAX,
                            hidden: false,
                        });
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if node.value().is_element() {
                        if let Some(idx) = stack.pop() {
                            let end = dom.nodes.len() as u32;
                            dom.nodes[idx as usize].end = end;
                        }
                    }
                }
            }
        }
        dom
    }

    /// Lower-cased `class id` string of an element ("" for text).
    pub fn class_id(&self, i: usize) -> &str {
        let n = &self.nodes[i];
        if n.tag == Tag::Text {
            return "";
        }
        &self.attrs[n.start_s as usize..n.end_s as usize]
    }

    /// Text of a text node ("" for elements).
    pub fn node_text(&self, i: usize) -> &str {
        let n = &self.nodes[i];
        if n.tag != Tag::Text {
            return "";
        }
        &self.text[n.start_s as usize..n.end_s as usize]
    }

    /// Kept attributes of an element.
    pub fn attrs(&self, i: usize) -> Option<&Attrs> {
        let a = self.nodes[i].attrs;
        if a == u32::MAX {
            None
        } else {
            self.elems.get(a as usize)
        }
    }

    /// Whitespace-normalized text of a subtree, skipping nodes for which `skip` is true.
    pub fn subtree_text(&self, i: usize, skip: &dyn Fn(usize) -> bool) -> String {
        let mut out = String::new();
        let end = self.nodes[i].end as usize;
        let mut j = i;
        while j < end {
            if j != i && skip(j) {
                j = self.nodes[j].end as usize;
                continue;
            }
            let n = &self.nodes[j];
            if n.tag == Tag::Text {
                push_normalized(&mut out, self.node_text(j));
            } else if n.tag.is_block() && !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
            j += 1;
        }
        out.trim().to_string()
    }
}

/// Appends `s` to `out`, collapsing whitespace runs (incl. NBSP) to one space.
pub(crate) fn push_normalized(out: &mut String, s: &str) {
    let mut last_space = out.is_empty() || out.ends_with(' ') || out.ends_with('\n');
    for ch in s.chars() {
        if ch.is_whitespace() || ch == '\u{a0}' || ch == '\u{200b}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else if ch != '\u{ad}' && !ch.is_control() {
            out.push(ch);
            last_space = false;
        }
    }
}
