//! A scheme: which lawful-access mechanism is built, with every control as a switch.
//!
//! Schemes are TOML files (see `fixtures/schemes/`). Five are built in and can be named
//! on the command line ([`Scheme::builtin_names`]); any other file is loaded by path.
//! Every table rejects unknown keys, and every value is checked against
//! [`limits`](super::limits) after parsing; a problem is reported as [`Error::Config`]
//! with the file, line and column of the offending key.

use super::limits::{MAX_AGENTS, MAX_CHECKSUM_BITS, MAX_COURT, MAX_RETENTION};
use crate::backend::BackendKind;
use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Longest scheme name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// A whole scheme file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Short identifier: `[a-z0-9-/]+`, at most [`MAX_NAME_LEN`] characters.
    pub name: String,
    /// One line saying what the scheme is.
    pub summary: String,
    /// Threshold backend to build with; `None` leaves the choice to the command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendKind>,
    /// Who holds the escrow key, and how it lives.
    pub custody: Custody,
    /// How the escrow access field is bound to its session.
    #[serde(default)]
    pub field: Field,
    /// The court and the checks an agent makes on a warrant.
    #[serde(default)]
    pub warrant: Warrant,
    /// The agents' audit logs.
    #[serde(default)]
    pub audit: Audit,
    /// The law-enforcement combiner.
    #[serde(default)]
    pub combiner: Combiner,
    /// Checks made by honest clients.
    #[serde(default)]
    pub client: Client,
    /// Which lawful-access mechanism family, with its parameters (absent: session-key
    /// escrow, configured by the tables above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<MechanismSpec>,
}

/// The `[mechanism]` table: a family other than session escrow
/// ([`crate::mechanism`]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MechanismSpec {
    /// Family id (`session-escrow`, `ghost-user`, `device-escrow`, ...): required in a
    /// `[mechanism]` table (a scheme without the table is session escrow).
    pub family: String,
    /// The family's parameters (`escrowlab schemes --json` lists them).
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, crate::vocab::ParamValue>,
}

/// Who holds the escrow key.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum CustodyKind {
    /// No escrow at all: plain end-to-end encryption, the baseline.
    None,
    /// One agency holds one key.
    Single,
    /// `k` of `n` agencies must cooperate.
    Threshold,
}

/// How a threshold escrow key is generated.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Keygen {
    /// A trusted dealer builds the key and hands out shares (and could keep a copy).
    #[default]
    Dealer,
    /// Dealer-free distributed key generation: nobody ever holds the master secret.
    Dkg,
}

/// How long an escrow key lives.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Lifetime {
    /// One key for the whole timeline.
    #[default]
    Static,
    /// A fresh key every epoch, destroyed `retention` epochs later.
    Epoch,
}

/// The `[custody]` table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Custody {
    /// Who holds the key (required).
    pub kind: CustodyKind,
    /// Shares needed (threshold custody; must be 1 otherwise).
    #[serde(default = "one")]
    pub k: usize,
    /// Agents holding shares (threshold custody; must be 1 otherwise).
    #[serde(default = "one")]
    pub n: usize,
    /// How the key is generated.
    #[serde(default)]
    pub keygen: Keygen,
    /// How long a key lives.
    #[serde(default)]
    pub lifetime: Lifetime,
    /// Epochs an old epoch key is kept after its epoch (lifetime `epoch`).
    #[serde(default)]
    pub retention: u32,
    /// Proactive refresh: re-share the same secret every epoch so shares from different
    /// epochs do not combine.
    #[serde(default)]
    pub refresh: bool,
}

/// How the escrow access field is bound to the session it claims to escrow.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// No binding: a sender can attach any field.
    None,
    /// A short check over session key ‖ field (the Clipper LEAF design).
    Checksum,
    /// The sender signs header ‖ field.
    #[default]
    Signed,
    /// Escrow randomness is derived from session key ‖ header, so every recipient
    /// re-derives the exact field and rejects a forgery.
    Recompute,
}

/// The `[field]` table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The binding mode.
    #[serde(default)]
    pub binding: Binding,
    /// Bits of the check (binding `checksum`): 1 to [`MAX_CHECKSUM_BITS`].
    #[serde(default = "sixteen")]
    pub checksum_bits: u32,
    /// What session escrow captures under a protocol whose keys change within a session
    /// (`double-ratchet`, `sender-keys`): every new chain (`chains`, the default) or one
    /// ratchet seed per session (`seed`). The hash ratchet is one chain either way.
    #[serde(default, skip_serializing_if = "RatchetEscrow::is_default")]
    pub ratchet_escrow: RatchetEscrow,
}

impl Default for Field {
    fn default() -> Self {
        Field {
            binding: Binding::default(),
            checksum_bits: 16,
            ratchet_escrow: RatchetEscrow::default(),
        }
    }
}

/// What session escrow captures when a session's keys change within it (`[field]
/// ratchet_escrow`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum RatchetEscrow {
    /// One field per new sending chain (per speaker turn under the Double Ratchet, per
    /// sender under sender keys), each holding that chain's key: the devices' DH ratchet
    /// stays their own, so a stolen device state heals at the next DH step.
    #[default]
    Chains,
    /// One field per session holding a seed every ratchet key pair and sender key of the
    /// session is derived from (the escrowed-seed design): the escrow opens the session
    /// with one field, and the design gives up post-compromise security (a copy of a
    /// device's state derives every later key pair too).
    Seed,
}

