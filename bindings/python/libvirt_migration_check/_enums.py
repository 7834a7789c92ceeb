"""The C API's enums and constants, value for value as in include/libvirt-migration-check.h.

tests/python/test_header.py parses the header and fails when any value here differs from it,
or when either side has a name the other lacks.
"""

from __future__ import annotations

import enum

# #define VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM / VIR_MIGRATION_CHECK_PARAM_CPU_MAP
PARAM_MEMORY_HEADROOM = "memory_headroom"
PARAM_CPU_MAP = "cpu_map"
# #define VIR_MIGRATION_CHECK_PARAM_CACHE_TTL (seconds; with Flag.CACHE)
PARAM_CACHE_TTL = "cache_ttl"
# #define VIR_MIGRATION_CHECK_PARAM_TIMEOUT (milliseconds; 0: for ever; default 60000)
PARAM_TIMEOUT = "timeout"

# #define LIBVIR_MIGRATION_CHECK_VERSION_NUMBER: the version these bindings were written for.
VERSION_NUMBER = 1000


class Check(enum.IntFlag):
    """Selection bits of ``virMigrationCheckFlags`` (``VIR_MIGRATION_CHECK_<NAME>``): which
    checks to run. ``Check.ALL`` (0) selects every check the loaded library implements."""

    ALL = 0
    HYPERVISOR = 1 << 0
    ARCH = 1 << 1
    CPU_VENDOR = 1 << 2
    CPU_FLAGS = 1 << 3
    CPU_COUNT = 1 << 4
    MEMORY = 1 << 5
    NUMA = 1 << 6
    NETWORK = 1 << 7
    NETWORK_MODEL = 1 << 8
    DISK = 1 << 9
    DISK_MODEL = 1 << 10
    TIME = 1 << 11
    HOSTDEV = 1 << 12
    MSR = 1 << 13
    CPUID = 1 << 14
    MACHINE = 1 << 15
    DEVICES = 1 << 16
    HOST = 1 << 17

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

    OFFLINE = 1 << 24
    """Plan an offline (cold) migration: runtime-only concerns such as free memory are dropped."""
    NON_SHARED_DISK = 1 << 25
    """Storage will be copied (as ``VIR_MIGRATE_NON_SHARED_DISK``, ``--copy-storage-all``)."""
    UNSAFE = 1 << 26
    """The migration will pass ``VIR_MIGRATE_UNSAFE``."""
    STRICT = 1 << 27
    """Report every WARNING as an ERROR."""
    CACHE = 1 << 28
    """Reuse host facts gathered by earlier calls for up to the ``cache_ttl`` parameter's
    seconds (default 60); see :func:`cache_invalidate`."""


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
