# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad arguments: the library's refusals raise MigrationCheckError with its code and message;
values that cannot even be passed to C raise TypeError / ValueError. Nothing crashes."""

from __future__ import annotations

import pickle

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check, ErrorCode, Flag, MigrationCheckError, Severity
from libvirt_migration_check._enums import NEVER_ASSIGNED
from support import open_host


def reserved_bits():
    """The selection bits no check has yet (below the first modifier): an error until a check
    takes one, so the test follows the table of checks."""
    checks = 0
    for member in Check.__members__.values():
        checks |= int(member)
    first_modifier = min(int(m) for m in Flag.__members__.values())
    return [1 << bit for bit in range(first_modifier.bit_length() - 1) if not checks >> bit & 1]


def raises(code: ErrorCode, needle: str, call, *args, **kwargs) -> MigrationCheckError:
    with pytest.raises(MigrationCheckError) as info:
        call(*args, **kwargs)
    err = info.value
    assert err.code == code, err
    assert isinstance(err.code, ErrorCode)
    assert needle in err.message, err.message
    assert needle in str(err) and code.name in str(err)
    return err


def test_none_handles_are_the_librarys_invalid_arguments(src, dom, hosts):
    ok = hosts("dst-ok")
    raises(ErrorCode.INVALID_ARG, "conn is NULL", lmc.check, None, ok, dom)
    raises(ErrorCode.INVALID_ARG, "dconn is NULL", lmc.check, src, None, dom)
    raises(ErrorCode.INVALID_ARG, "dom is NULL", lmc.check, src, ok, None)
    raises(ErrorCode.INVALID_ARG, "dom is NULL", lmc.check, src, ok, None, memory_headroom=1)
    raises(ErrorCode.INVALID_ARG, "conn", lmc.host_snapshot, None)


def test_handles_of_the_wrong_kind(src, dom, hosts):
    ok = hosts("dst-ok")
    raises(ErrorCode.INVALID_ARG, "conn is not a valid connection", lmc.check, dom, ok, dom)
    raises(ErrorCode.INVALID_ARG, "dom is not a valid domain", lmc.check, src, ok, src)
    other = open_host("src")
    raises(ErrorCode.INVALID_ARG, "does not belong", lmc.check, src, ok, other.lookupByName("web1"))
    for bad in ["test:///default", 1.5, object(), True]:
        with pytest.raises(TypeError):
            lmc.check(src, ok, bad)
    with pytest.raises(ValueError):
        lmc.check(src, ok, -1)


def test_raw_addresses_work_like_the_objects(src, dom, hosts):
    ok = hosts("dst-ok")
    assert lmc.check(src.c_pointer(), ok.c_pointer(), dom.c_pointer()) == lmc.check(src, ok, dom)
    raises(ErrorCode.INVALID_ARG, "conn is NULL", lmc.check, 0, ok, dom)


def test_unknown_and_reserved_flag_bits(src, dom, hosts):
    ok = hosts("dst-ok")
    err = raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, ok, dom, checks=NEVER_ASSIGNED)
    assert f"{NEVER_ASSIGNED:#x}" in err.message
    raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, ok, dom, checks=Check.ALL | NEVER_ASSIGNED)
    for reserved in reserved_bits():
        raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, ok, dom, checks=reserved)
    raises(ErrorCode.INVALID_ARG, "0x80000000", lmc.check, src, ok, dom, checks=1 << 31)
    raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, ok, dom, checks=NEVER_ASSIGNED, memory_headroom=1)
    snap = lmc.host_snapshot(ok)
    raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check_xml, dom.XMLDesc(0), None, snap, checks=NEVER_ASSIGNED)
    # Values C's unsigned int cannot hold never reach C (ctypes would truncate them).
    for bad in [1 << 32, 1 << 40, -1]:
        with pytest.raises(ValueError):
            lmc.check(src, ok, dom, checks=bad)
        with pytest.raises(ValueError):
            lmc.check_xml(dom.XMLDesc(0), None, snap, checks=bad)
    for bad in ["network", 1.0, None, True]:
        with pytest.raises(TypeError):
            lmc.check(src, ok, dom, checks=bad)  # type: ignore[arg-type]


def test_unknown_and_wrongly_typed_parameters(src, dom, hosts):
    ok = hosts("dst-ok")
    raises(ErrorCode.INVALID_ARG, "unknown parameter 'weather'", lmc.check, src, ok, dom, weather="sunny")
    raises(ErrorCode.INVALID_ARG, "unknown parameter 'weather'", lmc.check, src, ok, dom, weather=3)
    for value in ["lots", -1, True, 1.5]:
        raises(ErrorCode.INVALID_ARG, "'memory_headroom' has the wrong type", lmc.check, src, ok, dom, memory_headroom=value)
    raises(ErrorCode.INVALID_ARG, "'cpu_map' has the wrong type", lmc.check, src, ok, dom, cpu_map=5)
    with pytest.raises(TypeError):
        lmc.check(src, ok, dom, memory_headroom=[1])
    with pytest.raises(ValueError):
        lmc.check(src, ok, dom, memory_headroom=1 << 64)
    with pytest.raises(ValueError):
        lmc.check(src, ok, dom, cpu_map="/usr/share\0/libvirt")
    with pytest.raises(ValueError):
        lmc.check(src, ok, dom, **{"x" * 80: 1})


def test_malformed_documents_are_xml_errors(dom, snapshots_ok):
    xml = dom.XMLDesc(0)
    raises(ErrorCode.XML, "destination snapshot", lmc.check_xml, xml, None, snapshots_ok[: len(snapshots_ok) // 2])
    raises(ErrorCode.XML, "destination snapshot", lmc.check_xml, xml, "<hostSnapshot version='7'><uri/></hostSnapshot>", "<x/>")
    raises(ErrorCode.XML, "domain XML", lmc.check_xml, "<domain><name>x", None, snapshots_ok)
    raises(ErrorCode.INVALID_ARG, "domainXML is NULL", lmc.check_xml, None, None, snapshots_ok)
    raises(ErrorCode.INVALID_ARG, "dstHostXML is NULL", lmc.check_xml, xml, None, None)
    raises(ErrorCode.INVALID_ARG, "UTF-8", lmc.check_xml, b"<domain><name>\xff\xfe</name></domain>", None, snapshots_ok)
    with pytest.raises(ValueError):
        lmc.check_xml(xml + "\0", None, snapshots_ok)
    with pytest.raises(TypeError):
        lmc.check_xml(42, None, snapshots_ok)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def snapshots_ok(hosts):
    return lmc.host_snapshot(hosts("dst-ok"))


def test_bad_baselines(src, hosts, snapshots_ok):
    with pytest.raises(MigrationCheckError) as info:
        lmc.baseline([])
    assert info.value.code == ErrorCode.INVALID_ARG
    with pytest.raises(MigrationCheckError):
        lmc.baseline([src, None])
    with pytest.raises(MigrationCheckError) as info:
        lmc.baseline_xml([snapshots_ok, snapshots_ok[:100]])
    assert info.value.code == ErrorCode.XML
    with pytest.raises(MigrationCheckError):
        lmc.baseline_xml([])
    with pytest.raises(MigrationCheckError):
        lmc.baseline_xml([None])
    with pytest.raises(MigrationCheckError):
        lmc.baseline_apply("<domain><name>x</name></domain>", "<migrationBaseline version='9'/>")
    with pytest.raises(MigrationCheckError):
        lmc.baseline_apply("<domain/>", None)  # type: ignore[arg-type]


def test_a_closed_libvirt_python_connection_is_refused(hosts):
    conn = open_host("src")
    dom = conn.lookupByName("web1")
    assert conn.close() == 1  # the domain object still holds the connection
    # libvirt-python forgets the handle on close(): c_pointer() is 0, that is NULL.
    raises(ErrorCode.INVALID_ARG, "conn is NULL", lmc.check, conn, hosts("dst-ok"), dom)
    raises(ErrorCode.INVALID_ARG, "conn is NULL", lmc.host_snapshot, conn)


def test_the_error_is_an_exception_with_code_and_message():
    err = MigrationCheckError(3, "bad document")
    assert err.code is ErrorCode.XML and err.message == "bad document"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.message) == (err.code, err.message)
    assert MigrationCheckError(99, "future").code == 99
    assert issubclass(MigrationCheckError, Exception)


def test_a_failure_leaves_no_stale_error_for_the_next_call(src, dom, hosts):
    ok = hosts("dst-ok")
    with pytest.raises(MigrationCheckError):
        lmc.check(src, ok, dom, checks=NEVER_ASSIGNED)
    assert lmc.check(src, ok, dom, checks=Check.NETWORK).verdict == Severity.OK
    assert lmc._ffi.load().lib.virMigrationCheckGetLastErrorCode() == ErrorCode.NONE


def test_flag_values_outside_the_known_enums_pass_through(src, dom, hosts):
    # An IntFlag pseudo-member of an unknown bit still reaches the library, which refuses it.
    raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, hosts("dst-ok"), dom, checks=Check(NEVER_ASSIGNED))
    raises(ErrorCode.INVALID_ARG, "unsupported flags", lmc.check, src, hosts("dst-ok"), dom, checks=Flag(NEVER_ASSIGNED))
