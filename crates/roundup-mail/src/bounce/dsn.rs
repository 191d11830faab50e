//! Field blocks of RFC 3464 delivery-status and RFC 5965 feedback-report bodies (and the same
//! `Name: value` syntax where mail systems embed it in plain text).

/// One `Name: value` field, name lowercased, value unfolded and trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: String,
    pub value: String,
}

/// Parses header-like fields; continuation lines (leading whitespace) are unfolded. Lines that
/// are neither fields nor continuations are skipped. A blank line ends nothing: callers group
/// fields themselves.
pub(crate) fn parse_fields(text: &str) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut last_was_field = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            last_was_field = false;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if last_was_field {
                if let Some(f) = out.last_mut() {
                    f.value.push(' ');
                    f.value.push_str(line.trim());
                }
            }
            continue;
        }
        if let Some((name, value)) = split_field(line) {
            out.push(Field {
                name: name.to_ascii_lowercase(),
                value: value.trim().to_string(),
            });
            last_was_field = true;
        } else {
            last_was_field = false;
        }
    }
    out
}

/// Splits `Name: value` when `Name` is a plausible field name (letters, digits, dashes).
pub(crate) fn split_field(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let name = &line[..colon];
    if name.is_empty()
        || name.len() > 60
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    Some((name, &line[colon + 1..]))
}

/// Per-recipient fields of a delivery-status report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DsnRecipient {
    pub final_recipient: Option<String>,
    pub original_recipient: Option<String>,
    pub action: Option<String>,
    pub status: Option<String>,
    pub diagnostic_type: Option<String>,
    pub diagnostic: Option<String>,
    pub remote_mta: Option<String>,
}

impl DsnRecipient {
    /// The best address of this recipient.
    pub fn address(&self) -> Option<String> {
        for v in [&self.final_recipient, &self.original_recipient]
            .into_iter()
            .flatten()
        {
            if let Some(a) = crate::bounce::text::first_address(v) {
                return Some(a);
            }
        }
        None
    }
}

/// Strips an RFC 3464 type prefix (`rfc822;`, `smtp;`, `dns;`), returning `(type, rest)`.
pub(crate) fn typed_value(v: &str) -> (Option<String>, String) {
    if let Some(semi) = v.find(';') {
        let t = v[..semi].trim();
        if !t.is_empty()
            && t.len() < 20
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return (
                Some(t.to_ascii_lowercase()),
                v[semi + 1..].trim().to_string(),
            );
        }
    }
    (None, v.trim().to_string())
}

/// Groups delivery-status fields into per-recipient blocks (the per-message block is dropped).
///
/// Blank lines separate recipients (RFC 3464); when one block holds several recipients (some
/// systems omit the blank lines), a new recipient starts at a repeated `Final-Recipient` or
/// `Original-Recipient` field.
pub(crate) fn parse_dsn(text: &str) -> Vec<DsnRecipient> {
    let mut out: Vec<DsnRecipient> = Vec::new();
    let mut block = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !block.is_empty() {
                parse_block(&block, &mut out);
                block.clear();
            }
        } else {
            block.push_str(line);
            block.push('\n');
        }
    }
    out.retain(|r| r.final_recipient.is_some() || r.original_recipient.is_some());
    out
}

fn parse_block(block: &str, out: &mut Vec<DsnRecipient>) {
    let mut cur = DsnRecipient::default();
    let mut any = false;
    // Whether a per-recipient detail field was seen since the current recipient got an address.
    let mut detail_after_id = false;
    for f in parse_fields(block) {
        let name = f.name.as_str();
        match name {
            "original-recipient" | "x-original-recipient" => {
                if cur.original_recipient.is_some()
                    || (cur.final_recipient.is_some() && detail_after_id)
                {
                    out.push(std::mem::take(&mut cur));
                    detail_after_id = false;
                }
                cur.original_recipient = Some(typed_value(&f.value).1);
                any = true;
            }
            "final-recipient" => {
                if cur.final_recipient.is_some()
                    || (cur.original_recipient.is_some() && detail_after_id)
                {
                    out.push(std::mem::take(&mut cur));
                    detail_after_id = false;
                }
                cur.final_recipient = Some(typed_value(&f.value).1);
                any = true;
            }
            "action" | "status" | "diagnostic-code" | "x-diagnostic-code"
                if cur.final_recipient.is_some() || cur.original_recipient.is_some() =>
            {
                detail_after_id = true;
                set_detail(&mut cur, name, &f.value);
            }
            "action" | "status" | "diagnostic-code" | "x-diagnostic-code" => {
                set_detail(&mut cur, name, &f.value)
            }
            "remote-mta" => cur.remote_mta = Some(typed_value(&f.value).1),
            _ => {}
        }
    }
    if any {
        out.push(cur);
    }
}

fn set_detail(cur: &mut DsnRecipient, name: &str, value: &str) {
    match name {
        "action" => cur.action = Some(value.to_ascii_lowercase()),
        "status" => cur.status = Some(value.to_string()),
        _ => {
            let (t, v) = typed_value(value);
            if cur.diagnostic.is_none() || name == "diagnostic-code" {
                cur.diagnostic_type = t;
                cur.diagnostic = Some(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_recipients_and_unfolds() {
        let t = "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user\n  unknown\n\nOriginal-Recipient: rfc822;b@example.org\nFinal-Recipient: rfc822; c@example.org\nAction: delayed\nStatus: 4.4.7\n";
        let r = parse_dsn(t);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].address().as_deref(), Some("a@example.org"));
        assert_eq!(r[0].diagnostic.as_deref(), Some("550 5.1.1 user unknown"));
        assert_eq!(r[0].diagnostic_type.as_deref(), Some("smtp"));
        assert_eq!(r[1].address().as_deref(), Some("c@example.org"));
        assert_eq!(r[1].action.as_deref(), Some("delayed"));
    }

    #[test]
    fn one_block_many_recipients() {
        let t = "Final-Recipient: rfc822; a@x.example\nOriginal-Recipient: rfc822;a@x.example\nAction: failed\nStatus: 5.2.1\nFinal-Recipient: rfc822; b@x.example\nOriginal-Recipient: rfc822;b@x.example\nAction: failed\nStatus: 5.2.2\n";
        let r = parse_dsn(t);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].address().as_deref(), Some("b@x.example"));
        assert_eq!(r[1].status.as_deref(), Some("5.2.2"));
    }

    #[test]
    fn action_before_recipient() {
        let t = "Reporting-MTA: dns; x\n\nAction: failed\nFinal-Recipient: rfc822; a@x.example\nOriginal-Recipient: rfc822; a@x.example\nDiagnostic-Code: smtp; 550 5.1.1 nope\nStatus: 5.1.1\n";
        let r = parse_dsn(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].status.as_deref(), Some("5.1.1"));
        assert_eq!(r[0].action.as_deref(), Some("failed"));
    }

    #[test]
    fn fields_ignore_garbage() {
        let f = parse_fields(":::\n  \n\u{0}x\nA-B: 1\n c\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].value, "1 c");
    }
}
