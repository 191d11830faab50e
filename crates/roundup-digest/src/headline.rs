//! Headline: the most representative title, penalizing clickbait, shouting, length and an
//! outlet suffix (" - The Harbor Gazette").

use crate::text::{centroid, dot, paragraphs, split_sentences, terms, Vocab};
use crate::types::{Headline, StoryArticle};

const CLICKBAIT: &[&str] = &[
    "you won't believe",
    "you will not believe",
    "what happened next",
    "this is why",
    "here's why",
    "here's what",
    "here is what",
    "shocking",
    "jaw-dropping",
    "mind-blowing",
    "will blow your mind",
    "things you",
    "reasons why",
    "you need to see",
    "can't stop",
    "goes viral",
    "the internet is",
    "everything you need to know",
    "what we know",
    "watch:",
    "live:",
    "live updates",
    "opinion:",
    "analysis:",
    "explainer:",
    "quiz:",
    "photos:",
    "video:",
];

/// Split an outlet suffix off a title: "Bridge reopens - The Gazette" → ("Bridge reopens", true).
pub fn strip_outlet_suffix<'a>(title: &'a str, outlet: &str) -> (&'a str, bool) {
    let t = title.trim();
    for sep in [" - ", " | ", " — ", " – ", " :: "] {
        if let Some(i) = t.rfind(sep) {
            let tail = t[i + sep.len()..].trim();
            let head = t[..i].trim();
            let tail_words = tail.split_whitespace().count();
            let names_outlet = !outlet.is_empty() && tail.eq_ignore_ascii_case(outlet.trim());
            let looks_like_name = tail_words <= 4
                && tail.split_whitespace().all(|w| {
                    w.chars()
                        .next()
                        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
                })
                && head.split_whitespace().count() >= 3;
            if names_outlet || looks_like_name {
                return (head, true);
            }
        }
    }
    (t, false)
}

/// Penalty of a title for clickbait, all caps, length and punctuation (0 = clean).
pub fn title_penalty(title: &str, had_suffix: bool) -> f64 {
    let l = title.to_lowercase();
    let mut p = 0.0;
    if CLICKBAIT.iter().any(|c| l.contains(c)) {
        p += 0.3;
    }
    let first = title.split_whitespace().next().unwrap_or("");
    if first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() {
        // Listicle ("7 things …").
        p += 0.15;
    }
    let words: Vec<&str> = title.split_whitespace().collect();
    let caps = words
        .iter()
        .filter(|w| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && w.chars()
                    .filter(|c| c.is_alphabetic())
                    .all(|c| c.is_uppercase())
        })
        .count();
    if !words.is_empty() && caps as f64 / words.len() as f64 > 0.4 {
        p += 0.3;
    }
    if title.chars().count() > 110 || words.len() > 18 {
        p += 0.2;
    }
    if words.len() < 4 {
        p += 0.2;
    }
    if title.ends_with('?') {
        p += 0.15;
    }
    if title.contains('!') {
        p += 0.15;
    }
    if had_suffix {
        p += 0.1;
    }
    p
}

/// Choose the headline of a story.
pub fn choose_headline(articles: &[StoryArticle]) -> Headline {
    let cleaned: Vec<(String, bool)> = articles
        .iter()
        .map(|a| {
            let (t, s) = strip_outlet_suffix(&a.title, &a.outlet);
            (t.to_string(), s)
        })
        .collect();
    let title_terms: Vec<Vec<String>> = cleaned.iter().map(|(t, _)| terms(t)).collect();
    let text_terms: Vec<Vec<String>> = articles
        .iter()
        .map(|a| terms(crate::text::truncate_chars(&a.text, 5000)))
        .collect();
    let vocab = Vocab::build(title_terms.iter().chain(text_terms.iter()));
    let tv: Vec<_> = title_terms.iter().map(|t| vocab.tfidf(t)).collect();
    let xv: Vec<_> = text_terms.iter().map(|t| vocab.tfidf(t)).collect();
    let text_c = centroid(xv.iter().map(|v| (v, 1.0)));
    let mut best: Option<(usize, f64)> = None;
    for (i, (t, suffix)) in cleaned.iter().enumerate() {
        if t.trim().is_empty() {
            continue;
        }
        let others: Vec<f64> = (0..tv.len())
            .filter(|&j| j != i && !cleaned[j].0.is_empty())
            .map(|j| dot(&tv[i], &tv[j]))
            .collect();
        let to_text = dot(&tv[i], &text_c);
        let central = if others.is_empty() {
            to_text
        } else {
            0.6 * others.iter().sum::<f64>() / others.len() as f64 + 0.4 * to_text
        };
        let score = central - title_penalty(t, *suffix);
        if best.is_none_or(|(_, b)| score > b + 1e-12) {
            best = Some((i, score));
        }
    }
    match best {
        Some((i, _)) => Headline {
            text: cleaned[i].0.clone(),
            outlet: articles[i].outlet.clone(),
            url: articles[i].url.clone(),
        },
        None => {
            // No titles: fall back to the first sentence of the first article with text.
            for a in articles {
                if let Some(p) = paragraphs(&a.text).first() {
                    if let Some(s) = split_sentences(p).first() {
                        let short: String = s.chars().take(120).collect();
                        return Headline {
                            text: short,
                            outlet: a.outlet.clone(),
                            url: a.url.clone(),
                        };
                    }
                }
            }
            Headline {
                text: "(untitled story)".into(),
                outlet: articles
                    .first()
                    .map(|a| a.outlet.clone())
                    .unwrap_or_default(),
                url: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(outlet: &str, title: &str) -> StoryArticle {
        StoryArticle {
            outlet: outlet.into(),
            title: title.into(),
            text: "The harbor bridge reopened after repairs on Monday.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn strips_suffix() {
        assert_eq!(
            strip_outlet_suffix("Bridge reopens after repairs - The Gazette", "The Gazette"),
            ("Bridge reopens after repairs", true)
        );
        assert_eq!(
            strip_outlet_suffix("Bridge reopens after repairs | Harbor News", "Other"),
            ("Bridge reopens after repairs", true)
        );
        assert_eq!(
            strip_outlet_suffix("Up-to-date bridge - rail link opens", "X"),
            ("Up-to-date bridge - rail link opens", false)
        );
    }

    #[test]
    fn prefers_central_clean_title() {
        let arts = vec![
            art("A", "YOU WON'T BELIEVE WHAT HAPPENED AT THE BRIDGE!"),
            art("B", "Harbor bridge reopens after two-year repair - B"),
            art("C", "Harbor bridge reopens to traffic after repair"),
            art("D", "Harbor bridge reopens after repairs"),
        ];
        let h = choose_headline(&arts);
        assert_ne!(h.outlet, "A");
        assert!(!h.text.ends_with("- B"));
    }

    #[test]
    fn empty_titles_fall_back() {
        let h = choose_headline(&[art("A", "")]);
        assert!(h.text.starts_with("The harbor bridge"));
        let h = choose_headline(&[]);
        assert_eq!(h.text, "(untitled story)");
    }
}
