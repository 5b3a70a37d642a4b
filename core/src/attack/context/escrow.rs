//! Session escrow's capabilities, as the attack context offers them: agents' vaults and
//! APIs, the court's key, the dealer, the audit log, the clients' escrow fields and the
//! combiner. Each method checks its capability like any request (the family's description
//! says which exist under a scheme), records its use, and stamps what it returns with the
//! cell. Session escrow's state is the world's attachment ([`crate::world::attachment`]),
//! reached through `World::escrow`; nothing here is in the generic context.

use super::*;

impl<'a> AttackCtx<'a> {
    /// Whether the scheme escrows anything. When it does not, the mechanism reports
    /// `no-escrow` (no escrow key was ever created) and this returns `false`.
    pub fn require_escrow(&mut self) -> bool {
        if self.world.escrow().n > 0 {
            return true;
        }
        self.block(
            "no-escrow",
            "key custody",
            "the scheme creates no escrow key: there is nothing to breach or request",
        );
        false
    }

    /// `breach_interface`, delivery side: what lawful access delivered for the standing
    /// warrants, as an intruder in the delivery path (the combiner's output) copies it. Law
    /// enforcement serves every standing warrant now, over the sessions of epochs
    /// `since_epoch` up to the last finished one: the request goes to every agent, which
    /// check it as always, and the combiner opens what they release. The intruder gets the
    /// plaintext delivered, `(envelope id, plaintext)`, and no more: sessions no warrant
    /// covers are never requested. Under a mechanism with no combiner the mechanism says
    /// so (`not-applicable`) and this returns nothing.
    pub fn breach_delivery(&mut self, since_epoch: u32) -> Vec<(u64, Vec<u8>)> {
        let info = self.base.mechanism.info();
        if !info.has(Capability::BreachInterface) {
            self.block(
                "not-applicable",
                info.family,
                "breach_interface does not exist under this mechanism",
            );
            return Vec::new();
        }
        if info.family != crate::mechanism::SESSION_ESCROW || self.world.escrow().n == 0 {
            self.block(
                "not-applicable",
                info.family,
                "the delivery side (a combiner releasing session keys) does not exist under this mechanism",
            );
            return Vec::new();
        }
        self.record(
            Capability::BreachInterface,
            "delivery side: the combiner's output for the standing warrants",
        );
        let (now, until) = (
            self.world.now,
            self.world.next_epoch.min(self.world.epochs()),
        );
        let all: Vec<usize> = (0..self.world.escrow().n).collect();
        let mut delivered = Vec::new();
        for w in self.base.docket.clone() {
            let sessions: Vec<u32> = lawful::sessions_in_scope(&self.world, &w.warrant)
                .into_iter()
                .filter(|&s| {
                    self.world
                        .transcript
                        .sessions
                        .get(s as usize)
                        .is_some_and(|r| (since_epoch..until).contains(&r.header.epoch))
                        && self.world.transcript.field(s).is_some()
                })
                .collect();
            if sessions.is_empty() {
                continue;
            }
            let bytes = lawful::build_request(
                &self.world,
                &w,
                &sessions,
                &format!("officer:{}", w.warrant.case_id),
                w.warrant.nonce,
            );
            let responses = lawful::submit_to(self.world.to_mut(), &all, &bytes, now);
            let read = lawful::combine_and_read(&self.world, &sessions, &responses);
            delivered.extend(read.plaintexts);
        }
        self.pristine = false;
        delivered
    }

    /// The sharing generation of key `key_epoch` now (0 at creation, +1 at every proactive
    /// refresh; `None` for a key that does not exist or was destroyed). Public: refreshed
    /// commitments are published.
    pub fn key_generation(&self, key_epoch: u32) -> Option<u32> {
        self.world.escrow().generation.get(&key_epoch).copied()
    }

