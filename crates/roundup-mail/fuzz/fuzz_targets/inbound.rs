//! Fuzz target: the inbound-mail helpers (unsubscribe-request detection, message keys) never
//! panic, whatever the bytes; a key does not depend on the line endings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roundup_mail::newsletter::inbound::{message_key, unsubscribe_token};

fuzz_target!(|data: &[u8]| {
    if let Some(t) = unsubscribe_token(data) {
        assert!(!t.is_empty());
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
    }
    let k = message_key(data);
    if !data.contains(&b'\r') && !k.starts_with("mid:") {
        let crlf: Vec<u8> = data
            .iter()
            .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
            .collect();
        let k2 = message_key(&crlf);
        if !k2.starts_with("mid:") {
            assert_eq!(k, k2);
        }
    }
});
