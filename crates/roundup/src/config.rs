//! Configuration: `roundup.toml` overlaid with `ROUNDUP_*` environment variables.
//!
//! Every key of the file can be set by env: the variable name is `ROUNDUP_` followed by the
//! key's path in upper case joined with `_`, e.g. `database_url` → `ROUNDUP_DATABASE_URL`,
//! `[fetch] max_body_bytes` → `ROUNDUP_FETCH_MAX_BODY_BYTES`. Env wins over the file, the file
//! wins over the defaults.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` (embedded, default) or `postgres://…`.
    pub database_url: String,
    /// Public base URL of the site, used in feeds and email links.
    pub base_url: String,
    /// Secret for signed tokens (email links, sessions). Set your own in production.
    pub secret: String,
    /// Fetcher settings.
    pub fetch: FetchConfig,
    /// Web server settings.
    pub server: ServerConfig,
}

/// Settings of the polite fetcher.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// User-Agent header; names roundup and a contact URL so publishers can reach the operator.
    pub user_agent: String,
    /// Concurrent requests across all hosts.
    pub global_concurrency: usize,
    /// Concurrent requests per host.
    pub per_host_concurrency: usize,
    /// Minimum delay between two requests to the same host, in milliseconds.
    pub per_host_delay_ms: u64,
    /// Connect timeout in seconds.
    pub connect_timeout_secs: u64,
    /// Total timeout of one request in seconds.
    pub timeout_secs: u64,
    /// Largest body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Retries after a timeout, 5xx or 429.
    pub max_retries: u32,
    /// Allow fetching loopback/private/link-local addresses (off: SSRF guard).
    pub allow_private_addresses: bool,
    /// Minimum minutes between polls of one feed.
    pub min_poll_minutes: u64,
    /// Maximum minutes between polls of one feed.
    pub max_poll_minutes: u64,
}

/// Settings of `roundup serve`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Folder with template overrides (optional).
    pub theme_dir: Option<PathBuf>,
    /// Header naming the client address when a reverse proxy you control always sets it
    /// (`x-forwarded-for`; its last entry is used). Unset: the TCP peer address, which is
    /// what per-IP limits (admin login, newsletter sign-ups) count.
    pub client_ip_header: Option<String>,
    /// Bearer token of the inbound-mail webhook (`POST /hooks/inbound`, for bounces,
    /// complaints and mailto unsubscribes posted by your mail server); at least 16 bytes.
    /// Unset: no webhook.
    pub inbound_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://roundup.db".into(),
            base_url: "http://127.0.0.1:8080".into(),
            secret: "change-me".into(),
            fetch: FetchConfig::default(),
            server: ServerConfig::default(),
        }
    }
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!(
                "roundup/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/roundup-news/roundup; self-hosted news roundup)"
            )
            .into(),
            global_concurrency: 32,
            per_host_concurrency: 2,
            per_host_delay_ms: 1000,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 3,
            allow_private_addresses: false,
            min_poll_minutes: 10,
            max_poll_minutes: 24 * 60,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            theme_dir: None,
            client_ip_header: None,
            inbound_token: None,
        }
    }
}

impl Config {
    /// Loads the config: defaults, then the file (if given or `./roundup.toml` exists), then env.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, &env)
    }

    /// As [`Config::load`], with the environment given explicitly (for tests).
    pub fn load_with_env(path: Option<&Path>, env: &[(String, String)]) -> Result<Config> {
        let mut value = toml::Value::try_from(Config::default()).context("serializing defaults")?;
        let file = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("roundup.toml")).filter(|p| p.exists()),
        };
        if let Some(file) = file {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading config file {}", file.display()))?;
            let parsed: toml::Value = toml::from_str(&text)
                .with_context(|| format!("config file {} is not valid TOML", file.display()))?;
            merge(&mut value, parsed);
        }
        overlay_env(&mut value, "ROUNDUP", env)?;
        let cfg: Config = value.try_into().context("invalid configuration")?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            bail!(
                "database_url {:?} must start with sqlite: or postgres://",
                self.database_url
            );
        }
        if self.fetch.per_host_concurrency == 0 || self.fetch.global_concurrency == 0 {
            bail!("fetch.per_host_concurrency and fetch.global_concurrency must be at least 1");
        }
        if self.fetch.min_poll_minutes > self.fetch.max_poll_minutes {
            bail!("fetch.min_poll_minutes must not exceed fetch.max_poll_minutes");
        }
        url::Url::parse(&self.base_url)
            .with_context(|| format!("base_url {:?} is not a URL", self.base_url))?;
        Ok(())
    }
}

