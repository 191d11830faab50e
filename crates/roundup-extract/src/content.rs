//! Main-content detection over the flat DOM.
//!
//! 1. Boilerplate marking (top-down): tags that never hold article text, hidden nodes,
//!    landmark roles and class/id names of share bars, newsletters, related lists, comments,
//!    cookie banners, captions… A node holding most of the page's paragraph text is never
//!    dropped by its name alone.
//! 2. Statistics (bottom-up, one reverse loop): text length, link text, commas.
//! 3. Readability-style scoring: each paragraph-like block adds to its ancestors with decay;
//!    ancestors get tag and class/id priors and structural hints (`<article>`,
//!    `itemprop=articleBody`); scores are discounted by link density.
//! 4. The best candidate (moved up when its parent or several near-equal candidates say the
//!    article is wider) plus related siblings are emitted as blocks, with link-dense lists
//!    and boilerplate lines filtered out.

use crate::dom::{push_normalized, Dom, Tag};
use regex::Regex;
use std::sync::OnceLock;

/// Kind of an emitted block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    P,
    H(u8),
    Li { ordered: bool, list: u32 },
    Quote(u32),
    Pre,
}

/// One block of body text with its links (byte spans into `text`).
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: Kind,
    pub text: String,
    pub links: Vec<(usize, usize, String)>,
    pub link_chars: usize,
}

impl Block {
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }
    fn link_density(&self) -> f32 {
        let c = self.chars();
        if c == 0 {
            0.0
        } else {
            self.link_chars as f32 / c as f32
        }
    }
}

fn strong_negative() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?x)comment|disqus|(?-u:\b)share|sharing|social|newsletter|subscri|signup|sign-up|cookie|consent|gdpr
            |related|recommend|promo|advert|(?-u:\b)ads?(?-u:\b)|(?-u:\b)ad[-_]|[-_]ads?(?-u:\b)|dfp|sponsor|outbrain|taboola|popup|modal
            |breadcrumb|byline|author[-_]?(?:bio|info|box|card)|(?-u:\b)bio(?-u:\b)|most[-_]?(?:popular|read|viewed)|trending
            |recirc|read[-_]?more|more[-_]?(?:stories|articles|news)|(?-u:\b)tags?(?-u:\b)|tag[-_]?list|keywords|caption|credit
            |sr-only|screen-?reader|visually-?hidden|offscreen|(?-u:\b)print[-_]?only|toolbar|pagination|pager|skip[-_]?link
            |(?-u:\b)meta(?-u:\b)|post[-_]?meta|entry[-_]?meta|article[-_]?meta|dateline|timestamp|(?-u:\b)date(?-u:\b)|published|author(?-u:\b)|(?-u:\b)authors(?-u:\b)
            |paywall|registration|login|signin|sign-in|banner|masthead|sidebar|widget|(?-u:\b)nav(?-u:\b)|navbar|navigation|(?-u:\b)menu(?-u:\b)|footer|(?-u:\b)header(?-u:\b)
            |jump[-_]?link|table[-_]?of[-_]?contents|(?-u:\b)toc(?-u:\b)|embed|video|player|gallery|slideshow|carousel|lightbox",
        )
        .expect("valid regex")
    })
}

fn weak_negative() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?x)extra|community|shoutbox|supplement|(?-u:\b)foot|header|legend|remark|replies|rss|skyscraper|tool|aside|rail|(?-u:\b)next(?-u:\b)|(?-u:\b)prev")
            .expect("valid regex")
    })
}

fn positive() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?x)article|(?-u:\b)body|content|entry|(?-u:\b)main|(?-u:\b)post|story|(?-u:\b)text|blog|hentry|prose|rich-?text|h-entry|e-content|paragraph|column",
        )
        .expect("valid regex")
    })
}

