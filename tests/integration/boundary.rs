//! The attack boundary at run time: every path beyond public information records the
//! capability it stands for, and a cell whose attack used a capability it did not declare
//! is an error cell naming it. (The compile-time half is `tests/compile_fail.rs`.)

use crate::common;

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

// ----- The six cheats of the second outside review, written as a foreign crate would. -----
// Each declares only `intercept` (or nothing) and is judged by escrowlab's own runner: each
// must end as an error cell naming what it did, or with the figure an honest attack with
// its declared capabilities earns.

use std::sync::Mutex;

/// An attack declaring only interception whose body is a closure over its context.
struct Cheat {
    meta: &'static AttackMeta,
    body: fn(&mut AttackCtx) -> Result<Outcome>,
}

impl Attack for Cheat {
    fn meta(&self) -> &'static AttackMeta {
        self.meta
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::no("it only listens, it says")
    }
    fn run(&self, ctx: &mut AttackCtx, _: &Params) -> Result<Outcome> {
        (self.body)(ctx)
    }
}

const fn listens(id: &'static str) -> AttackMeta {
    AttackMeta {
        id,
        title: "A cheat that only listens",
        actor: "a foreign attack crate",
        capabilities: &[Capability::Intercept],
        description: "Declares interception and tries to launder more.",
        references: &[],
        params: &[],
    }
}

fn judged(attack: &'static Cheat, scheme: &str) -> CellResult {
    run(attack, scheme)
}

fn boundary_error(c: &CellResult) -> &str {
    let e = c.error.as_deref().unwrap_or_else(|| {
        panic!(
            "expected an error cell, got exposure {} ({:?})",
            c.exposure.fraction, c.verdict
        )
    });
    assert!(e.contains("attack boundary"), "{e}");
    assert_eq!(c.verdict, escrowlab::runner::Verdict::Error);
    e
}

/// Loot made by a context the test built outside any cell, handed to the cheat.
static SHADOW_DEVICE: Mutex<Option<DeviceLoot>> = Mutex::new(None);
static SHADOW_VAULTS: Mutex<Vec<VaultLoot>> = Mutex::new(Vec::new());

static LAUNDER_DEVICE_META: AttackMeta = listens("launder-device-loot");
static LAUNDER_DEVICE: Cheat = Cheat {
    meta: &LAUNDER_DEVICE_META,
    body: |ctx| {
        ctx.advance_to_end()?;
        let loot = SHADOW_DEVICE.lock().unwrap().take().expect("shadow loot");
        let keys = ctx.implant_session_keys(&loot);
        let mut out = Outcome::default();
        out.figure("keys_laundered", keys.len() as f64);
        Ok(out)
    },
};

static LAUNDER_VAULT_META: AttackMeta = listens("launder-vault-loot");
static LAUNDER_VAULT: Cheat = Cheat {
    meta: &LAUNDER_VAULT_META,
    body: |ctx| {
        ctx.advance_to_end()?;
        let loot = std::mem::take(&mut *SHADOW_VAULTS.lock().unwrap());
        let masters = ctx.rebuild_masters(&loot);
        let mut out = Outcome::default();
        out.figure("masters_laundered", masters.len() as f64);
        Ok(out)
    },
};

#[test]
fn cheat_1_laundered_device_and_vault_loot_is_refused() {
    // The shadow world is built outside any cell (the cheat could not build it inside:
    // cheat 2), by the same public API; its loot is foreign to the real cell's context.
    let cfg = config("single-key", BackendKind::Blsttc, 7);
    let shadow = escrowlab::runner::base_worlds(&cfg.scheme, &cfg).unwrap();
    let mut sctx = AttackCtx::new(&shadow, "shadow").expect("outside a cell");
    *SHADOW_DEVICE.lock().unwrap() = Some(sctx.compromise_device(0).unwrap());
    *SHADOW_VAULTS.lock().unwrap() = vec![sctx.compromise_agent(0).unwrap()];

    let c = judged(&LAUNDER_DEVICE, "single-key");
    let e = boundary_error(&c);
    assert!(e.contains("device loot"), "{e}");
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(c.cost["keys_laundered"], 0.0);

    let c = judged(&LAUNDER_VAULT, "single-key");
    let e = boundary_error(&c);
    assert!(e.contains("vault copy"), "{e}");
    assert_eq!(c.cost["masters_laundered"], 0.0);
}

