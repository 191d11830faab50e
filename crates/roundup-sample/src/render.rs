//! Rendering the world into feeds, HTML pages and robots.txt.

use crate::data::fnv;
use crate::{FeedFormat, Layout, SampleArticle, SampleOutlet, SampleResource, SampleSite, World};
use chrono::{DateTime, FixedOffset, Utc};
use roundup_model::Section;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML and XML content and attribute values (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON for embedding inside `<script>`: no `<`, `>` or `&` appear literally.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// CDATA section that stays valid whatever the text holds.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

pub(crate) fn month_abbr(m: u32) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m as usize + 11) % 12]
}

fn local(o: &SampleOutlet, t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let off = FixedOffset::east_opt(o.utc_offset_minutes * 60)
        .unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
    t.with_timezone(&off)
}

fn rfc2822(o: &SampleOutlet, t: DateTime<Utc>) -> String {
    local(o, t).format("%a, %d %b %Y %H:%M:%S %z").to_string()
}

fn rfc3339(o: &SampleOutlet, t: DateTime<Utc>) -> String {
    local(o, t).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The first sentence of the lead, without the dateline.
pub(crate) fn teaser(a: &SampleArticle) -> String {
    let lead = a.raw_paragraphs.first().map(String::as_str).unwrap_or("");
    let chars: Vec<(usize, char)> = lead.char_indices().collect();
    let mut end = lead.len();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if i < 50 || !matches!(c, '.' | '!' | '?') {
            continue;
        }
        // Sentence end: punctuation (maybe a closing quote) then space then a capital or quote.
        let mut j = k + 1;
        if j < chars.len() && matches!(chars[j].1, '\u{201d}' | '"') {
            j += 1;
        }
        if j + 1 < chars.len()
            && chars[j].1 == ' '
            && (chars[j + 1].1.is_uppercase() || matches!(chars[j + 1].1, '\u{201c}' | '"'))
        {
            end = chars[j].0;
            break;
        }
    }
    let mut s = lead[..end].to_string();
    if s.chars().count() > 240 {
        let cut: String = s.chars().take(240).collect();
        s = match cut.rfind(' ') {
            Some(p) => format!("{}\u{2026}", &cut[..p]),
            None => cut,
        };
    }
    s
}

fn author_list(a: &SampleArticle) -> String {
    match a.authors.len() {
        0 => String::new(),
        1 => a.authors[0].clone(),
        n => format!("{} and {}", a.authors[..n - 1].join(", "), a.authors[n - 1]),
    }
}

const NAV: [Section; 9] = [
    Section::World,
    Section::Politics,
    Section::Business,
    Section::Technology,
    Section::Science,
    Section::Health,
    Section::Sports,
    Section::Culture,
    Section::Local,
];

fn nav(o: &SampleOutlet, class: &str) -> String {
    let mut s = format!("<nav class=\"{class}\"><ul>");
    let _ = write!(s, "<li><a href=\"/{}/\">Home</a></li>", o.slug);
    for sec in NAV {
        let _ = write!(
            s,
            "<li><a href=\"/{}/{}/\">{}</a></li>",
            o.slug,
            sec.as_str(),
            sec.title()
        );
    }
    s.push_str("<li><a href=\"#\">Puzzles</a></li><li><a href=\"#\">Subscribe</a></li></ul></nav>");
    s
}

fn cookie_banner(o: &SampleOutlet) -> String {
    format!(
        "<div id=\"cookie-consent\" class=\"cookie-banner\" role=\"dialog\"><p>{} and our partners use cookies to personalise content, measure audiences and show you relevant advertising. You can change your choices at any time in Privacy Settings.</p><button type=\"button\">Accept all</button> <button type=\"button\">Reject non-essential</button> <a href=\"/{}/privacy\">Manage preferences</a></div>",
        escape(&o.name),
        o.slug
    )
}

