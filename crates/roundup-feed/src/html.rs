//! Embedded-HTML handling: a forgiving HTML tokenizer, the feed-reader style sanitizer
//! (whitelisted elements and attributes, `script`/`style` content dropped, unsafe URI
//! schemes removed) combined with relative-URI resolution in one pass, an HTML heuristic
//! for RSS text, and HTML → plain text.

use crate::uri;

/// Decodes an HTML 4 named entity (plus `apos`).
pub(crate) fn entity_char(name: &str) -> Option<char> {
    if name == "apos" {
        return Some('\'');
    }
    crate::entities::HTML4
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .and_then(|i| char::from_u32(crate::entities::HTML4[i].1))
}

/// One HTML token.
#[derive(Debug)]
pub(crate) enum Tok<'a> {
    Text(&'a str),
    Start {
        name: String,
        attrs: Vec<(String, String)>,
    },
    End(String),
    Comment(&'a str),
    CharRef(&'a str),
    EntityRef(&'a str, bool),
    Other(&'a str),
}

/// A forgiving HTML tokenizer in the style of SGML parsers.
pub(crate) struct Tokenizer<'a> {
    s: &'a str,
    pos: usize,
    /// once a search for '>' / "-->" from some position failed, later ones fail too
    no_gt_from: usize,
    no_comment_end_from: usize,
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Tokenizer {
            s,
            pos: 0,
            no_gt_from: usize::MAX,
            no_comment_end_from: usize::MAX,
        }
    }
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Tok<'a>;
    #[allow(clippy::manual_strip)]
    fn next(&mut self) -> Option<Tok<'a>> {
        let s = self.s;
        let b = s.as_bytes();
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        match b[start] {
            b'<' => {
                let rest = &s[start..];
                if rest.starts_with("<!--") {
                    let found = if start >= self.no_comment_end_from {
                        None
                    } else {
                        rest[4..].find("-->")
                    };
                    if found.is_none() {
                        self.no_comment_end_from = self.no_comment_end_from.min(start);
                    }
                    if let Some(i) = found {
                        let e = start + 4 + i;
                        self.pos = e + 3;
                        return Some(Tok::Comment(&s[start + 4..e]));
                    }
                    // unterminated comment: swallow up to the next '>' (or everything)
                    self.pos = rest.find('>').map_or(b.len(), |i| start + i + 1);
                    return Some(Tok::Other(&s[start..self.pos]));
                }
                if rest.starts_with("<!") || rest.starts_with("<?") {
                    let found = if start >= self.no_gt_from {
                        None
                    } else {
                        rest.find('>')
                    };
                    if found.is_none() {
                        self.no_gt_from = self.no_gt_from.min(start);
                    }
                    if let Some(i) = found {
                        self.pos = start + i + 1;
                        return Some(Tok::Other(&s[start..start + i + 1]));
                    }
                    // an unterminated declaration: kept as text when it is just a
                    // name cut off by the end of input, escaped otherwise
                    if rest[2..].chars().all(|c| c.is_ascii_alphanumeric()) {
                        self.pos = b.len();
                        return Some(Tok::Text(rest));
                    }
                    self.pos = start + 1;
                    return Some(Tok::Text("&lt;"));
                }

                let (is_end, name_start) = if rest.starts_with("</") {
                    (true, start + 2)
                } else {
                    (false, start + 1)
                };
                if name_start < b.len() && b[name_start].is_ascii_alphabetic() {
                    let mut p = name_start;
                    while p < b.len() && name_char(b[p]) {
                        p += 1;
                    }
                    let name = s[name_start..p].to_ascii_lowercase();
                    if is_end {
                        let e = s[p..].find('>').map_or(b.len(), |i| p + i + 1);
                        self.pos = e;
                        return Some(Tok::End(name));
                    }
                    let mut attrs = Vec::new();
                    loop {
                        while p < b.len() && b[p].is_ascii_whitespace() {
                            p += 1;
                        }
                        if p >= b.len() {
                            break;
                        }
                        if b[p] == b'>' {
                            p += 1;
                            break;
                        }
                        if b[p] == b'/' {
                            p += 1;
                            if p < b.len() && b[p] == b'>' {
                                p += 1;
                                break;
                            }
                            continue;
                        }
                        let an = p;
                        while p < b.len()
                            && !b[p].is_ascii_whitespace()
                            && !matches!(b[p], b'=' | b'>' | b'/')
                        {
                            p += 1;
                        }
                        if p == an {
                            p += 1;
                            continue;
                        }
                        let aname = s[an..p].to_ascii_lowercase();
                        let mut q = p;
                        while q < b.len() && b[q].is_ascii_whitespace() {
                            q += 1;
                        }
                        if q < b.len() && b[q] == b'=' {
                            q += 1;
                            while q < b.len() && b[q].is_ascii_whitespace() {
                                q += 1;
                            }
                            let value;
                            if q < b.len() && (b[q] == b'"' || b[q] == b'\'') {
                                let quote = b[q] as char;
                                let vs = q + 1;
                                let ve = s[vs..].find(quote).map_or(b.len(), |i| vs + i);
                                value = s[vs..ve].to_string();
                                p = (ve + 1).min(b.len());
                            } else {
                                let vs = q;
                                while q < b.len() && !b[q].is_ascii_whitespace() && b[q] != b'>' {
                                    q += 1;
                                }
                                value = s[vs..q].to_string();
                                p = q;
                            }
                            attrs.push((aname, value));
                        } else {
                            attrs.push((aname.clone(), aname));
                        }
                    }
                    self.pos = p;
                    return Some(Tok::Start { name, attrs });
                }
                self.pos = start + 1;
                Some(Tok::Text(&s[start..start + 1]))
            }
            b'&' => {
                let rest = &b[start + 1..];
                if rest.first() == Some(&b'#') {
                    let mut p = 1;
                    let hex = matches!(rest.get(1), Some(b'x' | b'X'));
                    if hex {
                        p += 1;
                    }
                    let ds = p;
                    while p < rest.len()
                        && (if hex {
                            rest[p].is_ascii_hexdigit()
                        } else {
                            rest[p].is_ascii_digit()
                        })
                    {
                        p += 1;
                    }
                    if p > ds && p < rest.len() {
                        let r = &s[start + 2..start + 1 + p];
                        self.pos = start + 1 + p + usize::from(rest[p] == b';');
                        return Some(Tok::CharRef(r));
                    }
                } else if rest.first().is_some_and(u8::is_ascii_alphabetic) {
                    let mut p = 1;
                    while p < rest.len()
                        && (rest[p].is_ascii_alphanumeric() || matches!(rest[p], b'-' | b'.'))
                    {
                        p += 1;
                    }
                    if p < rest.len() {
                        let semi = rest[p] == b';';
                        self.pos = start + 1 + p + usize::from(semi);
                        return Some(Tok::EntityRef(&s[start + 1..start + 1 + p], semi));
                    }
                }
                self.pos = start + 1;
                Some(Tok::Text(&s[start..start + 1]))
            }
            _ => {
                let e = b[start..]
                    .iter()
                    .position(|&c| c == b'<' || c == b'&')
                    .map_or(b.len(), |i| start + i);
                self.pos = e;
                Some(Tok::Text(&s[start..e]))
            }
        }
    }
}

const ACCEPTABLE_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "event-source",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
];

