//! Perspectives: what each side of the spectrum (left / center / right) emphasizes compared
//! with the others, and the coverage bar with its blindspot flag.

use crate::facts::{candidates, is_boilerplate};
use crate::text::{centroid, dot, words, SparseVec};
use crate::types::{CoverageBar, Perspective, PerspectiveSentence, SourceRef, StoryArticle};
use crate::DigestConfig;
use roundup_model::Side;
use std::collections::BTreeMap;

const SIDES: [Side; 3] = [Side::Left, Side::Center, Side::Right];

fn outlet_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Distinct outlets per side and the blindspot flag.
pub fn coverage_bar(articles: &[StoryArticle], cfg: &DigestConfig) -> CoverageBar {
    // One side per outlet: the first rating seen for it (articles are in a stable order).
    let mut outlets: BTreeMap<String, Option<Side>> = BTreeMap::new();
    for a in articles {
        if a.outlet.trim().is_empty() {
            continue;
        }
        let e = outlets.entry(outlet_key(&a.outlet)).or_insert(None);
        if e.is_none() {
            *e = a.lean.map(|l| l.side());
        }
    }
    let count = |s: Side| outlets.values().filter(|v| **v == Some(s)).count();
    let (left, center, right) = (count(Side::Left), count(Side::Center), count(Side::Right));
    let unrated = outlets.values().filter(|v| v.is_none()).count();
    let rated = left + center + right;
    let mut blindspots = Vec::new();
    if rated >= cfg.blindspot_min_outlets && rated > 0 {
        for (s, n) in [
            (Side::Left, left),
            (Side::Center, center),
            (Side::Right, right),
        ] {
            if (n as f64) / (rated as f64) <= cfg.blindspot_share {
                blindspots.push(s);
            }
        }
    }
    CoverageBar {
        left,
        center,
        right,
        unrated,
        total: outlets.len(),
        blindspots,
    }
}

fn perspective_keep(s: &str) -> bool {
    let n = s.split_whitespace().count();
    (6..=60).contains(&n)
        && !is_boilerplate(s)
        && !s.chars().next().is_some_and(|c| c.is_lowercase())
        && crate::text::quoted_fraction(s) <= 0.5
}

