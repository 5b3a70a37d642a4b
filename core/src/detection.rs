//! Detections: a client check, audit check or witness that fired.

/// A client check, audit check or witness that fired.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Detection {
    /// The control that noticed (`roster-check`, `join-notice`, `recipient-field-check`, ...).
    pub control: String,
    /// Epoch.
    pub epoch: u32,
    /// What it saw.
    pub detail: String,
}

impl Detection {
    /// Whether the control that noticed also refused: a client that refuses a pushed escrow
    /// key (`key-pinning`), rejects a session whose field fails its check
    /// (`recipient-field-check`), or delivers no key to a member outside the signed roster
    /// (`roster-check`), or rolls back an update a rebuilder caught (`binary-transparency`). A
    /// `key-transparency` notice revokes the key only after its epoch, and a `join-notice` or a `share-commitment-check` only notices.
    pub fn refused(&self) -> bool {
        matches!(
            self.control.as_str(),
            "binary-transparency" | "key-pinning" | "recipient-field-check" | "roster-check"
        )
    }
}
