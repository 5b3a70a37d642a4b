//! The command line (clap derive). Every command returns an exit status from
//! [`crate::exit_codes`]; errors are printed as one clear line, never a panic.

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::exit_codes;
use crate::lawful;
use crate::world::{Population, WorldConfig};
use clap::{Parser, Subcommand};
use std::io::Write;

/// escrowlab: build the best lawful-access mechanism we can, attack it, measure who is exposed.
#[derive(Parser, Debug)]
#[command(name = "escrowlab", version, about, long_about = None)]
pub struct Cli {
    /// The command (default: the lawful-access demonstration on built-in defaults).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in schemes, one per line: name and summary.
    Schemes,
    /// Simulate a population, issue a warrant, run lawful access end to end, and probe
    /// requests the agents must refuse.
    LawfulAccess(LawfulArgs),
}

/// Arguments of `lawful-access`.
#[derive(clap::Args, Debug)]
pub struct LawfulArgs {
    /// Built-in scheme name or path to a scheme TOML file.
    #[arg(long, default_value = "threshold-3of5")]
    pub scheme: String,
    /// The one seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Users.
    #[arg(long, default_value_t = 200)]
    pub users: u32,
    /// Epochs.
    #[arg(long, default_value_t = 4)]
    pub epochs: u32,
    /// Threshold backend (default: the scheme's, else blsttc).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs the CLI on the process arguments and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit_codes::BAD_INPUT } else { exit_codes::OK };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("escrowlab: error: {e}");
            if e.is_bad_input() {
                exit_codes::BAD_INPUT
            } else {
                exit_codes::EXPECTATION_FAILED
            }
        }
    }
}

fn out(text: &str) -> Result<()> {
    let mut so = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = so.write_all(text.as_bytes());
    let _ = so.flush();
    Ok(())
}

/// Runs a parsed command.
///
/// # Errors
/// Bad input and I/O errors.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        None => lawful_access(LawfulArgs {
            scheme: "threshold-3of5".into(),
            seed: 42,
            users: 200,
            epochs: 4,
            backend: None,
            json: false,
        }),
        Some(Command::Schemes) => {
            let mut s = String::new();
            for sc in Scheme::builtins() {
                let weak = sc.weakened_controls();
                let note = if weak.is_empty() { String::new() } else { format!("  [weakened: {}]", weak.join(", ")) };
                s.push_str(&format!("{:<22} {}{}\n", sc.name, sc.summary, note));
            }
            out(&s)?;
            Ok(exit_codes::OK)
        }
        Some(Command::LawfulAccess(a)) => lawful_access(a),
    }
}

fn lawful_access(a: LawfulArgs) -> Result<i32> {
    let scheme = Scheme::load(&a.scheme)?;
    let backend = a.backend.or(scheme.backend).unwrap_or(BackendKind::Blsttc);
    backend.instance()?;
    let population = Population { users: a.users, epochs: a.epochs, ..Population::default() };
    population.validate()?;
    let r = lawful::demonstrate(WorldConfig { scheme, population, seed: a.seed, backend })?;
    if a.json {
        let j = serde_json::to_string_pretty(&r).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
        return Ok(exit_codes::OK);
    }
    let mut s = String::new();
    s.push_str(&format!("scheme {} on {} (seed {}), {} users × {} epochs, {} messages\n", r.scheme, r.backend, r.seed, r.users, r.epochs, r.messages_total));
    if let (Some(t), Some(w)) = (r.target, r.window) {
        s.push_str(&format!("warrant: target user {t}, epochs {}..={}\n", w[0], w[1]));
    }
    s.push_str(&format!("in scope: {} messages, decrypted and confirmed: {}\n", r.in_scope_messages, r.in_scope_decrypted));
    s.push_str(&format!("outside the warrant decrypted: {}\n", r.out_of_scope_decrypted));
    for p in &r.probes {
        s.push_str(&format!(
            "probe {:<13} refused by {} agent(s), granted by {} ({}), messages read: {}\n",
            p.kind,
            p.refused_by,
            p.granted_by,
            if p.controls.is_empty() { "-".to_string() } else { p.controls.join(", ") },
            p.messages_read
        ));
    }
    if !r.rejected_share_agents.is_empty() {
        s.push_str(&format!("combiner rejected shares from agents {:?}\n", r.rejected_share_agents));
    }
    s.push_str(&format!("audit: {} entries, verified: {}\n", r.audit_entries, r.audit_verified));
    if let Some(n) = &r.note {
        s.push_str(&format!("note: {n}\n"));
    }
    out(&s)?;
    Ok(exit_codes::OK)
}
