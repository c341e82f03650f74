//! A page form with files, read as the server reads every multipart body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::multipart(data);
});
