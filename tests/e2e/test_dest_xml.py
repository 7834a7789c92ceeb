# SPDX-License-Identifier: LGPL-2.1-or-later
"""VIR_MIGRATE_PARAM_DEST_XML on the QEMU bed (docs/testbed.md), hosts a and b: check3 with a
destination XML, then the real virDomainMigrate3 (libvirt-python's migrate3) with the same
flags and parameters.

- A destination XML that changes the guest's ABI is refused by libvirt's source before anything
  moves (qemuMigrationSrcBeginXML -> virDomainDefCheckABIStability), in words check3 gave in a
  ``host.dest-xml-abi`` finding's ``libvirt_error``; the unchanged migratable XML migrates.
- A disk whose path differs on the destination: the same file is at another path there (a bind
  mount), and the source's path is an empty directory pool. Without a destination XML, check3
  says ERROR and the real migration fails (QEMU cannot open the disk there); with one naming
  the destination's path, check3 says no ERROR and the real migration goes through.
"""

from __future__ import annotations

import re
import subprocess
import uuid as uuidlib
from pathlib import Path
from typing import Callable, List, Tuple

import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import BED, host_sh, tiny_guest
from libvirt_migration_check import Check, Severity

LIVE = libvirt.VIR_MIGRATE_LIVE
# The disk scenario's storage is this machine's local disk: libvirt refuses it as unsafe
# without VIR_MIGRATE_UNSAFE, whatever the destination XML (qemuMigrationSrcIsSafe).
UNSAFE = libvirt.VIR_MIGRATE_UNSAFE
ROOT_DIR = Path("/tmp/vmc-e2e-dest-xml")
REAL = ROOT_DIR / "real"
MOVED = ROOT_DIR / "moved"



def sub(pattern: str, replacement: str) -> Callable[[str], str]:
    def change(xml: str) -> str:
        changed = re.sub(pattern, replacement, xml, count=1)
        assert changed != xml, f"{pattern!r} is not in the guest's XML"
        return changed
    return change


# (name, the change to the migratable XML): each an ABI change libvirt refuses.
ABI_CHANGES: List[Tuple[str, Callable[[str], str]]] = [
    ("one vCPU more", sub(r"<vcpu([^>]*)>1</vcpu>", r"<vcpu\1>2</vcpu>")),
    ("more memory", sub(r"<memory unit='KiB'>65536</memory>", "<memory unit='KiB'>131072</memory>")),
    ("another machine type", sub(r"machine='pc-i440fx-[0-9.]+'", "machine='pc-i440fx-6.2'")),
    ("another name", sub(r"<name>[^<]*</name>", "<name>e2e-renamed</name>")),
    ("another UUID", sub(r"<uuid>[^<]*</uuid>", f"<uuid>{uuidlib.uuid4()}</uuid>")),
    ("the apic feature off", sub(r"<apic/>", "")),
    ("a sound card more", sub(r"</devices>", "<sound model='ich6'/></devices>")),
]


def run_guest(conn: "libvirt.virConnect", name: str, devices: str = "") -> "libvirt.virDomain":
    dom = conn.defineXML(tiny_guest(name, devices))
    dom.create()
    return dom


def remove(conn: "libvirt.virConnect", name: str) -> None:
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return
    try:
        dom.destroy()
    except libvirt.libvirtError:
        pass
    try:
        dom.undefine()
    except libvirt.libvirtError:
        pass


def migrate3(dom: "libvirt.virDomain", dst: "libvirt.virConnect", params: dict, flags: int) -> "libvirt.virDomain":
    real = dict(params)
    real[libvirt.VIR_MIGRATE_PARAM_URI] = "tcp://127.0.0.1"
    return dom.migrate3(dst, real, flags)


