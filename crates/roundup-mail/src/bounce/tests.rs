//! Unit tests of the whole classifier on small synthetic messages.

use super::*;

fn one(raw: &str) -> Report {
    classify(raw.as_bytes()).expect("classify")
}

const POSTFIX_DSN: &str = "Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: news@sender.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary=\"BOUND\"

--BOUND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

<gone@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1
    <gone@example.org>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

<full@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2
    <full@example.org>: Mailbox full (in reply to RCPT TO command)

--BOUND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; gone@example.org
Original-Recipient: rfc822;gone@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address
    rejected: User unknown in local recipient table

Final-Recipient: rfc822; full@example.org
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <full@example.org>: Mailbox full

--BOUND
Content-Type: message/rfc822

From: news@sender.example
To: gone@example.org, full@example.org
Subject: Today

hello
--BOUND--
";

#[test]
fn rfc3464_two_recipients_in_order() {
    let r = one(POSTFIX_DSN);
    assert_eq!(r.kind, ReportKind::DeliveryStatus);
    assert_eq!(r.recipients.len(), 2);
    let a = &r.recipients[0];
    assert_eq!(a.address, "gone@example.org");
    assert_eq!(a.status.as_deref(), Some("5.1.1"));
    assert_eq!(a.reply_code, Some(550));
    assert_eq!(a.reason, Reason::UserUnknown);
    assert_eq!(a.action, Action::Suppress);
    let b = &r.recipients[1];
    assert_eq!(b.address, "full@example.org");
    assert_eq!(b.reason, Reason::MailboxFull);
    assert_eq!(b.action, Action::Soft);
    assert_eq!(b.reply_code, Some(552));
}

#[test]
fn line_endings_do_not_matter() {
    let lf = one(POSTFIX_DSN);
    let crlf = one(&POSTFIX_DSN.replace('\n', "\r\n"));
    let cr = one(&POSTFIX_DSN.replace('\n', "\r"));
    assert_eq!(lf, crlf);
    assert_eq!(lf, cr);
    let exim_crlf = one(&EXIM.replace('\n', "\r\n"));
    let exim_cr = one(&EXIM.replace('\n', "\r"));
    assert_eq!(one(EXIM), exim_crlf);
    assert_eq!(one(EXIM), exim_cr);
}

const EXIM: &str = "From: Mail Delivery System <Mailer-Daemon@relay.example.net>
To: news@sender.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: nobody@example.com

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  nobody@example.com
    SMTP error from remote mail server after RCPT TO:<nobody@example.com>:
    host mx.example.com [192.0.2.7]: 550 5.1.1 <nobody@example.com>: No such user here

------ This is a copy of the message, including all the headers. ------

From: news@sender.example
To: nobody@example.com
Subject: hi

body
";

#[test]
fn exim_plain_text() {
    let r = one(EXIM);
    assert_eq!(r.recipients.len(), 1);
    let a = &r.recipients[0];
    assert_eq!(a.address, "nobody@example.com");
    assert_eq!(a.status.as_deref(), Some("5.1.1"));
    assert!(!a.status_inferred);
    assert_eq!(a.reply_code, Some(550));
    assert_eq!(a.action, Action::Suppress);
}

#[test]
fn qmail_mailbox_full_is_soft() {
    let r = one("From: MAILER-DAEMON@mx.example.jp
To: news@sender.example
Subject: failure notice

Hi. This is the qmail-send program at mx.example.jp.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<reader@example.jp>:
192.0.2.9 does not like recipient.
Remote host said: 552 sorry, mailbox reader@example.jp is over quota
Giving up on 192.0.2.9.

--- Below this line is a copy of the message.

From: news@sender.example
To: reader@example.jp
Subject: x

y
");
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.recipients[0].address, "reader@example.jp");
    assert_eq!(r.recipients[0].reason, Reason::MailboxFull);
    assert_eq!(r.recipients[0].action, Action::Soft);
}

#[test]
fn user_unknown_after_data_is_not_suppressed() {
    // A recipient filter answering "user unknown" to DATA: the address was accepted at RCPT.
    let r = one("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@sender.example
Subject: Undelivered Mail Returned to Sender

<reader@example.net>: host mx.example.net[192.0.2.1] said: 550 Unknown user
    reader@example.net (in reply to end of DATA command)
");
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.recipients[0].action, Action::Soft);
}

