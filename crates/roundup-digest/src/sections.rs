//! Sections: classify a story from feed categories, outlet section hints and a keyword
//! lexicon over titles and text (lightly stemmed).

use crate::text::{stem, truncate_chars, words};
use crate::types::{SectionScore, StoryArticle};
use roundup_model::Section;
use std::sync::OnceLock;

/// The lexicon with stemmed keywords, built once.
type StemmedLexicon = Vec<(Section, Vec<(Vec<String>, f64)>)>;

fn stemmed_lexicon() -> &'static StemmedLexicon {
    static CELL: OnceLock<StemmedLexicon> = OnceLock::new();
    CELL.get_or_init(|| {
        LEXICON
            .iter()
            .map(|(s, entries)| {
                (
                    *s,
                    entries
                        .iter()
                        .map(|(kw, w)| (kw.split_whitespace().map(stem).collect(), *w))
                        .collect(),
                )
            })
            .collect()
    })
}

/// Evidence weight of one matching feed category (per article).
const W_CATEGORY: f64 = 6.0;
/// Evidence weight of an outlet section hint (per article).
const W_HINT: f64 = 3.0;
/// Scale of lexicon evidence per article.
const W_LEXICON: f64 = 4.0;

/// Category labels (lower case) that name a section.
const CATEGORY_SYNONYMS: &[(&str, Section)] = &[
    ("world", Section::World),
    ("international", Section::World),
    ("global", Section::World),
    ("foreign", Section::World),
    ("politics", Section::Politics),
    ("election", Section::Politics),
    ("elections", Section::Politics),
    ("government", Section::Politics),
    ("policy", Section::Politics),
    ("business", Section::Business),
    ("economy", Section::Business),
    ("markets", Section::Business),
    ("finance", Section::Business),
    ("money", Section::Business),
    ("companies", Section::Business),
    ("technology", Section::Technology),
    ("tech", Section::Technology),
    ("science & tech", Section::Technology),
    ("gadgets", Section::Technology),
    ("ai", Section::Technology),
    ("science", Section::Science),
    ("environment", Section::Science),
    ("climate", Section::Science),
    ("space", Section::Science),
    ("health", Section::Health),
    ("medicine", Section::Health),
    ("wellness", Section::Health),
    ("coronavirus", Section::Health),
    ("sport", Section::Sports),
    ("sports", Section::Sports),
    ("football", Section::Sports),
    ("soccer", Section::Sports),
    ("tennis", Section::Sports),
    ("cricket", Section::Sports),
    ("basketball", Section::Sports),
    ("culture", Section::Culture),
    ("arts", Section::Culture),
    ("entertainment", Section::Culture),
    ("music", Section::Culture),
    ("film", Section::Culture),
    ("movies", Section::Culture),
    ("books", Section::Culture),
    ("tv", Section::Culture),
    ("celebrity", Section::Culture),
    ("opinion", Section::Opinion),
    ("commentary", Section::Opinion),
    ("editorial", Section::Opinion),
    ("columns", Section::Opinion),
    ("op-ed", Section::Opinion),
    ("analysis", Section::Opinion),
    ("local", Section::Local),
    ("regional", Section::Local),
    ("metro", Section::Local),
    ("city", Section::Local),
    ("community", Section::Local),
];

