//! SMTP relay settings and DKIM keys. The sessions themselves are [`super::pool::SmtpPool`]
//! (lettre's SMTP client over our own TCP_NODELAY sockets, rustls for TLS).
//!
//! Security modes: `plain` (no TLS: a local relay or the test sink), `starttls` (upgrade
//! required, fails if the server does not offer it) and `tls` (implicit TLS, port 465).
//! Optional AUTH (PLAIN/LOGIN) with a username and password; up to `pool_size` idle sessions
//! are kept and reused across messages.
//!
//! URL form (for `ROUNDUP_SMTP_URL`): `smtp://[user:pass@]host[:port]` (plain, port 25),
//! `smtp+starttls://…` (port 587) and `smtps://…` (port 465). Query `?pool=N&timeout=SECS`.

use super::{NewsletterError, Result};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use lettre::transport::smtp::client::TlsParameters;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// No TLS.
    Plain,
    /// STARTTLS, required.
    Starttls,
    /// Implicit TLS from the first byte.
    Tls,
}

/// The SMTP relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name.
    pub host: String,
    /// Port (default by security: 25, 587, 465).
    pub port: Option<u16>,
    /// Connection security.
    pub security: Security,
    /// AUTH user name.
    pub username: Option<String>,
    /// AUTH password.
    pub password: Option<String>,
    /// Pooled connections (at least the delivery concurrency is sensible).
    pub pool_size: u32,
    /// Per-command timeout in seconds.
    pub timeout_secs: u64,
    /// Name sent in EHLO (default: the machine's host name).
    pub hello_name: Option<String>,
    /// Extra CA certificate (PEM) trusted for TLS, for private relays.
    pub ca_file: Option<PathBuf>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".into(),
            port: None,
            security: Security::Plain,
            username: None,
            password: None,
            pool_size: 8,
            timeout_secs: 30,
            hello_name: None,
            ca_file: None,
        }
    }
}

impl SmtpConfig {
    /// Parses the URL form (see the module docs).
    pub fn from_url(u: &str) -> Result<SmtpConfig> {
        let bad = |m: &str| NewsletterError::Config(format!("smtp url: {m}"));
        let url = url::Url::parse(u).map_err(|e| bad(&e.to_string()))?;
        let security = match url.scheme() {
            "smtp" => Security::Plain,
            "smtp+starttls" | "submission" => Security::Starttls,
            "smtps" => Security::Tls,
            s => {
                return Err(bad(&format!(
                    "scheme {s:?}: use smtp, smtp+starttls or smtps"
                )))
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?
            .trim_matches(|c| c == '[' || c == ']')
            .to_string();
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let mut cfg = SmtpConfig {
            host,
            port: url.port(),
            security,
            username: (!url.username().is_empty()).then(|| dec(url.username())),
            password: url.password().map(dec),
            ..SmtpConfig::default()
        };
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "pool" => cfg.pool_size = v.parse().map_err(|_| bad("pool"))?,
                "timeout" => cfg.timeout_secs = v.parse().map_err(|_| bad("timeout"))?,
                "hello" => cfg.hello_name = Some(v.into_owned()),
                other => return Err(bad(&format!("unknown parameter {other:?}"))),
            }
        }
        Ok(cfg)
    }

    /// The effective port.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::Plain => 25,
            Security::Starttls => 587,
            Security::Tls => 465,
        })
    }

    /// lettre's TLS parameters for this relay (webpki roots plus `ca_file`).
    pub fn tls_parameters(&self) -> Result<TlsParameters> {
        let err = |e: lettre::transport::smtp::Error| NewsletterError::Smtp(e.to_string());
        let mut tp = TlsParameters::builder(self.host.clone());
        if let Some(ca) = &self.ca_file {
            let pem = std::fs::read(ca).map_err(|source| NewsletterError::Io {
                path: ca.display().to_string(),
                source,
            })?;
            let cert = lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(err)?;
            tp = tp.add_root_certificate(cert);
        }
        tp.build_rustls().map_err(err)
    }
}

/// DKIM settings as written in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfigFile {
    /// Selector (`s=`), the DNS record is `{selector}._domainkey.{domain}`.
    pub selector: String,
    /// Signing domain (`d=`).
    pub domain: String,
    /// Private key file: PKCS#1 PEM for `rsa`, base64 of the 32-byte seed for `ed25519`.
    pub key_file: PathBuf,
    /// `rsa` (rsa-sha256) or `ed25519` (ed25519-sha256).
    #[serde(default = "default_alg")]
    pub algorithm: String,
}

