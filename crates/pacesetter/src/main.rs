//! `pacesetter`: runs a multi-level campaign from plan to ranking.

use std::process::ExitCode;

fn main() -> ExitCode {
    pacesetter::cli::main()
}
