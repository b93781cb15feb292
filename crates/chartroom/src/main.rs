//! The `chartroom` binary: command-line parsing, configuration and wiring.
//!
//! This is the only crate that uses `anyhow`: it prints the whole cause chain and picks the
//! exit code (0 success, 1 failure, 2 bad usage from clap).

mod cli;
mod config;
mod output;

use clap::Parser;

// Reading charts allocates a string per cell; glibc's malloc took a quarter of a full
// review's time (ARCHITECTURE.md, review).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
