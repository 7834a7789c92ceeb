// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C API: the only `extern "C"` code. cbindgen turns this module into
//! `include/libvirt-migration-check.h`, so the doc comments here are the header's.
//!
//! Rules: no panic crosses the boundary (every entry point runs in one of `error`'s guards),
//! every pointer is checked, handles are borrowed (we take and drop our own references), and
//! everything handed to the caller is malloc'd and has a documented free. Each habit of the
//! boundary has one helper, below: `Out` for out-parameters, `reject_unknown_flags`,
//! `borrow_array` and `borrow_each` for arrays, `borrow_str` for strings, `borrow_connect` and
//! `borrow_domain` for handles.
//!
//! Every exported function is listed, under the version that added it, in
//! `libvirt-migration-check.syms` (next to this file), and its doc ends with that version's
//! "Since:" line.

#![allow(non_camel_case_types, non_snake_case)]
// The callers are C programs reading the header: each function's doc says what its pointers
// must be, in the header's words, rather than in a Rust `# Safety` section.
#![allow(clippy::missing_safety_doc)]

mod check3;
mod check_flags;
mod error;
mod matrix;
mod result;

pub use check_flags::virMigrationCheckFlags;
pub use check3::virMigrationCheck3;
pub use error::{virMigrationCheckErrorCode, virMigrationCheckGetLastErrorCode, virMigrationCheckGetLastErrorMessage};
pub use matrix::{
    virMigrationCheckMatrix, virMigrationCheckMatrixCell, virMigrationCheckMatrixData, virMigrationCheckMatrixFree,
    virMigrationCheckMatrixPtr,
};
pub use result::{virMigrationCheckResult, virMigrationCheckResultListFree, virMigrationCheckResultPtr};

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_ulong};
use std::ptr;

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use crate::error::Error;
use crate::flags::Options;

/// libvirt's connection handle (from <libvirt/libvirt.h>).
pub type virConnectPtr = sys::virConnectPtr;
/// libvirt's domain handle (from <libvirt/libvirt.h>).
pub type virDomainPtr = sys::virDomainPtr;
/// libvirt's typed parameter array (from <libvirt/libvirt.h>).
pub type virTypedParameterPtr = sys::virTypedParameterPtr;

/// This library's version, major * 1,000,000 + minor * 1,000 + micro, as compiled into the
/// header; compare with virMigrationCheckGetVersion() for the library loaded at run time.
pub const LIBVIR_MIGRATION_CHECK_VERSION_NUMBER: c_ulong = 1000;

/// Flags of virMigrationBaseline() and virMigrationBaselineXML().
#[repr(C)]
pub enum virMigrationBaselineFlags {
    /// Hosts with CPUs of different vendors get a vendor-neutral CPU (qemu64, kvm64 plus
    /// features) instead of an error.
    VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL = 1 << 0,
}

/// How serious a result is.
#[repr(C)]
pub enum virMigrationCheckSeverity {
    /// The check ran and found nothing.
    VIR_MIGRATION_CHECK_SEVERITY_OK = 0,
    /// Worth knowing, no risk.
    VIR_MIGRATION_CHECK_SEVERITY_INFO = 1,
    /// Sub-optimal or risky on the destination; the caller decides.
    VIR_MIGRATION_CHECK_SEVERITY_WARNING = 2,
    /// Show-stopper: the migration will fail, or break the guest or the host.
    VIR_MIGRATION_CHECK_SEVERITY_ERROR = 3,
    /// Could not be evaluated; code and message say why.
    VIR_MIGRATION_CHECK_SEVERITY_SKIPPED = 4,
}

// The VIR_MIGRATION_CHECK_PARAM_* constants, names and docs as cbindgen.toml writes them into
// the header (see build.rs).
include!(concat!(env!("OUT_DIR"), "/params.rs"));

// The `.symver` directives that give each exported function its version node (see build.rs).
#[cfg(target_os = "linux")]
std::arch::global_asm!(include_str!(concat!(env!("OUT_DIR"), "/symbol_versions.s")));

