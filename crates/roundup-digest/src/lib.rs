#![warn(missing_docs)]
//! Ranking, sections, good-news filter and the extractive, attributed story digest.
//!
//! Pure functions, no I/O. The main entry points:
//!
//! * [`digest`] — a [`Story`] (the articles of several outlets about one event) → a [`Digest`]:
//!   headline ([`headline`]), key facts ([`facts`]), quotes with speakers ([`quotes`]),
//!   per-side perspectives and the coverage bar ([`perspectives`]), the timeline
//!   ([`timeline`]), the section ([`sections`]) and the good-news score ([`goodnews`]).
//! * [`rank::rank`] — stories → [`rank::RankedStory`] list with explainable [`rank::ScoreTerms`].
//! * [`editions`] — ranked stories → edition snapshots (morning briefing, 10 things, weekly
//!   good news).
//! * [`rewriter::DigestRewriter`] — optional rewriting backend; [`rewriter::Extractive`] is the
//!   default no-op.
//!
//! Every result is deterministic: articles are put in a stable order first and no hash-map
//! order reaches an output.

pub mod editions;
pub mod facts;
pub mod goodnews;
pub mod headline;
pub mod perspectives;
pub mod quotes;
pub mod rank;
pub mod rewriter;
pub mod sections;
pub mod text;
pub mod timeline;
pub mod types;

pub use editions::{Edition, EditionConfig, EditionItem, EditionKind};
pub use rank::{rank, RankConfig, RankedStory, ScoreTerm, ScoreTerms};
pub use rewriter::{DigestRewriter, Extractive};
pub use types::*;

use serde::{Deserialize, Serialize};

/// Most articles of one story that the digest reads (the earliest ones, in stable order).
pub const MAX_ARTICLES: usize = 500;

/// Errors of the digest crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DigestError {
    /// The story has no article.
    #[error("story {0:?} has no articles")]
    EmptyStory(String),
    /// A configuration value is out of range.
    #[error("invalid digest config: {0}")]
    InvalidConfig(String),
    /// A rewriting backend failed.
    #[error("digest rewriter failed: {0}")]
    Rewriter(String),
}

/// Tunables of the digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DigestConfig {
    /// Fewest key facts wanted (fewer when the text does not have them).
    pub min_facts: usize,
    /// Most key facts.
    pub max_facts: usize,
    /// MMR trade-off between relevance (1.0) and novelty (0.0).
    pub mmr_lambda: f64,
    /// Cosine similarity above which a candidate repeats a chosen fact.
    pub fact_redundancy: f64,
    /// Cosine similarity at which another outlet's sentence corroborates a fact.
    pub fact_corroboration: f64,
    /// Share of a new fact's content terms that must be absent from the facts chosen before.
    pub fact_min_novelty: f64,
    /// Beyond `min_facts`, a fact needs at least this share of the best fact's relevance.
    pub fact_min_relevance: f64,
    /// Most direct quotes in the digest.
    pub max_quotes: usize,
    /// Most direct quotes of one speaker while other speakers still have quotes to show.
    pub max_quotes_per_speaker: usize,
    /// Most indirect attributions in the digest.
    pub max_attributions: usize,
    /// Distinctive sentences per side.
    pub perspective_sentences: usize,
    /// Distinctive terms per side.
    pub perspective_terms: usize,
    /// A side with at most this share of the rated outlets is a blindspot…
    pub blindspot_share: f64,
    /// …when at least this many rated outlets cover the story.
    pub blindspot_min_outlets: usize,
    /// Fewest articles in an hour for a burst.
    pub burst_min_articles: usize,
    /// Good-news score threshold.
    pub good_news_threshold: f64,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            min_facts: 3,
            max_facts: 6,
            mmr_lambda: 0.7,
            fact_redundancy: 0.35,
            fact_corroboration: 0.5,
            fact_min_relevance: 0.4,
            fact_min_novelty: 0.5,
            max_quotes: 8,
            max_quotes_per_speaker: 2,
            max_attributions: 6,
            perspective_sentences: 2,
            perspective_terms: 5,
            blindspot_share: 0.10,
            blindspot_min_outlets: 5,
            burst_min_articles: 3,
            good_news_threshold: 0.3,
        }
    }
}

impl DigestConfig {
    /// Check ranges.
    pub fn validate(&self) -> Result<(), DigestError> {
        let bad = |m: &str| Err(DigestError::InvalidConfig(m.to_string()));
        if self.max_facts < self.min_facts {
            return bad("max_facts < min_facts");
        }
        if !(0.0..=1.0).contains(&self.mmr_lambda) {
            return bad("mmr_lambda must be within 0..=1");
        }
        if !(0.0..=1.0).contains(&self.blindspot_share) {
            return bad("blindspot_share must be within 0..=1");
        }
        if !self.fact_redundancy.is_finite()
            || !self.fact_corroboration.is_finite()
            || !self.good_news_threshold.is_finite()
        {
            return bad("thresholds must be finite");
        }
        Ok(())
    }
}

