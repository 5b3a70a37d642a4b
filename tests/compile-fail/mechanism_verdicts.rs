//! Cheat 5: under a family other than session escrow, write the mechanism's verdicts or
//! reach its secrets. The journal that carries refusals and notices is made only by the
//! attack context and never handed to the attack; a deployment's state and its loot
//! (a seized phone, an escrow record) have private fields.
use escrowlab::mechanism::device_escrow::{DeviceDeployment, SeizedDevice};
use escrowlab::mechanism::Journal;

fn forge_a_block() -> Journal {
    let mut j = Journal::new(None, 0, 0);
    j.refuse("device-binding", "vendor", "the attack's own word");
    j
}

fn read_the_vendor_key(d: &DeviceDeployment) -> usize {
    d.vendor_secret.0.len()
}

fn forge_a_phone() -> SeizedDevice {
    SeizedDevice {
        user: 0,
        blob: Vec::new(),
        store: Vec::new(),
    }
}

fn main() {
    let _ = (forge_a_block, read_the_vendor_key, forge_a_phone);
}
