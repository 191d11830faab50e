//! The seed case from the shared boilerplate fixture (a scraped article page): the quote told
//! to a newspaper is attributed to the official, not to the newspaper. Skips when ../shared is
//! absent.

use roundup_digest::quotes::extract_quotes;
use roundup_digest::QuoteKind;

#[test]
fn week_page_seed_quote_goes_to_the_official() {
    let path = roundup_testkit::shared_path("fixtures/week-article-page.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipping: {} not found", path.display());
        return;
    };
    let quotes = extract_quotes(&text);
    for q in &quotes {
        println!("{:?} | {} | {}", q.kind, q.speaker, q.text);
    }
    let seed = quotes
        .iter()
        .find(|q| q.text.starts_with("We're just at the beginning"))
        .expect("seed quote found");
    assert_eq!(seed.speaker, "a senior U.S. official");
    assert_eq!(seed.kind, QuoteKind::Direct);
    let follow = quotes
        .iter()
        .find(|q| q.text.starts_with("We've got a long way to go"))
        .expect("follow-up quote found");
    assert_eq!(follow.speaker, "a senior U.S. official");
    assert!(quotes
        .iter()
        .all(|q| !q.speaker.contains("Wall Street Journal")));
}