static SHADOW_WORLD_META: AttackMeta = listens("shadow-world");
static SHADOW_WORLD: Cheat = Cheat {
    meta: &SHADOW_WORLD_META,
    body: |ctx| {
        // Seed recovery needs worlds to compare the directory with: none can be built here.
        let _ = ctx.info();
        let cfg = config("single-key", BackendKind::Blsttc, 7);
        let shadow = escrowlab::runner::base_worlds(&cfg.scheme, &cfg);
        assert!(matches!(shadow, Err(escrowlab::Error::Boundary(_))));
        Ok(Outcome::default())
    },
};

static NESTED_RUN_META: AttackMeta = listens("nested-run");
static NESTED_RUN: Cheat = Cheat {
    meta: &NESTED_RUN_META,
    body: |_ctx| {
        let cfg = config("single-key", BackendKind::Blsttc, 7);
        let registry = Registry::of(&[&escrowlab::attacks::key_theft::KeyTheft]);
        let nested = run_one(
            &registry,
            &cfg.scheme,
            "key-theft",
            &Default::default(),
            &cfg,
        );
        assert!(nested.is_err());
        Ok(Outcome::default())
    },
};

/// Base worlds the test built before the run, which the cheat tries to open a context on.
static PREBUILT: Mutex<Option<escrowlab::attack::context::BaseWorlds>> = Mutex::new(None);

static SECOND_CONTEXT_META: AttackMeta = listens("second-context");
static SECOND_CONTEXT: Cheat = Cheat {
    meta: &SECOND_CONTEXT_META,
    body: |_ctx| {
        let base = PREBUILT.lock().unwrap();
        let base = base.as_ref().expect("prebuilt");
        assert!(AttackCtx::new(base, "second").is_err());
        let cell = escrowlab::runner::run_cell(
            base,
            &escrowlab::attacks::key_theft::KeyTheft,
            &Params::default(),
            &[],
        );
        assert!(cell.error.is_some());
        Ok(Outcome::default())
    },
};

#[test]
fn cheat_2_no_world_context_or_nested_run_inside_a_cell() {
    for cheat in [&SHADOW_WORLD, &NESTED_RUN] {
        let c = judged(cheat, "single-key");
        let e = boundary_error(&c);
        assert!(e.contains("cannot be called from inside"), "{e}");
    }
    let cfg = config("single-key", BackendKind::Blsttc, 7);
    *PREBUILT.lock().unwrap() = Some(escrowlab::runner::base_worlds(&cfg.scheme, &cfg).unwrap());
    let c = judged(&SECOND_CONTEXT, "single-key");
    let e = boundary_error(&c);
    assert!(e.contains("AttackCtx::new"), "{e}");
}

static SPY_META: AttackMeta = listens("spy-mechanism");
static SPY: Cheat = Cheat {
    meta: &SPY_META,
    body: |_ctx| {
        let r = escrowlab::mechanism::register(&escrowlab::mechanism::ghost_user::GhostUser);
        assert!(matches!(r, Err(escrowlab::Error::Boundary(_))));
        Ok(Outcome::default())
    },
};

#[test]
fn cheat_3_no_mechanism_is_registered_inside_a_cell() {
    let c = judged(&SPY, "single-key");
    let e = boundary_error(&c);
    assert!(e.contains("mechanism::register"), "{e}");
}

static VERDICTS_META: AttackMeta = listens("chosen-verdicts");
static VERDICTS: Cheat = Cheat {
    meta: &VERDICTS_META,
    body: |ctx| {
        let _ = ctx.intercept();
        let _ = ctx.rebuild_master(0, &[]);
        let _ = ctx.rebuild_master(4242, &[]);
        let _ = ctx.rebuild_masters(&[]);
        let _ = ctx.check_master(0, Scalar([7; 32]));
        Ok(Outcome::default())
    },
};

