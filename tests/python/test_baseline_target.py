# SPDX-License-Identifier: LGPL-2.1-or-later
"""The baseline for one guest arch and virt type (virMigrationBaselineFor, virMigrationBaselineXMLFor
through baseline(..., virt_type=...)): the document says which, a host lacking the virt type is
an error naming it, and a guest is rewritten only to a baseline of its own virt type. The test
driver's hosts offer one virt type, "test", for i686 guests."""

from __future__ import annotations

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import ErrorCode, MigrationCheckError


@pytest.fixture(scope="module")
def fleet(src, hosts):
    return [src, hosts("dst-ok")]


@pytest.fixture(scope="module")
def snapshots(fleet):
    return [lmc.host_snapshot(c) for c in fleet]


def test_the_document_names_its_arch_and_virt_type(fleet, snapshots):
    plain = lmc.baseline_xml(snapshots)
    assert "<arch>i686</arch>\n  <virtType>test</virtType>\n" in plain
    # Chosen explicitly, the same answer, live and offline.
    chosen = lmc.baseline_xml(snapshots, virt_type="test", arch="i686")
    assert chosen == plain
    assert lmc.baseline(fleet, virt_type="test") == lmc.baseline(fleet)


def test_a_virt_type_a_host_lacks_is_an_error_naming_it(fleet, snapshots):
    for call in (lambda: lmc.baseline_xml(snapshots, virt_type="kvm"), lambda: lmc.baseline(fleet, virt_type="kvm")):
        with pytest.raises(MigrationCheckError) as info:
            call()
        assert info.value.code == ErrorCode.INVALID_ARG
        assert "virt type 'kvm' for arch 'i686' is not offered by host" in str(info.value), str(info.value)
        assert "(it offers: test)" in str(info.value)


def test_an_emulator_is_carried_and_a_guest_of_another_is_refused(dom, snapshots):
    base = lmc.baseline_xml(snapshots, emulator="/usr/bin/other-emulator")
    assert "<emulator>/usr/bin/other-emulator</emulator>" in base
    guest = dom.XMLDesc(0)
    # web1 names no emulator: it is rewritten; one naming another is not.
    assert "<name>web1</name>" in lmc.baseline_apply(guest, base)
    other = guest.replace("<devices>", "<devices><emulator>/usr/bin/qemu-system-i386</emulator>", 1)
    with pytest.raises(MigrationCheckError) as info:
        lmc.baseline_apply(other, base)
    assert "emulator" in str(info.value)


def test_a_guest_is_not_rewritten_to_a_baseline_of_another_virt_type(dom, snapshots):
    base = lmc.baseline_xml(snapshots).replace("<virtType>test</virtType>", "<virtType>kvm</virtType>")
    with pytest.raises(MigrationCheckError) as info:
        lmc.baseline_apply(dom.XMLDesc(0), base)
    assert "the baseline is for virt type 'kvm' and the guest's virt type is 'test'" in str(info.value)
