//! A progress line on standard error for long runs: `suite: 12/40 cells, 3.1 s`, redrawn in
//! place (`\r`) about ten times a second and cleared when the run ends.
//!
//! Only the command line starts one ([`Progress::start`]), and only when standard error is
//! a terminal: piped or redirected, nothing is written. The line appears once a run has
//! taken [`DEFAULT_DELAY`] (no flicker for fast runs; `ESCROWLAB_PROGRESS_DELAY_MS`
//! overrides the delay, `0` drawing at once, which the pseudo-terminal test uses).
//!
//! The runner reports without carrying a handle through every call: [`stage`] names what
//! runs now with its unit and total, and [`advance`] counts one unit done from any thread
//! (one atomic add; a no-op when no progress line is active, as in library use and tests).
//! A count in another unit than the current stage's is ignored, so the epochs of a world
//! built inside a suite never count as its cells.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a run goes before its progress line appears.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// The redraw period (about 10 Hz).
const PERIOD: Duration = Duration::from_millis(100);

/// What a stage counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Attack cells run (the every-device baseline's cells included).
    Cells,
    /// Epochs of a world simulated.
    Epochs,
    /// Conformance properties checked.
    Properties,
    /// Nothing counted: the line shows the stage and the time only.
    None,
}

impl Unit {
    /// The unit's plural noun ("cells").
    fn noun(self, n: u64) -> &'static str {
        match self {
            Unit::Cells => crate::text::plural(n, "cell", "cells"),
            Unit::Epochs => crate::text::plural(n, "epoch", "epochs"),
            Unit::Properties => crate::text::plural(n, "property", "properties"),
            Unit::None => "",
        }
    }
}

/// The line for a stage: `label: done/total unit, 3.1 s`, or `label, 3.1 s` for a stage
/// without a count.
pub fn render(label: &str, unit: Unit, done: u64, total: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if unit == Unit::None || total == 0 {
        format!("{label}, {secs:.1} s")
    } else {
        format!(
            "{label}: {}/{total} {}, {secs:.1} s",
            done.min(total),
            unit.noun(total)
        )
    }
}

struct Stage {
    label: String,
    unit: Unit,
    total: u64,
}

struct Shared {
    stage: Mutex<Stage>,
    done: AtomicU64,
    /// `Unit` of the current stage as a number, read by [`advance`] without the lock.
    unit: AtomicU64,
    start: Instant,
    delay: Duration,
    stop: AtomicBool,
    drawn: AtomicBool,
}

fn unit_code(u: Unit) -> u64 {
    match u {
        Unit::Cells => 1,
        Unit::Epochs => 2,
        Unit::Properties => 3,
        Unit::None => 4,
    }
}

static CURRENT: Mutex<Option<Arc<Shared>>> = Mutex::new(None);
/// Fast check for [`advance`]: is any progress line active?
static ACTIVE: AtomicBool = AtomicBool::new(false);

fn current() -> Option<Arc<Shared>> {
    CURRENT.lock().ok().and_then(|c| c.clone())
}

/// Names the stage that runs now, what it counts and how many (the count restarts at 0).
/// A no-op when no progress line is active.
pub fn stage(label: &str, unit: Unit, total: u64) {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    if let Some(s) = current() {
        if let Ok(mut st) = s.stage.lock() {
            *st = Stage {
                label: label.to_string(),
                unit,
                total,
            };
            s.done.store(0, Ordering::Relaxed);
            s.unit.store(unit_code(unit), Ordering::Relaxed);
        }
        // A new stage shows at once (once the line is due at all), not at the next redraw:
        // a stage shorter than the redraw period is still seen.
        if s.start.elapsed() >= s.delay {
            draw(&s);
        }
    }
}

