//! A small, tolerant, single-pass XML tokenizer with namespace resolution.
//!
//! It reports well-formedness problems (mismatched tags, undefined entities, undeclared
//! prefixes, junk after the root, …) as the *first error* but keeps going, recovering the
//! way a lenient feed reader would: unknown end tags are ignored, unclosed elements are
//! closed at the end of input, undefined HTML entities are decoded anyway. Work is linear
//! in the input size; nothing recurses, so deep nesting cannot overflow the stack.

use std::collections::HashMap;

/// A resolved attribute.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    /// The name as written (`xml:base`, `rdf:about`, `href`).
    pub qname: String,
    /// The local part.
    pub local: String,
    /// Namespace URI, when the name carries a declared prefix.
    pub ns: Option<String>,
    /// Decoded value.
    pub value: String,
}

/// A start tag with its namespace resolved.
#[derive(Debug)]
pub(crate) struct Start<'a> {
    /// The prefix as written, if any.
    pub prefix: Option<&'a str>,
    /// The local name.
    pub local: &'a str,
    /// Namespace URI (default namespace for unprefixed names).
    pub ns: Option<&'a str>,
    /// Attributes other than namespace declarations.
    pub attrs: &'a [Attr],
    /// Namespace declarations on this element: (prefix or "", uri).
    pub decls: &'a [(String, String)],
}

/// Receives parse events.
pub(crate) trait Sink {
    /// An element starts.
    fn start(&mut self, tag: &Start<'_>);
    /// The innermost open element ends.
    fn end(&mut self);
    /// Character data (entities decoded, CDATA included).
    fn text(&mut self, text: &str);
}

/// Attributes kept per start tag.
const MAX_ATTRS: usize = 512;
/// How far below the top of the open-element stack a mismatched end tag is looked for.
const MAX_RECOVERY_DEPTH: usize = 256;
/// Namespace bindings kept in scope.
const MAX_SCOPES: usize = 4096;
/// Bytes that DOCTYPE entity expansion may add, as a multiple of the input size.
const ENTITY_EXPANSION_FACTOR: usize = 4;

struct Open {
    qname: String,
    scope_len: usize,
}

/// Parses `input`, sending events to `sink`. Returns the first well-formedness error.
pub(crate) fn parse(input: &str, sink: &mut impl Sink) -> Option<String> {
    let mut p = Parser {
        s: input,
        pos: 0,
        err: None,
        entities: HashMap::new(),
        scopes: Vec::new(),
        stack: Vec::new(),
        seen_root: false,
        root_closed: false,
        expanded: 0,
    };
    p.run(sink);
    p.err
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    err: Option<String>,
    entities: HashMap<String, String>,
    /// (prefix, uri) bindings in scope, innermost last.
    scopes: Vec<(String, String)>,
    stack: Vec<Open>,
    seen_root: bool,
    root_closed: bool,
    expanded: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == ':' || (c as u32) > 0x7f
}
fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.'
}

