//! Fine failure reasons, the wording and status-code rules that find them, and the action each
//! reason implies.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Action;

/// Fine reason of a failed (or non-failed) delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// The mailbox does not exist.
    UserUnknown,
    /// The domain does not exist or has no mail host.
    HostUnknown,
    /// The address has moved (RFC 3463 x.1.6).
    HasMoved,
    /// The destination does not accept mail at all (null MX, RFC 7505).
    NotAccept,
    /// Mailbox over quota.
    MailboxFull,
    /// Account disabled, suspended or inactive.
    Suspend,
    /// Delivery gave up after retrying (queue lifetime exceeded) or is delayed.
    Expired,
    /// Sending IP or domain is blocked or listed.
    Blocked,
    /// Rejected by a content or recipient filter.
    Filtered,
    /// Rejected for a reason not more precise (often sender-side).
    Rejected,
    /// Judged as spam.
    SpamDetected,
    /// A virus was found.
    VirusDetected,
    /// Local policy violation.
    PolicyViolation,
    /// SPF / DKIM / DMARC failure.
    AuthFailure,
    /// The sending host lacks reverse DNS.
    RequirePtr,
    /// The sender has a bad reputation.
    BadReputation,
    /// Too many connections.
    TooManyConn,
    /// Rate limited.
    Speeding,
    /// Network or routing failure.
    NetworkError,
    /// Remote system error.
    SystemError,
    /// Remote system out of storage.
    SystemFull,
    /// Local delivery program failed.
    MailerError,
    /// Message too big.
    MesgTooBig,
    /// A size or count limit was exceeded.
    ExceedLimit,
    /// Malformed content.
    ContentError,
    /// Relaying denied.
    NoRelaying,
    /// TLS, certificate or other security requirement not met.
    SecurityError,
    /// STARTTLS failed.
    FailedStartTls,
    /// Message not compliant with the RFCs.
    NotCompliantRfc,
    /// SMTP syntax error.
    SyntaxError,
    /// Held in a queue.
    OnHold,
    /// Abuse / feedback report.
    Feedback,
    /// Auto-reply (vacation, out of office).
    Vacation,
    /// Delivered (success notification).
    Delivered,
    /// No rule matched.
    Undefined,
}

impl Reason {
    /// The lowercase name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UserUnknown => "userunknown",
            Reason::HostUnknown => "hostunknown",
            Reason::HasMoved => "hasmoved",
            Reason::NotAccept => "notaccept",
            Reason::MailboxFull => "mailboxfull",
            Reason::Suspend => "suspend",
            Reason::Expired => "expired",
            Reason::Blocked => "blocked",
            Reason::Filtered => "filtered",
            Reason::Rejected => "rejected",
            Reason::SpamDetected => "spamdetected",
            Reason::VirusDetected => "virusdetected",
            Reason::PolicyViolation => "policyviolation",
            Reason::AuthFailure => "authfailure",
            Reason::RequirePtr => "requireptr",
            Reason::BadReputation => "badreputation",
            Reason::TooManyConn => "toomanyconn",
            Reason::Speeding => "speeding",
            Reason::NetworkError => "networkerror",
            Reason::SystemError => "systemerror",
            Reason::SystemFull => "systemfull",
            Reason::MailerError => "mailererror",
            Reason::MesgTooBig => "mesgtoobig",
            Reason::ExceedLimit => "exceedlimit",
            Reason::ContentError => "contenterror",
            Reason::NoRelaying => "norelaying",
            Reason::SecurityError => "securityerror",
            Reason::FailedStartTls => "failedstarttls",
            Reason::NotCompliantRfc => "notcompliantrfc",
            Reason::SyntaxError => "syntaxerror",
            Reason::OnHold => "onhold",
            Reason::Feedback => "feedback",
            Reason::Vacation => "vacation",
            Reason::Delivered => "delivered",
            Reason::Undefined => "undefined",
        }
    }

    /// True for the reasons that mean the address itself is gone.
    pub fn is_hard(self) -> bool {
        matches!(
            self,
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved | Reason::NotAccept
        )
    }
}

