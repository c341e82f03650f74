//! How the server's process holds memory, set once as it starts: the kernel's transparent huge
//! pages off, and freed memory given back to the system at once.
//!
//! This is the one crate that calls a C interface: the workspace forbids `unsafe`, and this crate
//! only denies it, allowing each call where it is made (decision 0025).

use libmimalloc_sys::mi_option_t;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, the same number in its versions 2 and 3),
/// which libmimalloc-sys gives no name: how long, in milliseconds, freed memory stays resident
/// before it goes back to the system. 1,000 by default; 0 gives it back at once.
const PURGE_DELAY: mi_option_t = 15;

/// The environment variable by which an operator sets the delay; it wins over [`set_up`].
pub const PURGE_DELAY_VARIABLE: &str = "MIMALLOC_PURGE_DELAY";

/// Sets up the process's memory: call it first thing in `main`, before any other thread runs.
///
/// - Transparent huge pages off. Where the kernel backs memory with them (set to "always" on
///   many machines), a few small allocations while idle make whole 2 MiB pages of the
///   allocator's arena resident: an idle server's heap grew from 50 to 60 MiB for 3 MB of live
///   data. A kernel that refuses costs memory, nothing else.
/// - Freed memory given back at once, unless the environment sets the delay: after a load, an
///   idle server held 19 MiB of heap against 28 with the default delay, and no throughput was
///   lost (docs/benchmarks.md, stops 43 and 44).
pub fn set_up() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    if std::env::var_os(PURGE_DELAY_VARIABLE).is_none() {
        set_option(PURGE_DELAY, 0);
    }
}

/// How long freed memory stays resident before it goes back to the system, in milliseconds
/// (negative: never).
pub fn purge_delay_ms() -> i64 {
    // SAFETY: `mi_option_get` reads one entry of mimalloc's option table, bounds-checked by
    // mimalloc itself (an unknown option gives 0); it takes and returns plain integers.
    #[expect(unsafe_code, reason = "the allocator's options are only reachable through its C interface")]
    let value = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
    #[expect(clippy::useless_conversion, reason = "a C long is 32 bits on some targets")]
    i64::from(value)
}

fn set_option(option: mi_option_t, value: std::ffi::c_long) {
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table, bounds-checked by
    // mimalloc itself, and every value is valid for the delay. The table is read without a lock,
    // which is why `set_up` must run before other threads.
    #[expect(unsafe_code, reason = "the allocator's options are only reachable through its C interface")]
    unsafe {
        libmimalloc_sys::mi_option_set(option, value)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_goes_back_at_once_unless_the_environment_says_otherwise() {
        if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() {
            return;
        }
        assert_eq!(purge_delay_ms(), 1000, "option 15 is the purge delay, at mimalloc's default");
        set_up();
        assert_eq!(purge_delay_ms(), 0);
    }
}
