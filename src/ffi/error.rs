// SPDX-License-Identifier: LGPL-2.1-or-later
//! The thread-local last error of the C API, and the guards every entry point runs in (one per
//! kind of entry point: returning a status, returning nothing, freeing), so that no panic crosses
//! the boundary.

use std::cell::RefCell;
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::panic::{UnwindSafe, catch_unwind};

use crate::error::Error;

/// `virMigrationCheckErrorCode`: why the last call on this thread returned -1.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum virMigrationCheckErrorCode {
    /// The last call succeeded.
    VIR_MIGRATION_CHECK_ERR_NONE = 0,
    /// A NULL pointer, unknown or reserved flag bits, a domain of another connection, a closed
    /// connection.
    VIR_MIGRATION_CHECK_ERR_INVALID_ARG = 1,
    /// A libvirt call that the whole check needs failed; virGetLastError() holds libvirt's error.
    VIR_MIGRATION_CHECK_ERR_LIBVIRT = 2,
    /// An XML document could not be parsed; the message names it.
    VIR_MIGRATION_CHECK_ERR_XML = 3,
    /// A selected check is not implemented by this build (see virMigrationCheckGetSupported()).
    VIR_MIGRATION_CHECK_ERR_UNSUPPORTED = 4,
    /// A bug in this library, including a caught panic, or memory exhaustion.
    VIR_MIGRATION_CHECK_ERR_INTERNAL = 5,
    /// A host did not answer within the call's deadline (VIR_MIGRATION_CHECK_PARAM_TIMEOUT,
    /// default 60 s): its libvirtd is stopped, hung or unreachable.
    VIR_MIGRATION_CHECK_ERR_TIMEOUT = 6,
}

struct LastError {
    code: c_int,
    message: Option<CString>,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = const { RefCell::new(LastError { code: 0, message: None }) };
}

fn set(code: c_int, message: &str) {
    // An interior NUL cannot be represented in C; replace it rather than lose the message.
    let message = CString::new(message.replace('\0', " ")).ok();
    // try_with: a call made while the thread exits has nowhere to record, and must not panic.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = LastError { code, message });
}

fn reset() {
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = LastError { code: 0, message: None });
}

/// Runs an entry point that returns a status: resets the thread's error, turns an `Err` into -1
/// with the error recorded, and stops any panic at the boundary (as -1 with an internal error).
pub(crate) fn guard<F>(body: F) -> c_int
where
    F: FnOnce() -> Result<c_int, Error> + UnwindSafe,
{
    reset();
    match catch_unwind(body) {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            set(e.code(), &e.to_string());
            -1
        }
        Err(panic) => {
            record_panic(panic);
            -1
        }
    }
}

/// Runs an entry point that returns nothing: as `guard`, the caller learning of a failure from
/// virMigrationCheckGetLastErrorCode() alone.
pub(crate) fn guard_void<F>(body: F)
where
    F: FnOnce() -> Result<(), Error> + UnwindSafe,
{
    let _ = guard(move || body().map(|()| 0));
}

/// Runs a free function: stops any panic at the boundary (recorded as an internal error), but
/// otherwise leaves the thread's last error alone, so that a caller may free what a failed call
/// left behind and then read why it failed.
pub(crate) fn guard_free<F>(body: F)
where
    F: FnOnce() + UnwindSafe,
{
    if let Err(panic) = catch_unwind(body) {
        record_panic(panic);
    }
}

/// Records a caught panic as the thread's internal error, with its message when it has one.
fn record_panic(panic: Box<dyn std::any::Any + Send>) {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    set(Error::Internal(String::new()).code(), &format!("internal error: {what}"));
}

/// Returns the code (a `virMigrationCheckErrorCode`) of the last error of a
/// virMigrationCheck* call on this thread, or VIR_MIGRATION_CHECK_ERR_NONE (0) when the last call
/// succeeded. Every call resets it on entry.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub extern "C" fn virMigrationCheckGetLastErrorCode() -> c_int {
    // try_with, not with: no panic crosses the boundary, not even one called while the thread
    // is exiting (its thread-locals gone). The RefCell is never borrowed across calls.
    LAST_ERROR.try_with(|e| e.borrow().code).unwrap_or(0)
}

