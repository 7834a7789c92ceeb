# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bed's two generations (docs/testbed.md): hosts a to e run the machine's libvirt 9.0, hosts f
and g libvirt 11.3 from bookworm-backports, f driving QEMU 10 and g QEMU 7.2. The scenarios across
generations (test_migrations.py) mean something only if each daemon really is the version it
claims, so this asks each one."""

from __future__ import annotations

import pytest

# libvirt's version numbers: major * 1,000,000 + minor * 1,000 + release.
LIBVIRT_9_0 = 9_000_000
LIBVIRT_11_3 = 11_003_000


@pytest.mark.parametrize("host, libvirt, qemu_major", [
    ("a", (LIBVIRT_9_0, LIBVIRT_9_0 + 999), 7),
    ("d", (LIBVIRT_9_0, LIBVIRT_9_0 + 999), 10),
    ("f", (LIBVIRT_11_3, LIBVIRT_11_3 + 999), 10),
    ("g", (LIBVIRT_11_3, LIBVIRT_11_3 + 999), 7),
])
def test_each_host_runs_its_generation(bed, host: str, libvirt: tuple, qemu_major: int) -> None:
    conn = bed[host]
    low, high = libvirt
    assert low <= conn.getLibVersion() <= high, f"host {host}: libvirt {conn.getLibVersion()}"
    assert conn.getVersion() // 1_000_000 == qemu_major, f"host {host}: QEMU {conn.getVersion()}"


def test_the_new_generation_reads_its_own_cpu_map(bed) -> None:
    """libvirt 11.3's domain capabilities carry what 9.0's never do (the `canonical` name of a
    versioned CPU model): the daemon reads 11.3's cpu_map and data, not the machine's 9.0 ones."""
    assert "canonical=" in bed["g"].getDomainCapabilities(None, "x86_64", None, "qemu")
    assert "canonical=" not in bed["a"].getDomainCapabilities(None, "x86_64", None, "qemu")
