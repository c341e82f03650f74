//! An indicator table read into an evaluation scheme, which is then checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::evaluation_scheme(data);
});
