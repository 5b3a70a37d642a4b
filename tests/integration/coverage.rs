//! Coverage: how many devices plain E2E must lose to expose 50 %, 90 % and 100 % of the
//! active users (greedy set cover over the devices' measured exposures).

use escrowlab::runner::loophole::{run, Coverage, LoopholeOptions};
use escrowlab::world::{Model, Population};

#[test]
fn greedy_cover_of_known_shapes() {
    // A star: the centre's device exposes everyone.
    let mut star: Vec<Vec<u32>> = (1..10).map(|u| vec![0, u]).collect();
    star.insert(0, (0..10).collect());
    let c = Coverage::greedy(&star);
    assert_eq!(
        (c.users, c.devices_50, c.devices_90, c.devices_100),
        (10, 1, 1, 1)
    );
    // Disjoint pairs: every device adds two users.
    let pairs: Vec<Vec<u32>> = (0..20).map(|i| vec![2 * i, 2 * i + 1]).collect();
    let c = Coverage::greedy(&pairs);
    assert_eq!(
        (c.users, c.devices_50, c.devices_90, c.devices_100),
        (40, 10, 18, 20)
    );
    // Nothing to cover.
    assert_eq!(Coverage::greedy(&[vec![], vec![]]), Coverage::default());
}

#[test]
fn loophole_reports_coverage_per_model_in_order() {
    let registry = escrowlab::attacks::builtins();
    let mut opts = LoopholeOptions::defaults();
    opts.sizes = vec![60, 120];
    opts.seeds = 2;
    opts.epochs = 1;
    opts.messages_per_session = 2;
    opts.schemes.truncate(1);
    opts.shapes = [Model::Uniform, Model::PowerLaw]
        .map(|model| Population {
            model,
            ..Population::default()
        })
        .to_vec();
    let report = run(&registry, &opts).unwrap();
    assert_eq!(report.results.len(), 4);
    for r in &report.results {
        let e = &r.e2e;
        for (d50, d90, d100, users) in e
            .devices_for_50
            .per_seed
            .iter()
            .zip(&e.devices_for_90.per_seed)
            .zip(&e.devices_for_100.per_seed)
            .zip(&e.users_total.per_seed)
            .map(|(((a, b), c), u)| (*a, *b, *c, *u))
        {
            assert!(
                1.0 <= d50 && d50 <= d90 && d90 <= d100,
                "{d50} {d90} {d100}"
            );
            // Fewer devices than active users: a device exposes its peers too.
            assert!(d100 < users, "{d100} of {users}");
        }
    }
    // One growth exponent per model and scheme, with an interval (4 points, 2 df).
    assert_eq!(report.growth.len(), 2);
    for g in &report.growth {
        assert_eq!(g.points, 4);
        let [lo, hi] = g.ci95.expect("an interval");
        assert!(lo <= g.exponent && g.exponent <= hi);
    }
    let text = report.to_text();
    assert!(text.contains("greedy"), "{text}");
    assert!(text.contains("Growth of the ratio"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["results"][2]["model"], "power-law");
    assert!(json["results"][0]["e2e"]["devices_for_90"]["mean"].is_number());
}
