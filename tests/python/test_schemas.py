# SPDX-License-Identifier: LGPL-2.1-or-later
"""The JSON Schemas of docs/schemas/ hold for what the CLI really prints (`check`, `matrix`,
`baseline` with --json, and the error object of a run that could not run at all) and for
Python's Report.to_json(), on the bundled test-driver hosts (tests/data/hosts) and on host
snapshots assembled from the bed's saved XML (tests/data/bed); and they are strict enough to
refuse a document with a field missing, misspelt or unknown. Validated with Debian's
python3-jsonschema (draft 2020-12)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import jsonschema
import pytest

import libvirt_migration_check as lmc
from support import CLI, HOSTS, ROOT, uri

SCHEMAS = ROOT / "docs" / "schemas"
BED = ROOT / "tests" / "data" / "bed"
CPU_MAP = ROOT / "tests" / "data" / "cpu" / "cpu_map"
WEB1 = HOSTS / "parts" / "web1.xml"
DESTINATIONS = sorted(p.stem for p in HOSTS.glob("dst-*.xml"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    """The validator of docs/schemas/NAME.schema.json; its relative $refs (report.schema.json)
    resolve to the files beside it, as they would where the schemas are installed."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver(base_uri=SCHEMAS.as_uri() + "/", referrer=schema)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def cli(*args: str) -> Tuple[int, str, str]:
    out = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout, out.stderr


def document(*args: str, codes: Tuple[int, ...] = (0, 1)) -> Any:
    code, out, err = cli(*args)
    assert code in codes, f"{args}: exit {code}: {out}{err}"
    return json.loads(out)


def snapshot(tmp: Path, name: str, libvirt: str, qemu: str) -> str:
    """A snapshot assembled from what a bed host printed (libvirt LIBVIRT, QEMU QEMU)."""
    path = tmp / f"{name}.snap"
    caps = BED / f"caps-libvirt-{libvirt}-qemu-{qemu}.xml"
    domcaps = BED / f"domcaps-libvirt-{libvirt}-qemu-{qemu}-kvm-pc-q35-{qemu}.xml"
    code, out, err = cli("snapshot", "--capabilities", str(caps), "--domain-capabilities", str(domcaps), "-o", str(path))
    assert code == 0, out + err
    return str(path)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schemas")


@pytest.fixture(scope="module")
def bed(tmp: Path) -> Dict[str, str]:
    """Snapshots of bed hosts a (libvirt 9.0, QEMU 7.2), d (9.0, QEMU 10), f (11.3, QEMU 10)."""
    return {n: snapshot(tmp, n, lv, q) for n, lv, q in [("a", "9.0.0", "7.2"), ("d", "9.0.0", "10.0"), ("f", "11.3.0", "10.0")]}


@pytest.fixture(scope="module")
def live_snapshots(tmp: Path) -> Dict[str, str]:
    """Snapshots the CLI took of test-driver hosts."""
    paths = {}
    for host in ["src", "dst-ok", "dst-all-wrong"]:
        paths[host] = str(tmp / f"{host}.snap")
        code, out, err = cli("snapshot", "-c", uri(host), "-o", paths[host])
        assert code == 0, out + err
    return paths


@pytest.fixture(scope="module")
def host_model_guest(tmp: Path) -> str:
    path = tmp / "hm.xml"
    path.write_text(
        "<domain type='kvm'>\n  <name>hm</name>\n  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n"
        "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n  <cpu mode='host-model'/>\n"
        "  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>\n</domain>\n"
    )
    return str(path)


def reports(tmp: Path, live_snapshots: Dict[str, str], bed: Dict[str, str], host_model_guest: str) -> Iterator[Any]:
    for host in DESTINATIONS:
        for extra in [[], ["-r"], ["--strict"], ["--copy-storage-all", "--unsafe"]]:
            yield document("check", "--json", *extra, "-c", uri("src"), "-d", uri(host), "web1")
    dumpxml = subprocess.run(["virsh", "-r", "-c", uri("src"), "dumpxml", "web1"], capture_output=True, text=True, check=True)
    web1 = tmp / "web1-live.xml"
    web1.write_text(dumpxml.stdout)
    yield document(
        "check", "--json", "--domain-xml", str(web1), "--source-snapshot", live_snapshots["src"],
        "--dest-snapshot", live_snapshots["dst-all-wrong"],
    )
    # No source snapshot: the facts of the source are missing, saying why.
    yield document("check", "--json", "--domain-xml", str(web1), "--dest-snapshot", live_snapshots["dst-ok"])
    for a, b in [("a", "d"), ("d", "a"), ("a", "f"), ("f", "a")]:
        yield document(
            "check", "--json", "--domain-xml", host_model_guest, "--source-snapshot", bed[a],
            "--dest-snapshot", bed[b], "--cpu-map", str(CPU_MAP),
        )