static BOGUS_FIELD_META: AttackMeta = listens("bogus-field");
static BOGUS_FIELD: Cheat = Cheat {
    meta: &BOGUS_FIELD_META,
    body: |ctx| {
        ctx.advance_to_end()?;
        let t = ctx.intercept();
        let header = t.sessions.iter().next().expect("a session").header.clone();
        let mut field = t.field(header.session).expect("a field");
        field.check = vec![0xff; 8];
        let _ = ctx.recipient_accepts(&header, &Key32([0; 32]), &field);
        Ok(Outcome::default())
    },
};

#[test]
fn cheat_4_junk_input_earns_no_verdict() {
    for scheme in ["threshold-3of5", "single-key"] {
        let c = judged(&VERDICTS, scheme);
        assert!(c.error.is_none(), "{:?}", c.error);
        assert_eq!(c.blocked_by, None, "{scheme}: {:?}", c.refusals);
        assert!(c.refusals.is_empty(), "{scheme}: {:?}", c.refusals);
        assert!(!c.detected);
    }
    // A recipient's check is what a rogue sender meets: it is `control_client`.
    let c = judged(&BOGUS_FIELD, "threshold-3of5");
    let e = c.error.as_deref().expect("an error cell");
    assert!(e.contains("control_client"), "{e}");
}

#[test]
fn blocked_by_is_the_best_attempt_not_the_first() {
    use escrowlab::attack::verdict::best_attempt;
    // A shallow refusal provoked first does not pre-empt the one that stopped the deepest
    // attempt.
    assert_eq!(
        best_attempt(["threshold-custody", "proactive-refresh", "key-not-created"]),
        Some(1)
    );
    assert_eq!(best_attempt(["scope", "signature"]), Some(0));
    assert_eq!(best_attempt(["roster-check", "ledger-gossip"]), Some(0));
    assert_eq!(best_attempt(std::iter::empty::<&str>()), None);
}

static METADATA_META: AttackMeta = AttackMeta {
    capabilities: &[],
    ..listens("free-metadata")
};
static METADATA: Cheat = Cheat {
    meta: &METADATA_META,
    body: |ctx| {
        ctx.advance_to_end()?;
        let convs = ctx.conversations();
        let mut out = Outcome::default();
        out.figure("conversations_seen", convs.len() as f64);
        Ok(out)
    },
};

static REQUEST_METADATA_META: AttackMeta = AttackMeta {
    capabilities: &[Capability::ObtainWarrant],
    ..listens("request-metadata")
};
static REQUEST_METADATA: Cheat = Cheat {
    meta: &REQUEST_METADATA_META,
    body: |ctx| {
        ctx.advance_to_end()?;
        let w = ctx.obtain_warrant("metadata", vec![0], [0, 0])?;
        let bytes = ctx.build_request(&w, &[0, 1, 2], "me", [0; 16]);
        let mut out = Outcome::default();
        out.figure("request_bytes", bytes.len() as f64);
        Ok(out)
    },
};

#[test]
fn cheat_5_metadata_is_an_interception() {
    for cheat in [&METADATA, &REQUEST_METADATA] {
        let c = judged(cheat, "threshold-3of5");
        let e = c.error.as_deref().expect("an error cell");
        assert!(e.contains("intercept"), "{e}");
    }
}

static EVERYONE_META: AttackMeta = listens("claim-everyone");
static EVERYONE: Cheat = Cheat {
    meta: &EVERYONE_META,
    body: |ctx| {
        let mut out = Outcome::default();
        for u in 0..ctx.info().users {
            out.claim_target(u);
        }
        Ok(out)
    },
};