/// Articles in a stable order (published, undated last; then outlet, url, title), capped.
pub fn ordered_articles(story: &Story) -> Vec<StoryArticle> {
    let mut a = story.articles.clone();
    a.sort_by(|x, y| {
        (
            x.published.is_none(),
            x.published,
            &x.outlet,
            &x.url,
            &x.title,
        )
            .cmp(&(
                y.published.is_none(),
                y.published,
                &y.outlet,
                &y.url,
                &y.title,
            ))
    });
    a.truncate(MAX_ARTICLES);
    a
}

fn norm_key(s: &str) -> String {
    s.replace('’', "'")
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Quotes of every article, merged across outlets (same words, same speaker surname).
pub fn story_quotes(articles: &[StoryArticle]) -> Vec<Quote> {
    // (key, first-seen order, quote)
    let mut merged: Vec<(String, Quote)> = Vec::new();
    // key -> index in `merged` (lookup only; the output order is `merged`'s).
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for a in articles {
        for q in quotes::extract_quotes(&a.text) {
            let surname = q
                .speaker
                .split_whitespace()
                .last()
                .map(norm_key)
                .unwrap_or_default();
            let key = format!("{:?}|{}|{}", q.kind, norm_key(&q.text), surname);
            let src = SourceRef {
                outlet: a.outlet.clone(),
                url: a.url.clone(),
            };
            match index.get(&key).map(|&i| &mut merged[i]) {
                Some((_, m)) => {
                    if !m.reported_by.contains(&src) {
                        m.reported_by.push(src);
                    }
                    if q.speaker.len() > m.speaker.len() {
                        m.speaker = q.speaker.clone();
                    }
                    if m.speaker_role.is_none() {
                        m.speaker_role = q.speaker_role.clone();
                    }
                }
                None => {
                    index.insert(key.clone(), merged.len());
                    merged.push((
                        key,
                        Quote {
                            text: q.text,
                            speaker: q.speaker,
                            speaker_role: q.speaker_role,
                            kind: q.kind,
                            reported_by: vec![src],
                        },
                    ))
                }
            }
        }
    }
    // Most widely reported first; stable on ties (first seen).
    let mut out: Vec<Quote> = merged.into_iter().map(|(_, q)| q).collect();
    unify_speakers(&mut out);
    out.sort_by_key(|q| std::cmp::Reverse(q.reported_by.len()));
    out
}

/// Keep at most `max` quotes, in order, first allowing `per_speaker` per speaker so more voices
/// are heard, then filling any room left in the original order.
fn pick_quotes(quotes: Vec<Quote>, max: usize, per_speaker: usize) -> Vec<Quote> {
    let mut keep = vec![false; quotes.len()];
    let mut count: Vec<(String, usize)> = Vec::new();
    let mut n = 0;
    for (i, q) in quotes.iter().enumerate() {
        if n >= max {
            break;
        }
        let key = q.speaker.to_lowercase();
        let c = match count.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e,
            None => {
                count.push((key, 0));
                count.last_mut().expect("just pushed")
            }
        };
        if c.1 < per_speaker.max(1) {
            c.1 += 1;
            keep[i] = true;
            n += 1;
        }
    }
    for k in keep.iter_mut() {
        if n >= max {
            break;
        }
        if !*k {
            *k = true;
            n += 1;
        }
    }
    quotes
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(q, _)| q)
        .collect()
}

/// Name shape of a speaker: (lower-case surname, lower-case given name if any), for speakers
/// that end in a capitalized word ("Inspector Dave Gaskin" → ("gaskin", Some("dave"))).
fn name_parts(speaker: &str) -> Option<(String, Option<String>)> {
    let ws: Vec<&str> = speaker.split_whitespace().collect();
    let last = ws.last()?;
    if !last.chars().next().is_some_and(|c| c.is_uppercase()) {
        return None;
    }
    let given = ws
        .iter()
        .rev()
        .nth(1)
        .filter(|g| g.chars().next().is_some_and(|c| c.is_uppercase()) && !quotes::is_title_word(g))
        .map(|g| g.to_lowercase());
    Some((last.to_lowercase(), given))
}

/// One person, one name across the story: "Insp Gaskin", "Mr Gaskin" and "Police Inspector
/// Dave Gaskin" become the most used full form (with a given name) when only one person of
/// that surname speaks.
fn unify_speakers(quotes: &mut [Quote]) {
    use std::collections::BTreeMap;
    // surname -> (given names seen, full forms with a given name and their counts)
    let mut families: BTreeMap<String, (Vec<String>, BTreeMap<String, usize>)> = BTreeMap::new();
    for q in quotes.iter() {
        if let Some((surname, Some(given))) = name_parts(&q.speaker) {
            let e = families.entry(surname).or_default();
            if !e.0.contains(&given) {
                e.0.push(given);
            }
            *e.1.entry(q.speaker.clone()).or_insert(0) += q.reported_by.len();
        }
    }
    for q in quotes.iter_mut() {
        let Some((surname, given)) = name_parts(&q.speaker) else {
            continue;
        };
        let Some((givens, forms)) = families.get(&surname) else {
            continue;
        };
        if givens.len() != 1 || given.as_ref().is_some_and(|g| g != &givens[0]) {
            continue;
        }
        // Most reported form; ties: the shorter, then alphabetical (stable and readable).
        if let Some(best) = forms
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then(b.0.len().cmp(&a.0.len()))
                    .then(b.0.cmp(a.0))
            })
            .map(|(f, _)| f)
        {
            q.speaker = best.clone();
        }
    }
}

