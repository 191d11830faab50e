//! Key facts: a few sentences chosen across outlets by centroid relevance with maximal
//! marginal relevance (MMR) to keep them from repeating each other.

use crate::text::{
    centroid, dot, paragraphs, quoted_fraction, split_sentences, terms, SparseVec, Vocab,
};
use crate::types::{Fact, SourceRef, StoryArticle};
use crate::DigestConfig;

/// Most sentences per article considered (the lead carries the news; bounds the cost).
const MAX_SENTENCES_PER_ARTICLE: usize = 60;

/// Phrases that mark page furniture rather than news.
const BOILERPLATE: &[&str] = &[
    "subscribe",
    "sign up",
    "signing up",
    "newsletter",
    "click here",
    "cookie",
    "all rights reserved",
    "contributed to this report",
    "follow him on",
    "follow her on",
    "follow us",
    "read more",
    "advertisement",
    "share this",
    "terms of use",
    "privacy policy",
    "this story has been updated",
    "editor's note",
    "sign in",
    "log in",
    "download the app",
    "reporting by",
    "editing by",
    "©",
    "copyright",
    "email us",
    "please refresh",
    "you will receive",
    "thank you for",
    "related:",
    "watch:",
    "getty images",
    "this is a developing story",
    "breaking news",
    "continue reading",
    "register your account",
    "free daily digest",
    "our website",
    "our journalism",
    "support us",
    "read the full",
    "listen to this",
    "minute read",
    "min read",
    "photo by",
    "image credit",
];

/// A sentence that may become a fact or a perspective line.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub text: String,
    pub article: usize,
    /// Index of the sentence within its article (0 = lead).
    pub index: usize,
    pub terms: Vec<String>,
    pub vec: SparseVec,
}

/// Whether a sentence is page furniture.
pub(crate) fn is_boilerplate(s: &str) -> bool {
    let l = s.to_lowercase();
    BOILERPLATE.iter().any(|b| l.contains(b))
}

/// Whether a sentence can stand alone as a fact.
pub(crate) fn is_fact_like(s: &str) -> bool {
    let n = s.split_whitespace().count();
    if !(6..=60).contains(&n) || is_boilerplate(s) || s.ends_with('?') || s.ends_with("?”") {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    // Lowercase starts are fragments; a sentence opening with a quote is a quote + attribution.
    if first.is_lowercase() || matches!(first, '-' | '•' | '*' | '|' | '(' | '“' | '"' | '«' | '‘')
    {
        return false;
    }
    // A fact ends like a sentence (not a headline or a caption) and has balanced quotation
    // marks (a fragment of a quote broken across lines does not).
    let last = s.trim_end().chars().last().unwrap_or(' ');
    if !matches!(last, '.' | '!' | '”' | '"' | '’' | '\'' | ')') {
        return false;
    }
    let curly_ok = s.matches(['“', '«']).count() == s.matches(['”', '»']).count();
    if !curly_ok || s.matches('"').count() % 2 == 1 {
        return false;
    }
    // Quotes-only sentences belong in the quotes section.
    quoted_fraction(s) <= 0.5
}

/// Sentences of every article, filtered by `keep`, with TF-IDF vectors over a shared vocabulary
/// (titles are part of the vocabulary; their vectors are returned separately).
pub(crate) fn candidates(
    articles: &[StoryArticle],
    keep: fn(&str) -> bool,
) -> (Vec<Candidate>, Vec<SparseVec>, Vocab) {
    let mut cands = Vec::new();
    for (ai, a) in articles.iter().enumerate() {
        let mut index = 0;
        'pars: for p in paragraphs(&a.text) {
            for s in split_sentences(&p) {
                if index >= MAX_SENTENCES_PER_ARTICLE {
                    break 'pars;
                }
                if keep(&s) {
                    let t = terms(&s);
                    if !t.is_empty() {
                        cands.push(Candidate {
                            text: s,
                            article: ai,
                            index,
                            terms: t,
                            vec: Vec::new(),
                        });
                    }
                }
                index += 1;
            }
        }
    }
    let title_terms: Vec<Vec<String>> = articles.iter().map(|a| terms(&a.title)).collect();
    let vocab = Vocab::build(cands.iter().map(|c| &c.terms).chain(title_terms.iter()));
    for c in &mut cands {
        c.vec = vocab.tfidf(&c.terms);
    }
    let titles = title_terms.iter().map(|t| vocab.tfidf(t)).collect();
    (cands, titles, vocab)
}

/// Story centroid: every article weighs the same (a long article does not dominate); titles
/// count like one sentence each.
pub(crate) fn story_centroid(
    cands: &[Candidate],
    titles: &[SparseVec],
    n_articles: usize,
) -> SparseVec {
    let mut per_article: Vec<SparseVec> = Vec::new();
    for ai in 0..n_articles {
        let own: Vec<(&SparseVec, f64)> = cands
            .iter()
            .filter(|c| c.article == ai)
            .map(|c| (&c.vec, 1.0))
            .chain(titles.get(ai).map(|t| (t, 1.0)))
            .collect();
        if !own.is_empty() {
            per_article.push(centroid(own));
        }
    }
    centroid(per_article.iter().map(|v| (v, 1.0)))
}

