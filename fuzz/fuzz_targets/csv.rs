//! The CSV reader, whatever the bytes start with.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::csv(data);
});