/// Applies typed parameters to `options`; unknown names, wrong types and repeats are errors,
/// except for VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, one directory per occurrence.
fn apply_params(options: &mut Options, params: virTypedParameterPtr, nparams: c_int) -> Result<(), Error> {
    if nparams < 0 || (params.is_null() && nparams > 0) {
        return Err(Error::invalid("params is NULL or nparams is negative"));
    }
    // SAFETY: the caller passes `nparams` parameters at `params` (checked non-NULL when any).
    let params: &[sys::virTypedParameter] =
        if nparams == 0 { &[] } else { unsafe { std::slice::from_raw_parts(params, nparams as usize) } };
    let mut seen: Vec<String> = Vec::new();
    for param in params {
        // SAFETY: field is a NUL-terminated array (libvirt's contract); bounded by its length.
        let name_bytes: Vec<u8> = param.field.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        if seen.contains(&name) && name != VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS {
            return Err(Error::invalid(format!("parameter '{name}' given twice")));
        }
        match (name.as_str(), param.type_ as u32) {
            (VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, sys::VIR_TYPED_PARAM_STRING) => {
                // SAFETY: a string parameter holds a NUL-terminated string.
                let dir = borrow_str(unsafe { param.value.s }, "the shared_filesystems parameter")?;
                if !dir.starts_with('/') {
                    return Err(Error::invalid(format!(
                        "parameter 'shared_filesystems' must be an absolute directory, not '{dir}'"
                    )));
                }
                options.shared_filesystems.push(dir.to_string());
            }
            (VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, sys::VIR_TYPED_PARAM_ULLONG) => {
                // SAFETY: the type says which union member is set.
                options.memory_headroom_kib = Some(unsafe { param.value.ul });
            }
            (VIR_MIGRATION_CHECK_PARAM_CPU_MAP, sys::VIR_TYPED_PARAM_STRING) => {
                // SAFETY: a string parameter holds a NUL-terminated string.
                let value = unsafe { param.value.s };
                let dir = borrow_str(value, "the cpu_map parameter")?;
                options.cpu_map = Some(std::path::PathBuf::from(dir));
            }
            (VIR_MIGRATION_CHECK_PARAM_CACHE_TTL, sys::VIR_TYPED_PARAM_UINT | sys::VIR_TYPED_PARAM_ULLONG) => {
                // SAFETY: the type says which union member is set.
                let seconds = if param.type_ as u32 == sys::VIR_TYPED_PARAM_UINT {
                    u64::from(unsafe { param.value.ui })
                } else {
                    unsafe { param.value.ul }
                };
                if options.cache.is_some() {
                    options.cache = Some(std::time::Duration::from_secs(seconds));
                }
            }
            (VIR_MIGRATION_CHECK_PARAM_TIMEOUT, sys::VIR_TYPED_PARAM_UINT | sys::VIR_TYPED_PARAM_ULLONG) => {
                // SAFETY: the type says which union member is set.
                let ms = if param.type_ as u32 == sys::VIR_TYPED_PARAM_UINT {
                    u64::from(unsafe { param.value.ui })
                } else {
                    unsafe { param.value.ul }
                };
                options.timeout = (ms > 0).then(|| std::time::Duration::from_millis(ms));
            }
            (
                VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM
                | VIR_MIGRATION_CHECK_PARAM_CPU_MAP
                | VIR_MIGRATION_CHECK_PARAM_CACHE_TTL
                | VIR_MIGRATION_CHECK_PARAM_TIMEOUT
                | VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS,
                t,
            ) => {
                return Err(Error::invalid(format!("parameter '{name}' has the wrong type ({t})")));
            }
            _ => return Err(Error::invalid(format!("unknown parameter '{name}'"))),
        }
        seen.push(name);
    }
    Ok(())
}

/// The body of virMigrationCheck() and virMigrationCheckParams().
fn check_entry(
    conn: virConnectPtr,
    dconn: virConnectPtr,
    dom: virDomainPtr,
    options: &Options,
    results: Out<*mut virMigrationCheckResultPtr>,
) -> Result<c_int, Error> {
    let src = borrow_connect(conn, "conn")?;
    let dst = borrow_connect(dconn, "dconn")?;
    let dom = borrow_domain(dom)?;
    let report = crate::check_with_options(&src, &dst, &dom, options)?;
    result::give(results, &report)
}