/// The action for a reason, given the status class (`'4'`, `'5'`, or none) of the failure.
///
/// Hard reasons suppress, except that a temporary (4.x.x) "host unknown" or "does not accept
/// mail" is more likely a passing DNS problem and stays soft.
pub(crate) fn action_for(reason: Reason, class: Option<char>) -> Action {
    match reason {
        Reason::Feedback => Action::Unsubscribe,
        Reason::Vacation | Reason::Delivered => Action::Ignore,
        Reason::UserUnknown | Reason::HasMoved => Action::Suppress,
        Reason::HostUnknown | Reason::NotAccept => {
            if class == Some('4') {
                Action::Soft
            } else {
                Action::Suppress
            }
        }
        _ => Action::Soft,
    }
}

/// Ordered wording rules: the first reason whose pattern matches the (lowercased,
/// whitespace-collapsed) diagnostic wins. Sender-side and policy wording comes first because it
/// often reuses words of the recipient-side reasons ("Sender address rejected: Domain not
/// found", "Recipient address rejected: Access denied").
static RULES: LazyLock<Vec<(Reason, Regex)>> = LazyLock::new(|| {
    let table: &[(Reason, &str)] = &[
        (
            Reason::Delivered,
            r"^(250|2\.\d\.\d)\b.*\b(ok|accepted|queued|delivered)\b",
        ),
        (
            Reason::UserUnknown,
            r"recipient address rejected: (access denied|user unknown|unknown user|undeliverable address|no such user)",
        ),
        (
            Reason::NoRelaying,
            r"relay(ing)? (access )?(denied|not (permitted|allowed))|not permitted to relay|unable to relay|(we|i) do not relay|relaying (denied|disallowed|prohibited)|no relaying|not a gateway|not allowed to relay|relay not permitted|cannot relay|relaying mail to .* is not allowed",
        ),
        (
            Reason::RequirePtr,
            r"reverse (dns|lookup|hostname)|ptr record|no ptr|cannot find your (hostname|reverse)|client host rejected: cannot find|rdns|reverse-dns|fcrdns|ip name lookup failed|(have|has) no ptr|unresolvable (address|host)|not resolv(e|able).* (ip|address)|does not have a reverse",
        ),
        (
            Reason::AuthFailure,
            r"\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|sender id|domainkeys|not authorized to send|5\.7\.2[03-6]\b|authentication (failure|failed|error)|unauthenticated",
        ),
        (
            Reason::BadReputation,
            r"reputation|low quality|sender score",
        ),
        (
            Reason::Speeding,
            r"rate limit|ratelimit|sent to too many recipients|too many recipients this|too fast|sending rate|slow down|too many (messages|emails|mails)|message rate|exceeded .*(rate|frequency)|throttl",
        ),
        (
            Reason::TooManyConn,
            r"too many (connections|concurrent|sessions|smtp sessions)|connection limit|connections? (from your host|per)|maximum (number of )?connections",
        ),
        (
            Reason::VirusDetected,
            r"\bvirus|malware|infected|\bworm\b|trojan",
        ),
        (
            Reason::SpamDetected,
            r"\bspam|unsolicited|junk mail|bulk mail|\buce\b|classified as (bulk|junk)|spam content|message content rejected.*spam",
        ),
        (
            Reason::Blocked,
            r"blacklist|blocklist|black list|block list|\bdnsbl\b|\brbl\b|spamhaus|spamcop|sorbs|barracudacentral|(is|are|been|currently) listed (at|on|in|by)|\bcbl\b|your (ip|host|server|network)|\bip( address)? .{0,40}(blocked|rejected|banned|listed|not allowed)|client host .*(blocked|rejected|refused)|refused to talk|connection (refused|rejected) by|access denied|host .* blocked|\bblocked\b|banned|not allowed to send|service refused|poor reputation|dynamic (ip|address)|dial-?up|residential|helo command rejected|client host rejected|sender ip|my name was rejected",
        ),
        (
            Reason::MailboxFull,
            r"mail ?box (is )?(full|over|exceed)|(over|exceeded|exceeds|exceeding|reached|beyond)( the| its| their| his| her)?( storage| disk| mailbox)? ?quota|quota (exceeded|full|limit)|overquota|over-quota|insufficient (disk|storage) (space|quota)|mailbox size limit|disk quota|full mailbox|mailbox (has )?exceeded|storage (space|limit|quota)|inbox (is )?full|mailfolder is full|user('s)? (mailbox|account) is full|account is full|is full|too many messages in|out of (mailbox )?(space|storage)|not enough (disk |storage )?space",
        ),
        (
            Reason::MesgTooBig,
            r"message (size|length) exceeds|(message|mail) (is )?too (large|big|long)|size limit|exceeds? (the )?(maximum|message size|size)|message size|too large",
        ),
        (
            Reason::Suspend,
            r"(account|mailbox|user|address|recipient)( has been| is| was)?( temporarily| permanently| currently)? (disabled|suspended|inactive|deactivated|locked|frozen|blocked|not active|unavailable due)|(inactive|disabled|suspended|deactivated|expired|locked) (user|account|mailbox|address|recipient)|temporarily (disabled|suspended)|not currently active|is inactive|been disabled|been suspended|account expired|mailbox (is )?(closed|disabled)",
        ),
        (
            Reason::Expired,
            r"retry time(out)? (exceeded|reached)|time(out)? exceeded|timeout exceeded|(message|delivery)( has been| was| is)? (delayed|expired)|been delayed|has not (yet )?been delivered|could not be delivered (for|within)|expired|too long in (the )?queue|queue lifetime|delivery time ?out|was not delivered within|no delivery (was )?possible for",
        ),
        (
            Reason::SecurityError,
            r"\btls\b|starttls|\bssl\b|certificate|encryption (required|needed)|must (use|issue a) starttls|secure connection|5\.7\.[0-9]*\b.*(auth|secur)|security (policy|error)",
        ),
        (
            Reason::HasMoved,
            r"has moved|moved to|not our customer|no longer (with|at|valid|in use)|changed (his|her|their|its)? ?(e-?mail )?address|new (e-?mail )?address is|forwarding address",
        ),
        (
            Reason::Rejected,
            r"sender (address )?(rejected|refused|denied|verify failed|verification|domain|address)|(sender|from|envelope|return|mail from).{0,40}(domain|address) (not found|does not exist|unknown|must exist|invalid)|domain of sender|sender.* (unknown|invalid|not allowed)|mail from.*(rejected|refused)|your (address|domain|envelope)|invalid sender|unknown sender|bad sender|5\.1\.[78]\b|return path|null sender|address verification failed for sender",
        ),
        (
            Reason::NotAccept,
            r"does not accept (e-?)?mail|not accepting (network )?messages|indicated no smtp service|no mx found|no mx record|not accepting (any )?(e-?)?mail|accepts no mail|null mx|no mail (accepted|service)|does not receive mail",
        ),
        (
            Reason::NetworkError,
            r"not found, try again|remote protocol error|had no relevant answers|dns type '[a-z]+' lookup|temporary failure in name resolution|name service error.*try again|malformed or unexpected name server reply|dns (server )?(timeout|failure|problem)|servfail",
        ),
        (
            Reason::HostUnknown,
            r"host (or domain name )?not found|host [a-z0-9.-]+ not found|unknown host|host unknown|domain (name )?(not found|does not exist|unknown|is unknown|not exist|not known)|no such domain|no such host|unrouteable (mail )?domain|unrouteable address|name or service not known|nxdomain|host not known|unknown domain|domain (is )?invalid|invalid domain|domain lookup failed|bad destination (system|host)|domain is not reachable",
        ),
        (
            Reason::UserUnknown,
            r"user unknown|unknown user|address (couldn\'t|could not|cannot|can\'t) be found|address not found|recipient name is not recognized|not listed in (the )?[a-z& ]*(directory|address book)|unknown recipient|no valid recipients|invalid final delivery userid|no such (user|mailbox|recipient|address|account|local user|person|e-?mail)|(user|mailbox|recipient|address|account|addressee|e-?mail address|local-?part|email)( name| account)? (does not|doesn't|did not|doesnt) exist|(invalid|unknown|bad|illegal) (recipient|mailbox|user|address|local[- ]?part|addressee|account|destination mailbox)|recipient (address )?(rejected|invalid|unknown|not found|does not exist|not valid)|(user|mailbox|recipient|addressee|account)( name)? (not found|unknown|invalid|not valid|is unknown|not listed)|no mailbox|not a valid (user|mailbox|recipient|address)|no such user|addressee unknown|undeliverable address|unknown or illegal alias|user not found|no account|not our customer|address (is )?unknown|unknown address|address rejected|user doesn't have|no user|not a known user|non-?existent|does not have an account|no longer exists|mailbox not found|unknown local part|address is (invalid|not valid)|invalid address|mailbox unavailable|mailbox is unavailable|user (is )?not (found|here|local)|unknown recipient|recipient unknown|not a valid recipient",
        ),
        (
            Reason::SystemFull,
            r"insufficient system (storage|resources)|system (storage|disk) (is )?full|disk full|out of (disk|storage)",
        ),
        (
            Reason::MailerError,
            r"x-unix;|command (died|failed|output)|procmail|pipe to |exit(ed)? (code|status)|mailer error|local delivery failed|delivery program",
        ),
        (
            Reason::Filtered,
            r"filter|recipient preferences|refused due to recipient|content (rejected|not accepted)|message content|header (rejected|error)|rejected by (the )?recipient|recipient (has )?(refused|rejected)|not permitted to post|not allowed to post|no permission to post|moderator",
        ),
        (
            Reason::PolicyViolation,
            r"\bpolicy|prohibited|violat|forbidden|not permitted|not allowed|unacceptable",
        ),
        (
            Reason::NotCompliantRfc,
            r"rfc ?[0-9]{3,4}|not (rfc|standard)[- ]compliant|malformed|duplicate (header|message-id)|line too long|bare lf|improper",
        ),
        (
            Reason::ContentError,
            r"content error|media error|invalid (header|content|character|mime)|mime (error|format)|8-?bit",
        ),
        (
            Reason::SyntaxError,
            r"syntax error|command unrecognized|unrecognized command|bad sequence|command not (recognized|implemented)|5\.5\.[124]\b",
        ),
        (
            Reason::NetworkError,
            r"network|connection (timed out|refused|reset|closed|lost|dropped)|timed out|time ?out|unreachable|could not connect|couldn't connect|unable to connect|connect to .* failed|mail loop|loops back|too many hops|hop count|routing loop|lost connection|conversation with .* timed|dns (failure|problem|timeout)|temporary lookup failure",
        ),
        (
            Reason::SystemError,
            r"system error|internal (server )?error|server error|temporary (failure|error|problem)|local error|service (not available|unavailable|temporarily)|configuration error|misconfigur|server (is )?busy|system (is )?(busy|not available)|resources (temporarily )?unavailable|try (again )?later|i/o error|out of memory",
        ),
        (Reason::OnHold, r"on hold|greylist|graylist|deferred|queued"),
        (
            Reason::Rejected,
            r"rejected|refused|denied|not accepted|unable to deliver|could not be delivered|undeliverable",
        ),
    ];
    table
        .iter()
        .map(|(r, p)| (*r, Regex::new(p).expect("reason regex")))
        .collect()
});

