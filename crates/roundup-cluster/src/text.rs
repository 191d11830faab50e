//! Tokenizing, stop words, stemming, capitalization cues and URL slugs.
//!
//! Everything here is deterministic and allocation-light: the clusterer calls it once per
//! article, and the same text must always give the same features (the clusterer state can be
//! rebuilt by replaying articles).

use rust_stemmers::{Algorithm, Stemmer};

/// One word of a text, as the tokenizer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower-cased surface form (apostrophes and possessive "'s" removed).
    pub lower: String,
    /// The word started with an upper-case letter.
    pub cap: bool,
    /// The word opened a sentence, headline or clause (so its capital says nothing).
    pub start: bool,
    /// Index of the sentence the word is in (0-based).
    pub sentence: u32,
}

/// Splits `s` into word tokens, appending them to `out`.
///
/// Words are runs of letters and digits; `7.1` and `1,000` stay one token, `U.S.` becomes `u.s`,
/// `O'Brien` becomes `obrien` and `Juan's` becomes `juan`.
pub fn tokenize(s: &str, out: &mut Vec<Token>) {
    let chars: Vec<char> = s.chars().collect();
    let mut word = String::new();
    let mut cap = false;
    let mut at_start = true;
    let mut word_start = true;
    let mut sentence: u32 = 0;
    let flush =
        |word: &mut String, cap: bool, word_start: bool, sentence: u32, out: &mut Vec<Token>| {
            if word.is_empty() {
                return;
            }
            let mut w = std::mem::take(word);
            if let Some(stripped) = w.strip_suffix("'s") {
                w = stripped.to_string();
            }
            w.retain(|c| c != '\'');
            let w = w.trim_end_matches('.').to_string();
            if !w.is_empty() {
                out.push(Token {
                    lower: w,
                    cap,
                    start: word_start,
                    sentence,
                });
            }
        };
    for i in 0..chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_alphanumeric() {
            if word.is_empty() {
                cap = c.is_uppercase();
                word_start = at_start;
                at_start = false;
            }
            word.extend(c.to_lowercase());
            continue;
        }
        let next_alnum = next.is_some_and(|n| n.is_alphanumeric());
        if !word.is_empty() && next_alnum {
            let last = word.chars().last().unwrap_or(' ');
            match c {
                '\'' | '\u{2019}' if next.is_some_and(|n| n.is_alphabetic()) => {
                    word.push('\'');
                    continue;
                }
                '.' | ',' if last.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()) => {
                    word.push(c);
                    continue;
                }
                '.' if word.chars().count() == 1
                    || (word.len() >= 2 && word.as_bytes()[word.len() - 2] == b'.') =>
                {
                    // Dotted abbreviations: U.S., U.K., p.m.
                    word.push('.');
                    continue;
                }
                _ => {}
            }
        }
        flush(&mut word, cap, word_start, sentence, out);
        match c {
            '.' | '!' | '?' | '\n' | '\r' => {
                at_start = true;
                sentence += 1;
            }
            ':' | ';' | '|' | '"' | '\u{201C}' | '\u{201D}' | '(' | '[' | '\u{2013}'
            | '\u{2014}' => at_start = true,
            '-' if chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_whitespace())
                && next.is_some_and(|n| n.is_whitespace()) =>
            {
                at_start = true
            }
            _ => {}
        }
    }
    flush(&mut word, cap, word_start, sentence, out);
}

/// True when most content words of a segment are capitalized ("Juan Pablo Makes His Decision"),
/// so capitals carry no information about names.
pub fn is_title_case(tokens: &[Token]) -> bool {
    let mut content = 0usize;
    let mut capped = 0usize;
    for t in tokens {
        if t.lower.chars().count() < 4
            || is_stopword(&t.lower)
            || !t.lower.chars().next().is_some_and(char::is_alphabetic)
        {
            continue;
        }
        content += 1;
        if t.cap {
            capped += 1;
        }
    }
    content >= 3 && capped * 10 >= content * 7
}

