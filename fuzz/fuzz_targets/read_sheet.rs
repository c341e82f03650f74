//! An import's sheet (CSV or XLSX, told apart by content), as every importer reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::read_sheet(data);
});
