//! Good news: a lexicon-based constructive/positive score with negation handling.
//!
//! A positive word counts for the story, a negative word against it; a negator in the three
//! words before a word flips it ("no deaths" is good, "not a success" is bad). Failure verbs
//! ("failed to", "unable to") are negative and also negate what follows ("failed to cure").
//!
//! `score = (positive − negative) / (positive + negative + 2)`, so a lone word is not enough.

use crate::text::{paragraphs, stem, truncate_chars, words};
use crate::types::{GoodNewsScore, StoryArticle};
use std::sync::OnceLock;

const POSITIVE: &[&str] = &[
    "rescue",
    "rescued",
    "rescues",
    "save",
    "saved",
    "saves",
    "cure",
    "cured",
    "breakthrough",
    "recover",
    "recovered",
    "recovery",
    "success",
    "successful",
    "succeeded",
    "celebrate",
    "celebrated",
    "donate",
    "donated",
    "donation",
    "volunteer",
    "volunteers",
    "restore",
    "restored",
    "reunite",
    "reunited",
    "improve",
    "improved",
    "improvement",
    "heal",
    "healed",
    "hope",
    "hopeful",
    "thrive",
    "thriving",
    "protect",
    "protected",
    "conservation",
    "award",
    "honored",
    "honoured",
    "kindness",
    "generous",
    "survive",
    "survived",
    "survivors",
    "reopen",
    "reopened",
    "solve",
    "solved",
    "solution",
    "progress",
    "rebound",
    "discovery",
    "innovative",
    "milestone",
    "peace",
    "champion",
    "joy",
    "joyful",
    "happy",
    "delighted",
    "inspire",
    "inspiring",
    "welcome",
    "welcomed",
    "adopted",
    "planted",
    "hatched",
    "safe",
    "safely",
    "free",
    "win",
    "won",
    "wins",
    "gift",
    "help",
    "helped",
    "helping",
    "rebuild",
    "rebuilt",
    "recovering",
    "cleaner",
    "cleanup",
    "record-breaking",
    "benefit",
    "boost",
    "boosted",
    "clean",
    "healthy",
    "thank",
    "thanks",
    "praised",
    "triumph",
    "uplifting",
    "heartwarming",
];

const NEGATIVE: &[&str] = &[
    "kill",
    "killed",
    "kills",
    "killing",
    "death",
    "deaths",
    "dead",
    "die",
    "died",
    "dies",
    "war",
    "attack",
    "attacked",
    "crash",
    "crashed",
    "shooting",
    "shot",
    "fraud",
    "crisis",
    "disaster",
    "fail",
    "failed",
    "fails",
    "failure",
    "collapse",
    "collapsed",
    "injured",
    "injuries",
    "injury",
    "flood",
    "flooding",
    "fire",
    "wildfire",
    "murder",
    "bomb",
    "bombing",
    "explosion",
    "victim",
    "victims",
    "lawsuit",
    "scandal",
    "arrest",
    "arrested",
    "charged",
    "layoffs",
    "loss",
    "losses",
    "recession",
    "poverty",
    "abuse",
    "violence",
    "threat",
    "fear",
    "fears",
    "danger",
    "dangerous",
    "outbreak",
    "pandemic",
    "disease",
    "storm",
    "earthquake",
    "quake",
    "drought",
    "famine",
    "riot",
    "conflict",
    "missile",
    "hostage",
    "corruption",
    "bankrupt",
    "bankruptcy",
    "shutdown",
    "destroyed",
    "damage",
    "damaged",
    "suffering",
    "worst",
    "toxic",
    "pollution",
    "extinct",
    "extinction",
    "banned",
    "casualties",
    "wounded",
    "fatal",
    "tragedy",
    "tragic",
    "sick",
    "illness",
    "evacuated",
    "missing",
    "stabbing",
    "assault",
    "terror",
    "terrorist",
    "unable",
    "refused",
    "cancelled",
    "canceled",
    "strike",
    "protest",
    "protests",
    "outage",
    "delays",
    "delayed",
    "homeless",
    "hunger",
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "zero", "none", "nobody", "neither", "nor", "cannot",
    "nothing", "free",
];

/// Words that negate what follows and are themselves negative.
const FAILURE: &[&str] = &["fail", "failed", "fails", "unable", "refused"];

fn stems(list: &'static [&'static str], cell: &'static OnceLock<Vec<String>>) -> &'static [String] {
    cell.get_or_init(|| {
        let mut v: Vec<String> = list.iter().map(|w| stem(w)).collect();
        v.sort();
        v.dedup();
        v
    })
}