/// An out-parameter of an entry point: checked non-NULL on entry ("@what is NULL", an invalid
/// argument), set once on success. A pointer one is also cleared on entry (`Out::cleared`), so
/// that the caller finds NULL there on every failure, as libvirt's functions leave theirs.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// `ptr`, which must not be NULL.
    pub(crate) fn new(ptr: *mut T, what: &str) -> Result<Out<T>, Error> {
        if ptr.is_null() {
            return Err(Error::invalid(format!("{what} is NULL")));
        }
        Ok(Out(ptr))
    }

    /// Stores the answer.
    pub(crate) fn set(self, value: T) {
        // SAFETY: checked non-NULL by `new`; the caller passes a pointer it lets us write.
        unsafe { self.0.write(value) };
    }
}

impl<T> Out<*mut T> {
    /// A pointer out-parameter, set to NULL at once.
    pub(crate) fn cleared(ptr: *mut *mut T, what: &str) -> Result<Out<*mut T>, Error> {
        let out = Out::new(ptr, what)?;
        // SAFETY: checked non-NULL.
        unsafe { out.0.write(ptr::null_mut()) };
        Ok(out)
    }
}

impl Out<*mut c_char> {
    /// Stores a malloc'd copy of `text`, for the caller to free(); returns the entry point's 0.
    pub(crate) fn set_string(self, text: &str) -> Result<c_int, Error> {
        self.set(result::c_string(text)?);
        Ok(0)
    }
}

/// Rejects flag bits outside `known` (0 for a function whose flags must be 0), naming the
/// unknown bits.
pub(crate) fn reject_unknown_flags(flags: c_uint, known: c_uint) -> Result<(), Error> {
    match flags & !known {
        0 => Ok(()),
        unknown => Err(Error::invalid(format!("unsupported flags (0x{unknown:x})"))),
    }
}

/// The caller's array of `n` elements at `ptr`, which must hold at least one: `message` is the
/// error when `ptr` is NULL or `n` is 0.
///
/// # Safety
/// When `ptr` is not NULL it points to `n` elements that outlive the call.
pub(crate) unsafe fn borrow_array<'a, T>(ptr: *const T, n: c_uint, message: &str) -> Result<&'a [T], Error> {
    if ptr.is_null() || n == 0 {
        return Err(Error::invalid(message));
    }
    // SAFETY: as the caller guarantees.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n as usize) })
}

/// Borrows every element of an array with `borrow` (`borrow_connect`, `borrow_str`...), which
/// names element i `what[i]` in its errors.
pub(crate) fn borrow_each<T: Copy, U>(
    items: &[T],
    what: &str,
    borrow: impl Fn(T, &str) -> Result<U, Error>,
) -> Result<Vec<U>, Error> {
    items.iter().enumerate().map(|(i, item)| borrow(*item, &format!("{what}[{i}]"))).collect()
}

/// A borrowed connection: our own reference, released when dropped.
pub(crate) fn borrow_connect(ptr: virConnectPtr, what: &str) -> Result<Connect, Error> {
    if ptr.is_null() {
        return Err(Error::invalid(format!("{what} is NULL")));
    }
    // SAFETY: the caller guarantees a valid handle; virConnectRef fails on a stale one.
    if unsafe { sys::virConnectRef(ptr) } < 0 {
        return Err(Error::invalid(format!("{what} is not a valid connection")));
    }
    // SAFETY: we own the reference just taken; Connect's Drop releases it.
    Ok(unsafe { Connect::from_ptr(ptr) })
}

/// A borrowed domain: our own reference, released when dropped.
pub(crate) fn borrow_domain(ptr: virDomainPtr) -> Result<Domain, Error> {
    if ptr.is_null() {
        return Err(Error::invalid("dom is NULL"));
    }
    // SAFETY: as for connections.
    if unsafe { sys::virDomainRef(ptr) } < 0 {
        return Err(Error::invalid("dom is not a valid domain"));
    }
    // SAFETY: we own the reference just taken; Domain's Drop releases it.
    Ok(unsafe { Domain::from_ptr(ptr) })
}