def test_check_reports_follow_the_report_schema(tmp, live_snapshots, bed, host_model_guest):
    v = validator("report")
    seen = set()
    for report in reports(tmp, live_snapshots, bed, host_model_guest):
        v.validate(report)
        seen |= {r["severity"] for r in report["results"]}
    # Every severity occurred, so each branch of the schema met real output.
    assert seen == {"ok", "info", "warning", "error", "skipped"}


def test_python_to_json_follows_the_report_schema(src, dom, hosts):
    v = validator("report")
    for name in ["dst-ok", "dst-all-wrong"]:
        v.validate(json.loads(lmc.check(src, hosts(name), dom).to_json()))


def matrices(tmp: Path, live_snapshots: Dict[str, str]) -> List[Any]:
    broken = tmp / "broken.snap"
    broken.write_text("<hostSnapshot version='1'><capabilities>")
    every = [a for host in DESTINATIONS for a in ("-d", uri(host))]
    return [
        # Every destination, its own source (no way back judged), a snapshot file, a broken
        # snapshot and a host that cannot be opened (cells not checked).
        document(
            "matrix", "--json", "-c", uri("src"), *every, "-d", uri("src"), "-d", live_snapshots["dst-ok"],
            "-d", str(broken), "-d", "test:///nonexistent/node.xml",
        ),
        document("matrix", "--json", "--strict", "--checks", "cpu_count,memory", "-c", uri("src"), "-d", uri("dst-ok")),
        document("matrix", "--json", "-c", uri("src"), "-d", "test:///nonexistent/node.xml", codes=(2,)),
    ]


def test_matrices_follow_the_matrix_schema(tmp, live_snapshots):
    v = validator("matrix")
    docs = matrices(tmp, live_snapshots)
    for doc in docs:
        v.validate(doc)
    cells = docs[0]["cells"]
    assert any(c["verdict"] is None for c in cells) and any(c["back"] for c in cells)
    assert any(c["verdict"] is not None and c["back"] is None for c in cells)


def baselines(bed: Dict[str, str], host_model_guest: str) -> List[Any]:
    three = ["--cpu-map", str(CPU_MAP), "--snapshot", bed["a"], "--snapshot", bed["d"], "--snapshot", bed["f"]]
    return [
        document("baseline", "--json", "-c", uri("src"), "-c", uri("dst-ok"), "-c", uri("dst-few-cpus")),
        document("baseline", "--json", "-c", uri("src"), "-c", uri("dst-ok"), "--apply", str(WEB1)),
        document("baseline", "--json", *three),
        document("baseline", "--json", *three, "--apply", host_model_guest),
        document("baseline", "--json", "--snapshot", bed["a"], "--snapshot", bed["d"], "--virt-type", "qemu"),
    ]


def test_baselines_follow_the_baseline_schema(bed, host_model_guest):
    v = validator("baseline")
    docs = baselines(bed, host_model_guest)
    for doc in docs:
        v.validate(doc)
    # The structure is the document's: the CPU of the snapshots' baseline, its XML beside it.
    cpu = docs[2]["baseline"]["cpu"]
    assert cpu["mode"] == "custom" and cpu["model"] and cpu["features"], cpu
    xml = docs[2]["baseline"]["xml"]
    assert f"<model fallback='{cpu['fallback']}'>{cpu['model']}</model>" in xml
    for f in cpu["features"]:
        assert f"<feature policy='{f['policy']}' name='{f['name']}'/>" in xml
    # Hosts as their snapshots name them (assembled: their capabilities files).
    names = [h["name"] for h in docs[2]["baseline"]["hosts"]]
    assert len(names) == 3 and all(f"<host name='{n}'" in xml for n in names), names
    assert docs[0]["baseline"]["networks"] == ["prod"] and docs[0]["baseline"]["vcpus"] == 1