fn boilerplate_line() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?xi)^(?:advertisement|advertising|sponsored(?:\s+content)?|ad(?-u:\b)|read\s+more|read\s+next|continue\s+reading|related(?:\s+\w+)?:?
            |see\s+also|more\s+on\s+this|share(?:\s+this)?(?:\s+(?:article|story|post))?|follow\s+us|sign\s+up|subscribe|click\s+here|tap\s+here
            |image(?:\s+\d+)?:|photo:|photograph:|picture:|caption:|©|\(c\)\s|copyright|all\s+rights\s+reserved|loading|you\s+may\s+also\s+like
            |recommended|more\s+from|listen\s+to|watch:|watch\s+now|getty\s+images|ap\s+photo|reuters/|last\s+updated|updated:?|published:?
            |posted:?|filed\s+under|topics?:|tags?:|by\s+[\p{Lu}][\p{L}.'-]+(?:\s+[\p{Lu}][\p{L}.'-]+){0,3}$|send\s+us\s+a\s+tip|this\s+article\s+(?:is|was)\s+(?:from|originally)
            |we\s+use\s+cookies|your\s+browser|please\s+(?:enable|update)|enable\s+javascript|log\s*in|sign\s*in|register|email\s+address|thanks?\s+for\s+(?:signing|subscribing|reading)
            |download\s+the\s+app|get\s+the\s+app|view\s+comments|leave\s+a\s+comment|\d+\s+comments?|comments?$|print$|email$|facebook$|twitter$|linkedin$|whatsapp$|pinterest$|reddit$)",
        )
        .expect("valid regex")
    })
}

fn date_line() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?:19|20)\d{2}(?-u:\b).*(?-u:\b)\d{1,2}[:h]\d{2}(?-u:\b)|(?-u:\b)\d{1,2}[:h]\d{2}(?-u:\b).*(?:19|20)\d{2}(?-u:\b)")
            .expect("valid regex")
    })
}

/// Credit lines, promotions and calls to action that stand alone as a paragraph (checked on
/// paragraphs up to 300 characters).
fn promo_line() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?xi)^\(?(?:additional\s+)?reporting\s+by(?-u:\b)|(?-u:\b)contributed\s+(?:reporting|to\s+this\s+(?:report|story|article))
            |^(?:[\p{Lu}][\p{L}.'-]+\s+){1,3}[\p{Lu}][\p{L}.'-]+,\s+(?:ap|associated\s+press)(?-u:\b).{0,40}$
            |^sharing\s+is\s+caring|^like\s+this\s+(?:story|article|post)\?|^don'?t\s+miss(?-u:\b)|^(?:highlights|text\s+size|advert|more:)$
            |^comments\s+are\s+closed|^follow\s+(?:me|us)\s+on(?-u:\b)|^have\s+a\s+tip\?|(?-u:\b)may\s+be\s+reached\s+at(?-u:\b)
            |^(?:get|sign\s+up\s+for)\s+.{0,60}(?-u:\b)(?:newsletter|inbox)(?-u:\b)|^join\s+our\s+.{0,40}(?:forums?|community)(?-u:\b)
            |^email\s+.{0,60}@|^follow\s+@\w+|^this\s+slideshow\s+requires|^(?:tempo\s+de\s+leitura|reading\s+time)(?-u:\b)|^\d+\s+min(?:ute)?s?\s+read$
            |(?-u:\b)sign\s+up(?-u:\b).{0,80}(?-u:\b)(?:newsletters?|inbox)(?-u:\b)|^\[\w+[^\]]*\].*\[/\w+\]$
            |^if\s+you\s+(?:enjoyed|liked)\s+this\s+(?:article|story|post)|^this\s+document\s+is\s+subject\s+to\s+copyright",
        )
        .expect("valid regex")
    })
}

fn junk_tag(t: Tag) -> bool {
    use Tag::*;
    matches!(
        t,
        Head | Title
            | Meta
            | Link
            | Script
            | Style
            | Noscript
            | Template
            | Svg
            | Math
            | Iframe
            | Object
            | Embed
            | Canvas
            | Video
            | Audio
            | Input
            | Button
            | Select
            | Textarea
            | Option
            | Nav
            | Aside
            | Footer
            | Figure
            | Figcaption
            | Dialog
            | Menu
            | Label
            | Picture
            | Header
    )
}

