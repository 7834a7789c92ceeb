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
    report: lmc.Report = lmc.check(conn, dconn, dom, lmc.Check.NETWORK | lmc.Check.DISK, lmc.Flag.STRICT, memory_headroom=1024)
    verdict: str = report.verdict
    hints: List[Optional[str]] = [r.hint for r in report.errors]
    severity: lmc.Severity = report.results[0].severity
    offline: lmc.Report = lmc.check_xml("<domain/>", None, "<hostSnapshot/>")
    snapshot: str = lmc.host_snapshot(conn)
    base: str = lmc.baseline_apply("<domain/>", lmc.baseline_xml([snapshot], vendor_neutral=True))
    checks: lmc.Check = lmc.supported_checks()
    number: int = lmc.version().number
    try:
        lmc.baseline([conn, dconn])
    except lmc.MigrationCheckError as e:
        code: int = e.code
        return [e.message, verdict, base, str(checks), str(number), str(code), str(severity), str(offline)]
    return [str(h) for h in hints]
'''


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
