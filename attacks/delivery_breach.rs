//! `delivery-breach`: an intruder inside the lawful-access interface's delivery side (Salt
//! Typhoon, 2024, "copying of information subject to court-ordered requests"). Under
//! session escrow that side is the combiner's output: the plaintext of the sessions the
//! served warrants covered.

use escrowlab_core::prelude::*;

/// Lawful-access delivery breach.
pub struct DeliveryBreach;

static META: AttackMeta = AttackMeta {
    id: "delivery-breach",
    title: "Breach of the lawful-access delivery side",
    actor: "intruder inside the provider's or agency's lawful-intercept systems",
    capabilities: &[Capability::BreachInterface],
    description: "From the start of epoch `at_epoch` the intruder sits in the lawful-access \
        interface: it reads the warrant store (the docket, as `interface-breach` does) and \
        copies what lawful access delivers for the standing warrants from then on, the \
        combiner's output under session escrow. Law enforcement serves every standing \
        warrant over the epochs since the intruder got in; the agents check each request as \
        always and the combiner opens what they release. The intruder reads exactly what \
        was lawfully delivered: the warrant targets' traffic, a docket and content leak, \
        and nothing a warrant did not cover. Where the design has no combiner (no session \
        escrow) there is no such delivery to copy.",
    references: &[
        "FBI and CISA, Joint statement on PRC-affiliated telecommunications infrastructure compromise (13 Nov 2024)",
        "Landau, Surveillance or Security? (2010), on CALEA interfaces as targets",
    ],
    params: &[ParamSpec {
        name: "at_epoch",
        kind: ParamKind::Bounded {
            min: 0,
            max: 1000,
            bound: Bound::Epoch,
        },
        default: DefaultValue::Int(1),
        doc: "epoch at whose start the intruder gets in",
    }],
};

impl Attack for DeliveryBreach {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Outsider,
            &[(
                "at_epoch",
                Scale::Fixed(0, "from the first epoch: a later start copies a subset"),
            )],
        )
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        match scheme.family() {
            "session-escrow" if scheme.custody.kind == CustodyKind::None => {
                Exposure::no("no lawful access: there is no interface and no delivery")
            }
            "session-escrow" => Exposure::yes(
                "the combiner's output holds the plaintext lawfully delivered for the served warrants",
            ),
            "ghost-user" => Exposure::yes(
                "the warrant store holds the docket; a tap delivers to law enforcement's own key, \
                 with no combiner output to copy (interface-breach's own taps read the targets)",
            ),
            _ => Exposure::no("no lawful-access interface under this mechanism"),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        let at = (params.int("at_epoch") as u32).min(info.epochs);
        ctx.advance_to(at)?;
        let store = ctx.breach_interface();
        let mut targets: BTreeSet<u32> = BTreeSet::new();
        for w in &store {
            targets.extend(w.warrant.targets.iter().copied());
        }
        for t in &targets {
            out.claim_target(*t);
        }
        out.figure("warrants_read", store.len() as f64);
        // All traffic up to the last epoch; deliveries are copied as they are made.
        ctx.advance_to(info.epochs)?;
        let delivered = ctx.breach_delivery(at);
        out.figure("messages_delivered", delivered.len() as f64);
        for (id, plaintext) in &delivered {
            out.recovered.push(*id, plaintext);
        }
        ctx.advance_to_end()?;
        Ok(out)
    }
}
