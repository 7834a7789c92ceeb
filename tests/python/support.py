# SPDX-License-Identifier: LGPL-2.1-or-later
"""Paths and helpers shared by the Python binding tests (imported by conftest.py and tests)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = ROOT / "bindings" / "python"
HOSTS = ROOT / "tests" / "data" / "hosts"
SESSION_SCRIPT = ROOT / "tests" / "libvirtd-session.sh"
HEADER = ROOT / "include" / "libvirt-migration-check.h"
CLI = ROOT / "target" / "release" / "virt-migration-check"

if str(BINDINGS) not in sys.path:
    sys.path.insert(0, str(BINDINGS))

import libvirt  # noqa: E402  (Debian: python3-libvirt)
import pytest  # noqa: E402

import libvirt_migration_check as lmc  # noqa: E402

# libvirt-python prints every libvirt error on stderr unless the program says otherwise; the
# program (here, the tests) owns that process-global state, never the library.
libvirt.registerErrorHandler(lambda *args: None, None)


def uri(name: str) -> str:
    """The test-driver URI of a bundled host: test:///ABS/tests/data/hosts/NAME.xml."""
    return f"test://{HOSTS / (name + '.xml')}"


def open_host(name: str) -> "libvirt.virConnect":
    """A read-only connection to a bundled host (its own in-memory state)."""
    return libvirt.openReadOnly(uri(name))


def problems(report: "lmc.Report") -> List[str]:
    """The codes of the results that are neither OK nor SKIPPED, sorted."""
    return sorted(r.code for r in report.results if r.severity not in (lmc.Severity.OK, lmc.Severity.SKIPPED))


class Forwarding:
    """The simplest wrapper: every attribute comes from the wrapped object."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


class Daemon:
    """A libvirtd started by tests/libvirtd-session.sh; stopped (by PID) by its fixture."""

    def __init__(self, directory: Path, pid: int) -> None:
        self.dir = directory
        self.pid = pid

    def uri(self, host: str) -> str:
        return f"test+unix://{self.dir}/hosts/{host}.xml?socket={self.dir}/sock/libvirt-sock"


def start_daemon(tag: str) -> Daemon:
    # Directly under /tmp: as root the script runs the daemon as `nobody`, which must reach DIR.
    directory = Path(tempfile.mkdtemp(prefix=f"vmc-py-libvirtd-{tag}-", dir="/tmp"))
    out = subprocess.run([str(SESSION_SCRIPT), "start", str(directory)], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        subprocess.run([str(SESSION_SCRIPT), "stop", str(directory)], timeout=60)
        pytest.fail(f"libvirtd did not start: {out.stderr}")
    return Daemon(directory, int(out.stdout.strip()))


def stop_daemon(daemon: Daemon) -> None:
    """Kills the daemon by its PID and removes its directory (the script's `stop`)."""
    subprocess.run([str(SESSION_SCRIPT), "stop", str(daemon.dir)], timeout=60)
