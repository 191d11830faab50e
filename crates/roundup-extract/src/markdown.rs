//! Markdown rendering of an extracted [`Article`] (from its minimal HTML body).

use ego_tree::iter::Edge;
use roundup_model::Article;

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '*' | '_' | '`' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Renders an article as Markdown: `# title`, a byline line, then the body with headings,
/// lists, block quotes and links.
pub fn to_markdown(a: &Article) -> String {
    let mut out = String::new();
    if let Some(t) = &a.title {
        out.push_str("# ");
        out.push_str(&md_escape(t));
        out.push_str("\n\n");
    }
    let mut by = Vec::new();
    if !a.authors.is_empty() {
        by.push(format!("By {}", md_escape(&a.authors.join(", "))));
    }
    if let Some(d) = a.published {
        by.push(d.format("%Y-%m-%d").to_string());
    }
    if let Some(s) = &a.site_name {
        by.push(md_escape(s));
    }
    if !by.is_empty() {
        out.push('*');
        out.push_str(&by.join(" · "));
        out.push_str("*\n\n");
    }
    if a.html.trim().is_empty() {
        for p in a.text.split("\n\n") {
            out.push_str(&md_escape(p));
            out.push_str("\n\n");
        }
        return out;
    }
    let frag = scraper::Html::parse_fragment(&a.html);
    let mut line = String::new();
    let mut prefix: Vec<&'static str> = Vec::new();
    let mut ol_counter: Vec<Option<u32>> = Vec::new();
    let mut href_stack: Vec<String> = Vec::new();
    for edge in frag.tree.root().traverse() {
        match edge {
            Edge::Open(n) => {
                if let Some(t) = n.value().as_text() {
                    line.push_str(&md_escape(t));
                } else if let Some(e) = n.value().as_element() {
                    match e.name() {
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                            let level = e.name()[1..].parse::<usize>().unwrap_or(2);
                            line.push_str(&"#".repeat(level));
                            line.push(' ');
                        }
                        "blockquote" => prefix.push("> "),
                        "ul" => ol_counter.push(None),
                        "ol" => ol_counter.push(Some(0)),
                        "li" => match ol_counter.last_mut() {
                            Some(Some(c)) => {
                                *c += 1;
                                line.push_str(&format!("{c}. "));
                            }
                            _ => line.push_str("- "),
                        },
                        "pre" => line.push_str("```\n"),
                        "a" => {
                            href_stack.push(e.attr("href").unwrap_or("").to_string());
                            line.push('[');
                        }
                        _ => {}
                    }
                }
            }
            Edge::Close(n) => {
                if let Some(e) = n.value().as_element() {
                    match e.name() {
                        "a" => {
                            let h = href_stack.pop().unwrap_or_default();
                            line.push_str(&format!("]({h})"));
                        }
                        "p" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" => {
                            if e.name() == "pre" {
                                line.push_str("\n```");
                            }
                            let p: String = prefix.concat();
                            out.push_str(&p);
                            out.push_str(line.trim());
                            out.push('\n');
                            if e.name() != "li" {
                                out.push_str(&p);
                                out.push('\n');
                            }
                            line.clear();
                        }
                        "blockquote" => {
                            prefix.pop();
                            out.push('\n');
                        }
                        "ul" | "ol" => {
                            ol_counter.pop();
                            out.push('\n');
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if !line.trim().is_empty() {
        out.push_str(line.trim());
        out.push('\n');
    }
    while out.ends_with("\n\n\n") {
        out.pop();
    }
    out
}
