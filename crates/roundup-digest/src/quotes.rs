//! Quotes — who said what.
//!
//! Finds quotation spans in each paragraph (curly and straight marks, multi-sentence quotes,
//! quotes continued across paragraphs), then looks for the attribution around each span:
//!
//! * after the quote: `“…,” X said` / `“…,” said X` / `“…,” X told Reuters` /
//!   `“…” according to X` / `“…,” X, the minister of Y, said`;
//! * before the quote: `X said: “…”` / `X said “…”` / `X said the plan was “…”` /
//!   `According to X, “…”`;
//! * continuation: a quote right after an attributed one (`“…,” she said. “…”`) or a
//!   paragraph that is only a quote, right after a paragraph with an attributed quote.
//!
//! The speaker phrase is cut to its noun phrase (relative clauses such as "who attended the
//! meeting" and listeners such as "tells The Wall Street Journal" are dropped; appositions
//! become the role). Pronouns resolve to the nearest preceding compatible person (he/she) or
//! organization/group (it/they); surnames expand to the fullest form the article uses.
//!
//! Sentences without quotation marks yield indirect attributions: "according to X, …",
//! "X said (that) …" and "…, X said."

use crate::text::{collapse_ws, paragraphs, split_sentences, truncate_chars, MAX_TEXT_CHARS};
use crate::types::QuoteKind;
use serde::{Deserialize, Serialize};

/// A quote found in one article's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedQuote {
    /// Quoted words (direct) or reported content (indirect).
    pub text: String,
    /// Resolved speaker, fullest form used in the article.
    pub speaker: String,
    /// Speaker phrase as written at the attribution ("she", "Ruiz").
    pub speaker_mention: String,
    /// Apposition role ("the minister of finance"), if any.
    pub speaker_role: Option<String>,
    /// Direct or indirect.
    pub kind: QuoteKind,
    /// Paragraph index (0-based) in the article.
    pub paragraph: usize,
}

/// Verbs that attribute a direct quote (as written, lower case).
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "stated",
    "states",
    "explained",
    "explains",
    "noted",
    "notes",
    "warned",
    "warns",
    "wrote",
    "writes",
    "asked",
    "asks",
    "argued",
    "argues",
    "insisted",
    "insists",
    "declared",
    "declares",
    "announced",
    "announces",
    "continued",
    "continues",
    "claimed",
    "claims",
    "recalled",
    "recalls",
    "replied",
    "replies",
    "responded",
    "remarked",
    "observed",
    "acknowledged",
    "admitted",
    "admits",
    "conceded",
    "concedes",
    "cautioned",
    "predicted",
    "complained",
    "urged",
    "stressed",
    "emphasized",
    "emphasised",
    "posted",
    "tweeted",
    "shouted",
    "testified",
    "confirmed",
    "suggested",
    "maintained",
    "concluded",
    "countered",
    "quipped",
    "joked",
    "lamented",
    "vowed",
    "promised",
    "boasted",
    "called",
    "described",
    "chanted",
    "reports",
    "saying",
    "telling",
    "explaining",
    "adding",
];

/// Verbs that introduce reported (indirect) speech.
const REPORT_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "stated",
    "warned",
    "argued",
    "claimed",
    "insisted",
    "noted",
    "announced",
    "confirmed",
    "explained",
    "acknowledged",
    "admitted",
    "estimated",
    "predicted",
];

/// Words between a speaker and the verb that are not part of the speaker ("she later said").
const AUX_STRIP: &[&str] = &[
    "later",
    "also",
    "has",
    "had",
    "have",
    "would",
    "will",
    "then",
    "previously",
    "earlier",
    "again",
    "reportedly",
    "once",
    "recently",
    "simply",
    "flatly",
    "publicly",
    "privately",
    "repeatedly",
    "quickly",
    "firmly",
    "further",
    "as",
    "quoted",
    "was",
    "is",
    "been",
    "were",
    "are",
    "separately",
    "himself",
    "herself",
    "only",
    "even",
    "still",
    "often",
    "softly",
    "bluntly",
    "told",
    "tersely",
    "angrily",
    "proudly",
];

/// Words that end a speaker phrase written after the verb ("said Ruiz in a statement").
const STOP_AFTER: &[&str] = &[
    "who",
    "whose",
    "which",
    "that",
    "in",
    "on",
    "during",
    "when",
    "while",
    "after",
    "before",
    "adding",
    "as",
    "because",
    "to",
    "with",
    "from",
    "last",
    "this",
    "yesterday",
    "today",
    "earlier",
    "later",
    "tonight",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "according",
    "and",
    "but",
    "via",
    "by",
    "about",
    "of",
    "for",
];

/// Leading words to drop from a speaker phrase ("And Ruiz said").
const LEAD_FILLERS: &[&str] = &[
    "and",
    "but",
    "so",
    "then",
    "later",
    "meanwhile",
    "however",
    "yet",
    "as",
    "while",
    "when",
    "also",
    "still",
    "now",
    "instead",
    "separately",
    "earlier",
    "speaking",
    "but,",
];

/// Words that cannot start a speaker phrase.
const BAD_START: &[&str] = &[
    "it's", "that", "this", "these", "those", "there", "what", "which", "who", "to", "of", "in",
    "on", "at", "for", "with", "if", "because", "or", "not", "is", "was", "were", "are", "be",
    "has", "have", "had", "will", "would", "can", "could", "should", "do", "did", "does", "how",
    "why", "where", "whether", "than", "from", "by", "into", "about", "over", "after", "before",
    "no", "nor", "all", "any", "each", "every", "such", "said", "says", "her", "his", "their",
    "its", "my", "our", "your", "me", "him", "them", "us",
];

/// Words that cannot end a speaker phrase.
const BAD_END: &[&str] = &[
    "the", "a", "an", "of", "for", "to", "and", "in", "on", "at", "with", "by", "from", "or",
    "his", "her", "their", "its", "our", "my", "that", "this", "as", "is", "was",
];

/// Words that show the phrase is a clause, not a speaker.
const CLAUSE_WORDS: &[&str] = &[
    "is", "was", "were", "are", "will", "would", "has", "have", "had", "be", "been", "can",
    "could", "should", "do", "does", "did", "it's", "not", "if", "because", "than",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "it", "we"];

