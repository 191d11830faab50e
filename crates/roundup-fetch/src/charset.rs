//! Charset detection and decoding of text bodies to UTF-8.
//!
//! Order: byte-order mark, the HTTP `Content-Type` charset, the XML declaration's encoding,
//! an HTML `<meta>` charset in the first 1024 bytes, then statistical detection (chardetng).
//! Declarations that the bytes plainly contradict are corrected: a body declared as a legacy
//! single-byte charset that is valid UTF-8 with non-ASCII text is read as UTF-8, and a body
//! declared UTF-8 that is mostly invalid UTF-8 is detected instead.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use serde::{Deserialize, Serialize};

/// Where the charset used to decode a body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type`.
    Http,
    /// The `encoding` of the XML declaration.
    XmlDeclaration,
    /// A `<meta charset>` / `<meta http-equiv>` in the first 1024 bytes.
    HtmlMeta,
    /// Detected from the bytes (no usable declaration, or one the bytes contradict).
    Detected,
}

/// A body decoded to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    /// The text (malformed sequences replaced with U+FFFD).
    pub text: String,
    /// The WHATWG name of the encoding used (e.g. `"windows-1252"`).
    pub encoding: &'static str,
    /// Where that encoding came from.
    pub source: CharsetSource,
    /// Whether malformed sequences were replaced.
    pub had_errors: bool,
}

/// Whether a Content-Type names a text type worth decoding (text/*, XML, JSON, JavaScript,
/// feeds). `None` (no header) counts as text when the first 1024 bytes hold no NUL byte.
pub fn is_textual(content_type: Option<&str>, body: &[u8]) -> bool {
    let Some(ct) = content_type else {
        return !body.iter().take(1024).any(|&b| b == 0);
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.is_empty() {
        return !body.iter().take(1024).any(|&b| b == 0);
    }
    mime.starts_with("text/")
        || mime.ends_with("/xml")
        || mime.ends_with("+xml")
        || mime.ends_with("/json")
        || mime.ends_with("+json")
        || mime.contains("javascript")
        || mime == "application/x-opml"
}

/// The `charset` parameter of a Content-Type value, unquoted.
pub fn content_type_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of `bytes`.
pub fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = rest.iter().take(512).position(|&b| b == b'>')?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let i = decl.find("encoding")?;
    let after = decl[i + "encoding".len()..].trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &after[1..];
    let close = value.find(quote)?;
    let v = value[..close].trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// A charset named by a `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` in
/// the first 1024 bytes.
pub fn html_meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let tag_start = from + pos + 5;
        let tag_end = lower[tag_start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        let mut search = 0;
        while let Some(cpos) = find(&tag[search..], b"charset") {
            let mut i = search + cpos + "charset".len();
            while i < tag.len() && tag[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < tag.len() && tag[i] == b'=' {
                i += 1;
                while i < tag.len()
                    && (tag[i].is_ascii_whitespace() || tag[i] == b'"' || tag[i] == b'\'')
                {
                    i += 1;
                }
                let start = i;
                while i < tag.len()
                    && !matches!(
                        tag[i],
                        b'"' | b'\'' | b';' | b' ' | b'/' | b'\t' | b'\n' | b'\r'
                    )
                {
                    i += 1;
                }
                if i > start {
                    return Some(String::from_utf8_lossy(&tag[start..i]).into_owned());
                }
            }
            search += cpos + 1;
        }
        from = tag_end.min(lower.len());
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A declared label as an ASCII-compatible encoding: UTF-16 labels are ignored without a BOM
/// (the bytes we read the declaration from were ASCII-compatible), and unknown labels give None.
fn ascii_compatible(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().as_bytes())?;
    if enc == UTF_16LE || enc == UTF_16BE {
        return Some(UTF_8);
    }
    if enc.name() == "replacement" {
        return None;
    }
    Some(enc.output_encoding())
}

/// Counts (non-ASCII characters in valid UTF-8 runs, invalid UTF-8 sequences).
fn utf8_profile(bytes: &[u8]) -> (usize, usize) {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                return (good, bad);
            }
            Err(e) => {
                let valid = e.valid_up_to();
                // Safe: the prefix up to valid_up_to is valid UTF-8.
                if let Ok(s) = std::str::from_utf8(&rest[..valid]) {
                    good += s.chars().filter(|c| !c.is_ascii()).count();
                }
                bad += 1;
                let skip = e.error_len().unwrap_or(rest.len() - valid);
                rest = &rest[(valid + skip.max(1)).min(rest.len())..];
                if rest.is_empty() {
                    return (good, bad);
                }
            }
        }
    }
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new();
    // The first 64 KiB decide; detection cost stays bounded on big bodies.
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    det.feed(sample, sample.len() == bytes.len());
    det.guess(None, true)
}

