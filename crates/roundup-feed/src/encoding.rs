//! Character-encoding detection for feed documents: byte-order marks and UTF-16/32 byte
//! patterns, the XML declaration, an optional transport charset, then a statistical
//! guess and the usual fallbacks (UTF-8, Windows-1252).

/// The result of decoding a document.
pub(crate) struct Decoded {
    /// The text, without BOM.
    pub text: String,
    /// Lower-case label of the encoding used.
    pub encoding: String,
    /// Why the declared encoding was not used, if it was not.
    pub problem: Option<String>,
}

fn sniff_bom(b: &[u8]) -> (Option<&'static str>, usize) {
    if b.starts_with(&[0, 0, 0xfe, 0xff]) {
        (Some("utf-32be"), 4)
    } else if b.starts_with(&[0xff, 0xfe, 0, 0]) {
        (Some("utf-32le"), 4)
    } else if b.starts_with(&[0xfe, 0xff]) {
        (Some("utf-16be"), 2)
    } else if b.starts_with(&[0xff, 0xfe]) {
        (Some("utf-16le"), 2)
    } else if b.starts_with(&[0xef, 0xbb, 0xbf]) {
        (Some("utf-8"), 3)
    } else if b.starts_with(&[0, 0, 0, 0x3c]) {
        (Some("utf-32be"), 0)
    } else if b.starts_with(&[0x3c, 0, 0, 0]) {
        (Some("utf-32le"), 0)
    } else if b.starts_with(&[0, 0x3c, 0, 0x3f]) {
        (Some("utf-16be"), 0)
    } else if b.starts_with(&[0x3c, 0, 0x3f, 0]) {
        (Some("utf-16le"), 0)
    } else {
        (None, 0)
    }
}

fn decode_utf32(b: &[u8], be: bool) -> Option<String> {
    if !b.len().is_multiple_of(4) {
        return None;
    }
    b.chunks(4)
        .map(|c| {
            let v = if be {
                u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            } else {
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            };
            char::from_u32(v)
        })
        .collect()
}

/// Strict decoding with `label`; `None` when the bytes are not valid in it (or the label is unknown).
fn decode_strict(b: &[u8], label: &str) -> Option<String> {
    match label {
        "utf-8" | "utf8" | "u8" => std::str::from_utf8(b).ok().map(str::to_string),
        "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso646-us" => b
            .is_ascii()
            .then(|| String::from_utf8_lossy(b).into_owned()),
        "iso-8859-1" | "latin-1" | "latin1" | "iso8859-1" | "l1" => {
            Some(b.iter().map(|&c| c as char).collect())
        }
        "utf-32be" => decode_utf32(b, true),
        "utf-32le" => decode_utf32(b, false),
        "utf-32" => {
            if b.starts_with(&[0xff, 0xfe, 0, 0]) {
                decode_utf32(&b[4..], false)
            } else if b.starts_with(&[0, 0, 0xfe, 0xff]) {
                decode_utf32(&b[4..], true)
            } else {
                decode_utf32(b, true)
            }
        }
        "windows-1252" | "cp1252" => {
            // Python's cp1252 leaves 0x81 0x8d 0x8f 0x90 0x9d undefined
            if b.iter()
                .any(|c| matches!(c, 0x81 | 0x8d | 0x8f | 0x90 | 0x9d))
            {
                return None;
            }
            let (s, _, bad) = encoding_rs::WINDOWS_1252.decode(b);
            (!bad).then(|| s.into_owned())
        }
        _ => {
            let label = if label == "utf-16"
                && b.len() >= 2
                && !(b.starts_with(&[0xff, 0xfe]) || b.starts_with(&[0xfe, 0xff]))
            {
                "utf-16be"
            } else {
                label
            };
            let enc = encoding_rs::Encoding::for_label(label.as_bytes())?;
            if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE {
                let (bom_enc, skip) = match encoding_rs::Encoding::for_bom(b) {
                    Some((e, n)) if label == "utf-16" => (e, n),
                    _ => (enc, 0),
                };
                let rest = &b[skip..];
                if !rest.len().is_multiple_of(2) {
                    return None;
                }
                let (s, bad) = bom_enc.decode_without_bom_handling(rest);
                return (!bad).then(|| s.into_owned());
            }
            let (s, bad) = enc.decode_without_bom_handling(b);
            (!bad).then(|| s.into_owned())
        }
    }
}

