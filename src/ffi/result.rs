// SPDX-License-Identifier: LGPL-2.1-or-later
//! `virMigrationCheckResult` lists: built from a `Report` with malloc (as libvirt allocates),
//! freed by `virMigrationCheckResultListFree`.

use std::os::raw::{c_char, c_int, c_uint};
use std::ptr;

use virt::sys;

use super::{Out, virTypedParameterPtr};
use crate::error::Error;
use crate::report::{Report, Value};

/// One result of virMigrationCheck(). New fields are only ever appended.
#[repr(C)]
pub struct virMigrationCheckResult {
    /// Exactly one selection bit (virMigrationCheckFlags): the check that produced it.
    pub check: c_uint,
    /// A virMigrationCheckSeverity.
    pub severity: c_int,
    /// Stable reason code, starting with the check's name: "network.missing", "disk.ok".
    pub code: *mut c_char,
    /// One sentence naming the object: "network 'prod' used by interface ... does not exist on
    /// the destination".
    pub message: *mut c_char,
    /// What to do about it, or NULL.
    pub hint: *mut c_char,
    /// Machine-readable details as libvirt typed parameters, or NULL. Owned by the result list.
    pub params: virTypedParameterPtr,
    /// Number of entries in params.
    pub nparams: c_int,
}

/// A pointer to a result.
pub type virMigrationCheckResultPtr = *mut virMigrationCheckResult;

fn oom() -> Error {
    Error::Internal("out of memory".to_string())
}

/// A malloc'd copy of `s` (interior NULs replaced), for the caller or the list to free.
pub(crate) fn c_string(s: &str) -> Result<*mut c_char, Error> {
    let bytes = s.as_bytes();
    // SAFETY: we allocate len + 1 bytes and write exactly that many.
    unsafe {
        let p = libc::malloc(bytes.len() + 1) as *mut u8;
        if p.is_null() {
            return Err(oom());
        }
        for (i, b) in bytes.iter().enumerate() {
            *p.add(i) = if *b == 0 { b' ' } else { *b };
        }
        *p.add(bytes.len()) = 0;
        Ok(p as *mut c_char)
    }
}

