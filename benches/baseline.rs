//! The every-device baseline against one pass over every session.
//!
//! Plain E2E's every-device baseline (`endpoint-compromise` once per user, each cell
//! reading the sessions its device is a member of through the per-world member index) over
//! every device of a heavy-tailed world, against one pass over all sessions of the same
//! population: the `key-theft` cell under `single-key`, a thief reading every session once.
//! Both run on already-built base worlds, so world simulation is not counted.
//!
//! Target (issue 21): baseline ÷ one pass ≤ 2. Each session is read once per member by the
//! baseline and once by the pass, so the floor of the ratio is about the mean members per
//! session times (read by a device ÷ read by the thief). `cargo bench --bench baseline`
//! prints the ratio at the end. Speed targets live here, never in tests.

use criterion::Criterion;
use escrowlab::attack::{Params, Registry};
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::loophole::{device_failures, DEVICE_ATTACK};
use escrowlab::runner::{base_worlds, run_cell};
use escrowlab::world::{Model, Population, WorldConfig};
use std::collections::BTreeMap;
use std::time::Instant;

fn population() -> Population {
    Population {
        users: 5_000,
        epochs: 2,
        messages_per_session: 10,
        model: Model::PowerLaw,
        ..Population::default()
    }
}

fn config(scheme: &str) -> WorldConfig {
    WorldConfig {
        scheme: Scheme::load(scheme).expect("built-in scheme"),
        population: population(),
        seed: 42,
        backend: BackendKind::Blsttc,
    }
}

fn main() {
    let registry: Registry = escrowlab::attacks::builtins();
    let device = registry.find(DEVICE_ATTACK).expect("endpoint-compromise");
    let thief = registry.find("key-theft").expect("key-theft");
    let e2e = config("e2e-baseline");
    let e2e_base = base_worlds(&e2e.scheme, &e2e).expect("world");
    let sk = config("single-key");
    let sk_base = base_worlds(&sk.scheme, &sk).expect("world");
    let params = Params::resolve("key-theft", thief.meta().params, &BTreeMap::new()).unwrap();
    // The member index is built on the first baseline; build it outside the timings.
    device_failures(&e2e_base, device).expect("baseline");

    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("every_device_baseline_5000_power_law", |b| {
        b.iter(|| device_failures(&e2e_base, device).expect("baseline"))
    });
    c.bench_function("one_pass_key_theft_5000_power_law", |b| {
        b.iter(|| run_cell(&sk_base, thief, &params, &[]))
    });
    c.final_summary();

    // The ratio, from the fastest of five runs of each (this run, this machine).
    let fastest = |f: &dyn Fn()| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let baseline = fastest(&|| {
        device_failures(&e2e_base, device).expect("baseline");
    });
    let pass = fastest(&|| {
        run_cell(&sk_base, thief, &params, &[]);
    });
    println!(
        "\nevery-device baseline ({} devices, power-law): {baseline:.3} s; one pass over all \
         sessions (key-theft cell): {pass:.3} s; baseline ÷ pass = {:.2} (target ≤ 2)",
        population().users,
        baseline / pass
    );
}