    /// The vault copies this context made (any other is a recorded violation).
    fn own_vaults<'l>(&mut self, loot: &'l [VaultLoot]) -> Vec<&'l VaultLoot> {
        let mut own = Vec::with_capacity(loot.len());
        for l in loot {
            if self.own(l.cell, "a vault copy") {
                own.push(l);
            }
        }
        own
    }

    /// Published escrow public key sets, by key epoch (live keys only).
    pub fn escrow_public_keys(&self) -> BTreeMap<u32, Vec<u8>> {
        self.world.escrow().keys.clone()
    }

    /// Published master public keys, by key epoch (also for destroyed keys).
    pub fn escrow_master_keys(&self) -> BTreeMap<u32, Vec<u8>> {
        self.world.escrow().master_keys.clone()
    }

    /// The court's pinned master public key (public), if there is a court.
    pub fn court_public(&self) -> Option<Vec<u8>> {
        self.world
            .escrow()
            .court
            .as_ref()
            .map(|c| c.master_public.clone())
    }

    /// `compromise_agent(i)`: a copy of agent `i`'s vault now (every key it holds, with
    /// each share's sharing generation).
    ///
    /// # Errors
    /// [`Error::Misuse`] for an unknown agent (under a scheme with no escrow the mechanism
    /// also reports `no-escrow`).
    pub fn compromise_agent(&mut self, i: usize) -> Result<VaultLoot> {
        if !self.permit(Capability::CompromiseAgent) {
            return Err(Error::misuse(
                "compromise_agent does not exist under this mechanism",
            ));
        }
        if self.world.escrow().n == 0 {
            self.require_escrow();
        }
        let agent = self
            .world
            .escrow()
            .agents
            .get(i)
            .ok_or_else(|| Error::misuse(format!("no agent {i}")))?;
        let generation = &self.world.escrow().generation;
        let shares = agent
            .vault
            .contents()
            .into_iter()
            .map(|(ke, s)| {
                let g = generation.get(&ke).copied().unwrap_or(0);
                (ke, (s, g))
            })
            .collect();
        self.record(
            Capability::CompromiseAgent,
            format!("agent {i} vault (epoch {})", self.epoch()),
        );
        self.agents_compromised.insert(i);
        Ok(VaultLoot {
            cell: self.cell,
            agent: i,
            taken_at_epoch: self.epoch(),
            shares,
        })
    }

    /// Rebuilds the master secret of key `key_epoch` from stolen vault copies, the way a
    /// thief would (Lagrange interpolation at zero over one sharing generation), and keeps
    /// it only if its public key is the published master key. When that check fails the
    /// mechanism says why: `key-not-created` (no such key was ever published),
    /// `threshold-custody` (fewer than `k` agents' shares of it), `epoch-keys` (enough agents
    /// breached, but fewer than `k` of them held this key when breached),
    /// `proactive-refresh` (`k` or more shares of it, but no `k` of one sharing generation),
    /// or `share-commitment-check` (`k` shares of one generation that do not rebuild the
    /// published key).
    ///
    /// Only vault copies this context made count: a copy from another context is refused
    /// (the cell becomes an error naming it), and with no copy of its own the attack has
    /// put nothing to the mechanism, which then reports nothing.
    pub fn rebuild_master(&mut self, key_epoch: u32, loot: &[VaultLoot]) -> Option<MasterSecret> {
        let loot = self.own_vaults(loot);
        if loot.is_empty() {
            return None;
        }
        let k = self.world.escrow().k;
        let Some(master_public) = self.world.escrow().master_keys.get(&key_epoch).cloned() else {
            self.block(
                "key-not-created",
                "published master keys",
                format!("no escrow key for epoch {key_epoch} was ever published"),
            );
            return None;
        };
        let agents: BTreeSet<usize> = loot.iter().map(|l| l.agent).collect();
        // Per agent, the newest share of this key in the loot (by generation).
        let mut by_gen: BTreeMap<u32, BTreeMap<usize, Scalar>> = BTreeMap::new();
        let mut holders = BTreeSet::new();
        for l in &loot {
            if let Some((s, g)) = l.shares.get(&key_epoch) {
                holders.insert(l.agent);
                by_gen.entry(*g).or_default().insert(l.agent, s.clone());
            }
        }
        let b = self.backend();
        if let Some(points) = by_gen.values().find(|p| p.len() >= k.max(1)) {
            let pts: Vec<(usize, Scalar)> = points
                .iter()
                .take(k)
                .map(|(a, s)| (*a, s.clone()))
                .collect();
            if let Ok(secret) = b.interpolate_at_zero(&pts) {
                if b.public_key_of_scalar(&secret).ok().as_deref() == Some(&master_public[..]) {
                    return Some(MasterSecret {
                        cell: self.cell,
                        key_epoch,
                        secret,
                    });
                }
            }
            self.block(
                "share-commitment-check",
                "published master key",
                format!("{k} shares of key {key_epoch} from one generation do not rebuild its published master key"),
            );
            return None;
        }
        let most_one_gen = by_gen.values().map(|p| p.len()).max().unwrap_or(0);
        let (control, detail) = if holders.len() >= k {
            (
                "proactive-refresh",
                format!("{} agents' shares of key {key_epoch}, at most {most_one_gen} of one sharing generation; {k} needed", holders.len()),
            )
        } else if agents.len() >= k {
            (
                "epoch-keys",
                format!(
                    "{} breached, only {} of them held key {key_epoch} when breached; {k} needed",
                    crate::text::count(agents.len(), "agent", "agents"),
                    holders.len()
                ),
            )
        } else {
            (
                "threshold-custody",
                format!(
                    "{} shares of key {key_epoch}; {k} needed to rebuild the published master key",
                    crate::text::count(holders.len(), "agent's", "agents'")
                ),
            )
        };
        self.block(control, "published master key", detail);
        None
    }

    /// The mechanism's published-key check on a candidate master secret the attacker
    /// computed itself: `Some` only if its public key is the published master key of
    /// `key_epoch`; otherwise the check reports `published-key-check`.
    ///
    /// The check's refusal is the mechanism's only when the attack holds key material to
    /// compute a candidate from (it breached an agent, acted as one, ran the dealer, or
    /// received agents' answers to requests): a
    /// made-up scalar from an attack with none of these earns no verdict.
    pub fn check_master(&mut self, key_epoch: u32, candidate: Scalar) -> Option<MasterSecret> {
        let b = self.backend();
        let ok = self
            .world
            .escrow()
            .master_keys
            .get(&key_epoch)
            .is_some_and(|pk| b.public_key_of_scalar(&candidate).ok().as_deref() == Some(&pk[..]));
        if ok {
            return Some(MasterSecret {
                cell: self.cell,
                key_epoch,
                secret: candidate,
            });
        }
        let holds_material = self.uses.iter().any(|u| {
            matches!(
                u.capability,
                Capability::CompromiseAgent
                    | Capability::ActAsAgent
                    | Capability::ControlDealer
                    | Capability::SubmitRequest
            )
        });
        if !holds_material {
            return None;
        }
        self.block(
            "published-key-check",
            "published master key",
            format!("a candidate secret does not match key {key_epoch}'s published master key"),
        );
        None
    }

    /// Every master secret the loot rebuilds: [`AttackCtx::rebuild_master`] for each key epoch
    /// any vault copy held, in key-epoch order.
    pub fn rebuild_masters(&mut self, loot: &[VaultLoot]) -> Vec<MasterSecret> {
        let own = self.own_vaults(loot);
        let epochs: BTreeSet<u32> = own.iter().flat_map(|l| l.key_epochs()).collect();
        if epochs.is_empty() && !own.is_empty() {
            self.block(
                "key-not-created",
                "key custody",
                "the vaults held no key when breached",
            );
        }
        epochs
            .into_iter()
            .filter_map(|ke| self.rebuild_master(ke, loot))
            .collect()
    }

    /// `steal_court_key(judge)`: one judge's signing key (the whole court key when single).
    /// `None` (the mechanism reports `no-court-key`) when there is no such key.
    pub fn steal_court_key(&mut self, judge: usize) -> Option<Scalar> {
        if !self.permit(Capability::StealCourtKey) {
            return None;
        }
        self.record(Capability::StealCourtKey, format!("judge {judge}"));
        let k = self
            .world
            .escrow()
            .court
            .as_ref()
            .and_then(|c| c.judge_key(judge))
            .cloned();
        if k.is_none() {
            self.block(
                "no-court-key",
                "court",
                format!("the scheme has no court signing key for judge {judge}"),
            );
        }
        k
    }

    /// `act_as_agent(i)`: agent `i` releases a share for `field` with no check and no record.
    /// `None` when the agent does not hold that key: the mechanism reports `retention` (the
    /// key was destroyed) or `key-not-created`.
    pub fn act_as_agent(&mut self, i: usize, field: &EscrowField) -> Option<Vec<u8>> {
        if !self.permit(Capability::ActAsAgent) {
            return None;
        }
        if !self.agents_compromised.contains(&i) {
            self.record(Capability::ActAsAgent, format!("agent {i}"));
            self.agents_compromised.insert(i);
        }
        if self.world.escrow().n == 0 {
            self.require_escrow();
            return None;
        }
        let b = self.backend();
        let share = self
            .world
            .escrow()
            .agents
            .get(i)?
            .release_unchecked(b, field);
        if share.is_none() {
            let ke = field.key_epoch;
            if self.world.escrow().destroyed.contains(&ke) {
                self.block(
                    "retention",
                    format!("agent {i} vault"),
                    format!("key {ke} was destroyed under the retention policy"),
                );
            } else {
                self.block(
                    "key-not-created",
                    format!("agent {i} vault"),
                    format!("agent {i} holds no share of key {ke}"),
                );
            }
        }
        share
    }

    /// `submit_request(i, bytes)`: sends bytes to agent `i`'s API at the current time
    /// plus `delay` ticks.
    pub fn submit_request(&mut self, i: usize, bytes: &[u8], delay: u64) -> Option<ShareResponse> {
        if !self.permit(Capability::SubmitRequest) {
            return None;
        }
        self.record(Capability::SubmitRequest, format!("agent {i}"));
        self.pristine = false;
        let now = self.world.now + delay;
        let mut r = self.world.to_mut().submit_to_agent(i, bytes, now);
        if let Some(r) = r.as_mut() {
            r.cell = Some(self.cell);
        }
        match &r {
            Some(r) => self.note_refusals(std::slice::from_ref(r)),
            None if self.world.escrow().n == 0 => {
                self.require_escrow();
            }
            None => {}
        }
        r
    }

    fn note_refusals(&mut self, responses: &[ShareResponse]) {
        for e in refusal_events(responses, "") {
            push_unique(&mut self.blocks, &mut self.seen, 0, e);
        }
    }

    /// `write_audit_log(i)`: write access to agent `i`'s log.
    /// `None` (the mechanism reports `no-audit-log`) when the scheme keeps no audit log or
    /// there is no agent `i`.
    pub fn write_audit_log(&mut self, i: usize) -> Option<&mut AuditLog> {
        if !self.permit(Capability::WriteAuditLog) {
            return None;
        }
        self.record(Capability::WriteAuditLog, format!("agent {i}"));
        self.pristine = false;
        if self.world.escrow().audit_mode == crate::config::scheme::AuditMode::None
            || i >= self.world.escrow().agents.len()
        {
            self.block(
                "no-audit-log",
                "audit",
                "the scheme keeps no audit log to write",
            );
            return None;
        }
        self.world
            .to_mut()
            .escrow_mut()?
            .agents
            .get_mut(i)
            .map(|a| &mut a.audit)
    }

    /// `control_dealer`: the dealer keeps its copy of every master secret it generates.
    /// Must be called before any key exists that the attacker wants (it rebuilds the
    /// world from key generation on).
    ///
    /// # Errors
    /// Key generation errors.
    pub fn control_dealer(&mut self) -> Result<()> {
        if !self.permit(Capability::ControlDealer) {
            return Err(Error::misuse(
                "control_dealer does not exist under this mechanism",
            ));
        }
        self.record(Capability::ControlDealer, "key ceremony");
        self.rerun_key_ceremony(|h| h.capture_dealer = true)
    }

    /// Rebuilds the world from key generation on with changed hooks, back to the current
    /// epoch. What a dealer does changes keys, not traffic: honest sessions stay valid.
    fn rerun_key_ceremony(&mut self, change: impl FnOnce(&mut crate::world::Hooks)) -> Result<()> {
        let mut hooks = self.world.hooks.clone();
        change(&mut hooks);
        let target = self.world.next_epoch;
        let honest = self
            .world
            .honest
            .clone()
            .or_else(|| Some(self.base.honest()));
        self.world = std::borrow::Cow::Owned(crate::mechanism::new_world(
            self.world.config.clone(),
            hooks,
        )?);
        self.world.to_mut().honest = honest;
        self.pristine = false;
        while self.world.next_epoch < target {
            self.world.to_mut().step()?;
        }
        Ok(())
    }

    /// What a controlled dealer kept, checked against the published master keys. Empty
    /// without `control_dealer`; when a controlled key ceremony kept nothing the mechanism
    /// says why: `dkg` (distributed key generation: no dealer ever held a master secret).
    pub fn dealer_copies(&mut self) -> Vec<MasterSecret> {
        if !self
            .uses
            .iter()
            .any(|u| u.capability == Capability::ControlDealer)
        {
            return Vec::new();
        }
        let copies: Vec<MasterSecret> = self
            .world
            .escrow()
            .dealer_copies
            .iter()
            .map(|(ke, s)| MasterSecret {
                cell: self.cell,
                key_epoch: *ke,
                secret: s.clone(),
            })
            .collect();
        if copies.is_empty() && self.world.escrow().n > 0 {
            let dkg = self.world.config.scheme.custody.keygen == crate::config::scheme::Keygen::Dkg;
            let (control, detail) = if dkg {
                ("dkg", "keys are generated by a distributed key generation: no dealer ever holds a master secret")
            } else {
                (
                    "key-not-created",
                    "no escrow key was created while the attacker controlled the dealer",
                )
            };
            self.block(control, "key ceremony", detail);
        }
        copies
    }

    /// `control_client(user)`: the user's client skips or fakes escrow from now on.
    pub fn control_client(&mut self, user: u32, mode: RogueMode) {
        if !self.permit(Capability::ControlClient) {
            return;
        }
        self.record(Capability::ControlClient, format!("user {user} ({mode:?})"));
        self.world.to_mut().hooks.rogue_clients.insert(user, mode);
        self.pristine = false;
    }

    /// `control_client` of the update channel: every client escrows to `public` from now on.
    pub fn push_escrow_key(&mut self, public: Vec<u8>) {
        if !self.permit(Capability::ControlClient) {
            return;
        }
        self.record(
            Capability::ControlClient,
            "client update channel: escrow key",
        );
        self.world.to_mut().hooks.escrow_key_override = Some((self.epoch(), public));
        self.pristine = false;
    }

    /// `control_client` of the attacker's own software client: reads the family key the
    /// client's check uses out of its memory (a software messenger has no tamper-proof chip
    /// to keep it in). `None` when the binding keys no check with it (`none`, `recompute`).
    pub fn extract_family_key(&mut self) -> Option<[u8; 32]> {
        if !self.permit(Capability::ControlClient) {
            return None;
        }
        if self.world.escrow().rule.check_bits() == 0 {
            return None;
        }
        self.record(
            Capability::ControlClient,
            "own software client: family key read from memory",
        );
        Some(self.world.escrow().family_key)
    }

    /// The attacker's own client chip as an oracle: would an honest recipient's chip accept
    /// `field` for `session_key`? Each call is one try.
    pub fn chip_oracle(&mut self, session_key: &Key32, field: &EscrowField) -> bool {
        self.tries += 1;
        let bits = self.world.escrow().rule.check_bits();
        bits == 0
            || chip_check(&self.world.escrow().family_key, session_key, field, bits) == field.check
    }

    /// What an honest recipient does with a session the attacker (a rogue sender) opens:
    /// the full recipient check.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the binding control when the recipient rejects it.
    pub fn recipient_accepts(
        &mut self,
        header: &SessionHeader,
        session_key: &Key32,
        field: &EscrowField,
    ) -> Result<()> {
        if !self.permit(Capability::ControlClient) {
            return Err(Error::misuse(
                "control_client does not exist under this mechanism",
            ));
        }
        // Only a sender's client puts a session to a recipient.
        if !self
            .uses
            .iter()
            .any(|u| u.capability == Capability::ControlClient && u.detail.starts_with("sender "))
        {
            self.record(
                Capability::ControlClient,
                format!("sender {} opens a session", header.sender),
            );
        }
        let w = &self.world;
        let env = crate::escrow::field::FieldEnv {
            backend: w.backend(),
            rule: w.escrow().rule,
            family_key: &w.escrow().family_key,
        };
        let pk = w
            .escrow()
            .keys
            .get(&field.key_epoch)
            .cloned()
            .unwrap_or_default();
        let vk = w
            .directory
            .get(header.sender as usize)
            .copied()
            .ok_or_else(|| Error::misuse("unknown sender"))?;
        let r = env.recipient_check(header, session_key, field, &pk, &vk);
        if r.is_ok() {
            self.recipient_accepted += 1;
        }
        if let Err(Error::Refused { control, reason }) = &r {
            let (control, reason) = (control.to_string(), reason.to_string());
            self.block(&control, "recipient client", reason.clone());
            self.detect(
                "recipient-field-check",
                "recipient client",
                format!("{control}: {reason}"),
            );
        }
        r
    }

    /// The attacker's own combiner for decryption shares it holds (from insiders): verifies
    /// each share against the published key set like law enforcement's combiner, needs `k`
    /// valid ones, and checks the result with the field's AEAD tag. On failure the mechanism
    /// says why (`threshold-custody` for fewer than `k` valid shares, `share-verification`
    /// for shares that fail their check, `key-not-created` / `retention` for a field whose
    /// key is not live).
    pub fn combine_shares(
        &mut self,
        header: &SessionHeader,
        field: &EscrowField,
        shares: &[(usize, Vec<u8>)],
    ) -> Option<Key32> {
        self.combine_with(header, field, shares, true)
    }

    /// The colluders' own combiner, for shares they trust because they made them: the first
    /// `k` distinct shares are interpolated with no share check (the crate's raw combine) and
    /// the field's AEAD tag alone confirms the result, one pairing-free check per field. On
    /// failure the mechanism says why (`threshold-custody` for fewer than `k` distinct
    /// shares, `combiner-aead-check` for a combined key the tag rejects, `key-not-created` /
    /// `retention` for a field whose key is not live). It names no offending share: an
    /// unverifying combiner cannot.
    pub fn combine_trusted_shares(
        &mut self,
        header: &SessionHeader,
        field: &EscrowField,
        shares: &[(usize, Vec<u8>)],
    ) -> Option<Key32> {
        self.combine_with(header, field, shares, false)
    }

    /// [`Self::combine_shares`] (`verify`) or [`Self::combine_trusted_shares`].
    fn combine_with(
        &mut self,
        header: &SessionHeader,
        field: &EscrowField,
        shares: &[(usize, Vec<u8>)],
        verify: bool,
    ) -> Option<Key32> {
        // No share of its own: the attack put nothing to the combiner.
        if shares.is_empty() {
            return None;
        }
        let ke = field.key_epoch;
        let Some(public) = self.world.escrow().keys.get(&ke).cloned() else {
            if self.world.escrow().destroyed.contains(&ke) {
                self.block(
                    "retention",
                    "published key sets",
                    format!("key {ke} was destroyed"),
                );
            } else {
                self.block(
                    "key-not-created",
                    "published key sets",
                    format!("no live key {ke}"),
                );
            }
            return None;
        };
        let b = self.backend();
        let n = self.world.escrow().n;
        let k = self.world.escrow().k;
        // The unverifying combiner takes the first `k` distinct known agents' shares.
        let mut distinct: Vec<(usize, Vec<u8>)> = Vec::new();
        if !verify {
            for (i, s) in shares {
                if *i < n && distinct.len() < k && !distinct.iter().any(|(j, _)| j == i) {
                    distinct.push((*i, s.clone()));
                }
            }
        }
        let given = if verify { shares } else { &distinct[..] };
        match crate::escrow::combiner::recover(b, &public, n, header, field, given, verify) {
            Ok(r) => Some(r.session_key),
            Err(Error::ShareRejected { agent, .. }) => {
                self.block(
                    "share-verification",
                    "combiner",
                    format!("agent {agent}'s decryption share fails its check"),
                );
                self.detect(
                    "share-verification",
                    "combiner",
                    format!("agent {agent}'s decryption share fails its check"),
                );
                None
            }
            Err(_) => {
                let distinct: BTreeSet<usize> = shares.iter().map(|(a, _)| *a).collect();
                let control = if distinct.len() < k {
                    "threshold-custody"
                } else {
                    "combiner-aead-check"
                };
                self.block(
                    control,
                    "combiner",
                    format!(
                        "{} for session {}; {k} valid needed",
                        crate::text::count(distinct.len(), "distinct share", "distinct shares"),
                        header.session
                    ),
                );
                None
            }
        }
    }

    /// Lawful access run by law enforcement now, for `targets` over `window`: the court
    /// issues a warrant, the request goes to every agent. The attacker (an officer, or
    /// whoever watches the agent API) gets the warrant and the request bytes.
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn lawful_case(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<(SignedWarrant, Vec<u8>)> {
        let c = self.lawful_case_answers(case, targets, window)?;
        Ok((c.warrant, c.request))
    }

    /// Combines per-session shares and reads the messages (the attacker's own combiner,
    /// which verifies shares like law enforcement's does).
    ///
    /// The combiner's verdicts are the mechanism's: an agent whose share fails its check is
    /// a detection and, if nothing was read, the block (`share-verification`); sessions that
    /// could not be combined for want of valid shares block with `threshold-custody`.
    pub fn combine_and_read(
        &mut self,
        sessions: &[u32],
        responses: &[ShareResponse],
    ) -> lawful::ReadOutcome {
        let mut own = Vec::with_capacity(responses.len());
        for r in responses {
            if self.own_answer(r) {
                own.push(r.clone());
            }
        }
        let r = lawful::combine_and_read(&self.world, sessions, &own);
        // Nothing of the attack's own reached the combiner: the mechanism says nothing.
        if own.is_empty() {
            return r;
        }
        for a in &r.rejected_agents {
            let detail = format!("agent {a}'s decryption share fails its check");
            self.detect("share-verification", "combiner", detail.clone());
            self.block("share-verification", "combiner", detail);
        }
        // Sessions that lacked valid shares because agents refused are the refusals' doing.
        if !r.failed_sessions.is_empty() && r.rejected_agents.is_empty() && self.blocks.is_empty() {
            self.block(
                "threshold-custody",
                "combiner",
                format!(
                    "{} lacked {} valid shares",
                    crate::text::count(r.failed_sessions.len(), "session", "sessions"),
                    self.world.escrow().k
                ),
            );
        }
        r
    }

    /// Builds request bytes. The request names each session's header and escrow field, as
    /// the relay carries them: building one reads the transcript, so it is an `intercept`
    /// (sending it is `submit_request`).
    pub fn build_request(
        &mut self,
        warrant: &SignedWarrant,
        sessions: &[u32],
        requester: &str,
        nonce: [u8; 16],
    ) -> Vec<u8> {
        if !self.permit(Capability::Intercept) {
            return Vec::new();
        }
        self.note_intercept("session headers and escrow fields (a request)");
        lawful::build_request(&self.world, warrant, sessions, requester, nonce)
    }

    /// `control_client(user)` limited to some conversations: the user's client skips or
    /// fakes escrow from now on, but only in `conversations` (a modified client two
    /// users share between themselves), and behaves honestly elsewhere.
    pub fn control_client_in(&mut self, user: u32, mode: RogueMode, conversations: BTreeSet<u32>) {
        if !self.permit(Capability::ControlClient) {
            return;
        }
        self.record(
            Capability::ControlClient,
            format!(
                "user {user} ({mode:?}) in {}",
                crate::text::count(conversations.len(), "conversation", "conversations")
            ),
        );
        self.world.to_mut().hooks.rogue_clients.insert(user, mode);
        // With no conversation in scope nothing about the simulated traffic changes.
        if !conversations.is_empty() {
            self.pristine = false;
        }
        self.world
            .to_mut()
            .hooks
            .rogue_scope
            .insert(user, conversations);
    }

    /// Runs the experiment with client chips that check `bits` bits (a variant of a
    /// `checksum` scheme: the Clipper LEAF had 16). Returns `false`, changing nothing, when
    /// the scheme's binding is not a checksum.
    pub fn set_chip_bits(&mut self, bits: u32) -> bool {
        if !matches!(self.world.escrow().rule, BindingRule::Checksum(_)) {
            return false;
        }
        let Some(escrow) = self.world.to_mut().escrow_mut() else {
            return false;
        };
        escrow.rule = BindingRule::Checksum(bits);
        // Traffic from here on differs from the honest run's.
        self.world.to_mut().honest = None;
        self.world.to_mut().config.scheme.field.checksum_bits = bits;
        self.pristine = false;
        true
    }

    /// The court issues (and dockets) a warrant for `targets` over `window` now, and hands
    /// it to the officer *without* submitting any request: what an officer holding a valid,
    /// unused warrant has. The warrant is counted as issued by the court (it covers its
    /// scope for `out_of_scope`).
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn obtain_warrant(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<SignedWarrant> {
        if !self.permit(Capability::ObtainWarrant) {
            return Err(Error::misuse(
                "obtain_warrant does not exist under this mechanism",
            ));
        }
        self.record(
            Capability::ObtainWarrant,
            format!(
                "case {case}: {}",
                crate::text::count(targets.len(), "target", "targets")
            ),
        );
        if self.world.escrow().court.is_none() {
            self.block(
                "no-court",
                "court",
                "the scheme has no court to issue warrants",
            );
            return Err(Error::misuse("the scheme has no court"));
        }
        let now = self.world.now;
        let warrant = Warrant {
            case_id: case.to_string(),
            targets,
            from_epoch: window[0],
            to_epoch: window[1],
            issued: now,
            expires: now + lawful::WARRANT_VALIDITY,
            nonce: seed::derive(
                self.world.config.seed,
                "attack-nonce",
                &[self.docket.len() as u64],
            )[..16]
                .try_into()
                .unwrap_or([0; 16]),
            use_limit: self.world.config.scheme.warrant.use_limit,
        };
        let signed = lawful::issue_warrant(&self.world, warrant)?;
        self.docket.push(signed.clone());
        self.pristine = false;
        Ok(signed)
    }

    /// What the outside audit witness holds (public checkpoints of every agent's chain
    /// head), when the scheme's audit is witnessed. The attacker can read it, never
    /// rewrite it.
    pub fn audit_witness(&self) -> Option<Witness> {
        (self.world.escrow().audit_mode == crate::config::scheme::AuditMode::Witnessed)
            .then(|| self.world.escrow().witness.clone())
    }

    /// `control_dealer`, handing out inconsistent shares: the dealer gives agent `victim`
    /// a share off another polynomial, which does not match the published commitment.
    /// Rebuilds the world from key generation on, like [`AttackCtx::control_dealer`].
    ///
    /// # Errors
    /// Key generation errors.
    pub fn control_dealer_inconsistent(&mut self, victim: usize) -> Result<()> {
        if !self.permit(Capability::ControlDealer) {
            return Err(Error::misuse(
                "control_dealer does not exist under this mechanism",
            ));
        }
        self.record(
            Capability::ControlDealer,
            format!("key ceremony: inconsistent share to agent {victim}"),
        );
        if self.world.config.scheme.custody.keygen == crate::config::scheme::Keygen::Dkg
            && self.world.escrow().n > 0
        {
            self.block(
                "dkg",
                "key ceremony",
                "distributed key generation: there is no dealer to hand out a share, and every row is checked against its commitment",
            );
        }
        self.rerun_key_ceremony(|h| h.dealer_inconsistent = Some(victim))
    }

    /// As [`AttackCtx::lawful_case`], also returning what the case produced: the sessions
    /// requested (in request order) and every agent's answer. Whoever sits where the answers
    /// arrive (the officer, the combiner, an agent in the loop) sees these.
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn lawful_case_answers(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<LawfulCase> {
        if !self.permit(Capability::SubmitRequest) {
            return Err(Error::misuse(
                "submit_request does not exist under this mechanism",
            ));
        }
        let now = self.world.now;
        let signed = self.obtain_warrant(case, targets, window)?;
        // Only sessions that carry a field can be requested; answers follow this order.
        let sessions: Vec<u32> = lawful::sessions_in_scope(&self.world, &signed.warrant)
            .into_iter()
            .filter(|&s| self.world.transcript.field(s).is_some())
            .collect();
        let bytes = lawful::build_request(
            &self.world,
            &signed,
            &sessions,
            &format!("officer:{case}"),
            signed.warrant.nonce,
        );
        let all: Vec<usize> = (0..self.world.escrow().n).collect();
        for i in &all {
            self.record(
                Capability::SubmitRequest,
                format!("agent {i} (case {case})"),
            );
        }
        let mut responses = lawful::submit_to(self.world.to_mut(), &all, &bytes, now + 1);
        for r in &mut responses {
            r.cell = Some(self.cell);
        }
        for e in refusal_events(&responses, &format!(" (lawful case {case})")) {
            push_unique(&mut self.case_refusals, &mut self.seen, 2, e);
        }
        Ok(LawfulCase {
            cell: self.cell,
            warrant: signed,
            request: bytes,
            sessions,
            responses,
        })
    }

    /// `act_as_agent(i)` without releasing anything through the vault: the insider decides
    /// what agent `i` sends (e.g. replaces its answers before they leave).
    pub fn act_as_agent_sender(&mut self, i: usize) {
        if !self.permit(Capability::ActAsAgent) {
            return;
        }
        if !self.agents_compromised.contains(&i) {
            self.record(
                Capability::ActAsAgent,
                format!("agent {i} (controls its answers)"),
            );
            self.agents_compromised.insert(i);
        }
        self.forgeable.insert(i);
    }

    /// The answer agent `i` sends, written by the insider who controls it (after
    /// [`AttackCtx::act_as_agent_sender`]).
    ///
    /// # Errors
    /// [`Error::Misuse`] when the attacker does not control agent `i`'s answers.
    pub fn forge_answer(&mut self, i: usize, items: Vec<ItemOutcome>) -> Result<ShareResponse> {
        if !self.forgeable.contains(&i) {
            return Err(Error::misuse(format!(
                "agent {i}'s answers are not the attacker's to write (use act_as_agent_sender first)"
            )));
        }
        Ok(ShareResponse {
            cell: Some(self.cell),
            agent: i,
            items,
        })
    }
}
