# SPDX-License-Identifier: LGPL-2.1-or-later
"""A destination whose libvirt predates its QEMU, on the QEMU bed (docs/testbed.md): host d runs
libvirt 9.0 with QEMU 10. libvirt 9.0 starts a guest without ACPI with ``-no-acpi``, which QEMU
removed in 9.0: check3 predicts the ERROR, and the real migration fails the way it says."""

from __future__ import annotations


import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import tiny_guest, uri
from libvirt_migration_check import Check, Severity

LIVE_P2P = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
LOOPBACK = {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://127.0.0.1", libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "127.0.0.1"}



@pytest.mark.parametrize("features,fails", [("<apic/>", True), ("<acpi/><apic/>", False)], ids=["without ACPI", "with ACPI"])
def test_a_guest_without_acpi_cannot_go_to_libvirt_9_with_qemu_10(bed, features, fails) -> None:
    src, dst = bed["a"], bed["d"]
    libvirt_version, qemu_version = dst.getLibVersion(), dst.getVersion()
    if not (libvirt_version < 9_001_000 and qemu_version >= 9_000_000):
        pytest.skip(f"host d runs libvirt {libvirt_version} with QEMU {qemu_version}, not libvirt 9.0 with QEMU 9 or later")
    name = "e2e-acpi-" + ("no" if fails else "yes")
    dom = src.createXML(tiny_guest(name, features=features, machine="pc-i440fx-7.2"), 0)
    try:
        report = lmc.check3(dom, dst, LOOPBACK, LIVE_P2P, Check.HYPERVISOR)
        predicted = report.with_code("hypervisor.no-acpi-removed")
        # Either way, libvirt 9.0 never knew QEMU 10.
        (newer,) = report.with_code("hypervisor.qemu-newer-than-libvirt")
        assert newer.severity == Severity.WARNING
        try:
            dom.migrateToURI3(uri("d"), LOOPBACK, LIVE_P2P)
            error = ""
        except libvirt.libvirtError as e:
            error = str(e)
        if fails:
            (f,) = predicted
            assert f.severity == Severity.ERROR
            assert "-no-acpi: invalid option" in error, f"libvirt said {error!r}"
        else:
            assert not predicted, report
            assert not error, error
    finally:
        for conn in (src, dst):
            try:
                conn.lookupByName(name).destroy()
            except libvirt.libvirtError:
                pass
