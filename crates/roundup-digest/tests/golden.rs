//! Golden test: the digest of a small fictional story (six outlets of different leanings).
//! Regenerate deliberately with `UPDATE_GOLDEN=1 cargo test -p roundup-digest --test golden`
//! and review the diff.

use roundup_digest::{digest, DigestConfig, Story};
use roundup_model::Side;

const STORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/story-calder-strike.json"
);
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/story-calder-strike.digest.json"
);

fn load() -> Story {
    serde_json::from_str(&std::fs::read_to_string(STORY).expect("story fixture"))
        .expect("valid story json")
}

#[test]
fn digest_matches_golden() {
    let story = load();
    let d = digest(&story, &DigestConfig::default()).expect("digest");
    let got = serde_json::to_string_pretty(&d).expect("serialize") + "\n";
    // Deterministic: the same input twice (and shuffled) gives the same digest.
    let mut shuffled = story.clone();
    shuffled.articles.reverse();
    let again = serde_json::to_string_pretty(&digest(&shuffled, &DigestConfig::default()).unwrap())
        .unwrap()
        + "\n";
    assert_eq!(got, again, "digest depends on article order");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &got).expect("write golden");
        println!("updated {GOLDEN}");
        return;
    }
    let want = std::fs::read_to_string(GOLDEN)
        .expect("golden file (run with UPDATE_GOLDEN=1 to create it)");
    if got != want {
        let (gl, wl): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
        let first = gl
            .iter()
            .zip(&wl)
            .position(|(a, b)| a != b)
            .unwrap_or(gl.len().min(wl.len()));
        panic!(
            "digest differs from {GOLDEN} at line {}:\n  got:  {}\n  want: {}\n(regenerate with UPDATE_GOLDEN=1 after review)",
            first + 1,
            gl.get(first).unwrap_or(&"<eof>"),
            wl.get(first).unwrap_or(&"<eof>")
        );
    }
}

#[test]
fn digest_has_the_expected_shape() {
    let d = digest(&load(), &DigestConfig::default()).unwrap();
    assert!(
        !d.headline.text.contains("WON'T BELIEVE"),
        "clickbait headline chosen: {}",
        d.headline.text
    );
    assert!(!d.headline.text.ends_with("The Harbor Gazette"));
    assert!((3..=6).contains(&d.facts.len()), "{} facts", d.facts.len());
    assert!(d.facts.iter().all(|f| !f.text.contains("newsletter")));
    let speakers: Vec<&str> = d.quotes.iter().map(|q| q.speaker.as_str()).collect();
    for want in [
        "Tomas Berg",
        "Helen Marsh",
        "Mara Quint",
        "Chief Executive Ines Carvalho",
    ] {
        assert!(
            speakers.contains(&want),
            "missing speaker {want}: {speakers:?}"
        );
    }
    // "She added …" in the Sentinel piece resolves to Helen Marsh.
    assert!(d
        .quotes
        .iter()
        .any(|q| q.text.starts_with("Many of our members") && q.speaker == "Helen Marsh"));
    assert_eq!(
        (
            d.coverage.left,
            d.coverage.center,
            d.coverage.right,
            d.coverage.unrated
        ),
        (2, 1, 2, 1)
    );
    assert!(d.coverage.blindspots.is_empty());
    assert_eq!(
        d.perspectives.iter().map(|p| p.side).collect::<Vec<_>>(),
        vec![Side::Left, Side::Center, Side::Right]
    );
    assert_eq!(
        d.timeline.first_report.as_ref().unwrap().outlet,
        "The Harbor Gazette"
    );
    assert_eq!(d.timeline.entries.len(), 6);
}

#[test]
fn explain_lists_every_term() {
    use chrono::TimeZone;
    let now = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let r = roundup_digest::rank(&[load()], now, &roundup_digest::RankConfig::default());
    let text = r[0].terms.to_string();
    println!("{text}");
    for term in ["outlets", "spread", "velocity", "prominence", "recency"] {
        assert!(text.contains(term), "{term} missing from:\n{text}");
    }
    assert_eq!(r[0].outlets, 6);
}
