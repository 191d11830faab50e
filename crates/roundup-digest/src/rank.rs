//! Ranking "the biggest stories of the day" with an explainable score.
//!
//! ```text
//! score = recency × ( w_outlets·ln(1 + Σ reach of distinct outlets)
//!                   + w_spread·(entropy of sides + entropy of regions)/2
//!                   + w_velocity·ln(1 + new articles per hour over the window)
//!                   + w_prominence·mean over outlets of 1/(1 + feed position) )
//! recency = 0.5 ^ (hours since the latest article / half-life)
//! ```

use crate::headline::choose_headline;
use crate::types::Story;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Weights and windows of the ranking score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RankConfig {
    /// Hours after which the recency factor halves.
    pub half_life_hours: f64,
    /// Window (hours before `now`) over which velocity is measured.
    pub velocity_window_hours: f64,
    /// Weight of the distinct-outlet term.
    pub w_outlets: f64,
    /// Weight of the spread term (sides and regions).
    pub w_spread: f64,
    /// Weight of the velocity term.
    pub w_velocity: f64,
    /// Weight of the prominence term (lead position in feeds).
    pub w_prominence: f64,
    /// Recency factor used for a story without any dated article.
    pub undated_recency: f64,
}

impl Default for RankConfig {
    fn default() -> Self {
        RankConfig {
            half_life_hours: 12.0,
            velocity_window_hours: 3.0,
            w_outlets: 1.0,
            w_spread: 0.6,
            w_velocity: 0.5,
            w_prominence: 0.4,
            undated_recency: 0.25,
        }
    }
}

/// One additive term of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTerm {
    /// Term name ("outlets", "spread", "velocity", "prominence").
    pub name: String,
    /// Value of the term before weighting.
    pub value: f64,
    /// Weight from the config.
    pub weight: f64,
    /// value × weight.
    pub contribution: f64,
    /// Human explanation of the value ("7 distinct outlets, reach-weighted 8.5").
    pub detail: String,
}

/// Every term of a story's score, for `--explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTerms {
    /// Additive terms.
    pub terms: Vec<ScoreTerm>,
    /// Sum of contributions.
    pub base: f64,
    /// Recency factor in (0, 1].
    pub recency: f64,
    /// Explanation of the recency factor.
    pub recency_detail: String,
    /// base × recency.
    pub score: f64,
}

impl fmt::Display for ScoreTerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "score {:.4} = base {:.4} × recency {:.4} ({})",
            self.score, self.base, self.recency, self.recency_detail
        )?;
        for t in &self.terms {
            writeln!(
                f,
                "  {:<11} {:>7.4} × {:<5.2} = {:>7.4}  {}",
                t.name, t.value, t.weight, t.contribution, t.detail
            )?;
        }
        Ok(())
    }
}

/// A story's place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedStory {
    /// 1-based rank.
    pub rank: usize,
    /// Story id.
    pub story_id: String,
    /// Representative headline.
    pub headline: String,
    /// Distinct outlets covering the story.
    pub outlets: usize,
    /// Latest publication time among the articles.
    pub latest: Option<DateTime<Utc>>,
    /// Final score.
    pub score: f64,
    /// The score's terms.
    pub terms: ScoreTerms,
}

fn norm_entropy(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    let k = counts.iter().filter(|&&c| c > 0).count();
    if total == 0 || k < 2 {
        return 0.0;
    }
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    h
}

