# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 20's target 5 on the QEMU bed (docs/testbed.md): a live matrix over the bed's hosts
(every running guest of every host against every host, `fleet::check_matrix_both_ways` as the
CLI's `matrix` runs it, each host opened from its URI) against the slowest host's own fact
gathering, the same gathering (its connection, its complete facts, its running guests' reads)
timed alone, one host at a time. Both in one process, alternately, medians
(examples/bed_timing.rs `fleet`), with the CPU the bed's daemons and the process used. The
target (at most 1.5 times) does not hold on this 2-core machine, where the hosts' CPU alone is
longer than the slowest host: printed, and docs/performance.md says why."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import libvirt
import pytest

from conftest import BED, ROOT, remove_guest, tiny_guest, uri

BED_TIMING = ROOT / "target" / "release" / "examples" / "bed_timing"
RUNS = 7
# A few running guests, on hosts of each generation (docs/testbed.md).
GUESTS = {"a": 2, "d": 1, "f": 1, "g": 1}


def daemons(hosts: List[str]) -> List[int]:
    """The PIDs of the hosts' libvirtd processes: the descendants named libvirtd of each host's
    supervisor (host.sh writes its PID to the host's directory)."""
    parent: Dict[int, int] = {}
    comm: Dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            pid = int(entry.name)
            comm[pid] = stat[stat.index("(") + 1:stat.rindex(")")]
            parent[pid] = int(stat[stat.rindex(")") + 2:].split()[1])
    roots = {int((BED / h / "pid").read_text()) for h in hosts if (BED / h / "pid").exists()}

    def under(pid: int) -> bool:
        while pid > 1:
            if pid in roots:
                return True
            pid = parent.get(pid, 0)
        return False

    return sorted(pid for pid, name in comm.items() if name == "libvirtd" and under(pid))


def test_a_live_matrix_costs_its_slowest_host(bed) -> None:
    if not BED_TIMING.exists():
        pytest.skip(f"{BED_TIMING} is not built (cargo build --release --locked --example bed_timing)")
    names = []
    try:
        for host, count in GUESTS.items():
            for i in range(count):
                name = f"e2e-fleet-{host}{i}"
                machine = "pc-i440fx-7.2"  # known to every QEMU of the bed
                bed[host].createXML(tiny_guest(name, machine=machine), 0)
                names.append((host, name))
        hosts = sorted(bed)
        pids = daemons(hosts)
        env = dict(os.environ, BED_PIDS=",".join(map(str, pids)))
        run = subprocess.run([str(BED_TIMING), "fleet", str(RUNS), *[uri(h) for h in hosts]],
                             capture_output=True, text=True, check=True, env=env)
        m = json.loads(run.stdout)
        alone = ", ".join(f"{h} {ms:.0f} ({cpu:.0f} CPU)" for h, ms, cpu in zip(hosts, m["alone_ms"], m["host_cpu_ms"]))
        print(f"\nlive matrix, {m['guests']} guests x {len(hosts)} hosts, medians of {m['runs']}: "
              f"{m['matrix_ms']:.0f} ms; each host alone (ms): {alone}; slowest {m['slowest_alone_ms']:.0f} ms, "
              f"all one after the other {m['sum_alone_ms']:.0f} ms; ratio {m['ratio']:.2f}; "
              f"CPU of this process and the {len(pids)} daemons ({m['cores']} cores): matrix {m['matrix_cpu_ms']:.0f} ms, "
              f"the hosts alone {m['alone_cpu_ms']:.0f} ms; load average {os.getloadavg()[0]:.1f}")
        # Every running guest of the bed is a row (those started here, and any a test left).
        running = sum(len(c.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)) for c in bed.values())
        assert m["guests"] == running >= len(names), m
        assert not m["cell_errors"], m["cell_errors"]
        # The physical limit on this machine: the slowest host's own gathering, or every host's
        # CPU spread over the machine's cores, whichever is longer.
        limit = max(m["slowest_alone_ms"], m["matrix_cpu_ms"] / m["cores"])
        print(f"target 5: {m['ratio']:.2f} times the slowest host (at most 1.5); the cores' limit "
              f"{limit:.0f} ms, {m['matrix_ms'] / limit:.2f} times it")
        # What holds here (target 5's 1.5 does not: docs/performance.md): the hosts are asked at
        # the same time, so the matrix is faster than asking them one after the other, and none
        # is asked twice (a host that is a source and a destination gathered once), so the
        # matrix costs the daemons and this process about what the hosts alone cost them.
        assert m["matrix_ms"] < m["sum_alone_ms"], m
        assert m["matrix_cpu_ms"] <= 1.5 * m["alone_cpu_ms"], m
    finally:
        for host, name in names:
            remove_guest([bed[host]], name)