impl RatchetEscrow {
    /// Is this the default (`chains`)?
    pub fn is_default(&self) -> bool {
        *self == RatchetEscrow::Chains
    }
    /// The name in scheme files.
    pub fn name(self) -> &'static str {
        match self {
            RatchetEscrow::Chains => "chains",
            RatchetEscrow::Seed => "seed",
        }
    }
}

/// The key that signs warrants.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(tag = "kind", rename_all = "lowercase", try_from = "CourtRepr")]
pub enum Court {
    /// One court key.
    #[default]
    Single,
    /// `k` of `n` judges sign with threshold signature shares.
    Threshold {
        /// Judges needed.
        k: usize,
        /// Judges in all (at most [`MAX_COURT`]).
        n: usize,
    },
}

/// The court table as written, before [`Court`] checks which keys go with which kind
/// (serde's internally tagged enums ignore stray keys in unit variants).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CourtRepr {
    kind: CourtKind,
    k: Option<usize>,
    n: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum CourtKind {
    Single,
    Threshold,
}

impl TryFrom<CourtRepr> for Court {
    type Error = String;
    fn try_from(r: CourtRepr) -> std::result::Result<Court, String> {
        match (r.kind, r.k, r.n) {
            (CourtKind::Single, None, None) => Ok(Court::Single),
            (CourtKind::Single, _, _) => Err("court kind `single` takes no k or n".into()),
            (CourtKind::Threshold, Some(k), Some(n)) => Ok(Court::Threshold { k, n }),
            (CourtKind::Threshold, _, _) => Err("court kind `threshold` needs both k and n".into()),
        }
    }
}

/// The `[warrant]` table: the court and the checks an agent makes before releasing a share.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Warrant {
    /// Who signs warrants.
    #[serde(default)]
    pub court: Court,
    /// Verify the court's signature (rejecting identity keys).
    #[serde(default = "yes")]
    pub check_signature: bool,
    /// Reject expired (or not yet valid) warrants.
    #[serde(default = "yes")]
    pub check_expiry: bool,
    /// Release only for fields whose parties and epoch the warrant covers.
    #[serde(default = "yes")]
    pub check_scope: bool,
    /// Refuse a request already answered.
    #[serde(default = "yes")]
    pub replay_cache: bool,
    /// Requests an agent serves under one warrant; 0 means unlimited.
    #[serde(default = "one_u32")]
    pub use_limit: u32,
    /// Check each field against the relay's append-only registry of the session header it
    /// was first carried under. Stops a sender who controls a planted account from
    /// re-signing a victim's field under that account's header.
    #[serde(default)]
    pub field_registry: bool,
}

impl Default for Warrant {
    fn default() -> Self {
        Warrant {
            court: Court::default(),
            check_signature: true,
            check_expiry: true,
            check_scope: true,
            replay_cache: true,
            use_limit: 1,
            field_registry: false,
        }
    }
}

/// How agents keep their audit logs.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum AuditMode {
    /// No log.
    None,
    /// A SHA-256 hash chain per agent: catches edits, deletions and reordering, but not
    /// truncation of the tail nor a consistent rewrite.
    #[default]
    HashChain,
    /// A hash chain whose heads are anchored with an outside witness: also catches
    /// truncation and rewriting.
    Witnessed,
}

/// The `[audit]` table.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The log mode.
    #[serde(default)]
    pub log: AuditMode,
}

/// The `[combiner]` table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Combiner {
    /// Verify each decryption share before combining (a deliberately broken combiner
    /// sets `false`).
    #[serde(default = "yes")]
    pub verify_shares: bool,
}

impl Default for Combiner {
    fn default() -> Self {
        Combiner {
            verify_shares: true,
        }
    }
}

/// The `[client]` table: checks an honest client makes on its own (off by default).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Compare the recipients of a session key with the signed conversation roster, so a
    /// hidden ("ghost") member is noticed.
    #[serde(default)]
    pub roster_check: bool,
    /// Pin the escrow public key in the client. The pin ships with the client's own
    /// updates (in band): whoever controls the update channel rewrites it with the key.
    #[serde(default)]
    pub pin_escrow_key: bool,
    /// Who signs the roster the clients check (`roster_check`): `user` (members sign,
    /// their identity keys verified out of band), `provider` (the provider signs: stops
    /// nothing the provider inserts) or `log` (key transparency: a key is accepted when it
    /// is in the provider's key log, where monitors may see it).
    #[serde(default)]
    pub roster_signer: RosterSigner,
    /// Key transparency (`roster_signer = "log"`): the percentage chance that a monitor
    /// checks a user's entries in the key log in a given epoch.
    #[serde(default = "hundred")]
    pub kt_monitor_pct: u32,
    /// Binary transparency: every client update is published in a log that independent
    /// rebuilders check against reproducible builds, out of the update channel's path.
    #[serde(default)]
    pub binary_transparency: bool,
    /// The percentage chance that a rebuilder checks the logged updates in a given epoch
    /// (`binary_transparency`).
    #[serde(default = "hundred")]
    pub bt_monitor_pct: u32,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            roster_check: false,
            pin_escrow_key: false,
            roster_signer: RosterSigner::User,
            kt_monitor_pct: 100,
            binary_transparency: false,
            bt_monitor_pct: 100,
        }
    }
}

