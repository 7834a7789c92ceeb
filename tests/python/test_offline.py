# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host snapshots, offline checks (check_xml) and the lowest common denominator (baseline*)."""

from __future__ import annotations

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check, Flag, Severity

DESTINATIONS = ["dst-ok", "dst-all-wrong", "dst-other-key", "dst-missing-volume", "dst-tight-memory", "dst-clash"]


@pytest.fixture(scope="module")
def snapshots(src, hosts):
    return {name: lmc.host_snapshot(src if name == "src" else hosts(name)) for name in ["src", *DESTINATIONS]}


def test_a_snapshot_is_one_host_snapshot_document(snapshots):
    snap = snapshots["src"]
    assert isinstance(snap, str)
    assert snap.startswith("<hostSnapshot version='1'>")
    assert snap.rstrip().endswith("</hostSnapshot>")
    assert "<capabilities>" in snap


@pytest.mark.parametrize("host", DESTINATIONS)
@pytest.mark.parametrize(
    "checks, flags",
    [(Check.ALL, Flag(0)), (Check.ALL, Flag.STRICT), (Check.MEMORY | Check.DISK, Flag.OFFLINE), (Check.ALL, Flag.NON_SHARED_DISK)],
)
def test_offline_from_snapshots_equals_live(src, dom, hosts, snapshots, host, checks, flags):
    live = lmc.check(src, hosts(host), dom, checks=checks | flags)
    offline = lmc.check_xml(dom.XMLDesc(0), snapshots["src"], snapshots[host], checks=checks | flags)
    assert offline == live
    assert offline.to_json() == live.to_json()


def test_without_a_source_snapshot_the_checks_that_need_it_are_skipped(dom, snapshots):
    report = lmc.check_xml(dom.XMLDesc(0), None, snapshots["dst-ok"], checks=Check.HYPERVISOR)
    assert [r.severity for r in report] == [Severity.SKIPPED]
    # A check that could not run is never a pass.
    assert report.verdict == Severity.WARNING and report.unverified == [Check.HYPERVISOR]
    # The rest still runs from the domain XML alone.
    report = lmc.check_xml(dom.XMLDesc(0), None, snapshots["dst-all-wrong"], checks=Check.NETWORK)
    assert sorted(r.code for r in report) == ["network.bridge-missing", "network.missing"]


def test_bytes_and_str_inputs_are_the_same(dom, snapshots):
    xml = dom.XMLDesc(0)
    as_str = lmc.check_xml(xml, snapshots["src"], snapshots["dst-all-wrong"])
    as_bytes = lmc.check_xml(xml.encode(), snapshots["src"].encode(), snapshots["dst-all-wrong"].encode())
    assert as_str == as_bytes


def test_baseline_from_connections_and_from_snapshots(src, hosts, snapshots):
    fleet = [src, hosts("dst-ok"), hosts("dst-all-wrong")]
    live = lmc.baseline(fleet)
    assert live.startswith("<migrationBaseline version='1'>")
    assert "<vcpus>1</vcpus>" in live  # dst-all-wrong has one CPU
    offline = lmc.baseline_xml([snapshots["src"], snapshots["dst-ok"], snapshots["dst-all-wrong"]])
    assert offline == live
    # A generator works as well as a list; vendor_neutral is accepted (one vendor here).
    assert lmc.baseline(c for c in fleet) == live
    assert "<vcpus>1</vcpus>" in lmc.baseline(fleet, vendor_neutral=True)
    assert lmc.baseline_xml((s for s in [snapshots["src"]]), vendor_neutral=True).startswith("<migrationBaseline")


def test_baseline_apply_rewrites_the_guest(src, dom, hosts):
    base = lmc.baseline([src, hosts("dst-ok")])
    rewritten = lmc.baseline_apply(dom.XMLDesc(0), base)
    assert "<name>web1</name>" in rewritten
    assert rewritten.lstrip().startswith(("<domain", "<!--"))