/// Extracts the human-readable words of a URL's slug (the longest path segment made of several
/// hyphen/underscore separated words), or an empty string.
pub fn url_slug(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let path = match rest.find('/') {
        Some(i) => &rest[i + 1..],
        None => return String::new(),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = path.replace('\\', "");
    let mut best = String::new();
    let mut best_words = 0;
    for seg in path.split('/') {
        let seg = seg
            .trim_end_matches(".html")
            .trim_end_matches(".htm")
            .trim_end_matches(".php")
            .trim_end_matches(".aspx")
            .trim_end_matches(".asp")
            .trim_end_matches(".shtml")
            .trim_end_matches(".story");
        let words: Vec<&str> = seg
            .split(['-', '_', '+', '.', ','])
            .filter(|w| w.len() >= 2 && w.chars().all(|c| c.is_alphabetic()))
            .collect();
        if words.len() >= 3 && words.len() > best_words {
            best_words = words.len();
            best = words.join(" ");
        }
    }
    best.to_lowercase()
}

/// English function words (plus news boilerplate) that never identify a story.
const STOP_EN: &[&str] = &[
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
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
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
    "like",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "so",
    "some",
    "still",
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
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "s",
    "t",
    "don",
    "didn",
    "doesn",
    "isn",
    "wasn",
    "won",
    "can't",
    "cant",
    "im",
    "ive",
    "youre",
    "theyre",
    "wont",
    "also",
    "two",
    "three",
    "first",
    "last",
    "year",
    "years",
    "time",
    "week",
    "day",
    "days",
    "today",
    "yesterday",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "news",
    "report",
    "reports",
    "reported",
    "according",
    "told",
    "video",
    "photos",
    "watch",
    "update",
    "updated",
    "live",
    "read",
    "via",
    "amp",
    "www",
    "http",
    "https",
    "com",
    "html",
];

/// Short stop lists for other languages the stemmer supports; enough to keep function words
/// out of the top terms.
const STOP_OTHER: &[&str] = &[
    // French
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "en", "est", "pour", "que", "qui",
    "dans", "sur", "au", "aux", "par", "pas", "plus", "ce", "cette", "il", "elle", "ils", "son",
    "sa", "ses", "avec", "été", "sont", "mais", "ou", // German
    "der", "die", "das", "und", "ist", "den", "dem", "ein", "eine", "einer", "nicht", "mit", "von",
    "zu", "auf", "für", "sich", "auch", "es", "im", "bei", "nach", "wie", "aus", "wird",
    // Spanish / Portuguese / Italian
    "el", "los", "las", "del", "y", "por", "con", "una", "para", "lo", "se", "al", "su", "sus", "o",
    "os", "as", "um", "uma", "não", "il", "gli", "di", "che", "della", "per", "è", "non",
    // Dutch
    "het", "een", "van", "op", "niet", "met", "voor", "zijn", "dat",
];

/// True for function words that never identify a story.
pub fn is_stopword(w: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| STOP_EN.iter().chain(STOP_OTHER).copied().collect())
        .contains(w)
}

/// Snowball stemming algorithm for an ISO 639-1 language code (English when unknown).
pub fn algorithm_for(lang: Option<&str>) -> Algorithm {
    let code = lang.unwrap_or("en").trim().to_ascii_lowercase();
    let code = code.split(['-', '_']).next().unwrap_or("en");
    match code {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => Algorithm::English,
    }
}

/// A stemmer for one language, with the code it was made for.
pub struct LangStemmer {
    /// The normalized language code ("en").
    pub code: String,
    stemmer: Stemmer,
}

impl Clone for LangStemmer {
    fn clone(&self) -> Self {
        LangStemmer::new(Some(&self.code))
    }
}

impl std::fmt::Debug for LangStemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LangStemmer")
            .field("code", &self.code)
            .finish()
    }
}

impl LangStemmer {
    /// A stemmer for `lang` (English when `None` or unsupported).
    pub fn new(lang: Option<&str>) -> Self {
        let code = lang.unwrap_or("en").trim().to_ascii_lowercase();
        LangStemmer {
            stemmer: Stemmer::create(algorithm_for(Some(&code))),
            code,
        }
    }

    /// The stem of a lower-cased word. Words with digits or dots are kept as they are.
    pub fn stem(&self, w: &str) -> String {
        if w.chars().any(|c| c.is_ascii_digit() || c == '.') {
            return w.to_string();
        }
        self.stemmer.stem(w).into_owned()
    }
}

/// FNV-1a 64-bit hash: stable across runs and versions (the state may be persisted).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64 finalizer: a cheap, well-mixed 64-bit permutation.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        tokenize(s, &mut v);
        v.into_iter().map(|t| t.lower).collect()
    }

    #[test]
    fn tokenizer_keeps_numbers_and_abbreviations() {
        assert_eq!(
            words("A 7.1 quake hit the U.S. on Monday."),
            ["a", "7.1", "quake", "hit", "the", "u.s", "on", "monday"]
        );
        assert_eq!(
            words("O'Brien's team won 1,000 games"),
            ["obrien", "team", "won", "1,000", "games"]
        );
        assert_eq!(words("stand-alone"), ["stand", "alone"]);
    }

    #[test]
    fn tokenizer_marks_sentence_starts() {
        let mut v = Vec::new();
        tokenize("The Sixers fired Cheeks. Brown said so", &mut v);
        let starts: Vec<bool> = v.iter().map(|t| t.start).collect();
        assert_eq!(starts, [true, false, false, false, true, false, false]);
        assert!(v[1].cap && v[3].cap && !v[2].cap);
    }

    #[test]
    fn title_case_detection() {
        let mut a = Vec::new();
        tokenize("Bachelor Finale: Juan Pablo Makes His Decision", &mut a);
        assert!(is_title_case(&a));
        let mut b = Vec::new();
        tokenize(
            "Edward Snowden warns of personal data vulnerability",
            &mut b,
        );
        assert!(!is_title_case(&b));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            url_slug("http://www.techspot.com/news/55947-google-to-launch-android-sdk-for-wearables-in-two-weeks.html"),
            "google to launch android sdk for wearables in two weeks"
        );
        assert_eq!(url_slug("http://www.cnbc.com/id/101483585"), "");
        assert_eq!(url_slug(""), "");
    }

    #[test]
    fn stemming_by_language() {
        assert_eq!(LangStemmer::new(None).stem("recalls"), "recal");
        assert_eq!(
            LangStemmer::new(Some("de")).stem("häuser"),
            LangStemmer::new(Some("de")).stem("häuser")
        );
        assert_eq!(LangStemmer::new(Some("en")).stem("7.1"), "7.1");
    }
}