/// Returns the message of the last error of a virMigrationCheck* call on this thread, or NULL
/// when the last call succeeded. The string is borrowed: it stays valid until the next
/// virMigrationCheck* call on this thread; do not free it.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub extern "C" fn virMigrationCheckGetLastErrorMessage() -> *const c_char {
    // As for the code: try_with, so that no panic crosses the boundary.
    LAST_ERROR
        .try_with(|e| e.borrow().message.as_ref().map_or(std::ptr::null(), |m| m.as_ptr()))
        .unwrap_or(std::ptr::null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_rust_errors() {
        use virMigrationCheckErrorCode::*;
        assert_eq!(Error::invalid("x").code(), VIR_MIGRATION_CHECK_ERR_INVALID_ARG as c_int);
        // A real libvirt error, through the one conversion the library uses.
        let conn = virt::connect::Connect::open(Some("test:///default")).unwrap();
        let e = conn.lookup_domain_by_name("no-such-domain").unwrap_err();
        assert_eq!(Error::libvirt("virDomainLookupByName", &e).code(), VIR_MIGRATION_CHECK_ERR_LIBVIRT as c_int);
        assert_eq!(Error::xml("d", "m").code(), VIR_MIGRATION_CHECK_ERR_XML as c_int);
        assert_eq!(Error::Unsupported(String::new()).code(), VIR_MIGRATION_CHECK_ERR_UNSUPPORTED as c_int);
        assert_eq!(Error::Internal(String::new()).code(), VIR_MIGRATION_CHECK_ERR_INTERNAL as c_int);
        assert_eq!(Error::Timeout(String::new()).code(), VIR_MIGRATION_CHECK_ERR_TIMEOUT as c_int);
    }

    #[test]
    fn guard_catches_panics_and_resets() {
        let rc = guard(|| -> Result<c_int, Error> { panic!("boom") });
        assert_eq!(rc, -1);
        assert_eq!(
            virMigrationCheckGetLastErrorCode(),
            virMigrationCheckErrorCode::VIR_MIGRATION_CHECK_ERR_INTERNAL as c_int
        );
        let msg = unsafe { std::ffi::CStr::from_ptr(virMigrationCheckGetLastErrorMessage()) };
        assert!(msg.to_str().unwrap().contains("boom"));
        assert_eq!(guard(|| Ok(3)), 3);
        assert_eq!(virMigrationCheckGetLastErrorCode(), 0);
        assert!(virMigrationCheckGetLastErrorMessage().is_null());
    }

    #[test]
    fn guard_void_records_errors_and_panics() {
        guard_void(|| Err(Error::invalid("conn is NULL")));
        assert_eq!(
            virMigrationCheckGetLastErrorCode(),
            virMigrationCheckErrorCode::VIR_MIGRATION_CHECK_ERR_INVALID_ARG as c_int
        );
        guard_void(|| panic!("void boom"));
        let msg = unsafe { std::ffi::CStr::from_ptr(virMigrationCheckGetLastErrorMessage()) };
        assert!(msg.to_str().unwrap().contains("void boom"));
        guard_void(|| Ok(()));
        assert_eq!(virMigrationCheckGetLastErrorCode(), 0);
    }

    #[test]
    fn guard_free_keeps_the_last_error_and_stops_panics() {
        let _ = guard(|| Err(Error::invalid("results is NULL")));
        guard_free(|| {});
        let msg = unsafe { std::ffi::CStr::from_ptr(virMigrationCheckGetLastErrorMessage()) };
        assert!(msg.to_str().unwrap().contains("results is NULL"), "a free must not reset the error");
        guard_free(|| panic!("free boom"));
        assert_eq!(
            virMigrationCheckGetLastErrorCode(),
            virMigrationCheckErrorCode::VIR_MIGRATION_CHECK_ERR_INTERNAL as c_int
        );
    }
}
