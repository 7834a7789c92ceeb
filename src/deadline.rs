// SPDX-License-Identifier: LGPL-2.1-or-later
//! A bounded wait for work that talks to hosts.
//!
//! libvirt's client has no RPC timeout: a daemon that is stopped (SIGSTOP, a hung host, a
//! partitioned network with no keepalive) blocks the calling thread for ever, and with it the
//! caller's daemon. So a check runs on a worker thread that holds its own references to the
//! connections and domain; the caller waits at most the deadline. When it passes, the caller
//! gets `Error::Timeout` at once; the worker stays blocked in libvirt until the daemon answers,
//! dies or its connection closes, then drops its result and references and ends. Nothing it
//! touches is freed under it, and nothing it computes late is reported.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use crate::error::Error;

/// How long a check waits for its hosts unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Work started on its own worker thread, whose result is awaited with a deadline.
pub struct Pending<T> {
    result: Receiver<Result<T, Error>>,
    /// Joined once the result is in, so the thread has wholly ended (its thread-local state,
    /// glibc's resolver context among it, freed) before the caller goes on; left detached
    /// only when the caller gives up on it.
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts `work` on a worker thread.
pub fn spawn<T: Send + 'static>(work: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Pending<T> {
    let (tx, rx) = sync_channel(1);
    let started = std::thread::Builder::new().name("virt-migration-check".into()).spawn({
        let tx = tx.clone();
        move || {
            let outcome = catch_unwind(AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(Error::Internal("a panic in a check's worker thread".into())));
            // The caller may have given up: then nobody receives, and that is fine.
            let _ = tx.send(outcome);
        }
    });
    let thread = match started {
        Ok(handle) => Some(handle),
        Err(e) => {
            let _ = tx.send(Err(Error::Internal(format!("cannot start a worker thread: {e}"))));
            None
        }
    };
    Pending { result: rx, thread }
}

impl<T> Pending<T> {
    /// The work's result, or a timeout when it has none by `until` (None: wait for ever);
    /// `what` names the work in the error ("the check of 'web1'").
    pub fn wait(self, until: Option<Instant>, what: &str) -> Result<T, Error> {
        let outcome = match until {
            None => self.result.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => self.result.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match outcome {
            Ok(outcome) => {
                // It has sent its last word: joining waits only for its exit.
                if let Some(thread) = self.thread {
                    let _ = thread.join();
                }
                outcome
            }
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout(format!(
                "{what} got no answer in time: a host's libvirtd is not responding (stopped, hung or unreachable)"
            ))),
            Err(RecvTimeoutError::Disconnected) => {
                Err(Error::Internal("a check's worker thread ended without a result".into()))
            }
        }
    }
}

/// Runs `work` on a worker thread and waits at most `limit` for it (None: for ever).
pub fn run<T: Send + 'static>(
    limit: Option<Duration>,
    what: &str,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let until = limit.map(|l| Instant::now() + l);
    spawn(work).wait(
        until,
        &match limit {
            Some(l) => format!("{what} (deadline {} ms)", l.as_millis()),
            None => what.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_in_time_is_returned() {
        assert_eq!(run(Some(Duration::from_secs(5)), "work", || Ok(7)).unwrap(), 7);
        assert_eq!(run::<()>(None, "work", || Err(Error::invalid("no"))).unwrap_err(), Error::invalid("no"));
    }

    #[test]
    fn a_late_result_is_a_timeout_at_the_deadline() {
        let start = Instant::now();
        let err = run(Some(Duration::from_millis(200)), "the check of web1", || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(1)
        })
        .unwrap_err();
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(200) && waited < Duration::from_millis(1_000), "{waited:?}");
        assert_eq!(err.code(), 6);
        assert!(err.to_string().contains("the check of web1 (deadline 200 ms) got no answer in time"), "{err}");
    }

    #[test]
    fn a_panic_in_the_worker_is_an_internal_error() {
        let err = run::<()>(Some(Duration::from_secs(5)), "work", || panic!("boom")).unwrap_err();
        assert_eq!(err.code(), 5);
    }
}
