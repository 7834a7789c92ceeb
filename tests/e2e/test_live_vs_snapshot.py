# SPDX-License-Identifier: LGPL-2.1-or-later
"""One host, one judgement, on the real bed: a check through the Python binding on live hosts
and the same check on the hosts' snapshots (virMigrationHostSnapshot) taken at the same moment
give the same results, for guests started on a (QEMU 7.2) and on d (QEMU 10) against every host
of the bed (a, b, c, d and the session host e). A snapshot with a broken document is judged, not
refused: the facts that depend on it are unavailable, naming the document.

The guests have no <cpu> element: a live check also asks the destination's hypervisor for its
verdict on a named CPU model (virConnectCompareHypervisorCPU), which no snapshot records."""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

import libvirt
import pytest

import libvirt_migration_check as lmc
from test_migrations import DISK, NIC, define_network_on_a, guest_xml, images_on_a_only, remove_images, remove_network

SOURCES = ["a", "d"]
DESTINATIONS = ["a", "b", "c", "d", "e"]
SELECTIONS: List[Tuple[lmc.Check, lmc.Flag]] = [
    (lmc.Check.ALL, lmc.Flag(0)),
    (lmc.Check.ALL, lmc.Flag.NON_SHARED_DISK),
    (lmc.Check.ALL, lmc.Flag.OFFLINE),
    (lmc.Check.ALL, lmc.Flag.STRICT),
    (lmc.Check.NETWORK | lmc.Check.DISK, lmc.Flag(0)),
]
# Free memory moves between two calls on a real host; a check that reads it may then differ
# from one moment to the next. Live and snapshot are taken together and compared again a few
# times: a systematic difference fails every attempt.
ATTEMPTS = 3


def live_and_offline(bed: Dict[str, "libvirt.virConnect"], src: str, dst: str, dom: "libvirt.virDomain",
                     checks: lmc.Check, flags: lmc.Flag) -> Tuple[lmc.Report, lmc.Report]:
    src_snapshot = lmc.host_snapshot(bed[src])
    dst_snapshot = src_snapshot if dst == src else lmc.host_snapshot(bed[dst])
    live = lmc.check(bed[src], bed[dst], dom, checks=checks | flags)
    offline = lmc.check_xml(dom.XMLDesc(0), src_snapshot, dst_snapshot, checks=checks | flags)
    return live, offline


@pytest.fixture(scope="module")
def guests(bed: Dict[str, "libvirt.virConnect"]):
    """A running guest on each source, with a NIC on a network of host a and a disk in a pool
    (defined on a and b, the image on a only)."""
    define_network_on_a(bed)
    images_on_a_only(bed, pool_on_b=True)
    started = {}
    try:
        started["a"] = bed["a"].createXML(guest_xml("e2e-live-vs-snapshot-a", DISK + NIC), 0)
        # On d the guest's machine is d's own "pc" (QEMU 10's newest i440fx).
        started["d"] = bed["d"].createXML(guest_xml("e2e-live-vs-snapshot-d"), 0)
        yield started
    finally:
        for dom in started.values():
            try:
                dom.destroy()
            except libvirt.libvirtError:
                pass
        remove_images(bed)
        remove_network(bed)


@pytest.mark.parametrize("src", SOURCES)
@pytest.mark.parametrize("dst", DESTINATIONS)
def test_live_equals_the_snapshot_taken_at_the_same_moment(bed, guests, src: str, dst: str) -> None:
    dom = guests[src]
    for checks, flags in SELECTIONS:
        for attempt in range(ATTEMPTS):
            live, offline = live_and_offline(bed, src, dst, dom, checks, flags)
            if offline == live:
                break
        assert offline == live, (f"{src}→{dst} {checks!r} {flags!r} after {ATTEMPTS} attempts",
                                 live.to_json(), offline.to_json())
        assert offline.to_json() == live.to_json()
        assert live.results, "every selected check gives a result"


def test_a_broken_document_in_a_snapshot_is_unavailable_not_an_error(bed, guests) -> None:
    dom = guests["a"]
    src_snapshot = lmc.host_snapshot(bed["a"])
    # Host a's networks, the first one's <name> taken away: well-formed, not a network we can read.
    broken, n = re.subn(r"(<networks>\s*<entry active='(?:yes|no)'>\s*<network[^>]*>)(.*?)<name>(.*?)</name>",
                        r"\1\2<nom>\3</nom>", src_snapshot, count=1, flags=re.S)
    assert n == 1, "host a has a network (e2e-prod) in its snapshot"
    report = lmc.check_xml(dom.XMLDesc(0), src_snapshot, broken, checks=lmc.Check.NETWORK)
    skipped = report.with_code("network.unavailable")
    assert skipped, report.to_json()
    assert all(r.severity == lmc.Severity.SKIPPED and "network #1" in r.message for r in skipped), report.to_json()
    # Host a's capabilities without <host>: the checks that read them say so, the rest still run.
    # (The first <host> of a snapshot is its capabilities': they come before the pools.)
    no_host = src_snapshot.replace("<host>", "<hostx>", 1).replace("</host>", "</hostx>", 1)
    assert no_host != src_snapshot
    report = lmc.check_xml(dom.XMLDesc(0), src_snapshot, no_host, checks=lmc.Check.ARCH | lmc.Check.NETWORK)
    arch = [r for r in report if r.check == lmc.Check.ARCH]
    assert arch and all(r.severity == lmc.Severity.SKIPPED and "capabilities" in r.message for r in arch), report.to_json()
    assert not report.with_code("network.unavailable"), report.to_json()
    # A snapshot that is not a host snapshot at all is still the caller's error.
    with pytest.raises(lmc.MigrationCheckError):
        lmc.check_xml(dom.XMLDesc(0), src_snapshot, "<capabilities/>")
