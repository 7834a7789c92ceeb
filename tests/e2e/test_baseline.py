"""virMigrationBaseline on live QEMU hosts: each host's hypervisor is asked for its own baseline
CPU (virConnectBaselineHypervisorCPU with MIGRATABLE) and that answer, cross-checked with the
library's engine, is the baseline CPU. Hosts a and b run KVM, host c only TCG, so their
hypervisors can run different CPUs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

import libvirt
import pytest

import libvirt_migration_check as lmc
from conftest import uri

VIRT = {"a": "kvm", "b": "kvm", "c": "qemu"}


def common_virt(names: List[str]) -> str:
    """The virt type a guest that must run on every one of these hosts can have: KVM where they
    all offer it, else TCG (KVM's CPU follows the machine's, TCG's is AMD-branded whatever it)."""
    return "kvm" if all(VIRT[n] == "kvm" for n in names) else "qemu"


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
    virt = common_virt(names)
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
