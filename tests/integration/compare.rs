//! `escrowlab compare`: attacker classes, parameters maximised over the class (never at
//! defaults), the marginal risk over plain E2E, and lawful access in both kinds.

use escrowlab::attack::{
    Attack, AttackCtx, AttackMeta, AttackerClass, ClassBounds, DefaultValue, Exposure, Outcome,
    ParamKind, ParamSpec, Params, Registry, RunSize,
};
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::compare::{self, class_of, CompareOptions, CompareReport};
use escrowlab::world::Population;
use std::process::Command;
use std::sync::OnceLock;

/// A different legal default for `spec`: the other end of an integer's range, the other
/// flag, another word.
fn perturbed(spec: &ParamSpec) -> ParamSpec {
    let default = match (spec.kind, spec.default) {
        (ParamKind::Bool, DefaultValue::Bool(b)) => DefaultValue::Bool(!b),
        (ParamKind::Choice(words), DefaultValue::Str(w)) => {
            DefaultValue::Str(words.iter().copied().find(|x| *x != w).unwrap_or(w))
        }
        (
            ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. },
            DefaultValue::Int(v),
        ) => DefaultValue::Int(if v == max { min } else { max }),
        (_, d) => d,
    };
    ParamSpec {
        default,
        ..spec.clone()
    }
}

/// An attack with every default perturbed, delegating everything else.
struct Perturbed {
    inner: &'static dyn Attack,
    meta: &'static AttackMeta,
}

impl Attack for Perturbed {
    fn meta(&self) -> &'static AttackMeta {
        self.meta
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        self.inner.check(scheme, params)
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> escrowlab::Result<Outcome> {
        self.inner.run(ctx, params)
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        self.inner.max_guesses(scheme, params)
    }
    fn class(&self) -> escrowlab::attack::ClassSpec {
        self.inner.class()
    }
}

/// The built-in registry with every attack's every default perturbed.
fn perturbed_registry() -> Registry {
    let mut r = Registry::new();
    for a in escrowlab::attacks::builtins().iter() {
        let m = a.meta();
        let params: Vec<ParamSpec> = m.params.iter().map(perturbed).collect();
        let meta: &'static AttackMeta = Box::leak(Box::new(AttackMeta {
            id: m.id,
            title: m.title,
            actor: m.actor,
            capabilities: m.capabilities,
            description: m.description,
            references: m.references,
            params: Box::leak(params.into_boxed_slice()),
        }));
        r = r.with(Box::leak(Box::new(Perturbed { inner: a, meta })));
    }
    r
}

#[test]
fn every_attack_declares_a_class_and_its_grid_sets_every_parameter() {
    let population = Population {
        users: 200,
        ..Population::default()
    };
    for scheme in Scheme::builtins() {
        let size = RunSize::of(&scheme, &population);
        for a in escrowlab::attacks::builtins().iter() {
            let spec = class_of(a);
            let (grid, cut) = spec.grid(a.meta().params, &ClassBounds::default(), &size);
            assert!(!cut, "{}: grid cut under {}", a.meta().id, scheme.name);
            assert!(!grid.is_empty(), "{}: empty grid", a.meta().id);
            for set in &grid {
                for p in a.meta().params {
                    assert!(
                        set.contains_key(p.name),
                        "{} {}: unset",
                        a.meta().id,
                        p.name
                    );
                }
                // Every set is one the attack itself accepts.
                Params::resolve(a.meta().id, a.meta().params, set)
                    .unwrap_or_else(|e| panic!("{} under {}: {e}", a.meta().id, scheme.name));
            }
        }
    }
    // Every class but none is declared by some built-in attack.
    let declared: std::collections::BTreeSet<AttackerClass> = escrowlab::attacks::builtins()
        .iter()
        .map(|a| class_of(a).class)
        .collect();
    assert_eq!(declared.len(), AttackerClass::ALL.len(), "{declared:?}");
}

