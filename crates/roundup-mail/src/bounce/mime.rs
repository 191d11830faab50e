//! MIME layer: line-ending normalisation and extraction of the pieces the classifier reads
//! (top headers, delivery-status and feedback-report bodies, the human-readable notification,
//! and the headers of the returned original message).

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::dsn::{self, Field};

/// Rewrites CRLF and lone CR to LF.
pub(crate) fn normalize_line_endings(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\r' {
            out.push(b'\n');
            if raw.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// Splits an mbox-style file (messages introduced by `From <sender> <date>` lines) into
/// messages; input without such lines is one message.
pub(crate) fn split_mbox(raw: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let at_line_start = i == 0 || raw[i - 1] == b'\n';
        if at_line_start && raw[i..].starts_with(b"From ") && is_mbox_from_line(&raw[i..]) {
            starts.push(i);
        }
        match raw[i..].iter().position(|&b| b == b'\n') {
            Some(p) => i += p + 1,
            None => break,
        }
    }
    if starts.len() <= 1 {
        // A single leading "From " line: drop it so the header block starts cleanly.
        let body = match starts.first() {
            Some(0) => match raw.iter().position(|&b| b == b'\n') {
                Some(p) => &raw[p + 1..],
                None => raw,
            },
            _ => raw,
        };
        return vec![body];
    }
    let mut out = Vec::new();
    if starts[0] > 0 && raw[..starts[0]].iter().any(|b| !b.is_ascii_whitespace()) {
        out.push(&raw[..starts[0]]);
    }
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(raw.len());
        let chunk = &raw[s..end];
        let chunk = match chunk.iter().position(|&b| b == b'\n') {
            Some(p) => &chunk[p + 1..],
            None => &chunk[chunk.len()..],
        };
        if chunk.iter().any(|b| !b.is_ascii_whitespace()) {
            out.push(chunk);
        }
    }
    out
}

/// An mbox separator: `From <sender> <date>`, the date carrying a hh:mm:ss time.
fn is_mbox_from_line(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = &rest[..end.min(200)];
    line.windows(8).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
            && w[5] == b':'
            && w[6].is_ascii_digit()
            && w[7].is_ascii_digit()
    })
}

/// What the classifier needs from one message.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    /// Top-level header fields (lowercase names, unfolded raw values), in order.
    pub headers: Vec<Field>,
    /// Decoded subject.
    pub subject: String,
    /// `report-type` parameter of a top-level multipart/report.
    pub report_type: Option<String>,
    /// Bodies of message/delivery-status parts.
    pub dsn: Vec<String>,
    /// Bodies of message/feedback-report parts.
    pub feedback: Vec<String>,
    /// Human-readable notification text, cut before an inline copy of the original message.
    pub text: String,
    /// Header fields of the returned original message, when present.
    pub original: Vec<Field>,
    /// Body text of the returned original message (first text part, truncated).
    pub original_body: String,
    /// Raw bytes of the first attached message (message/rfc822), for reports that wrap
    /// another report.
    pub attached: Option<Vec<u8>>,
}