#[test]
fn sender_side_rejection_is_soft() {
    let r = one("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@sender.example
Subject: Undelivered Mail Returned to Sender

<reader@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.8
    <news@sender.example>: Sender address rejected: Domain not found (in reply to RCPT TO command)
");
    assert_eq!(r.recipients[0].address, "reader@example.net");
    assert_eq!(r.recipients[0].action, Action::Soft);
}

#[test]
fn arf_complaint_unsubscribes() {
    let r = one("From: feedback@fbl.example.com
To: abuse@sender.example
Subject: Abuse Report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"

--B
Content-Type: text/plain

This is an email abuse report.
--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1.0
Version: 1
Original-Rcpt-To: reader@example.com
--B
Content-Type: message/rfc822

From: news@sender.example
To: reader@example.com
Subject: x

y
--B--
");
    assert_eq!(r.kind, ReportKind::Complaint);
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.recipients[0].address, "reader@example.com");
    assert_eq!(r.recipients[0].action, Action::Unsubscribe);
    assert_eq!(r.recipients[0].status, None);
}

#[test]
fn vacation_reply_is_ignored() {
    let r = one("From: Reader <reader@example.com>
To: news@sender.example
Subject: Out of Office: Today
Auto-Submitted: auto-replied

I am away until Monday.
");
    assert_eq!(r.kind, ReportKind::AutoReply);
    assert_eq!(r.recipients[0].address, "reader@example.com");
    assert_eq!(r.recipients[0].action, Action::Ignore);
}

#[test]
fn bounce_with_auto_submitted_is_not_a_vacation() {
    // Postfix marks its bounces Auto-Submitted: auto-replied too.
    let r = one(POSTFIX_DSN);
    assert_ne!(r.kind, ReportKind::AutoReply);
}

#[test]
fn delivery_success_is_ignored() {
    let r = one("From: MAILER-DAEMON@mx.example.net
To: news@sender.example
Subject: Successful Mail Delivery Report
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"

--B
Content-Type: text/plain

Your message was successfully delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; reader@example.com
Action: delivered
Status: 2.0.0
Diagnostic-Code: smtp; 250 2.0.0 OK
--B--
");
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.recipients[0].action, Action::Ignore);
    assert_eq!(r.recipients[0].reason, Reason::Delivered);
}

#[test]
fn ses_json_bounce() {
    let r = one(r#"From: no-reply@sns.example.com
To: news@sender.example
Subject: AWS Notification Message

{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"gone@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]}}
"#);
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.recipients[0].address, "gone@example.org");
    assert_eq!(r.recipients[0].action, Action::Suppress);
}

#[test]
fn delayed_is_never_suppressed() {
    let r = one("From: MAILER-DAEMON@mx.example.net
To: news@sender.example
Subject: Delayed Mail (still being retried)
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"

--B
Content-Type: message/delivery-status

Final-Recipient: rfc822; reader@example.com
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; Host or domain name not found
--B--
");
    assert_eq!(r.recipients[0].action, Action::Soft);
}

#[test]
fn empty_input_is_an_error() {
    assert_eq!(classify(b""), Err(BounceError::Empty));
    assert_eq!(classify(b" \r\n\t"), Err(BounceError::Empty));
}

#[test]
fn plain_mail_is_unrecognized() {
    let r = one("From: a@example.com\nTo: b@example.com\nSubject: lunch\n\nSee you at noon.\n");
    assert_eq!(r.kind, ReportKind::Unrecognized);
    assert!(r.recipients.is_empty());
}

/// Deterministic xorshift, to stay free of test-only dependencies.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut st = 0x9e37_79b9_7f4a_7c15u64;
    for len in [1usize, 2, 7, 64, 300, 2000] {
        for _ in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut st) as u8).collect();
            let _ = classify(&bytes);
        }
    }
    // Truncations and byte flips of real-looking reports.
    for base in [POSTFIX_DSN, EXIM] {
        let b = base.as_bytes();
        for cut in (0..b.len()).step_by(17) {
            let _ = classify(&b[..cut]);
        }
        for _ in 0..200 {
            let mut m = b.to_vec();
            for _ in 0..8 {
                let i = (xorshift(&mut st) as usize) % m.len();
                m[i] = xorshift(&mut st) as u8;
            }
            let _ = classify(&m);
        }
    }
    // Multi-byte text next to the places that slice strings.
    let _ = classify("Final-Recipient\u{fffd}\u{fffd}: é@é.é\n\nFrom x 12:00:00\n".as_bytes());
    let _ = classify("Subject: ✉\n\n<ü@example.org>: 550 ✉ user unknown ✉\n".as_bytes());
}

/// The shared corpus (skipped when absent): floors a little under the measured figures.
#[test]
fn shared_corpus_floors() {
    let dir = roundup_testkit::shared_path("eval/bounces");
    let dir = dir.display();
    let gold_path = format!("{dir}/gold.json");
    let Ok(gold) = std::fs::read_to_string(&gold_path) else {
        eprintln!("skipping: {gold_path} not present");
        return;
    };
    let gold: serde_json::Value = serde_json::from_str(&gold).expect("gold json");
    let (mut n, mut ok, mut tp, mut fp) = (0usize, 0usize, 0usize, 0usize);
    for (file, rows) in gold.as_object().expect("object") {
        let raw = std::fs::read(format!("{dir}/messages/{file}")).expect("message");
        let rep = classify(&raw).expect("classify");
        for (i, g) in rows.as_array().expect("rows").iter().enumerate() {
            let want = g["action"].as_str().unwrap_or("");
            let got = rep
                .recipients
                .get(i)
                .map(|r| r.action.as_str())
                .unwrap_or("");
            n += 1;
            ok += usize::from(want == got);
            if got == "suppress" {
                if want == "suppress" {
                    tp += 1;
                } else {
                    fp += 1;
                }
            }
        }
    }
    let acc = ok as f64 / n as f64;
    let prec = tp as f64 / (tp + fp).max(1) as f64;
    eprintln!("corpus: action {acc:.4} suppress-P {prec:.4} n {n}");
    assert!(acc >= 0.965, "action accuracy {acc}");
    assert!(prec >= 0.99, "suppress precision {prec}");
}