impl Client {
    /// Whether a client refuses a member outside the roster that the provider (or whoever
    /// controls the relay) lists: it checks rosters that members sign. A provider-signed
    /// roster signs the provider's member; a key log takes a logged key (key transparency
    /// may catch it later).
    pub fn refuses_inserted_member(&self) -> bool {
        self.roster_check && self.roster_signer == RosterSigner::User
    }
}

/// Who signs the roster clients check (`[client] roster_signer`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RosterSigner {
    /// Members sign the roster; their identity keys are verified out of band (safety
    /// numbers): a key no member signed is refused (an assumption: everyone compares).
    #[default]
    User,
    /// The provider signs the roster: a member the provider inserts is signed too.
    Provider,
    /// Key transparency: a key in the provider's published key log is accepted; a monitor
    /// sees an entry with probability `kt_monitor_pct` per epoch.
    Log,
}

impl RosterSigner {
    /// The word the scheme file uses.
    pub fn word(self) -> &'static str {
        match self {
            RosterSigner::User => "user",
            RosterSigner::Provider => "provider",
            RosterSigner::Log => "log",
        }
    }
}

fn one() -> usize {
    1
}
fn one_u32() -> u32 {
    1
}
fn sixteen() -> u32 {
    16
}
fn yes() -> bool {
    true
}
fn hundred() -> u32 {
    100
}