impl Doc {
    /// The first value of a top-level header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The first value of a header of the original message.
    pub fn original_header(&self, name: &str) -> Option<&str> {
        self.original
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// Extracts the pieces from normalised (LF) bytes. Never fails: unparseable input becomes
    /// plain text.
    pub fn parse(raw: &[u8]) -> Doc {
        let mut doc = Doc::default();
        let parser = MessageParser::default();
        let Some(msg) = parser.parse(raw) else {
            doc.text = String::from_utf8_lossy(raw).into_owned();
            return doc;
        };
        doc.headers = header_fields(&msg);
        doc.subject = msg.subject().unwrap_or_default().to_string();
        if let Some(ct) = msg.root_part().content_type() {
            if ct.ctype().eq_ignore_ascii_case("multipart") {
                doc.report_type = ct.attribute("report-type").map(|s| s.to_ascii_lowercase());
            }
        }
        let mut plain = Vec::new();
        let mut html = Vec::new();
        walk(&msg, &mut doc, &mut plain, &mut html);
        let mut text = if plain.iter().any(|t: &String| !t.trim().is_empty()) {
            plain.join("\n")
        } else {
            html.iter()
                .map(|h| html_to_text(h))
                .collect::<Vec<_>>()
                .join("\n")
        };
        if let Some((head, rest)) = split_inline_original(&text) {
            if doc.original.is_empty() {
                doc.original = leading_header_block(&rest);
            }
            text = head;
        }
        // Some systems put the DSN fields inside the text part.
        if doc.dsn.is_empty() && text.lines().any(is_final_recipient_line) {
            doc.dsn.push(text.clone());
        }
        doc.text = text;
        doc
    }
}

fn is_final_recipient_line(l: &str) -> bool {
    l.get(..16)
        .is_some_and(|p| p.eq_ignore_ascii_case("final-recipient:"))
}

fn header_fields(msg: &Message) -> Vec<Field> {
    msg.headers_raw()
        .map(|(n, v)| Field {
            name: n.to_ascii_lowercase(),
            value: unfold(v),
        })
        .collect()
}

fn unfold(v: &str) -> String {
    v.split('\n')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Walks the parts of `msg` in document order (not descending into attached messages).
fn walk(msg: &Message, doc: &mut Doc, plain: &mut Vec<String>, html: &mut Vec<String>) {
    for part in msg.parts.iter() {
        let (ctype, subtype) = match part.content_type() {
            Some(ct) => (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            ),
            None => (String::new(), String::new()),
        };
        let is_dsn = ctype == "message"
            && (subtype == "delivery-status" || subtype == "global-delivery-status");
        let is_feedback = ctype == "message" && subtype == "feedback-report";
        let is_headers = (ctype == "text" || ctype == "message")
            && (subtype == "rfc822-headers" || subtype == "global-headers");
        let is_rfc822 = ctype == "message" && (subtype == "rfc822" || subtype == "global");
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(m) => {
                if doc.attached.is_none() {
                    doc.attached = Some(m.raw_message().to_vec());
                }
                if doc.original.is_empty() {
                    doc.original = header_fields(m);
                    doc.original_body = m
                        .body_text(0)
                        .map(|t| t.chars().take(4000).collect())
                        .unwrap_or_default();
                }
            }
            PartType::Text(t) | PartType::Html(t) if is_dsn => doc.dsn.push(t.to_string()),
            PartType::Text(t) | PartType::Html(t) if is_feedback => {
                doc.feedback.push(t.to_string())
            }
            PartType::Text(t) if is_headers => {
                if doc.original.is_empty() {
                    doc.original = leading_header_block(t);
                }
            }
            PartType::Text(t) => {
                if ctype == "text" && subtype != "plain" && looks_like_html(t) {
                    html.push(t.to_string());
                } else {
                    plain.push(t.to_string());
                }
            }
            PartType::Html(t) => html.push(t.to_string()),
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                if is_dsn {
                    doc.dsn.push(lossy(b));
                } else if is_feedback {
                    doc.feedback.push(lossy(b));
                } else if is_headers {
                    if doc.original.is_empty() {
                        doc.original = leading_header_block(&lossy(b));
                    }
                } else if is_rfc822 {
                    if doc.attached.is_none() {
                        doc.attached = Some(b.to_vec());
                    }
                    if doc.original.is_empty() {
                        let inner = MessageParser::default().parse(b.as_ref());
                        if let Some(m) = inner {
                            doc.original = header_fields(&m);
                        } else {
                            doc.original = leading_header_block(&lossy(b));
                        }
                    }
                } else if ctype == "text" || ctype.is_empty() {
                    plain.push(lossy(b));
                }
            }
        }
    }
}

fn looks_like_html(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.contains("<html") || l.contains("<body") || l.contains("<br") || l.contains("<p>")
}

/// Crude HTML to text: drops tags, scripts and styles, decodes a few entities, turns block
/// elements into line breaks.
pub(crate) fn html_to_text(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut rest = h;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(p) => &rest[p..],
                None => "",
            };
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "tr" | "li" | "table" | "h1" | "h2" | "h3" | "h4" | "td"
        ) {
            out.push('\n');
        }
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

const ORIGINAL_MARKERS: &[&str] = &[
    "original message",
    "copy of the message",
    "copy of your message",
    "below this line is a copy",
    "returned message",
    "unsent message",
    "message headers follow",
    "headers of the original",
    "header of the original",
    "original mail",
    "undelivered message",
    "rfc822",
    "message text follows",
    "returned mail follows",
    "text of the message",
    "copy of message",
];

