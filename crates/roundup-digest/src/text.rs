//! Text utilities shared by every digest stage: paragraph and sentence splitting, word
//! tokenizing, a light stemmer, stopwords and sparse term vectors.
//!
//! Everything here is deterministic: vectors are sorted by term id and no hash-map iteration
//! order leaks into a result.

use std::collections::HashMap;

/// Most characters of one article text that the digest looks at; longer texts are cut at a
/// character boundary so that a huge input costs bounded time.
pub const MAX_TEXT_CHARS: usize = 200_000;

/// Cut `s` to at most `max` bytes at a character boundary.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Split a text into paragraphs: blocks separated by blank lines. A text without any blank line
/// but with several lines is split at every line (plain-text extractions often use one line per
/// paragraph). Whitespace inside a paragraph is collapsed to single spaces.
pub fn paragraphs(text: &str) -> Vec<String> {
    let text = truncate_chars(text, MAX_TEXT_CHARS);
    let norm = text.replace("\r\n", "\n").replace('\r', "\n");
    let has_blank = norm.split('\n').any(|l| l.trim().is_empty()) && norm.trim().contains('\n');
    let blocks: Vec<&str> = if has_blank {
        norm.split("\n\n").collect::<Vec<_>>()
    } else {
        norm.split('\n').collect()
    };
    let mut out = Vec::new();
    // A split on "\n\n" can leave blocks that are themselves separated by lines holding only
    // spaces; re-split those on whitespace-only lines.
    for block in blocks {
        let mut cur = String::new();
        for line in block.split('\n') {
            if line.trim().is_empty() {
                if !cur.trim().is_empty() {
                    out.push(collapse_ws(&cur));
                }
                cur.clear();
            } else {
                cur.push(' ');
                cur.push_str(line);
            }
        }
        if !cur.trim().is_empty() {
            out.push(collapse_ws(&cur));
        }
    }
    out
}

/// Collapse runs of whitespace to one space and trim.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Abbreviations after which a period never ends a sentence (titles that precede a name).
pub(crate) const TITLE_ABBREVS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "maj",
    "cmdr", "adm", "st", "mt", "ft", "rev", "fr", "hon", "pres", "supt", "insp", "det", "messrs",
    "mme", "mlle", "sr", "jr",
];

/// Abbreviations that usually continue the sentence but may end one ("in the U.S. The ...").
const SOFT_ABBREVS: &[&str] = &[
    "inc", "ltd", "co", "corp", "plc", "llc", "vs", "etc", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos", "fig", "approx", "dept", "univ",
    "ave", "blvd", "rd", "est", "al", "cf", "ca", "vol", "pp", "op", "ed", "eds",
];

/// Capitalized words that commonly start a sentence; after a soft abbreviation such a word
/// means the period did end the sentence.
const SENTENCE_STARTERS: &[&str] = &[
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "but",
    "and",
    "this",
    "that",
    "these",
    "those",
    "there",
    "his",
    "her",
    "their",
    "its",
    "our",
    "after",
    "before",
    "when",
    "while",
    "as",
    "if",
    "officials",
    "however",
    "meanwhile",
    "still",
    "yet",
    "so",
    "for",
    "some",
    "many",
    "most",
    "one",
    "both",
    "no",
    "not",
    "what",
    "who",
    "how",
    "why",
];

fn is_open_quote(c: char) -> bool {
    matches!(c, '“' | '«' | '„')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '”' | '»')
}

