# SPDX-License-Identifier: LGPL-2.1-or-later
"""Both ways on the bed: a persistent host-model KVM guest started on the old generation (host a:
libvirt 9.0, QEMU 7.2) migrates to a newer host (d: 9.0 with QEMU 10; f: libvirt 11.3 with QEMU 10),
and the check of that migration warns `cpu_flags.no-return`. Then the proof: restarted on the
newer host, the guest gets that host's host-model CPU, the check of the way back predicts an
ERROR, and libvirt really refuses it (the features QEMU 7.2 lacks; under 11.3 also names libvirt
9.0 does not know)."""

from __future__ import annotations

from typing import Dict

import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import remove_guest, tiny_guest, uri

PARAMS = {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://127.0.0.1", libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "127.0.0.1"}
# Persistent on the destination: the definition that travels is the persistent one, host-model.
FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST
         | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
NAME = "e2e-no-return"


@pytest.mark.parametrize("new", ["d", "f"])
def test_a_host_model_guest_moved_to_a_newer_host_could_not_come_back(bed: Dict[str, "libvirt.virConnect"],
                                                                        new: str) -> None:
    # pc-i440fx-7.2: a machine type both QEMUs have, so that only the CPU stands in the way.
    xml = tiny_guest(NAME, machine="pc-i440fx-7.2", virt="kvm").replace(
        "<devices>", "<cpu mode='host-model'/>\n  <devices>", 1)
    try:
        dom = bed["a"].defineXML(xml)
        try:
            dom.create()
        except libvirt.libvirtError as e:
            if "kvm" in str(e).lower():
                pytest.skip(f"KVM is not usable on this machine: {e}")
            raise
        going = lmc.check3(dom, bed[new], PARAMS, FLAGS)
        assert not going.errors, going.to_json()
        warned = [r for r in going.results if r.code == "cpu_flags.no-return"]
        assert warned, f"no cpu_flags.no-return: {going.to_json()}"
        print(f"\na -> {new}: {warned[0].message}")
        dom.migrateToURI3(uri(new), PARAMS, FLAGS)

        # Restarted on the newer host: that host's host-model CPU.
        moved = bed[new].lookupByName(NAME)
        moved.destroy()
        moved.create()
        back = lmc.check3(moved, bed["a"], PARAMS, FLAGS)
        predicted = [r.code for r in back.errors]
        assert predicted, f"the way back predicted fine: {back.to_json()}"
        with pytest.raises(libvirt.libvirtError) as refused:
            moved.migrateToURI3(uri("a"), PARAMS, FLAGS)
        print(f"{new} -> a: predicted {predicted}; libvirt: {refused.value}")
    finally:
        remove_guest([bed["a"], bed[new]], NAME)