/// Per-node statistics used by scoring.
struct Stats {
    chars: Vec<u32>,
    link_chars: Vec<u32>,
    commas: Vec<u16>,
}

fn text_len(s: &str) -> (u32, u16) {
    let mut n = 0u32;
    let mut commas = 0u16;
    let mut last_space = true;
    for ch in s.chars() {
        if ch.is_whitespace() || ch == '\u{a0}' {
            if !last_space {
                n += 1;
                last_space = true;
            }
        } else {
            n += 1;
            last_space = false;
            if ch == ',' || ch == '，' || ch == '、' {
                commas = commas.saturating_add(1);
            }
        }
    }
    (n, commas)
}

/// Result of content detection.
pub(crate) struct Content {
    pub blocks: Vec<Block>,
    /// Share of all visible paragraph text that the chosen content holds (0..1).
    pub coverage: f32,
}

pub(crate) fn extract(dom: &Dom, title: Option<&str>) -> Content {
    let n = dom.nodes.len();
    if n == 0 {
        return Content {
            blocks: Vec::new(),
            coverage: 0.0,
        };
    }

    // Raw text per subtree (before boilerplate marking), for the safety net.
    let mut raw = vec![0u32; n];
    // Normalized length and comma count of every text node, computed once.
    let mut tlen: Vec<(u32, u16)> = vec![(0, 0); n];
    // Paragraph-ish raw text: text whose nearest block ancestor is a <p>.
    for i in (0..n).rev() {
        let node = &dom.nodes[i];
        if node.tag == Tag::Text {
            tlen[i] = text_len(dom.node_text(i));
            let l = tlen[i].0;
            let p = node.parent as usize;
            if dom.nodes[p].tag == Tag::P || l >= 100 {
                raw[i] = l;
            }
        }
        let p = node.parent as usize;
        if p != i {
            raw[p] = raw[p].saturating_add(raw[i]);
        }
    }
    let total_raw = raw[0].max(1);
    // Subtrees holding an embedded post (the standard tweet / Instagram / TikTok embed codes
    // are blockquotes): the post is quoted content, whatever its wrapper is called.
    let mut embed = vec![false; n];
    for i in (0..n).rev() {
        if dom.nodes[i].tag == Tag::Blockquote {
            let ci = dom.class_id(i);
            if ci.contains("tweet") || ci.contains("instagram") || ci.contains("tiktok") {
                embed[i] = true;
            }
        }
        let p = dom.nodes[i].parent as usize;
        if p != i && embed[i] {
            embed[p] = true;
        }
    }

    // 1. Boilerplate marking, top-down (parents precede children).
    let mut junk = vec![false; n];
    for i in 0..n {
        let node = &dom.nodes[i];
        let p = node.parent as usize;
        if p != i && junk[p] {
            junk[i] = true;
            continue;
        }
        if node.tag == Tag::Text {
            continue;
        }
        let big = raw[i] as f32 > 0.5 * total_raw as f32 && raw[i] > 500;
        if matches!(node.tag, Tag::Html | Tag::Body | Tag::P) {
            // A paragraph is judged by its text, later; never by its class.
            if node.tag == Tag::P && node.hidden && !big {
                junk[i] = true;
            }
            continue;
        }
        if junk_tag(node.tag) {
            // <header>/<footer>/<aside> that hold most of the article are layout wrappers.
            if !(big
                && matches!(
                    node.tag,
                    Tag::Header | Tag::Footer | Tag::Aside | Tag::Noscript
                ))
            {
                junk[i] = true;
            }
            continue;
        }
        if node.hidden && !big {
            junk[i] = true;
            continue;
        }
        if let Some(a) = dom.attrs(i) {
            if let Some(r) = a.role.as_deref() {
                if matches!(
                    r,
                    "navigation"
                        | "complementary"
                        | "contentinfo"
                        | "dialog"
                        | "alertdialog"
                        | "search"
                        | "menu"
                        | "menubar"
                        | "toolbar"
                        | "banner"
                ) && !big
                {
                    junk[i] = true;
                    continue;
                }
            }
            if a.itemprop
                .as_deref()
                .is_some_and(|p| p.contains("articlebody") || p == "text")
            {
                continue;
            }
        }
        let ci = dom.class_id(i);
        // Links are judged by link density, not by their names ("player-link", "tag-link").
        if ci.is_empty() || big || embed[i] || node.tag == Tag::A {
            continue;
        }
        if strong_negative().is_match(ci) {
            // "article-body share-enabled": let a body-like name win unless the negative word
            // is the element's own role.
            if !(positive().is_match(ci) && raw[i] > 0 && raw[i] as f32 > 0.2 * total_raw as f32) {
                junk[i] = true;
            }
        } else if weak_negative().is_match(ci) && !positive().is_match(ci) && raw[i] < 400 {
            junk[i] = true;
        }
    }

    if let Ok(needle) = std::env::var("ROUNDUP_EXTRACT_FIND") {
        if let Some(i) = (0..n).find(|&i| dom.node_text(i).contains(needle.as_str())) {
            let mut a = i;
            loop {
                eprintln!(
                    "  anc {a} {:?} {:?} junk {} hidden {} raw {}",
                    dom.nodes[a].tag,
                    dom.class_id(a),
                    junk[a],
                    dom.nodes[a].hidden,
                    raw[a]
                );
                let p = dom.nodes[a].parent as usize;
                if p == a {
                    break;
                }
                a = p;
            }
        }
    }
    // 2. Bottom-up statistics over kept nodes.
    let mut st = Stats {
        chars: vec![0; n],
        link_chars: vec![0; n],
        commas: vec![0; n],
    };
    for i in (0..n).rev() {
        if junk[i] {
            continue;
        }
        let node = &dom.nodes[i];
        if node.tag == Tag::Text {
            let (l, c) = tlen[i];
            st.chars[i] = l;
            st.commas[i] = c;
        } else if node.tag == Tag::A {
            st.link_chars[i] = st.chars[i];
        }
        let p = node.parent as usize;
        if p != i {
            st.chars[p] = st.chars[p].saturating_add(st.chars[i]);
            st.link_chars[p] = st.link_chars[p].saturating_add(st.link_chars[i]);
            st.commas[p] = st.commas[p].saturating_add(st.commas[i]);
        }
    }
    let ld = |i: usize| -> f32 {
        let c = st.chars[i];
        if c == 0 {
            0.0
        } else {
            (st.link_chars[i] as f32 / c as f32).min(1.0)
        }
    };

    // Inline text owned by each block element (text not inside a nested block).
    let mut owner_chars = vec![0u32; n];
    let mut owner_commas = vec![0u16; n];
    let mut owner_of = vec![u32::MAX; n];
    for i in 0..n {
        if junk[i] {
            continue;
        }
        let node = &dom.nodes[i];
        let p = node.parent as usize;
        if node.tag.is_block() || p == i {
            owner_of[i] = i as u32;
        } else {
            owner_of[i] = owner_of[p];
        }
        if node.tag == Tag::Text && owner_of[i] != u32::MAX {
            let o = owner_of[i] as usize;
            owner_chars[o] += st.chars[i];
            owner_commas[o] = owner_commas[o].saturating_add(st.commas[i]);
        }
    }

    // 3. Scoring.
    let mut score = vec![0f32; n];
    let mut inited = vec![false; n];
    let prior = |i: usize| -> f32 {
        let node = &dom.nodes[i];
        let mut s = match node.tag {
            Tag::Div | Tag::Section => 5.0,
            Tag::Article => 10.0,
            Tag::Main => 5.0,
            Tag::Pre | Tag::Td | Tag::Blockquote => 3.0,
            Tag::Address
            | Tag::Ol
            | Tag::Ul
            | Tag::Dl
            | Tag::Dd
            | Tag::Dt
            | Tag::Li
            | Tag::Form => -3.0,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6 | Tag::Th => -5.0,
            _ => 0.0,
        };
        let ci = dom.class_id(i);
        if !ci.is_empty() {
            if strong_negative().is_match(ci) || weak_negative().is_match(ci) {
                s -= 25.0;
            }
            if positive().is_match(ci) {
                s += 25.0;
            }
        }
        if let Some(a) = dom.attrs(i) {
            if a.itemprop
                .as_deref()
                .is_some_and(|p| p.contains("articlebody"))
            {
                s += 40.0;
            }
            if a.role.as_deref() == Some("main") {
                s += 10.0;
            }
        }
        s
    };
    for i in 0..n {
        if junk[i] || owner_of[i] != i as u32 {
            continue;
        }
        let l = owner_chars[i];
        if l < 25 {
            continue;
        }
        let tag = dom.nodes[i].tag;
        if tag.heading().is_some() || matches!(tag, Tag::Li | Tag::Dt | Tag::Th) && l < 100 {
            continue;
        }
        let base = 1.0 + owner_commas[i] as f32 + (l as f32 / 100.0).min(3.0);
        // A text-bearing container is itself a paragraph: its parent gets the score, as do
        // ancestors with decay.
        let mut a = dom.nodes[i].parent as usize;
        let mut level = 0;
        while level < 5 && a != i {
            if !inited[a] {
                inited[a] = true;
                score[a] += prior(a);
            }
            let div = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f32 * 3.0,
            };
            score[a] += base / div;
            let pa = dom.nodes[a].parent as usize;
            if pa == a || junk[pa] {
                break;
            }
            a = pa;
            level += 1;
        }
        // Text directly in a div/section (no <p>) makes that element a candidate too.
        if matches!(
            tag,
            Tag::Div | Tag::Section | Tag::Article | Tag::Main | Tag::Td
        ) {
            if !inited[i] {
                inited[i] = true;
                score[i] += prior(i);
            }
            score[i] += base;
        }
    }
    let mut best: Option<usize> = None;
    let mut best_score = f32::MIN;
    for i in 0..n {
        if !inited[i] || junk[i] {
            continue;
        }
        score[i] *= 1.0 - ld(i);
        if matches!(dom.nodes[i].tag, Tag::Html | Tag::Body) {
            continue;
        }
        if score[i] > best_score {
            best_score = score[i];
            best = Some(i);
        }
    }
    let body = dom
        .nodes
        .iter()
        .position(|x| x.tag == Tag::Body)
        .unwrap_or(0);
    if std::env::var_os("ROUNDUP_EXTRACT_DEBUG").is_some() {
        let mut c: Vec<usize> = (0..n).filter(|&i| inited[i] && !junk[i]).collect();
        c.sort_by(|a, b| score[*b].total_cmp(&score[*a]));
        for &i in c.iter().take(8) {
            eprintln!(
                "cand {i} {:?} {:?} score {:.1} chars {} ld {:.2}",
                dom.nodes[i].tag,
                dom.class_id(i),
                score[i],
                st.chars[i],
                ld(i)
            );
        }
    }
    let mut top = match best {
        Some(b) => b,
        None => body,
    };

    // Several near-equal candidates under one ancestor: the article is that ancestor.
    if best.is_some() {
        let alts: Vec<usize> = (0..n)
            .filter(|&i| {
                i != top
                    && inited[i]
                    && !junk[i]
                    && score[i] >= 0.75 * best_score
                    && !is_ancestor(dom, i, top)
                    && !is_ancestor(dom, top, i)
            })
            .collect();
        if alts.len() >= 2 {
            let mut a = dom.nodes[top].parent as usize;
            while a != body && dom.nodes[a].parent as usize != a {
                let count = alts.iter().filter(|&&x| is_ancestor(dom, a, x)).count();
                if count >= 2 {
                    top = a;
                    break;
                }
                a = dom.nodes[a].parent as usize;
            }
        }
        // Climb while the parent scores higher.
        let mut last = score[top];
        let threshold = last / 3.0;
        let mut p = dom.nodes[top].parent as usize;
        while p != body && dom.nodes[p].parent as usize != p {
            if !inited[p] {
                p = dom.nodes[p].parent as usize;
                continue;
            }
            if score[p] < threshold {
                break;
            }
            if score[p] > last {
                top = p;
                break;
            }
            last = score[p];
            p = dom.nodes[p].parent as usize;
        }
        // A lone child wraps nothing: use its parent.
        loop {
            let p = dom.nodes[top].parent as usize;
            if p == top || p == body || matches!(dom.nodes[p].tag, Tag::Html | Tag::Body) || junk[p]
            {
                break;
            }
            if st.chars[p] == st.chars[top] {
                top = p;
            } else {
                break;
            }
        }
    }

    if std::env::var_os("ROUNDUP_EXTRACT_DEBUG").is_some() {
        eprintln!("top {top} {:?} {:?}", dom.nodes[top].tag, dom.class_id(top));
    }
    // 4. Siblings.
    let mut roots: Vec<usize> = Vec::new();
    let parent = dom.nodes[top].parent as usize;
    if best.is_some() && parent != top && top != body {
        let thresh = (score[top] * 0.2).max(10.0);
        let top_class = dom.class_id(top);
        let mut c = parent + 1;
        let pend = dom.nodes[parent].end as usize;
        while c < pend {
            let cend = dom.nodes[c].end as usize;
            if c == top {
                roots.push(c);
            } else if !junk[c] {
                let mut s = if inited[c] { score[c] } else { 0.0 };
                if !top_class.is_empty() && dom.class_id(c) == top_class {
                    s += score[top] * 0.2;
                }
                let len = st.chars[c];
                if inited[c] && s >= thresh && ld(c) < 0.3 {
                    roots.push(c);
                } else if dom.nodes[c].tag == Tag::P || (dom.nodes[c].tag == Tag::Text && len > 0) {
                    let d = ld(c);
                    if (len > 80 && d < 0.25)
                        || (len > 0 && len <= 80 && d == 0.0 && ends_sentence(dom, c))
                    {
                        roots.push(c);
                    }
                }
            }
            c = cend;
        }
    } else {
        roots.push(top);
    }

    // Articles split into chunks that share one class name ("body__section" between images
    // or ads) may sit far apart in the tree: add the other well-scored chunks of that class.
    if let Some(b) = best {
        let class = dom.class_id(b);
        if !class.is_empty() {
            let min = score[b] * 0.2;
            for c in 0..n {
                if c == b
                    || !inited[c]
                    || junk[c]
                    || score[c] < min
                    || ld(c) >= 0.3
                    || dom.class_id(c) != class
                {
                    continue;
                }
                if roots
                    .iter()
                    .any(|&r| r == c || is_ancestor(dom, r, c) || is_ancestor(dom, c, r))
                {
                    continue;
                }
                roots.push(c);
            }
            roots.sort_unstable();
        }
    }

    // 5. Emission.
    let mut blocks = Vec::new();
    for &r in &roots {
        emit(dom, r, &junk, &st, &mut blocks);
    }
    let mut blocks = filter_blocks(blocks, title);

    // Fallback: the chosen container missed most of the page's paragraphs.
    let kept: usize = blocks.iter().map(|b| b.chars()).sum();
    let all_p = all_paragraph_chars(dom, &junk, &st);
    if kept < 250 && all_p > kept * 2 {
        let mut alt = Vec::new();
        emit(dom, body, &junk, &st, &mut alt);
        let alt: Vec<Block> = filter_blocks(alt, title)
            .into_iter()
            .filter(|b| b.chars() >= 40 || matches!(b.kind, Kind::H(_)))
            .collect();
        let alt_chars: usize = alt.iter().map(|b| b.chars()).sum();
        if alt_chars > kept * 2 {
            blocks = alt;
        }
    }
    let kept: usize = blocks.iter().map(|b| b.chars()).sum();
    let coverage = if all_p == 0 {
        1.0
    } else {
        (kept as f32 / all_p as f32).min(1.0)
    };
    Content { blocks, coverage }
}