#[test]
fn perturbing_every_default_leaves_every_grid_unchanged() {
    let population = Population {
        users: 200,
        ..Population::default()
    };
    let perturbed = perturbed_registry();
    let mut changed_defaults = 0;
    for scheme in Scheme::builtins() {
        let opts = CompareOptions {
            population: population.clone(),
            ..CompareOptions::defaults().unwrap()
        };
        let a = opts
            .cells_of(&escrowlab::attacks::builtins(), &scheme)
            .unwrap();
        let b = opts.cells_of(&perturbed, &scheme).unwrap();
        assert_eq!(a.len(), b.len(), "{}", scheme.name);
        for ((x, cx, px), (y, cy, py)) in a.iter().zip(&b) {
            assert_eq!(x.meta().id, y.meta().id);
            assert_eq!(cx, cy);
            assert_eq!(px, py, "{} under {}", x.meta().id, scheme.name);
        }
    }
    // The perturbation did change defaults (a test that cannot fail is a defect).
    for (a, b) in escrowlab::attacks::builtins().iter().zip(perturbed.iter()) {
        for (p, q) in a.meta().params.iter().zip(b.meta().params) {
            if p.default.value() != q.default.value() {
                changed_defaults += 1;
            }
        }
    }
    assert!(changed_defaults > 40, "{changed_defaults} defaults changed");
}

#[test]
fn the_class_sets_the_counts_and_targets() {
    let scheme = Scheme::load("hsm-guess-limit").unwrap();
    let opts = CompareOptions::defaults().unwrap();
    let cells = opts
        .cells_of(&escrowlab::attacks::builtins(), &scheme)
        .unwrap();
    let brute: Vec<&Params> = cells
        .iter()
        .filter(|(a, _, _)| a.meta().id == "hsm-brute-force")
        .map(|(_, _, p)| p)
        .collect();
    assert_eq!(brute.len(), 4, "firmware and guess_first swept");
    for p in brute {
        // A majority (3 of the cluster's 5) and every user, whatever the defaults say.
        assert_eq!(p.int("members"), 3);
        assert_eq!(p.int("targets"), 200);
    }
    let off = Scheme::load("public-ledger").unwrap();
    let cells = opts
        .cells_of(&escrowlab::attacks::builtins(), &off)
        .unwrap();
    let p = &cells
        .iter()
        .find(|(a, _, _)| a.meta().id == "off-ledger")
        .unwrap()
        .2;
    assert_eq!(p.int("insiders"), 3);
    // One insider is one: rogue-agent takes no extra breach.
    let t = Scheme::load("threshold-3of5").unwrap();
    let cells = opts.cells_of(&escrowlab::attacks::builtins(), &t).unwrap();
    for (_, class, p) in cells
        .iter()
        .filter(|(a, _, _)| a.meta().id == "rogue-agent")
    {
        assert_eq!(*class, AttackerClass::Insider);
        assert_eq!(p.int("extra_breaches"), 0);
    }
    // Under a seizure of d devices, device-seizure takes d; endpoint-compromise sweeps
    // every user.
    let d = Scheme::load("device-escrow").unwrap();
    let cells = opts.cells_of(&escrowlab::attacks::builtins(), &d).unwrap();
    for (_, _, p) in cells
        .iter()
        .filter(|(a, _, _)| a.meta().id == "device-seizure")
    {
        assert_eq!(p.int("devices"), 1);
    }
    let users: std::collections::BTreeSet<i64> = cells
        .iter()
        .filter(|(a, _, _)| a.meta().id == "endpoint-compromise")
        .map(|(_, _, p)| p.int("user"))
        .collect();
    assert!((0..200).all(|u| users.contains(&u)));
}

#[test]
fn the_checked_baseline_is_plain_e2e_with_verifying_clients() {
    let s = compare::baseline_checked();
    assert_eq!(s.name, compare::BASELINE_CHECKED);
    assert_eq!(s.family(), Scheme::load("e2e-baseline").unwrap().family());
}

#[test]
fn bad_options_are_one_line_errors() {
    for args in [
        &["compare", "--users", "1"][..],
        &["compare", "--seeds", "0"],
        &["compare", "--coalition", "0"],
        &["compare", "--scheme", "e2e-baseline"],
        &["compare", "--scheme", "no-such-scheme"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(o.stdout.is_empty());
    }
}

/// A small comparison of every family, run once for the slow tests.
fn small_opts() -> CompareOptions {
    CompareOptions {
        users: 24,
        seeds: 2,
        population: Population {
            epochs: 2,
            messages_per_session: 3,
            ..Population::default()
        },
        ..CompareOptions::defaults().unwrap()
    }
}

fn small() -> &'static CompareReport {
    static R: OnceLock<CompareReport> = OnceLock::new();
    R.get_or_init(|| compare::run(&escrowlab::attacks::builtins(), &small_opts()).unwrap())
}