/// Every key a scheme file accepts, table by table, with its type, default, accepted values
/// and what it switches: the source of docs/SCHEMES.md.
pub const SCHEME_KEYS: &[super::KeyDoc] = &[
    key("", "name", "string", "required", "`a-z`, `0-9`, `-`, `/`; 1 to 64 characters", "Short identifier, shown in every report and accepted by `--scheme` for built-ins.", "\"my-scheme\""),
    key("", "summary", "string", "required", "one non-empty line", "What the scheme is, in one line (`escrowlab schemes`).", "\"a test scheme\""),
    key("", "backend", "string", "none: `blsttc`", "`blsttc`, `threshold_crypto` (when compiled in)", "Threshold-cryptography backend the scheme is built with (a suite's `backend` and the command line's `--backend` override it).", "\"blsttc\""),
    key("", "custody", "table", "required", "see `[custody]`", "Who holds the escrow key, and how it lives.", "{ kind = \"single\" }"),
    key("", "field", "table", "all defaults", "see `[field]`", "How the escrow access field is bound to its session.", "{}"),
    key("", "warrant", "table", "all defaults", "see `[warrant]`", "The court and the checks an agent makes on a warrant.", "{}"),
    key("", "audit", "table", "all defaults", "see `[audit]`", "The agents' audit logs.", "{}"),
    key("", "combiner", "table", "all defaults", "see `[combiner]`", "The law-enforcement combiner.", "{}"),
    key("", "client", "table", "all defaults", "see `[client]`", "Checks honest clients make on their own.", "{}"),
    key("", "mechanism", "table", "none: session escrow", "see `[mechanism]`", "A lawful-access mechanism family other than session escrow (`escrowlab mechanisms`); such a scheme sets `[custody] kind = \"none\"`.", "{ family = \"session-escrow\" }"),
    key("custody", "kind", "string", "required", "`none`, `single`, `threshold`", "`none`: no escrow (plain end-to-end encryption, the baseline); `single`: one agency holds one key; `threshold`: `k` of `n` agencies must cooperate.", "\"threshold\""),
    key("custody", "k", "integer", "1", "1 to `n`; must be 1 unless `kind = \"threshold\"`", "Shares needed to open a field.", "2"),
    key("custody", "n", "integer", "1", "1 to 64; must be 1 unless `kind = \"threshold\"`", "Agents holding shares.", "3"),
    key("custody", "keygen", "string", "`dealer`", "`dealer`, `dkg`", "`dealer`: a trusted dealer builds the key and hands out shares (and could keep a copy); `dkg`: dealer-free distributed key generation, nobody ever holds the master secret.", "\"dkg\""),
    key("custody", "lifetime", "string", "`static`", "`static`, `epoch`", "`static`: one key for the whole timeline; `epoch`: a fresh key at the start of every epoch, destroyed `retention` epochs later.", "\"epoch\""),
    key("custody", "retention", "integer", "0", "0 to 1000", "Epochs an old epoch key is kept after its epoch (`lifetime = \"epoch\"`).", "1"),
    key("custody", "refresh", "boolean", "false", "`true`, `false`", "Proactive refresh: re-share the same secret every epoch, so shares taken in different epochs do not combine.", "true"),
    key("field", "binding", "string", "`signed`", "`none`, `checksum`, `signed`, `recompute`", "`none`: a sender can attach any field; `checksum`: a short check over session key and field (the Clipper LEAF design); `signed`: the sender signs header and field; `recompute`: escrow randomness derives from session key and header, so every recipient re-derives the exact field.", "\"checksum\""),
    key("field", "checksum_bits", "integer", "16", "1 to 64", "Bits of the check (`binding = \"checksum\"`).", "8"),
    key("field", "ratchet_escrow", "string", "`chains`", "`chains`, `seed`", "What escrow captures under a protocol whose keys change within a session (`double-ratchet`, `sender-keys`): `chains`: one field per new sending chain (the devices' DH ratchet stays theirs, so a stolen device state heals); `seed`: one field per session holding a seed every ratchet key pair and sender key derives from (as cheap as the hash ratchet, and gives up post-compromise security). The hash ratchet is one chain either way.", "\"seed\""),
    key("warrant", "court", "table", "`{ kind = \"single\" }`", "see `[warrant.court]`", "Who signs warrants.", "{ kind = \"single\" }"),
    key("warrant", "check_signature", "boolean", "true", "`true`, `false`", "Agents verify the court's signature (rejecting identity keys).", "false"),
    key("warrant", "check_expiry", "boolean", "true", "`true`, `false`", "Agents reject expired (or not yet valid) warrants.", "false"),
    key("warrant", "check_scope", "boolean", "true", "`true`, `false`", "Agents release only for fields whose parties and epoch the warrant covers.", "false"),
    key("warrant", "replay_cache", "boolean", "true", "`true`, `false`", "Agents refuse a request already answered.", "false"),
    key("warrant", "use_limit", "integer", "1", "0 or more; 0 means unlimited", "Requests an agent serves under one warrant.", "0"),
    key("warrant", "field_registry", "boolean", "false", "`true`, `false`", "Agents check each field against the relay's append-only registry of the session header it was first carried under (stops a planted account re-signing a victim's field).", "true"),
    key("warrant.court", "kind", "string", "required", "`single`, `threshold`", "`single`: one court key; `threshold`: `k` of `n` judges sign with threshold signature shares.", "\"threshold\""),
    key("warrant.court", "k", "integer", "none (`threshold` needs it; `single` takes none)", "1 to `n`", "Judges needed to sign a warrant.", "2"),
    key("warrant.court", "n", "integer", "none (`threshold` needs it; `single` takes none)", "1 to 16", "Judges in all.", "3"),
    key("audit", "log", "string", "`hash-chain`", "`none`, `hash-chain`, `witnessed`", "`none`: no log; `hash-chain`: a SHA-256 hash chain per agent (catches edits, deletions and reordering, not a cut tail or a consistent rewrite); `witnessed`: chain heads anchored with an outside witness (also catches truncation and rewriting).", "\"witnessed\""),
    key("combiner", "verify_shares", "boolean", "true", "`true`, `false`", "The combiner verifies each decryption share before combining (`false`: a deliberately broken combiner).", "false"),
    key("client", "roster_check", "boolean", "false", "`true`, `false`", "Clients compare a session key's recipients with the signed conversation roster, so a hidden (ghost) member is noticed.", "true"),
    key("client", "pin_escrow_key", "boolean", "false", "`true`, `false`", "Clients pin the escrow public key in their own code. The pin ships in band, with the client's updates: whoever controls the update channel (Juniper 2015) rewrites the pin with the key, so it stops a key pushed by configuration, not by update.", "true"),
    key("client", "roster_signer", "string", "`user`", "`user`, `provider`, `log`", "Who signs the roster `roster_check` compares with: `user`: members sign, their identity keys verified out of band (an assumption); `provider`: the provider signs, so a member it inserts passes; `log`: key transparency, a key in the provider's published key log (a SHA-256 Merkle tree) passes and a monitor sees each entry with probability `kt_monitor_pct` per epoch.", "\"log\""),
    key("client", "kt_monitor_pct", "integer", "100", "0 to 100", "Key transparency: percentage chance that a monitor checks a user's log entries in an epoch (no deployed figure: sweep it; 100 is the CONIKS assumption that every client monitors every epoch). A key caught is revoked after that epoch.", "20"),
    key("client", "binary_transparency", "boolean", "false", "`true`, `false`", "Client updates are published in a log that independent rebuilders check against reproducible builds (outside the update channel): a substituted key shipped in an update is caught when a rebuilder looks, and clients roll it back.", "true"),
    key("client", "bt_monitor_pct", "integer", "100", "0 to 100", "Binary transparency: percentage chance that a rebuilder checks the logged updates in an epoch (100: every update is rebuilt in the epoch it ships, an assumption).", "30"),
    key("mechanism", "family", "string", "required", "`session-escrow`, `ghost-user`, `device-escrow`, `hsm-guess-limit`, `crumple-zone`, `public-ledger`, or a registered family", "The mechanism family (docs/MECHANISMS.md).", "\"session-escrow\""),
    key("mechanism", "params", "table", "the family's defaults", "the family's parameters (docs/MECHANISMS.md)", "The family's parameters, each checked against its declared type and range (e.g. `{ bind_to_device = true }` for `device-escrow`); a family with both `k` and `n` needs `k` <= `n`.", "{}"),
];

/// A [`KeyDoc`](super::KeyDoc) row (short, so the tables read as tables).
pub(crate) const fn key(
    table: &'static str,
    key: &'static str,
    ty: &'static str,
    default: &'static str,
    allowed: &'static str,
    doc: &'static str,
    example: &'static str,
) -> super::KeyDoc {
    super::KeyDoc {
        table,
        key,
        ty,
        default,
        allowed,
        doc,
        example,
    }
}

