# SPDX-License-Identifier: LGPL-2.1-or-later
"""A pasted ``virsh migrate`` line: the CLI judges it (``virt-migration-check check -c SRC <the
line's options> DOMAIN DESTURI``), then the system's real virsh runs the same line
(``virsh -c SRC migrate <the same options> DOMAIN DESTURI``), and the CLI's verdict is an error
exactly when the real migration fails. Runs on the QEMU bed (docs/testbed.md), hosts a and b;
each case migrates a fresh guest, removed from both hosts afterwards."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import List

import libvirt
import pytest

from conftest import ROOT, remove_guest, tiny_guest, uri

CLI = ROOT / "target" / "release" / "virt-migration-check"
VIRSH = shutil.which("virsh", path="/usr/bin") or "/usr/bin/virsh"
# The bed's hosts share this machine: migration data over loopback (as test_migrations.py), which
# a tunnelled migration does not take (its data goes through the daemons' connection).
LOOPBACK = ["--migrateuri", "tcp://127.0.0.1", "--listen-address", "127.0.0.1"]

# (name, the line's options, whether the real migration succeeds, the ERROR the CLI predicts).
CASES = [
    ("live p2p", ["--live", "--p2p", "--verbose", *LOOPBACK], True, None),
    ("live tunnelled without p2p", ["--live", "--tunnelled"], False, "host.tunnelled-without-p2p"),
    ("offline without persistent", ["--offline"], False, "host.offline-without-persist"),
    ("live p2p persistent undefinesource",
     ["--live", "--p2p", "--persistent", "--undefinesource", "--timeout", "60", *LOOPBACK], True, None),
]



def remove(bed: dict, name: str) -> None:
    """The guest gone from every host, wherever the migration left it."""
    remove_guest(bed.values(), name)


@pytest.mark.skipif(not CLI.exists(), reason="the CLI is not built (cargo build --release)")
@pytest.mark.skipif(not shutil.which(VIRSH), reason="virsh is not installed")
@pytest.mark.parametrize("name,options,succeeds,code", CASES, ids=[c[0] for c in CASES])
def test_the_cli_judges_a_virsh_line_as_the_real_virsh_runs_it(bed, name: str, options: List[str], succeeds: bool,
                                                                code) -> None:
    src, dst = uri("a"), uri("b")
    dom_name = "e2e-virsh-" + "".join(ch if ch.isalnum() else "-" for ch in name)[:30]
    remove(bed, dom_name)
    # Persistent and running: the offline line has a definition to send, the live ones a guest.
    bed["a"].defineXML(tiny_guest(dom_name)).create()
    try:
        judged = subprocess.run([str(CLI), "check", "-c", src, *options, dom_name, dst, "--json"],
                                capture_output=True, text=True, timeout=120)
        assert judged.returncode in (0, 1), judged.stderr
        report = json.loads(judged.stdout)
        errors = [r["code"] for r in report["results"] if r["severity"] == "error"]
        predicted_error = judged.returncode == 1
        assert predicted_error == (report["verdict"] == "error"), report

        real = subprocess.run([VIRSH, "-c", src, "migrate", *options, dom_name, dst],
                              capture_output=True, text=True, timeout=300)
        migrated = real.returncode == 0
        assert migrated == succeeds, f"the bed did not behave as the case assumes: {real.stderr}"
        assert predicted_error == (not migrated), (
            f"the CLI predicted {errors or 'no ERROR'}, virsh {'migrated' if migrated else 'failed: ' + real.stderr}")
        if code:
            (finding,) = [r for r in report["results"] if r["code"] == code]
            # libvirt's own words, as the CLI quoted them.
            assert finding["details"]["libvirt_error"] in real.stderr, (finding, real.stderr)
        else:
            assert not errors, errors
            moved = bed["b"].lookupByName(dom_name)
            assert moved.isActive()
            if "--persistent" in options:
                assert moved.isPersistent()
            if "--undefinesource" in options:
                with pytest.raises(libvirt.libvirtError):
                    bed["a"].lookupByName(dom_name)
    finally:
        remove(bed, dom_name)


@pytest.mark.skipif(not CLI.exists(), reason="the CLI is not built (cargo build --release)")
@pytest.mark.skipif(not shutil.which(VIRSH), reason="virsh is not installed")
def test_direct_without_p2p_gets_no_verdict_and_the_real_virsh_fails(bed) -> None:
    """The one virsh line the library cannot judge (virsh's --direct, no VIR_MIGRATE_* flag):
    the CLI gives no verdict (exit status 2, saying why) rather than a false ok."""
    src, dst = uri("a"), uri("b")
    dom_name = "e2e-virsh-direct"
    remove(bed, dom_name)
    bed["a"].defineXML(tiny_guest(dom_name)).create()
    try:
        options = ["--live", "--direct", *LOOPBACK]
        judged = subprocess.run([str(CLI), "check", "-c", src, *options, dom_name, dst],
                                capture_output=True, text=True, timeout=120)
        assert judged.returncode == 2, judged.stdout + judged.stderr
        words = "direct migration is not supported by the source host"
        assert words in judged.stderr, judged.stderr
        real = subprocess.run([VIRSH, "-c", src, "migrate", *options, dom_name, dst],
                              capture_output=True, text=True, timeout=300)
        assert real.returncode != 0 and words in real.stderr, real.stderr
    finally:
        remove(bed, dom_name)
