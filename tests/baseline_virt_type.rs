//! The baseline CPU is for one virt type, the one every host offers (`baseline::common_virt_type`):
//! libvirt's host-model is per virt type (`virQEMUCapsGetHostModel` in
//! src/qemu/qemu_capabilities.c), KVM's follows the machine's CPU while TCG's is QEMU's emulated,
//! AMD-branded CPU. A fleet of KVM hosts and one TCG-only host can share only TCG guests, so its
//! baseline is TCG's, whatever vendor the machines are: on an Intel fleet, mixing KVM's Intel
//! host-models with TCG's AMD one would be a false "different vendors" error.

mod common;

use common::read;
use virt_migration_check::baseline::{self, BaselineOptions, HostSummary};
use virt_migration_check::facts::{Capabilities, CpuDef, DomainCapabilities};
use virt_migration_check::xml::cpu::parse_cpus;
use virt_migration_check::xml::domcaps::parse_domain_capabilities;

fn options() -> BaselineOptions {
    BaselineOptions { cpu_map: Some(common::data("cpu/cpu_map")), ..Default::default() }
}

/// QEMU 10.0's TCG domain capabilities, from libvirt's tests/domaincapsdata.
fn tcg() -> DomainCapabilities {
    let file = "fixtures/domcaps/domaincapsdata/qemu_10.0.0-tcg.x86_64.xml";
    parse_domain_capabilities(&read(file), file).unwrap()
}

/// A KVM host on an Intel machine (Xeon Gold 6148 as QEMU expands it) that also offers TCG, or a
/// host that offers TCG only.
fn host(name: &str, kvm: bool) -> HostSummary {
    let mut domain_capabilities = vec![tcg()];
    if kvm {
        let file = "cpu/x86_64-cpuid-Xeon-Gold-6148-json.xml";
        let cpu: CpuDef = parse_cpus(&read(file), file).unwrap().remove(0);
        domain_capabilities.push(DomainCapabilities {
            arch: "x86_64".into(),
            domain: "kvm".into(),
            host_model: Some(cpu),
            ..Default::default()
        });
    }
    HostSummary {
        name: name.to_string(),
        capabilities: Some(Capabilities { host_arch: "x86_64".into(), ..Default::default() }),
        domain_capabilities,
        ..Default::default()
    }
}

#[test]
fn kvm_hosts_get_the_kvm_host_model() {
    let hosts = [host("a", true), host("b", true)];
    assert_eq!(baseline::common_virt_type(&hosts), "kvm");
    let cpu = baseline::compute(&hosts, &options()).unwrap().cpu.unwrap();
    assert_eq!(cpu.vendor.as_deref(), Some("Intel"), "{cpu:?}");
}

#[test]
fn kvm_hosts_and_a_tcg_host_get_the_tcg_host_model_of_every_host() {
    let hosts = [host("a", true), host("b", true), host("c", false)];
    assert_eq!(baseline::common_virt_type(&hosts), "qemu");
    // Not "the hosts have CPUs of different vendors (Intel, Intel, AMD)".
    let result = baseline::compute(&hosts, &options()).unwrap();
    let cpu = result.cpu.unwrap();
    let tcg_model = tcg().host_model.unwrap();
    assert_eq!(cpu.vendor, tcg_model.vendor, "{cpu:?}");
    assert_eq!(cpu.model, tcg_model.model, "{cpu:?}");
    assert!(result.cpu_sources.iter().all(|(_, source)| source == "host-model"), "{:?}", result.cpu_sources);
}