fn class_row<'a>(
    r: &'a CompareReport,
    scheme: &str,
    class: AttackerClass,
) -> &'a compare::ClassRow {
    r.families
        .iter()
        .chain(&r.baselines)
        .find(|s| s.scheme == scheme)
        .unwrap_or_else(|| panic!("no {scheme}"))
        .classes
        .iter()
        .find(|c| c.class == class)
        .unwrap()
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn compare_reports_every_family_and_class_with_intervals() {
    let r = small();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.families.len(), 6);
    let families: std::collections::BTreeSet<&str> =
        r.families.iter().map(|f| f.family.as_str()).collect();
    assert_eq!(families.len(), 6, "{families:?}");
    for f in &r.families {
        assert_eq!(f.classes.len(), AttackerClass::ALL.len());
        for c in &f.classes {
            for e in [&c.worst, &c.baseline, &c.marginal_risk] {
                assert_eq!(e.per_seed.len(), 2);
                assert!(e.ci95.is_some(), "{} {:?}", f.scheme, c.class);
            }
            // The marginal risk is the difference, seed by seed.
            for i in 0..2 {
                let d = c.worst.per_seed[i] - c.baseline.per_seed[i];
                assert!((c.marginal_risk.per_seed[i] - d).abs() < 1e-5);
            }
        }
        assert!(f.prospective.utility.ci95.is_some());
        assert!(f.retrospective.utility.ci95.is_some());
    }
    // The HSM family under a majority breach exposes every user, at every seed.
    let hsm = class_row(r, "hsm-guess-limit", AttackerClass::Coalition);
    assert!(hsm.worst.per_seed.iter().all(|x| *x == 1.0), "{hsm:?}");
    assert_eq!(
        hsm.worst_cells[0].attack.as_deref(),
        Some("hsm-brute-force")
    );
    // Plain E2E whose clients check nothing falls to the provider's insertion; verifying
    // clients stop it.
    let base = class_row(r, "e2e-baseline", AttackerClass::Provider);
    assert!(base.worst.per_seed.iter().all(|x| *x == 1.0), "{base:?}");
    let attack = base.worst_cells[0].attack.as_deref().unwrap();
    assert!(["shadow-taps", "ghost"].contains(&attack), "{attack}");
    let checked = class_row(r, "e2e-baseline-checked", AttackerClass::Provider);
    assert!(checked.worst.mean < base.worst.mean, "{checked:?}");
    // The ghost user's provider-class risk over plain E2E with unchecked clients is none.
    let ghost = class_row(r, "ghost-user", AttackerClass::Provider);
    assert_eq!(ghost.marginal_risk.mean, 0.0);
    // Lawful access: a prospective warrant reads under the ghost user, a retrospective
    // one does not; the HSM family states its assumption and counts the passcodes.
    let g = r
        .families
        .iter()
        .find(|f| f.scheme == "ghost-user")
        .unwrap();
    assert!(g.prospective.utility.mean > 0.0);
    assert_eq!(g.retrospective.utility.mean, 0.0);
    let h = r
        .families
        .iter()
        .find(|f| f.scheme == "hsm-guess-limit")
        .unwrap();
    assert!(h
        .assumption
        .as_deref()
        .unwrap()
        .contains("compelled disclosure"));
    assert_eq!(h.prospective.cost["passcodes_disclosed"].mean, 5.0);
    let d = r
        .families
        .iter()
        .find(|f| f.scheme == "device-escrow")
        .unwrap();
    assert_eq!(d.retrospective.cost["devices_taken"].mean, 5.0);
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn the_table_does_not_change_when_every_default_does() {
    let opts = CompareOptions {
        users: 12,
        seeds: 1,
        schemes: ["hsm-guess-limit", "public-ledger", "threshold-3of5"]
            .iter()
            .map(|s| Scheme::load(s).unwrap())
            .collect(),
        population: Population {
            epochs: 2,
            messages_per_session: 2,
            ..Population::default()
        },
        ..CompareOptions::defaults().unwrap()
    };
    let a = compare::run(&escrowlab::attacks::builtins(), &opts).unwrap();
    let b = compare::run(&perturbed_registry(), &opts).unwrap();
    assert_eq!(a.table_markdown(), b.table_markdown());
    assert_eq!(a.to_json(), b.to_json());
}

