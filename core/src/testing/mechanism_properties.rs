//! The conformance battery for a mechanism family other than session escrow: the same
//! property names as session escrow's, each run through the [`Mechanism`] trait alone, so
//! a user's own mechanism gets them in one call (`check_scheme`). Properties about agents'
//! shares, audit logs and field binding are session escrow's and say so.
//!
//! [`Mechanism`]: crate::mechanism::Mechanism

use super::WorldSpec;
use crate::attack::context::BaseWorlds;
use crate::backend::BackendKind;
use crate::config::Scheme;
use crate::escrow::court::{Court, SignedWarrant, Warrant};
use crate::mechanism::{CourtKey, Journal, Released};
use crate::relay::read_session;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A warrant case: a target (an index into the active users) and a window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    target: u32,
    from: u32,
    len: u32,
}

pub(crate) fn cases() -> impl Strategy<Value = Case> {
    (any::<u32>(), 0u32..3, 1u32..=3).prop_map(|(target, from, len)| Case { target, from, len })
}

/// What serving one warrant on one world gave.
pub(crate) struct Served {
    pub(crate) in_scope: usize,
    pub(crate) read_in_scope: usize,
    pub(crate) read_out_of_scope: usize,
    pub(crate) released: Vec<u32>,
    pub(crate) warrant: String,
}

fn base(scheme: &Scheme, backend: BackendKind, spec: &WorldSpec) -> Result<BaseWorlds, String> {
    BaseWorlds::build(spec.config(scheme, backend)).map_err(|e| format!("world {spec:?}: {e}"))
}

/// Serves the case's warrant, signed by the world's court or (`wrong_court`) by another
/// court, and measures what law enforcement reads against ground truth.
pub(crate) fn serve(
    scheme: &Scheme,
    backend: BackendKind,
    spec: &WorldSpec,
    case: &Case,
    wrong_court: bool,
) -> Result<Option<Served>, String> {
    let base = base(scheme, backend, spec)?;
    let world = base.finished();
    let active: Vec<u32> = world.active_users().into_iter().collect();
    if active.is_empty() {
        return Ok(None);
    }
    let target = active[case.target as usize % active.len()];
    let epochs = world.epochs();
    let from = case.from.min(epochs.saturating_sub(1));
    let to = (from + case.len - 1).min(epochs.saturating_sub(1));
    let court = base.family_court().ok_or("no court")?;
    let b = world.backend();
    let w = Warrant {
        case_id: format!("conformance-{}", case.target),
        targets: vec![target],
        from_epoch: from,
        to_epoch: to,
        // Prospective: issued when its window opens, served when the run is over.
        issued: u64::from(from) * crate::world::TICKS_PER_EPOCH,
        expires: world.now + crate::lawful::WARRANT_VALIDITY,
        nonce: [7; 16],
        use_limit: 0,
    };
    let judges: Vec<usize> = (0..court.k).collect();
    let signed: SignedWarrant = if wrong_court {
        let other = Court::new(b, court.k, court.n(), [0x5a; 32]).map_err(|e| e.to_string())?;
        other
            .issue(b, w.clone(), &judges)
            .map_err(|e| e.to_string())?
    } else {
        court
            .issue(b, w.clone(), &judges)
            .map_err(|e| e.to_string())?
    };
    let mut d = base.deployment().ok_or("no deployment")?.clone_box();
    let mut journal = Journal::new(None, world.now, epochs);
    let released: Vec<Released> = d
        .serve_dyn(
            &signed,
            &CourtKey {
                public: &court.master_public,
                backend: b,
            },
            &mut journal,
        )
        .map_err(|e| format!("serve failed: {e}"))?;
    let t = &world.transcript;
    let mut in_scope = BTreeSet::new();
    for rec in t.sessions.iter() {
        if w.covers(rec.header.epoch, &rec.header.members) {
            in_scope.extend(rec.messages.clone().map(|i| i as u64));
        }
    }
    let mut claims = Vec::new();
    for r in &released {
        claims.extend(read_session(t, r.session, &r.key));
    }
    let got = world
        .truth()
        .confirm(claims.iter().map(|(i, p)| (*i, p.as_slice())));
    let mut ids: Vec<u32> = released.iter().map(|r| r.session).collect();
    ids.sort_unstable();
    Ok(Some(Served {
        in_scope: in_scope.len(),
        read_in_scope: got.intersection(&in_scope).count(),
        read_out_of_scope: got.difference(&in_scope).count(),
        released: ids,
        warrant: format!("target {target}, epochs {from}..={to}"),
    }))
}
