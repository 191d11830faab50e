//! Classifies every `.eml` of a directory and prints `{file: [{status, action, ...}]}` as JSON
//! (the same shape as `roundup bounces classify --batch`), for quick iteration on the
//! classifier without building the whole `roundup` binary.
//!
//! `cargo run -p roundup-mail --example bounce_batch -- DIR > PRED.json`

use std::collections::BTreeMap;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bounce_batch DIR");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let mut out = BTreeMap::new();
    for p in files {
        let raw = std::fs::read(&p).expect("read file");
        let rows: Vec<serde_json::Value> = match roundup_mail::bounce::classify(&raw) {
            Ok(rep) => rep
                .recipients
                .iter()
                .map(|r| {
                    serde_json::json!({"address": r.address, "status": r.status,
                        "reply_code": r.reply_code, "reason": r.reason.as_str(),
                        "action": r.action.as_str(), "diagnostic": r.diagnostic})
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        out.insert(p.file_name().unwrap().to_string_lossy().into_owned(), rows);
    }
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
