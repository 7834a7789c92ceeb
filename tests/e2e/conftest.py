# SPDX-License-Identifier: LGPL-2.1-or-later
"""The end-to-end test bed (docs/testbed.md, bed 3): root libvirtd "hosts" in their own mount
namespaces, real QEMU (TCG) guests, real live migrations. Every daemon and guest started here is
stopped by PID at the end of the session, even when a test fails."""

from __future__ import annotations

import os
import subprocess
import uuid as uuidlib
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, Iterator

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bindings" / "python"))

import libvirt  # noqa: E402

BED = Path(os.environ.get("E2E_DIR", "/tmp/vmc-e2e"))
HOSTS = {
    "a": "a1111111-1111-4111-8111-111111111111",
    "b": "b2222222-2222-4222-8222-222222222222",
    # Host c lacks QEMU's virtio-gpu display module and KVM (made before its daemon first probes
    # QEMU, so its capabilities say so).
    "c": "c3333333-3333-4333-8333-333333333333",
    # Host d is a genuinely newer host: QEMU 10 from bookworm-backports (qemu10.sh) mounted over
    # QEMU 7.2's paths, so newer machine types and more TCG CPU features; KVM as on a and b.
    "d": "d4444444-4444-4444-8444-444444444444",
    # Hosts f and g are the next generation: libvirt 11.3 from bookworm-backports (libvirt11.sh)
    # mounted over libvirt 9.0's paths, driving QEMU 10 (f) and the machine's QEMU 7.2 (g).
    "f": "f6666666-6666-4666-8666-666666666666",
    "g": "97777777-7777-4777-8777-777777777777",
}
# Host e is a session daemon (qemu:///session) of an unprivileged user, who has no access to
# /dev/kvm: docs/testbed.md's other kind of host without KVM.
SESSION_HOSTS = {"e": "e5555555-5555-4555-8555-555555555555"}
SESSION_USER = "vmc-e2e"
QEMU_MODULES = "/usr/lib/x86_64-linux-gnu/qemu"
QEMU10 = Path(os.environ.get("E2E_QEMU10_DIR", "/tmp/vmc-e2e-qemu10"))
QEMU10_MOUNTS = {
    # Both emulators libvirt probes, so that its capability cache holds one QEMU version.
    "usr/bin/qemu-system-x86_64": "/usr/bin/qemu-system-x86_64",
    "usr/bin/qemu-system-i386": "/usr/bin/qemu-system-i386",
    "usr/lib/x86_64-linux-gnu/qemu": QEMU_MODULES,
    "usr/share/qemu": "/usr/share/qemu",
    "usr/share/seabios": "/usr/share/seabios",
}
LIBVIRT11 = Path(os.environ.get("E2E_LIBVIRT11_DIR", "/tmp/vmc-e2e-libvirt11"))
LIBDIR = "/usr/lib/x86_64-linux-gnu"
LIBVIRT11_MOUNTS = {
    # The daemon, its driver modules, helpers, data (cpu_map, schemas) and the client libraries
    # it links (a bind over a symlink lands on the file it names).
    "usr/sbin/libvirtd": "/usr/sbin/libvirtd",
    f"{LIBDIR[1:]}/libvirt": f"{LIBDIR}/libvirt",
    "usr/lib/libvirt": "/usr/lib/libvirt",
    "usr/share/libvirt": "/usr/share/libvirt",
    **{f"{LIBDIR[1:]}/{so}.so.0": f"{LIBDIR}/{so}.so.0" for so in ("libvirt", "libvirt-admin", "libvirt-lxc", "libvirt-qemu")},
}
# libvirt 11.3's network driver refuses to start without a firewall backend: an `nft` (or
# `iptables`) on its PATH. This machine has neither, and the bed never needs firewalling (its
# networks forward to a bridge: no NAT, no dnsmasq, docs/testbed.md), so the hosts get a stub
# that refuses every call loudly: a scenario that did need a firewall would fail, not pass.
FIREWALL_STUB = BED / "firewall-stub"
FIREWALL_STUB_SCRIPT = """#!/bin/sh
echo "nft: the test bed has no firewall (called with: $*)" >&2
exit 1
"""
LIBVIRT11_PREPARE = " && ".join(
    [f"mount --bind {LIBVIRT11 / 'root' / src} {dst}" for src, dst in LIBVIRT11_MOUNTS.items()]
    + [f"export PATH={FIREWALL_STUB}:$PATH"])
PREPARE = {
    "c": f"rm -rf {BED}/c-qemu-modules && cp -a {QEMU_MODULES} {BED}/c-qemu-modules && rm -f {BED}/c-qemu-modules/hw-display-virtio-* "
    f"&& mount --bind {BED}/c-qemu-modules {QEMU_MODULES} && {HERE}/host.sh devices-without-kvm {BED}/c-dev",
    "d": " && ".join(f"mount --bind {QEMU10 / 'root' / src} {dst}" for src, dst in QEMU10_MOUNTS.items()),
}
PREPARE["f"] = PREPARE["d"] + " && " + LIBVIRT11_PREPARE
PREPARE["g"] = LIBVIRT11_PREPARE


