# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shared_filesystems parameter travels from Python to the library (check and check3, a
list as one typed parameter per directory, as migrate_disks), on libvirt's test driver: web1's
disks lie in a dir pool of host dst-local-dir, which may be local or an NFS mount, so DEVICES
can only warn (devices.storage-unknown) until the caller says the directory is shared."""

from __future__ import annotations

import libvirt
import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check
from support import HOSTS, uri

LIVE_P2P = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
DATA_DISK = "/srv/nfs/web1-data.img"


@pytest.fixture(scope="module")
def local_dir_guest() -> "libvirt.virDomain":
    src = libvirt.open(uri("dst-local-dir"))  # read-write: the test driver's own in-memory state
    dom = src.defineXML((HOSTS / "parts" / "web1.xml").read_text())
    dom.create()
    return dom


def unknown_sources(report: lmc.Report) -> list:
    return sorted(f.details["source"] for f in report.with_code("devices.storage-unknown"))


def test_shared_filesystems_reach_the_library(local_dir_guest, hosts) -> None:
    dst = hosts("dst-ok")
    before = unknown_sources(lmc.check(local_dir_guest.connect(), dst, local_dir_guest, checks=Check.DEVICES))
    assert DATA_DISK in before, before
    # check(): a list, one typed parameter per directory (the first names nothing of web1's).
    shared = lmc.check(local_dir_guest.connect(), dst, local_dir_guest, checks=Check.DEVICES,
                       shared_filesystems=["/elsewhere", "/srv/nfs"])
    assert DATA_DISK not in unknown_sources(shared)
    assert len(unknown_sources(shared)) == len(before) - 1
    # check3(): beside libvirt's own parameters, a list as migrate_disks is, or one string.
    for value in (["/srv/nfs/"], "/srv/nfs", ("/srv//nfs",)):
        report = lmc.check3(local_dir_guest, dst, {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://dst",
                                                   lmc.PARAM_SHARED_FILESYSTEMS: value}, LIVE_P2P, Check.DEVICES)
        assert DATA_DISK not in unknown_sources(report), value
    # A prefix that is not a whole directory names nothing.
    report = lmc.check3(local_dir_guest, dst, {"shared_filesystems": ["/srv/nf"]}, LIVE_P2P, Check.DEVICES)
    assert unknown_sources(report) == before


def test_shared_filesystems_are_judged_by_the_library(local_dir_guest, hosts) -> None:
    dst = hosts("dst-ok")
    with pytest.raises(lmc.MigrationCheckError, match="must be an absolute directory, not 'srv/nfs'"):
        lmc.check3(local_dir_guest, dst, {"shared_filesystems": ["srv/nfs"]}, LIVE_P2P, Check.DEVICES)
    with pytest.raises(lmc.MigrationCheckError, match="'shared_filesystems' has the wrong type"):
        lmc.check(local_dir_guest.connect(), dst, local_dir_guest, checks=Check.DEVICES, shared_filesystems=[7])