@pytest.mark.parametrize("name,change", ABI_CHANGES, ids=[c[0] for c in ABI_CHANGES])
def test_an_abi_change_predicted_is_refused_by_the_real_call(bed, name, change) -> None:
    src, dst = bed["a"], bed["b"]
    dom_name = "e2e-abi-" + "".join(ch if ch.isalnum() else "-" for ch in name)[:30]
    dom = run_guest(src, dom_name)
    try:
        changed = change(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE))
        params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: changed}
        report = lmc.check3(dom, dst, params, LIVE, Check.HOST)
        found = report.with_code("host.dest-xml-abi")
        assert found and all(f.severity == Severity.ERROR for f in found), report
        predicted = [str(f.details["libvirt_error"]) for f in found]
        with pytest.raises(libvirt.libvirtError) as refused:
            migrate3(dom, dst, params, LIVE)
        # libvirt names the first difference it meets; the report names every one.
        assert any(words in str(refused.value) for words in predicted), f"predicted {predicted}, libvirt said {refused.value}"
        assert dom.isActive()
    finally:
        remove(src, dom_name)
        remove(dst, dom_name)


def test_the_unchanged_migratable_xml_is_no_abi_change_and_migrates(bed) -> None:
    src, dst = bed["a"], bed["b"]
    dom = run_guest(src, "e2e-abi-unchanged")
    try:
        params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)}
        report = lmc.check3(dom, dst, params, LIVE, Check.HOST)
        assert not [f for f in report if f.code.startswith("host.dest-xml")], report
        assert migrate3(dom, dst, params, LIVE).isActive()
    finally:
        remove(src, "e2e-abi-unchanged")
        remove(dst, "e2e-abi-unchanged")


def pool(name: str, path: Path) -> str:
    return f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"


@pytest.fixture
def moved_disk(bed):
    """The disk file at REAL on host a, the same file at MOVED on host b (a bind mount in b's
    mount namespace), and REAL on b an empty directory (a tmpfs): dir pools over each."""
    src, dst = bed["a"], bed["b"]
    REAL.mkdir(parents=True, exist_ok=True)
    MOVED.mkdir(parents=True, exist_ok=True)
    subprocess.run(["truncate", "-s", "16M", str(REAL / "e2e-moved.img")], check=True)
    host_sh("exec", str(BED / "b"), "mount", "--bind", str(REAL), str(MOVED))
    host_sh("exec", str(BED / "b"), "mount", "-t", "tmpfs", "tmpfs", str(REAL))
    pools = [(src, "e2e-real", REAL), (dst, "e2e-real", REAL), (dst, "e2e-moved", MOVED)]
    try:
        for conn, name, path in pools:
            conn.storagePoolCreateXML(pool(name, path), 0)
        yield src, dst
    finally:
        for conn, name, _ in pools:
            try:
                conn.storagePoolLookupByName(name).destroy()
            except libvirt.libvirtError:
                pass
        for path in (REAL, MOVED):
            subprocess.run([str(Path(__file__).parent / "host.sh"), "exec", str(BED / "b"), "umount", str(path)],
                           check=False, capture_output=True)
        subprocess.run(["rm", "-rf", str(ROOT_DIR)], check=False)


def test_a_disk_at_another_path_on_the_destination(moved_disk) -> None:
    src, dst = moved_disk
    disk = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{REAL}/e2e-moved.img'/>"
            "<target dev='vda' bus='virtio'/></disk>")
    dom = run_guest(src, "e2e-moved-disk", disk)
    try:
        # Without a destination XML: the source's path is missing there.
        report = lmc.check3(dom, dst, None, LIVE | UNSAFE, Check.DISK)
        assert report.with_code("disk.missing"), report
        with pytest.raises(libvirt.libvirtError):
            migrate3(dom, dst, {}, LIVE | UNSAFE)
        assert dom.isActive()
        # With one naming the destination's path: no ERROR (both hosts' libvirt see one file:
        # the same capacity and nanosecond times, or, if the guest wrote in between, an
        # unproven identity, a WARNING), and the migration goes through.
        xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE).replace(str(REAL), str(MOVED))
        params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml}
        report = lmc.check3(dom, dst, params, LIVE | UNSAFE, Check.DISK | Check.HOST)
        assert not report.errors, report.errors
        assert {r.code for r in report if r.check == Check.DISK} <= {"disk.ok", "disk.unproven"}, report
        moved = migrate3(dom, dst, params, LIVE | UNSAFE)
        assert moved.isActive()
        assert f"{MOVED}/e2e-moved.img" in moved.XMLDesc(0)
    finally:
        remove(src, "e2e-moved-disk")
        remove(dst, "e2e-moved-disk")
