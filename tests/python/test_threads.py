# SPDX-License-Identifier: LGPL-2.1-or-later
"""Thread safety: concurrent checks give the serial answers, each thread sees its own errors
(the library's last error is thread-local), and the GIL is released during C calls (a check
blocked on a frozen destination daemon does not stop the other threads)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import libvirt_migration_check as lmc
from libvirt_migration_check._enums import NEVER_ASSIGNED
from libvirt_migration_check import Check, ErrorCode, MigrationCheckError, _ffi
from support import BINDINGS, uri

DESTINATIONS = ["dst-ok", "dst-all-wrong", "dst-local-dir", "dst-clash", "dst-low-memory"]


def test_concurrent_checks_give_the_serial_answers(src, dom, hosts):
    expected = {name: lmc.check(src, hosts(name), dom) for name in DESTINATIONS}
    snapshots = {name: lmc.host_snapshot(hosts(name)) for name in DESTINATIONS}
    src_snapshot = lmc.host_snapshot(src)
    xml = dom.XMLDesc(0)

    def work(worker: int) -> int:
        done = 0
        for i in range(60):
            name = DESTINATIONS[(worker + i) % len(DESTINATIONS)]
            assert lmc.check(src, hosts(name), dom) == expected[name]
            assert lmc.check_xml(xml, src_snapshot, snapshots[name]) == expected[name]
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert sum(pool.map(work, range(6))) == 6 * 60


def test_each_thread_sees_its_own_error(src, dom, hosts):
    ok = hosts("dst-ok")
    snapshot = lmc.host_snapshot(ok)
    xml = dom.XMLDesc(0)
    failures = {
        "flags": (lambda: lmc.check(src, ok, dom, checks=NEVER_ASSIGNED), ErrorCode.INVALID_ARG, "unsupported flags (0x80000000)"),
        "xml": (lambda: lmc.check_xml(xml, None, snapshot[:300]), ErrorCode.XML, "destination snapshot"),
        "param": (lambda: lmc.check(src, ok, dom, weather="rain"), ErrorCode.INVALID_ARG, "unknown parameter 'weather'"),
        "null": (lambda: lmc.check(src, None, dom), ErrorCode.INVALID_ARG, "dconn is NULL"),
    }
    start = threading.Barrier(len(failures) + 1)

    def failing(kind: str) -> int:
        call, code, needle = failures[kind]
        start.wait()
        for _ in range(150):
            try:
                call()
            except MigrationCheckError as e:
                assert e.code == code and needle in e.message, (kind, e)
            else:
                raise AssertionError(f"{kind} did not fail")
        return 150

    def succeeding() -> int:
        start.wait()
        for _ in range(150):
            assert lmc.check(src, ok, dom, checks=Check.NETWORK | Check.MEMORY).verdict == lmc.Severity.OK
        return 150

    with ThreadPoolExecutor(max_workers=len(failures) + 1) as pool:
        futures = [pool.submit(failing, kind) for kind in failures] + [pool.submit(succeeding)]
        assert sum(f.result() for f in futures) == 150 * (len(failures) + 1)


def test_the_library_is_loaded_so_that_calls_release_the_gil():
    loaded = _ffi.load()
    # ctypes.CDLL (not PyDLL): its foreign functions release the GIL around every call.
    assert type(loaded.lib) is ctypes.CDLL
    assert not loaded.lib._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI
    assert not loaded.lib.virMigrationCheck._flags_ & ctypes._FUNCFLAG_PYTHONAPI


FROZEN_DESTINATION = r"""
import os, signal, sys, threading, time
import libvirt
import libvirt_migration_check as lmc
libvirt.registerErrorHandler(lambda *args: None, None)
src_uri, remote_uri, local_uri, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
src = libvirt.openReadOnly(src_uri)
dom = src.lookupByName("web1")
remote = libvirt.openReadOnly(remote_uri)
local = libvirt.openReadOnly(local_uri)
print("warm", lmc.check(src, remote, dom).verdict.name, flush=True)
os.kill(pid, signal.SIGSTOP)  # the destination's daemon stops answering
box = {}
started = threading.Event()
def blocked():
    started.set()
    box["report"] = lmc.check(src, remote, dom)
thread = threading.Thread(target=blocked)
thread.start()
started.wait()
time.sleep(0.5)
print("blocked", thread.is_alive(), flush=True)
spins, end = 0, time.monotonic() + 0.2
while time.monotonic() < end:
    spins += 1
print("spins", spins, flush=True)
print("meanwhile", lmc.check(src, local, dom).verdict.name, len(lmc.host_snapshot(local)) > 0, flush=True)
os.kill(pid, signal.SIGCONT)
thread.join(30)
print("resumed", not thread.is_alive(), box["report"].verdict.name, flush=True)
"""


def test_a_check_blocked_in_c_does_not_block_other_threads(src, own_daemon):
    # In a child process, so that a held GIL would be a timeout here, not a hung test run.
    env = dict(os.environ, PYTHONPATH=str(BINDINGS))
    child = subprocess.Popen(
        [sys.executable, "-c", FROZEN_DESTINATION, uri("src"), own_daemon.uri("dst-ok"), uri("dst-ok"), str(own_daemon.pid)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        out, err = child.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        raise AssertionError(f"the child hung (GIL held during a C call?): {out}{err}")
    finally:
        os.kill(own_daemon.pid, signal.SIGCONT)  # whatever happened
    assert child.returncode == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    # WARNING: the test driver cannot answer network_model and disk_model (SKIPPED).
    assert lines["warm"] == "WARNING"
    assert lines["blocked"] == "True", "the check should be waiting on the frozen daemon"
    assert int(lines["spins"]) > 1000, "Python code ran while the other thread was inside C"
    assert lines["meanwhile"] == "WARNING True", "other checks ran while one was blocked"
    assert lines["resumed"] == "True WARNING"
