# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python API over the C functions declared in _ffi."""

from __future__ import annotations

import ctypes
import json
import math
import os
from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Tuple,
    Union,
)

from . import _ffi
from ._enums import BaselineFlag, Check, ErrorCode, Flag, Severity

__all__ = [
    "Handle",
    "MigrationCheckError",
    "Report",
    "Result",
    "Selection",
    "Finding",
    "Verdict",
    "Version",
    "DetailValue",
    "check",
    "check3",
    "check_xml",
    "host_snapshot",
    "baseline",
    "baseline_xml",
    "baseline_apply",
    "cache_invalidate",
    "supported_checks",
    "version",
    "library_path",
]


class SupportsCPointer(Protocol):
    """What libvirt-python's ``virConnect`` and ``virDomain`` offer (libvirt-python >= 1.2.x):
    ``c_pointer()`` returns the address of the C handle as an int."""

    def c_pointer(self) -> int: ...


Handle = Union[SupportsCPointer, int]
"""A libvirt handle: a libvirt-python object (or any object forwarding ``c_pointer`` to one,
such as VDSM's wrappers), or the raw address of a ``virConnectPtr`` / ``virDomainPtr``."""

DetailValue = Union[int, float, bool, str, None]
Verdict = Severity
"""The type of :attr:`Report.verdict`: a :class:`Severity` among OK, INFO, WARNING and ERROR."""

_UINT_MAX = (1 << 32) - 1
_POINTER_LIMIT = 1 << (8 * ctypes.sizeof(ctypes.c_void_p))


class MigrationCheckError(Exception):
    """A call of the library failed (it returned -1). ``code`` is the library's
    :class:`ErrorCode` (``virMigrationCheckGetLastErrorCode()``), ``message`` its message
    (``virMigrationCheckGetLastErrorMessage()``), both read on the failing thread right after
    the failing call."""

    code: Union[ErrorCode, int]
    message: str

    def __init__(self, code: Union[ErrorCode, int], message: str) -> None:
        try:
            code = ErrorCode(code)
        except ValueError:
            pass
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        name = self.code.name if isinstance(self.code, ErrorCode) else str(self.code)
        return f"{self.message} ({name})"


@dataclass(frozen=True)
class Result:
    """One result of a check (``virMigrationCheckResult``)."""

    check: Check
    """The check that produced it (exactly one bit)."""
    severity: Severity
    code: str
    """Stable reason code, starting with the check's name: ``network.missing``, ``disk.ok``."""
    message: str
    hint: Optional[str]
    details: Dict[str, DetailValue] = field(default_factory=dict, hash=False)
    """Machine-readable details (the result's typed parameters), by name."""

    def to_dict(self) -> Dict[str, Any]:
        """The result as one entry of the CLI's JSON ``results``."""
        return {
            "check": self.check.check_name,
            "severity": self.severity.name.lower(),
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "details": dict(self.details),
        }


Finding = Result
"""Another name for :class:`Result`, as the Rust API calls it."""

def _weight(result: Result) -> Severity:
    """What ``result`` weighs in the verdict, as the library's own verdict (the C matrix cell's,
    the CLI's) weighs it: a SKIPPED result is a check that could not run, never a pass: WARNING,
    or ERROR when the call was STRICT (the library then marks it with the detail ``strict``)."""
    if result.severity == Severity.SKIPPED:
        return Severity.ERROR if result.details.get("strict") is True else Severity.WARNING
    return result.severity