/// Checks whether the guest @dom, running on @conn, can be live-migrated to the host of @dconn,
/// and says exactly why not. Only read-only calls are made; connections opened with
/// virConnectOpenReadOnly() suffice. The handles are borrowed: their reference counts are
/// unchanged when this returns.
///
/// A caller that holds the migration it will run (VIR_MIGRATE_* flags and VIR_MIGRATE_PARAM_*
/// parameters for virDomainMigrate3()) should call virMigrationCheck3() instead: @flags here
/// are virMigrationCheckFlags, and VIR_MIGRATE_* values passed here select unrelated checks.
///
/// @conn: the source connection, which @dom belongs to
/// @dconn: the destination connection
/// @dom: the guest to migrate
/// @flags: bitwise-OR of virMigrationCheckFlags: selection bits (0 selects every check this
///   build implements, see virMigrationCheckGetSupported()) and modifiers. Unknown or reserved
///   bits, or a selected check this build does not implement, are an error.
/// @results: where to store a NULL-terminated array of results, most severe first. Every
///   selected check yields at least one result (SEVERITY_OK when it found nothing). Free it
///   with virMigrationCheckResultListFree().
///
/// Returns the number of results (>= 0), or -1 when the check could not run (bad arguments, a
/// closed connection, the domain's XML unobtainable); then *results is NULL and
/// virMigrationCheckGetLastErrorCode() and virMigrationCheckGetLastErrorMessage() say why.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheck(
    conn: virConnectPtr,
    dconn: virConnectPtr,
    dom: virDomainPtr,
    flags: c_uint,
    results: *mut *mut virMigrationCheckResultPtr,
) -> c_int {
    error::guard(move || {
        let results = Out::cleared(results, "results")?;
        let options = Options::from_flags(flags, crate::supported_checks())?;
        check_entry(conn, dconn, dom, &options, results)
    })
}

/// virMigrationCheck() with typed parameters, in the style of virDomainMigrate3(): the same
/// checks, flags and results, tuned by @params.
///
/// @conn, @dconn, @dom, @flags, @results: as for virMigrationCheck()
/// @params: parameters, or NULL when @nparams is 0, each described (type, unit, default) at its
///   definition above: VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, VIR_MIGRATION_CHECK_PARAM_CPU_MAP,
///   VIR_MIGRATION_CHECK_PARAM_CACHE_TTL, VIR_MIGRATION_CHECK_PARAM_TIMEOUT,
///   VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS. Unknown names, wrong types and repeated names
///   (but VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, one directory each) are errors.
/// @nparams: the number of parameters
///
/// Returns the number of results, or -1 as virMigrationCheck() does.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckParams(
    conn: virConnectPtr,
    dconn: virConnectPtr,
    dom: virDomainPtr,
    params: virTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
    results: *mut *mut virMigrationCheckResultPtr,
) -> c_int {
    error::guard(move || {
        let results = Out::cleared(results, "results")?;
        let mut options = Options::from_flags(flags, crate::supported_checks())?;
        apply_params(&mut options, params, nparams)?;
        check_entry(conn, dconn, dom, &options, results)
    })
}

/// A borrowed C string as UTF-8 ("@what is NULL", "@what is not valid UTF-8").
pub(crate) fn borrow_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Error> {
    borrow_optional_str(ptr, what)?.ok_or_else(|| Error::invalid(format!("{what} is NULL")))
}

/// A borrowed C string as UTF-8, where NULL means none.
pub(crate) fn borrow_optional_str<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller guarantees a NUL-terminated string that outlives the call.
    let text = unsafe { CStr::from_ptr(ptr) }.to_str();
    text.map(Some).map_err(|_| Error::invalid(format!("{what} is not valid UTF-8")))
}

/// Takes a snapshot of the host behind @conn: one `<hostSnapshot version='1'>` XML document
/// holding everything the checks read (capabilities, domain capabilities, node info, free
/// memory and pages per NUMA cell, domains, networks, host interfaces, storage pools with their
/// volumes, node devices, versions, hostname), libvirt's own documents embedded verbatim. A part
/// the host cannot give is recorded as unavailable with libvirt's reason. Read-only calls only.
///
/// @conn: the connection (borrowed; its reference count is unchanged)
/// @flags: must be 0
/// @xml: where to store the document; the caller frees it with free()
///
/// Returns 0, or -1 (then *xml is NULL) on bad arguments or a connection that is or becomes
/// closed.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationHostSnapshot(conn: virConnectPtr, flags: c_uint, xml: *mut *mut c_char) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        reject_unknown_flags(flags, 0)?;
        let conn = borrow_connect(conn, "conn")?;
        xml.set_string(&crate::snapshot_xml(&conn)?)
    })
}

