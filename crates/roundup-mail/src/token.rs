//! Signed, expiring email-link tokens (unsubscribe, confirm, preferences links).
//!
//! A token is `base64url(payload) "." base64url(HMAC-SHA256(secret, domain || payload))`, no
//! padding, where the payload binds the subscriber id, the list, the purpose and the expiry
//! time. Verification recomputes the MAC and compares it in constant time, then checks the
//! purpose and the expiry, each failure with its own [`TokenError`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Domain-separation prefix of the MAC input (and format version).
const DOMAIN: &[u8] = b"roundup-link-token-v1\0";
/// Payload format version.
const VERSION: u8 = 1;
/// Shortest accepted secret.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest accepted list identifier, in bytes.
pub const MAX_LIST_LEN: usize = 255;

/// What a link may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Confirm a subscription (double opt-in).
    Confirm,
    /// One-click unsubscribe.
    Unsubscribe,
    /// Open the subscription preferences.
    Preferences,
}

impl Purpose {
    fn code(self) -> u8 {
        match self {
            Purpose::Confirm => 1,
            Purpose::Unsubscribe => 2,
            Purpose::Preferences => 3,
        }
    }

    fn from_code(c: u8) -> Option<Purpose> {
        match c {
            1 => Some(Purpose::Confirm),
            2 => Some(Purpose::Unsubscribe),
            3 => Some(Purpose::Preferences),
            _ => None,
        }
    }

    /// Lowercase name (`confirm`, `unsubscribe`, `preferences`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::Preferences => "preferences",
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The subscriber.
    pub subscriber_id: u64,
    /// The list (newsletter) identifier, at most [`MAX_LIST_LEN`] bytes.
    pub list: String,
    /// What the link may do.
    pub purpose: Purpose,
    /// When the link stops working (whole seconds).
    pub expires_at: DateTime<Utc>,
}

/// Errors of signing and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The configured secret is too short.
    #[error("token secret must be at least {MIN_SECRET_LEN} bytes (got {0})")]
    WeakSecret(usize),
    /// The list identifier is too long to encode.
    #[error("list identifier is {0} bytes, at most {MAX_LIST_LEN} allowed")]
    ListTooLong(usize),
    /// Not a token of this format (bad base64, wrong length, unknown version or purpose).
    #[error("malformed token")]
    Malformed,
    /// The signature does not match: the token was altered or signed with another secret.
    #[error("token signature does not match (tampered or foreign token)")]
    Tampered,
    /// Valid, but for another purpose.
    #[error("token is for {found}, not {expected}")]
    WrongPurpose {
        /// The purpose the caller required.
        expected: Purpose,
        /// The purpose in the token.
        found: Purpose,
    },
    /// Valid, but past its expiry.
    #[error("token expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
}

/// Signs and verifies tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `secret` (the configured key; at least [`MIN_SECRET_LEN`] bytes).
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, TokenError> {
        let secret = secret.as_ref();
        if secret.len() < MIN_SECRET_LEN {
            return Err(TokenError::WeakSecret(secret.len()));
        }
        Ok(Signer {
            secret: secret.to_vec(),
        })
    }

    fn mac(&self) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        m.update(DOMAIN);
        m
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let list = claims.list.as_bytes();
        if list.len() > MAX_LIST_LEN {
            return Err(TokenError::ListTooLong(list.len()));
        }
        let mut payload = Vec::with_capacity(19 + list.len());
        payload.push(VERSION);
        payload.push(claims.purpose.code());
        payload.extend_from_slice(&claims.subscriber_id.to_be_bytes());
        payload.extend_from_slice(&claims.expires_at.timestamp().to_be_bytes());
        payload.push(list.len() as u8);
        payload.extend_from_slice(list);
        let mut mac = self.mac();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    /// Verifies `token` for `purpose` at time `now`, returning its claims.
    ///
    /// Checks, in order: format, signature (constant-time), purpose, expiry (a token is valid
    /// up to and excluding `expires_at`).
    pub fn verify(
        &self,
        token: &str,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let (p64, t64) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(p64)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(t64)
            .map_err(|_| TokenError::Malformed)?;
        if tag.len() != 32 {
            return Err(TokenError::Malformed);
        }
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag).map_err(|_| TokenError::Tampered)?;
        let claims = parse_payload(&payload).ok_or(TokenError::Malformed)?;
        if claims.purpose != purpose {
            return Err(TokenError::WrongPurpose {
                expected: purpose,
                found: claims.purpose,
            });
        }
        if now >= claims.expires_at {
            return Err(TokenError::Expired {
                expired_at: claims.expires_at,
            });
        }
        Ok(claims)
    }
}