/// The built-in schemes, by name, with their text.
const BUILTINS: &[(&str, &str)] = &[
    (
        "e2e-baseline",
        include_str!("../../../fixtures/schemes/e2e-baseline.toml"),
    ),
    (
        "single-key",
        include_str!("../../../fixtures/schemes/single-key.toml"),
    ),
    (
        "threshold-3of5",
        include_str!("../../../fixtures/schemes/threshold-3of5.toml"),
    ),
    (
        "threshold-3of5-epoch",
        include_str!("../../../fixtures/schemes/threshold-3of5-epoch.toml"),
    ),
    (
        "hardened",
        include_str!("../../../fixtures/schemes/hardened.toml"),
    ),
    (
        "ghost-user",
        include_str!("../../../fixtures/schemes/ghost-user.toml"),
    ),
    (
        "ghost-user-checked",
        include_str!("../../../fixtures/schemes/ghost-user-checked.toml"),
    ),
    (
        "device-escrow",
        include_str!("../../../fixtures/schemes/device-escrow.toml"),
    ),
    (
        "device-escrow-bound",
        include_str!("../../../fixtures/schemes/device-escrow-bound.toml"),
    ),
    (
        "hsm-guess-limit",
        include_str!("../../../fixtures/schemes/hsm-guess-limit.toml"),
    ),
    (
        "hsm-guess-limit-signable",
        include_str!("../../../fixtures/schemes/hsm-guess-limit-signable.toml"),
    ),
    (
        "crumple-zone",
        include_str!("../../../fixtures/schemes/crumple-zone.toml"),
    ),
    (
        "public-ledger",
        include_str!("../../../fixtures/schemes/public-ledger.toml"),
    ),
];