/// Checks whether the guest described by @domainXML can migrate from the host of @srcHostXML to
/// the host of @dstHostXML, from snapshots alone (virMigrationHostSnapshot()): no connection,
/// for planning ahead of time or where the hosts cannot be reached. Same flags and results as
/// virMigrationCheck(); the guest is taken to be running.
///
/// @domainXML: the guest's domain XML (its live XML for a running guest)
/// @srcHostXML: the source host's snapshot, or NULL: source facts then come from the domain XML
///   alone, and the checks that need more come out SKIPPED saying so
/// @dstHostXML: the destination host's snapshot
/// @flags: as for virMigrationCheck()
/// @results: as for virMigrationCheck(); free with virMigrationCheckResultListFree()
///
/// Returns the number of results, or -1 (bad arguments, malformed or unsupported documents; the
/// message names the document).
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckXML(
    domainXML: *const c_char,
    srcHostXML: *const c_char,
    dstHostXML: *const c_char,
    flags: c_uint,
    results: *mut *mut virMigrationCheckResultPtr,
) -> c_int {
    error::guard(move || {
        let results = Out::cleared(results, "results")?;
        let domain = borrow_str(domainXML, "domainXML")?;
        let src = borrow_optional_str(srcHostXML, "srcHostXML")?;
        let dst = borrow_str(dstHostXML, "dstHostXML")?;
        let report = crate::check_xml(domain, src, dst, flags)?;
        result::give(results, &report)
    })
}

fn baseline_options(flags: c_uint) -> Result<crate::baseline::BaselineOptions, Error> {
    let vendor_neutral = virMigrationBaselineFlags::VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL as c_uint;
    reject_unknown_flags(flags, vendor_neutral)?;
    Ok(crate::baseline::BaselineOptions { vendor_neutral: flags & vendor_neutral != 0, ..Default::default() })
}

/// Computes the lowest common denominator a guest must be configured with to migrate among
/// the hosts of @conns: the CPU every host can give (libvirt's baseline of their host-model
/// CPUs, migratable), per host the features it hides, the newest machine type of each family
/// every host offers, the device models, NIC models and networks common to all, the largest
/// memory and vCPU count every host can hold, a TSC frequency every host can provide. A
/// snapshot of each host is taken with read-only calls, and each host's hypervisor is asked for
/// its own baseline of all hosts' CPUs (virConnectBaselineHypervisorCPU, MIGRATABLE): when every
/// host answers, that answer is the baseline CPU, and `<cpuCrossCheck>` says how it compares
/// with the library's (libvirt 9.0 answers only read-write connections). The baseline is for
/// the hosts' arch and one virt type, kvm where every host offers it, else qemu (the document's
/// `<arch>` and `<virtType>`); virMigrationBaselineFor() chooses them.
///
/// @conns: the hosts' connections (borrowed)
/// @nconns: how many (at least 1)
/// @flags: 0, or VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL
/// @xml: where to store the `<migrationBaseline version='1'>` document; the caller free()s it
///
/// Returns 0, or -1 (then *xml is NULL): bad arguments, hosts of different arches, or of
/// different CPU vendors without VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationBaseline(
    conns: *mut virConnectPtr,
    nconns: c_uint,
    flags: c_uint,
    xml: *mut *mut c_char,
) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        // SAFETY: the caller passes `nconns` connections at `conns`.
        let conns = unsafe { borrow_array(conns, nconns, "conns is NULL or nconns is 0") }?;
        let options = baseline_options(flags)?;
        let borrowed = borrow_each(conns, "conns", borrow_connect)?;
        let refs: Vec<&Connect> = borrowed.iter().collect();
        let baseline = crate::baseline_connections(&refs, &options)?;
        xml.set_string(&crate::baseline::write(&baseline))
    })
}

/// virMigrationBaseline() from host snapshots (virMigrationHostSnapshot()) instead of
/// connections.
///
/// @hostXMLs: the snapshots
/// @nhosts: how many (at least 1)
/// @flags: 0, or VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL
/// @xml: where to store the baseline document; the caller free()s it
///
/// Returns 0, or -1 (then *xml is NULL).
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationBaselineXML(
    hostXMLs: *const *const c_char,
    nhosts: c_uint,
    flags: c_uint,
    xml: *mut *mut c_char,
) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        // SAFETY: the caller passes `nhosts` strings at `hostXMLs`.
        let hosts = unsafe { borrow_array(hostXMLs, nhosts, "hostXMLs is NULL or nhosts is 0") }?;
        let options = baseline_options(flags)?;
        let texts = borrow_each(hosts, "hostXMLs", borrow_str)?;
        let baseline = crate::baseline_xml(&texts, &options)?;
        xml.set_string(&crate::baseline::write(&baseline))
    })
}

