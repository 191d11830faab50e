//! Plain-text pages (page text without markup) → article paragraphs.
//!
//! Each line is classified on its own features — length in words, whether it ends like a
//! sentence, boilerplate vocabulary (sign-ups, verification, subscription pitches, "continue
//! reading"), author-bio and byline shapes, separator lines, and whether the same line occurs
//! more than once (page templates repeat, articles do not) — then short sentence-like lines are
//! kept only when they sit between kept paragraphs.

use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Class of one line of a plain-text page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineClass {
    /// An article paragraph.
    Content,
    /// A short sentence-like line: content when surrounded by content.
    Short,
    /// Navigation, pitch, sign-up, bio, byline, related-list entry, separator.
    Boilerplate,
    /// Blank.
    Blank,
}

fn boiler_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?xi)(?-u:\b)(?:sign(?:ed|ing)?[\s-]?up|newsletters?|subscri(?:be|bed|ber|bers|bing|ption|ptions)|verification\s+e-?mail|inbox
            |there\s+was\s+a\s+problem|refresh\s+the\s+page|try\s+again|continue\s+reading|register\s+your\s+account|create\s+(?:an|your)\s+account
            |log\s?in|sign\s?in|already\s+a\s+(?:member|subscriber)|free\s+trial|enjoying\s+.{0,40}(?:journalism|reporting|articles?|content)
            |cookies?(?-u:\b)|advertisement|share\s+this|follow\s+(?:him|her|them|us|me)\s+on|click\s+here|read\s+more|privacy\s+policy|terms\s+(?:of|and)\s+(?:use|service|conditions)
            |unsubscribe|all\s+rights\s+reserved|copyright|by\s+clicking|delivered\s+(?:directly\s+)?to\s+your|daily\s+digest|get\s+the\s+(?:facts|best|latest)
            |download\s+(?:our|the)\s+app|support\s+(?:our|independent)\s+journalism|become\s+a\s+member|donate|your\s+(?:e-?mail|email\s+address))",
        )
        .expect("valid regex")
    })
}

fn bio_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?x)^(?:[\p{Lu}][\p{L}'.\-]+\s+){1,3}(?:is|was|has\s+been|serves\s+as|covers|writes)(?-u:\b).{0,160}?(?-u:\b)(?:editor|writer|reporter|correspondent|journalist|columnist|contributor|author|producer|analyst|staff|freelance|contributing)",
        )
        .expect("valid regex")
    })
}

fn byline_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)^(?:by|written\s+by|posted\s+by)\s+[\p{L}.'\- ]{2,80}(?:\s+(?:published|updated|posted)(?-u:\b).*)?$").expect("valid regex")
    })
}

fn words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
}

fn ends_like_sentence(s: &str) -> bool {
    let t = s.trim_end();
    t.ends_with([
        '.', '!', '?', '"', '\u{201d}', '\u{2019}', '\'', '\u{2026}', ')', ':', ';',
    ])
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Classifies every line of a text page.
pub(crate) fn classify(lines: &[&str]) -> Vec<LineClass> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for l in lines {
        let k = norm(l);
        if !k.is_empty() {
            *seen.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<LineClass> = lines
        .iter()
        .map(|l| {
            let t = l.trim();
            if t.is_empty() {
                return LineClass::Blank;
            }
            if !t.chars().any(|c| c.is_alphanumeric()) {
                return LineClass::Boilerplate;
            }
            if seen.get(&norm(t)).copied().unwrap_or(0) > 1 {
                return LineClass::Boilerplate;
            }
            let w = words(t);
            if byline_re().is_match(t) && w <= 12 {
                return LineClass::Boilerplate;
            }
            if bio_re().is_match(t) || (t.contains("Follow him") || t.contains("Follow her")) {
                return LineClass::Boilerplate;
            }
            // Vocabulary of pitches weighs on short and medium lines; a long paragraph may
            // mention a newsletter in passing.
            if boiler_re().is_match(t) && w < 40 {
                return LineClass::Boilerplate;
            }
            let sentence = ends_like_sentence(t);
            if w >= 15 && sentence {
                LineClass::Content
            } else if w >= 2 && sentence {
                LineClass::Short
            } else {
                LineClass::Boilerplate
            }
        })
        .collect();
    // Short lines stay only between content lines (ignoring blanks).
    let idx: Vec<usize> = (0..out.len())
        .filter(|&i| out[i] != LineClass::Blank)
        .collect();
    for (k, &i) in idx.iter().enumerate() {
        if out[i] != LineClass::Short {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| out[idx[p]]);
        let next = idx.get(k + 1).map(|&n| out[n]);
        let keep = prev == Some(LineClass::Content) && next == Some(LineClass::Content);
        out[i] = if keep {
            LineClass::Content
        } else {
            LineClass::Boilerplate
        };
    }
    out
}

/// Result of cleaning a text page.
pub(crate) struct PlainArticle {
    pub title: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Cleans a plain-text page into its title and article paragraphs.
pub(crate) fn clean(text: &str) -> PlainArticle {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let classes = classify(&lines);
    let mut title = None;
    let first = lines.iter().position(|l| !l.trim().is_empty());
    if let Some(f) = first {
        let t = lines[f].trim();
        if words(t) <= 25 && !t.ends_with('.') && classes[f] != LineClass::Content {
            title = Some(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    let paragraphs = lines
        .iter()
        .zip(&classes)
        .filter(|(_, c)| **c == LineClass::Content)
        .map(|(l, _)| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    PlainArticle { title, paragraphs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_paragraphs_and_drops_pitches() {
        let page = "A headline here\n\nSign up for our newsletter to get the news.\nThe council voted on Tuesday to approve a new budget that raises spending on schools and roads by a tenth.\nIt passed.\nThe mayor said the plan would be funded by a mix of bond sales and a modest rise in the property tax rate.\nJane Doe is a staff writer at the Gazette, covering city hall and the courts since 2015.\nJane Doe is a staff writer at the Gazette, covering city hall and the courts since 2015.\n";
        let a = clean(page);
        assert_eq!(a.title.as_deref(), Some("A headline here"));
        assert_eq!(a.paragraphs.len(), 3, "{:?}", a.paragraphs);
        assert_eq!(a.paragraphs[1], "It passed.");
    }

    #[test]
    fn bio_is_boilerplate() {
        let l = ["Peter Smith is a senior editor at Example.com, and has handled the night shift since 2008."];
        assert_eq!(classify(&l), vec![LineClass::Boilerplate]);
    }
}
