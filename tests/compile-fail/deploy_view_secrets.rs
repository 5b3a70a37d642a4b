//! Cheat 3 (the spy mechanism): a registered mechanism read every session key
//! (`SessionView::key`) and the docket (`DeployView::docket`) from its deployment view.
//! Neither exists: a family gets keys only in the form its clients produce (`Clients`),
//! and the docket only as the warrants the court delivered to its interface.
use escrowlab::mechanism::DeployView;

fn spy(view: &DeployView<'_>) -> usize {
    let keys: Vec<_> = view.sessions().iter().map(|s| s.key().clone()).collect();
    keys.len() + view.docket().len()
}

fn main() {
    let _ = spy;
}
