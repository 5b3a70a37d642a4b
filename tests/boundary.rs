//! The attack boundary at run time: every path beyond public information records the
//! capability it stands for, and a cell whose attack used a capability it did not declare
//! is an error cell naming it. (The compile-time half is `tests/compile_fail.rs`.)

mod common;

use common::config;
use escrowlab::backend::BackendKind;
use escrowlab::prelude::*;
use escrowlab::runner::{run_one, CellResult};

/// Reads every message with a warrant naming every user, obtained from the court. The
/// declared capabilities are the parameter of the type.
struct WarrantForEveryone(&'static AttackMeta);

static UNDECLARED: AttackMeta = AttackMeta {
    id: "warrant-for-everyone",
    title: "A warrant naming every user",
    actor: "an officer who asks the court for everything",
    capabilities: &[Capability::Intercept],
    description: "Obtains a warrant naming every user and reads what the agents release.",
    references: &[],
    params: &[],
};

static DECLARED: AttackMeta = AttackMeta {
    capabilities: &[
        Capability::Intercept,
        Capability::ObtainWarrant,
        Capability::SubmitRequest,
    ],
    ..UNDECLARED
};

impl Attack for WarrantForEveryone {
    fn meta(&self) -> &'static AttackMeta {
        self.0
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::yes("a court that signs anything")
    }
    fn run(&self, ctx: &mut AttackCtx, _: &Params) -> Result<Outcome> {
        ctx.advance_to_end()?;
        let info = ctx.info();
        let everyone: Vec<u32> = (0..info.users).collect();
        let case = ctx.lawful_case_answers("everyone", everyone, [0, info.epochs - 1])?;
        let read = ctx.combine_and_read(case.sessions(), case.responses());
        Ok(Outcome {
            recovered: read.plaintexts.into(),
            ..Outcome::default()
        })
    }
}

/// Copies a vault while declaring only interception.
struct SilentBreach;

static SILENT: AttackMeta = AttackMeta {
    id: "silent-breach",
    title: "A breach it does not declare",
    actor: "an attack that claims to only listen",
    capabilities: &[Capability::Intercept],
    description: "Declares interception, copies agent 0's vault anyway.",
    references: &[],
    params: &[],
};

impl Attack for SilentBreach {
    fn meta(&self) -> &'static AttackMeta {
        &SILENT
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::no("it only listens, it says")
    }
    fn run(&self, ctx: &mut AttackCtx, _: &Params) -> Result<Outcome> {
        ctx.advance_to(1)?;
        let vault = ctx.compromise_agent(0)?;
        ctx.advance_to_end()?;
        let masters = ctx.rebuild_masters(&[vault]);
        let mut out = Outcome::default();
        out.figure("keys", masters.len() as f64);
        Ok(out)
    }
}

static WARRANT_UNDECLARED: WarrantForEveryone = WarrantForEveryone(&UNDECLARED);
static WARRANT_DECLARED: WarrantForEveryone = WarrantForEveryone(&DECLARED);

fn run(attack: &'static dyn Attack, scheme: &str) -> CellResult {
    let cfg = config(scheme, BackendKind::Blsttc, 7);
    let registry = Registry::of(&[attack]);
    run_one(
        &registry,
        &cfg.scheme,
        attack.meta().id,
        &Default::default(),
        &cfg,
    )
    .expect("runs")
}

#[test]
fn an_undeclared_capability_makes_an_error_cell_naming_it() {
    let c = run(&SilentBreach, "single-key");
    let e = c.error.as_deref().expect("an error cell");
    assert!(e.contains("compromise_agent"), "{e}");
    assert_eq!(c.verdict, escrowlab::runner::Verdict::Error);
}

#[test]
fn a_warrant_is_a_recorded_capability() {
    // The reviewer's cheat: a warrant naming every user read everything with an empty
    // capability list. Now the court's warrant and the agents' answers are capabilities.
    let c = run(&WARRANT_UNDECLARED, "single-key");
    let e = c.error.as_deref().expect("an error cell");
    assert!(
        e.contains("obtain_warrant") && e.contains("submit_request"),
        "{e}"
    );

    // Declared, it runs, and the report shows what it took.
    let c = run(&WARRANT_DECLARED, "single-key");
    assert!(c.error.is_none(), "{:?}", c.error);
    let caps = c.cost["capabilities"].as_object().expect("capabilities");
    assert_eq!(caps["obtain_warrant"], 1);
    assert!(caps["submit_request"].as_u64().unwrap() >= 1);
    assert_eq!(
        c.exposure.fraction, 1.0,
        "the court signed it: everything is in scope"
    );
    assert_eq!(c.out_of_scope, 0);
}

#[test]
fn blocked_by_comes_from_the_mechanism() {
    // Without escrow the mechanism reports that no key was ever created.
    let c = run(&SilentBreach, "e2e-baseline");
    assert!(c.error.is_some());
    let c = common::cell("threshold-3of5", "key-theft", &[]);
    assert_eq!(c.blocked_by.as_deref(), Some("threshold-custody"));
    let source = &c.refusals[0].source;
    assert_eq!(source, "published master key", "{:?}", c.refusals);
    // Something exposed: no blocking label, whatever was refused along the way.
    let c = common::cell("single-key", "key-theft", &[]);
    assert_eq!(c.exposure.fraction, 1.0);
    assert_eq!(c.blocked_by, None);
}

#[test]
fn attack_figures_are_labelled_as_the_attacks_own() {
    let c = common::cell("threshold-3of5", "key-theft", &[]);
    assert_eq!(c.attack_figures, vec!["keys_recovered".to_string()]);
    for runner_measured in ["capabilities", "agents_compromised", "tries"] {
        assert!(!c.attack_figures.iter().any(|f| f == runner_measured));
        assert!(c.cost.contains_key(runner_measured));
    }
}
