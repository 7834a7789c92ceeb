// SPDX-License-Identifier: LGPL-2.1-or-later
//! virMigrationCheck3(): the check of the migration exactly as the caller will run it, with the
//! arguments it will pass to virDomainMigrate3().

use std::os::raw::{c_int, c_uint};

use virt::sys;

use super::{
    Out, apply_params, borrow_connect, borrow_domain, borrow_str, error, result, virConnectPtr, virDomainPtr,
    virMigrationCheckResultPtr, virTypedParameterPtr,
};
use super::{
    VIR_MIGRATION_CHECK_PARAM_CACHE_TTL, VIR_MIGRATION_CHECK_PARAM_CPU_MAP, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM,
    VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, VIR_MIGRATION_CHECK_PARAM_TIMEOUT,
};
use crate::error::Error;
use crate::migration::{self, Migration, ParamType};

/// libvirt's name of a typed parameter's type (`virTypedParameterTypeToString`).
fn type_name(t: c_int) -> &'static str {
    match t {
        1 => "int",
        2 => "uint",
        3 => "llong",
        4 => "ullong",
        5 => "double",
        6 => "boolean",
        7 => "string",
        _ => "unknown",
    }
}

/// Splits the caller's parameters into the migration's (`VIR_MIGRATE_PARAM_*`, validated as
/// libvirt's virTypedParamsValidate does against QEMU_MIGRATION_PARAMETERS, with its wording)
/// and ours (`VIR_MIGRATION_CHECK_PARAM_*`, left to `apply_params`).
fn split_params(
    params: virTypedParameterPtr,
    nparams: c_uint,
    migration: &mut Migration,
) -> Result<Vec<sys::virTypedParameter>, Error> {
    if params.is_null() && nparams > 0 {
        return Err(Error::invalid("params is NULL but nparams is not 0"));
    }
    if nparams > c_int::MAX as c_uint {
        return Err(Error::invalid("nparams is too large"));
    }
    // SAFETY: the caller passes `nparams` parameters at `params` (checked non-NULL when any).
    let params: &[sys::virTypedParameter] =
        if nparams == 0 { &[] } else { unsafe { std::slice::from_raw_parts(params, nparams as usize) } };
    let ours_names = [
        VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM,
        VIR_MIGRATION_CHECK_PARAM_CPU_MAP,
        VIR_MIGRATION_CHECK_PARAM_CACHE_TTL,
        VIR_MIGRATION_CHECK_PARAM_TIMEOUT,
        VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS,
    ];
    let mut ours = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for param in params {
        let name_bytes: Vec<u8> = param.field.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        if ours_names.contains(&name.as_str()) {
            // SAFETY: a bitwise copy of a caller's parameter, read (never freed) by apply_params
            // while the caller's array is alive.
            ours.push(unsafe { std::ptr::read(param) });
            continue;
        }
        let Some((_, expected, multiple)) = migration::PARAMS.iter().find(|(n, _, _)| *n == name) else {
            return Err(Error::invalid(format!("parameter '{name}' not supported")));
        };
        if param.type_ != *expected as c_int {
            return Err(Error::invalid(format!(
                "invalid type '{}' for parameter '{name}', expected '{}'",
                type_name(param.type_),
                expected.name()
            )));
        }
        if !multiple && seen.contains(&name) {
            return Err(Error::invalid(format!("parameter '{name}' occurs multiple times")));
        }
        seen.push(name.clone());
        if *expected != ParamType::String {
            continue; // Bandwidths, ports, compression: they do not change the prediction.
        }
        // SAFETY: a string parameter holds a NUL-terminated string (its type was checked).
        let value = borrow_str(unsafe { param.value.s }, &format!("parameter '{name}'"))?;
        match name.as_str() {
            migration::PARAM_DEST_NAME => migration.dest_name = Some(value.to_string()),
            migration::PARAM_MIGRATE_DISKS => {
                migration.migrate_disks.get_or_insert_with(Vec::new).push(value.to_string());
            }
            migration::PARAM_DEST_XML => migration.dest_xml = Some(value.to_string()),
            migration::PARAM_PERSIST_XML => migration.persist_xml = Some(value.to_string()),
            // The URIs and addresses do not change the prediction.
            _ => {}
        }
    }
    Ok(ours)
}

