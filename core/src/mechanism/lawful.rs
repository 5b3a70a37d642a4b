//! Lawful access end to end through the [`Mechanism`](super::Mechanism) trait, for any
//! family (session escrow included: `escrowlab lawful-access` uses it for every other
//! family, and keeps session escrow's own flow, with its refusal probes, for session
//! escrow): the court signs a scoped warrant, the deployment serves it, and law
//! enforcement reads the released sessions from the relay's transcript. What it read is confirmed against ground truth
//! and split into in and out of the warrant's scope by the runner, not the mechanism.

use super::{CourtKey, Journal};
use crate::attack::context::BaseWorlds;
use crate::error::Result;
use crate::escrow::court::Warrant;
use crate::lawful::LawfulReport;
use crate::relay::read_session;
use crate::seed;
use crate::world::WorldConfig;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;

/// Runs the demonstration for a family scheme.
///
/// # Errors
/// World construction and deployment errors.
pub fn demonstrate(config: WorldConfig) -> Result<LawfulReport> {
    config.cost().lawful(2.0).within_budget(
        &format!("lawful access under {}", config.scheme.name),
        crate::config::budget::LOWER_WORLD,
    )?;
    crate::progress::stage(
        "lawful-access (simulating)",
        crate::progress::Unit::Epochs,
        u64::from(config.population.epochs),
    );
    let base = BaseWorlds::build(config.clone())?;
    crate::progress::stage(
        "lawful-access (serving the warrant)",
        crate::progress::Unit::None,
        0,
    );
    let info = base.mechanism().info();
    let world = base.finished();
    let epochs = world.epochs();
    let mut report = LawfulReport::empty(&config, world, info);
    let mut rng = seed::rng(config.seed, "lawful-target", &[]);
    let candidates: Vec<u32> = world.active_users().into_iter().collect();
    let Some(&target) = candidates.choose(&mut rng) else {
        report.note = Some("no user sent any message".into());
        return Ok(report);
    };
    // The same window as session escrow's own flow: the last epochs whose keys are kept.
    let span = if config.scheme.custody.lifetime == crate::config::scheme::Lifetime::Epoch {
        config.scheme.custody.retention.max(1)
    } else {
        2
    };
    let window = [epochs.saturating_sub(span), epochs.saturating_sub(1)];
    report.target = Some(target);
    report.window = Some(window);
    let Some(court) = base.family_court().or(world.escrow.court.as_ref()) else {
        report.note = Some(format!(
            "scheme `{}` has no court: there is no lawful access to serve",
            config.scheme.name
        ));
        return Ok(report);
    };
    let backend = world.escrow.b();
    let now = world.now;
    let warrant = Warrant {
        case_id: format!("case-{}-1", config.seed),
        targets: vec![target],
        from_epoch: window[0],
        to_epoch: window[1],
        // Issued when its window opens (a prospective warrant: a ghost is inserted then),
        // executed when the window has closed (a phone seized then holds all of it).
        issued: u64::from(window[0]) * crate::world::TICKS_PER_EPOCH,
        expires: now + crate::lawful::WARRANT_VALIDITY,
        nonce: seed::derive(config.seed, "nonce", &[1])[..16]
            .try_into()
            .unwrap_or([0; 16]),
        use_limit: config.scheme.warrant.use_limit,
    };
    let judges: Vec<usize> = (0..court.k).collect();
    let signed = court.issue(backend, warrant.clone(), &judges)?;
    let mut deployment = match base.deployment() {
        Some(d) => d.clone_box(),
        // Session escrow's deployment is the world itself: made when asked for.
        None => base.mechanism().deploy(
            &super::DeployView::new(world, None, Vec::new()),
            &super::params_of(&config.scheme)?,
        )?,
    };
    let mut journal = Journal::new(None, now, epochs);
    let released = deployment.serve_dyn(
        &signed,
        &CourtKey {
            public: &court.master_public,
            backend,
        },
        &mut journal,
    )?;
    // Read what was released, confirm it, and split it by the warrant's scope.
    let transcript = &world.transcript;
    let mut in_scope_ids = BTreeSet::new();
    for rec in transcript.sessions.iter() {
        if warrant.covers(rec.header.epoch, &rec.header.members) {
            in_scope_ids.extend(rec.messages.clone().map(|i| i as u64));
        }
    }
    report.in_scope_messages = in_scope_ids.len();
    let mut claims = Vec::new();
    for r in &released {
        claims.extend(read_session(transcript, r.session, &r.key));
    }
    let decrypted = world
        .truth()
        .confirm(claims.iter().map(|(id, pt)| (*id, pt.as_slice())));
    report.in_scope_decrypted = decrypted.intersection(&in_scope_ids).count();
    report.out_of_scope_decrypted = decrypted.difference(&in_scope_ids).count();
    report.mechanism_figures = journal.figures.clone();
    if journal.work > 0 {
        report
            .mechanism_figures
            .insert("work".into(), journal.work as f64);
    }
    report.notices = journal.notices;
    report.refusals = journal.refusals;
    report.refused_requests = usize::from(released.is_empty() && !report.refusals.is_empty());
    if report.in_scope_decrypted < report.in_scope_messages && !report.refusals.is_empty() {
        let controls: std::collections::BTreeSet<&str> =
            report.refusals.iter().map(|e| e.control.as_str()).collect();
        report.note = Some(format!(
            "{} of {} warranted messages read: refused by {}",
            report.in_scope_decrypted,
            report.in_scope_messages,
            controls.into_iter().collect::<Vec<_>>().join(", ")
        ));
    } else if report.in_scope_decrypted < report.in_scope_messages {
        report.note = Some(format!(
            "{} of {} warranted messages read: under {} lawful access reads {}",
            report.in_scope_decrypted, report.in_scope_messages, info.family, info.lawful_scope
        ));
    }
    Ok(report)
}