impl<'a> Parser<'a> {
    fn error(&mut self, msg: impl Into<String>) {
        if self.err.is_none() {
            let line = self.s[..self.pos.min(self.s.len())].matches('\n').count() + 1;
            self.err = Some(format!("{} (line {line})", msg.into()));
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    #[allow(clippy::manual_strip)]
    fn run(&mut self, sink: &mut impl Sink) {
        let bytes = self.s.as_bytes();
        while self.pos < bytes.len() {
            if bytes[self.pos] == b'<' {
                let rest = self.rest();
                if rest.starts_with("<!--") {
                    match rest[4..].find("-->") {
                        Some(i) => self.pos += 4 + i + 3,
                        None => {
                            self.error("unclosed comment");
                            self.pos = bytes.len();
                        }
                    }
                } else if rest.starts_with("<![CDATA[") {
                    let body_start = self.pos + 9;
                    let (body, next) = match self.s[body_start..].find("]]>") {
                        Some(i) => (&self.s[body_start..body_start + i], body_start + i + 3),
                        None => {
                            self.error("unclosed CDATA section");
                            (&self.s[body_start..], bytes.len())
                        }
                    };
                    if self.stack.is_empty() {
                        self.error("CDATA outside the root element");
                    } else if !body.is_empty() {
                        sink.text(body);
                    }
                    self.pos = next;
                } else if rest.starts_with("<?") {
                    match rest.find("?>") {
                        Some(i) => self.pos += i + 2,
                        None => {
                            self.error("unclosed processing instruction");
                            self.pos = bytes.len();
                        }
                    }
                } else if rest.len() >= 9 && rest.as_bytes()[..9].eq_ignore_ascii_case(b"<!DOCTYPE")
                {
                    self.doctype();
                } else if rest.starts_with("<!") {
                    self.error("unexpected markup declaration");
                    match rest.find('>') {
                        Some(i) => self.pos += i + 1,
                        None => self.pos = bytes.len(),
                    }
                } else if rest.starts_with("</") {
                    self.end_tag(sink);
                } else if rest[1..].chars().next().is_some_and(is_name_start) {
                    self.start_tag(sink);
                } else {
                    self.error("not well-formed (invalid token)");
                    self.pos += 1;
                    if !self.stack.is_empty() {
                        sink.text("<");
                    }
                }
            } else {
                let start = self.pos;
                let end = memchr_lt(bytes, start);
                let raw = &self.s[start..end];
                self.pos = end;
                if self.stack.is_empty() {
                    if !raw.trim().is_empty() {
                        if self.root_closed {
                            self.error("junk after document element");
                        } else {
                            self.error("syntax error: text outside the root element");
                        }
                    }
                    continue;
                }
                let text = self.decode(raw, start, false);
                if !text.is_empty() {
                    sink.text(&text);
                }
            }
        }
        if !self.stack.is_empty() {
            self.error(if self.seen_root {
                "no element found: unclosed element at end of input"
            } else {
                "no element found"
            });
            while let Some(open) = self.stack.pop() {
                self.scopes.truncate(open.scope_len);
                sink.end();
            }
        }
        if !self.seen_root {
            self.error("no element found");
        }
    }

    fn doctype(&mut self) {
        // Find the end of the DOCTYPE, honouring an internal subset in [...].
        let rest = self.rest();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' if depth > 0 => quote = Some(c),
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    '>' if depth == 0 => {
                        end = i + 1;
                        break;
                    }
                    _ => {}
                },
            }
        }
        let decl = &rest[..end];
        if end == rest.len() && !decl.ends_with('>') {
            self.error("unclosed DOCTYPE");
        }
        // Internal entity declarations with simple values.
        let mut search = decl;
        while let Some(i) = search.find("<!ENTITY") {
            search = &search[i + 8..];
            let body = search.split('>').next().unwrap_or("");
            let body = body.trim_start();
            if body.starts_with('%') {
                continue;
            }
            let name: String = body.chars().take_while(|c| is_name_char(*c)).collect();
            let after = body[name.len()..].trim_start();
            let q = after.chars().next();
            if let Some(q @ ('"' | '\'')) = q {
                if let Some(close) = after[1..].find(q) {
                    let value = &after[1..1 + close];
                    // Only values without markup or general entity refs, except one char ref.
                    let simple = !value.contains('<')
                        && (!value.contains('&')
                            || (value.starts_with("&#")
                                && value.ends_with(';')
                                && value.matches('&').count() == 1));
                    if simple && !name.is_empty() {
                        let v = decode_char_refs(value);
                        self.entities.entry(name).or_insert(v);
                    }
                }
            }
        }
        self.pos += end;
    }

    fn lookup_ns(&self, prefix: &str) -> Option<&str> {
        match prefix {
            "xml" => return Some("http://www.w3.org/XML/1998/namespace"),
            "xmlns" => return Some("http://www.w3.org/2000/xmlns/"),
            _ => {}
        }
        self.scopes
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }

    fn start_tag(&mut self, sink: &mut impl Sink) {
        let bytes = self.s.as_bytes();
        let tag_start = self.pos;
        self.pos += 1;
        let name_start = self.pos;
        while self.pos < bytes.len() {
            let c = self.s[self.pos..].chars().next().unwrap_or(' ');
            if !is_name_char(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        let qname = self.s[name_start..self.pos].to_string();
        if self.root_closed {
            self.error("junk after document element");
        }
        // Attributes.
        let mut raw_attrs: Vec<(String, String)> = Vec::new();
        let mut self_closing = false;
        loop {
            self.skip_ws();
            if self.pos >= bytes.len() {
                self.error("unclosed start tag");
                break;
            }
            let b = bytes[self.pos];
            if b == b'>' {
                self.pos += 1;
                break;
            }
            if b == b'/' {
                if bytes.get(self.pos + 1) == Some(&b'>') {
                    self.pos += 2;
                    self_closing = true;
                    break;
                }
                self.error("not well-formed (stray '/')");
                self.pos += 1;
                continue;
            }
            if b == b'<' {
                self.error("unclosed start tag");
                break;
            }
            let an_start = self.pos;
            while self.pos < bytes.len() {
                let c = self.s[self.pos..].chars().next().unwrap_or(' ');
                if c.is_whitespace()
                    || c == '='
                    || c == '>'
                    || c == '/'
                    || c == '<'
                    || c == '"'
                    || c == '\''
                {
                    break;
                }
                self.pos += c.len_utf8();
            }
            if self.pos == an_start {
                self.error("not well-formed (bad attribute)");
                // Step over the whole character (e.g. U+00A0, whitespace but not ASCII).
                self.pos += self.s[self.pos..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            let aname = self.s[an_start..self.pos].to_string();
            self.skip_ws();
            let mut value = String::new();
            if bytes.get(self.pos) == Some(&b'=') {
                self.pos += 1;
                self.skip_ws();
                match bytes.get(self.pos) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let vstart = self.pos + 1;
                        let vend = match self.s[vstart..].find(q as char) {
                            Some(i) => vstart + i,
                            None => {
                                self.error("unclosed attribute value");
                                bytes.len()
                            }
                        };
                        let raw = &self.s[vstart..vend];
                        if raw.contains('<') {
                            self.error("not well-formed ('<' in attribute value)");
                        }
                        value = self.decode(raw, vstart, true);
                        self.pos = (vend + 1).min(bytes.len());
                    }
                    _ => {
                        self.error("not well-formed (unquoted attribute value)");
                        let vstart = self.pos;
                        while self.pos < bytes.len()
                            && !bytes[self.pos].is_ascii_whitespace()
                            && bytes[self.pos] != b'>'
                        {
                            self.pos += 1;
                        }
                        value = self.decode(&self.s[vstart..self.pos], vstart, true);
                    }
                }
            } else {
                self.error("not well-formed (attribute without value)");
            }
            if raw_attrs.len() >= MAX_ATTRS {
                self.error("too many attributes");
                continue;
            }
            if raw_attrs.iter().any(|(n, _)| *n == aname) {
                self.error("duplicate attribute");
                continue;
            }
            raw_attrs.push((aname, value));
        }
        let _ = tag_start;
        // Namespace declarations.
        let scope_len = self.scopes.len();
        let mut decls = Vec::new();
        for (n, v) in &raw_attrs {
            if n == "xmlns" {
                decls.push((String::new(), v.clone()));
            } else if let Some(p) = n.strip_prefix("xmlns:") {
                decls.push((p.to_string(), v.clone()));
            }
        }
        for d in &decls {
            if self.scopes.len() >= MAX_SCOPES {
                self.error("too many namespace declarations");
                break;
            }
            self.scopes.push(d.clone());
        }
        let mut attrs = Vec::with_capacity(raw_attrs.len());
        for (n, v) in raw_attrs {
            if n == "xmlns" || n.starts_with("xmlns:") {
                continue;
            }
            let (ns, local) = match n.split_once(':') {
                Some((p, l)) => {
                    let ns = self.lookup_ns(p).map(str::to_string);
                    if ns.is_none() {
                        self.error(format!("unbound prefix {p:?}"));
                    }
                    (ns, l.to_string())
                }
                None => (None, n.clone()),
            };
            attrs.push(Attr {
                qname: n,
                local,
                ns,
                value: v,
            });
        }
        let (prefix, local) = match qname.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, qname.as_str()),
        };
        let ns = match prefix {
            Some(p) => {
                let ns = self.lookup_ns(p).map(str::to_string);
                if ns.is_none() {
                    self.error(format!("unbound prefix {p:?}"));
                }
                ns
            }
            None => self
                .lookup_ns("")
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        };
        if self.stack.is_empty() && self.seen_root && !self.root_closed {
            self.error("junk after document element");
        }
        self.seen_root = true;
        sink.start(&Start {
            prefix,
            local,
            ns: ns.as_deref(),
            attrs: &attrs,
            decls: &decls,
        });
        if self_closing {
            self.scopes.truncate(scope_len);
            sink.end();
            if self.stack.is_empty() {
                self.root_closed = true;
            }
        } else {
            self.stack.push(Open { qname, scope_len });
        }
    }

    fn end_tag(&mut self, sink: &mut impl Sink) {
        let bytes = self.s.as_bytes();
        let start = self.pos + 2;
        let close = match self.s[start..].find('>') {
            Some(i) => start + i,
            None => {
                self.error("unclosed end tag");
                bytes.len()
            }
        };
        let name = self.s[start..close].trim();
        self.pos = (close + 1).min(bytes.len());
        // look for the matching open element near the top only (keeps recovery linear)
        let floor = self.stack.len().saturating_sub(MAX_RECOVERY_DEPTH);
        match self.stack[floor..]
            .iter()
            .rposition(|o| o.qname == name)
            .map(|i| i + floor)
        {
            Some(i) => {
                if i + 1 != self.stack.len() {
                    self.error(format!("mismatched tag </{name}>"));
                }
                while self.stack.len() > i {
                    let open = self.stack.pop().expect("non-empty");
                    self.scopes.truncate(open.scope_len);
                    sink.end();
                }
                if self.stack.is_empty() {
                    self.root_closed = true;
                }
            }
            None => self.error(format!("mismatched tag </{name}>")),
        }
    }

    fn skip_ws(&mut self) {
        let bytes = self.s.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Decodes entity and character references in `raw` (which starts at byte `at`).
    fn decode(&mut self, raw: &str, at: usize, attr: bool) -> String {
        if !(raw.contains('&') || raw.contains('\r') || attr && raw.contains(['\n', '\t'])) {
            return raw.to_string();
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\r', '\n', '\t']) {
            out.push_str(&rest[..i]);
            let c = rest.as_bytes()[i];
            if c != b'&' {
                if c == b'\r' {
                    out.push(if attr { ' ' } else { '\n' });
                    rest = &rest[i + 1..];
                    if rest.starts_with('\n') {
                        rest = &rest[1..];
                    }
                } else {
                    out.push(if attr { ' ' } else { c as char });
                    rest = &rest[i + 1..];
                }
                continue;
            }
            rest = &rest[i..];
            let semi = rest[1..]
                .find(|c: char| {
                    !(c.is_alphanumeric() || c == '#' || c == '_' || c == '-' || c == '.')
                })
                .map(|j| j + 1);
            match semi {
                Some(j) if rest.as_bytes()[j] == b';' && j > 1 => {
                    let name = &rest[1..j];
                    if let Some(num) = name.strip_prefix('#') {
                        let cp = if let Some(h) =
                            num.strip_prefix('x').or_else(|| num.strip_prefix('X'))
                        {
                            u32::from_str_radix(h, 16).ok()
                        } else {
                            num.parse::<u32>().ok()
                        };
                        match cp.and_then(char::from_u32).filter(|c| *c != '\0') {
                            Some(c) => out.push(c),
                            None => {
                                self.pos_error(at, "reference to invalid character number");
                                out.push_str(&rest[..=j]);
                            }
                        }
                    } else {
                        match name {
                            "lt" => out.push('<'),
                            "gt" => out.push('>'),
                            "amp" => out.push('&'),
                            "quot" => out.push('"'),
                            "apos" => out.push('\''),
                            _ => {
                                if let Some(v) = self.entities.get(name) {
                                    self.expanded += v.len();
                                    if self.expanded
                                        > self.s.len().saturating_mul(ENTITY_EXPANSION_FACTOR)
                                            + 65_536
                                    {
                                        self.pos_error(at, "entity expansion limit exceeded");
                                    } else {
                                        out.push_str(v);
                                    }
                                } else {
                                    self.pos_error(at, &format!("undefined entity &{name};"));
                                    match crate::html::entity_char(name) {
                                        Some(c) => out.push(c),
                                        None => out.push_str(&rest[..=j]),
                                    }
                                }
                            }
                        }
                    }
                    rest = &rest[j + 1..];
                }
                _ => {
                    self.pos_error(at, "not well-formed (bare '&')");
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn pos_error(&mut self, at: usize, msg: &str) {
        if self.err.is_none() {
            let saved = self.pos;
            self.pos = at;
            self.error(msg.to_string());
            self.pos = saved;
        }
    }
}

fn memchr_lt(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'<')
        .map_or(bytes.len(), |i| from + i)
}

/// Decodes only numeric character references (for entity declaration values).
fn decode_char_refs(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(j) = rest.find(';') {
            let num = &rest[2..j];
            let cp = if let Some(h) = num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                u32::from_str_radix(h, 16).ok()
            } else {
                num.parse().ok()
            };
            if let Some(c) = cp.and_then(char::from_u32) {
                out.push(c);
                rest = &rest[j + 1..];
                continue;
            }
        }
        out.push_str("&#");
        rest = &rest[2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Rec(Vec<String>);
    impl Sink for Rec {
        fn start(&mut self, t: &Start<'_>) {
            self.0.push(format!("<{}|{}", t.local, t.ns.unwrap_or("")));
        }
        fn end(&mut self) {
            self.0.push(">".into());
        }
        fn text(&mut self, t: &str) {
            self.0.push(t.into());
        }
    }

    #[test]
    fn well_formed_with_namespaces_and_entities() {
        let mut r = Rec::default();
        let err = parse(
            r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "E">]><a xmlns="u" xmlns:p="v"><p:b>&amp;&e;&#65;</p:b><![CDATA[<x>]]></a>"#,
            &mut r,
        );
        assert_eq!(err, None);
        assert_eq!(r.0, ["<a|u", "<b|v", "&EA", ">", "<x>", ">"]);
    }

    #[test]
    fn recovers_from_errors() {
        let mut r = Rec::default();
        let err = parse("<a><b>x &nbsp; &bogus; & y</a>", &mut r);
        assert!(err.is_some());
        assert_eq!(r.0.first().map(String::as_str), Some("<a|"));
        assert!(r
            .0
            .iter()
            .any(|t| t.contains('\u{a0}') && t.contains("&bogus;")));
        assert_eq!(r.0.iter().filter(|t| *t == ">").count(), 2);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let s = "<a>".repeat(200_000);
        let mut r = Rec::default();
        assert!(parse(&s, &mut r).is_some());
    }
}
