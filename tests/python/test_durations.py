# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every duration of the Python API is in seconds, as on the command line (--host-timeout
SECONDS) and in libvirt-python: host_timeout= is the wait for the hosts, cache_ttl= how long
Flag.CACHE reuses a host's facts. The keyword timeout= of earlier versions counted
milliseconds (the C parameter's unit); it raises TypeError, so that a caller's timeout=60000
(one minute) is never reread as 60,000 seconds."""

from __future__ import annotations

import math
import os
import signal
import time

import libvirt
import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import ErrorCode, MigrationCheckError


def test_host_timeout_in_seconds_gives_the_same_answer(src, dom, hosts):
    dst = hosts("dst-all-wrong")
    plain = lmc.check(src, dst, dom)
    for seconds in [60, 0.5, 0]:
        assert lmc.check(src, dst, dom, host_timeout=seconds) == plain, seconds
        assert lmc.check3(dom, dst, {}, libvirt.VIR_MIGRATE_LIVE, host_timeout=seconds) == lmc.check3(
            dom, dst, {}, libvirt.VIR_MIGRATE_LIVE
        ), seconds



def test_a_tiny_host_timeout_is_rounded_up_never_to_for_ever(src, dom, hosts):
    # 0 means "wait for ever": a microsecond must become the C call's 1 ms, never 0.
    try:
        lmc.check(src, hosts("dst-ok"), dom, host_timeout=1e-6)
    except MigrationCheckError as e:
        assert e.code == ErrorCode.TIMEOUT and "deadline 1 ms" in e.message, e


@pytest.mark.parametrize("old", [60000, 0, 1.5])
def test_the_old_timeout_in_milliseconds_is_refused_loudly(src, dom, hosts, old):
    dst = hosts("dst-ok")
    for call in [
        lambda: lmc.check(src, dst, dom, timeout=old),  # type: ignore[arg-type]
        lambda: lmc.check3(dom, dst, {}, 0, timeout=old),  # type: ignore[arg-type]
        lambda: lmc.check3(dom, dst, {lmc.PARAM_TIMEOUT: old}, 0),
        lambda: lmc.check3(dom, dst, {}, 0, **{lmc.PARAM_TIMEOUT: old}),
    ]:
        with pytest.raises(TypeError) as info:
            call()
        assert "host_timeout" in str(info.value) and "seconds" in str(info.value), info.value
        assert "timeout=60000 is host_timeout=60" in str(info.value), info.value


def test_bad_host_timeouts(src, dom, hosts):
    dst = hosts("dst-ok")
    for bad in [-1, -0.001, math.nan, math.inf, 1e300]:
        with pytest.raises(ValueError):
            lmc.check(src, dst, dom, host_timeout=bad)
        with pytest.raises(ValueError):
            lmc.check3(dom, dst, {}, 0, host_timeout=bad)
    for bad in ["60", True, [60]]:
        with pytest.raises(TypeError):
            lmc.check(src, dst, dom, host_timeout=bad)  # type: ignore[arg-type]


def test_a_stopped_destination_costs_host_timeout_seconds(src, dom, own_daemon):
    # A destination libvirtd frozen by SIGSTOP answers nothing: the call returns after
    # host_timeout seconds with ErrorCode.TIMEOUT (not 1000 times sooner or later).
    dst = libvirt.openReadOnly(own_daemon.uri("dst-ok"))
    os.kill(own_daemon.pid, signal.SIGSTOP)
    try:
        for call in [
            lambda: lmc.check(src, dst, dom, host_timeout=1.5),
            lambda: lmc.check3(dom, dst, {}, libvirt.VIR_MIGRATE_LIVE, host_timeout=1.5),
        ]:
            started = time.monotonic()
            with pytest.raises(MigrationCheckError) as info:
                call()
            elapsed = time.monotonic() - started
            assert info.value.code == ErrorCode.TIMEOUT, info.value
            assert 1.4 <= elapsed < 10, elapsed
    finally:
        os.kill(own_daemon.pid, signal.SIGCONT)


def test_cache_ttl_is_in_seconds(src, dom, hosts):
    # cache_ttl counts seconds in C and Python alike: a 1 s entry is still fresh at once.
    if not lmc._ffi.load().has("virMigrationCheckCacheInvalidate"):
        pytest.skip("the loaded library predates VIR_MIGRATION_CHECK_CACHE")
    dst = hosts("dst-ok")
    plain = lmc.check(src, dst, dom)
    assert lmc.check(src, dst, dom, checks=lmc.Flag.CACHE, cache_ttl=1) == plain
    assert lmc.check(src, dst, dom, checks=lmc.Flag.CACHE, cache_ttl=1) == plain
    lmc.cache_invalidate()