fn source(a: &StoryArticle) -> SourceRef {
    SourceRef {
        outlet: a.outlet.clone(),
        url: a.url.clone(),
    }
}

/// Select the key facts of a story.
pub fn key_facts(articles: &[StoryArticle], cfg: &DigestConfig) -> Vec<Fact> {
    let (cands, titles, _) = candidates(articles, is_fact_like);
    if cands.is_empty() {
        return Vec::new();
    }
    let c = story_centroid(&cands, &titles, articles.len());
    let relevance: Vec<f64> = cands
        .iter()
        .map(|s| {
            let mut r = dot(&s.vec, &c);
            // Prefer leads: the first sentences of an article state the news.
            r *= 1.0 + 0.6 / (1.0 + s.index as f64);
            let first = s
                .text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_lowercase();
            if [
                "he", "she", "it", "they", "this", "that", "these", "those", "but", "and", "also",
            ]
            .contains(&first.as_str())
            {
                r *= 0.7;
            }
            if quoted_fraction(&s.text) > 0.2 {
                r *= 0.8;
            }
            r
        })
        .collect();
    let target = (articles.len() + 2).clamp(cfg.min_facts, cfg.max_facts.max(cfg.min_facts));
    let lambda = cfg.mmr_lambda;
    let mut chosen: Vec<usize> = Vec::new();
    // Content terms of the chosen facts.
    let mut covered: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    while chosen.len() < target {
        let mut best: Option<(usize, f64)> = None;
        for i in 0..cands.len() {
            if chosen.contains(&i) {
                continue;
            }
            let max_sim = chosen
                .iter()
                .map(|&j| dot(&cands[i].vec, &cands[j].vec))
                .fold(0.0, f64::max);
            if max_sim > cfg.fact_redundancy {
                continue;
            }
            // Novelty: most of a new fact's content terms must not be in the facts so far
            // (catches a restatement that uses other words around the same figures).
            if !chosen.is_empty() {
                let mut terms_i = cands[i].terms.clone();
                terms_i.sort();
                terms_i.dedup();
                let new = terms_i.iter().filter(|t| !covered.contains(*t)).count();
                if (new as f64) < cfg.fact_min_novelty * terms_i.len() as f64 {
                    continue;
                }
            }
            let score = lambda * relevance[i] - (1.0 - lambda) * max_sim;
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
        // Past the minimum, stop when what is left is much less relevant than the best fact.
        let top = chosen.first().map(|&j| relevance[j]).unwrap_or(0.0);
        match best {
            Some((i, _))
                if relevance[i] > 0.0
                    && (chosen.len() < cfg.min_facts
                        || relevance[i] >= cfg.fact_min_relevance * top) =>
            {
                covered.extend(cands[i].terms.iter().cloned());
                chosen.push(i)
            }
            _ => break,
        }
    }
    chosen
        .iter()
        .map(|&i| {
            let s = &cands[i];
            let mut sources = vec![source(&articles[s.article])];
            let mut others: Vec<SourceRef> = Vec::new();
            for o in &cands {
                if o.article != s.article && dot(&o.vec, &s.vec) >= cfg.fact_corroboration {
                    let r = source(&articles[o.article]);
                    if !sources.contains(&r) && !others.contains(&r) {
                        others.push(r);
                    }
                }
            }
            others.sort();
            sources.extend(others);
            Fact {
                text: s.text.clone(),
                sources,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(outlet: &str, text: &str) -> StoryArticle {
        StoryArticle {
            outlet: outlet.into(),
            title: "Harbor bridge reopens".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn picks_distinct_lead_facts_with_sources() {
        let a = art("A", "The Harbor Bridge reopened to traffic on Monday after a two-year repair costing 40 million euros.\n\nEngineers replaced all 212 steel cables of the bridge.\n\nSubscribe to our newsletter for more news like this every day.");
        let b = art("B", "The Harbor Bridge reopened to traffic on Monday after two years of repairs costing 40 million euros.\n\nLocal shops near the bridge said business had fallen by half during the closure.");
        let c = art("C", "City officials celebrated as the Harbor Bridge reopened on Monday.\n\n“It is a great day,” the mayor said at the opening ceremony today.");
        let facts = key_facts(&[a, b, c], &DigestConfig::default());
        assert!(facts.len() >= 3, "{facts:?}");
        assert!(facts.iter().all(|f| !f.text.contains("Subscribe")));
        assert!(facts.iter().all(|f| !f.text.starts_with('“')));
        // The two near-identical lead sentences make one fact with both outlets.
        let lead = facts
            .iter()
            .filter(|f| f.text.contains("reopened to traffic"))
            .collect::<Vec<_>>();
        assert_eq!(lead.len(), 1, "{facts:?}");
        assert_eq!(lead[0].sources.len(), 2);
    }

    #[test]
    fn empty_text_gives_no_facts() {
        assert!(key_facts(&[art("A", "")], &DigestConfig::default()).is_empty());
        assert!(key_facts(&[], &DigestConfig::default()).is_empty());
    }
}