/// Keyword lexicon: (word, weight) per section; words are stemmed at use.
const LEXICON: &[(Section, &[(&str, f64)])] = &[
    (
        Section::World,
        &[
            ("foreign", 1.0),
            ("embassy", 1.5),
            ("diplomat", 1.5),
            ("diplomatic", 1.5),
            ("united nations", 1.5),
            ("border", 1.0),
            ("refugees", 1.5),
            ("troops", 1.5),
            ("war", 1.0),
            ("ceasefire", 2.0),
            ("sanctions", 1.5),
            ("invasion", 1.5),
            ("summit", 1.0),
            ("nato", 2.0),
            ("militants", 1.5),
            ("coup", 2.0),
            ("international", 1.0),
            ("missile", 1.5),
            ("ambassador", 1.5),
        ],
    ),
    (
        Section::Politics,
        &[
            ("election", 2.0),
            ("vote", 1.5),
            ("voters", 1.5),
            ("senate", 2.0),
            ("senator", 2.0),
            ("parliament", 2.0),
            ("congress", 2.0),
            ("minister", 1.0),
            ("president", 1.0),
            ("campaign", 1.0),
            ("bill", 1.0),
            ("legislation", 1.5),
            ("lawmakers", 2.0),
            ("party", 1.0),
            ("opposition", 1.5),
            ("governor", 1.0),
            ("policy", 1.0),
            ("candidate", 1.5),
            ("ballot", 2.0),
            ("coalition", 1.0),
            ("referendum", 2.0),
            ("cabinet", 1.5),
        ],
    ),
    (
        Section::Business,
        &[
            ("market", 1.5),
            ("markets", 1.5),
            ("shares", 2.0),
            ("stock", 1.5),
            ("stocks", 1.5),
            ("investors", 2.0),
            ("profit", 2.0),
            ("revenue", 2.0),
            ("earnings", 2.0),
            ("company", 1.0),
            ("economy", 2.0),
            ("inflation", 2.0),
            ("interest rates", 2.0),
            ("central bank", 2.0),
            ("merger", 2.0),
            ("acquisition", 2.0),
            ("bank", 1.0),
            ("prices", 1.0),
            ("jobs", 1.0),
            ("trade", 1.0),
            ("exports", 1.5),
            ("ceo", 1.5),
            ("quarter", 1.0),
            ("billion", 1.0),
            ("retail", 1.5),
            ("layoffs", 1.5),
            ("tariffs", 1.5),
        ],
    ),
    (
        Section::Technology,
        &[
            ("software", 2.0),
            ("app", 1.5),
            ("apps", 1.5),
            ("smartphone", 2.0),
            ("artificial intelligence", 2.0),
            ("ai", 2.0),
            ("chip", 2.0),
            ("chips", 2.0),
            ("semiconductor", 2.0),
            ("startup", 1.5),
            ("internet", 1.5),
            ("online", 1.0),
            ("cyber", 2.0),
            ("cyberattack", 2.0),
            ("hackers", 2.0),
            ("data", 1.0),
            ("algorithm", 2.0),
            ("robot", 1.5),
            ("computer", 1.5),
            ("tech", 2.0),
            ("platform", 1.0),
            ("users", 1.0),
            ("update", 1.0),
            ("outage", 1.0),
            ("cloud", 1.0),
        ],
    ),
    (
        Section::Science,
        &[
            ("scientists", 2.0),
            ("researchers", 1.5),
            ("study", 1.0),
            ("species", 2.0),
            ("climate", 2.0),
            ("emissions", 2.0),
            ("space", 1.5),
            ("nasa", 2.0),
            ("telescope", 2.0),
            ("planet", 2.0),
            ("fossil", 2.0),
            ("physics", 2.0),
            ("experiment", 1.5),
            ("ocean", 1.0),
            ("wildlife", 1.5),
            ("genome", 2.0),
            ("discovery", 1.0),
            ("environment", 1.5),
            ("carbon", 1.5),
            ("glacier", 2.0),
            ("biodiversity", 2.0),
            ("orbit", 2.0),
            ("rocket", 1.5),
        ],
    ),
    (
        Section::Health,
        &[
            ("health", 1.5),
            ("hospital", 1.5),
            ("patients", 2.0),
            ("doctors", 1.5),
            ("vaccine", 2.0),
            ("virus", 1.5),
            ("disease", 2.0),
            ("cancer", 2.0),
            ("treatment", 1.5),
            ("drug", 1.0),
            ("clinical", 2.0),
            ("trial", 1.0),
            ("medical", 1.5),
            ("outbreak", 1.5),
            ("infection", 2.0),
            ("nurses", 1.5),
            ("mental health", 2.0),
            ("symptoms", 2.0),
            ("therapy", 1.5),
            ("diabetes", 2.0),
            ("obesity", 2.0),
        ],
    ),
    (
        Section::Sports,
        &[
            ("match", 1.5),
            ("goal", 1.5),
            ("goals", 1.5),
            ("league", 2.0),
            ("coach", 2.0),
            ("season", 1.5),
            ("championship", 2.0),
            ("tournament", 2.0),
            ("striker", 2.0),
            ("midfielder", 2.0),
            ("team", 1.0),
            ("final", 1.0),
            ("cup", 1.5),
            ("olympic", 2.0),
            ("olympics", 2.0),
            ("players", 1.5),
            ("score", 1.0),
            ("win", 1.0),
            ("victory", 1.0),
            ("defeat", 1.0),
            ("stadium", 1.5),
            ("football", 2.0),
            ("tennis", 2.0),
            ("cricket", 2.0),
            ("basketball", 2.0),
            ("medal", 2.0),
            ("athletes", 2.0),
        ],
    ),
    (
        Section::Culture,
        &[
            ("film", 2.0),
            ("movie", 2.0),
            ("album", 2.0),
            ("music", 1.5),
            ("singer", 2.0),
            ("band", 1.5),
            ("concert", 2.0),
            ("festival", 1.5),
            ("museum", 2.0),
            ("exhibition", 2.0),
            ("artist", 1.5),
            ("novel", 2.0),
            ("book", 1.0),
            ("author", 1.0),
            ("theatre", 2.0),
            ("theater", 2.0),
            ("actor", 2.0),
            ("actress", 2.0),
            ("director", 0.5),
            ("award", 1.0),
            ("oscar", 2.0),
            ("series", 1.0),
            ("streaming", 1.0),
            ("painting", 2.0),
            ("gallery", 2.0),
        ],
    ),
    (
        Section::Opinion,
        &[
            ("opinion", 2.0),
            ("column", 1.5),
            ("editorial", 2.0),
            ("i think", 1.0),
            ("we should", 1.0),
            ("commentary", 2.0),
        ],
    ),
    (
        Section::Local,
        &[
            ("council", 1.5),
            ("mayor", 1.5),
            ("residents", 1.5),
            ("neighborhood", 2.0),
            ("neighbourhood", 2.0),
            ("town", 1.0),
            ("county", 1.5),
            ("school board", 2.0),
            ("local", 1.0),
            ("street", 1.0),
            ("downtown", 1.5),
            ("village", 1.0),
            ("library", 1.0),
            ("park", 0.5),
            ("zoning", 2.0),
        ],
    ),
];

