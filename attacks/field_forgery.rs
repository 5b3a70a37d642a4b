//! `field-forgery`: a rogue sender forges an escrow field an honest recipient accepts but
//! law enforcement cannot open (Blaze's attack on the Clipper LEAF, 1994).

use escrowlab_core::escrow::field::truncate_bits;
use escrowlab_core::prelude::*;

/// Clipper LEAF forgery by brute force through the sender's own chip.
pub struct FieldForgery;

static META: AttackMeta = AttackMeta {
    id: "field-forgery",
    title: "Escrow field forgery (Clipper LEAF)",
    actor: "rogue sender talking to an honest recipient",
    capabilities: &[Capability::ControlClient],
    description: "A user who wants its sessions accepted by honest recipients but unreadable by law \
        enforcement controls its own client. For each of `trials` sessions of its own (a header it \
        makes up, a fresh session key), it builds a bogus escrow field (random threshold ciphertext \
        and wrapped key, so nobody can ever open it) and brute-forces random check values through \
        its own chip, which tells it whether an honest recipient's chip would accept the field, \
        until one passes or `max_tries` runs out; a passing field is then shown to the full \
        recipient check. With a k-bit checksum this costs about 2^k tries; a 256-bit chip check \
        with a signature (`signed`) is out of reach, and a field the recipient recomputes from the \
        session key (`recompute`) cannot be forged at all. `bits` runs the experiment with chips \
        that check that many bits (a variant of a checksum scheme).",
    references: &[
        "Blaze, Protocol Failure in the Escrowed Encryption Standard, 1994",
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997",
    ],
    params: &[
        ParamSpec { name: "trials", kind: ParamKind::Int { min: 1, max: 100_000 }, default: DefaultValue::Int(16), doc: "forged sessions" },
        ParamSpec {
            name: "bits",
            kind: ParamKind::Int { min: 0, max: 24 },
            default: DefaultValue::Int(0),
            doc: "chip check width (0: the scheme's own; 1..=24: a variant of a checksum scheme)",
        },
        ParamSpec {
            name: "max_tries",
            kind: ParamKind::Int { min: 1, max: 1 << 30 },
            default: DefaultValue::Int(1 << 20),
            doc: "oracle calls allowed per forged session",
        },
    ],
};

/// Trials run when the binding is out of brute-force reach (a 256-bit check) or needs a
/// backend encryption per check (`recompute`): more would show nothing new.
const UNREACHABLE_TRIALS: i64 = 1;
/// Trials run against `recompute` (one full recipient check each).
const RECOMPUTE_TRIALS: i64 = 4;

