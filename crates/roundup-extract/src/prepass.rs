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
            out.extend_from_slice(&b[copied..lt]);
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
            match kind {
                TagKind::Open if !self_closing => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        out.extend_from_slice(&b[copied..lt]);
                        copied = end;
                    }
                }
                TagKind::Close => {
                    if depth > MAX_DEPTH {
                        out.extend_from_slice(&b[copied..lt]);
                        copied = end;
                    }
                    depth = depth.saturating_sub(1);
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
        out.extend_from_slice(&b[copied..lt]);
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