/// Words that mark an organization, a place or a publication rather than a person.
const NON_PERSON: &[&str] = &[
    "ministry",
    "department",
    "university",
    "council",
    "bank",
    "company",
    "inc",
    "corp",
    "group",
    "party",
    "journal",
    "times",
    "post",
    "news",
    "reuters",
    "agency",
    "committee",
    "court",
    "office",
    "house",
    "senate",
    "congress",
    "parliament",
    "association",
    "union",
    "institute",
    "foundation",
    "airport",
    "city",
    "county",
    "street",
    "river",
    "bridge",
    "hospital",
    "school",
    "college",
    "center",
    "centre",
    "museum",
    "police",
    "army",
    "navy",
    "force",
    "club",
    "fc",
    "united",
    "league",
    "republic",
    "kingdom",
    "states",
    "nations",
    "federation",
    "authority",
    "commission",
    "service",
    "board",
    "fund",
    "network",
    "airlines",
    "railway",
    "port",
    "harbor",
    "harbour",
    "gazette",
    "herald",
    "tribune",
    "daily",
    "weekly",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "new",
    "north",
    "south",
    "east",
    "west",
    "san",
    "los",
    "las",
    "hong",
    "saint",
    "government",
    "administration",
    "organization",
    "organisation",
    "corporation",
    "ltd",
    "plc",
    "llc",
    "press",
    "associated",
    "media",
    "channel",
    "radio",
    "television",
    "tv",
    "bureau",
    "agency",
    "industries",
    "holdings",
    "partners",
    "capital",
    "council",
    "assembly",
    "ministry's",
    "team",
    "festival",
    "square",
    "avenue",
    "road",
    "island",
    "islands",
    "valley",
    "mountain",
    "lake",
    "bay",
    "coast",
    "province",
    "region",
    "district",
    "state",
    "national",
    "international",
    "federal",
    "european",
    "american",
    "world",
    "global",
    "cup",
    "games",
    "olympics",
    "act",
    "bill",
    "law",
    "treaty",
    "accord",
    "program",
    "programme",
    "project",
    "plan",
    "report",
    "study",
    "award",
    "prize",
    "day",
    "week",
    "year",
    "stock",
    "exchange",
    "market",
    "index",
    "senior",
    "officials",
];

/// Title words that may precede a person's name.
const TITLES: &[&str] = &[
    "president",
    "prime",
    "minister",
    "secretary",
    "senator",
    "sen.",
    "dr.",
    "mr.",
    "mrs.",
    "ms.",
    "prof.",
    "professor",
    "gov.",
    "governor",
    "mayor",
    "judge",
    "chief",
    "executive",
    "general",
    "gen.",
    "rep.",
    "representative",
    "chancellor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "director",
    "commissioner",
    "officer",
    "coach",
    "captain",
    "capt.",
    "deputy",
    "vice",
    "foreign",
    "finance",
    "health",
    "interior",
    "defense",
    "defence",
    "justice",
    "attorney",
    "speaker",
    "ambassador",
    "sheriff",
    "inspector",
    "detective",
    "sergeant",
    "lt.",
    "col.",
    "colonel",
    "admiral",
    "bishop",
    "rabbi",
    "imam",
    "father",
    "sister",
    "lord",
    "lady",
    "sir",
    "dame",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "founder",
];

/// Whether a word (any case, with its period) is a title that may precede a name ("Insp" too).
pub(crate) fn is_title_word(w: &str) -> bool {
    let l = lc(w);
    TITLES.contains(&l.as_str()) || crate::text::TITLE_ABBREVS.contains(&l.trim_end_matches('.'))
}

/// Heads of phrases that name an organization or group (resolved by "it" / "they").
const ORG_HEADS: &[&str] = &[
    "ministry",
    "government",
    "police",
    "company",
    "department",
    "agency",
    "firm",
    "group",
    "council",
    "court",
    "office",
    "army",
    "military",
    "committee",
    "union",
    "campaign",
    "party",
    "administration",
    "authority",
    "commission",
    "bank",
    "university",
    "hospital",
    "school",
    "club",
    "team",
    "board",
    "institute",
    "service",
    "embassy",
    "white house",
    "kremlin",
    "pentagon",
    "airline",
    "operator",
    "regulator",
    "organization",
    "organisation",
    "charity",
    "coalition",
    "network",
    "newspaper",
    "magazine",
    "broadcaster",
    "band",
    "cabinet",
];

fn lc(s: &str) -> String {
    s.to_lowercase()
}

/// A whitespace-delimited token with its byte range and its core (punctuation stripped).
#[derive(Debug, Clone)]
struct Tok {
    start: usize,
    end: usize,
    /// Byte end of the core (before trailing punctuation).
    core_end: usize,
    core: String,
    trail: String,
}

fn is_edge_punct(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '"'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '\''
            | '('
            | ')'
            | '['
            | ']'
            | '—'
            | '–'
            | '«'
            | '»'
            | '…'
    )
}

fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                let raw = &s[st..i];
                let lead = raw.len() - raw.trim_start_matches(is_edge_punct).len();
                let body = &raw[lead..];
                let mut core = body.trim_end_matches(is_edge_punct);
                // Keep the period of abbreviations and initials ("Dr.", "U.S.", "F.").
                let after = &body[core.len()..];
                if after.starts_with('.') && !core.is_empty() {
                    let lcore = lc(core);
                    let abbrev = core.contains('.')
                        || (core.chars().count() == 1 && core.chars().all(|c| c.is_uppercase()))
                        || TITLES.contains(&format!("{lcore}.").as_str())
                        || crate::text::TITLE_ABBREVS.contains(&lcore.as_str())
                        || ["st", "jr", "sr", "no"].contains(&lcore.as_str());
                    if abbrev {
                        core = &body[..core.len() + 1];
                    }
                }
                let core_start = st + lead;
                let core_end = core_start + core.len();
                out.push(Tok {
                    start: core_start,
                    end: i,
                    core_end,
                    core: core.to_string(),
                    trail: s[core_end..i].to_string(),
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

fn is_verb(t: &Tok, list: &[&str]) -> bool {
    // Attribution verbs are written in lower case in running text; "States" is not a verb.
    list.contains(&t.core.as_str())
}

fn capitalized(w: &str) -> bool {
    w.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(|c| c.is_uppercase())
}

/// Remove parenthetical groups ("Sen. Mara Voss (D-Ore.)").
fn strip_parens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    collapse_ws(&out)
}

/// A speaker phrase and an optional role.
#[derive(Debug, Clone, PartialEq)]
struct Speaker {
    name: String,
    role: Option<String>,
}

fn words_of(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn strip_word_edges(w: &str) -> &str {
    w.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '!' | '?' | '"' | '“' | '”' | '—' | '–'))
}

