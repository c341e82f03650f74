//! `pacesetter`: runs a multi-level campaign from plan to ranking.

use std::process::ExitCode;

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// strings and rows across the runtime's and the database connections' threads, and glibc's
/// per-thread arenas keep what a burst took long after it ended (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Where the kernel backs memory with transparent huge pages (set to "always" here),
    // a few small allocations while idle make whole 2 MiB pages of mimalloc's arena resident:
    // an idle server's heap grew from 50 to 60 MiB for 3 MB of live data. Off for this process
    // (the flag mimalloc's own `allow_thp` option sets), it holds about 25 MiB
    // (docs/benchmarks.md, stop 43).
    // A kernel that refuses costs memory, nothing else.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    pacesetter::cli::main()
}
