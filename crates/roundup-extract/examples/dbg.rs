//! Development helper: show where a text sits in the parsed tree.
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let needle = std::env::args().nth(2).unwrap();
    let s = std::fs::read_to_string(p).unwrap();
    let h = scraper::Html::parse_document(&s);
    for n in h.tree.root().descendants() {
        if let Some(t) = n.value().as_text() {
            if t.contains(needle.as_str()) {
                let mut a = n.parent();
                while let Some(x) = a {
                    if let Some(e) = x.value().as_element() {
                        eprint!("{}.{:?} < ", e.name(), e.attr("class"));
                    }
                    a = x.parent();
                }
                eprintln!();
            }
        }
    }
}