def errors(tmp: Path) -> Iterator[Tuple[Tuple[str, ...], str]]:
    """Runs that cannot run at all, each with the error name it must give."""
    broken = tmp / "broken-baseline.snap"
    broken.write_text("<hostSnapshot version='1'><capabilities>")
    yield ("check", "--json", "-c", uri("src"), "-d", uri("dst-ok"), "nosuch"), "libvirt"
    yield ("check", "--json", "-c", uri("src"), "-d", uri("dst-ok"), "web1", "--checks", "nonsense"), "invalid_arg"
    yield ("check", "--json", "-c", uri("src"), "-d", uri("dst-ok"), "web1", "--no-such-option"), "invalid_arg"
    yield ("check", "--json", "--domain-xml", str(broken), "--dest-snapshot", str(broken)), "xml"
    yield ("matrix", "--json", "-c", uri("src"), "-d", str(tmp / "missing.snap")), "invalid_arg"
    yield ("matrix", "--json", "-c", uri("src"), "-d", uri("dst-ok"), "--domain", "nosuch"), "invalid_arg"
    yield ("baseline", "--json", "--snapshot", str(tmp / "missing.snap")), "invalid_arg"
    yield ("baseline", "--json", "-c", "test:///nonexistent/node.xml"), "libvirt"


def test_failed_runs_print_an_error_object(tmp):
    v = validator("error")
    for args, name in errors(tmp):
        code, out, err = cli(*args)
        assert code == 2, f"{args}: {out}{err}"
        doc = json.loads(out)
        v.validate(doc)
        assert doc["error"]["name"] == name, f"{args}: {doc}"
        # The message is the one line on stderr, for people (clap's own usage text for a
        # command line it refused).
        if "--no-such-option" not in args:
            assert err.rstrip("\n").splitlines()[-1] == f"virt-migration-check: {doc['error']['message']}", err


def test_every_reason_code_fits_the_schema():
    pattern = re.compile(json.loads((SCHEMAS / "report.schema.json").read_text())["$defs"]["result"]["properties"]["code"]["pattern"])
    # Every declared code: src/codes.rs's table, one `c(Check::X, "check.code", ...)` each.
    codes = re.findall(r'c\(Check::\w+, "([^"]+)"', (ROOT / "src" / "codes.rs").read_text())
    assert len(codes) > 50
    assert [c for c in codes if not pattern.match(c)] == []


def mutations(doc: Any, path: Tuple[Any, ...]) -> Iterator[Tuple[str, Any]]:
    """DOC broken at the object PATH leads to: each field dropped, each misspelt, one added."""
    def at(d: Any) -> Dict[str, Any]:
        for step in path:
            d = d[step]
        return d

    for key in list(at(doc)):
        dropped = copy.deepcopy(doc)
        del at(dropped)[key]
        yield f"{path} without {key}", dropped
        misspelt = copy.deepcopy(doc)
        at(misspelt)[key + "s"] = at(misspelt).pop(key)
        yield f"{path} with {key}s", misspelt
    added = copy.deepcopy(doc)
    at(added)["unknown_field"] = None
    yield f"{path} with unknown_field", added


def test_schemas_refuse_a_missing_misspelt_or_unknown_field(tmp, live_snapshots, bed, host_model_guest):
    report = document("check", "--json", "-c", uri("src"), "-d", uri("dst-all-wrong"), "web1")
    matrix = matrices(tmp, live_snapshots)[0]
    checked = next(i for i, c in enumerate(matrix["cells"]) if c["back"])
    not_checked = next(i for i, c in enumerate(matrix["cells"]) if c["verdict"] is None)
    baseline = baselines(bed, host_model_guest)[3]
    error = json.loads(cli("check", "--json", "-c", uri("src"), "-d", uri("dst-ok"), "nosuch")[1])
    cases = [
        ("report", report, [(), ("results", 0)]),
        (
            "matrix",
            matrix,
            [(), ("cells", checked), ("cells", not_checked), ("cells", checked, "back"), ("cells", checked, "report")],
        ),
        (
            "baseline",
            baseline,
            [(), ("baseline",), ("baseline", "cpu"), ("baseline", "cpu", "features", 0), ("baseline", "hosts", 0),
             ("baseline", "machines", 0), ("pairs", 0), ("pairs", 0, "back"), ("one_way", 0),
             ("pairs", 0, "go", "report", "results", 0)],
        ),
        ("error", error, [(), ("error",), ("error", "details")]),
    ]
    for name, doc, paths in cases:
        v = validator(name)
        v.validate(doc)
        for path in paths:
            for what, broken in mutations(doc, path):
                assert not v.is_valid(broken), f"{name}: {what} passed"