/// Build the digest of a story with the extractive (default) pipeline.
pub fn digest(story: &Story, cfg: &DigestConfig) -> Result<Digest, DigestError> {
    cfg.validate()?;
    if story.articles.is_empty() {
        return Err(DigestError::EmptyStory(story.id.clone()));
    }
    let articles = ordered_articles(story);
    let headline = headline::choose_headline(&articles);
    let facts = facts::key_facts(&articles, cfg);
    let summary = facts
        .first()
        .map(|f| f.text.clone())
        .unwrap_or_else(|| headline.text.clone());
    let all_quotes = story_quotes(&articles);
    let (mut direct, mut indirect): (Vec<Quote>, Vec<Quote>) = all_quotes
        .into_iter()
        .partition(|q| q.kind == QuoteKind::Direct);
    direct = pick_quotes(direct, cfg.max_quotes, cfg.max_quotes_per_speaker);
    indirect.truncate(cfg.max_attributions);
    Ok(Digest {
        story_id: story.id.clone(),
        headline,
        summary,
        facts,
        quotes: direct,
        attributions: indirect,
        perspectives: perspectives::perspectives(&articles, cfg),
        coverage: perspectives::coverage_bar(&articles, cfg),
        timeline: timeline::timeline(&articles, cfg),
        section: sections::classify_section(&articles),
        good_news: goodnews::story_good_news(&articles, cfg.good_news_threshold),
    })
}

/// Build the digest, then pass it through a rewriter; a rewriter error keeps the extractive
/// digest (the error is returned alongside so the caller can log it).
pub fn digest_with(
    story: &Story,
    cfg: &DigestConfig,
    rewriter: &dyn DigestRewriter,
) -> Result<(Digest, Option<DigestError>), DigestError> {
    let d = digest(story, cfg)?;
    match rewriter.rewrite(story, d.clone()) {
        Ok(r) => Ok((r, None)),
        Err(e) => Ok((d, Some(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_story_is_an_error() {
        let e = digest(
            &Story {
                id: "s1".into(),
                articles: vec![],
            },
            &DigestConfig::default(),
        )
        .unwrap_err();
        assert_eq!(e, DigestError::EmptyStory("s1".into()));
    }

    #[test]
    fn bad_config_is_an_error() {
        let cfg = DigestConfig {
            max_facts: 1,
            min_facts: 3,
            ..Default::default()
        };
        let s = Story {
            id: "s".into(),
            articles: vec![StoryArticle::default()],
        };
        assert!(matches!(
            digest(&s, &cfg),
            Err(DigestError::InvalidConfig(_))
        ));
    }

    #[test]
    fn empty_and_huge_text_do_not_panic() {
        let s = Story {
            id: "s".into(),
            articles: vec![
                StoryArticle::default(),
                StoryArticle {
                    outlet: "X".into(),
                    ..Default::default()
                },
            ],
        };
        let d = digest(&s, &DigestConfig::default()).unwrap();
        assert!(d.facts.is_empty());
        let para = "The council approved the plan on Monday after a long debate about costs. “It is done,” Mayor Ida Rell said.\n\n";
        let huge = StoryArticle {
            outlet: "Big".into(),
            title: "Council approves plan".into(),
            text: para.repeat(20_000),
            ..Default::default()
        };
        let d = digest(
            &Story {
                id: "h".into(),
                articles: vec![huge],
            },
            &DigestConfig::default(),
        )
        .unwrap();
        assert!(!d.facts.is_empty());
        assert_eq!(d.quotes[0].speaker, "Mayor Ida Rell");
    }

    struct Failing;
    impl DigestRewriter for Failing {
        fn rewrite(&self, _: &Story, _: Digest) -> Result<Digest, DigestError> {
            Err(DigestError::Rewriter("offline".into()))
        }
    }

    #[test]
    fn rewriter_failure_keeps_extractive() {
        let s = Story {
            id: "s".into(),
            articles: vec![StoryArticle {
                outlet: "X".into(),
                title: "Bridge reopens after repairs".into(),
                ..Default::default()
            }],
        };
        let (d, err) = digest_with(&s, &DigestConfig::default(), &Failing).unwrap();
        assert_eq!(d.headline.text, "Bridge reopens after repairs");
        assert!(err.is_some());
        let (d2, err2) = digest_with(&s, &DigestConfig::default(), &Extractive).unwrap();
        assert_eq!(d, d2);
        assert!(err2.is_none());
    }
}
