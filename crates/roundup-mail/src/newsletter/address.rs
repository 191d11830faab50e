//! E-mail address syntax and normalization.
//!
//! Accepted: the common dot-atom form `local@domain` (RFC 5321 lengths: local part ≤ 64,
//! whole address ≤ 254), a local part of ASCII atom characters or UTF-8 letters (RFC 6531),
//! and a domain of at least two labels, each label 1–63 characters after conversion to ASCII.
//! Internationalized domains (`josé@exämple.de`) are converted to punycode with UTS #46
//! (`josé@xn--exmple-cua.de`). Quoted local parts and address literals are refused: they are
//! legal but practically never a real newsletter reader and a common abuse vector.
//!
//! Normalization lowercases the whole address so one mailbox cannot subscribe twice by
//! changing case.

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Empty input.
    #[error("empty address")]
    Empty,
    /// No `@`, or more than one outside a quoted part.
    #[error("an address needs exactly one @")]
    At,
    /// The local part is empty, too long or has characters that are not allowed.
    #[error("invalid local part")]
    Local,
    /// The domain is not a valid (internationalized) host name with a dot.
    #[error("invalid domain")]
    Domain,
    /// Longer than 254 characters.
    #[error("address too long")]
    TooLong,
}

const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";

/// Checks `input` and returns its normalized form (trimmed, lowercase, punycode domain).
pub fn normalize(input: &str) -> Result<String, AddressError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(AddressError::Empty);
    }
    let (local, domain) = s.rsplit_once('@').ok_or(AddressError::At)?;
    if local.contains('@') {
        return Err(AddressError::At);
    }
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || ATEXT.contains(c)
                || c == '.'
                || (!c.is_ascii() && c.is_alphanumeric())
        })
    {
        return Err(AddressError::Local);
    }
    let domain = domain.trim_end_matches('.');
    if domain.is_empty() || domain.starts_with('[') {
        return Err(AddressError::Domain);
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| AddressError::Domain)?;
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2
        || ascii.len() > 253
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        || labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(AddressError::Domain);
    }
    let out = format!("{}@{}", local.to_lowercase(), ascii.to_ascii_lowercase());
    if out.len() > 254 {
        return Err(AddressError::TooLong);
    }
    Ok(out)
}

/// Whether the address is plain ASCII (SMTP without SMTPUTF8 can carry it).
pub fn is_ascii(addr: &str) -> bool {
    addr.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        assert_eq!(normalize(" Ana@Example.ORG ").unwrap(), "ana@example.org");
        assert_eq!(
            normalize("first.last+news@mail.example.co.uk").unwrap(),
            "first.last+news@mail.example.co.uk"
        );
        assert_eq!(
            normalize("x@bücher.example").unwrap(),
            "x@xn--bcher-kva.example"
        );
        assert_eq!(
            normalize("JOSÉ@Exämple.DE").unwrap(),
            "josé@xn--exmple-cua.de"
        );
        assert_eq!(normalize("a@example.org.").unwrap(), "a@example.org");
    }

    #[test]
    fn refuses_bad_syntax() {
        for (bad, err) in [
            ("", AddressError::Empty),
            ("   ", AddressError::Empty),
            ("plainaddress", AddressError::At),
            ("a@b@example.org", AddressError::At),
            ("@example.org", AddressError::Local),
            (".a@example.org", AddressError::Local),
            ("a..b@example.org", AddressError::Local),
            ("a b@example.org", AddressError::Local),
            ("\"q\"@example.org", AddressError::Local),
            ("a<b>@example.org", AddressError::Local),
            ("a@localhost", AddressError::Domain),
            ("a@-x.example", AddressError::Domain),
            ("a@exa mple.org", AddressError::Domain),
            ("a@[127.0.0.1]", AddressError::Domain),
            ("a@1.2.3.4", AddressError::Domain),
            ("a@example..org", AddressError::Domain),
            ("a@", AddressError::Domain),
        ] {
            assert_eq!(normalize(bad), Err(err), "{bad:?}");
        }
        assert_eq!(
            normalize(&format!("{}@example.org", "a".repeat(65))),
            Err(AddressError::Local)
        );
        let long = format!(
            "{}@{}.example.org",
            "a".repeat(60),
            vec!["b".repeat(60); 3].join(".")
        );
        assert_eq!(normalize(&long), Err(AddressError::TooLong));
    }
}
