//! What the HSM guess limit is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::hsm_guess_limit`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// Passcode alphabets and lengths.
pub const PASSCODE_KINDS: &[&str] = &["digits4", "digits6", "alnum4", "alnum6"];

/// How users choose passcodes: `human` (for `digits4`, the published frequencies of
/// human-chosen 4-digit PINs: [`crate::mechanism::hsm_guess_limit::HUMAN_PINS4`]) or
/// `uniform`.
pub const PIN_MODELS: &[&str] = &["human", "uniform"];

/// How the cluster holds its key: `whole` (each member holds the whole cluster key, as the
/// deployed designs document it) or `threshold` (split so that a majority is needed).
pub const CLUSTER_KEYS: &[&str] = &["whole", "threshold"];

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "passcode",
        kind: ParamKind::Choice(PASSCODE_KINDS),
        default: DefaultValue::Str("digits4"),
        doc: "users' passcodes: 4 or 6 digits, or 4 or 6 characters of [a-z0-9]",
    },
    ParamSpec {
        name: "pins",
        kind: ParamKind::Choice(PIN_MODELS),
        default: DefaultValue::Str("human"),
        doc: "how users choose passcodes: `human` draws 4-digit PINs from the published \
              frequencies (Bonneau, Preibusch & Anderson 2012, iPhone data set of 204 508 \
              PINs: the ten commonest hold 14.8 %, the rest modelled uniform), and the \
              attacker guesses in frequency order; `uniform` draws every passcode alike \
              (kinds other than digits4 have no published table here and are uniform)",
    },
    ParamSpec {
        name: "cluster_key",
        kind: ParamKind::Choice(CLUSTER_KEYS),
        default: DefaultValue::Str("whole"),
        doc: "`whole`: every member holds the whole cluster key that locks the records (the \
              deployed design: one member taken opens every record it still holds); \
              `threshold`: the key is split so that a majority of members is needed",
    },
    ParamSpec {
        name: "limit",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(10),
        doc: "failed guesses a member allows per record before it destroys its copy (Apple: \
              10; a destroyed copy is gone from that member's store)",
    },
    ParamSpec {
        name: "members",
        kind: ParamKind::Int { min: 1, max: 15 },
        default: DefaultValue::Int(5),
        doc: "HSMs in the cluster; a guess needs a majority under the limit",
    },
    ParamSpec {
        name: "kdf_iterations",
        kind: ParamKind::Int {
            min: 1,
            max: 1_000_000,
        },
        default: DefaultValue::Int(100),
        doc: "PBKDF2-HMAC-SHA256 iterations per passcode (each try costs this many HMACs; \
              deployed systems use far more, so time per try scales with it)",
    },
    ParamSpec {
        name: "signing_key_destroyed",
        kind: ParamKind::Bool,
        default: DefaultValue::Bool(true),
        doc: "the cards that sign the cluster's firmware were destroyed, so no firmware can \
              lift the limit (Apple's practice)",
    },
];

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: "hsm-guess-limit",
    title: "HSM-guarded escrow with a guess limit (iCloud Keychain style)",
    summary: "Each user's backup is escrowed in a record sealed under a PBKDF2 key from the \
              user's passcode, held by an HSM cluster that opens it only on a correct guess, \
              with a limit of failures enforced by a majority of members.",
    lawful_scope: "only targets whose passcode is disclosed under a compelled-disclosure \
                   order served with the warrant; their backed-up sessions in the window",
    references: &[
        "Apple Platform Security Guide, Escrow security for iCloud Keychain (2024)",
        "WhatsApp, End-to-end encrypted backups, security whitepaper (2021)",
        "RIPA 2000 Part III, s.49 disclosure notices",
        "Bonneau, Preibusch & Anderson, A birthday present every eleven wallets? The security \
         of customer-chosen banking PINs, Financial Cryptography 2012 (human 4-digit PIN \
         frequencies, iPhone data set of 204 508 PINs)",
    ],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript, and the escrow records clients upload through the \
             provider's escrow service (locked to the cluster key)",
        ),
        (
            Capability::SubmitRequest,
            "guess a user's passcode through the cluster's recovery interface",
        ),
        (
            Capability::CompromiseVault,
            "control one HSM member: its copy of every record and its counters",
        ),
        (
            Capability::SignFirmware,
            "sign firmware that ignores the counters on every member",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
        (
            Capability::ControlDealer,
            "run the cluster's key ceremony: it computes the cluster key before loading it \
             (whole, or dealt in shares) into the members, and may keep it",
        ),
    ],
    absent: "the HSM design has no session escrow field, no threshold agents, no relay-side \
             insertion and no device recovery mode",
    params: PARAMS,
};
