//! Byte-level pre-pass run before the HTML5 parser.
//!
//! Scripts, styles, inline SVG and comments are never article content, but they are often most
//! of a news page's bytes. Cutting them out before tree building makes parsing several times
//! cheaper. JSON-LD blocks are kept aside (they carry the structured metadata), and so is a
//! `<meta charset>` hint for decoding.

use memchr::memchr;

/// Output of [`strip`]: the markup without scripts/styles/comments, plus the JSON-LD texts.
pub(crate) struct Stripped {
    /// Remaining markup bytes.
    pub html: Vec<u8>,
    /// Raw contents of every `<script type="application/ld+json">`.
    pub json_ld: Vec<Vec<u8>>,
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Finds `</name` (case-insensitive) at or after `from`; returns the index of the `<`.
fn find_close(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        let off = memchr(b'<', &b[i..])?;
        let at = i + off;
        let rest = &b[at + 1..];
        if rest.first() == Some(&b'/') && starts_with_ci(&rest[1..], name) {
            let after = rest.get(1 + name.len()).copied();
            if matches!(
                after,
                None | Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/')
            ) {
                return Some(at);
            }
        }
        i = at + 1;
    }
    None
}

/// End of a start tag beginning at `lt` (index just past its `>`), honouring quoted attributes.
fn tag_end(b: &[u8], lt: usize) -> usize {
    let mut i = lt + 1;
    let mut quote = 0u8;
    while i < b.len() {
        let c = b[i];
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if c == b'"' || c == b'\'' {
            // Quotes only open inside an attribute value (after `=`), but treating any quote as
            // opening is what browsers do in practice for `=`-preceded ones; be conservative.
            if i > 0 && (b[i - 1] == b'=' || b[i - 1].is_ascii_whitespace()) {
                quote = c;
            }
        } else if c == b'>' {
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

fn is_name_end(c: Option<&u8>) -> bool {
    matches!(
        c,
        None | Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/')
    )
}

/// Deepest element nesting passed to the HTML5 parser. Tree building costs grow with the depth
/// of the open-element stack at every tag (scope checks), so a page nested 100k deep would take
/// minutes; no real page nests anywhere near this deep, so tags past it are dropped.
pub(crate) const MAX_DEPTH: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    /// A start tag of an element that nests (has a required end tag).
    Open,
    /// An end tag of such an element.
    Close,
    /// A void element or one whose end tag is optional: does not count towards depth.
    Flat,
    /// script/style/svg/template: handled by the raw-element removal.
    Raw,
}

/// Classifies the tag that starts right after a `<` (`rest` begins after the `<`).
fn tag_kind(rest: &[u8]) -> Option<TagKind> {
    let (close, name_start) = if rest.first() == Some(&b'/') {
        (true, 1)
    } else {
        (false, 0)
    };
    let first = *rest.get(name_start)?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let mut j = name_start;
    let mut name = [0u8; 16];
    let mut len = 0;
    while j < rest.len() && (rest[j].is_ascii_alphanumeric() || rest[j] == b'-' || rest[j] == b':')
    {
        if len < name.len() {
            name[len] = rest[j].to_ascii_lowercase();
        }
        len += 1;
        j += 1;
    }
    let name = &name[..len.min(16)];
    if len > 16 {
        return Some(if close { TagKind::Close } else { TagKind::Open });
    }
    Some(match name {
        b"script" | b"style" | b"svg" | b"template" if !close => TagKind::Raw,
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
        | b"meta" | b"source" | b"track" | b"wbr" | b"param" | b"keygen" | b"p" | b"li" | b"dt"
        | b"dd" | b"tr" | b"td" | b"th" | b"option" | b"optgroup" | b"thead" | b"tbody"
        | b"tfoot" | b"colgroup" | b"caption" | b"rb" | b"rt" | b"rp" | b"rtc" | b"html"
        | b"head" | b"body" | b"frame" | b"image" => TagKind::Flat,
        _ if close => TagKind::Close,
        _ => TagKind::Open,
    })
}

/// Attributes the extractor reads; every other attribute is dropped before parsing (start tags
/// are most of a page's bytes after scripts, and tokenizing attributes is most of the parse).
fn keep_attr(tag: &[u8], name: &[u8]) -> bool {
    if matches!(name, b"hidden" | b"aria-hidden") {
        return true;
    }
    match tag {
        b"a" => return matches!(name, b"href" | b"rel" | b"itemprop"),
        b"img" => return matches!(name, b"src" | b"data-src" | b"itemprop"),
        b"link" => return matches!(name, b"rel" | b"href" | b"itemprop"),
        b"meta" => {
            return matches!(
                name,
                b"name" | b"property" | b"http-equiv" | b"content" | b"itemprop" | b"charset"
            )
        }
        // Elements that are never content: their attributes are never read.
        b"source" | b"input" | b"button" | b"option" | b"select" | b"textarea" | b"iframe"
        | b"video" | b"audio" | b"picture" | b"noscript" | b"form" | b"label" | b"br" | b"hr" => {
            return false
        }
        _ => {}
    }
    matches!(
        name,
        b"class"
            | b"id"
            | b"href"
            | b"itemprop"
            | b"itemtype"
            | b"role"
            | b"datetime"
            | b"src"
            | b"data-src"
            | b"rel"
            | b"lang"
            | b"xml:lang"
            | b"name"
            | b"property"
            | b"http-equiv"
            | b"content"
            | b"charset"
            | b"hidden"
            | b"aria-hidden"
    )
}

/// Writes `tag` (a whole start tag, `<` to `>`) to `out` with only the kept attributes; an
/// inline style that hides the element becomes `hidden`. Copies the tag unchanged when it does
/// not parse cleanly.
fn rewrite_start_tag(tag: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let n = tag.len();
    let mut i = 1;
    while i < n && !matches!(tag[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
        i += 1;
    }
    out.extend_from_slice(&tag[..i]);
    let mut tname = [0u8; 10];
    let raw_name = &tag[1..i];
    let tname: &[u8] = if raw_name.len() <= tname.len() {
        for (d, c) in tname.iter_mut().zip(raw_name) {
            *d = c.to_ascii_lowercase();
        }
        &tname[..raw_name.len()]
    } else {
        b""
    };
    let mut self_closing = false;
    loop {
        while i < n && matches!(tag[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/') {
            self_closing = tag[i] == b'/';
            i += 1;
        }
        if i >= n || tag[i] == b'>' {
            break;
        }
        self_closing = false;
        let ns = i;
        while i < n
            && !matches!(
                tag[i],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'='
            )
        {
            i += 1;
        }
        let name_end = i;
        if name_end == ns {
            // A stray `=`: give up on rewriting.
            out.truncate(start);
            out.extend_from_slice(tag);
            return;
        }
        while i < n && matches!(tag[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
        }
        let mut value: Option<(usize, usize)> = None;
        if i < n && tag[i] == b'=' {
            i += 1;
            while i < n && matches!(tag[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                i += 1;
            }
            if i < n && (tag[i] == b'"' || tag[i] == b'\'') {
                let q = tag[i];
                let vs = i;
                match memchr(q, &tag[i + 1..]) {
                    Some(e) => {
                        i = i + 1 + e + 1;
                        value = Some((vs, i));
                    }
                    None => {
                        out.truncate(start);
                        out.extend_from_slice(tag);
                        return;
                    }
                }
            } else {
                let vs = i;
                while i < n && !matches!(tag[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>') {
                    i += 1;
                }
                value = Some((vs, i));
            }
        }
        let mut lname = [0u8; 12];
        let name = &tag[ns..name_end];
        if name.len() > lname.len() {
            continue;
        }
        for (d, c) in lname.iter_mut().zip(name) {
            *d = c.to_ascii_lowercase();
        }
        let lname = &lname[..name.len()];
        if keep_attr(tname, lname) {
            out.push(b' ');
            match value {
                Some((vs, ve)) => {
                    out.extend_from_slice(name);
                    out.push(b'=');
                    out.extend_from_slice(&tag[vs..ve]);
                }
                None => out.extend_from_slice(name),
            }
        } else if lname == b"style" {
            if let Some((vs, ve)) = value {
                let v: Vec<u8> = tag[vs..ve]
                    .iter()
                    .filter(|c| !c.is_ascii_whitespace())
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if memchr::memmem::find(&v, b"display:none").is_some()
                    || memchr::memmem::find(&v, b"visibility:hidden").is_some()
                {
                    out.extend_from_slice(b" hidden");
                }
            }
        }
    }
    if self_closing {
        out.push(b'/');
    }
    out.push(b'>');
}

/// Copies text between tags, collapsing a whitespace-only run to one character (the extractor
/// collapses whitespace anyway; indentation is a large share of a page's text bytes).
fn push_text(out: &mut Vec<u8>, seg: &[u8]) {
    if seg.len() >= 2 && seg.iter().all(|c| c.is_ascii_whitespace()) {
        out.push(if seg.contains(&b'\n') { b'\n' } else { b' ' });
    } else {
        out.extend_from_slice(seg);
    }
}

/// Finds the end (past `>`) of the `</name>` that closes an element opened just before
/// `from`, counting nested elements of the same name.
fn find_matching_close(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut level = 1usize;
    let mut j = from;
    loop {
        let at = j + memchr(b'<', b.get(j..)?)?;
        let r = &b[at + 1..];
        if r.first() == Some(&b'/')
            && starts_with_ci(&r[1..], name)
            && is_name_end(r.get(1 + name.len()))
        {
            level -= 1;
            if level == 0 {
                return Some(tag_end(b, at));
            }
        } else if starts_with_ci(r, name) && is_name_end(r.get(name.len())) {
            level += 1;
        }
        j = at + 1;
    }
}

/// Removes `<script>`, `<style>`, `<svg>`, `<template>` elements and comments.
pub(crate) fn strip(b: &[u8]) -> Stripped {
    let mut out = Vec::with_capacity(b.len() / 2);
    let mut json_ld = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    let mut depth = 0usize;
    while i < b.len() {
        let Some(off) = memchr(b'<', &b[i..]) else {
            break;
        };
        let lt = i + off;
        let rest = &b[lt + 1..];
        if rest.starts_with(b"!--") {
            push_text(&mut out, &b[copied..lt]);
            let end = memchr::memmem::find(&b[lt + 4..], b"-->")
                .map(|e| lt + 4 + e + 3)
                .unwrap_or(b.len());
            i = end;
            copied = end;
            continue;
        }
        // Ordinary tags: track nesting depth and drop tags past MAX_DEPTH (see below).
        if let Some(kind) = tag_kind(rest) {
            let end = tag_end(b, lt);
            let self_closing = end >= 2 && b[end - 2] == b'/';
            let closing = rest.first() == Some(&b'/');
            match kind {
                TagKind::Open if !self_closing => {
                    // <nav> never holds article text: skip the whole element unparsed.
                    if starts_with_ci(rest, b"nav") && is_name_end(rest.get(3)) {
                        if let Some(after) = find_matching_close(b, end, b"nav")
                            .filter(|&a| a - lt < b.len() / 2 || b.len() < 64 * 1024)
                        {
                            push_text(&mut out, &b[copied..lt]);
                            out.push(b' ');
                            i = after;
                            copied = after;
                            continue;
                        }
                    }
                    depth += 1;
                    push_text(&mut out, &b[copied..lt]);
                    copied = end;
                    if depth <= MAX_DEPTH {
                        rewrite_start_tag(&b[lt..end], &mut out);
                    }
                }
                TagKind::Open | TagKind::Flat if !closing => {
                    push_text(&mut out, &b[copied..lt]);
                    copied = end;
                    rewrite_start_tag(&b[lt..end], &mut out);
                }
                TagKind::Close => {
                    push_text(&mut out, &b[copied..lt]);
                    if depth <= MAX_DEPTH {
                        out.extend_from_slice(&b[lt..end]);
                    }
                    copied = end;
                    depth = depth.saturating_sub(1);
                }
                TagKind::Flat => {
                    push_text(&mut out, &b[copied..lt]);
                    out.extend_from_slice(&b[lt..end]);
                    copied = end;
                }
                _ => {}
            }
            if kind != TagKind::Raw {
                i = end.max(lt + 1);
                continue;
            }
        }
        let mut matched: Option<&[u8]> = None;
        for name in [&b"script"[..], b"style", b"svg", b"template"] {
            if starts_with_ci(rest, name) && is_name_end(rest.get(name.len())) {
                matched = Some(name);
                break;
            }
        }
        let Some(name) = matched else {
            i = lt + 1;
            continue;
        };
        let open_end = tag_end(b, lt);
        let self_closed = open_end >= 2 && b[open_end - 2] == b'/' && name == b"svg";
        let (content_end, end) = if self_closed {
            (open_end, open_end)
        } else {
            match find_close(b, open_end, name) {
                Some(close) => (close, tag_end(b, close)),
                None => (b.len(), b.len()),
            }
        };
        if name == b"script" {
            let open = &b[lt..open_end];
            if memchr::memmem::find(&open.to_ascii_lowercase(), b"ld+json").is_some() {
                json_ld.push(b[open_end..content_end].to_vec());
            }
        }
        push_text(&mut out, &b[copied..lt]);
        i = end;
        copied = end;
    }
    if copied < b.len() {
        out.extend_from_slice(&b[copied..]);
    }
    Stripped { html: out, json_ld }
}

/// Looks for a charset declaration in the first few KB (`<meta charset>` or http-equiv).
pub(crate) fn sniff_charset(b: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(encoding_rs::UTF_8);
    }
    if b.starts_with(&[0xFF, 0xFE]) {
        return Some(encoding_rs::UTF_16LE);
    }
    if b.starts_with(&[0xFE, 0xFF]) {
        return Some(encoding_rs::UTF_16BE);
    }
    let head = &b[..b.len().min(4096)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&lower[from..], b"charset") {
        let mut j = from + p + 7;
        while j < lower.len()
            && (lower[j] == b' ' || lower[j] == b'=' || lower[j] == b'"' || lower[j] == b'\'')
        {
            j += 1;
        }
        let start = j;
        while j < lower.len()
            && (lower[j].is_ascii_alphanumeric() || matches!(lower[j], b'-' | b'_' | b':' | b'.'))
        {
            j += 1;
        }
        if j > start {
            if let Some(enc) = encoding_rs::Encoding::for_label(&lower[start..j]) {
                // A page that claims UTF-16 in a meta tag is ASCII-compatible in fact.
                if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                    return Some(encoding_rs::UTF_8);
                }
                return Some(enc);
            }
        }
        from = from + p + 7;
    }
    None
}

/// Decodes page bytes to text: BOM, then declared charset, then UTF-8 if valid, else a guess.
/// [`decode`] taking ownership, so valid UTF-8 (nearly every page) is not copied.
pub(crate) fn decode_owned(b: Vec<u8>, declared: Option<&'static encoding_rs::Encoding>) -> String {
    if declared.is_none() || declared == Some(encoding_rs::UTF_8) {
        match String::from_utf8(b) {
            Ok(s) => s,
            Err(e) => decode(e.as_bytes(), declared),
        }
    } else {
        decode(&b, declared)
    }
}

pub(crate) fn decode(b: &[u8], declared: Option<&'static encoding_rs::Encoding>) -> String {
    let enc = match declared {
        Some(e) => e,
        None => match std::str::from_utf8(b) {
            Ok(s) => return s.to_owned(),
            Err(_) => {
                let mut det = chardetng::EncodingDetector::new();
                det.feed(&b[..b.len().min(64 * 1024)], b.len() <= 64 * 1024);
                det.guess(None, true)
            }
        },
    };
    if enc == encoding_rs::UTF_8 {
        if let Ok(s) = std::str::from_utf8(b) {
            return s.to_owned();
        }
    }
    let (text, _, _) = enc.decode(b);
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scripts_styles_comments_and_keeps_json_ld() {
        let html = br#"<p>a</p><script>var x = "</p>";</script><STYLE>p{}</style><!-- c --><p>b</p>
<script type="application/ld+json">{"@type":"NewsArticle"}</script><svg><path/></svg><p>c</p>"#;
        let s = strip(html);
        let out = String::from_utf8(s.html).unwrap();
        assert_eq!(out, "<p>a</p><p>b</p>\n<p>c</p>");
        assert_eq!(s.json_ld, vec![br#"{"@type":"NewsArticle"}"#.to_vec()]);
    }

    #[test]
    fn unterminated_script_drops_rest() {
        let s = strip(b"<p>x</p><script>never closed");
        assert_eq!(s.html, b"<p>x</p>");
    }

    #[test]
    fn does_not_match_longer_tag_names() {
        let s = strip(b"<scripts>x</scripts><styled>y</styled>");
        assert_eq!(s.html, b"<scripts>x</scripts><styled>y</styled>");
    }

    #[test]
    fn drops_unused_attributes() {
        let s = strip(br#"<div data-x="1" class="a b" style="color:red" onclick='f("x")'><img srcset="a 1x" src=/i.png alt="A > B"><p STYLE="display: none" id=p1>t</p><br/></div>"#);
        assert_eq!(
            String::from_utf8(s.html).unwrap(),
            r#"<div class="a b"><img src=/i.png><p hidden id=p1>t</p><br/></div>"#
        );
        // Unbalanced quotes: the tag is left as it was.
        let s = strip(br#"<a href="x>y</a>"#);
        assert_eq!(s.html, br#"<a href="x>y</a>"#);
    }

    #[test]
    fn skips_nav_and_collapses_indentation() {
        let s = strip(b"<div>\n    <nav><ul><li><a href=/>Home</a><nav>x</nav></ul></nav>\n  <p>keep   this</p></div>");
        assert_eq!(
            String::from_utf8(s.html).unwrap(),
            "<div>\n \n<p>keep   this</p></div>"
        );
        // An unclosed nav is left to the parser.
        let s = strip(b"<nav><a href=/>Home</a><p>text</p>");
        assert_eq!(s.html, b"<nav><a href=/>Home</a><p>text</p>");
    }

    #[test]
    fn caps_nesting_depth() {
        let mut html = String::new();
        for _ in 0..MAX_DEPTH + 10 {
            html.push_str("<div class=\"a\">");
        }
        html.push_str("<p>x</p>");
        for _ in 0..MAX_DEPTH + 10 {
            html.push_str("</div>");
        }
        let out = String::from_utf8(strip(html.as_bytes()).html).unwrap();
        assert_eq!(out.matches("<div").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("<p>x</p>"));
        // Void and optional-end-tag elements do not count.
        let flat = "<p>a<br><img src=x><li>b".repeat(2000);
        assert_eq!(strip(flat.as_bytes()).html, flat.as_bytes());
    }

    #[test]
    fn sniffs_charset() {
        assert_eq!(
            sniff_charset(b"<meta charset=\"iso-8859-1\">"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            sniff_charset(b"<meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'>"),
            Some(encoding_rs::SHIFT_JIS)
        );
        assert_eq!(sniff_charset(b"<p>none</p>"), None);
    }
}