def uri(name: str) -> str:
    driver = "session" if name in SESSION_HOSTS else "system"
    return f"qemu+unix:///{driver}?socket={BED / name / 'sock' / 'libvirt-sock'}"


def tiny_guest(name: str, devices: str = "", features: str = "<acpi/><apic/>", machine: str = "pc",
               virt: str = "qemu") -> str:
    """The bed's tiny guest (docs/testbed.md): 64 MiB, one vCPU, a serial console and no balloon,
    with `devices` added, its `features`, `machine` (the alias 'pc': pc-i440fx-7.2 on QEMU 7.2,
    pc-i440fx-10.0 on QEMU 10) and virt type `virt`."""
    return f"""<domain type='{virt}'>
  <name>{name}</name>
  <uuid>{uuidlib.uuid4()}</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='{machine}'>hvm</type></os>
  <features>{features}</features>
  <devices>
    <serial type='pty'/>
    <console type='pty'/>
    <memballoon model='none'/>
    {devices}
  </devices>
</domain>"""


def remove_guest(conns: Iterable["libvirt.virConnect"], name: str) -> None:
    """The guest `name` gone from every host of `conns` (destroyed, undefined), wherever a
    migration left it."""
    for conn in conns:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            continue
        try:
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()
        except libvirt.libvirtError:
            pass


def host_sh(*args: str) -> str:
    return subprocess.run([str(HERE / "host.sh"), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def bed() -> Iterator[Dict[str, "libvirt.virConnect"]]:
    if os.geteuid() != 0:
        pytest.skip("the test bed runs root libvirtd daemons")
    libvirt.registerErrorHandler(lambda *a: None, None)
    BED.mkdir(parents=True, exist_ok=True)
    # The bridge the scenarios' network forwards to (no dnsmasq, no iptables: docs/testbed.md).
    subprocess.run(["ip", "link", "add", "vmc-e2e-br", "type", "bridge"], check=False, capture_output=True)
    subprocess.run(["ip", "link", "set", "vmc-e2e-br", "up"], check=True)
    # libvirt finds hugetlbfs mounts when it starts: mount one first if the machine has none
    # (the huge-page scenarios reserve the pages themselves).
    mounted_hugetlbfs = False
    if not any(line.split()[2] == "hugetlbfs" for line in open("/proc/mounts")):
        Path("/dev/hugepages").mkdir(exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "hugetlbfs", "/dev/hugepages"], check=True)
        mounted_hugetlbfs = True
    # Idempotent: fetches and unpacks QEMU 10 only the first time.
    subprocess.run([str(HERE / "qemu10.sh"), str(QEMU10)], check=True, stdout=subprocess.DEVNULL)
    # Idempotent too: libvirt 11.3 for hosts f and g.
    subprocess.run([str(HERE / "libvirt11.sh"), str(LIBVIRT11)], check=True, stdout=subprocess.DEVNULL)
    FIREWALL_STUB.mkdir(exist_ok=True)
    (FIREWALL_STUB / "nft").write_text(FIREWALL_STUB_SCRIPT)
    (FIREWALL_STUB / "nft").chmod(0o755)
    started = []
    try:
        for name, uuid in HOSTS.items():
            env = dict(os.environ, PREPARE=PREPARE.get(name, "true"))
            subprocess.run([str(HERE / "host.sh"), "start", str(BED / name), uuid], check=True, capture_output=True, text=True, env=env)
            started.append(name)
        for name, uuid in SESSION_HOSTS.items():
            host_sh("start-session", str(BED / name), uuid, SESSION_USER)
            started.append(name)
        conns = {name: libvirt.open(uri(name)) for name in started}
        # A daemon's first capability calls probe QEMU (0.4 to 3.4 s per binary, docs/testbed.md):
        # paid here, once, as a long-running host has, so the scenarios time steady state. Each
        # daemon probes its own QEMU, so all at once (the binding releases the GIL in each call).
        def probe(conn: "libvirt.virConnect") -> None:
            conn.getCapabilities()
            conn.getDomainCapabilities(None, "x86_64", None, "qemu")

        with ThreadPoolExecutor(max_workers=len(conns)) as pool:
            list(pool.map(probe, conns.values()))
        yield conns
        for c in conns.values():
            try:
                c.close()
            except libvirt.libvirtError:
                pass
    finally:
        # Each host stops on its own (its guests destroyed, its daemon killed by PID): all at once.
        stops = [subprocess.Popen([str(HERE / "host.sh"), "stop", str(BED / name)]) for name in started]
        for stop in stops:
            stop.wait()
        subprocess.run(["ip", "link", "del", "vmc-e2e-br"], check=False, capture_output=True)
        subprocess.run(["rm", "-rf", str(BED / "c-qemu-modules"), str(BED / "c-dev"), str(FIREWALL_STUB)], check=False)
        if mounted_hugetlbfs:
            subprocess.run(["umount", "/dev/hugepages"], check=False)
