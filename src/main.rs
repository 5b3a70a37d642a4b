//! The `escrowlab` command line.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(escrowlab::cli::main());
}