/// The baseline's target from a C caller: each NULL for the default.
fn baseline_target(
    options: crate::baseline::BaselineOptions,
    emulator: *const c_char,
    arch: *const c_char,
    machine: *const c_char,
    virttype: *const c_char,
) -> Result<crate::baseline::BaselineOptions, Error> {
    let own = |ptr: *const c_char, what: &str| Ok::<_, Error>(borrow_optional_str(ptr, what)?.map(str::to_string));
    Ok(crate::baseline::BaselineOptions {
        emulator: own(emulator, "emulator")?,
        arch: own(arch, "arch")?,
        machine: own(machine, "machine")?,
        virt_type: own(virttype, "virttype")?,
        ..options
    })
}

/// virMigrationBaseline() for one guest arch, virt type, emulator and machine type, as
/// virConnectBaselineHypervisorCPU() takes them: the CPU is each host's host-model for that
/// emulator and virt type (KVM's follows the machine's CPU, TCG's is QEMU's own), the machine
/// types and device models those of that virt type. Every host must offer the virt type for
/// the arch: one that does not is an error naming it. A guest rewritten to the baseline
/// (virMigrationBaselineApply()) must be of the same arch, virt type and emulator.
///
/// @conns: the hosts' connections (borrowed)
/// @nconns: how many (at least 1)
/// @emulator: the guest's emulator binary, or NULL for each host's default
/// @arch: the guest arch, or NULL for the hosts'
/// @machine: the guest's machine type (an alias such as "pc" too), or NULL
/// @virttype: "kvm", "qemu" ..., or NULL for kvm where every host offers it, else qemu
/// @flags: 0, or VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL
/// @xml: where to store the `<migrationBaseline version='1'>` document; the caller free()s it
///
/// Returns 0, or -1 (then *xml is NULL).
///
/// Since: 0.1.0
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationBaselineFor(
    conns: *mut virConnectPtr,
    nconns: c_uint,
    emulator: *const c_char,
    arch: *const c_char,
    machine: *const c_char,
    virttype: *const c_char,
    flags: c_uint,
    xml: *mut *mut c_char,
) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        // SAFETY: the caller passes `nconns` connections at `conns`.
        let conns = unsafe { borrow_array(conns, nconns, "conns is NULL or nconns is 0") }?;
        let options = baseline_target(baseline_options(flags)?, emulator, arch, machine, virttype)?;
        let borrowed = borrow_each(conns, "conns", borrow_connect)?;
        let refs: Vec<&Connect> = borrowed.iter().collect();
        let baseline = crate::baseline_connections(&refs, &options)?;
        xml.set_string(&crate::baseline::write(&baseline))
    })
}

/// virMigrationBaselineFor() from host snapshots (virMigrationHostSnapshot()).
///
/// @hostXMLs: the snapshots
/// @nhosts: how many (at least 1)
/// @emulator: the guest's emulator binary, or NULL for each host's default
/// @arch: the guest arch, or NULL for the hosts'
/// @machine: the guest's machine type, or NULL
/// @virttype: "kvm", "qemu" ..., or NULL for kvm where every host offers it, else qemu
/// @flags: 0, or VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL
/// @xml: where to store the baseline document; the caller free()s it
///
/// Returns 0, or -1 (then *xml is NULL).
///
/// Since: 0.1.0
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationBaselineXMLFor(
    hostXMLs: *const *const c_char,
    nhosts: c_uint,
    emulator: *const c_char,
    arch: *const c_char,
    machine: *const c_char,
    virttype: *const c_char,
    flags: c_uint,
    xml: *mut *mut c_char,
) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        // SAFETY: the caller passes `nhosts` strings at `hostXMLs`.
        let hosts = unsafe { borrow_array(hostXMLs, nhosts, "hostXMLs is NULL or nhosts is 0") }?;
        let options = baseline_target(baseline_options(flags)?, emulator, arch, machine, virttype)?;
        let texts = borrow_each(hosts, "hostXMLs", borrow_str)?;
        let baseline = crate::baseline_xml(&texts, &options)?;
        xml.set_string(&crate::baseline::write(&baseline))
    })
}