const ACCEPTABLE_ATTRIBUTES: &[&str] = &[
    "abbr",
    "accept",
    "accept-charset",
    "accesskey",
    "action",
    "align",
    "alt",
    "autocomplete",
    "autofocus",
    "axis",
    "background",
    "balance",
    "bgcolor",
    "bgproperties",
    "border",
    "bordercolor",
    "bordercolordark",
    "bordercolorlight",
    "bottompadding",
    "cellpadding",
    "cellspacing",
    "ch",
    "challenge",
    "char",
    "charoff",
    "charset",
    "checked",
    "choff",
    "cite",
    "class",
    "clear",
    "color",
    "cols",
    "colspan",
    "compact",
    "contenteditable",
    "controls",
    "coords",
    "data",
    "datafld",
    "datapagesize",
    "datasrc",
    "datetime",
    "default",
    "delay",
    "dir",
    "disabled",
    "draggable",
    "dynsrc",
    "enctype",
    "end",
    "face",
    "for",
    "form",
    "frame",
    "galleryimg",
    "gutter",
    "headers",
    "height",
    "hidden",
    "hidefocus",
    "high",
    "href",
    "hreflang",
    "hspace",
    "icon",
    "id",
    "inputmode",
    "ismap",
    "keytype",
    "label",
    "lang",
    "leftspacing",
    "list",
    "longdesc",
    "loop",
    "loopcount",
    "loopend",
    "loopstart",
    "low",
    "lowsrc",
    "max",
    "maxlength",
    "media",
    "method",
    "min",
    "multiple",
    "name",
    "nohref",
    "noshade",
    "nowrap",
    "open",
    "optimum",
    "pattern",
    "ping",
    "point-size",
    "poster",
    "pqg",
    "preload",
    "prompt",
    "radiogroup",
    "readonly",
    "rel",
    "repeat-max",
    "repeat-min",
    "replace",
    "required",
    "rev",
    "rightspacing",
    "rows",
    "rowspan",
    "rules",
    "scope",
    "selected",
    "shape",
    "size",
    "span",
    "src",
    "start",
    "step",
    "summary",
    "suppress",
    "tabindex",
    "target",
    "template",
    "title",
    "toppadding",
    "type",
    "unselectable",
    "urn",
    "usemap",
    "valign",
    "value",
    "variable",
    "volume",
    "vrml",
    "vspace",
    "width",
    "wrap",
    "xml:lang",
];