impl Scheme {
    /// Parses and validates a scheme from TOML text. `file` names the source in errors
    /// (a path, or `builtin:NAME`).
    ///
    /// # Errors
    /// [`Error::Config`] with the line and column of the problem: TOML syntax, an unknown
    /// key, a wrong type, a missing required key, or a value out of range.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Scheme> {
        check_mechanism_table(text, file)?;
        let scheme: Scheme = parse_toml(
            text,
            file,
            "a scheme needs at least `name`, `summary` and `[custody] kind`",
            &[
                "custody",
                "field",
                "warrant",
                "audit",
                "combiner",
                "client",
                "mechanism",
            ],
        )?;
        scheme.validate().map_err(|(path, message)| {
            let (line, column) = locate(text, &path);
            config_error(file, line, column, message)
        })?;
        Ok(scheme)
    }

    /// Loads a built-in scheme by name or, failing that, a scheme file by path.
    ///
    /// # Errors
    /// [`Error::Input`] listing the built-in names when `name_or_path` is neither;
    /// [`Error::Io`] when the file cannot be read; [`Error::Input`] when it is not a
    /// regular file or is larger than [`MAX_FILE_BYTES`](super::limits::MAX_FILE_BYTES);
    /// [`Error::Config`] when it is not UTF-8 or not a valid scheme.
    pub fn load(name_or_path: &str) -> Result<Scheme> {
        if let Some((name, text)) = BUILTINS.iter().find(|(n, _)| *n == name_or_path) {
            return Scheme::from_toml_str(text, &format!("builtin:{name}"));
        }
        let path = std::path::Path::new(name_or_path);
        // Anything that exists is handed to the checked reader, which names a FIFO or a
        // directory for what it is.
        if std::fs::metadata(path).is_err() {
            return Err(Error::input(format!(
                "unknown scheme `{}`: not a built-in scheme ({}) and no such file",
                crate::text::echo(name_or_path),
                Scheme::builtin_names().join(", ")
            )));
        }
        let text = read_text(name_or_path)?;
        Scheme::from_toml_str(&text, name_or_path)
    }

    /// Names of the built-in schemes, in the order the default suite runs them.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTINS.iter().map(|(n, _)| *n).collect()
    }

    /// The built-in schemes, parsed.
    ///
    /// # Panics
    /// Never in a released build: every built-in is parsed by the test suite.
    pub fn builtins() -> Vec<Scheme> {
        BUILTINS
            .iter()
            .map(|(name, text)| {
                Scheme::from_toml_str(text, &format!("builtin:{name}"))
                    .unwrap_or_else(|e| panic!("built-in scheme `{name}` is invalid: {e}"))
            })
            .collect()
    }

    /// Shares needed to recover an escrowed key: 0 without custody, 1 for a single key.
    pub fn k(&self) -> usize {
        match self.custody.kind {
            CustodyKind::None => 0,
            CustodyKind::Single => 1,
            CustodyKind::Threshold => self.custody.k,
        }
    }

    /// Key holders: 0 without custody, 1 for a single key.
    pub fn n(&self) -> usize {
        match self.custody.kind {
            CustodyKind::None => 0,
            CustodyKind::Single => 1,
            CustodyKind::Threshold => self.custody.n,
        }
    }

    /// The court's `(k, n)`: `(1, 1)` for a single court key.
    pub fn court_kn(&self) -> (usize, usize) {
        match self.warrant.court {
            Court::Single => (1, 1),
            Court::Threshold { k, n } => (k, n),
        }
    }

    /// The mechanism family (`session-escrow` when the scheme names none).
    pub fn family(&self) -> &str {
        self.mechanism
            .as_ref()
            .map_or(crate::vocab::family::SESSION_ESCROW, |m| m.family.as_str())
    }

    /// Does the scheme escrow anything (is there a lawful-access path at all)?
    pub fn offers_lawful_access(&self) -> bool {
        self.custody.kind != CustodyKind::None
    }

    /// Names of the controls this scheme switches off or keeps weak, for the `schemes`
    /// listing. Empty for a scheme without escrow (there is nothing to weaken).
    pub fn weakened_controls(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if !self.offers_lawful_access() {
            return v;
        }
        match self.field.binding {
            Binding::None => v.push("no field binding"),
            Binding::Checksum => v.push(checksum_label(self.field.checksum_bits)),
            Binding::Signed | Binding::Recompute => {}
        }
        let w = &self.warrant;
        if !w.check_signature {
            v.push("no warrant signature check");
        }
        if !w.check_expiry {
            v.push("no expiry check");
        }
        if !w.check_scope {
            v.push("no scope check");
        }
        if !w.replay_cache {
            v.push("no replay cache");
        }
        if w.use_limit == 0 {
            v.push("no use limit");
        }
        if self.audit.log == AuditMode::None {
            v.push("no audit log");
        }
        if !self.combiner.verify_shares {
            v.push("combiner does not verify shares");
        }
        v
    }

    /// Checks every value; on failure returns the TOML key path of the offending key and
    /// the message.
    fn validate(&self) -> std::result::Result<(), (Vec<&'static str>, String)> {
        fn err<T>(
            path: &[&'static str],
            msg: String,
        ) -> std::result::Result<T, (Vec<&'static str>, String)> {
            Err((path.to_vec(), msg))
        }
        let name = &self.name;
        if name.is_empty() {
            return err(&["name"], "name must not be empty".into());
        }
        if name.chars().count() > MAX_NAME_LEN {
            return err(
                &["name"],
                format!("name is longer than {MAX_NAME_LEN} characters"),
            );
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '/'))
        {
            return err(
                &["name"],
                format!("name may contain only a-z, 0-9, `-` and `/` (found {c:?})"),
            );
        }
        if self.summary.trim().is_empty() {
            return err(&["summary"], "summary must not be empty".into());
        }
        if self.summary.contains(['\n', '\r']) {
            return err(&["summary"], "summary must be a single line".into());
        }

        for (key, v) in [
            ("kt_monitor_pct", self.client.kt_monitor_pct),
            ("bt_monitor_pct", self.client.bt_monitor_pct),
        ] {
            if v > 100 {
                return err(
                    &["client", key],
                    format!("{key} is a percentage, 0 to 100 (found {v})"),
                );
            }
        }
        let c = &self.custody;
        match c.kind {
            CustodyKind::None | CustodyKind::Single => {
                let kind = if c.kind == CustodyKind::None {
                    "none"
                } else {
                    "single"
                };
                if c.k != 1 {
                    return err(
                        &["custody", "k"],
                        format!(
                            "custody kind `{kind}` takes no k (found k = {}); remove it",
                            c.k
                        ),
                    );
                }
                if c.n != 1 {
                    return err(
                        &["custody", "n"],
                        format!(
                            "custody kind `{kind}` takes no n (found n = {}); remove it",
                            c.n
                        ),
                    );
                }
            }
            CustodyKind::Threshold => {
                if c.n == 0 {
                    return err(&["custody", "n"], "n must be at least 1".into());
                }
                if c.n > MAX_AGENTS {
                    return err(
                        &["custody", "n"],
                        format!("n = {} is above the limit of {MAX_AGENTS} agents", c.n),
                    );
                }
                if c.k == 0 {
                    return err(&["custody", "k"], "k must be at least 1".into());
                }
                if c.k > c.n {
                    return err(
                        &["custody", "k"],
                        format!("k = {} is larger than n = {}", c.k, c.n),
                    );
                }
            }
        }
        if c.retention > MAX_RETENTION {
            return err(
                &["custody", "retention"],
                format!(
                    "retention = {} is above the limit of {MAX_RETENTION} epochs",
                    c.retention
                ),
            );
        }

        if self.field.binding == Binding::Checksum
            && !(1..=MAX_CHECKSUM_BITS).contains(&self.field.checksum_bits)
        {
            return err(
                &["field", "checksum_bits"],
                format!(
                    "checksum_bits = {} is outside 1..={MAX_CHECKSUM_BITS}",
                    self.field.checksum_bits
                ),
            );
        }

        if let Court::Threshold { k, n } = self.warrant.court {
            if n == 0 {
                return err(
                    &["warrant", "court", "n"],
                    "court n must be at least 1".into(),
                );
            }
            if n > MAX_COURT {
                return err(
                    &["warrant", "court", "n"],
                    format!("court n = {n} is above the limit of {MAX_COURT} judges"),
                );
            }
            if k == 0 {
                return err(
                    &["warrant", "court", "k"],
                    "court k must be at least 1".into(),
                );
            }
            if k > n {
                return err(
                    &["warrant", "court", "k"],
                    format!("court k = {k} is larger than court n = {n}"),
                );
            }
        }
        if let Some(m) = &self.mechanism {
            let Some(mech) = crate::vocab::family::find(&m.family) else {
                return err(
                    &["mechanism", "family"],
                    format!(
                        "unknown mechanism family {} (known: {})",
                        crate::text::echo(&m.family),
                        crate::vocab::family::all()
                            .iter()
                            .map(|m| m.family)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            };
            if m.family != crate::vocab::family::SESSION_ESCROW
                && self.custody.kind != CustodyKind::None
            {
                return err(
                    &["custody", "kind"],
                    format!(
                        "the `{}` mechanism replaces session escrow: its messaging world \
                         escrows nothing itself, so [custody] kind must be \"none\"",
                        m.family
                    ),
                );
            }
            let family = mech.family;
            let resolved =
                match crate::vocab::Params::resolve_family(family, mech.params, &m.params) {
                    Ok(p) => p,
                    Err(e) => {
                        // The offending parameter's own line when it names one the table has.
                        let named = m
                            .params
                            .keys()
                            .find(|k| e.to_string().contains(&format!("`{k}`")));
                        return match named {
                            Some(k) => {
                                Err((vec!["mechanism", "params", leak_key(k)], e.to_string()))
                            }
                            None => err(&["mechanism", "params"], e.to_string()),
                        };
                    }
                };
            // A threshold family: k of n, as custody's.
            let has = |n: &str| mech.params.iter().any(|p| p.name == n);
            if has("k") && has("n") && resolved.int("k") > resolved.int("n") {
                return err(
                    &["mechanism", "params", "k"],
                    format!(
                        "mechanism family `{family}`: k = {} is larger than n = {}",
                        resolved.int("k"),
                        resolved.int("n")
                    ),
                );
            }
        }
        Ok(())
    }
}

/// One of a few key names as `'static` (the error path of [`Scheme::validate`] holds
/// `'static` keys): a parameter name the family declares, else `params`.
fn leak_key(k: &str) -> &'static str {
    crate::vocab::family::all()
        .iter()
        .flat_map(|m| m.params.iter().map(|p| p.name))
        .find(|n| *n == k)
        .unwrap_or("params")
}

