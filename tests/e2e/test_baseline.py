# SPDX-License-Identifier: LGPL-2.1-or-later
"""virMigrationBaseline on live QEMU hosts. Each host's hypervisor is asked for its own baseline
CPU (virConnectBaselineHypervisorCPU with MIGRATABLE) and that answer, cross-checked with the
library's engine, is the baseline CPU. Then the proof: a guest rewritten to the baseline of a pair
of hosts (`baseline --apply`, for the guest's own virt type) really starts on one and live-migrates
to the other and back. Hosts a, b and d run KVM where the machine has it, host c only TCG
(conftest.py), so their hypervisors can run different CPUs."""

from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import ROOT, tiny_guest, uri

CLI = ROOT / "target" / "release" / "virt-migration-check"
# The hosts whose QEMU is 10.0 (conftest.py); the others run QEMU 7.2.
QEMU10_HOSTS = {"d", "f"}


def offers_kvm(conn: "libvirt.virConnect") -> bool:
    """Whether the host offers KVM for x86_64 guests (its capabilities), as the library reads it:
    host c never does, a, b and d only where the machine has /dev/kvm."""
    caps = ET.fromstring(conn.getCapabilities())
    return any(d.get("type") == "kvm" for g in caps.findall("guest") for a in g.findall("arch[@name='x86_64']")
               for d in a.findall("domain"))


def common_virt(bed: Dict[str, "libvirt.virConnect"], names: List[str]) -> str:
    """The virt type a guest that must run on every one of these hosts can have: KVM where they
    all offer it, else TCG (KVM's CPU follows the machine's, TCG's is AMD-branded whatever it)."""
    return "kvm" if all(offers_kvm(bed[n]) for n in names) else "qemu"


def host_model(conn: "libvirt.virConnect", virt: str) -> str:
    """The host's host-model CPU as a guest CPU definition, as the library sends it."""
    caps = ET.fromstring(conn.getDomainCapabilities(None, "x86_64", None, virt, 0))
    mode = caps.find("./cpu/mode[@name='host-model']")
    assert mode is not None and mode.get("supported") == "yes", f"no host-model CPU for {virt}"
    cpu = ET.Element("cpu", mode="custom", match="exact")
    cpu.extend(list(mode))
    return ET.tostring(cpu, encoding="unicode")


def shape(cpu: ET.Element) -> Tuple[str, List[Tuple[str, str]]]:
    """A CPU's model and its sorted (feature, policy) pairs."""
    model = cpu.findtext("model") or ""
    return model, sorted((f.get("name", ""), f.get("policy", "require")) for f in cpu.findall("feature"))


@pytest.mark.parametrize("names", [["a", "b"], ["a", "b", "c"]], ids=["kvm+kvm", "kvm+kvm+tcg"])
def test_live_hosts_give_their_hypervisors_baseline_cpu(bed: Dict[str, "libvirt.virConnect"], names: List[str]) -> None:
    doc = ET.fromstring(lmc.baseline([bed[n] for n in names]))
    check = doc.find("cpuCrossCheck")
    assert check is not None, "live hosts must be asked for their own baseline"
    assert [h.get("answered") for h in check.findall("host")] == ["yes"] * len(names), ET.tostring(check, encoding="unicode")
    print(f"\ncross-check on {names}:", ET.tostring(check, encoding="unicode"))

    # The same question asked of each hypervisor directly, for the one virt type every host runs.
    virt = common_virt(bed, names)
    xmls = [host_model(bed[n], virt) for n in names]
    flags = libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE
    answers = [ET.fromstring(bed[n].baselineHypervisorCPU(None, "x86_64", None, virt, xmls, flags)) for n in names]
    cpu = doc.find("cpu")
    assert cpu is not None
    if check.get("computedBy") == "libvirt":
        if all(shape(a) == shape(answers[0]) for a in answers):
            print("every hypervisor gave the same answer")
            assert shape(cpu) == shape(answers[0])
        else:
            # The answers differ: the baseline is what each of them can run. TCG's answer is
            # the narrowest here, and host c's hypervisor, asked for the baseline of all three
            # answers, gives the same features.
            print("the hypervisors' answers differ")
            again = bed["c"].baselineHypervisorCPU(
                None, "x86_64", None, "qemu", [ET.tostring(a, encoding="unicode") for a in answers], flags
            )
            assert expanded(bed["c"], ET.tostring(cpu, encoding="unicode")) == expanded(bed["c"], again)
    else:
        # Ours was kept: only because the hypervisors asked for a feature ours does not.
        assert check.findall("onlyLibvirt"), ET.tostring(check, encoding="unicode")

    # Each host's own hypervisor accepts the baseline CPU.
    baseline_cpu = ET.tostring(cpu, encoding="unicode")
    for n in names:
        verdict = bed[n].compareHypervisorCPU(None, "x86_64", None, virt, baseline_cpu, 0)
        assert verdict in (libvirt.VIR_CPU_COMPARE_IDENTICAL, libvirt.VIR_CPU_COMPARE_SUPERSET), f"host {n} cannot run the baseline CPU"


