# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_matrix(): many guests against many hosts in one call (virMigrationCheckMatrix)."""

from __future__ import annotations

import os
import signal

import libvirt
import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check._enums import NEVER_ASSIGNED
from libvirt_migration_check import ErrorCode, MigrationCheckError


def test_the_matrix_gives_the_single_answers(src, dom, hosts):
    dsts = [hosts("dst-ok"), hosts("dst-all-wrong"), hosts("dst-no-network")]
    cells = lmc.check_matrix(src, [dom], dsts)
    assert len(cells) == 1 and len(cells[0]) == 3
    for dst, cell in zip(dsts, cells[0]):
        assert isinstance(cell, lmc.Report)
        assert cell == lmc.check(src, dst, dom)
    # dst-ok: WARNING, for the network_model and disk_model checks the test driver cannot answer.
    assert [c.verdict for c in cells[0]] == [lmc.Severity.WARNING, lmc.Severity.ERROR, lmc.Severity.ERROR]


def test_bad_matrix_arguments_raise(src, dom, hosts):
    with pytest.raises(MigrationCheckError) as info:
        lmc.check_matrix(src, [], [hosts("dst-ok")])
    assert info.value.code == ErrorCode.INVALID_ARG
    with pytest.raises(MigrationCheckError):
        lmc.check_matrix(src, [dom], [])
    with pytest.raises(MigrationCheckError):
        lmc.check_matrix(src, [dom], [hosts("dst-ok")], checks=NEVER_ASSIGNED)


def test_a_dead_host_costs_its_column_with_the_cell_s_own_code(src, dom, hosts, own_daemon):
    dead = libvirt.openReadOnly(own_daemon.uri("dst-ok"))
    os.kill(own_daemon.pid, signal.SIGKILL)
    # The first call finds the daemon gone; from then on the connection is known closed.
    with pytest.raises(MigrationCheckError):
        lmc.check(src, dead, dom)
    cells = lmc.check_matrix(src, [dom], [hosts("dst-ok"), dead])
    live, gone = cells[0]
    assert isinstance(live, lmc.Report) and live == lmc.check(src, hosts("dst-ok"), dom)
    assert isinstance(gone, MigrationCheckError)
    # The cell's own virMigrationCheckErrorCode, not a blanket LIBVIRT.
    assert gone.code == ErrorCode.INVALID_ARG and "closed" in gone.message, gone