/// Validate and clean a candidate speaker phrase.
fn clean_np(raw: &str) -> Option<String> {
    let raw = raw
        .trim()
        .trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '—' | '–' | '-' | ' '));
    let mut ws: Vec<&str> = words_of(raw);
    // Drop leading fillers ("And Ruiz"), and leading time phrases without a comma.
    while let Some(first) = ws.first() {
        let l = lc(strip_word_edges(first));
        if LEAD_FILLERS.contains(&l.as_str()) {
            ws.remove(0);
        } else {
            break;
        }
    }
    if ws.is_empty() || ws.len() > 10 {
        return None;
    }
    let joined = ws.join(" ");
    if joined.contains(['“', '”', '"']) {
        return None;
    }
    let first = lc(strip_word_edges(ws[0]));
    let last = lc(strip_word_edges(ws[ws.len() - 1]).trim_end_matches('.'));
    if BAD_START.contains(&first.as_str()) || BAD_END.contains(&last.as_str()) {
        return None;
    }
    if ws
        .iter()
        .any(|w| CLAUSE_WORDS.contains(&lc(strip_word_edges(w)).as_str()))
    {
        return None;
    }
    if ws
        .iter()
        .any(|w| SPEECH_VERBS.contains(&strip_word_edges(w)))
    {
        return None;
    }
    let first_cap = capitalized(ws[0]);
    let determiner = [
        "a", "an", "the", "one", "two", "three", "four", "several", "many", "some", "another",
        "both", "most", "few", "other", "senior", "local", "former",
    ]
    .contains(&first.as_str());
    let pronoun = PRONOUNS.contains(&first.as_str()) || first == "i";
    // A lone quantifier ("Some have said") names nobody.
    if ws.len() == 1
        && [
            "some", "many", "few", "several", "most", "others", "one", "another", "both", "all",
        ]
        .contains(&first.as_str())
    {
        return None;
    }
    if pronoun && ws.len() > 1 {
        return None;
    }
    if !first_cap && !determiner && !pronoun && ws.len() > 5 {
        return None;
    }
    // A digit-only phrase ("54") is not a speaker.
    if !joined.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    Some(joined.trim_end_matches(',').to_string())
}

/// Whether a phrase is a role description rather than a name ("the minister of finance").
fn looks_like_role(s: &str) -> bool {
    let ws = words_of(s);
    match ws.first() {
        Some(f) => {
            let l = lc(f);
            !capitalized(f)
                && ![
                    "who",
                    "whose",
                    "which",
                    "where",
                    "when",
                    "adding",
                    "and",
                    "but",
                    "according",
                ]
                .contains(&l.as_str())
        }
        None => false,
    }
}

/// Whether a phrase is a proper name (every word capitalized or a particle, at most 5 words).
fn looks_like_name(s: &str) -> bool {
    let ws = words_of(s);
    !ws.is_empty()
        && ws.len() <= 5
        && capitalized(ws[0])
        && ws.iter().all(|w| {
            capitalized(w)
                || [
                    "de", "van", "von", "da", "di", "bin", "al", "le", "la", "del",
                ]
                .contains(&lc(w).as_str())
        })
}

/// Resolve "the head of the union, Mara Voss" into name + role.
fn swap_if_name_in_apposition(sp: Speaker) -> Speaker {
    if let Some(role) = &sp.role {
        if looks_like_name(role)
            && !looks_like_name(&sp.name)
            && !PRONOUNS.contains(&lc(&sp.name).as_str())
        {
            return Speaker {
                name: role.clone(),
                role: Some(sp.name.clone()),
            };
        }
    }
    split_descriptor(sp)
}

/// "the singer Nico Vale" → speaker "Nico Vale", role "the singer" (a determiner, a
/// lower-case descriptor, then a proper name; not "the chief economist of Harbor Bank").
fn split_descriptor(sp: Speaker) -> Speaker {
    let ws: Vec<&str> = sp.name.split_whitespace().collect();
    if ws.len() < 4 || !["the", "a", "an"].contains(&lc(ws[0]).as_str()) {
        return sp;
    }
    // The first capitalized word after the determiner (which may itself be "The").
    let Some(k) = ws
        .iter()
        .skip(1)
        .position(|w| capitalized(w))
        .map(|k| k + 1)
    else {
        return sp;
    };
    let tail = ws[k..].join(" ");
    let before = lc(ws[k - 1]);
    let descriptor_ok = k >= 2
        && ws[1..k].iter().all(|w| !capitalized(w))
        && !["of", "for", "at", "in", "from", "with", "to", "by", "on"].contains(&before.as_str());
    let tail_ok = ws.len() - k >= 2
        && looks_like_name(&tail)
        && !tail
            .split_whitespace()
            .any(|w| NON_PERSON.contains(&lc(w).as_str()));
    if descriptor_ok && tail_ok {
        return Speaker {
            name: tail,
            role: Some(sp.role.clone().unwrap_or_else(|| ws[..k].join(" "))),
        };
    }
    sp
}

/// The speaker phrase written before a verb: `pre` is everything before the verb.
fn np_before_verb(pre: &str) -> Option<Speaker> {
    let pre = strip_parens(pre);
    let mut s: &str = pre.trim_end();
    // Strip auxiliaries and adverbs between speaker and verb.
    loop {
        let t = s.trim_end();
        match t.rfind(' ') {
            Some(i) if AUX_STRIP.contains(&lc(&t[i + 1..]).as_str()) => s = t[..i].trim_end(),
            None if AUX_STRIP.contains(&lc(t).as_str()) => return None,
            _ => break,
        }
    }
    let s = s.trim_end();
    let (name_part, role) = if let Some(inner) = s.strip_suffix(',') {
        let inner = inner.trim_end();
        match inner.rfind(',') {
            Some(i) => (
                inner[..i].to_string(),
                Some(inner[i + 1..].trim().to_string()),
            ),
            None => (inner.to_string(), None),
        }
    } else {
        (s.to_string(), None)
    };
    // The last clause segment.
    let cut = name_part
        .rfind([',', ';', ':', '—', '–'])
        .map(|i| {
            i + name_part[i..]
                .chars()
                .next()
                .map(|c| c.len_utf8())
                .unwrap_or(1)
        })
        .unwrap_or(0);
    let mut seg = name_part[cut..].trim().to_string();
    if let Some(i) = seg.find(" - ") {
        seg = seg[i + 3..].to_string();
    }
    // Cut a relative clause.
    let ws: Vec<&str> = seg.split_whitespace().collect();
    if let Some(k) = ws
        .iter()
        .position(|w| ["who", "which", "whose", "that", "where"].contains(&lc(w).as_str()))
    {
        if k == 0 {
            return None;
        }
        seg = ws[..k].join(" ");
    }
    // A subordinate clause ends before the subject ("Shares fell after the company said").
    let ws: Vec<&str> = seg.split_whitespace().collect();
    if let Some(k) = ws.iter().rposition(|w| {
        [
            "after", "before", "when", "while", "because", "since", "until", "although", "though",
            "if", "once", "as",
        ]
        .contains(w)
    }) {
        seg = ws[k + 1..].join(" ");
    }
    // A time phrase inside ("On Monday Ruiz", "Hours later he") ends the preceding phrase.
    let ws: Vec<&str> = seg.split_whitespace().collect();
    if let Some(k) = ws.iter().rposition(|w| {
        [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "yesterday",
            "today",
            "tonight",
            "later",
            "earlier",
            "ago",
            "afterwards",
            "afterward",
            "morning",
            "evening",
            "afternoon",
            "night",
        ]
        .contains(&lc(strip_word_edges(w)).as_str())
    }) {
        seg = ws[k + 1..].join(" ");
    }
    let name = clean_np(&seg)?;
    let role = role
        .filter(|r| looks_like_role(r) || looks_like_name(r))
        .map(|r| r.trim_end_matches(',').to_string());
    Some(swap_if_name_in_apposition(Speaker { name, role }))
}

