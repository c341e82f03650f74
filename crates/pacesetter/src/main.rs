//! `pacesetter`: runs a multi-level campaign from plan to ranking.

use std::process::ExitCode;

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// strings and rows across the runtime's and the database connections' threads, and glibc's
/// per-thread arenas keep what a burst took long after it ended (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    pacesetter_memory::set_up();
    pacesetter::cli::main()
}