/// Checks whether the migration of @dom to the host of @dconn, exactly as the caller will run
/// it with virDomainMigrate3(@dom, @dconn, @params, @nparams, @flags), can succeed, and says
/// exactly why not. The source is the domain's own connection (virDomainGetConnect()). Only
/// read-only calls are made; the handles are borrowed.
///
/// @dom: the guest to migrate, as for virDomainMigrate3()
/// @dconn: the destination connection, as for virDomainMigrate3()
/// @params: the VIR_MIGRATE_PARAM_* typed parameters the migration will be given, or NULL when
///   @nparams is 0. A name the QEMU driver does not know, a parameter of the wrong type or one
///   repeated that may not be are errors naming it, as virTypedParamsValidate() makes them.
///   VIR_MIGRATION_CHECK_PARAM_* parameters (see virMigrationCheckParams()) are accepted beside
///   them. VIR_MIGRATE_PARAM_MIGRATE_DISKS limits the disks copied (the others must be shared);
///   VIR_MIGRATE_PARAM_DEST_NAME is the name the name-clash check looks for.
///   VIR_MIGRATE_PARAM_DEST_XML is the guest as the destination will define it: the disks,
///   networks, NUMA placement and pinning, devices and machine are judged from it (the running
///   guest still gives its live CPU, host devices, snapshots, block jobs and state), and the
///   HOST check reports each difference from the running guest's ABI that libvirt refuses
///   (virDomainDefCheckABIStability; libvirt's words in "libvirt_error"), as an ERROR where
///   proven and a WARNING where the XML leaves out what libvirt fills in itself.
///   VIR_MIGRATE_PARAM_PERSIST_XML must be readable with VIR_MIGRATE_PERSIST_DEST, and is
///   reported as ignored (INFO) without it.
/// @nparams: the number of parameters
/// @flags: the VIR_MIGRATE_* flags the migration will be given. Unknown bits are an error, as
///   virCheckFlags() makes them. VIR_MIGRATE_OFFLINE, VIR_MIGRATE_NON_SHARED_DISK,
///   VIR_MIGRATE_NON_SHARED_INC and VIR_MIGRATE_UNSAFE change the reading as the OFFLINE,
///   NON_SHARED_DISK and UNSAFE modifiers of virMigrationCheck() do; the HOST check reports each
///   combination and guest state libvirt refuses before it moves anything (libvirt's words in
///   the "libvirt_error" detail), the HYPERVISOR check each flag a host's libvirt predates. An
///   ERROR a migration flag would clear names that flag in its "cleared_by" detail.
/// @checks: selection bits of virMigrationCheckFlags (0 selects every check this build
///   implements) and the STRICT and CACHE modifiers. VIR_MIGRATION_CHECK_OFFLINE,
///   VIR_MIGRATION_CHECK_NON_SHARED_DISK and VIR_MIGRATION_CHECK_UNSAFE are an error here: @flags
///   says those.
/// @results: as for virMigrationCheck()
///
/// Returns the number of results (>= 0), or -1 as virMigrationCheck() does.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheck3(
    dom: virDomainPtr,
    dconn: virConnectPtr,
    params: virTypedParameterPtr,
    nparams: c_uint,
    flags: c_uint,
    checks: c_uint,
    results: *mut *mut virMigrationCheckResultPtr,
) -> c_int {
    error::guard(move || {
        let results = Out::cleared(results, "results")?;
        let dom = borrow_domain(dom)?;
        let dst = borrow_connect(dconn, "dconn")?;
        let mut migration = Migration::with_flags(flags);
        migration.validate()?;
        let mut ours = split_params(params, nparams, &mut migration)?;
        let mut options = crate::options3(&migration, checks)?;
        apply_params(&mut options, ours.as_mut_ptr(), ours.len() as c_int)?;
        let src = dom.connect().map_err(|e| Error::libvirt("virDomainGetConnect", &e))?;
        let report = crate::check_with_options(&src, &dst, &dom, &options)?;
        result::give(results, &report)
    })
}
