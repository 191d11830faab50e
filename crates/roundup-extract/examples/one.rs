//! Development helper: extract one page file and print the result.
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let page = roundup_extract::read_page(std::path::Path::new(&p)).unwrap();
    let x = roundup_extract::extract_auto(&page, &Default::default()).unwrap();
    println!(
        "{:#?}\n{:?} {:?} {:?}\n----\n{}",
        x.article.title, x.method, x.quality, x.published_date, x.article.text
    );
}
