# SPDX-License-Identifier: LGPL-2.1-or-later
"""Will this libvirt live migration succeed, and if not, exactly why?

Functions (each a C call of libvirt-migration-check; see their own help for the details):

    check(conn, dconn, dom, *, checks=Check.ALL, host_timeout=None, **params) -> Report
        the guest dom of conn against the host of dconn (virMigrationCheck)
    check3(dom, dconn, params=None, flags=0, checks=Check.ALL, *, host_timeout=None) -> Report
        the migration dom.migrate3(dconn, params, flags) would run (virMigrationCheck3)
    check_matrix(conn, doms, dconns, *, checks=Check.ALL) -> [[Report | MigrationCheckError]]
        every guest against every host, each host's facts gathered once (virMigrationCheckMatrix)
    check_xml(domain_xml, src_snapshot, dst_snapshot, *, checks=Check.ALL) -> Report
        offline, from a domain XML and host snapshots (virMigrationCheckXML)
    host_snapshot(conn) -> str
        a host's facts as one <hostSnapshot> document (virMigrationHostSnapshot)
    baseline(conns, vendor_neutral=False, *, virt_type=, arch=, emulator=, machine=) -> str
        what a guest must be to migrate among all these hosts (virMigrationBaseline)
    baseline_xml(snapshots, vendor_neutral=False, ...) -> str
        the same from host snapshots (virMigrationBaselineXML)
    baseline_apply(domain_xml, baseline_xml) -> str
        a guest rewritten to a baseline (virMigrationBaselineApply)
    cache_invalidate(conn=None), supported_checks() -> Check, version() -> Version,
    library_path() -> str

Results: a Report (verdict, errors, warnings, skipped, unverified, results, to_json()) of
Result items (check, severity, code, message, hint, details); a call that cannot run raises
MigrationCheckError (code: ErrorCode, message). Enums: Check (selection bits), Flag (modifiers:
OFFLINE, NON_SHARED_DISK, UNSAFE, STRICT, CACHE), Severity, ErrorCode, BaselineFlag.

Durations are in seconds: host_timeout= (how long the hosts have to answer; 0: for ever;
default 60, as the CLI's --host-timeout) and cache_ttl= (how long Flag.CACHE reuses a host's
facts; default 60). The keyword timeout= of earlier versions counted milliseconds and now
raises TypeError.

    import libvirt
    import libvirt_migration_check as lmc

    src = libvirt.open("qemu:///system")
    dst = libvirt.open("qemu+tls://kvm-07.example.com/system")
    dom = src.lookupByName("web1")
    report = lmc.check(src, dst, dom, host_timeout=10)
    for r in report.errors:
        print(r.code, r.message, r.hint)

Handles are libvirt-python's ``virConnect`` / ``virDomain`` objects, any object forwarding
attribute access to one (VDSM's wrappers), or raw C addresses; they are borrowed, never closed
or freed. Read-only connections work, but libvirt refuses domain capabilities and the
hypervisor's CPU comparison on them, so some checks are weaker there. The C library
(``libvirt-migration-check.so.0``) is loaded on first use: see ``_ffi`` for where it is looked
for (``LIBVIRT_MIGRATION_CHECK_LIBRARY`` overrides).

Thread safety: every function may be called from any thread at once. The library keeps its
last error per thread and this module reads it on the failing thread right after the failing
call. The library is loaded with ``ctypes.CDLL``, so the GIL is released during each C call:
a check waiting on a slow destination does not stop other Python threads.

The module never touches process-global libvirt state (error handlers, event loops): that
belongs to the program, as in C.
"""

from ._api import (
    DetailValue,
    Finding,
    Handle,
    MigrationCheckError,
    Report,
    Result,
    SupportsCPointer,
    Verdict,
    Version,
    baseline,
    baseline_apply,
    baseline_xml,
    cache_invalidate,
    check,
    check3,
    check_matrix,
    check_xml,
    host_snapshot,
    library_path,
    supported_checks,
    version,
)
from ._enums import (
    PARAM_CACHE_TTL,
    PARAM_CPU_MAP,
    PARAM_MEMORY_HEADROOM,
    PARAM_TIMEOUT,
    PARAM_SHARED_FILESYSTEMS,
    VERSION_NUMBER,
    VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL,
    BaselineFlag,
    Check,
    ErrorCode,
    Flag,
    Severity,
)
from ._ffi import ENV_VAR, SONAME, LibraryNotFoundError

__version__ = "0.1.0"

__all__ = [
    "BaselineFlag",
    "Check",
    "DetailValue",
    "ENV_VAR",
    "ErrorCode",
    "Finding",
    "Flag",
    "Handle",
    "LibraryNotFoundError",
    "MigrationCheckError",
    "PARAM_CACHE_TTL",
    "PARAM_CPU_MAP",
    "PARAM_MEMORY_HEADROOM",
    "PARAM_TIMEOUT",
    "PARAM_SHARED_FILESYSTEMS",
    "Report",
    "Result",
    "SONAME",
    "Severity",
    "SupportsCPointer",
    "VERSION_NUMBER",
    "VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL",
    "Verdict",
    "Version",
    "baseline",
    "baseline_apply",
    "baseline_xml",
    "cache_invalidate",
    "check",
    "check3",
    "check_matrix",
    "check_xml",
    "host_snapshot",
    "library_path",
    "supported_checks",
    "version",
]