/// The speaker phrase written after a verb or after "according to".
fn np_after(rest: &str) -> Option<Speaker> {
    let rest = strip_parens(rest);
    let toks = tokens(&rest);
    let mut taken: Vec<&Tok> = Vec::new();
    let mut role: Option<String> = None;
    for (i, t) in toks.iter().enumerate() {
        let l = lc(&t.core);
        let prev = taken.last().map(|t| lc(&t.core)).unwrap_or_default();
        let allowed_inner = !taken.is_empty()
            && (l == "of"
                || l == "for"
                || (l == "with" && prev == "familiar")
                || (l == "to" && prev == "close"));
        if !taken.is_empty() && STOP_AFTER.contains(&l.as_str()) && !allowed_inner {
            break;
        }
        if l == "at" {
            // "analysts at Brightwater Bank" is one speaker; in "Michael Gordon at The Times"
            // the name is the speaker and the rest is the affiliation.
            let so_far = taken
                .first()
                .zip(taken.last())
                .map(|(f, l)| &rest[f.start..l.core_end])
                .unwrap_or("");
            match toks.get(i + 1) {
                Some(n)
                    if capitalized(&n.core) && !taken.is_empty() && !looks_like_name(so_far) => {}
                _ => break,
            }
        }
        taken.push(t);
        let trail = t.trail.as_str();
        if trail.contains(',') {
            // Apposition up to the next punctuation.
            let after = &rest[t.end..];
            let end = after
                .find([',', '.', ';', ':', '!', '?'])
                .unwrap_or(after.len());
            let cand = after[..end].trim();
            if !cand.is_empty()
                && (looks_like_role(cand) || looks_like_name(cand))
                && cand.split_whitespace().count() <= 10
            {
                role = Some(cand.to_string());
            }
            break;
        }
        if trail.contains(['.', ';', ':', '!', '?', '—', '–', '”', '"']) {
            break;
        }
    }
    let first = taken.first()?;
    let last = taken.last()?;
    let name = clean_np(&rest[first.start..last.core_end])?;
    Some(swap_if_name_in_apposition(Speaker { name, role }))
}

/// Find "according to" in a token list; returns the index of "according".
fn according_at(toks: &[Tok]) -> Option<usize> {
    toks.windows(2).position(|w| {
        lc(&w[0].core) == "according" && lc(&w[1].core) == "to" && w[0].trail.is_empty()
    })
}

/// A quotation span in a paragraph (byte offsets).
#[derive(Debug, Clone, Copy)]
struct Span {
    open: usize,
    inner_start: usize,
    inner_end: usize,
    close_end: usize,
    closed: bool,
}

