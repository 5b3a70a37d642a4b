//! Every byte format the mechanism decodes: escrow fields, session headers, warrants,
//! share requests, audit logs (and the audit verifier on whatever decodes).
#![no_main]
use escrowlab::escrow::{agent::ShareRequest, audit, court::SignedWarrant, field::EscrowField};
use escrowlab::world::messaging::SessionHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EscrowField::decode(data);
    let _ = SessionHeader::decode(data);
    let _ = SignedWarrant::decode(data);
    let _ = ShareRequest::decode(data);
    if let Ok(log) = audit::AuditLog::decode(data) {
        let _ = audit::verify(&log, None);
        let _ = log.encode();
    }
});
