# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the Python binding tests: libvirt's test driver in-process on the hosts of
tests/data/hosts, and real libvirtds serving them (tests/libvirtd-session.sh).

Run from the repository: /usr/bin/python3 -m pytest tests/python, with
LIBVIRT_MIGRATION_CHECK_LIBRARY naming the built library (else the build tree is used).

On another release's libvirt client library (make python-tests-libvirt11: libvirt 11.3's, as on
a management host upgraded first): LD_LIBRARY_PATH=DIR and VMC_EXPECT_LIBVIRT_DIR=DIR, and the
session stops at once unless libvirt-python and the library really run on DIR's libvirt.so.0.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Callable, Dict, Iterator

# The dynamic loader read LD_LIBRARY_PATH when this process started and keeps searching it for
# the libraries still to come (libvirt-python's libvirtmod and the library both link
# libvirt.so.0); the programs the tests start -- libvirtd, virsh, the CLI, cc -- get the system's
# libvirt instead: the daemons stay the older release the newer client talks to, and the system's
# libvirtd and virsh need its private symbols of their own release.
OTHER_LIBVIRT = os.environ.get("VMC_EXPECT_LIBVIRT_DIR", "")
if OTHER_LIBVIRT:
    os.environ.pop("LD_LIBRARY_PATH", None)

import libvirt  # noqa: E402
import pytest  # noqa: E402

from support import Daemon, open_host, start_daemon, stop_daemon  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """With VMC_EXPECT_LIBVIRT_DIR, the libvirt.so.0 mapped into this process must be that
    directory's, of the release its file name gives (libvirt's soname scheme: libvirt.so.0.X.Y is
    release X * 1000 + Y, 11.3.0 is .11003.0): a wrong path must not silently test the system's
    libvirt again."""
    if not OTHER_LIBVIRT:
        return
    wanted = Path(OTHER_LIBVIRT).resolve()
    so = (wanted / "libvirt.so.0").resolve()
    parts = so.name.removeprefix("libvirt.so.0.").split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise pytest.UsageError(f"{so} is not a libvirt client library")
    release = int(parts[0]) * 1000 + int(parts[1])
    mapped = {
        Path(line.split(None, 5)[5].strip())
        for line in Path("/proc/self/maps").read_text().splitlines()
        if len(line.split(None, 5)) == 6 and Path(line.split(None, 5)[5].strip()).name.startswith("libvirt.so.0")
    }
    if libvirt.getVersion() != release or mapped != {so}:
        raise pytest.UsageError(f"libvirt {libvirt.getVersion()} from {sorted(map(str, mapped))}, not {release} from {so}")


@pytest.fixture(scope="session")
def src() -> "libvirt.virConnect":
    """The source host, running web1."""
    return open_host("src")


@pytest.fixture(scope="session")
def dom(src: "libvirt.virConnect") -> "libvirt.virDomain":
    return src.lookupByName("web1")


@pytest.fixture(scope="session")
def hosts() -> Callable[[str], "libvirt.virConnect"]:
    """hosts("dst-ok"): one shared read-only connection per bundled host."""
    cache: Dict[str, "libvirt.virConnect"] = {}

    def get(name: str) -> "libvirt.virConnect":
        if name not in cache:
            cache[name] = open_host(name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def daemon() -> Iterator[Daemon]:
    """One libvirtd for the session's remote tests, stopped at the end whatever happens."""
    d = start_daemon("session")
    try:
        yield d
    finally:
        stop_daemon(d)


@pytest.fixture
def own_daemon() -> Iterator[Daemon]:
    """A libvirtd of the test's own, which it may freeze or kill."""
    d = start_daemon("own")
    try:
        yield d
    finally:
        try:
            os.kill(d.pid, signal.SIGCONT)  # in case the test left it stopped
        except ProcessLookupError:
            pass
        stop_daemon(d)
