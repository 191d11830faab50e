//! Templates embedded in the binary, overridable from a theme folder, rendered with HTML
//! auto-escaping; plus the stylesheet.

use crate::config::WebConfig;
use crate::error::WebError;
use minijinja::{AutoEscape, Environment, Value};
use sha2::{Digest, Sha256};

/// The embedded templates (name, source).
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("story.html", include_str!("../templates/story.html")),
    ("section.html", include_str!("../templates/section.html")),
    ("outlets.html", include_str!("../templates/outlets.html")),
    ("outlet.html", include_str!("../templates/outlet.html")),
    ("archive.html", include_str!("../templates/archive.html")),
    (
        "archive_day.html",
        include_str!("../templates/archive_day.html"),
    ),
    (
        "edition_body.html",
        include_str!("../templates/edition_body.html"),
    ),
    ("edition.html", include_str!("../templates/edition.html")),
    ("search.html", include_str!("../templates/search.html")),
    (
        "subscribe.html",
        include_str!("../templates/subscribe.html"),
    ),
    (
        "subscribed.html",
        include_str!("../templates/subscribed.html"),
    ),
    (
        "subscription.html",
        include_str!("../templates/subscription.html"),
    ),
    (
        "preferences.html",
        include_str!("../templates/preferences.html"),
    ),
    (
        "admin_login.html",
        include_str!("../templates/admin_login.html"),
    ),
    ("admin.html", include_str!("../templates/admin.html")),
];

const EMBEDDED_CSS: &str = include_str!("../static/style.css");

/// Loaded templates and stylesheet.
pub(crate) struct Templates {
    env: Environment<'static>,
    /// The stylesheet served at /static/style.css.
    pub css: bytes_like::Css,
}

pub(crate) mod bytes_like {
    /// The stylesheet and its version tag.
    pub struct Css {
        /// CSS text.
        pub body: axum::body::Bytes,
        /// Short content hash (cache-busting query and ETag).
        pub version: String,
    }
}

fn read_theme(dir: &std::path::Path, rel: &str) -> Result<Option<String>, WebError> {
    let path = dir.join(rel);
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WebError::Theme { path, source }),
    }
}

impl Templates {
    /// Loads the embedded templates, replacing each one the theme folder has.
    pub fn load(cfg: &WebConfig) -> Result<Templates, WebError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        // Strings are escaped with `escape_html` (the five HTML-significant characters);
        // minijinja's default would also escape `/`, which makes every URL unreadable.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
                if let Some(s) = value.as_str() {
                    return out.write_str(&crate::view::escape_html(s)).map_err(|_| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::WriteFailure,
                            "writing template output",
                        )
                    });
                }
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_filter("safe_url", |s: String| crate::view::safe_url(&s));
        env.add_filter("excerpt", |s: String, n: usize| crate::view::excerpt(&s, n));
        for (name, src) in EMBEDDED {
            let src = match &cfg.theme_dir {
                Some(dir) => read_theme(dir, &format!("templates/{name}"))?
                    .unwrap_or_else(|| src.to_string()),
                None => src.to_string(),
            };
            env.add_template_owned(name.to_string(), src)?;
        }
        let css = match &cfg.theme_dir {
            Some(dir) => {
                read_theme(dir, "static/style.css")?.unwrap_or_else(|| EMBEDDED_CSS.into())
            }
            None => EMBEDDED_CSS.into(),
        };
        let version = hex(&Sha256::digest(css.as_bytes())[..6]);
        env.add_global("site_title", Value::from(cfg.site_title.clone()));
        env.add_global("base_url", Value::from(cfg.base().to_string()));
        env.add_global(
            "css_url",
            Value::from(format!("/static/style.css?v={version}")),
        );
        env.add_global(
            "sections",
            Value::from_serialize(
                roundup_model::Section::ALL
                    .iter()
                    .map(|s| (s.as_str(), s.title()))
                    .collect::<Vec<_>>(),
            ),
        );
        env.add_global("lists", Value::from_serialize(&cfg.lists));
        // Every template must compile now, not at the first request.
        for (name, _) in EMBEDDED {
            env.get_template(name)?;
        }
        Ok(Templates {
            env,
            css: bytes_like::Css {
                body: axum::body::Bytes::from(css),
                version,
            },
        })
    }

    /// Renders a template.
    pub fn render<S: serde::Serialize>(
        &self,
        name: &str,
        ctx: S,
        _cfg: &WebConfig,
    ) -> Result<String, WebError> {
        Ok(self.env.get_template(name)?.render(ctx)?)
    }
}

/// Lower-case hex of bytes.
pub(crate) fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}