/// Score terms of one story at `now`.
pub fn score_story(story: &Story, now: DateTime<Utc>, cfg: &RankConfig) -> ScoreTerms {
    // Per distinct outlet: reach, side, region, best feed position.
    #[derive(Default)]
    struct O {
        reach: f64,
        side: Option<roundup_model::Side>,
        region: Option<String>,
        pos: Option<u32>,
    }
    let mut outlets: BTreeMap<String, O> = BTreeMap::new();
    for a in &story.articles {
        let key = a.outlet.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        let o = outlets.entry(key).or_default();
        let r = a
            .reach
            .filter(|r| r.is_finite())
            .unwrap_or(1.0)
            .clamp(0.1, 10.0);
        o.reach = o.reach.max(r);
        o.side = o.side.or(a.lean.map(|l| l.side()));
        o.region = o.region.clone().or(a
            .region
            .as_ref()
            .map(|r| r.trim().to_lowercase())
            .filter(|r| !r.is_empty()));
        if let Some(p) = a.position {
            o.pos = Some(o.pos.map_or(p, |q| q.min(p)));
        }
    }
    let n = outlets.len();
    let reach_sum: f64 = outlets.values().map(|o| o.reach).sum();
    let outlets_v = (1.0 + reach_sum).ln();

    let sides = [
        roundup_model::Side::Left,
        roundup_model::Side::Center,
        roundup_model::Side::Right,
    ];
    let side_counts: Vec<usize> = sides
        .iter()
        .map(|s| outlets.values().filter(|o| o.side == Some(*s)).count())
        .collect();
    let lean_e = norm_entropy(&side_counts) / 3f64.ln();
    let mut regions: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outlets.values() {
        if let Some(r) = &o.region {
            *regions.entry(r.as_str()).or_insert(0) += 1;
        }
    }
    let region_counts: Vec<usize> = regions.values().copied().collect();
    let with_region: usize = region_counts.iter().sum();
    let region_e = if with_region >= 2 {
        norm_entropy(&region_counts) / (with_region as f64).ln()
    } else {
        0.0
    };
    let spread_v = 0.5 * lean_e + 0.5 * region_e;

    let window = cfg.velocity_window_hours.max(0.01);
    let window_start = now - chrono::Duration::milliseconds((window * 3_600_000.0) as i64);
    let recent = story
        .articles
        .iter()
        .filter(|a| {
            a.published
                .is_some_and(|t| t > window_start && t <= now + chrono::Duration::minutes(5))
        })
        .count();
    let per_hour = recent as f64 / window;
    let velocity_v = (1.0 + per_hour).ln();

    let positions: Vec<f64> = outlets
        .values()
        .filter_map(|o| o.pos)
        .map(|p| 1.0 / (1.0 + p as f64))
        .collect();
    let prominence_v = if positions.is_empty() {
        0.0
    } else {
        positions.iter().sum::<f64>() / positions.len() as f64
    };
    let leads = outlets.values().filter(|o| o.pos == Some(0)).count();

    let latest = story.articles.iter().filter_map(|a| a.published).max();
    let (recency, recency_detail) = match latest {
        Some(t) => {
            let age_h = ((now - t).num_seconds().max(0) as f64) / 3600.0;
            let hl = cfg.half_life_hours.max(0.01);
            (
                0.5f64.powf(age_h / hl),
                format!("latest article {age_h:.1} h old, half-life {hl} h"),
            )
        }
        None => (
            cfg.undated_recency.clamp(0.0, 1.0),
            "no dated article".to_string(),
        ),
    };

    let mk = |name: &str, value: f64, weight: f64, detail: String| ScoreTerm {
        name: name.into(),
        value,
        weight,
        contribution: value * weight,
        detail,
    };
    let terms = vec![
        mk(
            "outlets",
            outlets_v,
            cfg.w_outlets,
            format!("{n} distinct outlets, reach-weighted {reach_sum:.2}"),
        ),
        mk(
            "spread",
            spread_v,
            cfg.w_spread,
            format!(
                "sides L/C/R {}/{}/{} (entropy {lean_e:.2}), {} regions (entropy {region_e:.2})",
                side_counts[0],
                side_counts[1],
                side_counts[2],
                regions.len()
            ),
        ),
        mk(
            "velocity",
            velocity_v,
            cfg.w_velocity,
            format!("{recent} articles in the last {window} h ({per_hour:.2}/h)"),
        ),
        mk(
            "prominence",
            prominence_v,
            cfg.w_prominence,
            format!(
                "lead item in {leads} of {} feeds with a position",
                positions.len()
            ),
        ),
    ];
    let base: f64 = terms.iter().map(|t| t.contribution).sum();
    ScoreTerms {
        terms,
        base,
        recency,
        recency_detail,
        score: base * recency,
    }
}

