# SPDX-License-Identifier: LGPL-2.1-or-later
"""check() on libvirt's test driver in-process (tests/data/hosts; see its README for what each
destination gets wrong): results, their order, details, flags, parameters, and the JSON the
command-line tool prints."""

from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import Check, Flag, Severity
from support import CLI, problems, uri

ALL_WRONG = [
    "cpu_count.vcpus-exceed-pcpus",
    "disk.different-storage",
    "disk.volume-missing",
    "host.name-clash",
    "host.uuid-clash",
    "memory.insufficient",
    "network.bridge-missing",
    "network.missing",
]

RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.SKIPPED: 2, Severity.INFO: 3, Severity.OK: 4}


def test_version_and_supported_checks():
    v = lmc.version()
    assert isinstance(v, tuple) and len(v) == 3
    assert int(v) == v.number == lmc.VERSION_NUMBER
    assert str(v) == "0.1.0"
    supported = lmc.supported_checks()
    assert isinstance(supported, Check)
    every = 0
    for member in Check.__members__.values():
        every |= member
    assert supported == every, "every check of the table is implemented"


def test_a_good_destination_passes_every_check_with_one_result_each(src, dom, hosts):
    report = lmc.check(src, hosts("dst-ok"), dom)
    # The two checks the test driver cannot answer make it "could not verify", never "ok".
    assert report.verdict == Severity.WARNING
    assert report.unverified == [Check.NETWORK_MODEL, Check.DISK_MODEL]
    assert report.errors == [] and report.warnings == []
    ran = sorted(r.check for r in report.results)
    assert ran == sorted(m for m in Check.__members__.values() if m != Check.ALL)
    for r in report:
        assert isinstance(r, lmc.Result) and isinstance(r.check, Check) and isinstance(r.severity, Severity)
        if r.check in (Check.NETWORK_MODEL, Check.DISK_MODEL):
            # The test driver has no domain capabilities and no NIC model table.
            assert r.severity == Severity.SKIPPED and r.message, r
        else:
            assert r.severity == Severity.OK and r.code == f"{r.check.check_name}.ok", r
    assert len(report.skipped) == 2


def test_every_problem_of_the_worst_destination(src, dom, hosts):
    report = lmc.check(src, hosts("dst-all-wrong"), dom)
    assert problems(report) == ALL_WRONG
    assert report.verdict == Severity.ERROR
    assert len(report.errors) == 7 and len(report.warnings) == 1
    assert [r.code for r in report.warnings] == ["cpu_count.vcpus-exceed-pcpus"]
    ranks = [RANK[r.severity] for r in report.results]
    assert ranks == sorted(ranks), "most severe first"
    for r in report.errors:
        assert r.message and r.hint, r
        assert r.code.startswith(r.check.check_name + ".")


def test_details_are_decoded_by_type(src, dom, hosts):
    report = lmc.check(src, hosts("dst-all-wrong"), dom)
    (net,) = report.with_code("network.missing")
    assert net.check == Check.NETWORK and net.severity == Severity.ERROR
    assert "'prod'" in net.message
    assert net.details["network"] == "prod"
    assert net.details["interface"] == "52:54:00:00:00:01"
    (mem,) = report.with_code("memory.insufficient")
    assert mem.details["needed_kib"] == 2 * 1024 * 1024
    assert mem.details["available_kib"] == 512 * 1024
    assert type(mem.details["needed_kib"]) is int
    (cpus,) = report.with_code("cpu_count.vcpus-exceed-pcpus")
    assert cpus.severity == Severity.WARNING
    assert (cpus.details["vcpus"], cpus.details["max_vcpus"], cpus.details["destination_cpus"]) == (2, 4, 1)
    strict = lmc.check(src, hosts("dst-tight-memory"), dom, checks=Check.MEMORY | Flag.STRICT)
    assert strict.results[0].details["strict"] is True


