# SPDX-License-Identifier: LGPL-2.1-or-later
"""VDSM-like callers: handles wrapped in objects that forward attribute access to the real
virConnect / virDomain (as vdsm.virt.virdomain.Notifying does), connections whose methods were
replaced on the instance (as vdsm.common.libvirtconnection does), the example of docs/python.md and the
README's."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check
from support import BINDINGS, ROOT, Forwarding, open_host, problems, uri

EXAMPLE = BINDINGS / "examples" / "check_running_guests.py"


class Notifying:
    """After vdsm.virt.virdomain.Notifying: callables are wrapped to report each call."""

    def __init__(self, dom, callback):
        self._dom = dom
        self._cb = callback

    def __getattr__(self, name):
        attr = getattr(self._dom, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def f(*args, **kwargs):
            ret = attr(*args, **kwargs)
            self._cb(name)
            return ret

        return f


class Disconnected:
    """After vdsm.virt.virdomain.Disconnected: a domain that is gone raises on any access."""

    class NotConnectedError(Exception):
        pass

    def __getattr__(self, name):
        raise self.NotConnectedError(f"vm is not connected ({name})")


def test_forwarding_wrappers_are_accepted_everywhere(src, dom, hosts):
    dst = hosts("dst-all-wrong")
    expected = lmc.check(src, dst, dom)
    assert lmc.check(Forwarding(src), Forwarding(dst), Forwarding(dom)) == expected
    assert lmc.check(Forwarding(Forwarding(src)), dst, Forwarding(Forwarding(dom))) == expected
    assert lmc.check(Forwarding(src), Forwarding(dst), Forwarding(dom), checks=Check.MEMORY, memory_headroom=1) == lmc.check(
        src, dst, dom, checks=Check.MEMORY, memory_headroom=1
    )
    assert lmc.host_snapshot(Forwarding(dst)) == lmc.host_snapshot(dst)
    assert lmc.baseline([Forwarding(src), Forwarding(dst)]) == lmc.baseline([src, dst])


def test_a_notifying_domain_wrapper(src, dom, hosts):
    calls = []
    wrapped = Notifying(dom, calls.append)
    report = lmc.check(src, hosts("dst-no-network"), wrapped)
    assert problems(report) == ["network.missing"]
    assert calls == ["c_pointer"]
    assert wrapped.name() == "web1"


def test_a_connection_with_methods_replaced_on_the_instance(hosts):
    # vdsm.common.libvirtconnection wraps each method of the virConnect instance it returns.
    conn = open_host("src")
    for name in ["c_pointer", "lookupByName", "getURI"]:
        method = getattr(conn, name)
        setattr(conn, name, functools.wraps(method)(lambda *a, __m=method, **k: __m(*a, **k)))
    dom = Notifying(conn.lookupByName("web1"), lambda name: None)
    assert problems(lmc.check(conn, hosts("dst-ok"), dom)) == []


def test_a_disconnected_wrapper_raises_its_own_error(src, hosts):
    with pytest.raises(Disconnected.NotConnectedError):
        lmc.check(src, hosts("dst-ok"), Disconnected())


def test_the_readme_example_prints_the_show_stoppers():
    env = dict(os.environ, PYTHONPATH=str(BINDINGS))
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), uri("dst-all-wrong"), uri("src")], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "web1: 7 show-stopper(s)"
    assert sum(1 for line in lines if line.startswith("  ") and not line.startswith("    ")) == 7
    assert "  network.missing: network 'prod' used by interface 52:54:00:00:00:01 does not exist on the destination" in lines
    good = subprocess.run(
        [sys.executable, str(EXAMPLE), uri("dst-ok"), uri("src")], capture_output=True, text=True, env=env, timeout=60
    )
    assert good.returncode == 0 and good.stdout == (
        "web1: can migrate (verdict: warning, 0 warning(s); could not verify: network_model, disk_model)\n"
    ), good.stderr


def test_the_python_guide_shows_the_tested_example():
    guide = (ROOT / "docs" / "python.md").read_text()
    block = guide.split("```python\n", 1)[1].split("```", 1)[0]
    assert block == EXAMPLE.read_text(), "docs/python.md's example differs from bindings/python/examples/check_running_guests.py"


def test_the_readme_example_runs(tmp_path):
    # The README's short example, run with its two URIs pointed at the bundled test-driver hosts.
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Python\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert '"qemu:///system"' in block and '"qemu+ssh://dst/system"' in block, block
    program = tmp_path / "readme_example.py"
    program.write_text(block.replace('"qemu:///system"', repr(uri("src"))).replace('"qemu+ssh://dst/system"', repr(uri("dst-all-wrong"))))
    env = dict(os.environ, PYTHONPATH=str(BINDINGS))
    out = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "ERROR", out.stdout
    assert "network.missing network 'prod' used by interface 52:54:00:00:00:01 does not exist on the destination" in lines, out.stdout
    assert len(lines) == 1 + 7, out.stdout