/// Split one paragraph into sentences.
///
/// Handles abbreviations (U.S., Dr., Mr., Jan.), initials ("John F. Kennedy"), decimals
/// ("3.5"), and quotations: a period inside an open quotation does not end the sentence, and a
/// sentence ending in a closing quote keeps the quote mark.
pub fn split_sentences(par: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = par.char_indices().collect();
    let straight_balanced = par.matches('"').count().is_multiple_of(2);
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth: i32 = 0;
    let mut straight_open = false;
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if is_open_quote(c) {
            depth += 1;
        } else if is_close_quote(c) {
            depth = (depth - 1).max(0);
        } else if c == '"' && straight_balanced {
            straight_open = !straight_open;
        }
        let inside = depth > 0 || straight_open;
        if matches!(c, '.' | '!' | '?' | '…') {
            // Collect the run of terminal punctuation and closing marks.
            let mut j = i + 1;
            let mut closed_quote = false;
            while j < chars.len() {
                let cj = chars[j].1;
                if matches!(cj, '.' | '!' | '?' | '…') {
                    j += 1;
                } else if is_close_quote(cj) || cj == '’' || cj == '\'' || cj == ')' || cj == ']'
                {
                    if is_close_quote(cj) {
                        closed_quote = true;
                    }
                    j += 1;
                } else if cj == '"' && straight_balanced && straight_open {
                    closed_quote = true;
                    j += 1;
                } else {
                    break;
                }
            }
            let at_end = j >= chars.len();
            let followed_by_space = !at_end && chars[j].1.is_whitespace();
            if at_end || followed_by_space {
                // Next non-space character.
                let mut k = j;
                while k < chars.len() && chars[k].1.is_whitespace() {
                    k += 1;
                }
                let next_word = next_word_at(&chars, k);
                let next_starts = k < chars.len() && {
                    let nc = chars[k].1;
                    nc.is_uppercase()
                        || nc.is_ascii_digit()
                        || is_open_quote(nc)
                        || nc == '"'
                        || nc == '('
                };
                let still_inside = inside && !closed_quote;
                let boundary = at_end
                    || (next_starts
                        && !still_inside
                        && (c != '.' || period_ends(par, &chars, i, &next_word)));
                if boundary {
                    let end = if j < chars.len() {
                        chars[j].0
                    } else {
                        par.len()
                    };
                    let s = par[start..end].trim();
                    if !s.is_empty() {
                        out.push(s.to_string());
                    }
                    start = end;
                    if closed_quote {
                        depth = 0;
                        straight_open = false;
                    }
                    i = j;
                    continue;
                }
            }
            // Keep quote state in sync with the closing marks we skipped over.
            for &(_, cj) in &chars[i + 1..j] {
                if is_close_quote(cj) {
                    depth = (depth - 1).max(0);
                } else if cj == '"' && straight_balanced {
                    straight_open = !straight_open;
                }
            }
            i = j;
            continue;
        }
        i += 1;
    }
    let rest = par[start.min(par.len())..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

fn next_word_at(chars: &[(usize, char)], mut k: usize) -> String {
    while k < chars.len() && !chars[k].1.is_alphanumeric() && !chars[k].1.is_whitespace() {
        k += 1;
    }
    let mut w = String::new();
    while k < chars.len()
        && (chars[k].1.is_alphanumeric() || chars[k].1 == '\'' || chars[k].1 == '’')
    {
        w.push(chars[k].1);
        k += 1;
    }
    w
}

/// Whether the period at char index `i` ends the sentence, given the next word.
fn period_ends(_par: &str, chars: &[(usize, char)], i: usize, next_word: &str) -> bool {
    // The token before the period.
    let mut b = i;
    while b > 0
        && !chars[b - 1].1.is_whitespace()
        && !matches!(chars[b - 1].1, '(' | '“' | '"' | '[')
    {
        b -= 1;
    }
    let token: String = chars[b..i].iter().map(|&(_, c)| c).collect();
    // "Aoraki-Mt." ends in the abbreviation after the hyphen.
    let token = match token.rsplit_once('-') {
        Some((_, tail)) if !tail.is_empty() => tail.to_string(),
        _ => token,
    };
    if token.is_empty() {
        return true;
    }
    let lower = token.to_lowercase();
    let next_lower = next_word.to_lowercase();
    let next_is_starter = SENTENCE_STARTERS.contains(&next_lower.as_str());
    let next_is_digit = next_word.chars().next().is_some_and(|c| c.is_ascii_digit());
    if TITLE_ABBREVS.contains(&lower.as_str()) {
        return false;
    }
    // Single-letter initial ("F." in "John F. Kennedy").
    if token.chars().count() == 1 && token.chars().all(|c| c.is_uppercase()) {
        return false;
    }
    // Dotted acronyms: U.S, U.K, a.m, e.g.
    if token.contains('.')
        && token.chars().filter(|c| c.is_alphabetic()).count() <= 4
        && token.chars().all(|c| c.is_alphabetic() || c == '.')
    {
        if lower == "e.g" || lower == "i.e" {
            return false;
        }
        return next_is_starter;
    }
    if SOFT_ABBREVS.contains(&lower.as_str()) {
        if next_is_digit {
            return false;
        }
        return next_is_starter;
    }
    true
}

/// English stopwords dropped from term vectors.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "said",
    "says",
    "say",
    "told",
    "according",
    "mr",
    "mrs",
    "ms",
    "dr",
    "new",
    "one",
    "two",
    "year",
    "years",
    "since",
    "would",
    "may",
    "might",
    "must",
    "shall",
    "us",
    "per",
    "via",
    "s",
    "t",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "week",
    "last",
    "first",
    "next",
    "day",
    "time",
    "yesterday",
    "today",
    "tomorrow",
];

