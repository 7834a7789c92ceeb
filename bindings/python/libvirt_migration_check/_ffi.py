# SPDX-License-Identifier: LGPL-2.1-or-later
"""ctypes declarations of the C API in include/libvirt-migration-check.h, and the loader.

Every C function of the header gets its argtypes and restype here, before it is ever called.
The library is loaded once, on first use, from (in this order):

1. the path in the environment variable ``LIBVIRT_MIGRATION_CHECK_LIBRARY``, when set (and only
   that path: a wrong value is an error, never a silent fallback);
2. the repository's build tree when this package runs from a source checkout:
   ``target/release/libvirt_migration_check.so``, then ``target/debug/...``, found as
   ``../../target/...`` relative to ``bindings/python`` (the directory holding this package);
3. the installed library by its SONAME, ``libvirt-migration-check.so.0``, through the dynamic
   linker's usual search (``ld.so.cache``, ``LD_LIBRARY_PATH``).

The library is loaded with :class:`ctypes.CDLL`, whose foreign calls release the GIL for their
duration: other Python threads run while a check waits on libvirt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import List, Optional

SONAME = "libvirt-migration-check.so.0"
ENV_VAR = "LIBVIRT_MIGRATION_CHECK_LIBRARY"
BUILD_NAME = "libvirt_migration_check.so"

# <libvirt/libvirt-common.h>: VIR_TYPED_PARAM_FIELD_LENGTH and virTypedParameterType.
TYPED_PARAM_FIELD_LENGTH = 80
TYPED_PARAM_INT = 1
TYPED_PARAM_UINT = 2
TYPED_PARAM_LLONG = 3
TYPED_PARAM_ULLONG = 4
TYPED_PARAM_DOUBLE = 5
TYPED_PARAM_BOOLEAN = 6
TYPED_PARAM_STRING = 7


class TypedParameterValue(ctypes.Union):
    """The value union of libvirt's ``virTypedParameter``."""

    _fields_ = [
        ("i", ctypes.c_int),
        ("ui", ctypes.c_uint),
        ("l", ctypes.c_longlong),
        ("ul", ctypes.c_ulonglong),
        ("d", ctypes.c_double),
        ("b", ctypes.c_char),
        # char *: kept as an address so that ctypes never copies or converts it behind our back.
        ("s", ctypes.c_void_p),
    ]


class TypedParameter(ctypes.Structure):
    """libvirt's ``virTypedParameter``: ``{char field[80]; int type; union value;}``."""

    _fields_ = [
        ("field", ctypes.c_char * TYPED_PARAM_FIELD_LENGTH),
        ("type", ctypes.c_int),
        ("value", TypedParameterValue),
    ]


class CResult(ctypes.Structure):
    """``virMigrationCheckResult``. New fields are only ever appended by the library, and this
    binding only reads results the library allocated, so reading a prefix is always valid."""

    _fields_ = [
        ("check", ctypes.c_uint),
        ("severity", ctypes.c_int),
        ("code", ctypes.c_void_p),
        ("message", ctypes.c_void_p),
        ("hint", ctypes.c_void_p),
        ("params", ctypes.POINTER(TypedParameter)),
        ("nparams", ctypes.c_int),
    ]


CResultPtr = ctypes.POINTER(CResult)
# virMigrationCheckResultPtr *: a NULL-terminated array of result pointers.
CResultList = ctypes.POINTER(CResultPtr)


class CMatrixCell(ctypes.Structure):
    """``virMigrationCheckMatrixCell``: one guest on one host."""

    _fields_ = [
        ("nresults", ctypes.c_int),
        ("results", CResultList),
        ("error", ctypes.c_void_p),
        # virMigrationCheckErrorCode of ``error``; 0 when the pair was checked.
        ("error_code", ctypes.c_int),
        ("verdict", ctypes.c_int),
    ]


class CMatrix(ctypes.Structure):
    """``virMigrationCheckMatrixData``: ``cells[d * ndconns + h]``."""

    _fields_ = [
        ("ndoms", ctypes.c_uint),
        ("ndconns", ctypes.c_uint),
        ("cells", ctypes.POINTER(CMatrixCell)),
    ]


CMatrixPtr = ctypes.POINTER(CMatrix)

_c_int = ctypes.c_int
_c_uint = ctypes.c_uint
_vp = ctypes.c_void_p
_cp = ctypes.c_char_p

