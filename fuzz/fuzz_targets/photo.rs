//! A photo of a finding, checked and stripped of its metadata.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::photo(data);
});