/// Counts one `unit` done, from any thread; ignored when the current stage counts something
/// else, and a no-op when no progress line is active.
pub fn advance(unit: Unit) {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    if let Some(s) = current() {
        if s.unit.load(Ordering::Relaxed) == unit_code(unit) {
            s.done.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The width the line is cut to: `COLUMNS` (or 80), less one so it never wraps.
fn width() -> usize {
    crate::text::terminal_width().saturating_sub(1).max(20)
}

fn draw(s: &Shared) {
    // The stage lock is held while writing, so that [`Shared::halt`] never interleaves.
    let Ok(st) = s.stage.lock() else { return };
    if s.stop.load(Ordering::Relaxed) {
        return;
    }
    let line = render(
        &st.label,
        st.unit,
        s.done.load(Ordering::Relaxed),
        st.total,
        s.start.elapsed(),
    );
    let line: String = line.chars().take(width()).collect();
    let mut e = std::io::stderr().lock();
    let _ = write!(e, "\r{line}\x1b[K");
    let _ = e.flush();
    s.drawn.store(true, Ordering::Relaxed);
}

impl Shared {
    /// Stops the redraws and clears the line if it was drawn; idempotent.
    fn halt(&self) {
        let Ok(_st) = self.stage.lock() else { return };
        if self.stop.swap(true, Ordering::Relaxed) {
            return;
        }
        if self.drawn.load(Ordering::Relaxed) {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[K");
            let _ = e.flush();
        }
    }
}

/// Writes `line` (one line, no newline) to standard error, above the progress line when
/// one is drawn (it is cleared, and redrawn at the next tick).
pub fn eprintln_above(line: &str) {
    let shared = if ACTIVE.load(Ordering::Relaxed) {
        current()
    } else {
        None
    };
    let guard = shared.as_ref().and_then(|s| s.stage.lock().ok());
    let clear = shared
        .as_ref()
        .is_some_and(|s| s.drawn.load(Ordering::Relaxed) && !s.stop.load(Ordering::Relaxed));
    let mut e = std::io::stderr().lock();
    let _ = if clear {
        writeln!(e, "\r\x1b[K{line}")
    } else {
        writeln!(e, "{line}")
    };
    let _ = e.flush();
    drop(guard);
}

/// Ends the active progress line, clearing it, before the command prints its result (a
/// no-op when none is active).
pub fn end() {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    if let Some(s) = current() {
        s.halt();
    }
}

/// A progress line on standard error; dropping it (or [`Progress::finish`]) stops the
/// redraws and clears the line.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts a progress line for `label` (no count yet: see [`stage`]) when standard
    /// error is a terminal; otherwise an inert handle that writes nothing.
    pub fn start(label: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let delay = std::env::var("ESCROWLAB_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_DELAY, Duration::from_millis);
        let shared = Arc::new(Shared {
            stage: Mutex::new(Stage {
                label: label.to_string(),
                unit: Unit::None,
                total: 0,
            }),
            done: AtomicU64::new(0),
            unit: AtomicU64::new(unit_code(Unit::None)),
            start: Instant::now(),
            delay,
            stop: AtomicBool::new(false),
            drawn: AtomicBool::new(false),
        });
        match CURRENT.lock() {
            Ok(mut c) if c.is_none() => *c = Some(shared.clone()),
            // Another line is active (or the lock is poisoned): this one stays hidden.
            _ => return Progress::hidden(),
        }
        ACTIVE.store(true, Ordering::Relaxed);
        if delay.is_zero() {
            draw(&shared);
        }
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("escrowlab-progress".into())
            .spawn(move || {
                while !s.stop.load(Ordering::Relaxed) {
                    std::thread::park_timeout(PERIOD);
                    if s.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if s.start.elapsed() >= s.delay {
                        draw(&s);
                    }
                }
            })
            .ok();
        Progress {
            shared: Some(shared),
            thread,
        }
    }

    /// A handle that shows nothing.
    pub fn hidden() -> Progress {
        Progress {
            shared: None,
            thread: None,
        }
    }

    /// Stops the redraws and clears the line (what dropping the handle does).
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        let Some(s) = self.shared.take() else { return };
        s.halt();
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        ACTIVE.store(false, Ordering::Relaxed);
        if let Ok(mut c) = CURRENT.lock() {
            *c = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_count_unit_and_seconds() {
        let t = Duration::from_millis(3140);
        assert_eq!(
            render("suite", Unit::Cells, 12, 40, t),
            "suite: 12/40 cells, 3.1 s"
        );
        assert_eq!(
            render("attack x (simulating)", Unit::Epochs, 1, 1, t),
            "attack x (simulating): 1/1 epoch, 3.1 s"
        );
        assert_eq!(
            render("check-scheme hardened", Unit::Properties, 0, 9, t),
            "check-scheme hardened: 0/9 properties, 3.1 s"
        );
        // A count past the total (a stray tick) never shows more than the total.
        assert_eq!(render("x", Unit::Cells, 5, 4, t), "x: 4/4 cells, 3.1 s");
        assert_eq!(
            render("attack x (attacking)", Unit::None, 0, 0, t),
            "attack x (attacking), 3.1 s"
        );
    }
}
