//! Precision / recall of (quote, speaker) pairs on the hand-labelled set in
//! `testdata/quotes.jsonl` (fictional speakers, varied attribution forms).

use roundup_digest::quotes::extract_quotes;
use roundup_digest::QuoteKind;
use serde::Deserialize;

#[derive(Deserialize)]
struct Gold {
    quote: String,
    speaker: String,
    kind: QuoteKind,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    text: String,
    gold: Vec<Gold>,
}

fn norm_text(s: &str) -> String {
    let s = s.replace('’', "'").to_lowercase();
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.trim_matches(|c: char| !c.is_alphanumeric()).to_string()
}

fn norm_speaker(s: &str) -> String {
    let n = norm_text(s);
    n.strip_prefix("the ").map(str::to_string).unwrap_or(n)
}

fn word_set(s: &str) -> Vec<String> {
    let mut w: Vec<String> = norm_text(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    w.sort();
    w.dedup();
    w
}

fn text_matches(kind: QuoteKind, gold: &str, pred: &str) -> bool {
    match kind {
        QuoteKind::Direct => norm_text(gold) == norm_text(pred),
        QuoteKind::Indirect => {
            let (a, b) = (word_set(gold), word_set(pred));
            let inter = a.iter().filter(|w| b.contains(w)).count();
            let union = a.len() + b.len() - inter;
            union > 0 && inter as f64 / union as f64 >= 0.6
        }
    }
}

/// Precision and recall over all pairs of a labelled file; prints per-kind figures and misses.
fn evaluate(path: &str, min_items: usize) -> (f64, f64) {
    let data = std::fs::read_to_string(path).expect("labelled quotes file");
    let items: Vec<Item> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid jsonl line"))
        .collect();
    assert!(
        items.len() >= min_items,
        "test set has {} items",
        items.len()
    );
    // Counters per kind: (gold, predicted, matched).
    let mut counts = [(0usize, 0usize, 0usize); 2];
    let idx = |k: QuoteKind| if k == QuoteKind::Direct { 0 } else { 1 };
    let mut misses = Vec::new();
    for it in &items {
        let pred = extract_quotes(&it.text);
        let mut used = vec![false; pred.len()];
        for g in &it.gold {
            counts[idx(g.kind)].0 += 1;
            let hit = pred.iter().enumerate().position(|(i, p)| {
                !used[i]
                    && p.kind == g.kind
                    && norm_speaker(&p.speaker) == norm_speaker(&g.speaker)
                    && text_matches(g.kind, &g.quote, &p.text)
            });
            match hit {
                Some(i) => {
                    used[i] = true;
                    counts[idx(g.kind)].2 += 1;
                }
                None => misses.push(format!(
                    "{} MISSED {:?}: {:?} — {:?}",
                    it.id, g.kind, g.speaker, g.quote
                )),
            }
        }
        for (i, p) in pred.iter().enumerate() {
            counts[idx(p.kind)].1 += 1;
            if !used[i] {
                misses.push(format!(
                    "{} EXTRA {:?}: {:?} — {:?}",
                    it.id, p.kind, p.speaker, p.text
                ));
            }
        }
    }
    for m in &misses {
        println!("{m}");
    }
    let total = (
        counts[0].0 + counts[1].0,
        counts[0].1 + counts[1].1,
        counts[0].2 + counts[1].2,
    );
    let pr = |(g, p, m): (usize, usize, usize)| {
        (
            if p == 0 { 1.0 } else { m as f64 / p as f64 },
            if g == 0 { 1.0 } else { m as f64 / g as f64 },
        )
    };
    let (dp, dr) = pr(counts[0]);
    let (ip, ir) = pr(counts[1]);
    let (p, r) = pr(total);
    println!(
        "quotes eval {path}: {} items, {} gold pairs",
        items.len(),
        total.0
    );
    println!(
        "direct:   precision {dp:.3} recall {dr:.3} (gold {}, predicted {}, matched {})",
        counts[0].0, counts[0].1, counts[0].2
    );
    println!(
        "indirect: precision {ip:.3} recall {ir:.3} (gold {}, predicted {}, matched {})",
        counts[1].0, counts[1].1, counts[1].2
    );
    println!("all:      precision {p:.3} recall {r:.3}");
    (p, r)
}

/// The development set (forms listed in the brief; the extractor was tuned on it).
#[test]
fn quote_speaker_precision_recall() {
    let (p, r) = evaluate(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/quotes.jsonl"),
        60,
    );
    assert!(p >= 0.9, "precision {p:.3} < 0.9");
    assert!(r >= 0.9, "recall {r:.3} < 0.9");
}

/// A second set written after the extractor, in another style. Its first run (before any fix)
/// measured P 0.905 / R 0.864; a few general fixes were then made from its misses, so it is
/// no longer independent. The floor sits a little under the current value.
#[test]
fn quote_speaker_precision_recall_heldout() {
    let (p, r) = evaluate(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/quotes-heldout.jsonl"),
        40,
    );
    assert!(
        p >= HELDOUT_FLOOR,
        "held-out precision {p:.3} < {HELDOUT_FLOOR}"
    );
    assert!(
        r >= HELDOUT_FLOOR,
        "held-out recall {r:.3} < {HELDOUT_FLOOR}"
    );
}

const HELDOUT_FLOOR: f64 = 0.85;

/// A third set, written last and measured once without any change to the extractor after it:
/// the least biased figure. Floor a little under the first measurement.
#[test]
fn quote_speaker_precision_recall_blind() {
    let (p, r) = evaluate(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/quotes-blind.jsonl"),
        20,
    );
    assert!(p >= BLIND_FLOOR, "blind precision {p:.3} < {BLIND_FLOOR}");
    assert!(r >= BLIND_FLOOR, "blind recall {r:.3} < {BLIND_FLOOR}");
}

const BLIND_FLOOR: f64 = 0.85;
