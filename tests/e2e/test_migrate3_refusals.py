# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each migration libvirt refuses before it moves anything, asked of check3 and then run for real
with virDomainMigrate3 (libvirt-python's migrate3) with the same flags and parameters: the real
call fails, and libvirt's error holds the words check3 gave in its ``libvirt_error`` detail.
Runs on the QEMU bed (docs/testbed.md), hosts a and b (libvirt 9.0) and g and f (libvirt 11.3)."""

from __future__ import annotations


import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import tiny_guest
from libvirt_migration_check import Check, Severity

LIVE = libvirt.VIR_MIGRATE_LIVE
P2P = libvirt.VIR_MIGRATE_PEER2PEER

# (name, flags, params, code): the refusal check3 predicts. Client-managed (no PEER2PEER)
# where the flags allow it, so that the error comes back from this process's call.
CASES = [
    ("tunnelled without peer2peer", LIVE | libvirt.VIR_MIGRATE_TUNNELLED, {}, "host.tunnelled-without-p2p"),
    ("offline without persist", libvirt.VIR_MIGRATE_OFFLINE, {}, "host.offline-without-persist"),
    ("offline with storage copy",
     libvirt.VIR_MIGRATE_OFFLINE | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_NON_SHARED_DISK, {},
     "host.offline-storage-copy"),
    ("postcopy offline", libvirt.VIR_MIGRATE_POSTCOPY | libvirt.VIR_MIGRATE_OFFLINE | libvirt.VIR_MIGRATE_PERSIST_DEST,
     {}, "host.postcopy-not-live"),
    ("both storage copies", LIVE | libvirt.VIR_MIGRATE_NON_SHARED_DISK | libvirt.VIR_MIGRATE_NON_SHARED_INC, {},
     "host.storage-flags-exclusive"),
    ("zerocopy without parallel", LIVE | libvirt.VIR_MIGRATE_ZEROCOPY, {}, "host.zerocopy-without-parallel"),
]



# The two generations of the bed: libvirt 9.0 (a to b) and libvirt 11.3 (g to f).
PAIRS = [("a", "b"), ("g", "f")]


@pytest.mark.parametrize("pair", PAIRS, ids=["libvirt 9.0", "libvirt 11.3"])
@pytest.mark.parametrize("name,flags,params,code", CASES, ids=[c[0] for c in CASES])
def test_a_refusal_predicted_is_a_refusal_of_the_real_call(bed, name, flags, params, code, pair) -> None:
    src, dst = bed[pair[0]], bed[pair[1]]
    dom_name = "e2e-refused-" + "".join(ch if ch.isalnum() else "-" for ch in name)[:30]
    # Persistent and running, so that OFFLINE cases have a definition to send.
    dom = src.defineXML(tiny_guest(dom_name))
    try:
        dom.create()
        report = lmc.check3(dom, dst, params, flags, Check.HOST)
        (f,) = report.with_code(code)
        assert f.severity == Severity.ERROR
        words = str(f.details["libvirt_error"])
        real_params = dict(params)
        real_params[libvirt.VIR_MIGRATE_PARAM_URI] = "tcp://127.0.0.1"
        with pytest.raises(libvirt.libvirtError) as refused:
            dom.migrate3(dst, real_params, flags)
        assert words in str(refused.value), f"predicted {words!r}, libvirt said {refused.value}"
        # Nothing moved: the guest still runs on the source only.
        assert dom.isActive()
        with pytest.raises(libvirt.libvirtError):
            dst.lookupByName(dom_name)
    finally:
        try:
            dom.destroy()
        except libvirt.libvirtError:
            pass
        dom.undefine()


def test_migrate_disks_without_storage_copy_is_a_warning_libvirt_9_accepts(bed) -> None:
    """libvirt 9.0 accepts VIR_MIGRATE_PARAM_MIGRATE_DISKS without a storage-copy flag (newer
    releases refuse it): the prediction is a WARNING, and the real migration goes through."""
    src, dst = bed["a"], bed["b"]
    if src.getLibVersion() >= 10_000_000:
        pytest.skip("the bed's source runs libvirt %d, not 9.x" % src.getLibVersion())
    dom = src.defineXML(tiny_guest("e2e-migrate-disks-ignored"))
    moved = None
    try:
        dom.create()
        params = {libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: ["vda"]}
        report = lmc.check3(dom, dst, params, LIVE, checks=Check.HOST)
        (f,) = report.with_code("host.migrate-disks-without-storage-copy")
        assert f.severity == Severity.WARNING
        assert not report.errors, report.errors
        real_params = dict(params)
        real_params[libvirt.VIR_MIGRATE_PARAM_URI] = "tcp://127.0.0.1"
        moved = dom.migrate3(dst, real_params, LIVE)
        assert moved.isActive()
    finally:
        for d in (moved, dom):
            if d is None:
                continue
            try:
                d.destroy()
            except libvirt.libvirtError:
                pass
        try:
            dom.undefine()
        except libvirt.libvirtError:
            pass


def test_migrate_disks_without_storage_copy_is_refused_by_libvirt_11(bed) -> None:
    """libvirt 11.3 refuses VIR_MIGRATE_PARAM_MIGRATE_DISKS without a storage-copy flag, in the
    words the WARNING quotes (which names the newer releases that refuse it)."""
    src, dst = bed["g"], bed["f"]
    if src.getLibVersion() < 11_000_000:
        pytest.skip("the bed's host g runs libvirt %d, not 11.x" % src.getLibVersion())
    dom = src.defineXML(tiny_guest("e2e-migrate-disks-refused"))
    try:
        dom.create()
        params = {libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: ["vda"]}
        report = lmc.check3(dom, dst, params, LIVE, checks=Check.HOST)
        (f,) = report.with_code("host.migrate-disks-without-storage-copy")
        assert f.severity == Severity.WARNING
        real_params = dict(params)
        real_params[libvirt.VIR_MIGRATE_PARAM_URI] = "tcp://127.0.0.1"
        with pytest.raises(libvirt.libvirtError) as refused:
            dom.migrate3(dst, real_params, LIVE)
        assert str(f.details["libvirt_error"]) in str(refused.value), f"libvirt said {refused.value}"
    finally:
        try:
            dom.destroy()
        except libvirt.libvirtError:
            pass
        dom.undefine()
