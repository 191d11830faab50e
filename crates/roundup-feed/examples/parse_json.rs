//! Prints the normalized parse result of one file as JSON (same output as
//! `roundup parse-feed --json FILE`, without building the whole binary).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_json FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let p = roundup_feed::parse_feed_lenient(&bytes, &roundup_feed::ParseOptions::default());
    println!("{}", p.to_json());
}
