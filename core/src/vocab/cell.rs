//! The cell an attack runs in: its identity (every loot and token it is handed carries
//! it), and the refusal of everything that would build a world, a context, a nested run or
//! a mechanism from inside it.
//!
//! # Why a refusal while a cell runs, not a runner-only token
//! An attack crate and a test crate see exactly the same public API, so a token that
//! tests could obtain, an attack could obtain too. What differs is *when* they call:
//! the runner builds worlds and contexts before it hands control to the attack, and
//! nothing legitimate builds one while an attack's `check` or `run` is on the stack. So
//! the runner marks the thread for the duration of those calls ([`enter`]), and the
//! entry points that build worlds ([`crate::runner::base_worlds`] and every public path
//! through it), contexts ([`crate::attack::AttackCtx`] is made only by the runner), nested
//! cells ([`crate::runner::run_cell`], [`crate::runner::run_one`]) and mechanisms
//! ([`crate::mechanism::register`]) return [`crate::Error::Boundary`] when called on a
//! marked thread. A refusal is also recorded against the cell, which the runner turns
//! into an error cell naming it, whatever the attack did with the error.
//!
//! Code that deliberately leaves the thread (spawns one, or hands a closure to a pool)
//! is outside what an API can police; see ARCHITECTURE.md, "What the boundary does not
//! do". Loot made by one context is refused by every other ([`CellId`]), so nothing built
//! elsewhere can be laundered through the real cell's context.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of one context (one cell, or one world a test or tool built): every loot
/// and token the context makes carries it, and the context refuses any other. Opaque;
/// never reported (it is not derived from the seed and differs between runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellId(u64);

static NEXT: AtomicU64 = AtomicU64::new(1);

impl CellId {
    /// A fresh identity, never handed out before in this process.
    pub(crate) fn fresh() -> CellId {
        CellId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

thread_local! {
    /// This thread's frames, innermost last: `Some` while attack code runs (with the
    /// boundary violations refused meanwhile), `None` while runner code runs (a job the
    /// runner handed to its thread pool, which a thread waiting inside a cell may pick up).
    static FRAMES: RefCell<Vec<Option<Vec<String>>>> = const { RefCell::new(Vec::new()) };
}

/// Marks the current thread as running attack code until the guard is finished or
/// dropped; the guard collects the boundary violations refused meanwhile.
pub(crate) struct CellGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Enters a cell on this thread.
pub(crate) fn enter() -> CellGuard {
    FRAMES.with(|a| a.borrow_mut().push(Some(Vec::new())));
    CellGuard {
        _not_send: std::marker::PhantomData,
    }
}

impl CellGuard {
    /// The violations refused while this cell ran (ends the cell).
    pub(crate) fn finish(self) -> Vec<String> {
        let v = FRAMES
            .with(|a| a.borrow_mut().pop())
            .flatten()
            .unwrap_or_default();
        std::mem::forget(self);
        v
    }
}

impl Drop for CellGuard {
    fn drop(&mut self) {
        FRAMES.with(|a| {
            a.borrow_mut().pop();
        });
    }
}

/// Runs runner code: whatever thread runs `f` (one that waits inside a cell may steal the
/// job), `f` is not attack code.
pub(crate) fn outside<R>(f: impl FnOnce() -> R) -> R {
    let _runner = RunnerFrame::enter();
    f()
}

/// Marks runner code on this thread until dropped (see [`outside`]).
pub(crate) struct RunnerFrame {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl RunnerFrame {
    /// Enters runner code.
    pub(crate) fn enter() -> RunnerFrame {
        FRAMES.with(|a| a.borrow_mut().push(None));
        RunnerFrame {
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for RunnerFrame {
    fn drop(&mut self) {
        FRAMES.with(|a| {
            a.borrow_mut().pop();
        });
    }
}

/// Whether attack code is running on this thread.
pub(crate) fn active() -> bool {
    FRAMES.with(|a| matches!(a.borrow().last(), Some(Some(_))))
}

/// Records a boundary violation against the innermost active cell (nothing when none is).
pub(crate) fn violation(what: impl Into<String>) {
    let what = what.into();
    FRAMES.with(|a| {
        if let Some(Some(v)) = a.borrow_mut().last_mut() {
            if !v.contains(&what) {
                v.push(what);
            }
        }
    });
}

/// Refuses `what` when attack code is running on this thread: records the violation
/// against the cell and returns [`crate::Error::Boundary`].
///
/// # Errors
/// [`crate::Error::Boundary`] inside a cell.
pub(crate) fn refuse_inside(what: &str) -> crate::Result<()> {
    if !active() {
        return Ok(());
    }
    let msg = format!("{what} cannot be called from inside an attack's cell");
    violation(msg.clone());
    Err(crate::Error::Boundary(msg))
}