/// Deep-merges `over` into `base` (tables merge, other values replace).
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Sets every key that has a matching `PREFIX_KEY` env variable, parsing it as the key's type.
fn overlay_env(value: &mut toml::Value, prefix: &str, env: &[(String, String)]) -> Result<()> {
    let toml::Value::Table(table) = value else {
        return Ok(());
    };
    for (key, slot) in table.iter_mut() {
        let name = format!("{prefix}_{}", key.to_ascii_uppercase());
        if let toml::Value::Table(_) = slot {
            overlay_env(slot, &name, env)?;
            continue;
        }
        let Some((_, raw)) = env.iter().find(|(k, _)| *k == name) else {
            continue;
        };
        *slot = match slot {
            toml::Value::Integer(_) => toml::Value::Integer(
                raw.trim()
                    .parse()
                    .with_context(|| format!("{name}={raw:?} is not an integer"))?,
            ),
            toml::Value::Boolean(_) => {
                toml::Value::Boolean(match raw.trim().to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => true,
                    "0" | "false" | "no" | "off" => false,
                    _ => bail!("{name}={raw:?} is not a boolean (true/false)"),
                })
            }
            toml::Value::Float(_) => toml::Value::Float(
                raw.trim()
                    .parse()
                    .with_context(|| format!("{name}={raw:?} is not a number"))?,
            ),
            _ => toml::Value::String(raw.clone()),
        };
    }
    // Optional keys absent from the defaults (None) can still be set by env as strings.
    for key in KNOWN_OPTIONAL {
        let name = format!("{prefix}_{}", key.to_ascii_uppercase());
        if let Some((_, raw)) = env.iter().find(|(k, _)| *k == name) {
            if !table.contains_key(*key) && prefix == "ROUNDUP_SERVER" {
                table.insert(key.to_string(), toml::Value::String(raw.clone()));
            }
        }
    }
    Ok(())
}

/// Optional (default-None) keys that may be set by env although the defaults do not list them.
const KNOWN_OPTIONAL: &[&str] = &["theme_dir", "client_ip_header", "inbound_token"];

/// Arguments of `roundup init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the config.
    #[arg(long, default_value = "roundup.toml")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Also follow the curated default outlets (data/default-outlets.toml, 140 real feeds).
    #[arg(long)]
    pub with_default_outlets: bool,
}