# name: (restype, argtypes). Pointers the caller must free (char **xml) are declared as
# c_void_p so that ctypes hands back the address, not a copy that would leak the original.
PROTOTYPES = {
    "virMigrationCheck": (_c_int, [_vp, _vp, _vp, _c_uint, ctypes.POINTER(CResultList)]),
    "virMigrationCheckParams": (
        _c_int,
        [_vp, _vp, _vp, ctypes.POINTER(TypedParameter), _c_int, _c_uint, ctypes.POINTER(CResultList)],
    ),
    "virMigrationHostSnapshot": (_c_int, [_vp, _c_uint, ctypes.POINTER(_vp)]),
    "virMigrationCheckXML": (_c_int, [_cp, _cp, _cp, _c_uint, ctypes.POINTER(CResultList)]),
    "virMigrationBaseline": (_c_int, [ctypes.POINTER(_vp), _c_uint, _c_uint, ctypes.POINTER(_vp)]),
    "virMigrationBaselineXML": (_c_int, [ctypes.POINTER(_cp), _c_uint, _c_uint, ctypes.POINTER(_vp)]),
    "virMigrationBaselineApply": (_c_int, [_cp, _cp, _c_uint, ctypes.POINTER(_vp)]),
    "virMigrationBaselineFor": (
        _c_int,
        [ctypes.POINTER(_vp), _c_uint, _cp, _cp, _cp, _cp, _c_uint, ctypes.POINTER(_vp)],
    ),
    "virMigrationBaselineXMLFor": (
        _c_int,
        [ctypes.POINTER(_cp), _c_uint, _cp, _cp, _cp, _cp, _c_uint, ctypes.POINTER(_vp)],
    ),
    "virMigrationCheckGetSupported": (_c_int, [ctypes.POINTER(_c_uint)]),
    "virMigrationCheckGetVersion": (_c_int, [ctypes.POINTER(ctypes.c_ulong)]),
    "virMigrationCheckGetLastErrorCode": (_c_int, []),
    # Borrowed: c_char_p copies it into bytes and never frees it, which is what we want.
    "virMigrationCheckGetLastErrorMessage": (_cp, []),
    "virMigrationCheckResultListFree": (None, [CResultList]),
    "virMigrationCheckCacheInvalidate": (None, [_vp]),
    "virMigrationCheckMatrix": (
        _c_int,
        [_vp, ctypes.POINTER(_vp), _c_uint, ctypes.POINTER(_vp), _c_uint, _c_uint, ctypes.POINTER(CMatrixPtr)],
    ),
    "virMigrationCheckMatrixFree": (None, [CMatrixPtr]),
    "virMigrationCheck3": (
        _c_int,
        [_vp, _vp, ctypes.POINTER(TypedParameter), _c_uint, _c_uint, _c_uint, ctypes.POINTER(CResultList)],
    ),
}

# Functions newer than the library's first release: declared when the loaded library exports
# them; the Python functions over them raise MigrationCheckError(UNSUPPORTED) otherwise.
OPTIONAL = {
    "virMigrationCheckCacheInvalidate",
    "virMigrationCheckMatrix",
    "virMigrationCheckMatrixFree",
    "virMigrationCheck3",
    "virMigrationBaselineFor",
    "virMigrationBaselineXMLFor",
}


class LibraryNotFoundError(OSError):
    """The C library could not be loaded; the message lists every place tried."""


class _Loaded:
    def __init__(self, lib: ctypes.CDLL, path: str, libc: ctypes.CDLL) -> None:
        self.lib = lib
        self.path = path
        self.libc = libc

    def has(self, name: str) -> bool:
        """Whether the loaded library exports the C function ``name``."""
        return hasattr(self.lib, name)


_lock = threading.Lock()
_loaded: Optional[_Loaded] = None


def candidates() -> List[str]:
    """The paths (or the SONAME) the loader tries, in order."""
    override = os.environ.get(ENV_VAR)
    if override:
        return [override]
    found = []
    # bindings/python/libvirt_migration_check -> bindings/python -> ../../target
    project = Path(__file__).resolve().parent.parent
    for profile in ("release", "debug"):
        built = project.parent.parent / "target" / profile / BUILD_NAME
        if built.is_file():
            found.append(str(built))
    found.append(SONAME)
    return found


def _libc() -> ctypes.CDLL:
    # The library allocates with libc's malloc; strings it hands over are freed with libc's free.
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        name = ctypes.util.find_library("c")
        if name is None:
            raise
        libc = ctypes.CDLL(name)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    return libc


def _declare(lib: ctypes.CDLL, path: str) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            if name in OPTIONAL:
                continue
            raise LibraryNotFoundError(f"{path} does not export {name}: not libvirt-migration-check, or too old") from None
        function.restype = restype
        function.argtypes = argtypes


def load() -> _Loaded:
    """Loads (once, thread-safely) and returns the library with every prototype declared."""
    global _loaded
    loaded = _loaded
    if loaded is not None:
        return loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        errors = []
        for candidate in candidates():
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as e:
                errors.append(f"{candidate}: {e}")
                continue
            _declare(lib, candidate)
            _loaded = _Loaded(lib, candidate, _libc())
            return _loaded
        hint = f"set {ENV_VAR} to the library's path" if not os.environ.get(ENV_VAR) else f"check {ENV_VAR}"
        raise LibraryNotFoundError("cannot load libvirt-migration-check (" + "; ".join(errors) + f"); {hint}")