def test_results_are_frozen_and_hashable(src, dom, hosts):
    r = lmc.check(src, hosts("dst-no-network"), dom, checks=Check.NETWORK).results[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.code = "x"  # type: ignore[misc]
    assert hash(r) == hash(dataclasses.replace(r))
    assert lmc.Finding is lmc.Result


@pytest.mark.parametrize(
    "host, expected",
    [
        ("dst-no-network", ["network.missing"]),
        ("dst-no-bridge", ["network.bridge-missing"]),
        ("dst-no-network-bridge", ["network.bridge-missing"]),
        ("dst-few-cpus", ["cpu_count.vcpus-exceed-pcpus"]),
        ("dst-low-memory", ["memory.insufficient"]),
        ("dst-other-key", ["disk.different-storage"]),
        ("dst-missing-volume", ["disk.volume-missing"]),
        ("dst-clash", ["host.name-clash"]),
        ("dst-local-dir", ["disk.unproven", "disk.unproven"]),
        ("src", ["host.same-host"]),
    ],
)
def test_each_destination_gets_its_one_problem(src, dom, hosts, host, expected):
    dst = src if host == "src" else hosts(host)
    report = lmc.check(src, dst, dom, checks=Check.HOST if host == "src" else Check.ALL)
    assert problems(report) == expected


def test_selection_and_modifiers(src, dom, hosts):
    selected = lmc.check(src, hosts("dst-all-wrong"), dom, checks=Check.NETWORK | Check.DISK)
    assert {r.check for r in selected} == {Check.NETWORK, Check.DISK} and len(selected) == 4
    # Plain ints work as well as the enums.
    assert lmc.check(src, hosts("dst-all-wrong"), dom, checks=int(Check.NETWORK | Check.DISK)) == selected
    strict = lmc.check(src, hosts("dst-all-wrong"), dom, checks=Check.CPU_COUNT | Flag.STRICT)
    assert [(r.code, r.severity) for r in strict] == [("cpu_count.vcpus-exceed-pcpus", Severity.ERROR)]
    copied = lmc.check(src, hosts("dst-missing-volume"), dom, checks=Flag.NON_SHARED_DISK)
    # WARNING, not INFO: the test driver cannot answer network_model and disk_model (SKIPPED).
    assert problems(copied) == ["disk.will-copy"] and copied.verdict == Severity.WARNING
    disk = lmc.check(src, hosts("dst-missing-volume"), dom, checks=Check.DISK | Flag.NON_SHARED_DISK)
    assert problems(disk) == ["disk.will-copy"] and disk.verdict == Severity.INFO
    tight = hosts("dst-tight-memory")
    assert [r.code for r in lmc.check(src, tight, dom, checks=Check.MEMORY)] == ["memory.low-headroom"]
    assert lmc.check(src, tight, dom, checks=Check.MEMORY | Flag.OFFLINE).verdict == Severity.OK


def test_typed_parameters(src, dom, hosts):
    ok = hosts("dst-ok")
    # A 15 GiB headroom makes dst-ok's 10 GiB left a warning (virMigrationCheckParams).
    report = lmc.check(src, ok, dom, checks=Check.MEMORY, memory_headroom=15 * 1024 * 1024)
    assert [r.code for r in report] == ["memory.low-headroom"]
    assert report.verdict == Severity.WARNING
    assert [r.code for r in lmc.check(src, ok, dom, checks=Check.MEMORY, memory_headroom=1024)] == ["memory.ok"]
    # None leaves a parameter out (virMigrationCheck).
    assert lmc.check(src, ok, dom, checks=Check.MEMORY, memory_headroom=None) == lmc.check(src, ok, dom, checks=Check.MEMORY)
    # cpu_map: web1 has no CPU model, so any map directory does.
    report = lmc.check(src, ok, dom, checks=Check.CPU_FLAGS, cpu_map="/nonexistent", memory_headroom=1)
    assert [(r.code, r.severity) for r in report] == [("cpu_flags.ok", Severity.OK)]


def test_verdict_counts_skipped_as_a_warning_and_takes_the_worst():
    def result(severity, **details):
        return lmc.Result(Check.HOST, severity, "host.x", "m", None, details)

    assert lmc.Report(()).verdict == Severity.OK
    assert lmc.Report((result(Severity.OK),)).verdict is Severity.OK
    assert lmc.Report((result(Severity.SKIPPED),)).verdict is Severity.WARNING
    assert lmc.Report((result(Severity.SKIPPED), result(Severity.INFO))).verdict is Severity.WARNING
    assert lmc.Report((result(Severity.INFO), result(Severity.WARNING), result(Severity.OK))).verdict is Severity.WARNING
    assert lmc.Report((result(Severity.ERROR), result(Severity.SKIPPED))).verdict is Severity.ERROR
    # Under STRICT the library marks a SKIPPED result: it then counts as an ERROR.
    assert lmc.Report((result(Severity.SKIPPED, strict=True),)).verdict is Severity.ERROR
    assert lmc.Report((result(Severity.INFO),)).unverified == []
    assert lmc.Report((result(Severity.SKIPPED), result(Severity.SKIPPED))).unverified == [Check.HOST]


def test_a_check_that_cannot_run_is_a_warning_and_under_strict_an_error(src, dom, hosts):
    # The test driver has no domain capabilities for a read-only connection and no NIC model
    # table: both checks come out SKIPPED, as the CLI's `--checks disk_model,network_model`.
    models = Check.DISK_MODEL | Check.NETWORK_MODEL
    report = lmc.check(src, hosts("dst-ok"), dom, checks=models)
    assert [r.severity for r in report] == [Severity.SKIPPED, Severity.SKIPPED]
    assert report.verdict is Severity.WARNING
    assert report.unverified == [Check.NETWORK_MODEL, Check.DISK_MODEL]
    strict = lmc.check(src, hosts("dst-ok"), dom, checks=models | Flag.STRICT)
    assert [r.severity for r in strict] == [Severity.SKIPPED, Severity.SKIPPED], "each keeps its own severity"
    assert all(r.details["strict"] is True for r in strict)
    assert strict.verdict is Severity.ERROR
    assert json.loads(strict.to_json())["verdict"] == "error"
    # The C matrix cell's verdict agrees.
    (cell,) = lmc.check_matrix(src, [dom], [hosts("dst-ok")], checks=models)[0]
    assert isinstance(cell, lmc.Report) and cell == report and cell.verdict is Severity.WARNING


def test_selection_is_keyword_only(src, dom, hosts):
    # libvirt's VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_NON_SHARED_DISK (1 | 2 |
    # 64) once landed on HYPERVISOR | ARCH | NUMA and selected three checks: now a TypeError.
    migrate_flags = 1 | 2 | 64
    ok = hosts("dst-ok")
    with pytest.raises(TypeError):
        lmc.check(src, ok, dom, migrate_flags)  # type: ignore[misc]
    with pytest.raises(TypeError):
        lmc.check(src, ok, dom, Check.NETWORK, Flag.STRICT)  # type: ignore[misc]
    for call in (
        lambda: lmc.check(src, ok, dom, flags=migrate_flags),  # type: ignore[arg-type]
        lambda: lmc.check(src, ok, dom, flags=Flag.CACHE),  # type: ignore[arg-type]
        lambda: lmc.check(src, ok, dom, flags=0, memory_headroom=1),  # type: ignore[arg-type]
        lambda: lmc.check_matrix(src, [dom], [ok], flags=Flag.STRICT),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError, match=r"checks=.*check3\(dom, dconn, params, flags\)"):
            call()
    xml, snapshot = dom.XMLDesc(0), lmc.host_snapshot(ok)
    with pytest.raises(TypeError):
        lmc.check_xml(xml, None, snapshot, Check.NETWORK)  # type: ignore[misc]
    with pytest.raises(TypeError, match="checks=.*VIR_MIGRATE_.* do not apply"):
        lmc.check_xml(xml, None, snapshot, flags=Flag.OFFLINE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lmc.check_matrix(src, [dom], [ok], Check.NETWORK)  # type: ignore[misc]


def cli_json(*args: str) -> str:
    out = subprocess.run([str(CLI), "check", *args, "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


CLI_CASES = [
    ("dst-all-wrong", [], Check.ALL, Flag(0), {}),
    ("dst-ok", [], Check.ALL, Flag(0), {}),
    ("dst-local-dir", [], Check.ALL, Flag(0), {}),
    ("dst-missing-volume", ["--copy-storage-all"], Check.ALL, Flag.NON_SHARED_DISK, {}),
    ("dst-all-wrong", ["--strict", "--unsafe"], Check.ALL, Flag.STRICT | Flag.UNSAFE, {}),
    ("dst-all-wrong", ["--offline", "--checks", "memory,network,disk"], Check.MEMORY | Check.NETWORK | Check.DISK, Flag.OFFLINE, {}),
    ("dst-ok", ["--memory-headroom", "15G"], Check.ALL, Flag(0), {"memory_headroom": 15 * 1024 * 1024}),
]


@pytest.mark.skipif(not CLI.exists(), reason="the CLI is not built")
@pytest.mark.parametrize("host, cli_args, checks, flags, params", CLI_CASES)
def test_to_json_is_exactly_what_the_cli_prints(src, dom, hosts, host, cli_args, checks, flags, params):
    # The fixtures' connections are read-only; so are the CLI's with -r (it opens read-write by default).
    expected = cli_json("-r", "-c", uri("src"), "-d", uri(host), "web1", *cli_args)
    report = lmc.check(src, hosts(host), dom, checks=checks | flags, **params)
    assert report.to_json() + "\n" == expected
    parsed = json.loads(expected)
    assert parsed["verdict"] == report.verdict.name.lower()
    assert [r["code"] for r in parsed["results"]] == [r.code for r in report]
    assert report.to_dict() == parsed


@pytest.mark.skipif(not CLI.exists(), reason="the CLI is not built")
def test_offline_json_is_what_the_cli_prints_from_the_same_snapshots(src, dom, hosts, tmp_path):
    dst = hosts("dst-all-wrong")
    (tmp_path / "web1.xml").write_text(dom.XMLDesc(0))
    (tmp_path / "src.snap").write_text(lmc.host_snapshot(src))
    (tmp_path / "dst.snap").write_text(lmc.host_snapshot(dst))
    expected = cli_json(
        "--domain-xml", str(tmp_path / "web1.xml"),
        "--source-snapshot", str(tmp_path / "src.snap"),
        "--dest-snapshot", str(tmp_path / "dst.snap"),
    )
    report = lmc.check_xml(dom.XMLDesc(0), (tmp_path / "src.snap").read_text(), (tmp_path / "dst.snap").read_text())
    assert report.to_json() + "\n" == expected