fn quote_spans(par: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    // Curly and guillemet quotes.
    let mut cur: Option<(usize, usize)> = None;
    for (i, c) in par.char_indices() {
        match c {
            '“' | '„' | '«' if cur.is_none() => cur = Some((i, i + c.len_utf8())),
            '”' | '»' => {
                if let Some((o, is)) = cur.take() {
                    spans.push(Span {
                        open: o,
                        inner_start: is,
                        inner_end: i,
                        close_end: i + c.len_utf8(),
                        closed: true,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some((o, is)) = cur {
        spans.push(Span {
            open: o,
            inner_start: is,
            inner_end: par.len(),
            close_end: par.len(),
            closed: false,
        });
    }
    // Straight quotes, paired in order.
    let pos: Vec<usize> = par.match_indices('"').map(|(i, _)| i).collect();
    let mut k = 0;
    while k < pos.len() {
        let o = pos[k];
        if k + 1 < pos.len() {
            let c = pos[k + 1];
            spans.push(Span {
                open: o,
                inner_start: o + 1,
                inner_end: c,
                close_end: c + 1,
                closed: true,
            });
            k += 2;
        } else {
            let opening = o == 0 || par[..o].ends_with(|ch: char| ch.is_whitespace() || ch == '(');
            if opening {
                spans.push(Span {
                    open: o,
                    inner_start: o + 1,
                    inner_end: par.len(),
                    close_end: par.len(),
                    closed: false,
                });
            }
            k += 1;
        }
    }
    spans.sort_by_key(|s| s.open);
    // Drop spans overlapping an earlier one (mixed marks).
    let mut out: Vec<Span> = Vec::new();
    for s in spans {
        if out.last().is_none_or(|p| s.open >= p.close_end) {
            out.push(s);
        }
    }
    out
}

/// Whether a span is a real quotation (not a scare quote around one or two words).
fn is_real(par: &str, s: &Span) -> bool {
    let inner = par[s.inner_start..s.inner_end].trim();
    let n = inner.split_whitespace().count();
    n >= 3 || (n >= 1 && inner.ends_with([',', '.', '!', '?']))
}

fn clean_quote_text(s: &str) -> String {
    let t = collapse_ws(s);
    t.trim()
        .trim_end_matches([',', ';', ':', ' '])
        .trim()
        .to_string()
}

/// How the speaker of a raw quote is known.
#[derive(Debug, Clone)]
enum RawSpeaker {
    Np(Speaker),
    SameAsPrevSpan,
    SameAsNextParagraph,
}

#[derive(Debug, Clone)]
struct Raw {
    pos: usize,
    par: usize,
    span_idx: Option<usize>,
    text: String,
    kind: QuoteKind,
    speaker: RawSpeaker,
}

/// Attribution in the text after a quote (its first sentence).
fn attribution_after(after: &str, quote_ends_sentence: bool) -> Option<(Speaker, usize)> {
    let a = after
        .trim_start()
        .trim_start_matches([',', ';', '—', '–', '-'])
        .trim_start();
    if a.is_empty() {
        return None;
    }
    let a = split_sentences(a).into_iter().next().unwrap_or_default();
    let offset = after.len() - after.trim_start().len();
    let toks = tokens(&a);
    if toks.is_empty() {
        return None;
    }
    if lc(&toks[0].core) == "according" && toks.get(1).is_some_and(|t| lc(&t.core) == "to") {
        return np_after(&a[toks[1].end..]).map(|s| (s, offset));
    }
    if quote_ends_sentence && !capitalized(&toks[0].core) {
        // "“Stop.” he said" is fine; lowercase continuation is an attribution.
    }
    let v = toks
        .iter()
        .take(15)
        .position(|t| is_verb(t, SPEECH_VERBS))?;
    if v == 0 {
        let verb = toks[0].core.as_str();
        if ["told", "tells", "telling", "urged"].contains(&verb) {
            return None;
        }
        return np_after(&a[toks[0].end..]).map(|s| (s, offset));
    }
    if quote_ends_sentence {
        // After a full-stop quote, only a short attribution sentence counts
        // ("“We are ready.” Ruiz said in a statement."), not a new statement.
        let rest_words = toks.len() - v - 1;
        if rest_words > 6
            && toks[0]
                .core
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase())
        {
            return None;
        }
    }
    np_before_verb(&a[..toks[v].start]).map(|s| (s, offset))
}

/// Attribution in the text before a quote (the unfinished sentence that leads into it).
fn attribution_before(before: &str) -> Option<Speaker> {
    let b = before.trim_end();
    if b.is_empty() || b.ends_with(['.', '!', '?']) {
        return None;
    }
    let sents = split_sentences(b);
    let b = sents.last()?.as_str();
    let toks = tokens(b);
    if let Some(k) = according_at(&toks) {
        if let Some(s) = np_after(&b[toks[k + 1].end..]) {
            return Some(s);
        }
    }
    let v = toks.iter().rposition(|t| is_verb(t, SPEECH_VERBS))?;
    if toks.len() - v - 1 > 12 {
        return None;
    }
    np_before_verb(&b[..toks[v].start])
}

/// Capitalized multi-word names outside quotes, as (byte offset, name) per paragraph.
fn person_mentions(par: &str, spans: &[Span]) -> Vec<(usize, String)> {
    let toks = tokens(par);
    let inside = |t: &Tok| {
        // Spans are sorted and disjoint: look at the last one starting before the token.
        let k = spans.partition_point(|s| s.inner_start <= t.start);
        k > 0 && t.start < spans[k - 1].inner_end
    };
    let mut out = Vec::new();
    let mut run: Vec<&Tok> = Vec::new();
    let mut prev_word = String::new();
    let mut run_prev = String::new();
    let flush = |run: &mut Vec<&Tok>, out: &mut Vec<(usize, String)>, before: &str| {
        // "the Calder Chamber", "of the Kerry-Lavrov meeting": names after an article are
        // organizations, places or events, not people.
        if ["the", "a", "an"].contains(&before) {
            run.clear();
            return;
        }
        // Trim leading function / time words.
        while let Some(f) = run.first() {
            let l = lc(&f.core);
            if crate::text::is_stopword(&l)
                || NON_PERSON.contains(&l.as_str())
                    && !TITLES.contains(&l.as_str())
                    && run.len() > 1
                    && [
                        "monday",
                        "tuesday",
                        "wednesday",
                        "thursday",
                        "friday",
                        "saturday",
                        "sunday",
                    ]
                    .contains(&l.as_str())
            {
                run.remove(0);
            } else {
                break;
            }
        }
        if run.is_empty() {
            return;
        }
        let lower: Vec<String> = run
            .iter()
            .map(|t| lc(t.core.trim_end_matches("'s").trim_end_matches("’s")))
            .collect();
        let non_title = lower
            .iter()
            .filter(|w| !TITLES.contains(&w.as_str()))
            .count();
        let has_title = lower.iter().any(|w| TITLES.contains(&w.as_str()));
        let org = lower.iter().any(|w| NON_PERSON.contains(&w.as_str()));
        let acronym_only = run.iter().all(|t| {
            t.core
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(|c| c.is_uppercase())
        });
        // Personal names have no digits and no all-caps words ("AK-47 Rifles", "MV Gibe").
        let name_shaped = run.iter().all(|t| {
            let l = lc(&t.core);
            let letters: Vec<char> = t.core.chars().filter(|c| c.is_alphabetic()).collect();
            TITLES.contains(&l.as_str())
                || (!t.core.chars().any(|c| c.is_ascii_digit())
                    && (letters.len() <= 1 || letters.iter().skip(1).any(|c| c.is_lowercase())))
        });
        if !org
            && !acronym_only
            && name_shaped
            && (non_title >= 2 || (has_title && non_title >= 1))
            && run.len() <= 6
        {
            let start = run[0].start;
            let end = run[run.len() - 1].core_end;
            let name = par[start..end]
                .trim_end_matches("'s")
                .trim_end_matches("’s")
                .to_string();
            out.push((start, name));
        }
        run.clear();
    };
    for t in &toks {
        let particle = ["de", "van", "von", "da", "di", "bin", "al", "del"]
            .contains(&t.core.as_str())
            && !run.is_empty();
        if !inside(t)
            && (capitalized(&t.core) || particle)
            && t.core.chars().any(|c| c.is_alphabetic())
        {
            if run.is_empty() {
                run_prev = prev_word.clone();
            }
            run.push(t);
            let sentence_end = t.trail.contains(['.', '!', '?'])
                || (t.core.ends_with('.') && !t.core.contains('.'));
            if !t.trail.is_empty() || sentence_end || t.core.contains("'s") || t.core.contains("’s")
            {
                flush(&mut run, &mut out, &run_prev);
            }
        } else {
            flush(&mut run, &mut out, &run_prev);
        }
        prev_word = t.core.clone();
    }
    flush(&mut run, &mut out, &run_prev);
    out
}

/// Class of a resolved speaker, for pronoun resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SpeakerClass {
    Person,
    Org,
    Group,
}

fn classify_speaker(name: &str) -> SpeakerClass {
    let l = lc(name);
    let ws: Vec<&str> = l.split_whitespace().collect();
    let head = ws.last().copied().unwrap_or("");
    if ORG_HEADS.iter().any(|h| l.ends_with(h) || head == *h)
        || ws
            .iter()
            .any(|w| NON_PERSON.contains(w) && !["senior", "officials"].contains(w))
            && looks_like_name(name)
    {
        return SpeakerClass::Org;
    }
    let named = looks_like_name(name)
        || name.split_whitespace().any(|w| {
            capitalized(w) && !w.contains('.') && w.len() > 1 && !["The", "A", "An"].contains(&w)
        });
    if !named
        && head.ends_with('s')
        && !head.ends_with("ss")
        && head != "spokesperson"
        && head != "news"
    {
        return SpeakerClass::Group;
    }
    if !named && ORG_HEADS.contains(&head) {
        return SpeakerClass::Org;
    }
    SpeakerClass::Person
}

/// Most paragraphs joined into one to close a quotation broken across lines.
const MAX_QUOTE_MERGE: usize = 6;

/// Whether a paragraph leaves a quotation open (more “ than ”, or an odd number of ").
fn leaves_quote_open(p: &str) -> bool {
    let open = p.matches(['“', '„', '«']).count();
    let close = p.matches(['”', '»']).count();
    open > close || p.matches('"').count() % 2 == 1
}

/// Join lines that split one quotation (one sentence per line, as in some extractions): a
/// paragraph that leaves a quote open is joined with the next unless that one opens a new
/// quote itself (the news convention for a quote running over several paragraphs).
fn merge_broken_quotes(pars: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(pars.len());
    let mut merged = 0;
    for p in pars {
        let join = match out.last() {
            Some(prev) => {
                merged < MAX_QUOTE_MERGE
                    && leaves_quote_open(prev)
                    && !p.starts_with(['“', '„', '«', '"'])
            }
            None => false,
        };
        if join {
            let last = out.last_mut().expect("checked above");
            last.push(' ');
            last.push_str(&p);
            merged += 1;
        } else {
            out.push(p);
            merged = 0;
        }
    }
    out
}

/// Extract direct quotes and indirect attributions from one article text.
pub fn extract_quotes(text: &str) -> Vec<ExtractedQuote> {
    let text = truncate_chars(text, MAX_TEXT_CHARS);
    let pars = merge_broken_quotes(paragraphs(text));
    const PAR_STRIDE: usize = 1 << 24;
    let mut raws: Vec<Raw> = Vec::new();
    let mut mentions: Vec<(usize, String)> = Vec::new();
    for (pi, par) in pars.iter().enumerate() {
        let base = pi * PAR_STRIDE;
        let spans: Vec<Span> = quote_spans(par)
            .into_iter()
            .filter(|s| is_real(par, s))
            .collect();
        for (off, name) in person_mentions(par, &spans) {
            mentions.push((base + off, name));
        }
        // Whether the paragraph is nothing but quotations (a continued quote).
        let outside_only_punct = {
            let mut last = 0;
            let mut alnum = false;
            for sp in &spans {
                alnum |= par[last..sp.open].chars().any(|c| c.is_alphanumeric());
                last = sp.close_end;
            }
            !(alnum
                || par[last.min(par.len())..]
                    .chars()
                    .any(|c| c.is_alphanumeric()))
        };
        // Direct quotes.
        let mut prev_end = 0usize;
        for (k, s) in spans.iter().enumerate() {
            let inner = &par[s.inner_start..s.inner_end];
            let next_open = spans.get(k + 1).map(|n| n.open).unwrap_or(par.len());
            let after = if s.closed {
                &par[s.close_end..next_open]
            } else {
                ""
            };
            let before = &par[prev_end..s.open];
            let ends_sentence = inner.trim_end().ends_with(['.', '!', '?']);
            let lead_in = {
                let b = before.trim_end();
                b.ends_with(':')
                    || b.ends_with(',') && !b.is_empty()
                    || tokens(b).last().is_some_and(|t| is_verb(t, SPEECH_VERBS))
            };
            let from_before = attribution_before(before);
            let from_after = attribution_after(after, ends_sentence);
            let (speaker, pos) = match (from_before, from_after) {
                (Some(b), _) if lead_in => (Some(b), base + s.open),
                (_, Some((a, off))) => (Some(a), base + s.close_end + off),
                (Some(b), None) => (Some(b), base + s.open),
                (None, None) => (None, base + s.open),
            };
            let raw_speaker = match speaker {
                Some(sp) => RawSpeaker::Np(sp),
                None => {
                    let between_clean = before.trim().is_empty() || {
                        // Only the previous quote's attribution sits between the two quotes.
                        k > 0 && split_sentences(before.trim()).len() <= 1
                    };
                    if (k > 0 && between_clean) || (k == 0 && outside_only_punct && pi > 0) {
                        RawSpeaker::SameAsPrevSpan
                    } else if !s.closed && k + 1 == spans.len() {
                        RawSpeaker::SameAsNextParagraph
                    } else {
                        prev_end = s.close_end;
                        continue;
                    }
                }
            };
            raws.push(Raw {
                pos,
                par: pi,
                span_idx: Some(k),
                text: clean_quote_text(inner),
                kind: QuoteKind::Direct,
                speaker: raw_speaker,
            });
            prev_end = s.close_end;
        }
        // Indirect attributions: sentences without a real quotation.
        let mut cursor = 0usize;
        for sent in split_sentences(par) {
            let off = par[cursor..]
                .find(sent.as_str())
                .map(|o| o + cursor)
                .unwrap_or(cursor);
            cursor = off + sent.len();
            let overlaps = spans
                .iter()
                .any(|s| s.open < off + sent.len() && s.close_end > off);
            if overlaps {
                continue;
            }
            if let Some((sp, content, rel)) = indirect(&sent) {
                raws.push(Raw {
                    pos: base + off + rel,
                    par: pi,
                    span_idx: None,
                    text: content,
                    kind: QuoteKind::Indirect,
                    speaker: RawSpeaker::Np(sp),
                });
            }
        }
    }
    raws.sort_by_key(|r| r.pos);
    resolve(raws, mentions)
}

/// Reported speech in a sentence without quotation marks: (speaker, content, offset of the
/// attribution in the sentence).
fn indirect(sent: &str) -> Option<(Speaker, String, usize)> {
    let toks = tokens(sent);
    if toks.len() < 4 {
        return None;
    }
    let trim_content = |s: &str| -> String {
        let t = s
            .trim()
            .trim_matches(|c: char| matches!(c, ',' | ';' | ':' | ' ' | '—' | '–'));
        let mut t = t.trim_end_matches(['.', '!', '?']).trim().to_string();
        for lead in [
            "that ",
            "Monday ",
            "Tuesday ",
            "Wednesday ",
            "Thursday ",
            "Friday ",
            "Saturday ",
            "Sunday ",
            "on Monday ",
            "on Tuesday ",
            "on Wednesday ",
            "on Thursday ",
            "on Friday ",
            "on Saturday ",
            "on Sunday ",
        ] {
            if t.starts_with(lead) {
                t = t[lead.len()..].to_string();
            }
        }
        t
    };
    // "according to X"
    if let Some(k) = according_at(&toks) {
        let rest = &sent[toks[k + 1].end..];
        let sp = np_after(rest)?;
        // The attribution phrase ends at the first comma/period after it.
        let phrase_end = toks[k + 1].end
            + rest
                .find([',', '.', ';'])
                .map(|i| i + 1)
                .unwrap_or(rest.len());
        let content = format!(
            "{} {}",
            &sent[..toks[k].start],
            &sent[phrase_end.min(sent.len())..]
        );
        let content = trim_content(&collapse_ws(&content));
        if content.split_whitespace().count() < 4 {
            return None;
        }
        return Some((sp, capitalize_first(&content), toks[k].start));
    }
    // "…, X said." at the end.
    let last = toks.last()?;
    if is_verb(last, REPORT_VERBS) && last.trail.starts_with('.') {
        let before_verb = &sent[..last.start];
        if let Some(c) = before_verb.rfind(',') {
            let seg = &before_verb[c + 1..];
            if seg.split_whitespace().count() <= 8 {
                if let Some(sp) = np_before_verb(seg) {
                    let content = trim_content(&sent[..c]);
                    if content.split_whitespace().count() >= 4 {
                        return Some((sp, content, c + 1));
                    }
                }
            }
        }
    }
    // "…, said X."
    if let Some(c) = sent.rfind(", said ") {
        if let Some(sp) = np_after(&sent[c + 7..]) {
            let tail_words = sent[c + 7..].split_whitespace().count();
            let content = trim_content(&sent[..c]);
            if tail_words <= 8 && content.split_whitespace().count() >= 3 {
                return Some((sp, content, c + 2));
            }
        }
    }
    // "X said (that) …" near the start.
    let v = toks
        .iter()
        .take(12)
        .position(|t| is_verb(t, REPORT_VERBS))?;
    if v == 0 {
        return None;
    }
    let verb = toks[v].core.as_str();
    let sp = np_before_verb(&sent[..toks[v].start])?;
    // The subject must start the sentence (after an optional introductory phrase and comma).
    let pre = &sent[..toks[v].start];
    // Before the subject there may only be an introductory phrase ending in a comma
    // ("In an interview, …"); "The striker, who joined in January, said …" is fine too.
    // A descriptor split off the name ("the author Lise Marten") starts the subject.
    let first_word = sp.name.split_whitespace().next().unwrap_or("");
    let start = match (
        pre.find(first_word),
        sp.role.as_deref().and_then(|r| pre.find(r)),
    ) {
        (Some(n), Some(r)) if r < n => Some(r),
        (n, _) => n,
    };
    let subject_ok = match start {
        Some(i) => {
            let prefix = pre[..i].trim();
            let last = prefix.rsplit(' ').next().map(lc).unwrap_or_default();
            prefix.is_empty()
                || prefix.ends_with(',')
                || [
                    "after", "before", "when", "while", "because", "since", "until", "although",
                    "though", "once", "as",
                ]
                .contains(&last.as_str())
        }
        None => false,
    };
    if !subject_ok {
        return None;
    }
    let after_verb = &sent[toks[v].end..];
    let content = if let Some(t) = toks[v + 1..]
        .iter()
        .take(8)
        .position(|t| lc(&t.core) == "that" && t.trail.is_empty())
    {
        let that = &toks[v + 1 + t];
        sent[that.end..].to_string()
    } else if ["told", "tells"].contains(&verb) {
        return None;
    } else if [
        "said",
        "says",
        "say",
        "warned",
        "added",
        "insisted",
        "claimed",
        "argued",
        "noted",
        "estimated",
        "predicted",
    ]
    .contains(&verb)
    {
        let a = after_verb.trim_start();
        let first = a.split_whitespace().next().map(lc).unwrap_or_default();
        if ["to", "in", "it", "so", "nothing", "goodbye", "yes", "no"].contains(&first.as_str())
            && first != "it"
        {
            return None;
        }
        a.to_string()
    } else {
        return None;
    };
    let content = trim_content(&content);
    if content.split_whitespace().count() < 3 {
        return None;
    }
    Some((sp, content, toks[v].start))
}

fn capitalize_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A resolved speaker: (canonical name, mention as written, role).
type Resolved = (String, String, Option<String>);

/// Resolve pronouns, continuations and surnames; return the quotes in text order.
fn resolve(raws: Vec<Raw>, mentions: Vec<(usize, String)>) -> Vec<ExtractedQuote> {
    // Resolved speakers so far: (pos, name, class).
    let mut events: Vec<(usize, String, SpeakerClass)> = Vec::new();
    let mut out: Vec<(Raw, Option<Resolved>)> = Vec::new();
    let mut mentions = mentions;
    mentions.sort_by_key(|m| m.0);
    // Distinct names known in the article (mentions, then resolved speakers).
    let mut known: Vec<String> = Vec::new();
    let mut known_set: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (_, n) in &mentions {
        if known_set.insert(n.clone()) {
            known.push(n.clone());
        }
    }
    for r in raws {
        let resolved: Option<Resolved> = match &r.speaker {
            RawSpeaker::Np(sp) => {
                let l = lc(&sp.name);
                if PRONOUNS.contains(&l.as_str()) {
                    let want: &[SpeakerClass] = match l.as_str() {
                        "he" | "she" => &[SpeakerClass::Person],
                        "it" => &[SpeakerClass::Org],
                        _ => &[SpeakerClass::Group, SpeakerClass::Org],
                    };
                    // Events are in text order: the nearest preceding match is the last one.
                    let mut best: Option<(usize, String)> = events
                        .iter()
                        .rev()
                        .find(|(p, _, c)| *p < r.pos && want.contains(c))
                        .map(|(p, n, _)| (*p, n.clone()));
                    if want.contains(&SpeakerClass::Person) {
                        let k = mentions.partition_point(|m| m.0 < r.pos);
                        if let Some((p, n)) = k.checked_sub(1).map(|i| &mentions[i]) {
                            if best.as_ref().is_none_or(|b| *p > b.0) {
                                best = Some((*p, n.clone()));
                            }
                        }
                    }
                    if best.is_none() && l == "they" {
                        best = events
                            .iter()
                            .rev()
                            .find(|e| e.0 < r.pos)
                            .map(|e| (e.0, e.1.clone()));
                    }
                    best.map(|(_, n)| (canonical(&n, &known), sp.name.clone(), sp.role.clone()))
                } else {
                    Some((
                        canonical(&sp.name, &known),
                        sp.name.clone(),
                        sp.role.clone(),
                    ))
                }
            }
            RawSpeaker::SameAsPrevSpan => {
                let prev = out.iter().rev().find(|(o, res)| {
                    res.is_some()
                        && o.kind == QuoteKind::Direct
                        && ((o.par == r.par
                            && o.span_idx.zip(r.span_idx).is_some_and(|(a, b)| a + 1 == b))
                            || (r.span_idx == Some(0) && o.par + 1 == r.par))
                });
                prev.and_then(|(_, res)| res.clone())
            }
            RawSpeaker::SameAsNextParagraph => None,
        };
        if let Some((name, _, _)) = &resolved {
            if known_set.insert(name.clone()) {
                known.push(name.clone());
            }
            events.push((r.pos, name.clone(), classify_speaker(name)));
        }
        out.push((r, resolved));
    }
    // Quotes continued into the next paragraph take that paragraph's first speaker.
    for i in 0..out.len() {
        if matches!(out[i].0.speaker, RawSpeaker::SameAsNextParagraph) && out[i].1.is_none() {
            let par = out[i].0.par;
            let next = out
                .iter()
                .find(|(o, res)| o.par == par + 1 && o.span_idx == Some(0) && res.is_some())
                .and_then(|(_, res)| res.clone());
            out[i].1 = next;
        }
    }
    let mut result: Vec<ExtractedQuote> = Vec::new();
    for (r, res) in out {
        let Some((speaker, mention, role)) = res else {
            continue;
        };
        if r.text.is_empty() {
            continue;
        }
        let q = ExtractedQuote {
            text: r.text,
            speaker,
            speaker_mention: mention,
            speaker_role: role,
            kind: r.kind,
            paragraph: r.par,
        };
        if !result
            .iter()
            .any(|e| e.text == q.text && e.speaker == q.speaker)
        {
            result.push(q);
        }
    }
    result
}

/// Expand a surname or partial name to the fullest form in the article ("Ruiz" → "Prime
/// Minister Ana Ruiz").
fn canonical(name: &str, known: &[String]) -> String {
    if !looks_like_name(name) && !name.split_whitespace().last().is_some_and(capitalized) {
        return name.to_string();
    }
    let ws: Vec<&str> = name.split_whitespace().collect();
    if ws.is_empty() {
        return name.to_string();
    }
    let mut best: Option<&str> = None;
    let candidates = known.iter().map(|s| s.as_str());
    let mut distinct: Vec<&str> = Vec::new();
    for c in candidates {
        let cw: Vec<&str> = c.split_whitespace().collect();
        if cw.len() > ws.len() && cw[cw.len() - ws.len()..] == ws[..] {
            // Family: all candidates must share the same non-title first-name part.
            if !distinct.contains(&c) {
                distinct.push(c);
            }
            if best.is_none_or(|b| c.split_whitespace().count() > b.split_whitespace().count()) {
                best = Some(c);
            }
        }
    }
    // Two different people with the same surname: keep the surname.
    let given: Vec<String> = distinct
        .iter()
        .filter_map(|c| {
            let cw: Vec<&str> = c.split_whitespace().collect();
            cw.iter()
                .rev()
                .nth(ws.len())
                .map(|g| lc(g))
                .filter(|g| !TITLES.contains(&g.as_str()))
        })
        .collect();
    let mut g2 = given.clone();
    g2.sort();
    g2.dedup();
    if g2.len() > 1 {
        return name.to_string();
    }
    best.map(|b| b.to_string())
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, QuoteKind)> {
        extract_quotes(text)
            .into_iter()
            .map(|q| (q.text, q.speaker, q.kind))
            .collect()
    }

    #[test]
    fn seed_case_attributes_to_official_not_newspaper() {
        let t = "\"We're just at the beginning of trying to understand what the Russians' intentions are in Syria, in Iraq, and to try to see if there are mutually beneficial ways forward here,\" a senior U.S. official who attended the Kerry-Lavrov meeting tells The Wall Street Journal. \"We've got a long way to go in that conversation.\"";
        let p = pairs(t);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].1, "a senior U.S. official");
        assert_eq!(p[1].1, "a senior U.S. official");
        assert_eq!(p[1].0, "We've got a long way to go in that conversation.");
    }

    #[test]
    fn basic_forms() {
        let p = pairs("“The bridge will open on time,” Ana Ruiz said.");
        assert_eq!(p[0].1, "Ana Ruiz");
        assert_eq!(p[0].0, "The bridge will open on time");
        let p = pairs("“The bridge will open on time,” said Ana Ruiz, the minister of transport.");
        assert_eq!(p[0].1, "Ana Ruiz");
        let q = extract_quotes(
            "“The bridge will open on time,” said Ana Ruiz, the minister of transport.",
        );
        assert_eq!(
            q[0].speaker_role.as_deref(),
            Some("the minister of transport")
        );
        let p = pairs("Ana Ruiz said: “The bridge will open on time.”");
        assert_eq!(p[0].1, "Ana Ruiz");
        let p = pairs("Tomas Berg, the head of the dock workers' union, said, “We were never consulted about any of it.”");
        assert_eq!(p[0].1, "Tomas Berg");
    }

    #[test]
    fn pronoun_resolves_to_last_person() {
        let t = "Prime Minister Ana Ruiz visited the site on Monday.\n\n“We will rebuild every home,” she said.";
        let p = pairs(t);
        assert_eq!(p[0].1, "Prime Minister Ana Ruiz", "{p:?}");
        let t = "“We will rebuild,” Prime Minister Ana Ruiz said. Later, Ruiz added: “Nobody will be left behind.”";
        let p = pairs(t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].1, "Prime Minister Ana Ruiz");
    }

    #[test]
    fn quote_broken_across_lines() {
        let t = "Cheeks will coach the team.\n\"Mo is family.\nMo bleeds 76ers. He bleeds Philadelphia, \" team president Billy King said.\nThe deal runs three years.";
        let p = pairs(t);
        assert_eq!(p[0].1, "team president Billy King", "{p:?}");
        assert_eq!(
            p[0].0,
            "Mo is family. Mo bleeds 76ers. He bleeds Philadelphia"
        );
    }

    #[test]
    fn scare_quotes_ignored() {
        let p = pairs("Critics called the plan a \"boondoggle\" and walked out.");
        assert!(p.iter().all(|x| x.2 != QuoteKind::Direct), "{p:?}");
    }

    #[test]
    fn indirect_forms() {
        let p = pairs("The bridge will reopen in May, the ministry said.");
        assert_eq!(
            p,
            vec![(
                "The bridge will reopen in May".into(),
                "the ministry".into(),
                QuoteKind::Indirect
            )]
        );
        let p = pairs("According to the port authority, at least 40 ships were delayed.");
        assert_eq!(p[0].1, "the port authority");
        assert_eq!(p[0].0, "At least 40 ships were delayed");
        let p = pairs("Ruiz said that the repairs would cost 2 million euros.");
        assert_eq!(p[0].0, "the repairs would cost 2 million euros");
    }

    #[test]
    fn no_panic_on_odd_input() {
        for t in [
            "",
            "“",
            "\"",
            "”“",
            "said said said.",
            "“a b c” said",
            "According to",
            ", said .",
            "“x,” he said.",
        ] {
            let _ = extract_quotes(t);
        }
        let big = "“We will go on and on,” she said. ".repeat(20_000);
        let _ = extract_quotes(&big);
    }
}