@pytest.mark.parametrize("names", [["a", "f"], ["g", "d"], ["a", "f", "g"]], ids=["a+f", "g+d", "a+f+g"])
def test_hypervisors_of_two_generations_answer_in_words_they_all_know(bed: Dict[str, "libvirt.virConnect"],
                                                                       names: List[str]) -> None:
    """libvirt 9.0 refuses a CPU naming a feature its map lacks ("unknown CPU feature"), and a
    libvirt 11.3 host-model CPU names some (cmpccxadd): every host's CPU is sent in the words of
    the oldest host's libvirt, so that every hypervisor answers, and each accepts the result."""
    virt = common_virt(bed, names)
    doc = ET.fromstring(lmc.baseline([bed[n] for n in names]))
    check = doc.find("cpuCrossCheck")
    assert check is not None
    assert [h.get("answered") for h in check.findall("host")] == ["yes"] * len(names), ET.tostring(check, encoding="unicode")
    print(f"\ncross-check on {names}: computed by {check.get('computedBy')}")
    baseline_cpu = ET.tostring(doc.find("cpu"), encoding="unicode")
    for n in names:
        verdict = bed[n].compareHypervisorCPU(None, "x86_64", None, virt, baseline_cpu, 0)
        assert verdict in (libvirt.VIR_CPU_COMPARE_IDENTICAL, libvirt.VIR_CPU_COMPARE_SUPERSET), f"host {n} cannot run the baseline CPU"


def expanded(conn: "libvirt.virConnect", cpu_xml: str) -> List[str]:
    """The names of every feature a CPU definition requires, as libvirt expands it."""
    out = conn.baselineHypervisorCPU(None, "x86_64", None, "qemu", [cpu_xml], libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES)
    return sorted(f.get("name", "") for f in ET.fromstring(out).findall("feature") if f.get("policy") == "require")


def test_read_only_hosts_fall_back_to_the_library_and_say_why(bed: Dict[str, "libvirt.virConnect"]) -> None:
    conns = [libvirt.openReadOnly(uri(n)) for n in ("a", "b")]
    try:
        doc = ET.fromstring(lmc.baseline(conns))
    finally:
        for c in conns:
            c.close()
    check = doc.find("cpuCrossCheck")
    assert check is not None and check.get("computedBy") == "library"
    assert check.get("agree") is None
    for host in check.findall("host"):
        assert host.get("answered") == "no" and "read only" in host.get("reason", ""), ET.tostring(host, encoding="unicode")
    assert doc.find("cpu") is not None



def cli_baseline(names: List[str], guest: str, *extra: str) -> subprocess.CompletedProcess:
    """`virt-migration-check baseline -c URI ... --apply GUEST --json`, as a user runs it."""
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
        f.write(guest)
        f.flush()
        line = [str(CLI), "baseline", *[a for n in names for a in ("-c", uri(n))], "--apply", f.name, "--json", *extra]
        return subprocess.run(line, capture_output=True, text=True, timeout=120)


