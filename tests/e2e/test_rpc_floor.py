# SPDX-License-Identifier: LGPL-2.1-or-later
"""The RPC floor of the e2e table (tests/common/floor.rs, timed by examples/bed_timing.rs) sends
exactly the procedures a cold check sends, on each connection, on the QEMU bed (docs/testbed.md):
there the check asks more than of the test driver (tests/rpc_floor.rs): the guest's domain
capabilities on both hosts, the destination's NUMA cells and free pages, the hypervisor's verdict
on a named CPU model, the state of a transient guest, a block job query per disk. Counted on the
wire in libvirt's client RPC log by the example's `count` mode, for the check and for the floor
issued both ways, each on fresh read-write connections."""

from __future__ import annotations

import json
import subprocess
from typing import Callable, Optional

import libvirt
import pytest

from conftest import ROOT, tiny_guest, uri, remove_guest

BED_TIMING = ROOT / "target" / "release" / "examples" / "bed_timing"
P2P = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
X2APIC = "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model><feature policy='require' name='x2apic'/></cpu>"
DISK = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{path}'/>"
        "<target dev='vda' bus='virtio'/></disk>")


def with_cpu(xml: str, cpu: str) -> str:
    return xml.replace("<features>", f"{cpu}<features>", 1)


CASES = [
    # (id, source, destination, guest XML of name, persistent)
    ("plain guest a→b", "a", "b", lambda n: tiny_guest(n), False),
    ("plain guest to libvirt 11.3/QEMU 10 a→f", "a", "f", lambda n: tiny_guest(n), False),
    ("a named CPU model from libvirt 11.3 f→g", "f", "g", lambda n: with_cpu(tiny_guest(n, machine="pc-i440fx-7.2"), X2APIC), False),
    ("a persistent guest with a disk a→d", "a", "d", lambda n: tiny_guest(n, DISK.format(path="/tmp/vmc-e2e-rpc-floor.img")), True),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_floor_sends_what_a_cold_check_sends(bed, case) -> None:
    if not BED_TIMING.exists():
        pytest.skip(f"{BED_TIMING} is not built (cargo build --release --locked --example bed_timing)")
    label, src, dst, xml_of, persistent = case
    name = "e2e-rpc-floor"
    subprocess.run(["truncate", "-s", "1M", "/tmp/vmc-e2e-rpc-floor.img"], check=True)
    try:
        xml = xml_of(name)
        if persistent:
            bed[src].defineXML(xml).create()
        else:
            bed[src].createXML(xml, 0)
        run = subprocess.run([str(BED_TIMING), "count", uri(src), uri(dst), name, str(P2P)],
                             capture_output=True, text=True, check=True)
        counts = json.loads(run.stdout)
        check = counts["check"]
        for mode in ("concurrent", "sequential"):
            assert counts[mode] == check, f"{label}, {mode}: the floor's procedures {counts[mode]} are not the check's {check}"
        total = {role: sum(check[role].values()) for role in ("source", "destination")}
        print(f"{label}: {total['source']} RPCs to the source, {total['destination']} to the destination, "
              f"the same procedures from the check and the floor: {json.dumps(check, sort_keys=True)}")
        # On a QEMU host the check asks for the guest's domain capabilities on both hosts
        # (REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, 342): the floor is not the test driver's.
        assert all("342" in check[role] for role in ("source", "destination")), check
    finally:
        remove_guest([bed[src]], name)
        subprocess.run(["rm", "-f", "/tmp/vmc-e2e-rpc-floor.img"], check=False)