/// Whether a lower-case word is a stopword.
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// Split text into lower-case word tokens (letters, digits, inner apostrophes and hyphens
/// split off). "U.S." becomes "us", "don't" becomes "don't".
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (idx, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            for lc in c.to_lowercase() {
                cur.push(lc);
            }
        } else if (c == '\'' || c == '’')
            && !cur.is_empty()
            && chars.get(idx + 1).is_some_and(|n| n.is_alphabetic())
        {
            cur.push('\'');
        } else if c == '.'
            && !cur.is_empty()
            && chars.get(idx + 1).is_some_and(|n| n.is_alphanumeric())
        {
            // Keep "3.5" together; drop dots inside acronyms ("u.s" -> "us").
            if cur.chars().all(|d| d.is_ascii_digit()) && chars[idx + 1].is_ascii_digit() {
                cur.push('.');
            }
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A light English stemmer: strips common inflectional and a few derivational suffixes so
/// that "officials", "official" and "officially" meet. Not Porter; deliberately conservative.
pub fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s").trim_end_matches('\'');
    let n = w.chars().count();
    if n <= 3 || !w.is_ascii() {
        return w.to_string();
    }
    let rules: &[(&str, &str, usize)] = &[
        ("ational", "ate", 4),
        ("ization", "ize", 4),
        ("fulness", "ful", 4),
        ("iveness", "ive", 4),
        ("ements", "ement", 4),
        ("ments", "ment", 4),
        ("ations", "ate", 4),
        ("ation", "ate", 4),
        ("ingly", "", 4),
        ("ously", "ous", 4),
        ("ities", "ity", 4),
        ("ness", "", 4),
        ("ally", "al", 4),
        ("ies", "y", 3),
        ("ied", "y", 3),
        ("ing", "", 4),
        ("edly", "", 4),
        ("ed", "", 4),
        ("ly", "", 4),
        ("es", "", 3),
        ("s", "", 3),
    ];
    for &(suf, rep, min_stem) in rules {
        if let Some(base) = w.strip_suffix(suf) {
            if base.len() < min_stem {
                continue;
            }
            if suf == "s" && (base.ends_with('s') || base.ends_with('u') || base.ends_with('i')) {
                // "glass", "virus", "analysis" stay.
                return w.to_string();
            }
            if suf == "es"
                && !(base.ends_with("sh")
                    || base.ends_with("ch")
                    || base.ends_with('x')
                    || base.ends_with("ss")
                    || base.ends_with('z'))
            {
                // "prices" -> "price" (strip only "s").
                return w[..w.len() - 1].to_string();
            }
            let mut b = format!("{base}{rep}");
            // "stopped" -> "stop", "running" -> "run".
            if (suf == "ing" || suf == "ed") && rep.is_empty() {
                let bytes = b.as_bytes();
                let l = bytes.len();
                if l >= 2
                    && bytes[l - 1] == bytes[l - 2]
                    && !matches!(bytes[l - 1], b'l' | b's' | b'z')
                {
                    b.pop();
                }
            }
            return b;
        }
    }
    w.to_string()
}

/// Content terms of a text: lower-cased, stopwords and one-character tokens removed, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() > 1 && !is_stopword(w))
        .map(|w| stem(&w))
        .collect()
}

