"""Fixtures of the Python binding tests: libvirt's test driver in-process on the hosts of
tests/data/hosts, and real libvirtds serving them (tests/libvirtd-session.sh).

Run from the repository: /usr/bin/python3 -m pytest tests/python, with
LIBVIRT_MIGRATION_CHECK_LIBRARY naming the built library (else the build tree is used).
"""

from __future__ import annotations

import os
import signal
from typing import Callable, Dict, Iterator

import libvirt
import pytest

from support import Daemon, open_host, start_daemon, stop_daemon


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
