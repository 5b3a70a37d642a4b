//! `client-key-extraction`: the `signed` (and `checksum`) binding keys the recipients' check
//! with one family key that every client holds. A software messenger has no tamper-proof
//! chip: a rogue sender reads the key out of its own client's memory and computes a valid
//! check for any forged field, so every forgery passes in one try.

use crate::field_forgery::sign_field;
use escrowlab_core::escrow::field::chip_check;
use escrowlab_core::prelude::*;

/// Family-key extraction from a software client, then forgery in one try.
pub struct ClientKeyExtraction;

static META: AttackMeta = AttackMeta {
    id: "client-key-extraction",
    title: "Family key extracted from a software client",
    actor: "rogue sender with its own software client",
    capabilities: &[Capability::ControlClient],
    description: "A user who wants its sessions accepted by honest recipients but unreadable by \
        law enforcement controls its own client, a software messenger with no tamper-proof \
        chip, and reads the family key the recipients' field check is keyed with out of the \
        client's memory. For each of `trials` sessions of its own (a header it makes up, a \
        fresh session key) it builds a bogus escrow field (random threshold ciphertext and \
        wrapped key, so nobody can ever open it), computes its check with the extracted key \
        (one try), signs it with its own identity key and shows it to an honest recipient's \
        full check. Against `signed` and `checksum` bindings every forgery passes; a field \
        the recipient recomputes from the session key (`recompute`) has no key to extract.",
    references: &[
        "Blaze, Protocol Failure in the Escrowed Encryption Standard, 1994 (the family key in every chip)",
        "Abelson et al., Keys Under Doormats, 2015 (escrow in software clients)",
    ],
    params: &[ParamSpec {
        name: "trials",
        kind: ParamKind::Int { min: 1, max: 10_000 },
        default: DefaultValue::Int(16),
        doc: "forged sessions",
    }],
};

impl Attack for ClientKeyExtraction {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[(
                "trials",
                Scale::Fixed(
                    16,
                    "sessions of its own the evading client forges: it reads nothing of anyone else",
                ),
            )],
        )
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there is no field to forge");
        }
        match scheme.field.binding {
            Binding::None => Exposure::yes("no binding: any bytes pass as a field"),
            Binding::Checksum | Binding::Signed => Exposure::yes(
                "the family key sits in every software client: extracted once, a forged field \
                 passes in one try",
            ),
            Binding::Recompute => Exposure::no(
                "recipients recompute the field from the session key: there is no key to extract",
            ),
        }
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        crate::common::one_try_per_trial(scheme, params)
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            out.notes
                .push("plain end-to-end encryption: there is no escrow field to forge".into());
            return Ok(out);
        }
        ctx.advance_to(1)?;
        let rule =
            BindingRule::from_scheme(info.scheme.field.binding, info.scheme.field.checksum_bits);
        let bits = rule.check_bits();
        let trials = params.int("trials").max(1) as u32;
        let mut rng = ctx.rng("client-key-extraction");
        let sender = rng.gen_range(0..info.users);
        let peer = (sender + 1 + rng.gen_range(0..info.users - 1)) % info.users;
        ctx.control_client_in(sender, RogueMode::Garbage, BTreeSet::new());
        let identity = ctx.client_identity(sender);
        let family_key = ctx.extract_family_key();
        let key_epoch = crate::common::newest_key_epoch(ctx);
        let epoch = ctx.epoch();
        let mut members = vec![sender, peer];
        members.sort_unstable();
        let mut accepted = 0u32;
        let mut refusal = None;
        for t in 0..trials {
            let (header, session_key, mut field) =
                crate::common::own_forged_session(&mut rng, t, epoch, key_epoch, sender, &members);
            // One try: the check computed with the extracted key.
            ctx.count_tries(1);
            if let Some(k) = &family_key {
                field.check = chip_check(k, &session_key, &field, bits);
            }
            if rule.agent_verifiable() {
                if let Some(id) = &identity {
                    field.sig = sign_field(id, &header, &field);
                }
            }
            match ctx.recipient_accepts(&header, &session_key, &field) {
                Ok(()) => accepted += 1,
                Err(Error::Refused { reason, .. }) => refusal = Some(reason),
                Err(e) => return Err(e),
            }
        }
        out.figure("trials", f64::from(trials));
        out.figure("tries_mean", 1.0);
        out.figure("accepted_fraction", f64::from(accepted) / f64::from(trials));
        out.figure(
            "key_extracted",
            if family_key.is_some() { 1.0 } else { 0.0 },
        );
        if accepted > 0 {
            out.notes.push(format!(
                "{} accepted by an honest recipient, each on its first try; their fields are \
                 random bytes, so law enforcement can never open them",
                escrowlab_core::text::count(
                    u64::from(accepted),
                    "forged session",
                    "forged sessions"
                )
            ));
        }
        if let Some(reason) = refusal {
            out.notes
                .push(format!("recipient refused the forged field: {reason}"));
        }
        out.notes.push(
            "exposure is 0 by design: the attack hides the sender's own traffic, it reads no one's"
                .into(),
        );
        Ok(out)
    }
}
