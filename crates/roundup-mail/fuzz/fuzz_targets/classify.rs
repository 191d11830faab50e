//! Fuzz target: the bounce classifier must never panic, whatever the bytes, and must give the
//! same answer whatever the line endings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = roundup_mail::bounce::classify(data);
    // Converting every LF to CRLF must not change the result.
    let mut crlf = Vec::with_capacity(data.len() * 2);
    for &b in data {
        if b == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    let b = roundup_mail::bounce::classify(&crlf);
    if !data.contains(&b'\r') {
        assert_eq!(a, b);
    }
});