fn parse_payload(p: &[u8]) -> Option<Claims> {
    if p.len() < 19 || p[0] != VERSION {
        return None;
    }
    let purpose = Purpose::from_code(p[1])?;
    let subscriber_id = u64::from_be_bytes(p[2..10].try_into().ok()?);
    let expiry = i64::from_be_bytes(p[10..18].try_into().ok()?);
    let len = p[18] as usize;
    if p.len() != 19 + len {
        return None;
    }
    let list = std::str::from_utf8(&p[19..]).ok()?.to_string();
    let expires_at = Utc.timestamp_opt(expiry, 0).single()?;
    Some(Claims {
        subscriber_id,
        list,
        purpose,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const SECRET: &[u8] = b"0123456789abcdef-test-secret";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
    }

    fn claims(purpose: Purpose) -> Claims {
        Claims {
            subscriber_id: 42,
            list: "morning-roundup".into(),
            purpose,
            expires_at: now() + Duration::days(30),
        }
    }

    #[test]
    fn round_trip() {
        let s = Signer::new(SECRET).unwrap();
        let t = s.sign(&claims(Purpose::Unsubscribe)).unwrap();
        assert!(t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'));
        let c = s.verify(&t, Purpose::Unsubscribe, now()).unwrap();
        assert_eq!(c, claims(Purpose::Unsubscribe));
    }

    #[test]
    fn expired() {
        let s = Signer::new(SECRET).unwrap();
        let t = s.sign(&claims(Purpose::Confirm)).unwrap();
        let later = now() + Duration::days(30);
        assert_eq!(
            s.verify(&t, Purpose::Confirm, later),
            Err(TokenError::Expired {
                expired_at: claims(Purpose::Confirm).expires_at
            })
        );
        assert!(s
            .verify(&t, Purpose::Confirm, later - Duration::seconds(1))
            .is_ok());
    }

    #[test]
    fn wrong_purpose() {
        let s = Signer::new(SECRET).unwrap();
        let t = s.sign(&claims(Purpose::Preferences)).unwrap();
        assert_eq!(
            s.verify(&t, Purpose::Unsubscribe, now()),
            Err(TokenError::WrongPurpose {
                expected: Purpose::Unsubscribe,
                found: Purpose::Preferences
            })
        );
    }

    #[test]
    fn tampered_payload_and_tag() {
        let s = Signer::new(SECRET).unwrap();
        let t = s.sign(&claims(Purpose::Unsubscribe)).unwrap();
        let (p, tag) = t.split_once('.').unwrap();
        // Re-encode a payload for another subscriber under the old tag.
        let mut raw = URL_SAFE_NO_PAD.decode(p).unwrap();
        raw[9] ^= 1;
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode(&raw), tag);
        assert_eq!(
            s.verify(&forged, Purpose::Unsubscribe, now()),
            Err(TokenError::Tampered)
        );
        let mut tag_raw = URL_SAFE_NO_PAD.decode(tag).unwrap();
        tag_raw[0] ^= 0x80;
        let forged = format!("{p}.{}", URL_SAFE_NO_PAD.encode(&tag_raw));
        assert_eq!(
            s.verify(&forged, Purpose::Unsubscribe, now()),
            Err(TokenError::Tampered)
        );
        // Another secret's token does not verify.
        let other = Signer::new(b"another-secret-of-16+").unwrap();
        assert_eq!(
            other.verify(&t, Purpose::Unsubscribe, now()),
            Err(TokenError::Tampered)
        );
    }

    #[test]
    fn malformed() {
        let s = Signer::new(SECRET).unwrap();
        for bad in ["", ".", "abc", "a.b", "!!!.???", "AAAA.AAAA"] {
            assert_eq!(
                s.verify(bad, Purpose::Confirm, now()),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn config_errors() {
        assert_eq!(
            Signer::new(b"short").unwrap_err(),
            TokenError::WeakSecret(5)
        );
        let s = Signer::new(SECRET).unwrap();
        let mut c = claims(Purpose::Confirm);
        c.list = "x".repeat(300);
        assert_eq!(s.sign(&c), Err(TokenError::ListTooLong(300)));
        assert!(!format!("{s:?}").contains("0123"));
    }
}