fn share_bar(a: &SampleArticle, base: &str) -> String {
    let u = escape(&a.url(base));
    format!(
        "<div class=\"share-bar\"><span>Share this article</span> <a class=\"share-fb\" href=\"https://social.invalid/share?u={u}\">Share</a> <a class=\"share-x\" href=\"https://micro.invalid/intent?url={u}\">Post</a> <a class=\"share-mail\" href=\"mailto:?subject={}\">Email</a> <a class=\"share-copy\" href=\"#\">Copy link</a></div>",
        escape(&a.headline)
    )
}

fn newsletter_box(o: &SampleOutlet) -> String {
    let n = fnv(&o.slug) % 3;
    let (title, pitch) = match n {
        0 => ("Get the Morning Briefing", "The day's essential stories, in your inbox before breakfast. Free, every weekday."),
        1 => ("Sign up for our newsletter", "Don't miss a story: our editors pick the best of the week for you every Friday."),
        _ => ("Stay informed", "Join thousands of readers who get our free evening email with the headlines that matter."),
    };
    format!(
        "<div class=\"newsletter-signup\"><h3>{title}</h3><p>{pitch}</p><form action=\"/{}/newsletter\" method=\"post\"><input type=\"email\" name=\"email\" placeholder=\"Your email address\"/><button type=\"submit\">Sign up</button></form><p class=\"small\">By signing up you agree to our Terms of Use and Privacy Policy. You can unsubscribe at any time.</p></div>",
        o.slug
    )
}

fn related(o: &SampleOutlet, a: &SampleArticle, w: &World, heading: &str) -> String {
    let mut s = format!("<div class=\"related-stories\"><h2>{heading}</h2><ul>");
    for r in w
        .articles_of_outlet(&o.slug)
        .into_iter()
        .filter(|r| r.id != a.id)
        .take(4)
    {
        let _ = write!(
            s,
            "<li><a href=\"{}\">{}</a></li>",
            escape(&r.path),
            escape(&r.headline)
        );
    }
    s.push_str("</ul></div>");
    s
}

fn comments_teaser(a: &SampleArticle) -> String {
    let n = 3 + fnv(&a.id) % 240;
    format!(
        "<div class=\"comments-teaser\"><h3>Comments ({n})</h3><p>Join the conversation. Comments are moderated and must follow our community guidelines.</p><a href=\"#comments\">View comments</a></div>"
    )
}

fn footer(o: &SampleOutlet) -> String {
    format!(
        "<footer class=\"site-footer\"><p>© 2026 {name}. All rights reserved.</p><ul><li><a href=\"/{s}/about\">About us</a></li><li><a href=\"/{s}/contact\">Contact</a></li><li><a href=\"/{s}/privacy\">Privacy policy</a></li><li><a href=\"/{s}/terms\">Terms</a></li><li><a href=\"{feed}\">RSS</a></li><li><a href=\"/{s}/jobs\">Work with us</a></li></ul><p class=\"tagline\">{tag}</p></footer>",
        name = escape(&o.name),
        s = o.slug,
        feed = escape(&o.feed_path),
        tag = escape(&o.tagline)
    )
}

fn long_date(o: &SampleOutlet, t: DateTime<Utc>) -> String {
    local(o, t).format("%B %-d, %Y, %-I:%M %p").to_string()
}

fn head_common(o: &SampleOutlet, a: &SampleArticle, base: &str) -> String {
    format!(
        "<meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>{} | {}</title><link rel=\"canonical\" href=\"{}\"/><link rel=\"stylesheet\" href=\"/{}/static/site.css\"/>",
        escape(&a.headline),
        escape(&o.name),
        escape(&a.url(base)),
        o.slug
    )
}

fn body_paragraphs(a: &SampleArticle, insert_after: usize, insert: &str) -> String {
    let mut s = String::new();
    for (i, p) in a.paragraphs.iter().enumerate() {
        let _ = write!(s, "<p>{}</p>", escape(p));
        // Boilerplate goes after paragraph `insert_after`, or at the end of a shorter body.
        if i + 1 == insert_after.min(a.paragraphs.len()) {
            s.push_str(insert);
        }
    }
    s.push_str(&credit(a));
    s
}

