//! A task-breakdown sheet read into an import preview, against an empty plan.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pacesetter::untrusted::plan_sheet(data);
});
