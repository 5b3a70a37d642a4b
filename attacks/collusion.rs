//! `collusion`: `colluders` agents release decryption shares for every field in the
//! transcript, with no warrant and no audit record, and combine them.

use escrowlab_core::prelude::*;

/// k agents collude without a warrant.
pub struct Collusion;

static META: AttackMeta = AttackMeta {
    id: "collusion",
    title: "Agents collude without a warrant",
    actor: "insiders at several escrow agents",
    capabilities: &[Capability::Intercept, Capability::ActAsAgent],
    description: "At the start of epoch `at_epoch` (default: after the last epoch) agents \
        0..colluders act outside the protocol: each releases its decryption share for every escrow \
        field in the intercepted transcript, with no warrant check and no audit record. The \
        colluders trust one another, so they combine with the crate's raw combine and let the \
        AEAD tag of the wrapped session key confirm the result (one pairing-free check per field \
        instead of a pairing per share), then open the messages. With k colluders every field \
        whose key they still hold opens; fewer than k shares interpolate to a wrong key and the \
        tag rejects it. Epoch keys with short retention limit the damage to the keys still live.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997",
        "Liu, Ryan & Chen, accountable escrow, 2014; Green, Kaptchuk & Van Laer, ARLEAS, 2021",
    ],
    params: &[
        ParamSpec {
            name: "colluders",
            kind: ParamKind::Bounded {
            min: 0,
            max: 64,
            bound: Bound::Agents,
        },
            default: DefaultValue::Int(3),
            doc: "number of colluding agents (agents 0..colluders)",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
            min: -1,
            max: 1000,
            bound: Bound::Epoch,
        },
            default: DefaultValue::Int(-1),
            doc: "epoch at whose start they collude (-1: after the last epoch)",
        },
    ],
};

impl Attack for Collusion {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Coalition, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow key exists");
        }
        let (k, n) = (scheme.k(), scheme.n());
        let colluders = usize::try_from(params.int("colluders")).unwrap_or(0).min(n);
        if colluders < k {
            return Exposure::no(format!(
                "{colluders} of {n} agents collude; {k} shares are needed to open a field"
            ));
        }
        if let Some(no) = crate::common::breach_before_any_key(scheme, params.int("at_epoch")) {
            return no;
        }
        Exposure::yes(format!(
            "{colluders} of {n} agents collude, {k} needed: nothing binds a release to a record someone else checks"
        ))
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        if !ctx.require_escrow() {
            return Ok(out);
        }
        let info = ctx.info();
        let colluders = (params.int("colluders") as usize).min(info.n);
        match params.int("at_epoch") {
            -1 => ctx.advance_to_end()?,
            e => ctx.advance_to(e as u32)?,
        }
        let transcript = ctx.intercept().clone();
        let (mut opened, mut no_key, mut failed, mut shares_released) =
            (0usize, 0usize, 0usize, 0usize);
        // One field per session under the hash ratchet; one per chain under a chain
        // protocol, each opening its own chain. The figures count sessions: a session is
        // opened when any of its fields opened, its key destroyed when no field got a share,
        // and its combine failed when shares came back but no field opened.
        for rec in &transcript.sessions {
            let (mut any, mut any_share) = (false, false);
            for field in transcript.fields(rec.header.session) {
                let shares: Vec<(usize, Vec<u8>)> = (0..colluders)
                    .filter_map(|i| ctx.act_as_agent(i, &field).map(|s| (i, s)))
                    .collect();
                shares_released += shares.len();
                if shares.is_empty() {
                    continue;
                }
                any_share = true;
                if let Some(sk) = ctx.combine_trusted_shares(&rec.header, &field, &shares) {
                    any = true;
                    out.recovered
                        .extend(read_session(&transcript, rec.header.session, &sk));
                }
            }
            opened += usize::from(any);
            no_key += usize::from(!any_share);
            failed += usize::from(any_share && !any);
        }
        // The rest of the run happens without them (so every cell measures the same world).
        ctx.advance_to_end()?;
        out.figure("colluders", colluders as f64);
        out.figure("shares_released", shares_released as f64);
        out.figure("sessions_opened", opened as f64);
        out.figure("sessions_key_destroyed", no_key as f64);
        out.figure("sessions_combine_failed", failed as f64);
        if opened > 0 {
            out.notes.push(format!(
                "{} opened with no warrant and no audit record; {no_key} {} escrowed to keys already destroyed",
                escrowlab_core::text::count(opened, "session", "sessions"),
                escrowlab_core::text::plural(no_key, "was", "were")
            ));
        }
        Ok(out)
    }
}
