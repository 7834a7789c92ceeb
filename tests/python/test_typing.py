# SPDX-License-Identifier: LGPL-2.1-or-later
"""The package's type hints hold (mypy --strict), for the package and for a caller of it.
Skipped where mypy is not installed (Debian: mypy)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from support import BINDINGS

CALLER = '''
from typing import List, Optional
import libvirt_migration_check as lmc

def show(conn: int, dconn: int, dom: int) -> List[str]:
    report: lmc.Report = lmc.check(conn, dconn, dom, checks=lmc.Check.NETWORK | lmc.Check.DISK | lmc.Flag.STRICT, memory_headroom=1024, host_timeout=2.5)
    verdict: lmc.Severity = report.verdict
    same: lmc.Verdict = verdict
    unverified: List[lmc.Check] = report.unverified
    cells = lmc.check_matrix(conn, [dom], [dconn], checks=lmc.Flag.CACHE)
    hints: List[Optional[str]] = [r.hint for r in report.errors]
    severity: lmc.Severity = report.results[0].severity
    offline: lmc.Report = lmc.check_xml("<domain/>", None, "<hostSnapshot/>", checks=lmc.Check.NETWORK)
    snapshot: str = lmc.host_snapshot(conn)
    base: str = lmc.baseline_apply("<domain/>", lmc.baseline_xml([snapshot], vendor_neutral=True))
    checks: lmc.Check = lmc.supported_checks()
    number: int = lmc.version().number
    try:
        lmc.baseline([conn, dconn])
    except lmc.MigrationCheckError as e:
        code: int = e.code
        return [e.message, verdict.name, same.name, str(unverified), str(cells), base, str(checks), str(number), str(code), str(severity), str(offline)]
    return [str(h) for h in hints]
'''


# libvirt's VIR_MIGRATE_* flags where our selection was, and the old timeout= in milliseconds
# (now host_timeout= in seconds): mypy refuses each call.
MISTAKES = '''
import libvirt_migration_check as lmc
VIR_MIGRATE_LIVE, VIR_MIGRATE_PEER2PEER = 1, 2
lmc.check(1, 2, 3, VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER)
lmc.check(1, 2, 3, flags=VIR_MIGRATE_LIVE)
lmc.check_xml("<domain/>", None, "<hostSnapshot/>", VIR_MIGRATE_LIVE)
lmc.check_matrix(1, [3], [2], flags=VIR_MIGRATE_LIVE)
lmc.check(1, 2, 3, timeout=60000)
lmc.check3(3, 2, {}, VIR_MIGRATE_LIVE, timeout=60000)
'''


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_refuses_migrate_flags_in_the_selection(tmp_path):
    mistakes = tmp_path / "mistakes.py"
    mistakes.write_text(MISTAKES)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(mistakes)],
        capture_output=True,
        text=True,
        cwd=BINDINGS,
        timeout=120,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in lines] == ["4", "5", "6", "7", "8", "9"], out.stdout


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_strict(tmp_path):
    caller = tmp_path / "caller.py"
    caller.write_text(CALLER)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "libvirt_migration_check", str(caller)],
        capture_output=True,
        text=True,
        cwd=BINDINGS,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