fn default_alg() -> String {
    "rsa".into()
}

/// Headers covered by the signature (RFC 8058 requires List-Unsubscribe-Post to be signed).
/// `Content-Type` is left out: lettre 0.11 re-folds its boundary parameter differently when
/// signing and when writing, so a signed Content-Type never verifies (checked with dkimpy);
/// the body hash still covers every part. Canonicalization is relaxed/relaxed for the same
/// reason (lettre's simple header canonicalization does not verify either).
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
];

impl DkimConfigFile {
    /// Reads the key and builds lettre's signing configuration (relaxed/relaxed).
    pub fn load(&self) -> Result<DkimConfig> {
        let key =
            std::fs::read_to_string(&self.key_file).map_err(|source| NewsletterError::Io {
                path: self.key_file.display().to_string(),
                source,
            })?;
        dkim_config(&self.selector, &self.domain, &self.algorithm, &key)
    }
}

/// A DKIM configuration from a key given as text (see [`DkimConfigFile::key_file`]).
/// An ed25519 DKIM key as lettre wants it (base64 of the 32-byte seed), from either that form
/// or a PKCS#8 PEM file as `openssl genpkey -algorithm ed25519` writes it.
fn ed25519_seed_base64(key: &str) -> Result<String> {
    use base64::Engine;
    let key = key.trim();
    if !key.starts_with("-----BEGIN") {
        return Ok(key.to_string());
    }
    let bad = |m: &str| NewsletterError::Config(format!("dkim ed25519 key: {m}"));
    if !key.starts_with("-----BEGIN PRIVATE KEY-----") {
        return Err(bad("expected a PKCS#8 \"PRIVATE KEY\" PEM block"));
    }
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| bad(&format!("PEM body is not base64: {e}")))?;
    // PKCS#8 v1 of an Ed25519 key (RFC 8410): a fixed 16-byte prefix, then the 32-byte seed.
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    if der.len() != 48 || der[..16] != PREFIX {
        return Err(bad(
            "not an Ed25519 PKCS#8 key (openssl genpkey -algorithm ed25519)",
        ));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(&der[16..]))
}

pub fn dkim_config(selector: &str, domain: &str, algorithm: &str, key: &str) -> Result<DkimConfig> {
    let alg = match algorithm.to_ascii_lowercase().as_str() {
        "rsa" | "rsa-sha256" => DkimSigningAlgorithm::Rsa,
        "ed25519" | "ed25519-sha256" => DkimSigningAlgorithm::Ed25519,
        other => {
            return Err(NewsletterError::Config(format!(
                "dkim algorithm {other:?}: use rsa or ed25519"
            )))
        }
    };
    let key = match alg {
        DkimSigningAlgorithm::Ed25519 => ed25519_seed_base64(key)?,
        DkimSigningAlgorithm::Rsa => key.trim().to_string(),
    };
    let key = DkimSigningKey::new(&key, alg)
        .map_err(|e| NewsletterError::Config(format!("dkim key: {e}")))?;
    Ok(DkimConfig::new(
        selector.to_string(),
        domain.to_string(),
        key,
        SIGNED_HEADERS
            .iter()
            .map(|h| HeaderName::new_from_ascii_str(h))
            .collect(),
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let c = SmtpConfig::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((c.security, c.effective_port()), (Security::Plain, 2525));
        let c =
            SmtpConfig::from_url("smtp+starttls://me%40x.org:p%3Ass@mail.x.org?pool=3").unwrap();
        assert_eq!(c.security, Security::Starttls);
        assert_eq!(c.effective_port(), 587);
        assert_eq!(c.username.as_deref(), Some("me@x.org"));
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert_eq!(c.pool_size, 3);
        let c = SmtpConfig::from_url("smtps://mail.x.org").unwrap();
        assert_eq!((c.security, c.effective_port()), (Security::Tls, 465));
        assert!(SmtpConfig::from_url("http://x").is_err());
        assert!(SmtpConfig::from_url("smtp://x?bogus=1").is_err());
        assert!(SmtpConfig::from_url("not a url").is_err());
    }

    #[test]
    fn dkim_key_errors_are_typed() {
        assert!(matches!(
            dkim_config("s", "x.org", "rsa", "not a key"),
            Err(NewsletterError::Config(_))
        ));
        assert!(matches!(
            dkim_config("s", "x.org", "dsa", "k"),
            Err(NewsletterError::Config(_))
        ));
        // 32 zero bytes, base64: a valid ed25519 seed.
        assert!(dkim_config(
            "s",
            "x.org",
            "ed25519",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        )
        .is_ok());
    }
}
