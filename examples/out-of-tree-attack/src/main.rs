//! `my-escrowlab`: escrowlab's command line with the built-in attacks plus `insider-breach`.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(escrowlab::cli::main_with(
        escrowlab::attacks::builtins().with(&escrowlab_example_attack::InsiderBreach),
    ))
}
