//! `warrant-forgery`: steal court key material, sign a warrant for everyone and everything,
//! and have the agents comply.

use super::agent_api::{combine_fast, refusal_controls};
use escrowlab_core::lawful::WARRANT_VALIDITY;
use escrowlab_core::prelude::*;
use escrowlab_core::world::TICKS_PER_EPOCH;

/// Warrant forgery with a stolen court key.
pub struct WarrantForgery;

static META: AttackMeta = AttackMeta {
    id: "warrant-forgery",
    title: "Warrant forgery with a stolen court key",
    actor: "thief of the court's signing key (or of some judges' keys)",
    capabilities: &[Capability::Intercept, Capability::StealCourtKey, Capability::SubmitRequest],
    description: "At the end of the run, steals the keys of judges 0..judges_stolen. With a single \
        court key that is the key; with a k-of-n court, k judges' keys are interpolated at zero into \
        the court's secret (kept only if its public key is the pinned court key), and fewer than k \
        give only a judge's share, with which the thief signs as if it were the key. It signs a \
        warrant naming every user over every epoch with a far expiry and no use limit, requests \
        `sessions` intercepted sessions drawn at random (0 = every one; the warrant covers them \
        all, the bound only keeps the agents' pairing work small) from the agents one by one until \
        k have served, combines the shares (the AEAD tag checks the result) and reads. Agents refuse a signature that does not verify against the pinned court key \
        (`signature`; the pinned key is also checked not to be the identity point, the sharp edge \
        where any signature verifies). The theft leaves no trace, but the agents' granted records \
        name a warrant the court never docketed: comparing audit logs with the docket (`docket-audit`) \
        reveals it. Epoch keys with short retention limit the damage to the live keys.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997, §3.4",
        "Boneh, Lynn, Shacham, Short signatures from the Weil pairing, 2001 (BLS)",
        "Boldyreva, Threshold signatures, multisignatures and blind signatures, 2003",
    ],
    params: &[
        ParamSpec {
            name: "judges_stolen",
            kind: ParamKind::Bounded {
            min: 1,
            max: 64,
            bound: Bound::Judges,
        },
            default: DefaultValue::Int(1),
            doc: "judges whose keys are stolen (judges 0..judges_stolen; 1 = the whole key of a single court)",
        },
        ParamSpec {
            name: "sessions",
            kind: ParamKind::Int { min: 0, max: 1_000_000 },
            default: DefaultValue::Int(40),
            doc: "intercepted sessions requested under the forged warrant, drawn at random (0 = every session; \
                  each costs every serving agent a ciphertext verification, two pairings)",
        },
    ],
};

impl Attack for WarrantForgery {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Coalition,
            &[("sessions", Scale::Every { cap: 1_000_000 })],
        )
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there is no court");
        }
        if !scheme.warrant.check_signature {
            return Exposure::yes(
                "agents do not check the court's signature: any warrant is accepted",
            );
        }
        let stolen = usize::try_from(params.int("judges_stolen")).unwrap_or(0);
        match scheme.court_kn() {
            (1, _) => Exposure::yes("one court key: whoever holds it signs any warrant"),
            (k, n) if stolen.min(n) >= k => Exposure::yes(format!(
                "{} of a {k}-of-{n} court: enough to rebuild the court key",
                escrowlab_core::text::count(stolen.min(n), "judge's key", "judges' keys")
            )),
            (k, n) => Exposure::no(format!(
                "{k}-of-{n} court: {} signs nothing the agents accept",
                escrowlab_core::text::count(stolen.min(n), "judge's key", "judges' keys")
            )),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            return Ok(out);
        }
        let Some(court_public) = ctx.court_public() else {
            return Ok(out);
        };
        ctx.advance_to_end()?;
        let (court_k, court_n) = info.scheme.court_kn();
        let stolen = (params.int("judges_stolen") as usize).min(court_n);
        let mut keys = Vec::new();
        for j in 0..stolen {
            if let Some(s) = ctx.steal_court_key(j) {
                keys.push((j, s));
            }
        }
        out.figure("judges_stolen", keys.len() as f64);
        let b = ctx.backend();
        // The signing scalar: the court key itself, rebuilt from k judges, or (short of k)
        // one judge's share used as if it were the key.
        let secret = if court_k == 1 {
            keys.first().map(|(_, s)| s.clone())
        } else {
            b.interpolate_at_zero(&keys)
                .ok()
                .filter(|s| b.public_key_of_scalar(s).ok().as_deref() == Some(&court_public[..]))
                .or_else(|| keys.first().map(|(_, s)| s.clone()))
        };
        let Some(secret) = secret else {
            return Ok(out);
        };
        let whole_key = b.public_key_of_scalar(&secret)? == court_public;
        out.figure("court_key_recovered", if whole_key { 1.0 } else { 0.0 });
        let mut rng = ctx.rng("forgery");
        let now = ctx.now();
        let warrant = Warrant {
            case_id: "forged".into(),
            targets: (0..info.users).collect(),
            from_epoch: 0,
            to_epoch: info.epochs.saturating_sub(1),
            issued: now,
            expires: now + WARRANT_VALIDITY + 1000 * TICKS_PER_EPOCH,
            nonce: rng.gen(),
            use_limit: 0,
        };
        let signature = b.sign_with_scalar(&secret, &warrant.encode())?;
        let signed = SignedWarrant { warrant, signature };
        let transcript = ctx.intercept().clone();
        let mut sessions: Vec<u32> = transcript
            .sessions
            .iter()
            .filter(|s| s.field.is_some())
            .map(|s| s.header.session)
            .collect();
        out.figure("sessions_covered", sessions.len() as f64);
        let want = params.int("sessions") as usize;
        if want > 0 && want < sessions.len() {
            sessions.shuffle(&mut rng);
            sessions.truncate(want);
            sessions.sort_unstable();
        }
        out.figure("sessions_requested", sessions.len() as f64);
        let bytes = ctx.build_request(&signed, &sessions, "forger", rng.gen());
        // Agents one at a time, until k of them have served something.
        let mut responses = Vec::new();
        for i in 0..info.n {
            if let Some(r) = ctx.submit_request(i, &bytes, 1) {
                responses.push(r);
            }
            let serving = responses
                .iter()
                .filter(|r| r.items().iter().any(|o| o.is_ok()))
                .count();
            if serving >= info.k {
                break;
            }
        }
        out.figure("agents_asked", responses.len() as f64);
        let controls = refusal_controls(&responses);
        let (plaintexts, opened) = combine_fast(ctx, &sessions, &responses);
        out.figure("sessions_read", opened as f64);
        if !controls.is_empty() {
            out.notes
                .push(format!("controls that refused: {}", controls.join(", ")));
        }
        out.recovered = plaintexts.into();
        Ok(out)
    }
}
