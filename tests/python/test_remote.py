# SPDX-License-Identifier: LGPL-2.1-or-later
"""Through a real libvirtd (libvirt's remote protocol, test+unix://), started and stopped by
tests/libvirtd-session.sh in fixture finalizers."""

from __future__ import annotations

import os
import signal

import libvirt
import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import ErrorCode, MigrationCheckError
from support import problems


@pytest.fixture(scope="module")
def remote(daemon):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = libvirt.openReadOnly(daemon.uri(name))
        return cache[name]

    return get


def outline(report):
    return [(r.check, r.severity, r.code) for r in report]


def across_releases(src, dst):
    """What a local source adds over a remote destination when the two are different libvirt
    releases (make python-tests-libvirt11: the test driver in-process answers the client
    library's release to virConnectGetLibVersion, the daemon its own): an older destination's
    libvirt is a WARNING (an older libvirt may reject XML the newer one writes)."""
    return ["hypervisor.older-libvirt"] if dst.getLibVersion() < src.getLibVersion() else []


@pytest.mark.parametrize("host", ["dst-ok", "dst-all-wrong", "dst-other-key", "dst-missing-volume"])
def test_remote_checks_match_the_in_process_ones(remote, src, dom, hosts, host):
    rsrc = remote("src")
    rdom = rsrc.lookupByName("web1")
    over_the_wire = lmc.check(rsrc, remote(host), rdom)
    in_process = lmc.check(src, hosts(host), dom)
    assert problems(over_the_wire) == problems(in_process)
    assert outline(over_the_wire) == outline(in_process)
    # A remote destination for a local source works as well.
    assert problems(lmc.check(src, remote(host), dom)) == sorted(problems(in_process) + across_releases(src, remote(host)))


def test_remote_snapshots_give_the_live_answer(remote):
    rsrc, rdst = remote("src"), remote("dst-all-wrong")
    rdom = rsrc.lookupByName("web1")
    live = lmc.check(rsrc, rdst, rdom)
    offline = lmc.check_xml(rdom.XMLDesc(0), lmc.host_snapshot(rsrc), lmc.host_snapshot(rdst))
    assert offline == live
    assert len(problems(live)) == 8
    assert lmc.baseline([rsrc, rdst]).startswith("<migrationBaseline version='1'>")


def test_a_destination_whose_daemon_died_fails_cleanly(src, dom, own_daemon):
    dst = libvirt.openReadOnly(own_daemon.uri("dst-ok"))
    first = lmc.check(src, dst, dom)
    # WARNING only for the checks the test driver cannot answer (SKIPPED), no problem.
    assert problems(first) == across_releases(src, dst) and first.verdict == lmc.Severity.WARNING
    os.kill(own_daemon.pid, signal.SIGKILL)
    with pytest.raises(MigrationCheckError) as info:
        lmc.check(src, dst, dom)
    assert info.value.code in (ErrorCode.INVALID_ARG, ErrorCode.LIBVIRT), info.value
    # The connection is now known dead: the next call says so up front.
    with pytest.raises(MigrationCheckError) as info:
        lmc.check(src, dst, dom)
    assert info.value.code == ErrorCode.INVALID_ARG and "closed" in info.value.message, info.value
    with pytest.raises(MigrationCheckError):
        lmc.host_snapshot(dst)
    # The source is unaffected.
    assert lmc.host_snapshot(src)