/// A sparse vector: (term id, weight) pairs sorted by term id.
pub type SparseVec = Vec<(usize, f64)>;

/// A vocabulary with document frequencies, built from a list of documents (term lists).
#[derive(Debug, Default, Clone)]
pub struct Vocab {
    ids: HashMap<String, usize>,
    names: Vec<String>,
    df: Vec<usize>,
    docs: usize,
}

impl Vocab {
    /// Build from documents; each document is a list of terms.
    pub fn build<'a, I>(docs: I) -> Self
    where
        I: IntoIterator<Item = &'a Vec<String>>,
    {
        let mut v = Vocab::default();
        for doc in docs {
            v.docs += 1;
            let mut seen: Vec<usize> = Vec::new();
            for t in doc {
                let id = match v.ids.get(t) {
                    Some(&id) => id,
                    None => {
                        let id = v.names.len();
                        v.ids.insert(t.clone(), id);
                        v.names.push(t.clone());
                        v.df.push(0);
                        id
                    }
                };
                if !seen.contains(&id) {
                    seen.push(id);
                    v.df[id] += 1;
                }
            }
        }
        v
    }

    /// Inverse document frequency (smoothed) of a term id.
    pub fn idf(&self, id: usize) -> f64 {
        let df = self.df.get(id).copied().unwrap_or(0) as f64;
        ((1.0 + self.docs as f64) / (1.0 + df)).ln() + 1.0
    }

    /// The term text of an id.
    pub fn name(&self, id: usize) -> &str {
        self.names.get(id).map(|s| s.as_str()).unwrap_or("")
    }

    /// An L2-normalized TF-IDF vector of a term list (unknown terms are ignored).
    pub fn tfidf(&self, doc: &[String]) -> SparseVec {
        let mut counts: Vec<(usize, f64)> = Vec::new();
        for t in doc {
            if let Some(&id) = self.ids.get(t) {
                match counts.iter_mut().find(|(i, _)| *i == id) {
                    Some(e) => e.1 += 1.0,
                    None => counts.push((id, 1.0)),
                }
            }
        }
        let mut v: SparseVec = counts
            .into_iter()
            .map(|(id, tf)| (id, (1.0 + tf.ln()) * self.idf(id)))
            .collect();
        v.sort_by_key(|&(id, _)| id);
        normalize(&mut v);
        v
    }
}

/// Scale a sparse vector to unit length (no-op for the zero vector).
pub fn normalize(v: &mut SparseVec) {
    let n: f64 = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if n > 0.0 {
        for e in v.iter_mut() {
            e.1 /= n;
        }
    }
}