/// The syndication credit printed under a republished wire story (boilerplate, not body text).
fn credit(a: &SampleArticle) -> String {
    match &a.syndicated_from {
        Some(src) => {
            let wire = src.split('/').next().unwrap_or("wire");
            let name = crate::world()
                .outlet(wire)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| wire.to_string());
            format!("<p class=\"credit\"><em>This story was provided by {} and is published under licence. © 2026 {}.</em></p>", escape(&name), escape(&name))
        }
        None => String::new(),
    }
}

fn jsonld_page(o: &SampleOutlet, a: &SampleArticle, w: &World, base: &str) -> String {
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.headline,
        "description": teaser(a),
        "datePublished": rfc3339(o, a.published),
        "dateModified": rfc3339(o, a.updated.unwrap_or(a.published)),
        "author": a.authors.iter().map(|n| serde_json::json!({"@type": "Person", "name": n})).collect::<Vec<_>>(),
        "publisher": {"@type": "Organization", "name": o.name},
        "articleSection": a.section.title(),
        "inLanguage": o.language,
        "mainEntityOfPage": a.url(base),
        "articleBody": a.text(),
    });
    let byline = if a.authors.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = a
            .authors
            .iter()
            .map(|n| format!("<a rel=\"author\" href=\"#\">{}</a>", escape(n)))
            .collect();
        format!("<p class=\"byline\">By {}</p>", names.join(" and "))
    };
    let updated = match a.updated {
        Some(u) => format!(
            " <span class=\"updated\">Updated <time datetime=\"{}\">{}</time></span>",
            rfc3339(o, u),
            escape(&long_date(o, u))
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head>{head}<meta name=\"description\" content=\"{desc}\"/><script type=\"application/ld+json\">{ld}</script></head><body>{cookie}<header class=\"masthead\"><a class=\"logo\" href=\"/{slug}/\">{name}</a>{nav}</header><main id=\"content\"><article class=\"story\"><header class=\"story-header\"><p class=\"kicker\">{sec}</p><h1>{h}</h1>{byline}<p class=\"dates\"><time datetime=\"{pub3339}\">{pubtxt}</time>{updated}</p></header>{share}<div class=\"article-body\"><figure class=\"lead-image\"><img src=\"/{slug}/media/{img}.jpg\" alt=\"\"/><figcaption>{sec} \u{2014} file photo. Photograph: {name} picture desk</figcaption></figure>{body}</div><p class=\"corrections\">Spotted an error? Contact our corrections desk.</p></article><aside>{related}</aside>{comments}</main>{footer}</body></html>\n",
        lang = escape(&o.language),
        head = head_common(o, a, base),
        desc = escape(&teaser(a)),
        ld = script_json(&ld),
        cookie = cookie_banner(o),
        slug = o.slug,
        name = escape(&o.name),
        nav = nav(o, "primary-nav"),
        sec = a.section.title(),
        h = escape(&a.headline),
        byline = byline,
        pub3339 = rfc3339(o, a.published),
        pubtxt = escape(&long_date(o, a.published)),
        updated = updated,
        share = share_bar(a, base),
        body = body_paragraphs(a, 3, &newsletter_box(o)),
        img = fnv(&a.path) % 100_000,
        related = related(o, a, w, "Related stories"),
        comments = comments_teaser(a),
        footer = footer(o),
    )
}