/// Builds the typed parameters of one finding's details.
fn typed_params(details: &[(std::borrow::Cow<'static, str>, Value)]) -> Result<(virTypedParameterPtr, c_int), Error> {
    if details.is_empty() {
        return Ok((ptr::null_mut(), 0));
    }
    // SAFETY: calloc zeroes every parameter, so a partly filled array frees cleanly.
    let params =
        unsafe { libc::calloc(details.len(), std::mem::size_of::<sys::virTypedParameter>()) } as virTypedParameterPtr;
    if params.is_null() {
        return Err(oom());
    }
    for (i, (name, value)) in details.iter().enumerate() {
        // SAFETY: `params` has `details.len()` zeroed entries.
        let param = unsafe { &mut *params.add(i) };
        // Field names are at most 79 bytes plus the NUL (VIR_TYPED_PARAM_FIELD_LENGTH).
        for (dst, src) in param.field.iter_mut().zip(name.bytes().take(79)) {
            *dst = src as c_char;
        }
        match value {
            Value::Int(n) => {
                param.type_ = sys::VIR_TYPED_PARAM_LLONG as c_int;
                param.value.l = *n;
            }
            Value::UInt(n) => {
                param.type_ = sys::VIR_TYPED_PARAM_ULLONG as c_int;
                param.value.ul = *n;
            }
            Value::Bool(b) => {
                param.type_ = sys::VIR_TYPED_PARAM_BOOLEAN as c_int;
                param.value.b = *b as c_char;
            }
            Value::Str(s) => match c_string(s) {
                Ok(p) => {
                    param.type_ = sys::VIR_TYPED_PARAM_STRING as c_int;
                    param.value.s = p;
                }
                Err(e) => {
                    // SAFETY: entries before `i` are complete, later ones zeroed.
                    unsafe { free_params(params, i as c_int) };
                    return Err(e);
                }
            },
        }
    }
    Ok((params, details.len() as c_int))
}

/// Frees typed parameters built by `typed_params`.
unsafe fn free_params(params: virTypedParameterPtr, n: c_int) {
    if params.is_null() {
        return;
    }
    for i in 0..n.max(0) as usize {
        // SAFETY: `params` holds `n` entries, string ones with a malloc'd value.
        let param = unsafe { &*params.add(i) };
        if param.type_ == sys::VIR_TYPED_PARAM_STRING as c_int {
            unsafe { libc::free(param.value.s as *mut libc::c_void) };
        }
    }
    unsafe { libc::free(params as *mut libc::c_void) };
}

/// Frees one result and everything it owns.
unsafe fn free_result(result: virMigrationCheckResultPtr) {
    if result.is_null() {
        return;
    }
    // SAFETY: `result` was built by `to_c_list` (or is zeroed): every pointer is malloc'd or NULL.
    unsafe {
        let r = &*result;
        libc::free(r.code as *mut libc::c_void);
        libc::free(r.message as *mut libc::c_void);
        libc::free(r.hint as *mut libc::c_void);
        free_params(r.params, r.nparams);
        libc::free(result as *mut libc::c_void);
    }
}

/// Builds the NULL-terminated result list of `report`. On failure nothing is leaked.
pub(crate) fn to_c_list(report: &Report) -> Result<*mut virMigrationCheckResultPtr, Error> {
    let n = report.findings.len();
    // SAFETY: n + 1 zeroed pointers: the list is always NULL-terminated, even when partly built.
    let list = unsafe { libc::calloc(n + 1, std::mem::size_of::<virMigrationCheckResultPtr>()) }
        as *mut virMigrationCheckResultPtr;
    if list.is_null() {
        return Err(oom());
    }
    for (i, finding) in report.findings.iter().enumerate() {
        let built = (|| -> Result<virMigrationCheckResultPtr, Error> {
            // SAFETY: a zeroed result frees cleanly if a later allocation fails.
            let result = unsafe { libc::calloc(1, std::mem::size_of::<virMigrationCheckResult>()) }
                as virMigrationCheckResultPtr;
            if result.is_null() {
                return Err(oom());
            }
            let fill = || -> Result<(), Error> {
                // SAFETY: `result` is a valid, zeroed allocation we own.
                let r = unsafe { &mut *result };
                r.check = finding.check.bit().bits();
                r.severity = finding.severity as c_int;
                r.code = c_string(&finding.code)?;
                r.message = c_string(&finding.message)?;
                if let Some(hint) = &finding.hint {
                    r.hint = c_string(hint)?;
                }
                let (params, nparams) = typed_params(&finding.details)?;
                r.params = params;
                r.nparams = nparams;
                Ok(())
            };
            match fill() {
                Ok(()) => Ok(result),
                Err(e) => {
                    // SAFETY: `result` holds only malloc'd or NULL pointers.
                    unsafe { free_result(result) };
                    Err(e)
                }
            }
        })();
        match built {
            // SAFETY: `i < n`, within the list.
            Ok(result) => unsafe { *list.add(i) = result },
            Err(e) => {
                // SAFETY: the list is NULL-terminated after the results built so far.
                unsafe { free_list(list) };
                return Err(e);
            }
        }
    }
    Ok(list)
}

/// Stores the result list of `report` in `results`; returns the number of results, the entry
/// point's answer.
pub(crate) fn give(results: Out<*mut virMigrationCheckResultPtr>, report: &Report) -> Result<c_int, Error> {
    results.set(to_c_list(report)?);
    Ok(report.findings.len() as c_int)
}

/// Frees a NULL-terminated list built by `to_c_list` (or NULL): the body of
/// virMigrationCheckResultListFree, for code already inside a guard (a matrix's cells).
pub(crate) unsafe fn free_list(results: *mut virMigrationCheckResultPtr) {
    if results.is_null() {
        return;
    }
    let mut i = 0;
    loop {
        // SAFETY: the list is NULL-terminated; each entry was built by `to_c_list`.
        let result = unsafe { *results.add(i) };
        if result.is_null() {
            break;
        }
        unsafe { free_result(result) };
        i += 1;
    }
    unsafe { libc::free(results as *mut libc::c_void) };
}

/// Frees a result list returned by virMigrationCheck(): every result, its strings and its
/// typed parameters, and the list itself. NULL is accepted and ignored.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckResultListFree(results: *mut virMigrationCheckResultPtr) {
    // SAFETY: the caller passes a list returned by this library, or NULL.
    super::error::guard_free(move || unsafe { free_list(results) });
}