/// Dot product of two sorted sparse vectors (cosine when both are unit length).
pub fn dot(a: &SparseVec, b: &SparseVec) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// Sum of sparse vectors, each multiplied by its weight; result sorted and unit length.
pub fn centroid<'a, I>(vecs: I) -> SparseVec
where
    I: IntoIterator<Item = (&'a SparseVec, f64)>,
{
    let mut acc: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    for (v, w) in vecs {
        for &(id, x) in v {
            *acc.entry(id).or_insert(0.0) += x * w;
        }
    }
    let mut v: SparseVec = acc.into_iter().filter(|(_, x)| *x != 0.0).collect();
    normalize(&mut v);
    v
}

/// Whether a sentence's characters are mostly inside quotation marks.
pub fn quoted_fraction(s: &str) -> f64 {
    let total = s.chars().filter(|c| c.is_alphanumeric()).count();
    if total == 0 {
        return 0.0;
    }
    let mut inside = false;
    let mut depth = 0i32;
    let mut q = 0usize;
    for c in s.chars() {
        if is_open_quote(c) {
            depth += 1;
        } else if is_close_quote(c) {
            depth = (depth - 1).max(0);
        } else if c == '"' {
            inside = !inside;
        } else if (depth > 0 || inside) && c.is_alphanumeric() {
            q += 1;
        }
    }
    q as f64 / total as f64
}

/// Similarity of two short texts by term-set Jaccard overlap (used where no shared vocabulary
/// exists, e.g. comparing titles of two different stories).
pub fn jaccard(a: &str, b: &str) -> f64 {
    let mut ta = terms(a);
    let mut tb = terms(b);
    ta.sort();
    ta.dedup();
    tb.sort();
    tb.dedup();
    if ta.is_empty() && tb.is_empty() {
        return 0.0;
    }
    let inter = ta.iter().filter(|t| tb.binary_search(t).is_ok()).count();
    let union = ta.len() + tb.len() - inter;
    inter as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_sentences() {
        let s = split_sentences("The bridge opened. Traffic was light! Was it worth it? Yes.");
        assert_eq!(
            s,
            vec![
                "The bridge opened.",
                "Traffic was light!",
                "Was it worth it?",
                "Yes."
            ]
        );
    }

    #[test]
    fn keeps_abbreviations_and_decimals() {
        let s = split_sentences("Dr. Lena Ott met Mr. Bo Kim in the U.S. capital on Jan. 5 to discuss a 3.5 percent rise. The talks ended.");
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].ends_with("rise."));
        let s = split_sentences("The company moved to the U.S. The move cost $1.2 billion.");
        assert_eq!(s.len(), 2, "{s:?}");
        let s = split_sentences(
            "John F. Kennedy Airport was closed. Flights resumed at 6 p.m. on Friday.",
        );
        assert_eq!(s.len(), 2, "{s:?}");
        let s = split_sentences("Shares of Arbor Inc. rose. Analysts cheered.");
        assert_eq!(s.len(), 2, "{s:?}");
        let s = split_sentences("He met officials, e.g. Mara Voss. Then he left.");
        assert_eq!(s.len(), 2, "{s:?}");
    }

    #[test]
    fn keeps_quotes_together() {
        let s =
            split_sentences("“We will rebuild. We will not stop,” she said. The crowd cheered.");
        assert_eq!(
            s,
            vec![
                "“We will rebuild. We will not stop,” she said.",
                "The crowd cheered."
            ]
        );
        let s = split_sentences("\"It is over.\" He left the room. \"Really?\" she asked.");
        assert_eq!(
            s,
            vec![
                "\"It is over.\"",
                "He left the room.",
                "\"Really?\" she asked."
            ]
        );
        let s = split_sentences("“Stop!” she shouted. Nobody moved.");
        assert_eq!(s, vec!["“Stop!” she shouted.", "Nobody moved."]);
    }

    #[test]
    fn paragraphs_blank_lines_and_single_lines() {
        assert_eq!(paragraphs("a b\nc\n\n d \n\n\n e"), vec!["a b c", "d", "e"]);
        assert_eq!(paragraphs("one\ntwo\nthree"), vec!["one", "two", "three"]);
        assert!(paragraphs("").is_empty());
        assert!(paragraphs("  \n \n").is_empty());
    }

    #[test]
    fn stems_lightly() {
        assert_eq!(stem("officials"), "official");
        assert_eq!(stem("prices"), "price");
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("stopped"), "stop");
        assert_eq!(stem("studies"), "study");
        assert_eq!(stem("virus"), "virus");
        assert_eq!(stem("boxes"), "box");
        assert_eq!(
            words("U.S. officials' 3.5% don't"),
            vec!["us", "officials", "3.5", "don't"]
        );
    }

    #[test]
    fn vectors_and_similarity() {
        let docs = vec![
            terms("bridge opens to traffic"),
            terms("the bridge opened"),
            terms("rain falls"),
        ];
        let v = Vocab::build(&docs);
        let a = v.tfidf(&docs[0]);
        let b = v.tfidf(&docs[1]);
        let c = v.tfidf(&docs[2]);
        assert!(dot(&a, &b) > dot(&a, &c));
        assert!((dot(&a, &a) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn huge_and_odd_input_does_not_panic() {
        let big = "word. ".repeat(100_000);
        let p = paragraphs(&big);
        assert!(!p.is_empty());
        let _ = split_sentences("“unclosed quote. And more");
        let _ = split_sentences("...!?”“\"");
        assert_eq!(truncate_chars("héllo", 2), "h");
    }
}