/// Attributes kept per HTML tag.
const MAX_HTML_ATTRS: usize = 256;

const VOID: &[&str] = &[
    "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input",
    "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

const RELATIVE_URIS: &[(&str, &str)] = &[
    ("a", "href"),
    ("applet", "codebase"),
    ("area", "href"),
    ("audio", "src"),
    ("blockquote", "cite"),
    ("body", "background"),
    ("del", "cite"),
    ("form", "action"),
    ("frame", "longdesc"),
    ("frame", "src"),
    ("iframe", "longdesc"),
    ("iframe", "src"),
    ("head", "profile"),
    ("img", "longdesc"),
    ("img", "src"),
    ("img", "usemap"),
    ("input", "src"),
    ("input", "usemap"),
    ("ins", "cite"),
    ("link", "href"),
    ("object", "classid"),
    ("object", "codebase"),
    ("object", "data"),
    ("object", "usemap"),
    ("q", "cite"),
    ("script", "src"),
    ("source", "src"),
    ("video", "poster"),
    ("video", "src"),
];

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

const MATHML_ELEMENTS: &[&str] = &[
    "annotation",
    "annotation-xml",
    "maction",
    "maligngroup",
    "malignmark",
    "math",
    "menclose",
    "merror",
    "mfenced",
    "mfrac",
    "mglyph",
    "mi",
    "mlabeledtr",
    "mlongdiv",
    "mmultiscripts",
    "mn",
    "mo",
    "mover",
    "mpadded",
    "mphantom",
    "mprescripts",
    "mroot",
    "mrow",
    "ms",
    "mscarries",
    "mscarry",
    "msgroup",
    "msline",
    "mspace",
    "msqrt",
    "msrow",
    "mstack",
    "mstyle",
    "msub",
    "msubsup",
    "msup",
    "mtable",
    "mtd",
    "mtext",
    "mtr",
    "munder",
    "munderover",
    "none",
    "semantics",
];

const MATHML_ATTRIBUTES: &[&str] = &[
    "accent",
    "accentunder",
    "actiontype",
    "align",
    "alignmentscope",
    "altimg",
    "altimg-height",
    "altimg-valign",
    "altimg-width",
    "alttext",
    "bevelled",
    "charalign",
    "close",
    "columnalign",
    "columnlines",
    "columnspacing",
    "columnspan",
    "columnwidth",
    "crossout",
    "decimalpoint",
    "denomalign",
    "depth",
    "dir",
    "display",
    "displaystyle",
    "edge",
    "encoding",
    "equalcolumns",
    "equalrows",
    "fence",
    "fontstyle",
    "fontweight",
    "form",
    "frame",
    "framespacing",
    "groupalign",
    "height",
    "href",
    "id",
    "indentalign",
    "indentalignfirst",
    "indentalignlast",
    "indentshift",
    "indentshiftfirst",
    "indentshiftlast",
    "indenttarget",
    "infixlinebreakstyle",
    "largeop",
    "length",
    "linebreak",
    "linebreakmultchar",
    "linebreakstyle",
    "lineleading",
    "linethickness",
    "location",
    "longdivstyle",
    "lquote",
    "lspace",
    "mathbackground",
    "mathcolor",
    "mathsize",
    "mathvariant",
    "maxsize",
    "minlabelspacing",
    "minsize",
    "movablelimits",
    "notation",
    "numalign",
    "open",
    "other",
    "overflow",
    "position",
    "rowalign",
    "rowlines",
    "rowspacing",
    "rowspan",
    "rquote",
    "rspace",
    "scriptlevel",
    "scriptminsize",
    "scriptsizemultiplier",
    "selection",
    "separator",
    "separators",
    "shift",
    "side",
    "src",
    "stackalign",
    "stretchy",
    "subscriptshift",
    "superscriptshift",
    "symmetric",
    "voffset",
    "width",
    "xlink:href",
    "xlink:show",
    "xlink:type",
    "xmlns",
    "xmlns:xlink",
];

const SVG_ELEMENTS: &[&str] = &[
    "a",
    "animate",
    "animateColor",
    "animateMotion",
    "animateTransform",
    "circle",
    "defs",
    "desc",
    "ellipse",
    "font-face",
    "font-face-name",
    "font-face-src",
    "foreignObject",
    "g",
    "glyph",
    "hkern",
    "line",
    "linearGradient",
    "marker",
    "metadata",
    "missing-glyph",
    "mpath",
    "path",
    "polygon",
    "polyline",
    "radialGradient",
    "rect",
    "set",
    "stop",
    "svg",
    "switch",
    "text",
    "title",
    "tspan",
    "use",
];

const SVG_ATTRIBUTES: &[&str] = &[
    "accent-height",
    "accumulate",
    "additive",
    "alphabetic",
    "arabic-form",
    "ascent",
    "attributeName",
    "attributeType",
    "baseProfile",
    "bbox",
    "begin",
    "by",
    "calcMode",
    "cap-height",
    "class",
    "color",
    "color-rendering",
    "content",
    "cx",
    "cy",
    "d",
    "descent",
    "display",
    "dur",
    "dx",
    "dy",
    "end",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "from",
    "fx",
    "fy",
    "g1",
    "g2",
    "glyph-name",
    "gradientUnits",
    "hanging",
    "height",
    "horiz-adv-x",
    "horiz-origin-x",
    "id",
    "ideographic",
    "k",
    "keyPoints",
    "keySplines",
    "keyTimes",
    "lang",
    "marker-end",
    "marker-mid",
    "marker-start",
    "markerHeight",
    "markerUnits",
    "markerWidth",
    "mathematical",
    "max",
    "min",
    "name",
    "offset",
    "opacity",
    "orient",
    "origin",
    "overline-position",
    "overline-thickness",
    "panose-1",
    "path",
    "pathLength",
    "points",
    "preserveAspectRatio",
    "r",
    "refX",
    "refY",
    "repeatCount",
    "repeatDur",
    "requiredExtensions",
    "requiredFeatures",
    "restart",
    "rotate",
    "rx",
    "ry",
    "slope",
    "stemh",
    "stemv",
    "stop-color",
    "stop-opacity",
    "strikethrough-position",
    "strikethrough-thickness",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "systemLanguage",
    "target",
    "text-anchor",
    "to",
    "transform",
    "type",
    "u1",
    "u2",
    "underline-position",
    "underline-thickness",
    "unicode",
    "unicode-range",
    "units-per-em",
    "values",
    "version",
    "viewBox",
    "visibility",
    "width",
    "widths",
    "x",
    "x-height",
    "x1",
    "x2",
    "xlink:actuate",
    "xlink:arcrole",
    "xlink:href",
    "xlink:role",
    "xlink:show",
    "xlink:title",
    "xlink:type",
    "xml:base",
    "xml:lang",
    "xml:space",
    "xmlns",
    "xmlns:xlink",
    "y",
    "y1",
    "y2",
    "zoomAndPan",
];

const CSS_PROPERTIES: &[&str] = &[
    "azimuth",
    "background-color",
    "border-bottom-color",
    "border-collapse",
    "border-color",
    "border-left-color",
    "border-right-color",
    "border-top-color",
    "clear",
    "color",
    "cursor",
    "direction",
    "display",
    "elevation",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "overflow",
    "pause",
    "pause-after",
    "pause-before",
    "pitch",
    "pitch-range",
    "richness",
    "speak",
    "speak-header",
    "speak-numeral",
    "speak-punctuation",
    "speech-rate",
    "stress",
    "text-align",
    "text-decoration",
    "text-indent",
    "unicode-bidi",
    "vertical-align",
    "voice-family",
    "volume",
    "white-space",
    "width",
];

const CSS_KEYWORDS: &[&str] = &[
    "auto",
    "aqua",
    "black",
    "block",
    "blue",
    "bold",
    "both",
    "bottom",
    "brown",
    "center",
    "collapse",
    "dashed",
    "dotted",
    "fuchsia",
    "gray",
    "green",
    "!important",
    "italic",
    "left",
    "lime",
    "maroon",
    "medium",
    "none",
    "navy",
    "normal",
    "nowrap",
    "olive",
    "pointer",
    "purple",
    "red",
    "right",
    "solid",
    "silver",
    "teal",
    "top",
    "transparent",
    "underline",
    "white",
    "yellow",
];

/// Maps C1 control code points to the Windows-1252 characters they usually mean.
pub(crate) fn cp1252_char(v: u32) -> Option<char> {
    const T: [u32; 32] = [
        0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc,
        0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
    ];
    if (0x80..=0x9f).contains(&v) {
        let c = T[(v - 0x80) as usize];
        if c != 0 {
            return char::from_u32(c);
        }
    }
    None
}

fn escape_attr(v: &str, out: &mut String) {
    let b = v.as_bytes();
    let mut i = 0;
    while i < v.len() {
        let c = v[i..].chars().next().unwrap_or(' ');
        match c {
            '>' => out.push_str("&gt;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '&' => {
                // keep existing references, escape bare ampersands
                let rest = &b[i + 1..];
                let is_ref = if rest.first() == Some(&b'#') {
                    let (hex, ds) = if matches!(rest.get(1), Some(b'x' | b'X')) {
                        (true, 2)
                    } else {
                        (false, 1)
                    };
                    let mut p = ds;
                    while p < rest.len()
                        && (if hex {
                            rest[p].is_ascii_hexdigit()
                        } else {
                            rest[p].is_ascii_digit()
                        })
                    {
                        p += 1;
                    }
                    p > ds && rest.get(p) == Some(&b';') && (!hex || rest[1] == b'x')
                } else {
                    let mut p = 0;
                    while p < rest.len() && (rest[p].is_ascii_alphanumeric() || rest[p] == b'_') {
                        p += 1;
                    }
                    p > 0 && rest.get(p) == Some(&b';')
                };
                out.push_str(if is_ref { "&" } else { "&amp;" });
            }
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `#hex`, `rgb(…)`, or a short number with an optional CSS unit.
fn css_value_ok(k: &str) -> bool {
    if let Some(h) = k.strip_prefix('#') {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(r) = k.strip_prefix("rgb(") {
        let b = r.as_bytes();
        let mut i = 0;
        let digits = |i: &mut usize| {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - s
        };
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'%') {
            i += 1;
        }
        if b.get(i) != Some(&b',') {
            return false;
        }
        i += 1;
        digits(&mut i);
        if b.get(i) == Some(&b'%') {
            i += 1;
        }
        if b.get(i) == Some(&b',') {
            i += 1;
        }
        digits(&mut i);
        if b.get(i) == Some(&b'%') {
            i += 1;
        }
        if b.get(i) == Some(&b')') {
            i += 1;
        }
        return i == b.len();
    }
    let b = k.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < b.len() && b[i].is_ascii_digit() && n < 2 {
        i += 1;
        n += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
    }
    n = 0;
    while i < b.len() && b[i].is_ascii_digit() && n < 2 {
        i += 1;
        n += 1;
    }
    let unit = &k[i..];
    unit.is_empty()
        || [
            "cm", "em", "ex", "in", "mm", "pc", "pt", "px", "%", ",", ")",
        ]
        .contains(&unit)
}

/// The character-level gauntlet a style attribute must pass.
fn style_gauntlet(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for i in 0..n {
        if !reach[i] {
            continue;
        }
        let c = chars[i];
        if c.is_alphanumeric() || c.is_whitespace() || ":,;#%.!".contains(c) {
            reach[i + 1] = true;
        }
        if i + 2 < n && is_word(c) && chars[i + 1] == '-' && is_word(chars[i + 2]) {
            reach[i + 3] = true;
        }
        if c == '\'' || c == '"' {
            let mut j = i + 1;
            while j < n && (is_word(chars[j]) || chars[j].is_whitespace()) {
                j += 1;
            }
            if j > i + 1 && j < n && chars[j] == c {
                reach[j + 1] = true;
            }
        }
        if c == '(' {
            let mut j = i + 1;
            while j < n
                && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j].is_whitespace())
            {
                j += 1;
            }
            if j > i + 1 && j < n && chars[j] == ')' {
                reach[j + 1] = true;
            }
        }
    }
    reach[n]
}

/// Sanitizes a `style` attribute: `url(…)` removed, then only whitelisted properties (and
/// background/border/margin/padding with safe values) are kept, re-serialized as `p: v;`.
fn sanitize_style(style: &str) -> String {
    if style.len() > 10_000 {
        return String::new();
    }
    // drop url(...) values
    let mut s = String::with_capacity(style.len());
    let mut rest = style;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(i) = lower.find("url") else { break };
        let after = rest[i + 3..].trim_start();
        if let Some(inner) = after.strip_prefix('(') {
            let inner_t = inner.trim_start();
            let e = inner_t
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(inner_t.len());
            let tail = inner_t[e..].trim_start();
            if e > 0 && tail.starts_with(')') {
                s.push_str(&rest[..i]);
                s.push(' ');
                rest = tail[1..].trim_start();
                continue;
            }
        }
        s.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
    }
    s.push_str(rest);
    if !style_gauntlet(&s) {
        return String::new();
    }
    // the whole thing must be a sequence of `prop: value;`
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut i = 0;
    let mut decls: Vec<(String, String)> = Vec::new();
    loop {
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= n {
            break;
        }
        let ps = i;
        while i < n && (is_word(chars[i]) || chars[i] == '-') {
            i += 1;
        }
        if i == ps {
            return String::new();
        }
        let prop: String = chars[ps..i].iter().collect();
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= n || chars[i] != ':' {
            return String::new();
        }
        i += 1;
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        let vs = i;
        while i < n && chars[i] != ':' && chars[i] != ';' {
            i += 1;
        }
        let value: String = chars[vs..i].iter().collect();
        if i < n && chars[i] == ';' {
            i += 1;
        } else if i < n {
            return String::new();
        }
        decls.push((prop, value));
    }
    let mut clean = Vec::new();
    for (prop, value) in decls {
        if value.is_empty() {
            continue;
        }
        let lp = prop.to_ascii_lowercase();
        let boxy = ["background", "border", "margin", "padding"]
            .contains(&lp.split('-').next().unwrap_or(""));
        if CSS_PROPERTIES.contains(&lp.as_str())
            || boxy
                && value
                    .split_whitespace()
                    .all(|k| CSS_KEYWORDS.contains(&k) || css_value_ok(k))
        {
            clean.push(format!("{prop}: {value};"));
        }
    }
    clean.join(" ")
}

/// Resolves relative URIs against `base` and sanitizes `html` in one pass, producing the
/// normalized markup a feed reader shows (attributes sorted, references kept as written).
pub(crate) fn sanitize(html: &str, base: &str, resolve: bool, sanitize: bool) -> String {
    sanitize_typed(html, base, resolve, sanitize, true)
}

/// [`sanitize`] for content of a known type: `html_type` is false for XHTML.
pub(crate) fn sanitize_typed(
    html: &str,
    base: &str,
    resolve: bool,
    sanitize: bool,
    html_type: bool,
) -> String {
    let prepared = prepare(html);
    let mut out = String::with_capacity(prepared.len());
    let mut unacceptable = 0usize;
    let mut mathml_ok = 0usize;
    let mut svg_ok = 0usize;
    for tok in Tokenizer::new(&prepared) {
        match tok {
            Tok::Text(t) => {
                if unacceptable == 0 {
                    out.push_str(t);
                }
            }
            Tok::Start {
                mut name,
                mut attrs,
            } => {
                let mut allowed: &dyn Fn(&str) -> bool =
                    &|k: &str| ACCEPTABLE_ATTRIBUTES.contains(&k);
                let svg_allowed =
                    |k: &str| SVG_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(k));
                let math_allowed = |k: &str| MATHML_ATTRIBUTES.contains(&k);
                let mut foreign = false;
                if sanitize && (!ACCEPTABLE_ELEMENTS.contains(&name.as_str()) || svg_ok > 0) {
                    if matches!(name.as_str(), "script" | "applet" | "style") {
                        unacceptable += 1;
                    }
                    if html_type && !attrs.iter().any(|(k, v)| k == "xmlns" && !v.is_empty()) {
                        if name == "svg" {
                            attrs.push(("xmlns".into(), SVG_NS.into()));
                        }
                        if name == "math" {
                            attrs.push(("xmlns".into(), MATHML_NS.into()));
                        }
                    }
                    if name == "math" && attrs.iter().any(|(k, v)| k == "xmlns" && v == MATHML_NS) {
                        mathml_ok += 1;
                    }
                    if name == "svg" && attrs.iter().any(|(k, v)| k == "xmlns" && v == SVG_NS) {
                        svg_ok += 1;
                    }
                    if mathml_ok > 0 && MATHML_ELEMENTS.contains(&name.as_str()) {
                        allowed = &math_allowed;
                        foreign = true;
                    } else if svg_ok > 0
                        && SVG_ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(&name))
                    {
                        if let Some(e) = SVG_ELEMENTS.iter().find(|e| e.eq_ignore_ascii_case(&name))
                        {
                            name = (*e).to_string();
                        }
                        allowed = &svg_allowed;
                        foreign = true;
                    } else if !ACCEPTABLE_ELEMENTS.contains(&name.as_str()) {
                        continue;
                    }
                }
                if foreign
                    && attrs.iter().any(|(k, _)| k.starts_with("xlink:"))
                    && !attrs.iter().any(|(k, _)| k == "xmlns:xlink")
                {
                    attrs.push(("xmlns:xlink".into(), "http://www.w3.org/1999/xlink".into()));
                }
                // normalize: later duplicates win, lower-case rel/type, sort
                let mut norm: Vec<(String, String)> = Vec::with_capacity(attrs.len());
                for (k, v) in attrs.into_iter().take(MAX_HTML_ATTRS) {
                    let v = if k == "rel" || k == "type" {
                        v.to_lowercase()
                    } else {
                        v
                    };
                    norm.push((k, v));
                }
                // later duplicates win: stable sort by name, keep the last of each run
                norm.sort_by(|a, b| a.0.cmp(&b.0));
                let mut dedup: Vec<(String, String)> = Vec::with_capacity(norm.len());
                for (k, v) in norm {
                    match dedup.last_mut() {
                        Some(last) if last.0 == k => last.1 = v,
                        _ => dedup.push((k, v)),
                    }
                }
                let norm = dedup;
                let lname = name.to_ascii_lowercase();
                out.push('<');
                out.push_str(&name);
                for (mut k, mut v) in norm {
                    if resolve && RELATIVE_URIS.contains(&(lname.as_str(), k.as_str())) {
                        v = uri::make_safe_absolute(base, v.trim());
                    }
                    if sanitize {
                        if k == "style" {
                            v = sanitize_style(&v);
                            if v.is_empty() {
                                continue;
                            }
                        } else if !allowed(&k) {
                            continue;
                        }
                        if foreign && svg_ok > 0 {
                            if let Some(a) =
                                SVG_ATTRIBUTES.iter().find(|a| a.eq_ignore_ascii_case(&k))
                            {
                                k = (*a).to_string();
                            }
                        }
                        if k == "href" {
                            v = uri::make_safe_absolute(&v, "");
                        }
                    }
                    out.push(' ');
                    out.push_str(&k);
                    out.push_str("=\"");
                    escape_attr(&v, &mut out);
                    out.push('"');
                }
                out.push_str(if VOID.contains(&lname.as_str()) {
                    " />"
                } else {
                    ">"
                });
            }
            Tok::End(mut name) => {
                if sanitize && !ACCEPTABLE_ELEMENTS.contains(&name.as_str()) {
                    if matches!(name.as_str(), "script" | "applet" | "style") {
                        unacceptable = unacceptable.saturating_sub(1);
                    }
                    if mathml_ok > 0 && MATHML_ELEMENTS.contains(&name.as_str()) {
                        if name == "math" {
                            mathml_ok -= 1;
                        }
                    } else if svg_ok > 0
                        && SVG_ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(&name))
                    {
                        if let Some(e) = SVG_ELEMENTS.iter().find(|e| e.eq_ignore_ascii_case(&name))
                        {
                            name = (*e).to_string();
                        }
                        if name == "svg" {
                            svg_ok -= 1;
                        }
                    } else {
                        continue;
                    }
                }
                if !VOID.contains(&name.as_str()) {
                    out.push_str("</");
                    out.push_str(&name);
                    out.push('>');
                }
            }
            Tok::Comment(c) => {
                if unacceptable == 0 {
                    out.push_str("<!--");
                    out.push_str(c);
                    out.push_str("-->");
                }
            }
            Tok::CharRef(r) => {
                if unacceptable > 0 {
                    continue;
                }
                let lr = r.to_ascii_lowercase();
                let v = if let Some(h) = lr.strip_prefix('x') {
                    u32::from_str_radix(h, 16).ok()
                } else {
                    lr.parse().ok()
                };
                match v.and_then(cp1252_char) {
                    Some(c) => out.push_str(&format!("&#x{:x};", c as u32)),
                    None => {
                        out.push_str("&#");
                        out.push_str(&lr);
                        out.push(';');
                    }
                }
            }
            Tok::EntityRef(r, _) => {
                if unacceptable > 0 {
                    continue;
                }
                if entity_char(r).is_some() {
                    out.push('&');
                    out.push_str(r);
                    out.push(';');
                } else {
                    out.push_str("&amp;");
                    out.push_str(r);
                }
            }
            Tok::Other(o) => {
                if !sanitize {
                    out.push_str(o);
                }
            }
        }
    }
    if sanitize {
        out.trim().replace("\r\n", "\n")
    } else {
        out
    }
}

