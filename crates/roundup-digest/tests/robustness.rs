//! Robustness: odd and generated inputs never panic (byte slicing on multi-byte text, stray
//! quote marks, abbreviations at the end, empty fields), and results stay deterministic.

use chrono::{TimeZone, Utc};
use roundup_digest::{
    digest, editions, quotes::extract_quotes, rank, text, DigestConfig, EditionConfig, RankConfig,
    Story, StoryArticle,
};

/// Deterministic pseudo-random text from a pool of tricky pieces.
fn generated(seed: u64, len: usize) -> String {
    const POOL: &[&str] = &[
        "“",
        "”",
        "\"",
        "'",
        "’",
        "‘",
        "«",
        "»",
        ",",
        ".",
        "!",
        "?",
        "…",
        ":",
        ";",
        "—",
        "-",
        "(",
        ")",
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "said",
        "says",
        "told",
        "according to",
        "she",
        "he",
        "they",
        "it",
        "Dr.",
        "U.S.",
        "Jan.",
        "Mr.",
        "St.",
        "3.5",
        "7",
        "the",
        "a",
        "Ana Ruiz",
        "Prime Minister",
        "the ministry",
        "who",
        "that",
        "é",
        "日本",
        "🙂",
        "\u{301}",
        "Ω",
        "ß",
        "İ",
        "no",
        "not",
        "deaths",
        "rescued",
        "killed",
        "failed to",
        "cure",
        "Opinion:",
        " - Outlet",
        "ALL CAPS",
        "x",
    ];
    let mut s = String::new();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for _ in 0..len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(POOL[(x >> 33) as usize % POOL.len()]);
        if (x >> 20).is_multiple_of(3) {
            s.push(' ');
        }
    }
    s
}

#[test]
fn generated_text_never_panics() {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let mut stories = Vec::new();
    for seed in 0..60u64 {
        let t = generated(seed, 20 + (seed as usize * 7) % 300);
        let _ = text::split_sentences(&t);
        let _ = text::paragraphs(&t);
        let _ = extract_quotes(&t);
        let story = Story {
            id: format!("g{seed}"),
            articles: (0..(1 + seed % 4))
                .map(|i| StoryArticle {
                    outlet: generated(seed + 1000 + i, 2),
                    title: generated(seed + 2000 + i, 8),
                    text: generated(seed + 3000 + i, 150),
                    published: Some(now - chrono::Duration::minutes((seed * 13 + i * 7) as i64)),
                    position: Some((seed % 5) as u32),
                    lean: roundup_model::Lean::ALL
                        .get((seed as usize + i as usize) % 6)
                        .copied(),
                    categories: vec![generated(seed + 4000 + i, 2)],
                    reach: if seed % 7 == 0 {
                        Some(f64::NAN)
                    } else {
                        Some(seed as f64)
                    },
                    ..Default::default()
                })
                .collect(),
        };
        let d1 = digest(&story, &DigestConfig::default()).expect("non-empty story digests");
        let d2 = digest(&story, &DigestConfig::default()).unwrap();
        assert_eq!(d1, d2, "non-deterministic digest for seed {seed}");
        assert!(d1.facts.len() <= 6);
        stories.push(story);
    }
    let ranked = rank(&stories, now, &RankConfig::default());
    assert_eq!(ranked.len(), stories.len());
    assert!(ranked.iter().all(|r| r.score.is_finite()));
    let e = editions::ten_things(
        &ranked,
        &stories,
        now,
        &DigestConfig::default(),
        &EditionConfig::default(),
    );
    assert!(e.items.len() <= 10);
}

#[test]
fn degenerate_fields() {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let weird = [
        "",
        " ",
        "\n\n\n",
        "“",
        "”",
        "\"\"\"",
        "said.",
        "U.S.",
        "Dr.",
        "...",
        "“”",
        "“ ”,” said",
        "According to",
        "according to ,",
        "a, b, c,",
        "(",
        ")",
        "\"\n\n\"",
        "“a b c\n\n“d e f",
        "He said.",
        "she said: “",
        "“x y z,” she",
        "— said —",
    ];
    for (i, w) in weird.iter().enumerate() {
        let s = Story {
            id: i.to_string(),
            articles: vec![StoryArticle {
                outlet: w.to_string(),
                title: w.to_string(),
                text: w.to_string(),
                published: Some(now),
                ..Default::default()
            }],
        };
        let d = digest(&s, &DigestConfig::default()).unwrap();
        let _ = serde_json::to_string(&d).unwrap();
    }
    // Future and far-past dates, zero/negative config windows.
    let cfg = RankConfig {
        half_life_hours: 0.0,
        velocity_window_hours: -1.0,
        ..Default::default()
    };
    let s = Story {
        id: "t".into(),
        articles: vec![
            StoryArticle {
                outlet: "A".into(),
                published: Some(now + chrono::Duration::days(400)),
                ..Default::default()
            },
            StoryArticle {
                outlet: "B".into(),
                published: Some(Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap()),
                ..Default::default()
            },
        ],
    };
    let r = rank(std::slice::from_ref(&s), now, &cfg);
    assert!(r[0].score.is_finite());
    assert!(
        digest(&s, &DigestConfig::default())
            .unwrap()
            .timeline
            .hourly
            .len()
            <= 24 * 14
    );
}
