//! Panics are bugs, never the user's fault, and never shown to a user as a stack trace.
//!
//! Attack modules (including ones written in a lab) run inside [`contained`]: a panic
//! becomes an error in that attack's cell and every other cell still runs. Outside, the
//! hook installed by the CLI prints one line instead of Rust's default panic message.

use std::cell::Cell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Installs a panic hook that stays silent inside [`contained`] (the panic is reported as
/// the cell's error) and prints one line otherwise.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if CONTAINED.with(|c| c.get()) {
            return;
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // Not `eprintln!`: it panics when standard error cannot be written.
        let _ = writeln!(
            std::io::stderr().lock(),
            "escrowlab: internal error (a bug, please report it): {msg}{at}"
        );
    }));
}

/// [`contained`] for code that may run before the CLI installs its hook (a user's binary
/// building its attack registry): the panic is silenced whatever hook is installed, and the
/// hook is put back afterwards.
pub fn silenced<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = contained(f);
    std::panic::set_hook(hook);
    r
}

/// Runs `f`, turning a panic into `Err(message)`.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = CONTAINED.with(|c| c.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was));
    r.map_err(|p| {
        if let Some(s) = p.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = p.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-text payload".into()
        }
    })
}
