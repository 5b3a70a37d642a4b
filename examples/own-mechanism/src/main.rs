//! Property-tests and attacks a lawful-access design of one's own, `split-escrow`, with
//! escrowlab: register the mechanism, describe a scheme that uses it, run the conformance
//! battery (`check-scheme`'s properties) and lawful access, then attacks through the same
//! runner the suites use. Exits 1 when a result is not what the design promises.

mod party_theft;
mod split_escrow;

use escrowlab::backend::BackendKind;
use escrowlab::config::Scheme;
use escrowlab::testing::properties::{check_scheme, PropertyStatus};
use escrowlab::world::{Population, WorldConfig};
use std::collections::BTreeMap;

const SCHEME: &str = r#"
name = "split-escrow"
summary = "Session keys split between the provider and the court clerk"
[custody]
kind = "none"
[field]
binding = "none"
[audit]
log = "none"
[mechanism]
family = "split-escrow"
"#;

fn main() {
    std::process::exit(match run() {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("own-mechanism: {e}");
            2
        }
    })
}

/// An attack, its integer parameters, and what its exposure must be under the design.
type AttackCase = (
    &'static str,
    &'static [(&'static str, i64)],
    fn(f64) -> bool,
);

fn run() -> escrowlab::Result<bool> {
    escrowlab::mechanism::register(&split_escrow::SplitEscrow)?;
    let scheme = Scheme::from_toml_str(SCHEME, "split-escrow.toml")?;
    let mut ok = true;

    println!("check-scheme {} (the conformance battery)", scheme.name);
    for p in check_scheme(&scheme, BackendKind::Blsttc, 8, 1) {
        let status = match &p.status {
            PropertyStatus::Holds => "holds".to_string(),
            PropertyStatus::NotApplicable { .. } => "n/a".to_string(),
            PropertyStatus::Fails { counterexample, .. } => {
                ok = false;
                format!("FAILS: {counterexample}")
            }
        };
        println!("  {:<18} {status}", p.name);
    }

    let config = WorldConfig {
        scheme: scheme.clone(),
        population: Population {
            users: 60,
            ..Population::default()
        },
        seed: 7,
        backend: BackendKind::Blsttc,
    };
    let la = escrowlab::lawful::demonstrate(config.clone())?;
    println!(
        "lawful access: {} of {} warranted messages read, {} outside the warrant",
        la.in_scope_decrypted, la.in_scope_messages, la.out_of_scope_decrypted
    );
    ok &= la.in_scope_decrypted > 0 && la.out_of_scope_decrypted == 0;

    let registry = escrowlab::attacks::builtins().with(&party_theft::PartyTheft);
    let cases: [AttackCase; 4] = [
        ("party-theft", &[("parties", 1)], |x| x == 0.0),
        ("party-theft", &[("parties", 2)], |x| x == 1.0),
        ("endpoint-compromise", &[], |x| x > 0.0 && x < 0.5),
        ("key-theft", &[], |x| x == 0.0),
    ];
    for (id, given, expected) in cases {
        let given: BTreeMap<String, escrowlab::attack::ParamValue> = given
            .iter()
            .map(|(k, v)| (k.to_string(), escrowlab::attack::ParamValue::Int(*v)))
            .collect();
        let cell = escrowlab::runner::run_one(&registry, &scheme, id, &given, &config)?;
        let holds = expected(cell.exposure.fraction) && cell.error.is_none();
        ok &= holds;
        println!(
            "attack {id} {}: exposure {:.3}{}{} {}",
            cell.params_shown(" "),
            cell.exposure.fraction,
            if cell.applicable {
                ""
            } else {
                " (not applicable)"
            },
            cell.blocked_by
                .as_deref()
                .map(|b| format!(" blocked by {b}"))
                .unwrap_or_default(),
            if holds {
                "as designed"
            } else {
                "NOT AS DESIGNED"
            }
        );
    }
    Ok(ok)
}