/// Per-side distinctive sentences and terms, for the sides that cover the story.
pub fn perspectives(articles: &[StoryArticle], cfg: &DigestConfig) -> Vec<Perspective> {
    let side_of: Vec<Option<Side>> = articles.iter().map(|a| a.lean.map(|l| l.side())).collect();
    let (cands, _titles, _vocab) = candidates(articles, perspective_keep);
    let article_centroid = |ai: usize| -> SparseVec {
        centroid(
            cands
                .iter()
                .filter(|c| c.article == ai)
                .map(|c| (&c.vec, 1.0)),
        )
    };
    let art_c: Vec<SparseVec> = (0..articles.len()).map(article_centroid).collect();
    let mut out = Vec::new();
    for side in SIDES {
        let mine: Vec<usize> = (0..articles.len())
            .filter(|&i| side_of[i] == Some(side))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let others: Vec<usize> = (0..articles.len())
            .filter(|&i| side_of[i].is_some() && side_of[i] != Some(side))
            .collect();
        let c_mine = centroid(mine.iter().map(|&i| (&art_c[i], 1.0)));
        let c_other = centroid(others.iter().map(|&i| (&art_c[i], 1.0)));
        // Sentences: close to this side, far from the others.
        let mut scored: Vec<(usize, f64)> = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| mine.contains(&c.article))
            .map(|(i, c)| {
                let d = dot(&c.vec, &c_mine)
                    - if others.is_empty() {
                        0.0
                    } else {
                        dot(&c.vec, &c_other)
                    };
                (i, d * (1.0 + 0.2 / (1.0 + c.index as f64)))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut picked: Vec<usize> = Vec::new();
        for (i, s) in scored {
            if picked.len() >= cfg.perspective_sentences {
                break;
            }
            if s <= 0.0 && !others.is_empty() {
                break;
            }
            if picked
                .iter()
                .any(|&j| dot(&cands[i].vec, &cands[j].vec) > 0.5)
            {
                continue;
            }
            picked.push(i);
        }
        let sentences = picked
            .iter()
            .map(|&i| {
                let a = &articles[cands[i].article];
                PerspectiveSentence {
                    text: cands[i].text.clone(),
                    source: SourceRef {
                        outlet: a.outlet.clone(),
                        url: a.url.clone(),
                    },
                }
            })
            .collect();
        let mut outlets: Vec<String> = mine.iter().map(|&i| articles[i].outlet.clone()).collect();
        outlets.sort();
        outlets.dedup();
        out.push(Perspective {
            side,
            outlets,
            distinctive_terms: distinctive_terms(
                articles,
                &cands,
                &mine,
                &others,
                cfg.perspective_terms,
            ),
            sentences,
        });
    }
    out
}

/// Terms in a larger share of this side's articles than of the others' (surface form of the
/// most frequent spelling), most distinctive first.
fn distinctive_terms(
    articles: &[StoryArticle],
    cands: &[crate::facts::Candidate],
    mine: &[usize],
    others: &[usize],
    k: usize,
) -> Vec<String> {
    // stem -> (articles of mine containing, articles of others containing, surface counts)
    let mut stats: BTreeMap<String, (usize, usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for (group, ids) in [(0, mine), (1, others)] {
        for &i in ids {
            let a = &articles[i];
            // The cleaned title and the article's non-boilerplate sentences (no page furniture,
            // no outlet name from a title suffix).
            let mut text = crate::headline::strip_outlet_suffix(&a.title, &a.outlet)
                .0
                .to_string();
            for c in cands.iter().filter(|c| c.article == i) {
                text.push('\n');
                text.push_str(&c.text);
            }
            let mut seen: Vec<String> = Vec::new();
            for w in words(&text) {
                if w.chars().count() < 3
                    || crate::text::is_stopword(&w)
                    || w.chars().all(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let st = crate::text::stem(&w);
                let e = stats.entry(st.clone()).or_default();
                if group == 0 {
                    *e.2.entry(w.clone()).or_insert(0) += 1;
                }
                if !seen.contains(&st) {
                    seen.push(st);
                    if group == 0 {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
    }
    let nm = mine.len().max(1) as f64;
    let no = others.len().max(1) as f64;
    let mut scored: Vec<(f64, String)> = stats
        .into_iter()
        .filter(|(_, (m, _, _))| *m > 0 && (*m >= 2 || mine.len() == 1))
        .map(|(_, (m, o, surf))| {
            let s = m as f64 / nm
                - if others.is_empty() {
                    0.0
                } else {
                    o as f64 / no
                };
            let best = surf
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(w, _)| w)
                .unwrap_or_default();
            (s, best)
        })
        .filter(|(s, _)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(k).map(|(_, w)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roundup_model::Lean;

    fn art(outlet: &str, lean: Option<Lean>, text: &str) -> StoryArticle {
        StoryArticle {
            outlet: outlet.into(),
            lean,
            title: "Port strike ends".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn coverage_counts_distinct_outlets_and_flags_blindspot() {
        let mut arts = vec![];
        for i in 0..9 {
            arts.push(art(&format!("L{i}"), Some(Lean::Left), "x"));
        }
        arts.push(art("L0", Some(Lean::Left), "again"));
        arts.push(art("C1", Some(Lean::Center), "x"));
        arts.push(art("C2", Some(Lean::CenterRight), "x"));
        arts.push(art("U", None, "x"));
        let cfg = DigestConfig::default();
        let bar = coverage_bar(&arts, &cfg);
        assert_eq!(
            (bar.left, bar.center, bar.right, bar.unrated, bar.total),
            (9, 1, 1, 1, 12)
        );
        assert_eq!(bar.blindspots, vec![Side::Center, Side::Right]);
        // 1 of 8 rated outlets is 12.5 %: no blindspot at the default 10 %.
        let bar = coverage_bar(&arts[3..], &cfg);
        assert!(bar.blindspots.is_empty(), "{bar:?}");
        let few = coverage_bar(&arts[..3], &cfg);
        assert!(few.blindspots.is_empty(), "too few outlets for a blindspot");
    }

    #[test]
    fn sides_get_distinctive_sentences() {
        let arts = vec![
            art("Left1", Some(Lean::Left), "The port strike ended on Friday after five weeks. Dock workers won a wage rise and safer night shifts after a long fight."),
            art("Left2", Some(Lean::CenterLeft), "The port strike ended on Friday. Workers won safer night shifts and a wage rise."),
            art("Right1", Some(Lean::Right), "The port strike ended on Friday after five weeks. Shippers lost millions and exporters warned that costs will reach consumers."),
            art("Center1", Some(Lean::Center), "The port strike ended on Friday after five weeks of talks between the union and employers."),
        ];
        let ps = perspectives(&arts, &DigestConfig::default());
        assert_eq!(ps.len(), 3);
        let left = ps.iter().find(|p| p.side == Side::Left).unwrap();
        assert!(left.sentences[0].text.contains("won"), "{left:?}");
        let right = ps.iter().find(|p| p.side == Side::Right).unwrap();
        assert!(right.sentences[0].text.contains("Shippers"), "{right:?}");
        assert_eq!(left.outlets, vec!["Left1", "Left2"]);
    }
}