/// Reads `encoding="..."` from an XML declaration at the start of `text`.
fn declared_encoding(text: &str) -> Option<String> {
    let t = text.trim_start_matches('\u{feff}');
    if !t.starts_with("<?xml") {
        return None;
    }
    let end = t.find("?>")?;
    let decl = &t[..end];
    let i = decl.find("encoding")?;
    let rest = decl[i + 8..].trim_start().strip_prefix('=')?.trim_start();
    let q = rest.chars().next()?;
    if q != '"' && q != '\'' {
        return None;
    }
    let v = &rest[1..];
    let e = v.find(q)?;
    Some(v[..e].trim().to_ascii_lowercase())
}

fn guess(b: &[u8]) -> Option<String> {
    if b.is_ascii() {
        return None;
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(b, true);
    let enc = det.guess(None, true);
    Some(enc.name().to_ascii_lowercase())
}

/// Decodes `bytes`. `transport` is a charset from HTTP headers, if known.
pub(crate) fn decode(bytes: &[u8], transport: Option<&str>) -> Decoded {
    let (bom, skip) = sniff_bom(bytes);
    let body = &bytes[skip..];
    // Read the declaration through the BOM encoding (or as ASCII).
    let head_len = body.len().min(1024);
    let head = match bom {
        Some(e) if e != "utf-8" => decode_lossy_prefix(&body[..head_len - head_len % 4], e),
        _ => String::from_utf8_lossy(&body[..head_len]).into_owned(),
    };
    let mut xml_enc = declared_encoding(&head).unwrap_or_default();
    if let Some(b) = bom {
        if [
            "u16",
            "utf-16",
            "utf16",
            "utf_16",
            "u32",
            "utf-32",
            "utf32",
            "utf_32",
            "iso-10646-ucs-2",
            "iso-10646-ucs-4",
            "csucs4",
            "csunicode",
            "ucs-2",
            "ucs-4",
        ]
        .contains(&xml_enc.as_str())
        {
            xml_enc = b.to_string();
        }
        if b != "utf-8" && !b.starts_with(xml_enc.get(..6).unwrap_or("-")) {
            // a UTF-16/32 document that declares an 8-bit encoding: the bytes win
            xml_enc = b.to_string();
        }
    }
    if xml_enc == "gb2312" {
        xml_enc = "gb18030".into();
    }
    let transport = transport.map(|t| {
        if t.eq_ignore_ascii_case("gb2312") {
            "gb18030".to_string()
        } else {
            t.to_ascii_lowercase()
        }
    });
    let first = transport.clone().unwrap_or_else(|| {
        if xml_enc.is_empty() {
            "utf-8".to_string()
        } else {
            xml_enc.clone()
        }
    });
    let mut tried: Vec<String> = Vec::new();
    let candidates = [
        Some(first.clone()),
        Some(xml_enc.clone()),
        bom.map(str::to_string),
        guess(body),
        Some("utf-8".into()),
        Some("windows-1252".into()),
        Some("iso-8859-2".into()),
    ];
    for cand in candidates.into_iter().flatten() {
        if cand.is_empty() || tried.contains(&cand) {
            continue;
        }
        tried.push(cand.clone());
        if let Some(text) = decode_strict(body, &cand) {
            let problem = (cand != first)
                .then(|| format!("document declared as {first}, but parsed as {cand}"));
            return Decoded {
                text,
                encoding: cand,
                problem,
            };
        }
    }
    Decoded {
        text: String::from_utf8_lossy(body).into_owned(),
        encoding: "utf-8".into(),
        problem: Some("unable to determine the character encoding".into()),
    }
}

fn decode_lossy_prefix(b: &[u8], enc: &str) -> String {
    match enc {
        "utf-32be" | "utf-32le" => b
            .chunks(4)
            .filter(|c| c.len() == 4)
            .map(|c| {
                let v = if enc == "utf-32be" {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(v).unwrap_or('\u{fffd}')
            })
            .collect(),
        "utf-16be" => encoding_rs::UTF_16BE
            .decode_without_bom_handling(b)
            .0
            .into_owned(),
        _ => encoding_rs::UTF_16LE
            .decode_without_bom_handling(b)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_and_fallback() {
        let d = decode(
            b"<?xml version='1.0' encoding='iso-8859-1'?><a>\xe9</a>",
            None,
        );
        assert_eq!(
            (
                d.encoding.as_str(),
                d.text.contains('é'),
                d.problem.is_none()
            ),
            ("iso-8859-1", true, true)
        );
        let d = decode(b"<?xml version='1.0' encoding='utf-8'?><a>\xe9</a>", None);
        assert!(d.problem.is_some());
        let d = decode(b"<a>x</a>", None);
        assert_eq!(d.encoding, "utf-8");
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xff, 0xfe];
        for u in "<a>\u{b144}</a>".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        let d = decode(&b, None);
        assert_eq!(d.encoding, "utf-16le");
        assert_eq!(d.text, "<a>\u{b144}</a>");
    }
}