fn section_index(s: Section) -> usize {
    Section::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Sections named by a feed category label ("World News", "sport/football", "Tech > AI").
pub fn sections_of_category(label: &str) -> Vec<Section> {
    let l = label.to_lowercase();
    let mut out = Vec::new();
    for part in l.split(['/', '>', ',', '|', ':']) {
        let p = part.trim();
        for (name, s) in CATEGORY_SYNONYMS {
            let hit = p == *name
                || p.split([' ', '-', '_']).any(|w| w == *name)
                || (name.contains(' ') && p.contains(name));
            if hit && !out.contains(s) {
                out.push(*s);
            }
        }
    }
    out
}

/// Lexicon evidence per section for a text (already weighted; titles should be passed twice).
pub fn lexicon_scores(text: &str) -> [f64; 10] {
    let ws: Vec<String> = words(text).iter().map(|w| stem(w)).collect();
    let mut out = [0.0; 10];
    if ws.is_empty() {
        return out;
    }
    for (section, entries) in stemmed_lexicon() {
        let mut hits = 0.0;
        for (kws, w) in entries {
            if kws.is_empty() {
                continue;
            }
            let n = ws
                .windows(kws.len())
                .filter(|win| win.iter().zip(kws).all(|(a, b)| a == b))
                .count();
            hits += n as f64 * w;
        }
        out[section_index(*section)] = hits / (1.0 + (ws.len() as f64).sqrt());
    }
    out
}

/// Classify a story.
pub fn classify_section(articles: &[StoryArticle]) -> SectionScore {
    let mut ev = [0.0f64; 10];
    for a in articles {
        let mut cat_hit = [false; 10];
        for c in &a.categories {
            for s in sections_of_category(c) {
                cat_hit[section_index(s)] = true;
            }
        }
        let t = a.title.trim_start().to_lowercase();
        if ["opinion", "op-ed", "editorial", "column:", "analysis:"]
            .iter()
            .any(|p| t.starts_with(p))
        {
            cat_hit[section_index(Section::Opinion)] = true;
        }
        for (i, h) in cat_hit.iter().enumerate() {
            if *h {
                ev[i] += W_CATEGORY;
            }
        }
        if let Some(h) = a.section_hint {
            ev[section_index(h)] += W_HINT;
        }
        let body = format!("{t}\n{t}\n{}", truncate_chars(&a.text, 6000));
        let lex = lexicon_scores(&body);
        for i in 0..10 {
            ev[i] += W_LEXICON * lex[i];
        }
    }
    let total: f64 = ev.iter().sum();
    let mut scores: Vec<(Section, f64)> = Section::ALL
        .iter()
        .zip(ev.iter())
        .filter(|(_, v)| **v > 0.0)
        .map(|(s, v)| (*s, (*v * 1e6).round() / 1e6))
        .collect();
    scores.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(section_index(a.0).cmp(&section_index(b.0)))
    });
    match scores.first() {
        Some(&(s, v)) => SectionScore {
            section: s,
            confidence: if total > 0.0 {
                ((v / total) * 1e6).round() / 1e6
            } else {
                0.0
            },
            scores,
        },
        None => SectionScore {
            section: Section::World,
            confidence: 0.0,
            scores,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(title: &str, text: &str) -> StoryArticle {
        StoryArticle {
            outlet: "X".into(),
            title: title.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn lexicon_classifies_written_sentences() {
        let cases = [
            ("Striker scores twice as Harbor FC win the cup final", "The striker scored two goals in the final and the coach praised the players after the match.", Section::Sports),
            ("Shares slide as inflation fears grip markets", "Investors sold shares after the central bank signalled higher interest rates; the company's quarterly profit fell.", Section::Business),
            ("Trial vaccine cuts infections in patients", "Doctors said the clinical trial showed fewer infections and milder symptoms among hospital patients.", Section::Health),
            ("New chip maker unveils AI software for smartphones", "The startup said its semiconductor and software platform would let apps run artificial intelligence on smartphones.", Section::Technology),
            ("Scientists find new species near melting glacier", "Researchers said the discovery shows how climate change and carbon emissions reshape wildlife and biodiversity.", Section::Science),
            ("Senate passes budget bill ahead of election", "Lawmakers voted 61-39; the opposition party said voters would punish the legislation at the ballot box.", Section::Politics),
            ("Director's new film opens the festival", "The actor and actress starred in the movie, which the festival jury called the best film of the year.", Section::Culture),
            ("Troops withdraw as ceasefire holds at border", "Diplomats at the embassy said sanctions would stay until the troops left; NATO welcomed the ceasefire.", Section::World),
            ("Council approves new park downtown", "The mayor said residents of the neighborhood had asked the county council for zoning changes.", Section::Local),
        ];
        let mut right = 0;
        for (title, text, want) in cases {
            let got = classify_section(&[art(title, text)]);
            if got.section == want {
                right += 1;
            } else {
                println!(
                    "{title}: got {:?} want {want:?} ({:?})",
                    got.section, got.scores
                );
            }
        }
        assert_eq!(right, cases.len());
    }

    #[test]
    fn categories_and_hints_outweigh_weak_text() {
        let mut a = art("Match report", "The team won.");
        a.categories = vec!["Opinion / Columns".into()];
        assert_eq!(classify_section(&[a]).section, Section::Opinion);
        let mut b = art("A quiet day", "Nothing much happened.");
        b.section_hint = Some(Section::Technology);
        assert_eq!(classify_section(&[b]).section, Section::Technology);
        assert_eq!(
            sections_of_category("sport/football"),
            vec![Section::Sports]
        );
        assert_eq!(sections_of_category("World News"), vec![Section::World]);
    }

    #[test]
    fn empty_is_world_with_zero_confidence() {
        let s = classify_section(&[]);
        assert_eq!(s.section, Section::World);
        assert_eq!(s.confidence, 0.0);
    }
}
