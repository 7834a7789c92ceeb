# SPDX-License-Identifier: LGPL-2.1-or-later
"""check3() on libvirt's test driver in-process: the migration given as libvirt-python's
``virDomain.migrate3(dconn, params, flags)`` arguments (tests/data/hosts)."""

from __future__ import annotations

import libvirt
import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check, Flag, Severity
from support import problems

LIVE_P2P = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER


def test_the_measured_case_runs_every_check(dom, hosts) -> None:
    # With check() these flags selected three checks (hypervisor, arch, numa) and said "ok".
    flags = LIVE_P2P | libvirt.VIR_MIGRATE_NON_SHARED_DISK
    report = lmc.check3(dom, hosts("dst-all-wrong"), flags=flags)
    ran = {r.check for r in report}
    assert len(ran) == bin(int(lmc.supported_checks())).count("1")
    assert report.errors


def test_unknown_flags_params_and_types_are_errors_naming_them(dom, hosts) -> None:
    dst = hosts("dst-ok")
    with pytest.raises(lmc.MigrationCheckError, match=r"unsupported flags \(0x200000\)"):
        lmc.check3(dom, dst, flags=1 << 21)
    with pytest.raises(lmc.MigrationCheckError, match="parameter 'no_such_param' not supported"):
        lmc.check3(dom, dst, {"no_such_param": "x"}, LIVE_P2P)
    # A bandwidth as a negative number is an llong, not libvirt's ullong.
    with pytest.raises(lmc.MigrationCheckError, match="invalid type 'llong' for parameter 'bandwidth'"):
        lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: -1}, LIVE_P2P)
    with pytest.raises(TypeError):
        lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_DEST_NAME: 7}, LIVE_P2P)
    with pytest.raises(lmc.MigrationCheckError, match="VIR_MIGRATE_"):
        lmc.check3(dom, dst, None, LIVE_P2P, Flag.UNSAFE)
    # Every known parameter of its right type is accepted; DEST_XML and PERSIST_XML too.
    params = {
        libvirt.VIR_MIGRATE_PARAM_URI: "tcp://dst",
        libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 100,
        libvirt.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS: 4,
        libvirt.VIR_MIGRATE_PARAM_DEST_XML: "<domain/>",
        libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: "<domain/>",
        "memory_headroom": 1024,
    }
    report = lmc.check3(dom, dst, params, LIVE_P2P, Check.HOST)
    assert {r.check for r in report} == {Check.HOST}


def test_refused_combinations_in_libvirts_words(dom, hosts) -> None:
    dst = hosts("dst-ok")
    report = lmc.check3(dom, dst, flags=libvirt.VIR_MIGRATE_TUNNELLED | libvirt.VIR_MIGRATE_LIVE, checks=Check.HOST)
    (f,) = report.with_code("host.tunnelled-without-p2p")
    assert f.severity == Severity.ERROR
    assert f.details["libvirt_error"] == "cannot perform tunnelled migration without using peer2peer flag"
    report = lmc.check3(dom, dst, flags=libvirt.VIR_MIGRATE_OFFLINE, checks=Check.HOST)
    assert problems(report) == ["host.offline-without-persist"]


def test_migrate_disks_and_cleared_by(dom, hosts) -> None:
    dst = hosts("dst-missing-volume")
    flags = LIVE_P2P | libvirt.VIR_MIGRATE_NON_SHARED_DISK
    assert problems(lmc.check3(dom, dst, None, flags, Check.DISK)) == ["disk.will-copy"]
    report = lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: ["vdb"]}, flags, Check.DISK)
    (f,) = report.with_code("disk.volume-missing")
    assert f.details["cleared_by"] == "VIR_MIGRATE_NON_SHARED_DISK"


def test_dest_name(dom, hosts) -> None:
    dst = hosts("dst-clash")
    assert problems(lmc.check3(dom, dst, None, LIVE_P2P, Check.HOST)) == ["host.name-clash"]
    renamed = {libvirt.VIR_MIGRATE_PARAM_DEST_NAME: "web1-new"}
    assert problems(lmc.check3(dom, dst, renamed, LIVE_P2P, Check.HOST)) == []


def test_dest_xml_and_persist_xml(dom, hosts) -> None:
    # The guest's own XML as the destination XML changes nothing; another vCPU count is the
    # ABI change libvirt refuses, in its words; a persistent XML without PERSIST_DEST is ignored
    # by libvirt, which the report says.
    dst = hosts("dst-ok")
    xml = dom.XMLDesc(0)
    assert problems(lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml}, LIVE_P2P, Check.HOST)) == []
    start = xml.index("<vcpu")
    end = xml.index("</vcpu>") + len("</vcpu>")
    changed = xml[:start] + "<vcpu>7</vcpu>" + xml[end:]
    report = lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_DEST_XML: changed}, LIVE_P2P, Check.HOST)
    (f,) = report.with_code("host.dest-xml-abi")
    assert f.severity == Severity.ERROR
    assert f.details["libvirt_error"].startswith("Target domain vCPU max 7 does not match source")
    report = lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml}, LIVE_P2P, Check.HOST)
    (f,) = report.with_code("host.persist-xml-ignored")
    assert f.severity == Severity.INFO
    persist = LIVE_P2P | libvirt.VIR_MIGRATE_PERSIST_DEST
    assert problems(lmc.check3(dom, dst, {libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml}, persist, Check.HOST)) == []
