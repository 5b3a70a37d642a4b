//! Cheat 2, second half: fabricate a lawful case (a warrant with the agents' answers) or an
//! agent's answer instead of obtaining them through `lawful_case_answers`, which records
//! `obtain_warrant` and `submit_request`.
use escrowlab::prelude::*;

fn cheat(signed: SignedWarrant) {
    let _case = LawfulCase {
        warrant: signed,
        request: Vec::new(),
        sessions: Vec::new(),
        responses: Vec::new(),
    };
    let _answer = ShareResponse {
        agent: 0,
        items: Vec::new(),
    };
}

fn main() {
    let _ = cheat;
}