/// The commented default config written by `roundup init`.
pub fn default_config_text() -> String {
    let d = Config::default();
    let f = &d.fetch;
    format!(
        r#"# roundup configuration. Every key can also be set by env: ROUNDUP_ + the key path in
# upper case joined by "_" (e.g. ROUNDUP_DATABASE_URL, ROUNDUP_FETCH_USER_AGENT).

# Where roundup keeps its data: "sqlite://PATH" (embedded, default) or "postgres://user@host/db".
database_url = "{db}"
# Public base URL of the site (used in feeds out and email links).
base_url = "{base}"
# Secret for signed email links and sessions. CHANGE THIS: e.g. `openssl rand -hex 32`.
secret = "{secret}"

[fetch]
# Sent with every request; name yourself and a contact URL so publishers can reach you.
user_agent = "{ua}"
# Requests in flight across all hosts, and per host.
global_concurrency = {gc}
per_host_concurrency = {phc}
# Minimum pause between two requests to the same host (milliseconds).
per_host_delay_ms = {delay}
connect_timeout_secs = {ct}
timeout_secs = {t}
# Bodies larger than this are refused (bytes).
max_body_bytes = {mb}
max_redirects = {mr}
# Retries on timeouts, 5xx and 429 (with exponential backoff and jitter; Retry-After honored).
max_retries = {rt}
# Allow fetching loopback / private / link-local addresses. Keep false unless you know why.
allow_private_addresses = {ap}
# Bounds of adaptive polling per feed (minutes).
min_poll_minutes = {minp}
max_poll_minutes = {maxp}

[server]
bind = "{bind}"
# theme_dir = "theme"   # a folder whose templates override the built-in ones
# Behind a reverse proxy that always sets it: the header naming the client address (its last
# entry counts for the per-IP limits of login and newsletter sign-up). Leave unset otherwise.
# client_ip_header = "x-forwarded-for"
# Inbound-mail webhook: your mail server posts each bounce / complaint / unsubscribe mail as
# the raw message to POST /hooks/inbound with `Authorization: Bearer <token>`.
# inbound_token = "a long random string"
"#,
        db = d.database_url,
        base = d.base_url,
        secret = d.secret,
        ua = f.user_agent,
        gc = f.global_concurrency,
        phc = f.per_host_concurrency,
        delay = f.per_host_delay_ms,
        ct = f.connect_timeout_secs,
        t = f.timeout_secs,
        mb = f.max_body_bytes,
        mr = f.max_redirects,
        rt = f.max_retries,
        ap = f.allow_private_addresses,
        minp = f.min_poll_minutes,
        maxp = f.max_poll_minutes,
        bind = d.server.bind,
    )
}

/// `roundup init`: writes the commented default config.
pub fn init(args: &InitArgs) -> Result<()> {
    if args.out.exists() && !args.force {
        bail!(
            "{} already exists (use --force to overwrite)",
            args.out.display()
        );
    }
    std::fs::write(&args.out, default_config_text())
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn default_config_text_parses_back_to_defaults() {
        let dir = std::env::temp_dir().join(format!("roundup-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("roundup.toml");
        std::fs::write(&p, default_config_text()).unwrap();
        let cfg = Config::load_with_env(Some(&p), &[]).unwrap();
        assert_eq!(cfg, Config::default());
    }

    #[test]
    fn env_overrides_file_and_nested_keys() {
        let dir = std::env::temp_dir().join(format!("roundup-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("roundup.toml");
        std::fs::write(
            &p,
            "database_url = \"sqlite://file.db\"\n[fetch]\nmax_retries = 7\n",
        )
        .unwrap();
        let cfg = Config::load_with_env(
            Some(&p),
            &env(&[
                ("ROUNDUP_DATABASE_URL", "postgres://x@127.0.0.1/db"),
                ("ROUNDUP_FETCH_PER_HOST_CONCURRENCY", "1"),
                ("ROUNDUP_FETCH_ALLOW_PRIVATE_ADDRESSES", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.database_url, "postgres://x@127.0.0.1/db");
        assert_eq!(cfg.fetch.max_retries, 7);
        assert_eq!(cfg.fetch.per_host_concurrency, 1);
        assert!(cfg.fetch.allow_private_addresses);
        assert_eq!(cfg.server.client_ip_header, None, "off unless configured");
        let cfg = Config::load_with_env(
            None,
            &env(&[("ROUNDUP_SERVER_CLIENT_IP_HEADER", "x-forwarded-for")]),
        )
        .unwrap();
        assert_eq!(
            cfg.server.client_ip_header.as_deref(),
            Some("x-forwarded-for")
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::load_with_env(None, &env(&[("ROUNDUP_FETCH_MAX_RETRIES", "lots")]))
            .unwrap_err();
        assert!(
            format!("{e:#}").contains("ROUNDUP_FETCH_MAX_RETRIES"),
            "{e:#}"
        );
        let dir = std::env::temp_dir().join(format!("roundup-cfg3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.toml");
        std::fs::write(&p, "[fetch\nx=").unwrap();
        let e = Config::load_with_env(Some(&p), &[]).unwrap_err();
        assert!(format!("{e:#}").contains("bad.toml"), "{e:#}");
        std::fs::write(&p, "databse_url = \"x\"").unwrap();
        let e = Config::load_with_env(Some(&p), &[]).unwrap_err();
        assert!(format!("{e:#}").contains("databse_url"), "{e:#}");
    }
}
