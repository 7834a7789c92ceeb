"""The end-to-end test bed (TESTBED.md tier 2): root libvirtd "hosts" in their own mount
namespaces, real QEMU (TCG) guests, real live migrations. Every daemon and guest started here is
stopped by PID at the end of the session, even when a test fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

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
}
QEMU_MODULES = "/usr/lib/x86_64-linux-gnu/qemu"
PREPARE = {
    "c": f"rm -rf {BED}/c-qemu-modules && cp -a {QEMU_MODULES} {BED}/c-qemu-modules && rm -f {BED}/c-qemu-modules/hw-display-virtio-* "
    f"&& mount --bind {BED}/c-qemu-modules {QEMU_MODULES} && mount --bind /dev/null /dev/kvm",
}


def uri(name: str) -> str:
    return f"qemu+unix:///system?socket={BED / name / 'sock' / 'libvirt-sock'}"


def host_sh(*args: str) -> str:
    return subprocess.run([str(HERE / "host.sh"), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def bed() -> Iterator[Dict[str, "libvirt.virConnect"]]:
    if os.geteuid() != 0:
        pytest.skip("the test bed runs root libvirtd daemons")
    libvirt.registerErrorHandler(lambda *a: None, None)
    BED.mkdir(parents=True, exist_ok=True)
    # The bridge the scenarios' network forwards to (no dnsmasq, no iptables: TESTBED.md).
    subprocess.run(["ip", "link", "add", "vmc-e2e-br", "type", "bridge"], check=False, capture_output=True)
    subprocess.run(["ip", "link", "set", "vmc-e2e-br", "up"], check=True)
    started = []
    try:
        for name, uuid in HOSTS.items():
            env = dict(os.environ, PREPARE=PREPARE.get(name, "true"))
            subprocess.run([str(HERE / "host.sh"), "start", str(BED / name), uuid], check=True, capture_output=True, text=True, env=env)
            started.append(name)
        conns = {name: libvirt.open(uri(name)) for name in HOSTS}
        yield conns
        for c in conns.values():
            try:
                c.close()
            except libvirt.libvirtError:
                pass
    finally:
        for name in started:
            subprocess.run([str(HERE / "host.sh"), "stop", str(BED / name)], check=False)
        subprocess.run(["ip", "link", "del", "vmc-e2e-br"], check=False, capture_output=True)
        subprocess.run(["rm", "-rf", str(BED / "c-qemu-modules")], check=False)