fn opengraph_page(o: &SampleOutlet, a: &SampleArticle, w: &World, base: &str) -> String {
    let mut meta = format!(
        "<meta property=\"og:type\" content=\"article\"/><meta property=\"og:title\" content=\"{}\"/><meta property=\"og:description\" content=\"{}\"/><meta property=\"og:url\" content=\"{}\"/><meta property=\"og:site_name\" content=\"{}\"/><meta property=\"article:published_time\" content=\"{}\"/><meta property=\"article:section\" content=\"{}\"/>",
        escape(&a.headline),
        escape(&teaser(a)),
        escape(&a.url(base)),
        escape(&o.name),
        rfc3339(o, a.published),
        a.section.title()
    );
    if let Some(u) = a.updated {
        let _ = write!(
            meta,
            "<meta property=\"article:modified_time\" content=\"{}\"/>",
            rfc3339(o, u)
        );
    }
    for n in &a.authors {
        let _ = write!(
            meta,
            "<meta property=\"article:author\" content=\"{}\"/>",
            escape(n)
        );
    }
    let stamp = match a.updated {
        Some(u) => format!("Updated {}", local(o, u).format("%b. %-d, %Y %-I:%M %P")),
        None => format!(
            "Published {}",
            local(o, a.published).format("%b. %-d, %Y %-I:%M %P")
        ),
    };
    let by = if a.authors.is_empty() {
        String::new()
    } else {
        format!("By {} \u{2014} ", escape(&author_list(a)))
    };
    // A "Read more" link and an ad slot interrupt the body.
    let mut insert = String::from("<div class=\"ad-slot\">ADVERTISEMENT</div>");
    if let Some(r) = w
        .articles_of_outlet(&o.slug)
        .into_iter()
        .find(|r| r.id != a.id)
    {
        let _ = write!(
            insert,
            "<p class=\"read-more\"><strong>READ MORE:</strong> <a href=\"{}\">{}</a></p>",
            escape(&r.path),
            escape(&r.headline)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html><head>{head}{meta}</head><body><div class=\"page\">{cookie}<div class=\"top-bar\"><a href=\"/{slug}/\"><img src=\"/{slug}/static/logo.png\" alt=\"{name}\"/></a><span class=\"date-today\">{today}</span></div>{nav}<div class=\"main-content\"><div class=\"section-label\"><a href=\"/{slug}/{secslug}/\">{sec}</a></div><h1 class=\"headline\">{h}</h1><div class=\"meta\">{by}{stamp}</div>{share}<div class=\"story-body\">{body}</div>{newsletter}<div class=\"tags\">Topics: <a href=\"#\">{sec}</a></div></div><div class=\"sidebar\">{related}<div class=\"most-read\"><h3>Most read</h3><ol><li><a href=\"#\">Your weekend weather forecast</a></li><li><a href=\"#\">Crossword answers</a></li><li><a href=\"#\">Letters to the editor</a></li></ol></div></div>{comments}{footer}</div></body></html>\n",
        head = head_common(o, a, base),
        meta = meta,
        cookie = cookie_banner(o),
        slug = o.slug,
        name = escape(&o.name),
        today = local(o, a.published).format("%A, %-d %B %Y"),
        nav = nav(o, "menu"),
        secslug = a.section.as_str(),
        sec = a.section.title(),
        h = escape(&a.headline),
        by = by,
        stamp = stamp,
        share = share_bar(a, base),
        body = body_paragraphs(a, 2, &insert),
        newsletter = newsletter_box(o),
        related = related(o, a, w, "More from this section"),
        comments = comments_teaser(a),
        footer = footer(o),
    )
}

fn divsoup_page(o: &SampleOutlet, a: &SampleArticle, w: &World, _base: &str) -> String {
    let mut body = String::new();
    for (i, p) in a.paragraphs.iter().enumerate() {
        if i > 0 {
            body.push_str("<br/><br/>\n");
        }
        body.push_str(&escape(p));
        if i == 1 {
            if let Some(r) = w
                .articles_of_outlet(&o.slug)
                .into_iter()
                .find(|r| r.id != a.id && r.section == a.section)
            {
                let _ = write!(
                    body,
                    "<br/><br/>\n<b>Related:</b> <a href=\"{}\">{}</a>",
                    escape(&r.path),
                    escape(&r.headline)
                );
            }
        }
        if i == 3 && a.paragraphs.len() > 5 {
            body.push_str("<br/><br/>\n<div class=\"inline-promo\"><b>Local news matters.</b> Support independent journalism in your community \u{2014} subscribe today for just 2 crowns a week.</div>");
        }
    }
    if a.syndicated_from.is_some() {
        body.push_str("<br/><br/>\n");
        body.push_str(&credit(a));
    }
    let posted = local(o, a.published).format("%A, %B %-d, %Y at %-I:%M %P");
    let who = if a.authors.is_empty() {
        "Staff".to_string()
    } else {
        escape(&author_list(a))
    };
    let mut rel = String::new();
    for r in w
        .articles_of_outlet(&o.slug)
        .into_iter()
        .filter(|r| r.id != a.id)
        .take(5)
    {
        let _ = write!(
            rel,
            "<div class=\"rl\"><a href=\"{}\">{}</a></div>",
            escape(&r.path),
            escape(&r.headline)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>{h} - {name}</title></head><body><div id=\"wrap\"><div class=\"cookie-msg\">This site uses cookies. By continuing to browse you agree to our use of cookies. <a href=\"#\">OK</a></div><div class=\"hdr\"><div class=\"logo\"><a href=\"/{slug}/\">{name}</a></div><div class=\"tag\">{tag}</div><div class=\"menu\"><a href=\"/{slug}/\">Home</a> | <a href=\"/{slug}/local/\">News</a> | <a href=\"/{slug}/sports/\">Sports</a> | <a href=\"/{slug}/obituaries/\">Obituaries</a> | <a href=\"/{slug}/classifieds/\">Classifieds</a> | <a href=\"/{slug}/weather/\">Weather</a></div></div><div class=\"cols\"><div class=\"col-main\"><div class=\"crumb\"><a href=\"/{slug}/\">Home</a> &gt; {sec}</div><div class=\"ttl\">{h}</div><div class=\"auth\">Posted by {who} on {posted}</div><div class=\"shr\">Share: <a href=\"#\">Facebook</a> <a href=\"#\">Email</a> <a href=\"#\">Print</a></div><div class=\"txt\">\n{body}\n</div><div class=\"signup\"><div class=\"signup-h\">Get headlines by email</div><div>Sign up for our free daily newsletter and never miss local news.</div><div><input type=\"text\" name=\"email\"/> <a href=\"#\" class=\"btn\">Subscribe</a></div></div><div class=\"cmts\">{comments}</div></div><div class=\"col-side\"><div class=\"side-h\">You might also like</div>{rel}<div class=\"ad\">Advertisement</div></div></div><div class=\"ftr\">Copyright © 2026 {name}. All rights reserved. | <a href=\"/{slug}/contact\">Contact us</a> | <a href=\"/{slug}/advertise\">Advertise</a> | <a href=\"/{slug}/privacy\">Privacy</a></div></div></body></html>\n",
        h = escape(&a.headline),
        name = escape(&o.name),
        slug = o.slug,
        tag = escape(&o.tagline),
        sec = a.section.title(),
        who = who,
        posted = posted,
        body = body,
        comments = comments_teaser(a),
        rel = rel,
    )
}

fn microdata_page(o: &SampleOutlet, a: &SampleArticle, w: &World, base: &str) -> String {
    let mut authors = String::new();
    for (i, n) in a.authors.iter().enumerate() {
        if i > 0 {
            authors.push_str(", ");
        }
        let _ = write!(authors, "<span itemprop=\"author\" itemscope=\"itemscope\" itemtype=\"https://schema.org/Person\"><span itemprop=\"name\">{}</span></span>", escape(n));
    }
    let figure = format!(
        "<figure class=\"inline-figure\"><img src=\"/{}/img/{}.jpg\" alt=\"\"/><figcaption>Photograph: {} archive. {}</figcaption></figure>",
        o.slug,
        fnv(&a.id) % 10_000,
        escape(&o.name),
        escape(a.section.title())
    );
    let updated = match a.updated {
        Some(u) => format!(
            "<meta itemprop=\"dateModified\" content=\"{}\"/>",
            rfc3339(o, u)
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head>{head}<meta name=\"author\" content=\"{authmeta}\"/></head><body>{cookie}<div class=\"site\"><div class=\"masthead\"><a href=\"/{slug}/\" class=\"brand\">{name}</a><span class=\"strap\">{tag}</span></div>{nav}<div class=\"content\" itemscope=\"itemscope\" itemtype=\"https://schema.org/NewsArticle\"><meta itemprop=\"datePublished\" content=\"{pub3339}\"/>{updated}<h1 itemprop=\"headline\">{h}</h1><div class=\"article-meta\"><div class=\"authors\">By {authors}</div><div class=\"pubdate\">{pubtxt}</div></div>{share}<div itemprop=\"articleBody\" class=\"body-text\">{body}</div><div class=\"author-bio\"><p>Our reporters cover {sec} for {name}. Follow our coverage and send tips to the newsroom.</p></div></div><div class=\"below\">{newsletter}{related}{comments}</div>{footer}</div></body></html>\n",
        lang = escape(&o.language),
        head = head_common(o, a, base),
        authmeta = escape(&author_list(a)),
        cookie = cookie_banner(o),
        slug = o.slug,
        name = escape(&o.name),
        tag = escape(&o.tagline),
        nav = nav(o, "nav-main"),
        pub3339 = rfc3339(o, a.published),
        updated = updated,
        h = escape(&a.headline),
        authors = authors,
        pubtxt = local(o, a.published).format("%-d %B %Y, %H:%M"),
        share = share_bar(a, base),
        body = body_paragraphs(a, 2, &figure),
        sec = a.section.title().to_lowercase(),
        newsletter = newsletter_box(o),
        related = related(o, a, w, "Read next"),
        comments = comments_teaser(a),
        footer = footer(o),
    )
}

fn magazine_page(o: &SampleOutlet, a: &SampleArticle, w: &World, base: &str) -> String {
    // A pull quote repeats a quote from the body, as magazines do.
    let pull = a
        .quotes
        .first()
        .map(|q| {
            format!(
                "<blockquote class=\"pullquote\"><p>{}</p><cite>{}</cite></blockquote>",
                escape(q.text.trim_end_matches([',', ';', ':', ' '])),
                escape(&q.speaker)
            )
        })
        .unwrap_or_default();
    let by = if a.authors.is_empty() {
        escape(&o.name)
    } else {
        escape(&author_list(a))
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head>{head}<meta property=\"og:title\" content=\"{h}\"/><meta property=\"og:image\" content=\"{base}/{slug}/img/cover.jpg\"/></head><body class=\"magazine\">{cookie}<header class=\"site-head\"><a href=\"/{slug}/\" class=\"wordmark\">{name}</a>{nav}</header><main><section class=\"post\"><div class=\"eyebrow\">{sec}</div><h1 class=\"post-title\">{h}</h1><p class=\"dek\">{dek}</p>{share}<div class=\"post-content\">{body}</div><div class=\"post-footer\"><span class=\"written-by\">Written by {by}</span> \u{00b7} <span class=\"date\">{date}</span></div></section>{newsletter}<section class=\"more\">{related}</section>{comments}</main>{footer}</body></html>\n",
        lang = escape(&o.language),
        head = head_common(o, a, base),
        h = escape(&a.headline),
        base = escape(base),
        slug = o.slug,
        cookie = cookie_banner(o),
        name = escape(&o.name),
        nav = nav(o, "site-nav"),
        sec = a.section.title(),
        dek = escape(&teaser(a)),
        share = share_bar(a, base),
        body = body_paragraphs(a, 2, &pull),
        by = by,
        date = local(o, a.published).format("%-d %B %Y"),
        newsletter = newsletter_box(o),
        related = related(o, a, w, "Keep reading"),
        comments = comments_teaser(a),
        footer = footer(o),
    )
}

fn rss(o: &SampleOutlet, w: &World, base: &str) -> String {
    let items = w.articles_of_outlet(&o.slug);
    let last = items
        .first()
        .map(|a| a.updated.unwrap_or(a.published))
        .unwrap_or_default();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"");
    if o.rss_dc_creator {
        s.push_str(" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"");
    }
    if o.rss_content_encoded {
        s.push_str(" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"");
    }
    let _ = write!(
        s,
        ">\n<channel>\n<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>{}</language>\n<lastBuildDate>{}</lastBuildDate>\n<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        escape(&o.name),
        escape(&format!("{base}{}", o.homepage_path)),
        escape(&o.tagline),
        escape(&o.language),
        rfc2822(o, last),
        escape(&format!("{base}{}", o.feed_path))
    );
    for a in items {
        let url = a.url(base);
        let _ = write!(
            s,
            "<item>\n<title>{}</title>\n<link>{}</link>\n",
            escape(&a.headline),
            escape(&url)
        );
        if o.kind == crate::OutletKind::Wire {
            let _ = writeln!(
                s,
                "<guid isPermaLink=\"false\">{}:{}</guid>",
                o.slug,
                fnv(&a.id) % 100_000_000
            );
        } else {
            let _ = writeln!(s, "<guid isPermaLink=\"true\">{}</guid>", escape(&url));
        }
        let _ = writeln!(s, "<pubDate>{}</pubDate>", rfc2822(o, a.published));
        let _ = writeln!(
            s,
            "<description>{}</description>",
            escape(&format!("<p>{}</p>", escape(&teaser(a))))
        );
        for n in &a.authors {
            if o.rss_dc_creator {
                let _ = writeln!(s, "<dc:creator>{}</dc:creator>", escape(n));
            } else {
                let _ = writeln!(
                    s,
                    "<author>newsroom@{}.invalid ({})</author>",
                    o.slug,
                    escape(n)
                );
            }
        }
        let _ = writeln!(s, "<category>{}</category>", a.section.title());
        if o.rss_content_encoded {
            let html: String = a
                .paragraphs
                .iter()
                .map(|p| format!("<p>{}</p>", escape(p)))
                .collect();
            let _ = writeln!(s, "<content:encoded>{}</content:encoded>", cdata(&html));
        }
        s.push_str("</item>\n");
    }
    s.push_str("</channel>\n</rss>\n");
    s
}

fn atom(o: &SampleOutlet, w: &World, base: &str) -> String {
    let items = w.articles_of_outlet(&o.slug);
    let last = items
        .iter()
        .map(|a| a.updated.unwrap_or(a.published))
        .max()
        .unwrap_or_default();
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    let _ = write!(
        s,
        " xml:lang=\"{}\">\n<id>tag:{}.invalid,2026:feed</id>\n<title>{}</title>\n<subtitle>{}</subtitle>\n<updated>{}</updated>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<author><name>{}</name></author>\n",
        escape(&o.language),
        o.slug,
        escape(&o.name),
        escape(&o.tagline),
        rfc3339(o, last),
        escape(&format!("{base}{}", o.feed_path)),
        escape(&format!("{base}{}", o.homepage_path)),
        escape(&o.name)
    );
    let html_summary = fnv(&o.slug) & 1 == 0;
    for a in items {
        let _ = write!(
            s,
            "<entry>\n<id>tag:{}.invalid,2026:{}</id>\n<title type=\"text\">{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<published>{}</published>\n<updated>{}</updated>\n",
            o.slug,
            fnv(&a.id) % 100_000_000,
            escape(&a.headline),
            escape(&a.url(base)),
            rfc3339(o, a.published),
            rfc3339(o, a.updated.unwrap_or(a.published))
        );
        for n in &a.authors {
            let _ = writeln!(s, "<author><name>{}</name></author>", escape(n));
        }
        let _ = writeln!(
            s,
            "<category term=\"{}\" label=\"{}\"/>",
            a.section.as_str(),
            a.section.title()
        );
        if html_summary {
            let _ = writeln!(
                s,
                "<summary type=\"html\">{}</summary>",
                escape(&format!("<p>{}</p>", escape(&teaser(a))))
            );
        } else {
            let _ = writeln!(s, "<summary type=\"text\">{}</summary>", escape(&teaser(a)));
        }
        s.push_str("</entry>\n");
    }
    s.push_str("</feed>\n");
    s
}

fn json_feed(o: &SampleOutlet, w: &World, base: &str) -> String {
    let items: Vec<serde_json::Value> = w
        .articles_of_outlet(&o.slug)
        .into_iter()
        .map(|a| {
            let mut item = serde_json::json!({
                "id": a.url(base),
                "url": a.url(base),
                "title": a.headline,
                "summary": teaser(a),
                "content_text": teaser(a),
                "date_published": rfc3339(o, a.published),
                "authors": a.authors.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
                "tags": [a.section.title()],
                "language": o.language,
            });
            if let Some(u) = a.updated {
                item["date_modified"] = serde_json::Value::String(rfc3339(o, u));
            }
            item
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": o.name,
        "home_page_url": format!("{base}{}", o.homepage_path),
        "feed_url": format!("{base}{}", o.feed_path),
        "description": o.tagline,
        "language": o.language,
        "items": items,
    });
    serde_json::to_string_pretty(&feed).unwrap_or_default() + "\n"
}

fn homepage(o: &SampleOutlet, w: &World) -> String {
    let mut list = String::new();
    for a in w.articles_of_outlet(&o.slug) {
        let _ = write!(
            list,
            "<li class=\"teaser\"><span class=\"section\">{}</span> <a href=\"{}\">{}</a><p>{}</p></li>",
            a.section.title(),
            escape(&a.path),
            escape(&a.headline),
            escape(&teaser(a))
        );
    }
    let feed_type = match o.feed_format {
        FeedFormat::Rss => "application/rss+xml",
        FeedFormat::Atom => "application/atom+xml",
        FeedFormat::JsonFeed => "application/feed+json",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"/><title>{name} \u{2014} {tag}</title><link rel=\"alternate\" type=\"{ft}\" title=\"{name}\" href=\"{feed}\"/></head><body>{cookie}<header><h1>{name}</h1><p>{tag}</p>{nav}</header><main><h2>Latest</h2><ul class=\"latest\">{list}</ul></main>{footer}</body></html>\n",
        lang = escape(&o.language),
        name = escape(&o.name),
        tag = escape(&o.tagline),
        ft = feed_type,
        feed = escape(&o.feed_path),
        cookie = cookie_banner(o),
        nav = nav(o, "primary"),
        list = list,
        footer = footer(o),
    )
}

pub(crate) fn build_site(w: &World, base_url: &str) -> SampleSite {
    let base = base_url.trim_end_matches('/');
    let mut res = BTreeMap::new();
    let html = "text/html; charset=utf-8";
    let mut put = |path: String, ct: &str, body: String| {
        res.insert(
            path,
            SampleResource {
                content_type: ct.to_string(),
                body: body.into_bytes(),
            },
        );
    };
    let robots = |sitemap: &str| format!("User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n");
    let mut index = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Sample news world</title></head><body><h1>Sample news world</h1><p>Fictional outlets for roundup's demo. Every outlet, person and place is invented.</p><ul>");
    for o in &w.outlets {
        let _ = write!(
            index,
            "<li><a href=\"{}\">{}</a> (<a href=\"{}\">feed</a>) \u{2014} {}, {}</li>",
            escape(&o.homepage_path),
            escape(&o.name),
            escape(&o.feed_path),
            o.lean,
            escape(&o.region)
        );
        put(
            format!("/{}/robots.txt", o.slug),
            "text/plain; charset=utf-8",
            robots(&format!("{base}{}", o.feed_path)),
        );
        put(o.homepage_path.clone(), html, homepage(o, w));
        let (ct, feed) = match o.feed_format {
            FeedFormat::Rss => ("application/rss+xml; charset=utf-8", rss(o, w, base)),
            FeedFormat::Atom => ("application/atom+xml; charset=utf-8", atom(o, w, base)),
            FeedFormat::JsonFeed => (
                "application/feed+json; charset=utf-8",
                json_feed(o, w, base),
            ),
        };
        put(o.feed_path.clone(), ct, feed);
        for a in w.articles.iter().filter(|a| a.outlet == o.slug) {
            let page = match o.layout {
                Layout::JsonLd => jsonld_page(o, a, w, base),
                Layout::OpenGraph => opengraph_page(o, a, w, base),
                Layout::DivSoup => divsoup_page(o, a, w, base),
                Layout::Microdata => microdata_page(o, a, w, base),
                Layout::Magazine => magazine_page(o, a, w, base),
            };
            put(a.path.clone(), html, page);
        }
    }
    index.push_str("</ul></body></html>\n");
    put("/".to_string(), html, index);
    put(
        "/robots.txt".to_string(),
        "text/plain; charset=utf-8",
        robots(&format!("{base}/")),
    );
    SampleSite {
        base_url: base.to_string(),
        resources: res,
    }
}