fn matches_list(
    w: &str,
    list: &'static [&'static str],
    cell: &'static OnceLock<Vec<String>>,
) -> bool {
    list.contains(&w) || stems(list, cell).binary_search(&stem(w)).is_ok()
}

static POSITIVE_STEMS: OnceLock<Vec<String>> = OnceLock::new();
static NEGATIVE_STEMS: OnceLock<Vec<String>> = OnceLock::new();

/// Score a text.
pub fn good_news_score(text: &str, threshold: f64) -> GoodNewsScore {
    let ws = words(truncate_chars(text, 50_000));
    let mut pos: Vec<String> = Vec::new();
    let mut neg: Vec<String> = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let is_pos = matches_list(w, POSITIVE, &POSITIVE_STEMS);
        let is_neg = matches_list(w, NEGATIVE, &NEGATIVE_STEMS);
        if !is_pos && !is_neg {
            continue;
        }
        let lo = i.saturating_sub(3);
        let negator = ws[lo..i].iter().rposition(|p| {
            NEGATORS.contains(&p.as_str()) || p.ends_with("n't") || FAILURE.contains(&p.as_str())
        });
        // "free" negates only a following negative ("free of disease"); "help free" is not a negator.
        let negated = negator.is_some_and(|k| {
            let p = ws[lo + k].as_str();
            p != "free" || is_neg
        });
        let phrase = match negator {
            Some(k) if negated => ws[lo + k..=i].join(" "),
            _ => w.clone(),
        };
        // A failure verb is negative by itself; it was counted at its own position.
        let positive = if negated { is_neg } else { is_pos && !is_neg };
        if positive {
            pos.push(phrase);
        } else {
            neg.push(phrase);
        }
    }
    let (p, n) = (pos.len() as f64, neg.len() as f64);
    let score = (p - n) / (p + n + 2.0);
    pos.sort();
    pos.dedup();
    neg.sort();
    neg.dedup();
    GoodNewsScore {
        score: (score * 1e6).round() / 1e6,
        positive: pos,
        negative: neg,
        is_good: score >= threshold,
    }
}

/// Score a story: every title twice plus the first two paragraphs of every article.
pub fn story_good_news(articles: &[StoryArticle], threshold: f64) -> GoodNewsScore {
    let mut text = String::new();
    for a in articles {
        text.push_str(&a.title);
        text.push_str(".\n");
        text.push_str(&a.title);
        text.push_str(".\n");
        for p in paragraphs(&a.text).into_iter().take(2) {
            text.push_str(&p);
            text.push('\n');
        }
    }
    good_news_score(&text, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_flips() {
        let s = good_news_score("No deaths were reported.", 0.2);
        assert_eq!(s.positive, vec!["no deaths"]);
        assert!(s.score > 0.0);
        let s = good_news_score("The launch was not a success.", 0.2);
        assert_eq!(s.negative, vec!["not a success"]);
        assert!(s.score < 0.0);
        let s = good_news_score("The drug failed to cure the patients.", 0.2);
        assert!(s.score < 0.0 && s.positive.is_empty(), "{s:?}");
        let s = good_news_score("Nobody was injured and the town is free of disease.", 0.2);
        assert!(s.score > 0.0, "{s:?}");
    }

    #[test]
    fn good_and_bad_stories() {
        let good = [
            "Volunteers rescued 40 turtles and returned them safely to the sea.",
            "Firefighters saved the old library; no one was hurt and no injuries were reported.",
            "The rebuilt bridge reopened and residents celebrated the milestone.",
            "A new treatment cured the rare disease in 9 of 10 children, a breakthrough doctors welcomed.",
        ];
        let bad = [
            "Three people were killed and dozens injured when the storm destroyed homes.",
            "The company collapsed into bankruptcy after the fraud scandal.",
            "Rescue teams failed to reach the hostages before the explosion.",
            "The vaccine trial was not a success and the outbreak spread.",
        ];
        for g in good {
            let s = good_news_score(g, 0.3);
            assert!(s.is_good, "{g}: {s:?}");
        }
        for b in bad {
            let s = good_news_score(b, 0.3);
            assert!(!s.is_good && s.score < 0.0, "{b}: {s:?}");
        }
    }

    #[test]
    fn empty() {
        let s = good_news_score("", 0.3);
        assert_eq!(s.score, 0.0);
        assert!(!s.is_good);
        assert!(!story_good_news(&[], 0.3).is_good);
    }
}