/// The textual fix-ups applied before tokenizing embedded HTML.
fn prepare(html: &str) -> String {
    let mut s = html.replace("<![CDATA[", "&lt;![CDATA[");
    // `<!x` that is not a comment, doctype or marked section is text
    if s.contains("<!") {
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(i) = rest.find("<!") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if after.starts_with("--")
                || after.starts_with('[')
                || after
                    .get(..7)
                    .is_some_and(|d| d.eq_ignore_ascii_case("DOCTYPE"))
            {
                out.push_str("<!");
            } else {
                out.push_str("&lt;!");
            }
            rest = after;
        }
        out.push_str(rest);
        s = out;
    }
    // <tag/> short tags
    if s.contains("/>") {
        let mut out = String::with_capacity(s.len() + 16);
        let mut rest = s.as_str();
        while let Some(i) = rest.find('<') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let name_len = after
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '/')
                .unwrap_or(after.len());
            let name = &after[..name_len];
            let tail = after[name_len..].trim_start();
            if name_len > 0 && tail.starts_with("/>") {
                let consumed = after.len() - tail.len() + 2;
                if VOID.contains(&name.to_ascii_lowercase().as_str()) {
                    out.push_str(&format!("<{name} />"));
                } else {
                    out.push_str(&format!("<{name}></{name}>"));
                }
                rest = &after[consumed..];
            } else {
                out.push('<');
                rest = after;
            }
        }
        out.push_str(rest);
        s = out;
    }
    s.replace("&#39;", "'").replace("&#34;", "\"")
}