/// Rewrites a guest to a baseline (virMigrationBaseline()): its CPU becomes the baseline's
/// (topology, NUMA and cache kept), its machine type the newest of its family every host
/// offers, NIC models not every host provides become virtio. Memory and vCPUs are left as set;
/// where they exceed what every host can hold, or a device cannot be rewritten safely, a comment
/// at the top of the domain says so. The guest keeps its arch, virt type and emulator: a
/// baseline computed for others (virMigrationBaselineFor()) is an error.
///
/// @domainXML: the guest's domain XML
/// @baselineXML: a baseline document
/// @flags: must be 0
/// @xml: where to store the rewritten domain XML; the caller free()s it
///
/// Returns 0, or -1 (then *xml is NULL).
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationBaselineApply(
    domainXML: *const c_char,
    baselineXML: *const c_char,
    flags: c_uint,
    xml: *mut *mut c_char,
) -> c_int {
    error::guard(move || {
        let xml = Out::cleared(xml, "xml")?;
        reject_unknown_flags(flags, 0)?;
        let domain = borrow_str(domainXML, "domainXML")?;
        let baseline = crate::baseline::read(borrow_str(baselineXML, "baselineXML")?)?;
        xml.set_string(&crate::baseline::apply(domain, &baseline)?)
    })
}

/// Drops host facts cached by VIR_MIGRATION_CHECK_CACHE calls: those of @conn, or of every
/// connection when @conn is NULL (after a host changed, say).
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckCacheInvalidate(conn: virConnectPtr) {
    error::guard_void(move || {
        if conn.is_null() {
            crate::libvirt::cache::invalidate(None);
        } else {
            let conn = borrow_connect(conn, "conn")?;
            crate::libvirt::cache::invalidate(Some(&conn));
        }
        Ok(())
    });
}

/// Stores the selection bits (virMigrationCheckFlags) of every check this build implements
/// in @checks.
///
/// Returns 0, or -1 when @checks is NULL.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckGetSupported(checks: *mut c_uint) -> c_int {
    error::guard(move || {
        Out::new(checks, "checks")?.set(crate::supported_checks().bits());
        Ok(0)
    })
}