/// Rank stories at `now`, highest score first (ties: more outlets, then story id).
pub fn rank(stories: &[Story], now: DateTime<Utc>, cfg: &RankConfig) -> Vec<RankedStory> {
    let mut ranked: Vec<RankedStory> = stories
        .iter()
        .filter(|s| !s.articles.is_empty())
        .map(|s| {
            let terms = score_story(s, now, cfg);
            let mut outlets: Vec<String> = s
                .articles
                .iter()
                .map(|a| a.outlet.trim().to_lowercase())
                .filter(|o| !o.is_empty())
                .collect();
            outlets.sort();
            outlets.dedup();
            RankedStory {
                rank: 0,
                story_id: s.id.clone(),
                headline: choose_headline(&s.articles).text,
                outlets: outlets.len(),
                latest: s.articles.iter().filter_map(|a| a.published).max(),
                score: if terms.score.is_finite() {
                    terms.score
                } else {
                    0.0
                },
                terms,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.outlets.cmp(&a.outlets))
            .then(a.story_id.cmp(&b.story_id))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::StoryArticle;
    use chrono::{Duration, TimeZone};
    use roundup_model::Lean;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    }

    fn story(id: &str, n: usize, hours_ago: i64, lean: &[Lean]) -> Story {
        Story {
            id: id.into(),
            articles: (0..n)
                .map(|i| StoryArticle {
                    outlet: format!("Outlet {i}"),
                    lean: lean.get(i % lean.len().max(1)).copied(),
                    region: Some(if i % 2 == 0 { "us" } else { "uk" }.into()),
                    title: format!("Story {id} headline number {i}"),
                    published: Some(
                        now() - Duration::hours(hours_ago) - Duration::minutes(i as i64),
                    ),
                    position: Some(i as u32 % 3),
                    ..Default::default()
                })
                .collect(),
        }
    }

    #[test]
    fn more_outlets_and_fresher_rank_higher() {
        let big = story("big", 8, 1, &[Lean::Left, Lean::Center, Lean::Right]);
        let small = story("small", 2, 1, &[Lean::Left]);
        let old = story("old", 8, 48, &[Lean::Left, Lean::Center, Lean::Right]);
        let r = rank(&[small.clone(), old, big], now(), &RankConfig::default());
        assert_eq!(
            r.iter().map(|x| x.story_id.as_str()).collect::<Vec<_>>(),
            vec!["big", "small", "old"]
        );
        assert_eq!(r[0].rank, 1);
        let text = r[0].terms.to_string();
        assert!(
            text.contains("outlets") && text.contains("velocity") && text.contains("recency"),
            "{text}"
        );
        let t = &r[0].terms;
        assert!((t.base - t.terms.iter().map(|x| x.contribution).sum::<f64>()).abs() < 1e-12);
    }

    #[test]
    fn spread_rewards_balance() {
        let balanced = score_story(
            &story("a", 6, 1, &[Lean::Left, Lean::Center, Lean::Right]),
            now(),
            &RankConfig::default(),
        );
        let one_sided = score_story(
            &story("b", 6, 1, &[Lean::Left]),
            now(),
            &RankConfig::default(),
        );
        assert!(balanced.terms[1].value > one_sided.terms[1].value);
    }

    #[test]
    fn half_life_halves() {
        let cfg = RankConfig {
            half_life_hours: 6.0,
            ..Default::default()
        };
        let t = score_story(&story("a", 1, 6, &[Lean::Left]), now(), &cfg);
        assert!((t.recency - 0.5).abs() < 0.01, "{}", t.recency);
    }

    #[test]
    fn reach_weights_outlets() {
        let mut s = story("a", 2, 1, &[Lean::Left]);
        let base = score_story(&s, now(), &RankConfig::default()).terms[0].value;
        s.articles[0].reach = Some(5.0);
        assert!(score_story(&s, now(), &RankConfig::default()).terms[0].value > base);
    }

    #[test]
    fn empty_and_deterministic() {
        assert!(rank(&[], now(), &RankConfig::default()).is_empty());
        assert!(rank(&[Story::default()], now(), &RankConfig::default()).is_empty());
        let a = story("a", 3, 1, &[Lean::Left]);
        let mut b = a.clone();
        b.id = "b".into();
        let r = rank(&[b, a], now(), &RankConfig::default());
        assert_eq!(r[0].story_id, "a");
    }
}