def live_migrate(dom: "libvirt.virDomain", dst: str) -> None:
    """A live peer-to-peer migration over loopback (docs/testbed.md)."""
    params = {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://127.0.0.1", libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "127.0.0.1"}
    dom.migrateToURI3(uri(dst), params, libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER)


def cli_baseline_of_snapshots(names: List[str], guest: str) -> subprocess.CompletedProcess:
    """The same from snapshots of the hosts: no hypervisor to ask, the library's engine alone
    (each host's CPU read with the CPU map of its own libvirt release)."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for n in names:
            path = Path(tmp) / f"{n}.snapshot"
            taken = subprocess.run([str(CLI), "snapshot", "-c", uri(n), "-o", str(path)], capture_output=True, text=True,
                                   timeout=120)
            assert taken.returncode == 0, taken.stderr
            files.append(str(path))
        guest_file = Path(tmp) / "guest.xml"
        guest_file.write_text(guest)
        line = [str(CLI), "baseline", *[a for f in files for a in ("--snapshot", f)], "--apply", str(guest_file), "--json"]
        return subprocess.run(line, capture_output=True, text=True, timeout=120)


def rewritten_guest_migrates_both_ways(bed: Dict[str, "libvirt.virConnect"], pair: Tuple[str, str], virt: str,
                                       from_snapshots: bool = False) -> None:
    x, y = pair
    name = f"e2e-baseline-{virt}-{x}{y}{'-snap' if from_snapshots else ''}"
    out = (cli_baseline_of_snapshots if from_snapshots else cli_baseline)([x, y], tiny_guest(name, virt=virt))
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    # The baseline is for the guest's own arch and virt type, whatever the hosts also offer.
    assert (answer["arch"], answer["virt_type"]) == ("x86_64", virt), answer
    doc = ET.fromstring(answer["baseline"]["xml"])
    assert doc.findtext("virtType") == virt and doc.findtext("arch") == "x86_64"
    assert (answer["baseline"]["virt_type"], answer["baseline"]["arch"]) == (virt, "x86_64"), answer["baseline"]
    domain = ET.fromstring(answer["domain"])
    # The guest keeps its arch and virt type; its machine alias becomes the machine both share.
    assert domain.get("type") == virt and domain.find("os/type").get("arch") == "x86_64"
    shared = "pc-i440fx-10.0" if set(pair) <= QEMU10_HOSTS else "pc-i440fx-7.2"
    assert domain.find("os/type").get("machine") == shared, answer["domain"]
    cpu = domain.find("cpu")
    assert cpu is not None and cpu.findtext("model"), answer["domain"]
    print(f"\n{virt} baseline of {x}+{y}{' (snapshots)' if from_snapshots else ''}: {cpu.findtext('model')} {cpu.findtext('vendor')}, "
          f"{len(cpu.findall('feature'))} features")
    dom = None
    try:
        dom = bed[x].createXML(answer["domain"], 0)
        live_migrate(dom, y)
        back = bed[y].lookupByName(name)
        assert back.isActive()
        live_migrate(back, x)
        assert bed[x].lookupByName(name).isActive()
    finally:
        for side in (y, x):
            try:
                bed[side].lookupByName(name).destroy()
            except libvirt.libvirtError:
                pass


# Within one generation (a, c, d: libvirt 9.0) and across generations: f and g run libvirt 11.3
# (QEMU 10 and 7.2), whose host-model CPUs name features libvirt 9.0 does not know (cmpccxadd).
PAIRS = list(itertools.combinations(["a", "c", "d"], 2)) + [("a", "f"), ("a", "g"), ("d", "g"), ("f", "g"), ("d", "f")]


@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(p) for p in PAIRS])
def test_a_tcg_guest_rewritten_to_the_baseline_migrates_both_ways(bed: Dict[str, "libvirt.virConnect"],
                                                                  pair: Tuple[str, str]) -> None:
    """A TCG guest gets the TCG baseline even where both hosts have KVM (a+d): KVM's host-model
    follows the machine's CPU (Intel or AMD), TCG's is QEMU's AMD-branded one, and a TCG guest
    given KVM's Intel CPU is refused by the same hosts ("host CPU vendor does not match")."""
    rewritten_guest_migrates_both_ways(bed, pair, "qemu")


@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(p) for p in PAIRS])
def test_a_kvm_guest_rewritten_to_the_baseline_migrates_both_ways(bed: Dict[str, "libvirt.virConnect"],
                                                                  pair: Tuple[str, str]) -> None:
    lacking = [n for n in pair if not offers_kvm(bed[n])]
    if lacking:
        # The guest cannot start where KVM is missing, and the baseline says so, naming the host.
        out = cli_baseline(list(pair), tiny_guest("e2e-baseline-kvm", virt="kvm"))
        assert out.returncode == 2, out.stdout
        for n in lacking:
            assert uri(n) in out.stderr and "virt type 'kvm'" in out.stderr, out.stderr
        reason = "host c never has KVM" if lacking == ["c"] else "this machine has no usable KVM"
        pytest.skip(f"no KVM on {', '.join(lacking)} ({reason}): the baseline names them; no KVM guest to migrate")
    rewritten_guest_migrates_both_ways(bed, pair, "kvm")


# Across generations from snapshots: the library alone must find what both hosts really give,
# each host's CPU read with its own libvirt's map (libvirt 9.0's Skylake-Server has mpx, 11.3's
# marks it removed) and the answer named in words the older libvirt knows.
CROSS = [("a", "f"), ("a", "g"), ("d", "g"), ("f", "g")]


@pytest.mark.parametrize("pair", CROSS, ids=["+".join(p) for p in CROSS])
def test_a_tcg_guest_rewritten_to_the_baseline_of_snapshots_migrates_both_ways(
        bed: Dict[str, "libvirt.virConnect"], pair: Tuple[str, str]) -> None:
    rewritten_guest_migrates_both_ways(bed, pair, "qemu", from_snapshots=True)


@pytest.mark.parametrize("pair", CROSS, ids=["+".join(p) for p in CROSS])
def test_a_kvm_guest_rewritten_to_the_baseline_of_snapshots_migrates_both_ways(
        bed: Dict[str, "libvirt.virConnect"], pair: Tuple[str, str]) -> None:
    lacking = [n for n in pair if not offers_kvm(bed[n])]
    if lacking:
        pytest.skip(f"no KVM on {', '.join(lacking)} (this machine has no usable KVM)")
    rewritten_guest_migrates_both_ways(bed, pair, "kvm", from_snapshots=True)
