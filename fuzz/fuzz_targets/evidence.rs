//! An evidence file's type sniffed, and its name and link parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::evidence(data);
});
