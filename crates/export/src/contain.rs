//! Runs a parsing library over uploaded bytes so that a panic inside it (a damaged file the
//! library did not expect, such as a cell pointing past the shared strings) becomes an error
//! for that one file instead of a failed request or a crashed command.

use std::{cell::Cell, panic, sync::Once};

thread_local! {
    /// Set while this thread runs a library under [`contained`]: a panic there is reported as
    /// an error of the file, so the panic hook stays quiet about it.
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `parse`, turning a panic into `Err` with the panic's message (for the log).
///
/// `parse` may only read the caller's bytes and state of its own, which is dropped unused after
/// a panic; that is what makes the `AssertUnwindSafe` sound.
pub(crate) fn contained<T>(parse: impl FnOnce() -> T) -> Result<T, String> {
    // The default hook would print "thread panicked at …" for a panic that is caught and
    // answered as a damaged file; every other panic still goes to the hook installed before.
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CONTAINING.get() {
                previous(info);
            }
        }));
    });
    let outer = CONTAINING.replace(true);
    let outcome = panic::catch_unwind(panic::AssertUnwindSafe(parse));
    CONTAINING.set(outer);
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the reader stopped on the file".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_the_flag_is_reset() {
        let index = std::hint::black_box(999);
        let outcome = contained(|| [1, 2, 3][index]);
        assert_eq!(outcome, Err("index out of bounds: the len is 3 but the index is 999".to_owned()));
        assert!(!CONTAINING.get(), "later panics on this thread reach the hook again");
        assert_eq!(contained(|| 7), Ok(7));
    }
}