fn ends_sentence(dom: &Dom, i: usize) -> bool {
    let t = dom.subtree_text(i, &|_| false);
    t.ends_with('.') || t.contains(". ")
}

fn is_ancestor(dom: &Dom, a: usize, x: usize) -> bool {
    a < x && x < dom.nodes[a].end as usize
}

fn all_paragraph_chars(dom: &Dom, junk: &[bool], st: &Stats) -> usize {
    let mut total = 0usize;
    for (i, n) in dom.nodes.iter().enumerate() {
        if n.tag == Tag::P
            && !junk[i]
            && st.chars[i] >= 40
            && (st.link_chars[i] as f32) < 0.5 * st.chars[i] as f32
        {
            total += st.chars[i] as usize;
        }
    }
    total
}

/// Whether a list/table/div inside the content is navigation-like (mostly links).
fn link_cluster(dom: &Dom, i: usize, st: &Stats) -> bool {
    let c = st.chars[i];
    if c == 0 {
        return false;
    }
    let d = st.link_chars[i] as f32 / c as f32;
    match dom.nodes[i].tag {
        Tag::Ul | Tag::Ol | Tag::Dl | Tag::Table => d > 0.5,
        Tag::Div | Tag::Section => d > 0.6 && c < 2000,
        _ => false,
    }
}