/// Checks the `[mechanism]` table before it is parsed, where the parser would say less: a
/// table without `family`, and a family parameter of the wrong type (a float, a string
/// where an integer is wanted...), each named with the family and the type expected.
fn check_mechanism_table(text: &str, file: &str) -> Result<()> {
    use crate::vocab::ParamKind;
    use toml::de::DeValue;
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return Ok(()); // The parser reports the syntax error itself.
    };
    let Some(mech) = doc.get_ref().get("mechanism") else {
        return Ok(());
    };
    let Some(table) = mech.get_ref().as_table() else {
        return Ok(()); // Not a table: the parser names the type.
    };
    let at = |path: &[&str], message: String| {
        let (line, column) = locate(text, path);
        config_error(file, line, column, message)
    };
    let Some(family) = table.get("family") else {
        let known: Vec<&str> = crate::vocab::family::all()
            .iter()
            .map(|m| m.family)
            .collect();
        return Err(at(
            &["mechanism"],
            format!(
                "[mechanism] needs `family` (one of: {}); without the table a scheme is \
                 session escrow",
                known.join(", ")
            ),
        ));
    };
    let Some(mechanism) = family
        .get_ref()
        .as_str()
        .and_then(crate::vocab::family::find)
    else {
        return Ok(()); // Validation names an unknown family, the parser a wrong type.
    };
    let info = mechanism;
    let Some(params) = table.get("params").and_then(|p| p.get_ref().as_table()) else {
        return Ok(());
    };
    for (key, value) in params.iter() {
        let name = key.get_ref().as_ref();
        let Some(spec) = info.params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = info.params.iter().map(|p| p.name).collect();
            let (line, column) = line_col(text, key.span().start);
            return Err(config_error(
                file,
                line,
                column,
                format!(
                    "mechanism family `{}` has no parameter `{}` (its parameters: {})",
                    info.family,
                    crate::text::echo(name),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        let wanted = match spec.kind {
            ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. } => {
                (!matches!(value.get_ref(), DeValue::Integer(_)))
                    .then(|| format!("an integer in {min}..={max}"))
            }
            ParamKind::Bool => (!matches!(value.get_ref(), DeValue::Boolean(_)))
                .then(|| "true or false".to_string()),
            ParamKind::Choice(c) => (!matches!(value.get_ref(), DeValue::String(_)))
                .then(|| format!("one of the strings {}", c.join(", "))),
        };
        let Some(wanted) = wanted else { continue };
        let written = text.get(value.span()).unwrap_or("").trim();
        let found = match value.get_ref() {
            DeValue::String(v) => format!("the string \"{}\"", crate::text::echo(v)),
            DeValue::Integer(_) => format!("the integer {}", crate::text::echo(written)),
            DeValue::Float(_) => format!("the float {}", crate::text::echo(written)),
            DeValue::Boolean(b) => format!("the boolean {b}"),
            DeValue::Datetime(_) => format!("the date-time {}", crate::text::echo(written)),
            DeValue::Array(_) => "an array".to_string(),
            DeValue::Table(_) => "a table".to_string(),
        };
        let (line, column) = line_col(text, key.span().start);
        return Err(config_error(
            file,
            line,
            column,
            format!(
                "mechanism family `{}`: parameter `{name}` is {wanted}, not {found}",
                info.family
            ),
        ));
    }
    Ok(())
}

/// `"checksum binding (N bits)"` as a `'static` string (one table, built once).
fn checksum_label(bits: u32) -> &'static str {
    static LABELS: OnceLock<Vec<String>> = OnceLock::new();
    let labels = LABELS.get_or_init(|| {
        (1..=MAX_CHECKSUM_BITS)
            .map(|b| {
                format!(
                    "checksum binding ({b} bit{})",
                    if b == 1 { "" } else { "s" }
                )
            })
            .collect()
    });
    match bits.checked_sub(1).and_then(|i| labels.get(i as usize)) {
        Some(s) => s.as_str(),
        None => "checksum binding (invalid width)",
    }
}

pub(crate) fn config_error(file: &str, line: usize, column: usize, message: String) -> Error {
    Error::Config {
        location: Location {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
        },
        message,
    }
}

