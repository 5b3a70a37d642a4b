//! Laundering loot needs a second identity: a foreign crate cannot write a `CellId` or a
//! family's `LootStamp` by hand (their fields are private), so it cannot stamp loot as the
//! real cell's.
fn main() {
    let _id = escrowlab::attack::CellId(1);
    let _stamp = escrowlab::mechanism::LootStamp(None);
}