/// THREAT-MODEL.md's cross-family section is `compare`'s output for the small comparison
/// (regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration compare::threat_model
/// -- --include-ignored`).
#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn threat_model_cross_family_section_is_current() {
    let want = small().threat_model_markdown();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/THREAT-MODEL.md");
    let have = std::fs::read_to_string(&path).unwrap();
    let begin = have
        .find(compare::THREAT_MODEL_BEGIN)
        .expect("THREAT-MODEL.md has the begin marker");
    let end = have
        .find(compare::THREAT_MODEL_END)
        .expect("THREAT-MODEL.md has the end marker")
        + compare::THREAT_MODEL_END.len()
        + 1;
    let section = &have[begin..end.min(have.len())];
    if std::env::var_os("ESCROWLAB_BLESS").is_some() && section != want {
        let new = format!("{}{want}{}", &have[..begin], &have[end.min(have.len())..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        section == want,
        "docs/THREAT-MODEL.md's cross-family section is stale: run `ESCROWLAB_BLESS=1 cargo \
         test --test integration compare::threat_model -- --include-ignored`"
    );
    // The section says what the comparison assumes, and has a paragraph per family.
    assert!(want.contains(&format!("{} users", compare::DEVICE_CANDIDATES)));
    for f in &small().families {
        assert!(want.contains(&format!("**{} (`{}`).**", f.family, f.scheme)));
    }
}

#[test]
fn the_family_paragraphs_follow_the_figures() {
    use escrowlab::runner::loophole::Estimate;
    let est = |v: &[f64]| Estimate::of(v);
    let row = |class, worst: &[f64], base: &[f64], applicable| compare::ClassRow {
        class,
        description: format!("{class:?}"),
        cells: 1,
        applicable,
        worst: est(worst),
        worst_messages: est(worst),
        baseline: est(base),
        baseline_checked: est(&[0.0, 0.0]),
        marginal_risk: est(&worst
            .iter()
            .zip(base)
            .map(|(a, b)| a - b)
            .collect::<Vec<_>>()),
        marginal_risk_checked: est(worst),
        worst_cells: Vec::new(),
    };
    let lawful = compare::LawfulRow {
        utility: est(&[1.0, 1.0]),
        warranted: est(&[10.0, 10.0]),
        cost: Default::default(),
    };
    let scheme = |classes| compare::SchemeRow {
        scheme: "s".into(),
        family: "f".into(),
        classes,
        prospective: lawful.clone(),
        retrospective: lawful.clone(),
        assumption: None,
    };
    // Everyone, added by the mechanism.
    let p = CompareReport::family_paragraph(&scheme(vec![row(
        AttackerClass::Coalition,
        &[1.0, 1.0],
        &[0.0, 0.0],
        true,
    )]));
    assert!(p.contains("the mechanism adds it"), "{p}");
    // Everyone, but shared with plain E2E.
    let p = CompareReport::family_paragraph(&scheme(vec![row(
        AttackerClass::Provider,
        &[1.0, 1.0],
        &[1.0, 1.0],
        true,
    )]));
    assert!(p.contains("not the mechanism's"), "{p}");
    assert!(!p.contains("the mechanism adds it"), "{p}");
    // Nobody reaches everyone.
    let p = CompareReport::family_paragraph(&scheme(vec![
        row(AttackerClass::Seizure, &[0.2, 0.1], &[0.2, 0.1], true),
        row(AttackerClass::Outsider, &[0.05, 0.05], &[0.05, 0.05], true),
        row(AttackerClass::Insider, &[0.0, 0.0], &[0.0, 0.0], false),
    ]));
    assert!(p.contains("does not hold"), "{p}");
    assert!(p.contains("the worst is Seizure"), "{p}");
    assert!(p.contains("no more than plain E2E"), "{p}");
    assert!(p.contains("insider class applies"), "{p}");
}