fn emit(dom: &Dom, root: usize, junk: &[bool], st: &Stats, out: &mut Vec<Block>) {
    struct Open {
        end: usize,
        tag: Tag,
        idx: usize,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut links: Vec<(usize, String, usize)> = Vec::new(); // (end, href, start byte)
    let mut cur = Block {
        kind: Kind::P,
        text: String::new(),
        links: Vec::new(),
        link_chars: 0,
    };
    let end = dom.nodes[root].end as usize;
    let flush = |cur: &mut Block, out: &mut Vec<Block>| {
        let t = cur.text.trim_end().len();
        cur.text.truncate(t);
        if !cur.text.is_empty() {
            for l in cur.links.iter_mut() {
                l.1 = l.1.min(cur.text.len());
            }
            out.push(std::mem::replace(
                cur,
                Block {
                    kind: Kind::P,
                    text: String::new(),
                    links: Vec::new(),
                    link_chars: 0,
                },
            ));
        } else {
            cur.links.clear();
            cur.link_chars = 0;
        }
    };
    let kind_of = |stack: &[Open]| -> Kind {
        let mut k = Kind::P;
        for o in stack.iter().rev() {
            match o.tag {
                t if t.heading().is_some() => return Kind::H(t.heading().unwrap_or(2)),
                Tag::Pre => return Kind::Pre,
                Tag::Li => {
                    let list = dom.nodes[o.idx].parent as usize;
                    k = Kind::Li {
                        ordered: dom.nodes[list].tag == Tag::Ol,
                        list: list as u32,
                    };
                    return k;
                }
                Tag::Blockquote => return Kind::Quote(o.idx as u32),
                _ => {}
            }
        }
        k
    };
    let mut j = root;
    while j < end {
        while links.last().is_some_and(|l| l.0 <= j) {
            let (_, href, start) = links.pop().unwrap_or_default();
            if cur.text.len() > start && !href.is_empty() {
                cur.links.push((start, cur.text.len(), href));
            }
        }
        while stack.last().is_some_and(|o| o.end <= j) {
            flush(&mut cur, out);
            stack.pop();
        }
        let node = &dom.nodes[j];
        if junk[j] || (j != root && link_cluster(dom, j, st)) {
            j = node.end as usize;
            continue;
        }
        match node.tag {
            Tag::Text => {
                let t = dom.node_text(j);
                if cur.text.is_empty() {
                    if t.trim().is_empty() {
                        j += 1;
                        continue;
                    }
                    cur.kind = kind_of(&stack);
                }
                let before = cur.text.chars().count();
                push_normalized(&mut cur.text, t);
                if !links.is_empty() {
                    cur.link_chars += cur.text.chars().count() - before;
                }
            }
            Tag::A => {
                let href = dom
                    .attrs(j)
                    .and_then(|a| a.href.clone())
                    .unwrap_or_default();
                links.push((node.end as usize, href, cur.text.len()));
            }
            Tag::Br | Tag::Hr => flush(&mut cur, out),
            t if t.is_block() => {
                flush(&mut cur, out);
                stack.push(Open {
                    end: node.end as usize,
                    tag: t,
                    idx: j,
                });
            }
            _ => {}
        }
        j += 1;
    }
    while let Some((_, href, start)) = links.pop() {
        if cur.text.len() > start && !href.is_empty() {
            cur.links.push((start, cur.text.len(), href));
        }
    }
    flush(&mut cur, out);
}

fn norm_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Drops a closing list of short linked items ("More stories: …", a related-links box) and
/// the short label before it.
fn drop_trailing_link_list(blocks: &mut Vec<Block>) {
    loop {
        let Some(Kind::Li { list, .. }) = blocks.last().map(|b| b.kind) else {
            return;
        };
        let start = blocks
            .iter()
            .rposition(|b| !matches!(b.kind, Kind::Li { list: l, .. } if l == list))
            .map_or(0, |p| p + 1);
        let items = &blocks[start..];
        let linked = items.iter().all(|b| !b.links.is_empty() && b.chars() < 200);
        let unpunctuated = items
            .iter()
            .filter(|b| !b.text.ends_with(['.', '!', '?']))
            .count();
        if items.len() < 3 || !linked || unpunctuated * 3 < items.len() * 2 {
            return;
        }
        blocks.truncate(start);
        if blocks
            .last()
            .is_some_and(|b| b.chars() < 40 && !b.text.ends_with(['.', '!', '?', '"', '”']))
        {
            blocks.pop();
        }
    }
}

fn filter_blocks(mut blocks: Vec<Block>, title: Option<&str>) -> Vec<Block> {
    if std::env::var_os("ROUNDUP_EXTRACT_DEBUG").is_some() {
        for b in blocks.iter().rev().take(12) {
            eprintln!(
                "raw block {:?} links {} {:?}",
                b.kind,
                b.links.len(),
                b.text.chars().take(50).collect::<String>()
            );
        }
    }
    drop_trailing_link_list(&mut blocks);
    let title_key = title.map(norm_key).unwrap_or_default();
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for b in blocks {
        let chars = b.chars();
        let t = b.text.trim();
        if t.is_empty() {
            continue;
        }
        let d = b.link_density();
        if d > 0.8 || (d > 0.5 && chars.saturating_sub(b.link_chars) < 60) {
            continue;
        }
        if (chars < 90 || (chars < 160 && !t.ends_with(['.', '!', '?'])))
            && boilerplate_line().is_match(t)
        {
            continue;
        }
        if matches!(b.kind, Kind::H(_)) || chars < 200 {
            let k = norm_key(t);
            if !title_key.is_empty() && k == title_key {
                continue;
            }
        }
        if chars < 300 && promo_line().is_match(t) {
            continue;
        }
        // A dateline / timestamp on its own ("Monday, 22 January 2018 at 0:13").
        if chars < 60 && date_line().is_match(t) {
            continue;
        }
        // Lone punctuation or separators.
        if !t.chars().any(|c| c.is_alphanumeric()) {
            continue;
        }
        out.push(b);
    }
    // Headings that end the content or are followed only by other headings introduce a
    // removed section (related links, comments).
    while out.last().is_some_and(|b| {
        matches!(b.kind, Kind::H(_))
            || b.chars() < 25 && !b.text.ends_with(['.', '!', '?', '"', '”'])
    }) {
        out.pop();
    }
    let mut i = 0;
    while i + 1 < out.len() {
        if matches!(out[i].kind, Kind::H(_)) && matches!(out[i + 1].kind, Kind::H(_)) {
            out.remove(i);
        } else {
            i += 1;
        }
    }
    out
}