/// Whether text from a format that does not say its content type looks like HTML.
pub(crate) fn looks_like_html(s: &str) -> bool {
    let has_close = s.match_indices("</").any(|(i, _)| {
        let r = &s[i + 2..];
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        n > 0 && r[n..].starts_with('>')
    });
    let has_ref = s.match_indices('&').any(|(i, _)| {
        let r = s[i + 1..].strip_prefix('#').unwrap_or(&s[i + 1..]);
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        n > 0 && r[n..].starts_with(';')
    });
    if !has_close && !has_ref {
        return false;
    }
    for (i, _) in s.match_indices('<') {
        let r = s[i + 1..].strip_prefix('/').unwrap_or(&s[i + 1..]);
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        if n > 0 && !ACCEPTABLE_ELEMENTS.contains(&r[..n].to_lowercase().as_str()) {
            return false;
        }
    }
    for (i, _) in s.match_indices('&') {
        let r = &s[i + 1..];
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        if n > 0 && r[n..].starts_with(';') && entity_char(&r[..n]).is_none() {
            return false;
        }
    }
    true
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "figure"
            | "figcaption"
            | "dd"
            | "dt"
            | "dl"
            | "hr"
    )
}

/// Converts HTML to plain text: tags dropped (block elements become line breaks), script
/// and style content dropped, references decoded, whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut skip = 0usize;
    for tok in Tokenizer::new(html) {
        match tok {
            Tok::Text(t) if skip == 0 => out.push_str(if t == "&lt;" { "<" } else { t }),
            Tok::Start { name, .. } => {
                if matches!(name.as_str(), "script" | "style") {
                    skip += 1;
                } else if is_block(&name) || name == "br" {
                    out.push(' ');
                }
            }
            Tok::End(name) => {
                if matches!(name.as_str(), "script" | "style") {
                    skip = skip.saturating_sub(1);
                } else if is_block(&name) {
                    out.push(' ');
                }
            }
            Tok::CharRef(r) if skip == 0 => {
                let lr = r.to_ascii_lowercase();
                let v = if let Some(h) = lr.strip_prefix('x') {
                    u32::from_str_radix(h, 16).ok()
                } else {
                    lr.parse().ok()
                };
                if let Some(c) = v.and_then(|v| cp1252_char(v).or_else(|| char::from_u32(v))) {
                    out.push(c);
                }
            }
            Tok::EntityRef(r, semi) if skip == 0 => match entity_char(r) {
                Some(c) => out.push(c),
                None => {
                    out.push('&');
                    out.push_str(r);
                    if semi {
                        out.push(';');
                    }
                }
            },
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizer_drops_scripts_and_handlers() {
        let out = sanitize(
            r#"<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a><img src="/a.png"/></p>"#,
            "http://e.org/b/",
            true,
            true,
        );
        assert_eq!(
            out,
            r#"<p>Hi <a href="">x</a><img src="http://e.org/a.png" /></p>"#
        );
    }

    #[test]
    fn references_are_kept_as_written() {
        assert_eq!(
            sanitize("<b>&#38;</b> &amp; &#x26; &bogus;", "", true, true),
            "<b>&#38;</b> &amp; &#x26; &amp;bogus"
        );
        assert_eq!(
            sanitize(r#"<a title="&amp;">&amp;</a>"#, "", true, true),
            r#"<a title="&amp;">&amp;</a>"#
        );
    }

    #[test]
    fn html_heuristic() {
        assert!(looks_like_html("<b>bold</b>"));
        assert!(!looks_like_html("AT&T"));
        assert!(!looks_like_html("<foo>x</foo>"));
    }

    #[test]
    fn plain_text() {
        assert_eq!(
            html_to_text("<p>A &amp; B</p><script>x</script><p>C&nbsp;D</p>"),
            "A & B C D"
        );
    }
}
