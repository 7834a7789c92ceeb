# SPDX-License-Identifier: LGPL-2.1-or-later
"""The C API's enums and constants, value for value as in include/libvirt-migration-check.h.

tests/python/test_header.py parses the header and fails when any value here differs from it,
or when either side has a name the other lacks. The members of ``Check`` and ``Flag`` and
``NEVER_ASSIGNED`` are generated from the library's table of checks (src/check_table.rs) and
modifiers (src/flags.rs) by ``make header``; tests/generated.rs fails when they drift.
"""

from __future__ import annotations

import enum

# #define VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM / VIR_MIGRATION_CHECK_PARAM_CPU_MAP
PARAM_MEMORY_HEADROOM = "memory_headroom"
PARAM_CPU_MAP = "cpu_map"
# #define VIR_MIGRATION_CHECK_PARAM_CACHE_TTL (seconds; with Flag.CACHE)
PARAM_CACHE_TTL = "cache_ttl"
# #define VIR_MIGRATION_CHECK_PARAM_TIMEOUT: the C parameter's name, in milliseconds there (0: for
# ever; default 60000). Python callers pass host_timeout= in seconds instead, which the binding
# converts; check() and check3() refuse this name, so that no Python duration is in milliseconds.
PARAM_TIMEOUT = "timeout"
# #define VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS (a directory per occurrence: give a list)
PARAM_SHARED_FILESYSTEMS = "shared_filesystems"

# #define LIBVIR_MIGRATION_CHECK_VERSION_NUMBER: the version these bindings were written for.
VERSION_NUMBER = 1000


# BEGIN generated: never assigned (src/check_table.rs; run `make header`, do not edit by hand)
NEVER_ASSIGNED = 1 << 31
"""A bit of ``virMigrationCheckFlags`` no check or modifier will ever be given: invalid in every
version, for tests that need an invalid flag."""
# END generated: never assigned


class Check(enum.IntFlag):
    """Selection bits of ``virMigrationCheckFlags`` (``VIR_MIGRATION_CHECK_<NAME>``): which
    checks to run. ``Check.ALL`` (0) selects every check the loaded library implements."""

    ALL = 0
    # BEGIN generated: checks (src/check_table.rs; run `make header`, do not edit by hand)
    HYPERVISOR = 1 << 0
    """Hypervisor type; a newer -> older hypervisor or libvirt version."""
    ARCH = 1 << 1
    """CPU architecture, os type and virt type offered by the destination."""
    CPU_VENDOR = 1 << 2
    """CPU vendor."""
    CPU_FLAGS = 1 << 3
    """The destination provides every guest-visible CPU feature."""
    CPU_COUNT = 1 << 4
    """vCPUs against the destination's physical CPUs."""
    MEMORY = 1 << 5
    """Guest memory fits the destination's free memory, with headroom."""
    NUMA = 1 << 6
    """NUMA fit, single-node fit, cpuset and nodeset."""
    NETWORK = 1 << 7
    """Networks, bridges and macvtap devices exist (and are active) on the destination."""
    NETWORK_MODEL = 1 << 8
    """NIC device models supported by the destination."""
    DISK = 1 << 9
    """Disks reachable at the same path and as the same storage."""
    DISK_MODEL = 1 << 10
    """Disk bus and device models supported by the destination."""
    TIME = 1 << 11
    """TSC frequency, invtsc, timers."""
    HOSTDEV = 1 << 12
    """PCI/USB/mdev passthrough and SR-IOV."""
    MSR = 1 << 13
    """MSR-based CPU features."""
    CPUID = 1 << 14
    """Model-specific CPUID information."""
    MACHINE = 1 << 15
    """Machine type, emulator and virt type on the destination."""
    DEVICES = 1 << 16
    """Other device models and libvirt's own migration blockers."""
    HOST = 1 << 17
    """Same host; a domain name or UUID clash on the destination."""
    # END generated: checks

    @property
    def check_name(self) -> str:
        """The check's name as the CLI and the JSON spell it ("cpu_vendor"); for a bit this
        version of the bindings does not know, ``check_<bit number>``; several bits are
        joined with ``|``."""
        value = int(self)
        if value == 0:
            return "all"
        if value & (value - 1) == 0:
            return self.name.lower() if self.name else f"check_{value.bit_length() - 1}"
        return "|".join(Check(1 << i).check_name for i in range(value.bit_length()) if value >> i & 1)


class Flag(enum.IntFlag):
    """Modifier bits of ``virMigrationCheckFlags``: how to read the migration."""

    # BEGIN generated: modifiers (src/flags.rs; run `make header`, do not edit by hand)
    OFFLINE = 1 << 24
    """Plan an offline (cold) migration: runtime-only concerns such as free memory are dropped."""
    NON_SHARED_DISK = 1 << 25
    """Storage will be copied (as VIR_MIGRATE_NON_SHARED_DISK, virsh migrate --copy-storage-all)."""
    UNSAFE = 1 << 26
    """The migration will pass VIR_MIGRATE_UNSAFE."""
    STRICT = 1 << 27
    """Report every WARNING as an ERROR, and count a check that could not run (SKIPPED) as one."""
    CACHE = 1 << 28
    """Reuse host facts gathered by earlier calls for up to VIR_MIGRATION_CHECK_PARAM_CACHE_TTL
    seconds (default 60): a warm check makes no call to the destination. Entries are dropped
    when they expire, when their connection dies, or by virMigrationCheckCacheInvalidate()."""
    # END generated: modifiers


class Severity(enum.IntEnum):
    """``virMigrationCheckSeverity``: how serious a result is."""

    OK = 0
    INFO = 1
    WARNING = 2
    ERROR = 3
    SKIPPED = 4


class ErrorCode(enum.IntEnum):
    """``virMigrationCheckErrorCode``: why a call failed."""

    NONE = 0
    INVALID_ARG = 1
    LIBVIRT = 2
    XML = 3
    UNSUPPORTED = 4
    INTERNAL = 5
    TIMEOUT = 6


class BaselineFlag(enum.IntFlag):
    """``virMigrationBaselineFlags``."""

    VENDOR_NEUTRAL = 1 << 0


# The C names, for code ported from C.
VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL = BaselineFlag.VENDOR_NEUTRAL