/// Parses a configuration file's text into `T`, every problem said in the user's terms
/// with its line and column: lone-CR line endings, a file with nothing in it (`hint` says
/// what it needs), one of `tables` written as an array of tables (`[[custody]]`), a TOML
/// error (a date-time where another type is wanted is named as such; quoted input is cut
/// to a readable length).
///
/// # Errors
/// [`Error::Config`].
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    hint: &str,
    tables: &[&str],
) -> Result<T> {
    ensure_line_endings(text, file)?;
    ensure_not_empty(text, file, hint)?;
    ensure_tables(text, file, tables)?;
    toml::from_str(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(text, start);
        let message = e.message().trim_end();
        let message = match e.span().and_then(|s| datetime_at(text, s)) {
            Some(dt) => datetime_message(text, start, dt, message),
            None => crate::text::clip_quoted(message).into_owned(),
        };
        config_error(file, line, column, message)
    })
}

/// Refuses carriage returns not followed by a line feed: TOML does not take a lone CR as
/// a line ending, and the whole file would read as one line.
fn ensure_line_endings(text: &str, file: &str) -> Result<()> {
    let lone = text
        .match_indices('\r')
        .map(|(i, _)| i)
        .find(|&i| !text[i + 1..].starts_with('\n'));
    match lone {
        None => Ok(()),
        Some(i) => {
            let (line, column) = line_col(text, i);
            Err(config_error(
                file,
                line,
                column,
                "the file uses lone carriage returns (CR) as line endings, which TOML does \
                 not accept: convert it to LF (or CR LF) line endings"
                    .into(),
            ))
        }
    }
}

/// Refuses any of `tables` written as an array of tables (`[[custody]]`) instead of a
/// table (`[custody]`).
fn ensure_tables(text: &str, file: &str, tables: &[&str]) -> Result<()> {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return Ok(()); // The parser reports the syntax error itself.
    };
    for (key, value) in doc.get_ref().iter() {
        let name = key.get_ref().as_ref();
        if tables.contains(&name) && value.get_ref().as_array().is_some() {
            let (line, column) = line_col(text, key.span().start);
            return Err(config_error(
                file,
                line,
                column,
                format!("`{name}` must be a table `[{name}]`, not an array of tables `[[{name}]]`"),
            ));
        }
    }
    Ok(())
}

/// The TOML date-time written at `span` of `text`, if that is what is there.
fn datetime_at(text: &str, span: std::ops::Range<usize>) -> Option<&str> {
    let written = text.get(span)?.trim();
    written
        .parse::<toml::value::Datetime>()
        .is_ok()
        .then_some(written)
}

/// "a date-time is not accepted for `key`": the deserializer's own words for a date-time
/// are "invalid type: map" or "wanted string or table".
fn datetime_message(text: &str, start: usize, datetime: &str, message: &str) -> String {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let key = text[line_start..start]
        .trim_end()
        .strip_suffix('=')
        .and_then(|k| k.rsplit(['{', ',']).next())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let expected = match (
        message.split_once("expected "),
        message.strip_prefix("wanted "),
    ) {
        (Some((_, e)), _) => e.to_string(),
        (None, Some(w)) => format!("a {w}"),
        (None, None) => "another type".into(),
    };
    let what = match key {
        Some(k) => format!("for `{}`", crate::text::echo(k)),
        None => "here".into(),
    };
    format!("a date-time (`{datetime}`) is not accepted {what}: expected {expected}")
}

/// Refuses a file with nothing but whitespace and comments: almost always a mistake.
fn ensure_not_empty(text: &str, file: &str, hint: &str) -> Result<()> {
    let empty = text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    });
    if empty {
        return Err(config_error(
            file,
            1,
            1,
            format!("the file is empty: {hint}"),
        ));
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Line and column of the key at `path` (e.g. `["custody", "k"]`). When the key is absent
/// (a default was used), the deepest table on the path that is present; else 1:1.
pub(crate) fn locate(text: &str, path: &[&str]) -> (usize, usize) {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return (1, 1);
    };
    let mut table = doc.get_ref();
    let mut found = 0usize;
    for (depth, part) in path.iter().enumerate() {
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *part) else {
            break;
        };
        found = key.span().start;
        if depth + 1 == path.len() {
            break;
        }
        match value.get_ref().as_table() {
            Some(t) => table = t,
            None => break,
        }
    }
    line_col(text, found)
}

/// Line and column of each element of the array at `path` (e.g. `["attacks"]`, or
/// `["sweep", "share-theft", "stolen"]`), in file order; empty when there is no array
/// there. An array of tables (`[[expect]]`) gives the position of each header.
pub(crate) fn locate_items(text: &str, path: &[&str]) -> Vec<(usize, usize)> {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return Vec::new();
    };
    let mut table = doc.get_ref();
    for (depth, part) in path.iter().enumerate() {
        let Some((_, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *part) else {
            return Vec::new();
        };
        if depth + 1 == path.len() {
            return value
                .get_ref()
                .as_array()
                .map(|a| a.iter().map(|e| line_col(text, e.span().start)).collect())
                .unwrap_or_default();
        }
        match value.get_ref().as_table() {
            Some(t) => table = t,
            None => return Vec::new(),
        }
    }
    Vec::new()
}

/// Reads a scheme or suite file the user named (see [`crate::input::read_user_file`]) as
/// UTF-8.
pub(crate) fn read_text(path: &str) -> Result<String> {
    let bytes = crate::input::read_user_file(std::path::Path::new(path))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        // The valid prefix is UTF-8, so its line and column are well defined.
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
        let (line, column) = line_col(&prefix, good);
        config_error(path, line, column, "file is not valid UTF-8".into())
    })
}