@dataclass(frozen=True)
class Report:
    """Every result of one check call, most severe first (the library's order)."""

    results: Tuple[Result, ...]

    @property
    def verdict(self) -> Severity:
        """The worst of the results: ``Severity.OK``, ``INFO``, ``WARNING`` or ``ERROR``. A
        SKIPPED result counts as WARNING ("could not verify", see :attr:`unverified`), and as
        ERROR under ``Flag.STRICT``; the results themselves keep their own severity."""
        return max((_weight(r) for r in self.results), default=Severity.OK)

    @property
    def unverified(self) -> List[Check]:
        """The checks that could not run (a SKIPPED result), each once, in report order."""
        checks: List[Check] = []
        for r in self.skipped:
            if r.check not in checks:
                checks.append(r.check)
        return checks

    def with_severity(self, severity: Severity) -> List[Result]:
        return [r for r in self.results if r.severity == severity]

    def with_code(self, code: str) -> List[Result]:
        return [r for r in self.results if r.code == code]

    @property
    def errors(self) -> List[Result]:
        """The show-stoppers: the migration will fail, or break the guest or a host."""
        return self.with_severity(Severity.ERROR)

    @property
    def warnings(self) -> List[Result]:
        return self.with_severity(Severity.WARNING)

    @property
    def infos(self) -> List[Result]:
        return self.with_severity(Severity.INFO)

    @property
    def skipped(self) -> List[Result]:
        return self.with_severity(Severity.SKIPPED)

    def to_dict(self) -> Dict[str, Any]:
        # schema_version: the library's JSON_SCHEMA_VERSION (docs/schemas/report.schema.json).
        return {
            "schema_version": 1,
            "verdict": self.verdict.name.lower(),
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        """Exactly what ``virt-migration-check check --json`` prints (without the final
        newline): keys sorted, two-space indentation, non-ASCII characters as they are."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


class Version(NamedTuple):
    """The loaded library's version; ``int(v)`` and ``v.number`` give the C form, major *
    1,000,000 + minor * 1,000 + micro."""

    major: int
    minor: int
    micro: int

    @property
    def number(self) -> int:
        return self.major * 1_000_000 + self.minor * 1_000 + self.micro

    def __int__(self) -> int:
        return self.number

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.micro}"


# ---------------------------------------------------------------------------------------------
# Conversions


def _pointer(obj: Optional[Handle], what: str) -> Optional[int]:
    """The C address behind a handle; None (NULL) is passed on, for the library to refuse."""
    if obj is None:
        return None
    if isinstance(obj, ctypes.c_void_p):
        return obj.value
    if isinstance(obj, bool):
        raise TypeError(f"{what} must be a libvirt handle, not a bool")
    if isinstance(obj, int):
        address = obj
    else:
        c_pointer = getattr(obj, "c_pointer", None)
        if not callable(c_pointer):
            raise TypeError(
                f"{what} must be a libvirt-python handle (an object with c_pointer()), an object "
                f"forwarding to one, or an address; got {type(obj).__name__}"
            )
        address = c_pointer()
        if isinstance(address, bool) or not isinstance(address, int):
            raise TypeError(f"{what}.c_pointer() returned {type(address).__name__}, not an int")
    if not 0 <= address < _POINTER_LIMIT:
        raise ValueError(f"{what}: {address:#x} is not an address")
    return address or None


def _uint(value: Union[int, Check, Flag, BaselineFlag], what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int or a {Check.__name__}/{Flag.__name__} value, not {type(value).__name__}")
    if not 0 <= int(value) <= _UINT_MAX:
        raise ValueError(f"{what} {int(value):#x} does not fit the C API's unsigned int")
    return int(value)


Selection = Union[Check, Flag, int]
"""The ``checks`` argument of :func:`check`, :func:`check_xml` and :func:`check_matrix`: the
``virMigrationCheckFlags`` of the C call, selection bits and modifiers together
(``Check.DISK | Check.NETWORK | Flag.STRICT``; ``Check.ALL``, 0: every check)."""


def _selection(function: str, checks: Selection, flags: object, live: bool) -> int:
    """The C flags of ``checks``. ``flags=`` is refused: it once took our modifiers, and the
    natural mistake of passing libvirt's ``VIR_MIGRATE_*`` flags there silently selected checks
    (VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER is HYPERVISOR | ARCH)."""
    if flags is not None:
        where = (
            "; libvirt's VIR_MIGRATE_* flags go to check3(dom, dconn, params, flags)"
            if live
            else "; libvirt's VIR_MIGRATE_* flags do not apply here"
        )
        raise TypeError(
            f"{function}() takes no flags: pass the selection and modifiers as "
            f"checks= (e.g. checks=Check.DISK | Flag.STRICT){where}"
        )
    return _uint(checks, "checks")


def _cstring(value: Union[str, bytes, "os.PathLike[str]", None], what: str) -> Optional[bytes]:
    """UTF-8 bytes for a ``const char *``; None stays NULL. A NUL inside would silently
    truncate the string in C, so it is refused."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, bytes):
        data = value
    else:
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if b"\0" in data:
        raise ValueError(f"{what} contains a NUL character")
    return data


def _text(address: Optional[int]) -> Optional[str]:
    if not address:
        return None
    return ctypes.string_at(address).decode("utf-8", errors="replace")


def _error(lib: ctypes.CDLL, function: str) -> MigrationCheckError:
    """The error of the call that just failed on this thread. Must run right after it: the
    library's last error is thread-local and reset by its next call."""
    code = lib.virMigrationCheckGetLastErrorCode()
    message = lib.virMigrationCheckGetLastErrorMessage()
    if code == ErrorCode.NONE:
        return MigrationCheckError(ErrorCode.INTERNAL, f"{function} failed without saying why")
    text = message.decode("utf-8", errors="replace") if message else f"{function} failed"
    return MigrationCheckError(code, text)


def _take_string(loaded: Any, out: ctypes.c_void_p) -> str:
    """Copies a malloc'd string the library handed over, then frees it."""
    try:
        text = _text(out.value)
        if text is None:
            raise MigrationCheckError(ErrorCode.INTERNAL, "the library returned 0 but no string")
        return text
    finally:
        loaded.libc.free(out)


def _call_for_string(function: str, *args: Any) -> str:
    """Calls ``function(*args, &out)`` of the library, which hands over a malloc'd string in
    ``out`` and returns 0, or -1 with the thread's error set; returns the string or raises."""
    loaded = _ffi.load()
    out = ctypes.c_void_p()
    if getattr(loaded.lib, function)(*args, ctypes.byref(out)) != 0:
        error = _error(loaded.lib, function)
        loaded.libc.free(out)  # NULL by contract; free(NULL) is harmless
        raise error
    return _take_string(loaded, out)


def _details(result: Any) -> Dict[str, DetailValue]:
    details: Dict[str, DetailValue] = {}
    params = result.params
    for i in range(result.nparams if params else 0):
        param = params[i]
        name = param.field.decode("utf-8", errors="replace")
        kind = param.type
        value: DetailValue
        if kind == _ffi.TYPED_PARAM_INT:
            value = param.value.i
        elif kind == _ffi.TYPED_PARAM_UINT:
            value = param.value.ui
        elif kind == _ffi.TYPED_PARAM_LLONG:
            value = param.value.l
        elif kind == _ffi.TYPED_PARAM_ULLONG:
            value = param.value.ul
        elif kind == _ffi.TYPED_PARAM_DOUBLE:
            value = param.value.d
        elif kind == _ffi.TYPED_PARAM_BOOLEAN:
            value = param.value.b != b"\0"
        elif kind == _ffi.TYPED_PARAM_STRING:
            value = _text(param.value.s)
        else:
            continue  # a type newer than this binding: skipped rather than misread
        details[name] = value
    return details


def _decode(results: Any, n: int) -> Tuple[Result, ...]:
    decoded = []
    for i in range(n):
        r = results[i].contents
        decoded.append(
            Result(
                check=Check(r.check),
                severity=Severity(r.severity),
                code=_text(r.code) or "",
                message=_text(r.message) or "",
                hint=_text(r.hint),
                details=_details(r),
            )
        )
    return tuple(decoded)


def _collect(lib: ctypes.CDLL, n: int, results: Any, function: str) -> Report:
    """Copies a result list into Python objects and frees it, whatever happens."""
    try:
        if n < 0:
            raise _error(lib, function)
        if n and not results:
            raise MigrationCheckError(ErrorCode.INTERNAL, f"{function} returned {n} results but no list")
        return Report(_decode(results, n))
    finally:
        lib.virMigrationCheckResultListFree(results)


# Our own parameters that may be repeated (one value per occurrence): a list or tuple value
# gives one typed parameter per item, as migrate_disks does for libvirt's.
_REPEATABLE_OURS = frozenset({"shared_filesystems"})


def _expanded(params: Dict[str, Any]) -> List[Tuple[str, Any]]:
    """``params`` as (name, value) pairs, a list value of a repeatable parameter of ours as one
    pair per item."""
    pairs: List[Tuple[str, Any]] = []
    for name, value in params.items():
        if name in _REPEATABLE_OURS and isinstance(value, (list, tuple)):
            pairs.extend((name, item) for item in value)
        else:
            pairs.append((name, value))
    return pairs


def _typed_params(params: Union[Dict[str, Any], List[Tuple[str, Any]]]) -> Tuple[Any, List[Any]]:
    """A ``virTypedParameter`` array for ``params`` (a dict, or (name, value) pairs), and the
    buffers it points into (to keep alive for the call). Each value gets the typed-parameter
    type of its Python type, so that the library itself judges names and types: an unknown
    name, or ``memory_headroom`` as a string, is its error."""
    items = list(params.items()) if isinstance(params, dict) else params
    array = (_ffi.TypedParameter * len(items))()
    keep: List[Any] = [array]
    for slot, (name, value) in zip(array, items):
        field_name = name.encode("utf-8")
        if not field_name or b"\0" in field_name or len(field_name) >= _ffi.TYPED_PARAM_FIELD_LENGTH:
            raise ValueError(f"parameter name {name!r} is not a valid typed parameter name")
        slot.field = field_name
        if isinstance(value, bool):
            slot.type = _ffi.TYPED_PARAM_BOOLEAN
            slot.value.b = b"\1" if value else b"\0"
        elif isinstance(value, int):
            if 0 <= value < 1 << 64:
                slot.type = _ffi.TYPED_PARAM_ULLONG
                slot.value.ul = value
            elif -(1 << 63) <= value < 0:
                slot.type = _ffi.TYPED_PARAM_LLONG
                slot.value.l = value
            else:
                raise ValueError(f"parameter {name}: {value} does not fit 64 bits")
        elif isinstance(value, float):
            slot.type = _ffi.TYPED_PARAM_DOUBLE
            slot.value.d = value
        elif isinstance(value, (str, bytes, os.PathLike)):
            data = _cstring(value, f"parameter {name}")
            buffer = ctypes.create_string_buffer(data or b"")
            keep.append(buffer)
            slot.type = _ffi.TYPED_PARAM_STRING
            slot.value.s = ctypes.addressof(buffer)
        else:
            raise TypeError(f"parameter {name}: {type(value).__name__} values are not typed parameters")
    return array, keep


# The one unit of every duration in Python is the second, as on the command line
# (--host-timeout SECONDS) and in libvirt-python: host_timeout= is converted here to the C
# parameter VIR_MIGRATION_CHECK_PARAM_TIMEOUT, which counts milliseconds. The old Python
# keyword was that C parameter itself (timeout=, milliseconds): it is refused loudly rather
# than reread in seconds, so that a caller's timeout=60000 (one minute) never silently
# becomes 16 hours.
_C_TIMEOUT = "timeout"


def _with_host_timeout(function: str, params: Dict[str, Any], host_timeout: Optional[float]) -> Dict[str, Any]:
    """``params`` with ``host_timeout`` (seconds) as the C call's ``timeout`` (milliseconds).
    Raises ``TypeError`` when ``params`` holds the C name ``timeout`` itself."""
    if _C_TIMEOUT in params:
        raise TypeError(
            f"{function}() takes no 'timeout' (milliseconds): the wait for the hosts is host_timeout=, "
            f"in seconds, as the CLI's --host-timeout (timeout=60000 is host_timeout=60)"
        )
    if host_timeout is None:
        return params
    if isinstance(host_timeout, bool) or not isinstance(host_timeout, (int, float)):
        raise TypeError(f"host_timeout must be a number of seconds, not {type(host_timeout).__name__}")
    if not math.isfinite(host_timeout) or host_timeout < 0:
        raise ValueError(f"host_timeout={host_timeout} is not a number of seconds (0: wait for ever)")
    # Rounded up, so that a short positive wait never becomes 0, which means for ever.
    milliseconds = math.ceil(host_timeout * 1000)
    if milliseconds >= 1 << 64:
        raise ValueError(f"host_timeout={host_timeout} does not fit the C call's milliseconds")
    return {**params, _C_TIMEOUT: milliseconds}


# ---------------------------------------------------------------------------------------------
# The API


def check(
    conn: Optional[Handle],
    dconn: Optional[Handle],
    dom: Optional[Handle],
    *,
    checks: Selection = Check.ALL,
    flags: None = None,
    host_timeout: Optional[float] = None,
    timeout: None = None,
    **params: Any,
) -> Report:
    """Can the guest ``dom``, running on ``conn``, be live-migrated to the host of ``dconn``?

    ``virMigrationCheck`` (``virMigrationCheckParams`` when parameters are given).
    Connections opened read-only suffice; the handles are borrowed (their reference counts
    are unchanged afterwards). ``checks`` (keyword-only) holds the selection (``Check.ALL``:
    every check this library implements) and our modifiers (:class:`Flag`), as the C call's
    one flags argument: ``checks=Check.MEMORY | Flag.STRICT``. There is no ``flags``: a
    caller holding libvirt's ``VIR_MIGRATE_*`` flags calls ``check3``, and ``flags=`` raises
    ``TypeError`` saying so (as a fourth positional argument does). Parameters:
    ``memory_headroom`` (int, KiB: what must remain free on the destination) and ``cpu_map``
    (str: libvirt's CPU map directory for every host; default each destination's own libvirt's,
    carried), ``cache_ttl`` (int, seconds a cached host's facts are reused, with
    ``Flag.CACHE``; default 60), ``host_timeout`` (int or float, seconds the hosts have to
    answer, as the CLI's ``--host-timeout``; 0: for ever; default 60; the keyword ``timeout``,
    which counted milliseconds, raises ``TypeError``),
    ``shared_filesystems`` (a list of directories on storage both hosts share, as qemu.conf's
    ``shared_filesystems``; one typed parameter per directory); a parameter given as None is
    left out. Each is passed as the typed parameter its Python
    type makes (int >= 0: ULLONG, negative int: LLONG, bool: BOOLEAN, float: DOUBLE, str or
    path: STRING), and the library judges names and types.

    Raises :class:`MigrationCheckError` when the check cannot run (a None handle, unknown flag
    bits or parameters, a closed connection, a domain of another connection ...),
    ``TypeError`` / ``ValueError`` for values that cannot be passed to C at all.
    """
    conn_p = _pointer(conn, "conn")
    dconn_p = _pointer(dconn, "dconn")
    dom_p = _pointer(dom, "dom")
    bits = _selection("check", checks, flags, live=True)
    if timeout is not None:
        params = {**params, _C_TIMEOUT: timeout}
    given = _with_host_timeout("check", {k: v for k, v in params.items() if v is not None}, host_timeout)
    lib = _ffi.load().lib
    results = _ffi.CResultList()
    if given:
        pairs = _expanded(given)
        array, keep = _typed_params(pairs)
        n = lib.virMigrationCheckParams(conn_p, dconn_p, dom_p, array, len(pairs), bits, ctypes.byref(results))
        del keep  # the strings the parameters point to lived until the call returned
        return _collect(lib, n, results, "virMigrationCheckParams")
    n = lib.virMigrationCheck(conn_p, dconn_p, dom_p, bits, ctypes.byref(results))
    return _collect(lib, n, results, "virMigrationCheck")


def check_matrix(
    conn: Optional[Handle],
    doms: Iterable[Optional[Handle]],
    dconns: Iterable[Optional[Handle]],
    *,
    checks: Selection = Check.ALL,
    flags: None = None,
) -> List[List[Union[Report, MigrationCheckError]]]:
    """Every guest of ``doms`` (all on ``conn``) against every host of ``dconns`` in one call
    (``virMigrationCheckMatrix``): each host's facts are gathered once, in parallel. Returns
    ``cells[guest][host]``: a :class:`Report`, or the :class:`MigrationCheckError` saying why
    that pair could not be checked, with the cell's :class:`ErrorCode` (``TIMEOUT`` for a host
    that did not answer in time, ``INVALID_ARG`` for a closed connection ...). ``checks`` is
    keyword-only, as for :func:`check`. Raises :class:`MigrationCheckError` for bad
    arguments."""
    bits = _selection("check_matrix", checks, flags, live=True)
    dom_list = [_pointer(d, f"doms[{i}]") for i, d in enumerate(doms)]
    host_list = [_pointer(c, f"dconns[{i}]") for i, c in enumerate(dconns)]
    loaded = _ffi.load()
    if not loaded.has("virMigrationCheckMatrix"):
        raise MigrationCheckError(ErrorCode.UNSUPPORTED, "the loaded library has no virMigrationCheckMatrix")
    lib = loaded.lib
    dom_array = (ctypes.c_void_p * max(len(dom_list), 1))(*dom_list)
    host_array = (ctypes.c_void_p * max(len(host_list), 1))(*host_list)
    matrix = _ffi.CMatrixPtr()
    n = lib.virMigrationCheckMatrix(
        _pointer(conn, "conn"), dom_array, len(dom_list), host_array, len(host_list), bits, ctypes.byref(matrix)
    )
    try:
        if n < 0:
            raise _error(lib, "virMigrationCheckMatrix")
        m = matrix.contents
        rows: List[List[Union[Report, MigrationCheckError]]] = []
        for d in range(m.ndoms):
            row: List[Union[Report, MigrationCheckError]] = []
            for h in range(m.ndconns):
                cell = m.cells[d * m.ndconns + h]
                if cell.nresults < 0:
                    # The cell's own code (TIMEOUT for a host that did not answer in time ...);
                    # never NONE for a pair that was not checked.
                    code = cell.error_code if cell.error_code != ErrorCode.NONE else ErrorCode.INTERNAL
                    row.append(MigrationCheckError(code, _text(cell.error) or "not checked"))
                else:
                    row.append(Report(_decode(cell.results, cell.nresults)))
            rows.append(row)
        return rows
    finally:
        lib.virMigrationCheckMatrixFree(matrix)


def check_xml(
    domain_xml: str,
    src_snapshot: Optional[str],
    dst_snapshot: str,
    *,
    checks: Selection = Check.ALL,
    flags: None = None,
) -> Report:
    """:func:`check` offline, from the guest's domain XML (its live XML for a running guest)
    and host snapshots (:func:`host_snapshot`): ``virMigrationCheckXML``. Without a source
    snapshot, source facts come from the domain XML alone and the checks that need more come
    out SKIPPED (which makes the verdict WARNING). ``checks`` is keyword-only, as for
    :func:`check`."""
    domain = _cstring(domain_xml, "domain_xml")
    src = _cstring(src_snapshot, "src_snapshot")
    dst = _cstring(dst_snapshot, "dst_snapshot")
    bits = _selection("check_xml", checks, flags, live=False)
    lib = _ffi.load().lib
    results = _ffi.CResultList()
    n = lib.virMigrationCheckXML(domain, src, dst, bits, ctypes.byref(results))
    return _collect(lib, n, results, "virMigrationCheckXML")


def host_snapshot(conn: Optional[Handle]) -> str:
    """The host snapshot of ``conn``'s host (``virMigrationHostSnapshot``): one
    ``<hostSnapshot version='1'>`` document, taken with read-only calls."""
    return _call_for_string("virMigrationHostSnapshot", _pointer(conn, "conn"), 0)


def _baseline_flags(vendor_neutral: bool) -> int:
    return int(BaselineFlag.VENDOR_NEUTRAL) if vendor_neutral else 0


def _baseline_target(
    function: str, emulator: Optional[str], arch: Optional[str], machine: Optional[str], virt_type: Optional[str]
) -> Optional[List[Optional[bytes]]]:
    """The target arguments of ``function`` (``virMigrationBaselineFor``, ...), or None when
    none is given (the plain call then answers)."""
    given = {"emulator": emulator, "arch": arch, "machine": machine, "virt_type": virt_type}
    if all(v is None for v in given.values()):
        return None
    if not _ffi.load().has(function):
        raise MigrationCheckError(ErrorCode.UNSUPPORTED, f"the loaded library has no {function}")
    return [_cstring(v, k) for k, v in given.items()]


def baseline(
    conns: Iterable[Optional[Handle]],
    vendor_neutral: bool = False,
    *,
    virt_type: Optional[str] = None,
    arch: Optional[str] = None,
    emulator: Optional[str] = None,
    machine: Optional[str] = None,
) -> str:
    """The lowest common denominator of the hosts of ``conns`` (``virMigrationBaseline``):
    a ``<migrationBaseline version='1'>`` document. Hosts of different CPU vendors are an
    error unless ``vendor_neutral``. It is for one guest arch and virt type (the document's
    ``<arch>`` and ``<virtType>``): the hosts' arch and kvm where every host offers it, else
    qemu, unless ``virt_type``, ``arch``, ``emulator`` or ``machine`` name the guest's
    (``virMigrationBaselineFor``); a host that does not offer the virt type is an error."""
    handles = list(conns)
    addresses = [_pointer(c, f"conns[{i}]") for i, c in enumerate(handles)]
    array = (ctypes.c_void_p * len(addresses))(*addresses) if addresses else None
    flags = _baseline_flags(vendor_neutral)
    target = _baseline_target("virMigrationBaselineFor", emulator, arch, machine, virt_type)
    if target is not None:
        emu, ar, mach, virt = target
        return _call_for_string("virMigrationBaselineFor", array, len(addresses), emu, ar, mach, virt, flags)
    return _call_for_string("virMigrationBaseline", array, len(addresses), flags)


def baseline_xml(
    snapshots: Iterable[Optional[str]],
    vendor_neutral: bool = False,
    *,
    virt_type: Optional[str] = None,
    arch: Optional[str] = None,
    emulator: Optional[str] = None,
    machine: Optional[str] = None,
) -> str:
    """:func:`baseline` from host snapshots (``virMigrationBaselineXML``,
    ``virMigrationBaselineXMLFor``)."""
    encoded = [_cstring(s, f"snapshots[{i}]") for i, s in enumerate(snapshots)]
    array = (ctypes.c_char_p * len(encoded))(*encoded) if encoded else None
    flags = _baseline_flags(vendor_neutral)
    target = _baseline_target("virMigrationBaselineXMLFor", emulator, arch, machine, virt_type)
    if target is not None:
        emu, ar, mach, virt = target
        return _call_for_string("virMigrationBaselineXMLFor", array, len(encoded), emu, ar, mach, virt, flags)
    return _call_for_string("virMigrationBaselineXML", array, len(encoded), flags)


def baseline_apply(domain_xml: str, baseline_xml: str) -> str:
    """The guest of ``domain_xml`` rewritten to a baseline (``virMigrationBaselineApply``). The
    guest keeps its arch, virt type and emulator: a baseline computed for others is an error."""
    domain = _cstring(domain_xml, "domain_xml")
    base = _cstring(baseline_xml, "baseline_xml")
    return _call_for_string("virMigrationBaselineApply", domain, base, 0)


def cache_invalidate(conn: Optional[Handle] = None) -> None:
    """Drops the host facts cached by :attr:`Flag.CACHE` checks: those of ``conn``'s host, or
    of every connection when ``conn`` is None (``virMigrationCheckCacheInvalidate``).
    Raises :class:`MigrationCheckError` (UNSUPPORTED) when the loaded library predates it."""
    conn_p = _pointer(conn, "conn")
    loaded = _ffi.load()
    if not loaded.has("virMigrationCheckCacheInvalidate"):
        raise MigrationCheckError(
            ErrorCode.UNSUPPORTED, f"{loaded.path} has no virMigrationCheckCacheInvalidate (a library older than Flag.CACHE)"
        )
    loaded.lib.virMigrationCheckCacheInvalidate(conn_p)


def supported_checks() -> Check:
    """The checks the loaded library implements (``virMigrationCheckGetSupported``)."""
    lib = _ffi.load().lib
    bits = ctypes.c_uint()
    if lib.virMigrationCheckGetSupported(ctypes.byref(bits)) != 0:
        raise _error(lib, "virMigrationCheckGetSupported")
    return Check(bits.value)


def version() -> Version:
    """The loaded library's version (``virMigrationCheckGetVersion``)."""
    lib = _ffi.load().lib
    number = ctypes.c_ulong()
    if lib.virMigrationCheckGetVersion(ctypes.byref(number)) != 0:
        raise _error(lib, "virMigrationCheckGetVersion")
    v = number.value
    return Version(v // 1_000_000, v // 1_000 % 1_000, v % 1_000)


def library_path() -> str:
    """Where the C library was loaded from (loading it if not yet done)."""
    return _ffi.load().path


# libvirt's VIR_MIGRATE_PARAM_* names and typed-parameter types, as the QEMU driver validates
# them (QEMU_MIGRATION_PARAMETERS) and as libvirt-python's ``virDomain.migrate3`` converts a
# dict: a list value of a repeatable parameter (migrate_disks, compression) gives one typed
# parameter per item. A name not listed here is passed with the type its Python value makes,
# for the library to judge (and name in its error).
_MIGRATE3_PARAMS: Dict[str, Tuple[int, bool]] = {
    "migrate_uri": (_ffi.TYPED_PARAM_STRING, False),
    "destination_name": (_ffi.TYPED_PARAM_STRING, False),
    "destination_xml": (_ffi.TYPED_PARAM_STRING, False),
    "persistent_xml": (_ffi.TYPED_PARAM_STRING, False),
    "bandwidth": (_ffi.TYPED_PARAM_ULLONG, False),
    "bandwidth.postcopy": (_ffi.TYPED_PARAM_ULLONG, False),
    "bandwidth.avail.switchover": (_ffi.TYPED_PARAM_ULLONG, False),
    "graphics_uri": (_ffi.TYPED_PARAM_STRING, False),
    "listen_address": (_ffi.TYPED_PARAM_STRING, False),
    "migrate_disks": (_ffi.TYPED_PARAM_STRING, True),
    "migrate_disks_detect_zeroes": (_ffi.TYPED_PARAM_STRING, True),
    "disks_port": (_ffi.TYPED_PARAM_INT, False),
    "disks_uri": (_ffi.TYPED_PARAM_STRING, False),
    "compression": (_ffi.TYPED_PARAM_STRING, True),
    "compression.mt.level": (_ffi.TYPED_PARAM_INT, False),
    "compression.mt.threads": (_ffi.TYPED_PARAM_INT, False),
    "compression.mt.dthreads": (_ffi.TYPED_PARAM_INT, False),
    "compression.xbzrle.cache": (_ffi.TYPED_PARAM_ULLONG, False),
    "compression.zlib.level": (_ffi.TYPED_PARAM_INT, False),
    "compression.zstd.level": (_ffi.TYPED_PARAM_INT, False),
    "auto_converge.initial": (_ffi.TYPED_PARAM_INT, False),
    "auto_converge.increment": (_ffi.TYPED_PARAM_INT, False),
    "parallel.connections": (_ffi.TYPED_PARAM_INT, False),
    "tls.destination": (_ffi.TYPED_PARAM_STRING, False),
}


def _migrate3_typed_params(params: Dict[str, Any]) -> Tuple[Any, List[Any], int]:
    """The ``virTypedParameter`` array of a ``migrate3`` params dict (plus our own tuning
    parameters), the buffers it points into, and its length."""
    entries: List[Tuple[str, Any]] = []
    for name, value in params.items():
        known = _MIGRATE3_PARAMS.get(name)
        repeatable = name in _REPEATABLE_OURS or (known is not None and known[1])
        if repeatable and isinstance(value, (list, tuple)):
            entries.extend((name, item) for item in value)
        else:
            entries.append((name, value))
    generic = {f"{i}": v for i, (_, v) in enumerate(entries)}
    array, keep = _typed_params(generic) if entries else ((_ffi.TypedParameter * 1)(), [])
    keep.append(array)
    for slot, (name, value) in zip(array, entries):
        field_name = name.encode("utf-8")
        if not field_name or b"\0" in field_name or len(field_name) >= _ffi.TYPED_PARAM_FIELD_LENGTH:
            raise ValueError(f"parameter name {name!r} is not a valid typed parameter name")
        slot.field = field_name
        known = _MIGRATE3_PARAMS.get(name)
        if known is None:
            continue  # the type of its Python value, for the library to judge
        wanted = known[0]
        if wanted == _ffi.TYPED_PARAM_STRING:
            if not isinstance(value, (str, bytes)):
                raise TypeError(f"parameter {name} must be a str, not {type(value).__name__}")
        elif isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"parameter {name} must be an int, not {type(value).__name__}")
        elif wanted == _ffi.TYPED_PARAM_INT:
            if not -(1 << 31) <= value < 1 << 31:
                raise ValueError(f"parameter {name}: {value} does not fit an int")
            slot.type = _ffi.TYPED_PARAM_INT
            slot.value.i = value
    return array, keep, len(entries)


def check3(
    dom: Optional[Handle],
    dconn: Optional[Handle],
    params: Optional[Dict[str, Any]] = None,
    flags: int = 0,
    checks: Union[Check, int] = Check.ALL,
    *,
    host_timeout: Optional[float] = None,
    timeout: None = None,
    **tuning: Any,
) -> Report:
    """Can the migration ``dom.migrate3(dconn, params, flags)`` succeed? The arguments mirror
    libvirt-python's ``virDomain.migrate3``: ``flags`` are ``libvirt.VIR_MIGRATE_*`` values,
    ``params`` a dict keyed by ``libvirt.VIR_MIGRATE_PARAM_*`` (a list for migrate_disks).
    The source is the domain's own connection. ``checks`` selects checks (``Check.ALL``: every
    one) and may add ``Flag.STRICT`` / ``Flag.CACHE``; ``Flag.OFFLINE``, ``NON_SHARED_DISK``
    and ``UNSAFE`` are refused there, since ``flags`` says those. ``tuning`` takes the
    parameters of :func:`check` (``memory_headroom``, ``cpu_map``, ``cache_ttl`` in seconds,
    ``host_timeout`` in seconds, ``shared_filesystems``: a list of directories); ``timeout``
    (milliseconds, the C parameter's unit), as a keyword or a key of ``params``, raises
    ``TypeError`` naming ``host_timeout``.
    ``VIR_MIGRATE_PARAM_DEST_XML`` is the guest as the destination will define it: the
    destination-side checks judge it, and each change of the guest's ABI libvirt refuses is a
    ``host.dest-xml-abi`` ERROR in libvirt's words (``details["libvirt_error"]``).

    ``virMigrationCheck3``. Raises :class:`MigrationCheckError` for unknown flag bits, an
    unknown parameter or one of the wrong type (named), a None handle ...
    """
    dom_p = _pointer(dom, "dom")
    dconn_p = _pointer(dconn, "dconn")
    migrate_flags = _uint(flags, "flags")
    check_bits = _uint(checks, "checks")
    given: Dict[str, Any] = dict(params or {})
    if timeout is not None:
        tuning = {**tuning, _C_TIMEOUT: timeout}
    given.update({k: v for k, v in tuning.items() if v is not None})
    given = _with_host_timeout("check3", given, host_timeout)
    loaded = _ffi.load()
    if not loaded.has("virMigrationCheck3"):
        raise MigrationCheckError(ErrorCode.UNSUPPORTED, "the loaded library has no virMigrationCheck3")
    lib = loaded.lib
    array, keep, n_params = _migrate3_typed_params(given)
    results = _ffi.CResultList()
    n = lib.virMigrationCheck3(dom_p, dconn_p, array, n_params, migrate_flags, check_bits, ctypes.byref(results))
    del keep  # the strings the parameters point to lived until the call returned
    return _collect(lib, n, results, "virMigrationCheck3")
