//! The deployment's wire decoders (issue 26): frames, agents' answers, and an agent's state
//! at rest (what `escrowlab serve agent` reads from its state directory), sealed and unsealed.
#![no_main]
use escrowlab::escrow::standalone::AgentState;
use escrowlab::services::vault::VaultKey;
use escrowlab::services::wire;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wire::decode_frame(data);
    if let Some(h) = data.get(..wire::HEADER).and_then(|h| h.try_into().ok()) {
        let _ = wire::decode_header(h);
    }
    let _ = wire::read_frame(&mut &data[..]);
    let _ = wire::decode_answer(data);
    let _ = VaultKey::from_bytes([7; 32]).open(data);
    if let Ok(s) = AgentState::decode(data) {
        let _ = s.encode();
    }
});