/// Stores the version of the library loaded at run time in @version: major * 1,000,000 +
/// minor * 1,000 + micro (compare with LIBVIR_MIGRATION_CHECK_VERSION_NUMBER).
///
/// Returns 0, or -1 when @version is NULL.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckGetVersion(version: *mut c_ulong) -> c_int {
    error::guard(move || {
        Out::new(version, "version")?.set(crate::version() as c_ulong);
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Flags;

    #[test]
    fn version_macro_matches_the_package_version() {
        assert_eq!(LIBVIR_MIGRATION_CHECK_VERSION_NUMBER, crate::version());
    }

    #[test]
    fn header_enum_matches_the_rust_flags() {
        // Every enumerator of the committed header's virMigrationCheckFlags against the Rust
        // flags, both ways (src/ffi/check_flags.rs is generated from the same table: a header
        // not regenerated after a change to the table fails here).
        let header = include_str!("../../include/libvirt-migration-check.h");
        let body = header.split("typedef enum virMigrationCheckFlags {").nth(1).unwrap();
        let body = &body[..body.find("} virMigrationCheckFlags;").unwrap()];
        let in_header: Vec<(String, u32)> = body
            .lines()
            .filter_map(|line| {
                let (name, value) = line.trim().strip_suffix(',')?.split_once(" = ")?;
                let bit = value.strip_prefix("(1 << ")?.strip_suffix(')')?.parse::<u32>().ok()?;
                Some((name.to_string(), 1 << bit))
            })
            .collect();
        let in_rust: Vec<(String, u32)> =
            Flags::all().iter().map(|flag| (flag.c_name().unwrap(), flag.bits())).collect();
        assert_eq!(in_header, in_rust);
        assert_eq!(virMigrationCheckFlags::VIR_MIGRATION_CHECK_HOST as u32, Flags::HOST.bits());
        assert_eq!(virMigrationCheckFlags::VIR_MIGRATION_CHECK_CACHE as u32, Flags::CACHE.bits());
    }

    #[test]
    fn param_names_match_the_header() {
        let header = include_str!("../../include/libvirt-migration-check.h");
        for (name, value) in [
            ("VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM", VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM),
            ("VIR_MIGRATION_CHECK_PARAM_CPU_MAP", VIR_MIGRATION_CHECK_PARAM_CPU_MAP),
            ("VIR_MIGRATION_CHECK_PARAM_CACHE_TTL", VIR_MIGRATION_CHECK_PARAM_CACHE_TTL),
            ("VIR_MIGRATION_CHECK_PARAM_TIMEOUT", VIR_MIGRATION_CHECK_PARAM_TIMEOUT),
            ("VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS", VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS),
        ] {
            assert!(header.contains(&format!("#define {name} \"{value}\"")), "{name} missing from the header");
        }
    }

    #[test]
    fn the_params_doc_names_every_parameter() {
        // Each parameter's doc is its #define's; virMigrationCheckParams() names them all.
        let header = include_str!("../../include/libvirt-migration-check.h");
        let start = header.find("virMigrationCheck() with typed parameters").unwrap();
        let doc = &header[start..start + header[start..].find("*/").unwrap()];
        let defines: Vec<&str> = header
            .lines()
            .filter_map(|l| l.strip_prefix("#define VIR_MIGRATION_CHECK_PARAM_"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(defines.len(), 5, "{defines:?}");
        for name in defines {
            assert!(
                doc.contains(&format!("VIR_MIGRATION_CHECK_PARAM_{name}")),
                "{name} missing from virMigrationCheckParams' doc"
            );
        }
    }

    #[test]
    fn boundary_helpers_keep_their_messages() {
        let (before, after) = (c"before".as_ptr() as *mut c_char, c"after".as_ptr() as *mut c_char);
        let mut out = before;
        assert_eq!(
            Out::<*mut c_char>::cleared(std::ptr::null_mut(), "xml").err().unwrap().to_string(),
            "invalid argument: xml is NULL"
        );
        let cleared = Out::cleared(&mut out, "xml").unwrap();
        assert!(out.is_null(), "cleared on entry");
        cleared.set(after);
        assert_eq!(out, after);
        assert_eq!(reject_unknown_flags(0x5, 0).unwrap_err().to_string(), "invalid argument: unsupported flags (0x5)");
        assert_eq!(
            reject_unknown_flags(0x3, 0x1).unwrap_err().to_string(),
            "invalid argument: unsupported flags (0x2)"
        );
        assert!(reject_unknown_flags(0x1, 0x1).is_ok());
        let none: *const c_char = std::ptr::null();
        assert_eq!(
            unsafe { borrow_array(&none, 0, "hostXMLs is NULL or nhosts is 0") }.unwrap_err().to_string(),
            "invalid argument: hostXMLs is NULL or nhosts is 0"
        );
        let items = [c"a".as_ptr(), none];
        let array = unsafe { borrow_array(items.as_ptr(), 2, "x") }.unwrap();
        assert_eq!(
            borrow_each(array, "hostXMLs", borrow_str).unwrap_err().to_string(),
            "invalid argument: hostXMLs[1] is NULL"
        );
        assert_eq!(borrow_each(&array[..1], "hostXMLs", borrow_str).unwrap(), ["a"]);
        assert_eq!(borrow_optional_str(none, "srcHostXML").unwrap(), None);
        let bad = c"\xff".as_ptr();
        assert_eq!(
            borrow_str(bad, "domainXML").unwrap_err().to_string(),
            "invalid argument: domainXML is not valid UTF-8"
        );
    }

    #[test]
    fn null_pointers_are_errors_not_crashes() {
        let mut results: *mut virMigrationCheckResultPtr = std::ptr::null_mut();
        let rc = unsafe {
            virMigrationCheck(std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut(), 0, &mut results)
        };
        assert_eq!(rc, -1);
        assert!(results.is_null());
        assert_eq!(virMigrationCheckGetLastErrorCode(), 1);
        assert_eq!(unsafe { virMigrationCheckGetSupported(std::ptr::null_mut()) }, -1);
        assert_eq!(unsafe { virMigrationCheckGetVersion(std::ptr::null_mut()) }, -1);
        unsafe { virMigrationCheckResultListFree(std::ptr::null_mut()) };
        unsafe { virMigrationCheckCacheInvalidate(std::ptr::null_mut()) };
        assert_eq!(virMigrationCheckGetLastErrorCode(), 0);
    }
}