/// Decodes a text body to UTF-8, choosing the charset as described in the module docs.
pub fn decode_text(bytes: &[u8], content_type: Option<&str>) -> DecodedText {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return DecodedText {
            text: text.into_owned(),
            encoding: enc.name(),
            source: CharsetSource::Bom,
            had_errors,
        };
    }
    let declared = content_type
        .and_then(content_type_charset)
        .and_then(|l| ascii_compatible(&l))
        .map(|e| (e, CharsetSource::Http))
        .or_else(|| {
            xml_declared_encoding(bytes)
                .and_then(|l| ascii_compatible(&l))
                .map(|e| (e, CharsetSource::XmlDeclaration))
        })
        .or_else(|| {
            html_meta_charset(bytes)
                .and_then(|l| ascii_compatible(&l))
                .map(|e| (e, CharsetSource::HtmlMeta))
        });

    let (enc, source) = match declared {
        Some((enc, src)) if enc == UTF_8 => {
            let (good, bad) = utf8_profile(bytes);
            if bad > 0 && bad > good {
                (detect(bytes), CharsetSource::Detected)
            } else {
                (enc, src)
            }
        }
        Some((enc, src)) => {
            // A legacy declaration over bytes that are valid UTF-8 with non-ASCII text is
            // almost always a mislabelled UTF-8 document.
            let (good, bad) = utf8_profile(bytes);
            if bad == 0 && good > 0 {
                (UTF_8, CharsetSource::Detected)
            } else {
                (enc, src)
            }
        }
        None => {
            if std::str::from_utf8(bytes).is_ok() {
                (UTF_8, CharsetSource::Detected)
            } else {
                (detect(bytes), CharsetSource::Detected)
            }
        }
    };
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    DecodedText {
        text: text.into_owned(),
        encoding: enc.name(),
        source,
        had_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_parsed() {
        assert_eq!(
            content_type_charset("text/html; Charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(content_type_charset("text/html"), None);
        assert_eq!(
            xml_declared_encoding(b"  <?xml version='1.0' encoding='windows-1251'?><rss/>")
                .as_deref(),
            Some("windows-1251")
        );
        assert_eq!(xml_declared_encoding(b"<rss/>"), None);
        assert_eq!(
            html_meta_charset(b"<html><head><meta charset=\"koi8-r\"></head>").as_deref(),
            Some("koi8-r")
        );
        assert_eq!(
            html_meta_charset(
                b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\">"
            )
            .as_deref(),
            Some("shift_jis")
        );
        let mut late = vec![b' '; 1100];
        late.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(html_meta_charset(&late), None);
    }

    #[test]
    fn precedence_and_corrections() {
        // windows-1252 bytes without any declaration: detected.
        let cafe = b"Le caf\xe9 est tr\xe8s bon, d\xe9j\xe0 vu, na\xefve r\xe9sum\xe9.";
        let d = decode_text(cafe, Some("text/plain"));
        assert_eq!(d.source, CharsetSource::Detected);
        assert!(d.text.contains("café"), "{}", d.text);
        // BOM beats the header.
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice("naïve".as_bytes());
        let d = decode_text(&bom, Some("text/plain; charset=iso-8859-1"));
        assert_eq!((d.text.as_str(), d.source), ("naïve", CharsetSource::Bom));
        // header beats meta
        let d = decode_text(
            b"<meta charset=utf-8>caf\xe9",
            Some("text/html; charset=windows-1252"),
        );
        assert_eq!(d.source, CharsetSource::Http);
        assert!(d.text.ends_with("café"));
        // header says utf-8 but bytes are latin-1: detected instead
        let d = decode_text(cafe, Some("text/html; charset=utf-8"));
        assert_eq!(d.source, CharsetSource::Detected);
        assert!(d.text.contains("café"));
        // header says latin-1 but bytes are UTF-8: read as UTF-8
        let d = decode_text("déjà vu".as_bytes(), Some("text/html; charset=iso-8859-1"));
        assert_eq!(d.text, "déjà vu");
        // ASCII under a legacy label keeps the label
        let d = decode_text(b"plain", Some("text/html; charset=iso-8859-1"));
        assert_eq!(
            (d.encoding, d.source),
            ("windows-1252", CharsetSource::Http)
        );
    }

    #[test]
    fn textual_types() {
        assert!(is_textual(Some("application/rss+xml; charset=utf-8"), b""));
        assert!(is_textual(Some("application/feed+json"), b""));
        assert!(!is_textual(Some("image/png"), b"\x89PNG"));
        assert!(is_textual(None, b"<html>"));
        assert!(!is_textual(None, b"\x00\x01"));
    }
}
