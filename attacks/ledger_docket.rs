//! `ledger-docket`: an observer reads the public ledger and names who is under a warrant.
//! A record names the sessions accessed under a warrant; a session's members are in the
//! header the relay carries (passive interception, assumed from the start, as for every
//! other attack), and any member of a session knows its id. The users common to every
//! session of one record are the warrant's target.

use escrowlab_core::mechanism::public_ledger::{LedgerDeployment, LedgerRequest, LedgerResponse};
use escrowlab_core::prelude::*;

/// Docket exposure through the public ledger.
pub struct LedgerDocket;

static META: AttackMeta = AttackMeta {
    id: "ledger-docket",
    title: "Observer reading the public ledger's docket",
    actor: "anyone: a journalist, a target's contact, a foreign service",
    capabilities: &[Capability::ReadPublic, Capability::Intercept],
    description: "Reads every record on the public ledger (free: publishing them is the \
        design) and links each session id a record names to the session's members through \
        the headers the relay carries (passive interception, which every attack is assumed \
        to have; a member of a session knows its id without it). The users in every session \
        of one record are named as that warrant's target (all of them when a record covers \
        one conversation only). The runner judges the names against the standing docket \
        (recall, precision, F1). Under `record_ids = \"committed\"` a record names its \
        sessions by SHA-256(salt ‖ id) with a salt the public never sees: the observer \
        tries every session id of the transcript against each commitment without the salt, \
        and links none.",
    references: &[
        "Green, Kaptchuk and Van Laer, Abuse Resistant Law Enforcement Access Systems, EUROCRYPT (2021)",
        "Frankle, Park, Shaar, Goldwasser & Weitzner, Practical Accountability of Secret Processes, USENIX Security (2018)",
    ],
    params: &[],
};

impl Attack for LedgerDocket {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Outsider, &[])
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "public-ledger") {
            return no;
        }
        let committed = scheme
            .mechanism
            .as_ref()
            .and_then(|m| m.params.get("record_ids"))
            == Some(&ParamValue::Str("committed".into()));
        if committed {
            Exposure::no("records publish salted commitments of session ids: nothing links them")
        } else {
            Exposure::yes("records publish session ids in clear: their members are the docket")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, _params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let LedgerResponse::Records(records) =
            ctx.request::<LedgerDeployment>(LedgerRequest::Read)?
        else {
            return Ok(out);
        };
        let members: BTreeMap<u32, Vec<u32>> = ctx
            .intercept()
            .sessions
            .iter()
            .map(|r| (r.header.session, r.header.members.clone()))
            .collect();
        // Without a record's salt, the only test of a commitment is a guess of it: every
        // session id hashed with no salt.
        let unsalted: BTreeMap<[u8; 32], u32> = members
            .keys()
            .map(|s| {
                (
                    escrowlab_core::mechanism::public_ledger::session_commitment(&[0; 32], *s),
                    *s,
                )
            })
            .collect();
        let mut published = 0usize;
        let mut linked = 0usize;
        for r in &records {
            let mut ids: Vec<u32> = r.sessions.clone();
            ids.extend(
                r.commitments
                    .iter()
                    .filter_map(|c| unsalted.get(c).copied()),
            );
            published += r.sessions.len() + r.commitments.len();
            let mut common: Option<BTreeSet<u32>> = None;
            for s in &ids {
                let Some(m) = members.get(s) else { continue };
                linked += 1;
                let m: BTreeSet<u32> = m.iter().copied().collect();
                common = Some(match common {
                    None => m,
                    Some(c) => c.intersection(&m).copied().collect(),
                });
            }
            out.docket.extend(common.unwrap_or_default());
        }
        out.figure("records_read", records.len() as f64);
        out.figure("sessions_published", published as f64);
        out.figure("sessions_linked", linked as f64);
        out.notes.push(format!(
            "read {} ledger {}: linked {linked} of {published} published sessions to their \
             members and named {} {}",
            records.len(),
            escrowlab_core::text::plural(records.len(), "record", "records"),
            out.docket.len(),
            escrowlab_core::text::plural(out.docket.len(), "user", "users"),
        ));
        Ok(out)
    }
}