impl Attack for FieldForgery {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[("trials", Scale::Fixed(16, "sessions of its own the evading client forges: it reads nothing of anyone else")), ("bits", Scale::Fixed(0, "no puzzle bits: the cheapest forgery")), ("max_tries", Scale::Work)],
        )
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there is no field to forge");
        }
        match scheme.field.binding {
            Binding::None => Exposure::yes("no binding: any bytes pass as a field"),
            Binding::Checksum => {
                let bits = match params.int("bits") {
                    0 => scheme.field.checksum_bits as i64,
                    b => b,
                };
                Exposure::yes(format!(
                    "{} {bits}-bit chip check: about 2^{bits} tries through the sender's own chip",
                    escrowlab_core::text::article_for_number(bits.unsigned_abs())
                ))
            }
            Binding::Signed => {
                Exposure::no("a 256-bit chip check and a signature: out of brute-force reach")
            }
            Binding::Recompute => {
                Exposure::no("recipients recompute the field from the session key")
            }
        }
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        if scheme.custody.kind == CustodyKind::None {
            return 0;
        }
        let max_tries = params.int("max_tries").max(1) as u64;
        let trials = params.int("trials").max(1) as u64;
        let bits = match (scheme.field.binding, params.int("bits")) {
            (Binding::Checksum, b) if b > 0 => b as u32,
            _ => BindingRule::from_scheme(scheme.field.binding, scheme.field.checksum_bits)
                .check_bits(),
        };
        match scheme.field.binding {
            Binding::Recompute => RECOMPUTE_TRIALS as u64,
            _ if bits > 64 => UNREACHABLE_TRIALS as u64 * max_tries,
            // A trial ends at its first pass: 2^bits tries on average, rarely past twice that.
            _ => trials.saturating_mul(max_tries.min(2u64 << bits.min(62))),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            out.notes
                .push("plain end-to-end encryption: there is no escrow field to forge".into());
            return Ok(out);
        }
        // Epoch 0's traffic has happened, so every scheme (also epoch keys) has a live key.
        ctx.advance_to(1)?;
        let bits_param = params.int("bits") as u32;
        if bits_param > 0 {
            if ctx.set_chip_bits(bits_param) {
                out.notes.push(format!(
                    "scheme variant: client chips check {bits_param} bits instead of the scheme's {}",
                    info.scheme.field.checksum_bits
                ));
            } else {
                out.notes.push(format!(
                    "bits = {bits_param} ignored: the scheme's binding is not a checksum"
                ));
            }
        }
        let rule = BindingRule::from_scheme(
            ctx.info().scheme.field.binding,
            ctx.info().scheme.field.checksum_bits,
        );
        let bits = rule.check_bits();
        let mut trials = params.int("trials");
        if rule == BindingRule::Recompute && trials > RECOMPUTE_TRIALS {
            trials = RECOMPUTE_TRIALS;
            out.notes.push(format!("recompute: {RECOMPUTE_TRIALS} trials, one full recipient check (a backend encryption) each"));
        } else if bits > 64 && trials > UNREACHABLE_TRIALS {
            trials = UNREACHABLE_TRIALS;
            out.notes.push(format!(
                "a {bits}-bit check is out of reach: one trial's budget shows it (further trials would repeat it)"
            ));
        }
        let max_tries = params.int("max_tries") as u64;
        let mut rng = ctx.rng("forgery");
        let sender = rng.gen_range(0..info.users);
        let peer = (sender + 1 + rng.gen_range(0..info.users - 1)) % info.users;
        // The attacker's own client, used for its own made-up sessions only: its real
        // conversations are untouched.
        ctx.control_client_in(sender, RogueMode::Garbage, BTreeSet::new());
        let identity = ctx.client_identity(sender);
        let key_epoch = crate::common::newest_key_epoch(ctx);
        let epoch = ctx.epoch();
        let mut members = vec![sender, peer];
        members.sort_unstable();

        let mut tries_total = 0u64;
        // Tries of every trial, for the spread (min, median, max) next to the mean.
        let mut per_trial: Vec<u64> = Vec::with_capacity(trials as usize);
        let mut accepted = 0u64;
        let mut refusal: Option<(String, String)> = None;
        for t in 0..trials as u32 {
            // A session of the attacker's own: a made-up header and a fresh session key.
            let (header, session_key, mut field) =
                crate::common::own_forged_session(&mut rng, t, epoch, key_epoch, sender, &members);
            let mut passed = false;
            let mut tries = 0u64;
            if rule == BindingRule::Recompute {
                // The chip checks nothing here; the recipient's recomputation is the check.
                tries = 1;
                ctx.count_tries(1);
                passed = true;
            } else {
                while tries < max_tries {
                    let mut c = [0u8; 32];
                    rng.fill(&mut c);
                    field.check = truncate_bits(&c, bits);
                    tries += 1;
                    if ctx.chip_oracle(&session_key, &field) {
                        passed = true;
                        break;
                    }
                }
            }
            tries_total += tries;
            per_trial.push(tries);
            // A rogue sender signs its forged field with its own identity key.
            if rule.agent_verifiable() {
                if let Some(id) = &identity {
                    field.sig = sign_field(id, &header, &field);
                }
            }
            // What the honest recipient does with the session.
            match ctx.recipient_accepts(&header, &session_key, &field) {
                Ok(()) if passed => accepted += 1,
                Ok(()) => {}
                Err(Error::Refused { control, reason }) => {
                    refusal = Some((control.to_string(), reason))
                }
                Err(e) => return Err(e),
            }
        }
        out.figure("trials", trials as f64);
        out.figure("tries_mean", tries_total as f64 / trials as f64);
        out.figure("accepted_fraction", accepted as f64 / trials as f64);
        per_trial.sort_unstable();
        if let (Some(&lo), Some(&hi)) = (per_trial.first(), per_trial.last()) {
            let mid = per_trial.len() / 2;
            let median = if per_trial.len() % 2 == 1 {
                per_trial[mid] as f64
            } else {
                (per_trial[mid - 1] + per_trial[mid]) as f64 / 2.0
            };
            out.figure("tries_min", lo as f64);
            out.figure("tries_median", median);
            out.figure("tries_max", hi as f64);
        }
        out.note(format!(
            "the recipient's check compares {}",
            escrowlab_core::text::count(bits, "bit", "bits")
        ));
        if accepted > 0 {
            out.notes.push(format!(
                "{} accepted by an honest recipient; their fields are random bytes, so law \
                 enforcement can never open them (no lawful decryption attempted: there is nothing to decrypt)",
                escrowlab_core::text::count(accepted, "forged session", "forged sessions")
            ));
        }
        if let Some((_control, reason)) = refusal {
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

/// The rogue sender's own signature over its forged field (as an honest client signs).
pub(crate) fn sign_field(
    id: &ed25519_dalek::SigningKey,
    header: &SessionHeader,
    field: &EscrowField,
) -> Vec<u8> {
    use ed25519_dalek::Signer;
    id.sign(&field.signed_message(header)).to_bytes().to_vec()
}