/// Lowercases and collapses whitespace.
pub(crate) fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The first wording rule that matches `text` (already squashed).
pub(crate) fn from_wording(text: &str) -> Option<Reason> {
    if text.is_empty() {
        return None;
    }
    RULES
        .iter()
        .find(|(_, re)| re.is_match(text))
        .map(|(r, _)| *r)
}

/// The reason implied by an RFC 3463 status code, where the code is specific enough.
pub(crate) fn from_status(status: &str) -> Option<Reason> {
    let mut it = status.split('.');
    let class = it.next()?;
    let subject: u32 = it.next()?.parse().ok()?;
    let detail: u32 = it.next()?.parse().ok()?;
    if class == "2" {
        return Some(Reason::Delivered);
    }
    if detail >= 900 {
        return None;
    }
    Some(match (subject, detail) {
        (1, 0) | (1, 1) => Reason::UserUnknown,
        (1, 2) => Reason::HostUnknown,
        (1, 3) => Reason::SyntaxError,
        (1, 6) => Reason::HasMoved,
        (1, 7) | (1, 8) => Reason::Rejected,
        (1, 10) => Reason::NotAccept,
        (2, 1) => Reason::Suspend,
        (2, 2) => Reason::MailboxFull,
        (2, 3) => Reason::MesgTooBig,
        (2, 4) => Reason::SystemError,
        (3, 1) => Reason::SystemFull,
        (3, 4) => Reason::MesgTooBig,
        (3, 0) => return None,
        (3, _) => Reason::SystemError,
        (4, 1) | (4, 2) | (4, 6) => Reason::NetworkError,
        (4, 4) => Reason::HostUnknown,
        (4, 5) => Reason::TooManyConn,
        (4, 7) => Reason::Expired,
        (4, _) => Reason::NetworkError,
        (5, 0) => return None,
        (5, _) => Reason::SyntaxError,
        (6, _) => Reason::ContentError,
        (7, 1) => Reason::Rejected,
        (7, 23) | (7, 20) | (7, 21) | (7, 22) | (7, 24) | (7, 26) => Reason::AuthFailure,
        (7, 25) => Reason::RequirePtr,
        (7, 27) => Reason::NotAccept,
        (7, _) => Reason::SecurityError,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Option<Reason> {
        from_wording(&squash(s))
    }

    #[test]
    fn wording_rules() {
        assert_eq!(
            w("550 5.1.1 <a@b.example>... User Unknown"),
            Some(Reason::UserUnknown)
        );
        assert_eq!(
            w("Sender address rejected: Domain not found"),
            Some(Reason::Rejected)
        );
        // Directory-based edge rejection (e.g. Microsoft's 5.4.1): the recipient does not exist.
        assert_eq!(
            w("Recipient address rejected: Access denied"),
            Some(Reason::UserUnknown)
        );
        assert_eq!(
            w("Client host rejected: Access denied"),
            Some(Reason::Blocked)
        );
        assert_eq!(
            w("552 5.2.2 Mailbox full, over quota"),
            Some(Reason::MailboxFull)
        );
        assert_eq!(
            w("Host or domain name not found"),
            Some(Reason::HostUnknown)
        );
        assert_eq!(w("retry timeout exceeded"), Some(Reason::Expired));
        assert_eq!(w("nothing to see here"), None);
    }

    #[test]
    fn status_rules_and_actions() {
        assert_eq!(from_status("5.1.1"), Some(Reason::UserUnknown));
        assert_eq!(from_status("5.0.911"), None);
        assert_eq!(from_status("x"), None);
        assert_eq!(action_for(Reason::HostUnknown, Some('4')), Action::Soft);
        assert_eq!(action_for(Reason::HostUnknown, Some('5')), Action::Suppress);
        assert_eq!(action_for(Reason::MailboxFull, Some('5')), Action::Soft);
        assert_eq!(action_for(Reason::Feedback, None), Action::Unsubscribe);
    }
}
