//! An html5ever tree sink that builds only what the extractor reads.
//!
//! html5ever calls the sink to create and move nodes (including the adoption-agency and
//! foster-parenting moves of broken markup), so the tree under construction is a linked arena.
//! Elements keep just their [`Tag`], lower-cased `class id`, and the few attributes the extractor
//! reads; text stays in its tendril. [`into_dom`] then lays the arena out in pre-order with one
//! iterative walk.

use crate::dom::{Attrs, DNode, Dom, Tag};
use html5ever::interface::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::{local_name, namespace_url, ns, Attribute, QualName};
use std::borrow::Cow;
use std::cell::{Ref, RefCell};

const NONE: u32 = u32::MAX;

#[derive(Debug)]
enum Data {
    Document,
    Element {
        tag: Tag,
        class_id: String,
        attrs: Option<Box<Attrs>>,
        hidden: bool,
        template: u32,
    },
    Text(StrTendril),
    Other,
}

#[derive(Debug)]
struct Node {
    parent: u32,
    first: u32,
    last: u32,
    prev: u32,
    next: u32,
    data: Data,
}

/// The arena under construction.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    nodes: Vec<Node>,
    names: Vec<QualName>,
}

/// The sink handed to html5ever.
pub(crate) struct Sink {
    arena: RefCell<Arena>,
    dummy: QualName,
}

impl Sink {
    pub(crate) fn new() -> Sink {
        let dummy = QualName::new(None, ns!(html), local_name!("div"));
        let mut arena = Arena {
            nodes: Vec::with_capacity(4096),
            names: Vec::with_capacity(4096),
        };
        arena.nodes.push(Node {
            parent: NONE,
            first: NONE,
            last: NONE,
            prev: NONE,
            next: NONE,
            data: Data::Document,
        });
        arena.names.push(dummy.clone());
        Sink {
            arena: RefCell::new(arena),
            dummy,
        }
    }
}

impl Arena {
    fn push(&mut self, data: Data, name: QualName) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            parent: NONE,
            first: NONE,
            last: NONE,
            prev: NONE,
            next: NONE,
            data,
        });
        self.names.push(name);
        id
    }

    fn detach(&mut self, n: u32) {
        let (parent, prev, next) = {
            let x = &self.nodes[n as usize];
            (x.parent, x.prev, x.next)
        };
        if parent == NONE {
            return;
        }
        if prev != NONE {
            self.nodes[prev as usize].next = next;
        } else {
            self.nodes[parent as usize].first = next;
        }
        if next != NONE {
            self.nodes[next as usize].prev = prev;
        } else {
            self.nodes[parent as usize].last = prev;
        }
        let x = &mut self.nodes[n as usize];
        x.parent = NONE;
        x.prev = NONE;
        x.next = NONE;
    }

    fn append_child(&mut self, parent: u32, child: u32) {
        self.detach(child);
        let last = self.nodes[parent as usize].last;
        {
            let c = &mut self.nodes[child as usize];
            c.parent = parent;
            c.prev = last;
            c.next = NONE;
        }
        if last != NONE {
            self.nodes[last as usize].next = child;
        } else {
            self.nodes[parent as usize].first = child;
        }
        self.nodes[parent as usize].last = child;
    }

    fn insert_before(&mut self, sibling: u32, child: u32) {
        self.detach(child);
        let (parent, prev) = {
            let s = &self.nodes[sibling as usize];
            (s.parent, s.prev)
        };
        if parent == NONE {
            return;
        }
        {
            let c = &mut self.nodes[child as usize];
            c.parent = parent;
            c.prev = prev;
            c.next = sibling;
        }
        self.nodes[sibling as usize].prev = child;
        if prev != NONE {
            self.nodes[prev as usize].next = child;
        } else {
            self.nodes[parent as usize].first = child;
        }
    }

    fn text_node(&mut self, t: StrTendril) -> u32 {
        let d = QualName::new(None, ns!(), local_name!(""));
        self.push(Data::Text(t), d)
    }
}

