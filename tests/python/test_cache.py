# SPDX-License-Identifier: LGPL-2.1-or-later
"""Flag.CACHE, the cache_ttl parameter and cache_invalidate(): a library that has them gives the
same answers with and without the cache; one built before them refuses them clearly."""

from __future__ import annotations

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import ErrorCode, Flag, MigrationCheckError, _ffi
from support import Forwarding


def has_cache() -> bool:
    return _ffi.load().has("virMigrationCheckCacheInvalidate")


def test_cached_checks_give_the_uncached_answers(src, dom, hosts):
    if not has_cache():
        pytest.skip("the loaded library predates VIR_MIGRATION_CHECK_CACHE")
    for name in ["dst-ok", "dst-all-wrong"]:
        dst = hosts(name)
        plain = lmc.check(src, dst, dom)
        assert lmc.check(src, dst, dom, checks=Flag.CACHE) == plain  # cold
        assert lmc.check(src, dst, dom, checks=Flag.CACHE) == plain  # warm
        assert lmc.check(src, dst, dom, checks=Flag.CACHE, cache_ttl=30) == plain
        lmc.cache_invalidate(dst)
        lmc.cache_invalidate(Forwarding(dst))
        assert lmc.check(src, dst, dom, checks=Flag.CACHE) == plain
    lmc.cache_invalidate()
    lmc.cache_invalidate(None)
    with pytest.raises(MigrationCheckError) as info:
        lmc.check(src, hosts("dst-ok"), dom, checks=Flag.CACHE, cache_ttl="soon")
    assert info.value.code == ErrorCode.INVALID_ARG and "cache_ttl" in info.value.message


def test_a_library_without_the_cache_refuses_it(monkeypatch):
    # As with a library built before virMigrationCheckCacheInvalidate: the binding refuses
    # cache_invalidate() clearly instead of failing on a missing symbol.
    loaded = _ffi.load()
    monkeypatch.setattr(loaded, "has", lambda name: name != "virMigrationCheckCacheInvalidate")
    with pytest.raises(MigrationCheckError) as info:
        lmc.cache_invalidate()
    assert info.value.code == ErrorCode.UNSUPPORTED
    assert "virMigrationCheckCacheInvalidate" in info.value.message
