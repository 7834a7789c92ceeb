# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bindings of libvirt-migration-check: will this libvirt live migration succeed, and if
not, exactly why?

    import libvirt
    import libvirt_migration_check as lmc

    src = libvirt.openReadOnly("qemu:///system")
    dst = libvirt.openReadOnly("qemu+tls://kvm-07.example.com/system")
    dom = src.lookupByName("web1")
    report = lmc.check(src, dst, dom)
    for r in report.errors:
        print(r.code, r.message, r.hint)

Handles are libvirt-python's ``virConnect`` / ``virDomain`` objects, any object forwarding
attribute access to one (VDSM's wrappers), or raw C addresses; they are borrowed, never closed
or freed. The C library (``libvirt-migration-check.so.0``) is loaded on first use: see
``_ffi`` for where it is looked for (``LIBVIRT_MIGRATION_CHECK_LIBRARY`` overrides).

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