/// Reads the attributes the extractor uses.
pub(crate) fn read_attrs<'a>(
    tag: Tag,
    attrs: impl Iterator<Item = (&'a str, &'a str)>,
    class_id: &mut String,
) -> (Option<Attrs>, bool) {
    let mut a = Attrs::default();
    let mut keep = false;
    let mut hidden = false;
    for (k, v) in attrs {
        match k {
            "class" | "id" => {
                if !class_id.is_empty() {
                    class_id.push(' ');
                }
                if v.is_ascii() {
                    let at = class_id.len();
                    class_id.push_str(v);
                    class_id[at..].make_ascii_lowercase();
                } else {
                    for ch in v.chars() {
                        class_id.extend(ch.to_lowercase());
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
            "lang" => {
                a.lang = Some(v.to_string());
                keep = true;
            }
            "name" | "property" | "http-equiv" if tag == Tag::Meta => {
                if a.meta_name.is_none() || k != "http-equiv" {
                    a.meta_name = Some(v.to_ascii_lowercase());
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
                if s.contains("display:none") || s.contains("visibility:hidden") {
                    hidden = true;
                }
            }
            _ => {}
        }
    }
    (keep.then_some(a), hidden)
}

impl TreeSink for Sink {
    type Handle = u32;
    type Output = Arena;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Arena {
        self.arena.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> u32 {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a u32) -> Ref<'a, QualName> {
        Ref::map(self.arena.borrow(), |a| &a.names[*target as usize])
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> u32 {
        let tag = if name.ns == ns!(html) {
            Tag::from_name(&name.local)
        } else {
            Tag::from_foreign(&name.local)
        };
        let mut class_id = String::new();
        let (a, hidden) = read_attrs(
            tag,
            attrs.iter().map(|x| (&*x.name.local, &*x.value)),
            &mut class_id,
        );
        let mut arena = self.arena.borrow_mut();
        let template = if flags.template {
            arena.push(Data::Other, self.dummy.clone())
        } else {
            NONE
        };
        arena.push(
            Data::Element {
                tag,
                class_id,
                attrs: a.map(Box::new),
                hidden,
                template,
            },
            name,
        )
    }

    fn create_comment(&self, _text: StrTendril) -> u32 {
        self.arena
            .borrow_mut()
            .push(Data::Other, self.dummy.clone())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> u32 {
        self.arena
            .borrow_mut()
            .push(Data::Other, self.dummy.clone())
    }

    fn append(&self, parent: &u32, child: NodeOrText<u32>) {
        let mut a = self.arena.borrow_mut();
        match child {
            NodeOrText::AppendNode(n) => a.append_child(*parent, n),
            NodeOrText::AppendText(t) => {
                let last = a.nodes[*parent as usize].last;
                if last != NONE {
                    if let Data::Text(ref mut existing) = a.nodes[last as usize].data {
                        existing.push_tendril(&t);
                        return;
                    }
                }
                let n = a.text_node(t);
                a.append_child(*parent, n);
            }
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &u32,
        prev_element: &u32,
        child: NodeOrText<u32>,
    ) {
        let has_parent = self.arena.borrow().nodes[*element as usize].parent != NONE;
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public_id: StrTendril,
        _system_id: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &u32) -> u32 {
        match self.arena.borrow().nodes[*target as usize].data {
            Data::Element { template, .. } if template != NONE => template,
            _ => *target,
        }
    }

    fn same_node(&self, x: &u32, y: &u32) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &u32, child: NodeOrText<u32>) {
        let mut a = self.arena.borrow_mut();
        match child {
            NodeOrText::AppendNode(n) => a.insert_before(*sibling, n),
            NodeOrText::AppendText(t) => {
                let prev = a.nodes[*sibling as usize].prev;
                if prev != NONE {
                    if let Data::Text(ref mut existing) = a.nodes[prev as usize].data {
                        existing.push_tendril(&t);
                        return;
                    }
                }
                let n = a.text_node(t);
                a.insert_before(*sibling, n);
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &u32, attrs: Vec<Attribute>) {
        // Only <html lang> matters here (a second <html> or <body> tag adds attributes).
        let mut a = self.arena.borrow_mut();
        if let Data::Element {
            tag: Tag::Html,
            attrs: ref mut ea,
            ..
        } = a.nodes[*target as usize].data
        {
            for at in attrs {
                if &*at.name.local == "lang" {
                    let e = ea.get_or_insert_with(Default::default);
                    if e.lang.is_none() {
                        e.lang = Some(at.value.to_string());
                    }
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &u32) {
        self.arena.borrow_mut().detach(*target);
    }

    fn reparent_children(&self, node: &u32, new_parent: &u32) {
        let mut a = self.arena.borrow_mut();
        let mut c = a.nodes[*node as usize].first;
        while c != NONE {
            let next = a.nodes[c as usize].next;
            a.append_child(*new_parent, c);
            c = next;
        }
    }
}

/// Lays the arena out as a pre-order [`Dom`], iteratively.
pub(crate) fn into_dom(arena: Arena) -> Dom {
    let Arena { mut nodes, .. } = arena;
    let mut dom = Dom {
        nodes: Vec::with_capacity(nodes.len()),
        text: String::new(),
        attrs: String::new(),
        elems: Vec::new(),
    };
    // Stack of (arena id, dom index of the element) for open elements; children are visited
    // by following `next` links.
    let mut stack: Vec<(u32, u32)> = Vec::with_capacity(64);
    let mut cur = nodes[0].first;
    loop {
        if cur == NONE {
            // Close the innermost open element and continue after it.
            let Some((id, idx)) = stack.pop() else { break };
            dom.nodes[idx as usize].end = dom.nodes.len() as u32;
            cur = nodes[id as usize].next;
            continue;
        }
        let parent = stack.last().map(|&(_, i)| i);
        let idx = dom.nodes.len() as u32;
        let (first, next) = (nodes[cur as usize].first, nodes[cur as usize].next);
        match std::mem::replace(&mut nodes[cur as usize].data, Data::Other) {
            Data::Element {
                tag,
                class_id,
                attrs,
                hidden,
                ..
            } => {
                let s0 = dom.attrs.len() as u32;
                dom.attrs.push_str(&class_id);
                let attrs = match attrs {
                    Some(a) => {
                        dom.elems.push(*a);
                        (dom.elems.len() - 1) as u32
                    }
                    None => u32::MAX,
                };
                dom.nodes.push(DNode {
                    tag,
                    parent: parent.unwrap_or(idx),
                    end: idx + 1,
                    start_s: s0,
                    end_s: dom.attrs.len() as u32,
                    attrs,
                    hidden,
                });
                stack.push((cur, idx));
                cur = first;
            }
            Data::Text(t) => {
                let s0 = dom.text.len() as u32;
                dom.text.push_str(&t);
                dom.nodes.push(DNode {
                    tag: Tag::Text,
                    parent: parent.unwrap_or(idx),
                    end: idx + 1,
                    start_s: s0,
                    end_s: dom.text.len() as u32,
                    attrs: u32::MAX,
                    hidden: false,
                });
                cur = next;
            }
            _ => cur = next,
        }
    }
    dom
}

/// Parses a document with html5ever into a [`Dom`].
pub(crate) fn parse(html: &str) -> Dom {
    use html5ever::tendril::TendrilSink;
    let arena = html5ever::parse_document(Sink::new(), Default::default()).one(html);
    into_dom(arena)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(d: &Dom) -> Vec<(Tag, String, String, u32, u32)> {
        (0..d.nodes.len())
            .map(|i| {
                // Attribute order may differ between sinks; compare the class/id tokens as a set.
                let mut ci: Vec<&str> = d.class_id(i).split_whitespace().collect();
                ci.sort_unstable();
                (
                    d.nodes[i].tag,
                    d.node_text(i).to_string(),
                    ci.join(" "),
                    d.nodes[i].parent,
                    d.nodes[i].end,
                )
            })
            .collect()
    }

    /// The sink must build the same tree as scraper's (the reference html5ever sink), including
    /// for broken markup that makes html5ever move nodes around. (One deliberate difference:
    /// `<template>` contents go to a separate fragment, as the spec says; the pre-pass removes
    /// templates anyway.)
    #[test]
    fn same_tree_as_scraper() {
        let mut pages = vec![
            "<p>a<b>b<p>c</b>d".to_string(),
            "<table><tr><td>x</td></tr>stray text<div>foster</div></table>".to_string(),
            "<a href=x>1<div>2</a>3</div>".to_string(),
            "<html lang=en><body><html lang=fr><p class='A B' id=X>t</p><b><i>x</b>y</i>"
                .to_string(),
            "<ul><li>a<li>b</ul><select><option>o</select><math><mi>x</mi></math>".to_string(),
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/news-article.html"
            ))
            .unwrap(),
        ];
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/eval/extraction/scrapinghub/html"
        );
        if let Ok(rd) = std::fs::read_dir(dir) {
            let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            files.sort();
            for f in files.iter().take(25) {
                let b = crate::read_page(f).unwrap();
                pages.push(String::from_utf8_lossy(&crate::prepass::strip(&b).html).into_owned());
            }
        }
        for p in &pages {
            let ours = parse(p);
            let reference = Dom::from_html(&scraper::Html::parse_document(p));
            let (a, b) = (shape(&ours), shape(&reference));
            if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
                panic!(
                    "tree differs for {:?} at node {i}: ours {:?} reference {:?}",
                    &p[..p.len().min(60)],
                    &a[i.saturating_sub(2)..(i + 2).min(a.len())],
                    &b[i.saturating_sub(2)..(i + 2).min(b.len())]
                );
            }
        }
    }
}