/// Finds the start of an inline copy of the original message in a notification text: a
/// decorated marker line (`------ This is a copy of the message ...`) or a block of ordinary
/// message headers after a blank line. Returns (notification, rest).
pub(crate) fn split_inline_original(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut offset = 0usize;
    let mut prev_blank = true;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if i > 0 && is_marker_line(t) {
            return Some((text[..offset].to_string(), text[offset..].to_string()));
        }
        if i > 0 && prev_blank && starts_header_block(&lines[i..]) {
            return Some((text[..offset].to_string(), text[offset..].to_string()));
        }
        prev_blank = t.is_empty();
        offset += line.len() + 1;
        if offset > text.len() {
            break;
        }
    }
    None
}

fn is_marker_line(t: &str) -> bool {
    if t.len() < 8 || t.len() > 120 {
        return false;
    }
    let decorated = t.starts_with("--")
        || t.starts_with("==")
        || t.starts_with("**")
        || t.starts_with("__")
        || t.starts_with("> ")
        || t.ends_with("---")
        || t.ends_with(':');
    if !decorated {
        return false;
    }
    let l = t.to_ascii_lowercase();
    // MIME boundaries of a message we failed to parse are not markers.
    if l.starts_with("--") && !l.contains(' ') {
        return false;
    }
    ORIGINAL_MARKERS.iter().any(|m| l.contains(m))
}

const ORIGINAL_HEADER_NAMES: &[&str] = &[
    "received",
    "return-path",
    "message-id",
    "dkim-signature",
    "mime-version",
    "from",
    "subject",
    "date",
    "to",
];

fn starts_header_block(lines: &[&str]) -> bool {
    let mut fields = 0;
    let mut known = 0;
    let mut first = true;
    for l in lines.iter().take(40) {
        if l.trim().is_empty() {
            break;
        }
        if l.starts_with([' ', '\t']) {
            if first {
                return false;
            }
            continue;
        }
        let Some((name, _)) = dsn::split_field(l) else {
            return false;
        };
        let n = name.to_ascii_lowercase();
        if first && !ORIGINAL_HEADER_NAMES.contains(&n.as_str()) && !n.starts_with("x-") {
            return false;
        }
        first = false;
        fields += 1;
        if ORIGINAL_HEADER_NAMES.contains(&n.as_str()) {
            known += 1;
        }
    }
    fields >= 3 && known >= 2
}

/// The first block of header fields in `text` (skipping leading blank or non-field lines).
pub(crate) fn leading_header_block(text: &str) -> Vec<Field> {
    let mut start = None;
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, l) in lines.iter().enumerate().take(60) {
        if dsn::split_field(l).is_some() && !l.starts_with([' ', '\t']) {
            start = Some(i);
            break;
        }
    }
    let Some(s) = start else { return Vec::new() };
    let mut block = String::new();
    for l in &lines[s..] {
        if l.trim().is_empty() {
            break;
        }
        block.push_str(l);
        block.push('\n');
    }
    dsn::parse_fields(&block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_all_line_endings() {
        assert_eq!(normalize_line_endings(b"a\r\nb\rc\nd\r"), b"a\nb\nc\nd\n");
    }

    #[test]
    fn mbox_split() {
        let m = b"From a  Thu Apr 29 23:34:45 2015\nSubject: x\n\nbody\n\nFrom here on\n\nFrom b  Fri Apr 30 01:02:03 2015\nSubject: y\n\nz\n";
        let parts = split_mbox(m);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].starts_with(b"Subject: x"));
        assert!(parts[1].starts_with(b"Subject: y"));
        assert_eq!(split_mbox(b"Subject: q\n\nFrom x\n").len(), 1);
    }

    #[test]
    fn splits_at_marker() {
        let t = "failed:\n  a@b.example\n\n------ This is a copy of the message, including all the headers. ------\nReturn-path: <x@y>\n";
        let (head, rest) = split_inline_original(t).unwrap();
        assert!(head.contains("a@b.example"));
        assert!(rest.contains("Return-path"));
    }

    #[test]
    fn splits_at_header_block() {
        let t =
            "Sorry.\n\nReceived: from x\nFrom: a@b.example\nTo: c@d.example\nSubject: hi\n\nbody";
        let (head, rest) = split_inline_original(t).unwrap();
        assert_eq!(head.trim(), "Sorry.");
        let hb = leading_header_block(&rest);
        assert_eq!(hb.len(), 4);
    }

    #[test]
    fn html_text() {
        assert_eq!(
            html_to_text("<p>a&amp;b</p><script>x</script><br>c").trim(),
            "a&b\n\nc"
        );
    }
}
