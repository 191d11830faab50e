//! Seeded synthetic news stream for benchmarks and tests.
//!
//! Many stories over a span of days; each story has its own topic words and names drawn from a
//! shared section vocabulary, so stories of one section overlap in vocabulary the way real news
//! does; general words follow a Zipf law; some articles are lightly edited wire copies.

use crate::Doc;
use chrono::{DateTime, TimeZone, Utc};

/// Small deterministic RNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        crate::text::mix64(self.0)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One generated article with its true story.
#[derive(Debug, Clone)]
pub struct SynthArticle {
    /// The article.
    pub doc: Doc,
    /// The generator's story number (ground truth).
    pub story: usize,
}

fn word(rng: &mut Rng, syllables: usize) -> String {
    const ON: &[&str] = &[
        "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
        "st", "tr", "ch", "sh",
    ];
    const NU: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ea"];
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(ON[rng.below(ON.len())]);
        w.push_str(NU[rng.below(NU.len())]);
    }
    if rng.below(2) == 0 {
        w.push_str(["n", "r", "s", "t", "l"][rng.below(5)]);
    }
    w
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Generates `n` articles in publication order.
pub fn generate(n: usize, seed: u64) -> Vec<SynthArticle> {
    let mut rng = Rng::new(seed);
    let general: Vec<String> = (0..20_000)
        .map(|_| {
            let k = 2 + rng.below(2);
            word(&mut rng, k)
        })
        .collect();
    let sections: Vec<Vec<String>> = (0..8)
        .map(|_| (0..400).map(|_| word(&mut rng, 3)).collect())
        .collect();
    let names: Vec<String> = (0..20_000)
        .map(|_| {
            let k = 2 + rng.below(2);
            capitalize(&word(&mut rng, k))
        })
        .collect();
    let outlets: Vec<String> = (0..500).map(|i| format!("Outlet {i}")).collect();
    let span_secs = 14.0 * 86400.0;
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        .timestamp();

    struct StoryDef {
        section: usize,
        topic: Vec<usize>,
        names: Vec<usize>,
        _start: f64,
    }
    let mut stories: Vec<StoryDef> = Vec::new();
    let mut plan: Vec<(f64, usize)> = Vec::with_capacity(n);
    while plan.len() < n {
        let mut section = rng.below(sections.len());
        let mut topic: Vec<usize> = (0..10).map(|_| rng.below(400)).collect();
        let mut names_: Vec<usize> = (0..4).map(|_| rng.below(names.len())).collect();
        // A third of the stories are siblings of an earlier one (same kind of event, e.g. a
        // second quake): same section, most topic words and one name in common.
        if !stories.is_empty() && rng.below(3) == 0 {
            let sib = &stories[rng.below(stories.len())];
            section = sib.section;
            topic[..6].copy_from_slice(&sib.topic[..6]);
            names_[0] = sib.names[0];
        }
        let start = rng.unit() * span_secs;
        let size = ((1.0 / (1.0 - rng.unit() * 0.97)).powf(1.3) * 3.0) as usize + 1;
        let id = stories.len();
        stories.push(StoryDef {
            section,
            topic,
            names: names_,
            _start: start,
        });
        for _ in 0..size.min(n - plan.len()) {
            let offset = -(1.0 - rng.unit()).ln() * 12.0 * 3600.0;
            plan.push((start + offset, id));
        }
    }
    plan.sort_by(|a, b| a.0.total_cmp(&b.0));

    let zipf = |rng: &mut Rng| -> usize {
        // Approximate Zipf(1) over the general vocabulary.
        let u = rng.unit();
        ((general.len() as f64).powf(u) as usize)
            .saturating_sub(1)
            .min(general.len() - 1)
    };
    let mut by_story: Vec<Vec<usize>> = vec![Vec::new(); stories.len()];
    let mut out: Vec<SynthArticle> = Vec::with_capacity(n);
    for (i, (t, sid)) in plan.into_iter().enumerate() {
        let s = &stories[sid];
        let published: Option<DateTime<Utc>> = Utc.timestamp_opt(t0 + t as i64, 0).single();
        let outlet = outlets[rng.below(outlets.len())].clone();
        // Wire copy of an earlier article of the story, lightly edited.
        if !by_story[sid].is_empty() && rng.below(100) < 15 {
            let src = &out[by_story[sid][rng.below(by_story[sid].len())]].doc;
            let mut words: Vec<String> = src.text.split(' ').map(str::to_string).collect();
            for _ in 0..3 {
                let k = rng.below(words.len());
                words[k] = general[zipf(&mut rng)].clone();
            }
            let doc = Doc {
                id: format!("a{i}"),
                outlet,
                published,
                title: src.title.clone(),
                url: String::new(),
                text: words.join(" "),
                language: None,
            };
            by_story[sid].push(out.len());
            out.push(SynthArticle { doc, story: sid });
            continue;
        }
        let pick = |rng: &mut Rng, title: bool| -> String {
            let r = rng.below(100);
            if r < if title { 30 } else { 10 } {
                names[s.names[rng.below(s.names.len())]].clone()
            } else if r < if title { 70 } else { 30 } {
                sections[s.section][s.topic[rng.below(s.topic.len())]].clone()
            } else if r < if title { 80 } else { 45 } {
                sections[s.section][rng.below(400)].clone()
            } else {
                general[zipf(rng)].clone()
            }
        };
        let title_len = 6 + rng.below(5);
        let title: Vec<String> = (0..title_len).map(|_| pick(&mut rng, true)).collect();
        let text_len = 120 + rng.below(150);
        let mut text = String::new();
        for k in 0..text_len {
            let w = pick(&mut rng, false);
            if k % 12 == 0 {
                if k > 0 {
                    text.push_str(". ");
                }
                text.push_str(&capitalize(&w));
            } else {
                text.push(' ');
                text.push_str(&w);
            }
        }
        let mut title_s = title.join(" ");
        title_s = capitalize(&title_s);
        let url = format!(
            "https://{}.example/news/{}",
            outlet.replace(' ', "").to_lowercase(),
            title.join("-").to_lowercase()
        );
        let doc = Doc {
            id: format!("a{i}"),
            outlet,
            published,
            title: title_s,
            url,
            text,
            language: None,
        };
        by_story[sid].push(out.len());
        out.push(SynthArticle { doc, story: sid });
    }
    out
}

/// B-cubed precision, recall and F1 of a predicted clustering against truth (parallel slices).
pub fn bcubed(truth: &[usize], pred: &[u64]) -> (f64, f64, f64) {
    use std::collections::HashMap;
    let n = truth.len().min(pred.len());
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let mut joint: HashMap<(usize, u64), usize> = HashMap::new();
    let mut ts: HashMap<usize, usize> = HashMap::new();
    let mut ps: HashMap<u64, usize> = HashMap::new();
    for i in 0..n {
        *joint.entry((truth[i], pred[i])).or_default() += 1;
        *ts.entry(truth[i]).or_default() += 1;
        *ps.entry(pred[i]).or_default() += 1;
    }
    let (mut p, mut r) = (0.0, 0.0);
    for i in 0..n {
        let j = joint[&(truth[i], pred[i])] as f64;
        p += j / ps[&pred[i]] as f64;
        r += j / ts[&truth[i]] as f64;
    }
    p /= n as f64;
    r /= n as f64;
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// CPU time (user + system) this process has used so far, in seconds, from /proc/self/stat.
pub fn process_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every mainstream Linux configuration.
    Some((utime + stime) / 100.0)
}