#[test]
fn cheat_6_naming_everyone_scores_near_zero_in_every_format() {
    use escrowlab::runner::suite::run_suite;
    use escrowlab::runner::suite_file::Suite;
    let suite = Suite::from_toml_str_in(
        r#"
seed = 7
schemes = ["threshold-3of5"]
attacks = ["claim-everyone"]
[population]
users = 200
epochs = 2
messages_per_session = 2
"#,
        "test",
        None,
        &Registry::of(&[&EVERYONE]),
    )
    .expect("suite parses");
    let report = run_suite(&suite, None, None).expect("suite runs");
    let c = &report.results[0];
    let d = &c.docket;
    assert!(d.targets > 0);
    assert_eq!(d.learned, d.targets, "every target is among the claims");
    assert_eq!(d.recall, 1.0);
    assert!(d.precision < 0.1, "{d:?}");
    assert!(
        d.fraction < 0.1,
        "the headline does not reward naming everyone: {d:?}"
    );
    assert_eq!(d.wrong_claims, d.claimed - d.learned);

    let precision = format!("{:.2}", d.precision);
    let table = escrowlab::report::text::table(&report);
    let lines: Vec<&str> = table.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("threshold-3of5") && l.contains("claim-everyone"))
        .unwrap_or_else(|| panic!("no docket entry in the table:\n{table}"));
    let line = lines[at + 1];
    assert!(line.contains(&format!("= {precision})")), "{line}");
    let md = escrowlab::report::text::markdown(&report);
    assert!(
        md.contains("## Docket exposure") && md.contains(&precision),
        "{md}"
    );
    let csv = escrowlab::report::csv::render(&report);
    let mut rows = csv.lines();
    let head: Vec<&str> = rows.next().unwrap().split(',').collect();
    let row: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = head
        .iter()
        .position(|h| *h == "docket_precision")
        .expect("a column");
    let p: f64 = row[col].parse().unwrap();
    assert!(p < 0.1 && (p - d.precision).abs() < 1e-12, "{p}");
    let html = escrowlab::report::html::render(&report);
    assert!(html.contains(&format!("= {precision})")));
}

/// An intruder in the lawful-access interface replays the standing warrants it finds.
static HARVEST_META: AttackMeta = AttackMeta {
    capabilities: &[
        Capability::Intercept,
        Capability::BreachInterface,
        Capability::SubmitRequest,
    ],
    ..listens("docket-harvest")
};
static HARVEST: Cheat = Cheat {
    meta: &HARVEST_META,
    body: |ctx| {
        // Before the standing warrants expire (at the end of the run).
        let last = ctx.info().epochs - 1;
        ctx.advance_to(last)?;
        let warrants = ctx.breach_interface();
        let mut out = Outcome::default();
        for w in &warrants {
            for t in &w.warrant.targets {
                out.claim_target(*t);
            }
        }
        // Replay the first standing warrant twice to agent 0 (where agents exist).
        let mut served = 0;
        if let Some(w) = warrants.first() {
            let t = ctx.intercept();
            let sessions: Vec<u32> = t
                .sessions
                .iter()
                .filter(|s| w.warrant.covers(s.header.epoch, &s.header.members))
                .map(|s| s.header.session)
                .take(2)
                .collect();
            for nonce in [[1u8; 16], [2u8; 16]] {
                let bytes = ctx.build_request(w, &sessions, "intruder", nonce);
                if let Some(r) = ctx.submit_request(0, &bytes, 1) {
                    served += r.items().iter().filter(|i| i.is_ok()).count();
                }
            }
        }
        out.figure("items_served", served as f64);
        Ok(out)
    },
};

#[test]
fn capabilities_are_checked_per_request_and_the_standing_docket_counts() {
    // Under the ghost family `submit_request` does not exist: that request is refused as not
    // applicable, and the docket the breach read is still reported.
    let c = judged(&HARVEST, "ghost-user");
    assert!(c.applicable, "{:?}", c.refusals);
    assert!(c.error.is_none(), "{:?}", c.error);
    assert_eq!(c.docket.fraction, 1.0, "{:?}", c.docket);
    assert!(c
        .refusals
        .iter()
        .any(|e| e.control == "not-applicable" && e.detail.contains("submit_request")));
    assert_ne!(c.blocked_by.as_deref(), Some("not-applicable"));

    // Under session escrow the standing warrants follow the scheme's use limit (1): the
    // second request under one standing warrant is refused by it.
    let c = judged(&HARVEST, "threshold-3of5");
    assert!(c.error.is_none(), "{:?}", c.error);
    assert_eq!(c.docket.fraction, 1.0);
    assert!(
        c.refusals.iter().any(|e| e.control == "use-limit"),
        "{:?}",
        c.refusals
    );
    assert!(c.cost["items_served"].as_f64().unwrap() > 0.0);
}
