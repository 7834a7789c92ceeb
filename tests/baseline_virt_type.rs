// SPDX-License-Identifier: LGPL-2.1-or-later
//! The baseline CPU is for one virt type, the one every host offers (`baseline::common_virt_type`):
//! libvirt's host-model is per virt type (`virQEMUCapsGetHostModel` in
//! src/qemu/qemu_capabilities.c), KVM's follows the machine's CPU while TCG's is QEMU's emulated,
//! AMD-branded CPU. A fleet of KVM hosts and one TCG-only host can share only TCG guests, so its
//! baseline is TCG's, whatever vendor the machines are: on an Intel fleet, mixing KVM's Intel
//! host-models with TCG's AMD one would be a false "different vendors" error.
//!
//! A baseline is for one arch and virt type, which it names: the guest's own for a guest to
//! rewrite (a TCG guest given KVM's Intel host-model is refused by the very hosts, "host CPU
//! vendor does not match"), chosen, or the common one; a host lacking it is an error naming it.

mod common;

use common::read;
use virt_migration_check::baseline::{self, BaselineOptions, HostSummary};
use virt_migration_check::facts::{Capabilities, CpuDef, DomainCapabilities};
use virt_migration_check::xml::cpu::parse_cpus;
use virt_migration_check::xml::domcaps::parse_domain_capabilities;
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, write};
use virt_migration_check::{Flags, Options};

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

// Hosts assembled from libvirt's own test data (tests/domaincapsdata): each QEMU version's KVM
// and TCG domain capabilities were probed on one machine, so a host of them offers both, as a
// real host does. QEMU 4.2's and 5.0's machine was an Intel one: KVM's host-model is Intel
// (Skylake-Client-IBRS), TCG's AMD (Opteron_G3), the measured case.

const CAPS: &str = "fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml";

/// `caps` without its `<domain type='kvm'>` elements: a host without KVM (the bed's host c).
fn without_kvm(caps: &str) -> String {
    let mut out = caps.to_string();
    while let Some(start) = out.find("<domain type='kvm'>") {
        let end = start + out[start..].find("</domain>").unwrap() + "</domain>".len();
        out.replace_range(start..end, "");
    }
    out
}

/// A host snapshot of the capabilities `caps` and the domain capabilities of `files`
/// (tests/domaincapsdata names).
fn snapshot(name: &str, caps: &str, files: &[&str]) -> String {
    let saved = SavedDocuments {
        capabilities: ("caps".into(), caps.to_string()),
        domain_capabilities: files
            .iter()
            .map(|f| (f.to_string(), read(&format!("fixtures/domcaps/domaincapsdata/{f}"))))
            .collect(),
        ..Default::default()
    };
    write(&assemble(&saved, name, "2026-12-02T00:00:00Z").unwrap())
}

/// Two Intel hosts offering KVM and TCG: QEMU 4.2 and QEMU 5.0.
fn intel_fleet() -> Vec<String> {
    vec![
        snapshot("file:///qemu-4.2", &read(CAPS), &["qemu_4.2.0.x86_64.xml", "qemu_4.2.0-tcg.x86_64.xml"]),
        snapshot("file:///qemu-5.0", &read(CAPS), &["qemu_5.0.0.x86_64.xml", "qemu_5.0.0-tcg.x86_64.xml"]),
    ]
}

fn refs(fleet: &[String]) -> Vec<&str> {
    fleet.iter().map(String::as_str).collect()
}

/// libvirt's Haswell guest (tests/qemuxmlconfdata/cpu-Haswell.xml) as a TCG guest.
fn tcg_guest() -> String {
    read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml").replacen("<domain type='kvm'>", "<domain type='qemu'>", 1)
}

fn cpu_checks() -> Options {
    let mut options =
        Options::from_flags((Flags::CPU_FLAGS | Flags::MACHINE).bits(), virt_migration_check::supported_checks())
            .unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    options
}

#[test]
fn the_default_is_kvm_where_every_host_offers_it_and_says_so() {
    let fleet = intel_fleet();
    let result = virt_migration_check::baseline_xml(&refs(&fleet), &options()).unwrap();
    assert_eq!((result.arch.as_str(), result.virt_type.as_str()), ("x86_64", "kvm"));
    let cpu = result.cpu.clone().unwrap();
    assert_eq!(cpu.vendor.as_deref(), Some("Intel"), "{cpu:?}");
    // Each host's CPU came from the KVM domain capabilities of its emulator.
    assert_eq!(
        result.domain_capabilities,
        [
            Some(("/usr/bin/qemu-system-x86_64".to_string(), "pc-i440fx-4.2".to_string())),
            Some(("/usr/bin/qemu-system-x86_64".to_string(), "pc-i440fx-5.0".to_string())),
        ]
    );
    let document = baseline::write(&result);
    assert!(document.contains("<arch>x86_64</arch>\n  <virtType>kvm</virtType>\n"), "{document}");
    assert!(document.contains("emulator='/usr/bin/qemu-system-x86_64' machine='pc-i440fx-5.0'"), "{document}");
    let back = baseline::read(&document).unwrap();
    assert_eq!((back.virt_type, back.domain_capabilities), (result.virt_type, result.domain_capabilities));
    assert!(result.machines.iter().all(|m| m.virt_type == "kvm"), "{:?}", result.machines);
}

#[test]
fn a_tcg_guest_gets_the_tcg_baseline_of_intel_kvm_hosts() {
    let fleet = intel_fleet();
    let guest = tcg_guest();
    let def = virt_migration_check::xml::domain::parse_domain(&guest, "guest").unwrap();
    let result = virt_migration_check::baseline_xml(&refs(&fleet), &options().for_guest(&def)).unwrap();
    assert_eq!(result.virt_type, "qemu");
    assert_eq!(result.emulator.as_deref(), Some("/usr/bin/qemu-system-x86_64"));
    let cpu = result.cpu.clone().unwrap();
    // TCG's CPU, AMD-branded on these Intel machines.
    assert_eq!((cpu.model.as_deref(), cpu.vendor.as_deref()), (Some("Opteron_G3"), Some("AMD")), "{cpu:?}");
    assert!(result.domain_capabilities.iter().all(|d| d.as_ref().is_some_and(|(_, m)| m.starts_with("pc-i440fx"))));
    let rewritten = baseline::apply(&guest, &result).unwrap();
    assert!(rewritten.starts_with("<domain type='qemu'>") && rewritten.contains("<vendor>AMD</vendor>"), "{rewritten}");
    assert!(rewritten.contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"), "{rewritten}");
    for (i, host) in fleet.iter().enumerate() {
        let report = virt_migration_check::check_xml_with_options(&rewritten, None, host, &cpu_checks()).unwrap();
        assert!(report.errors().next().is_none(), "host {i}: {report:#?}");
    }

    // What the baseline gave before: KVM's Intel CPU, which the same hosts refuse a TCG guest.
    let kvm = virt_migration_check::baseline_xml(&refs(&fleet), &options()).unwrap();
    let err = baseline::apply(&guest, &kvm).unwrap_err().to_string();
    assert!(err.contains("virt type 'kvm'") && err.contains("'qemu'"), "{err}");
    let as_kvm = guest.replacen("<domain type='qemu'>", "<domain type='kvm'>", 1);
    let wrong = baseline::apply(&as_kvm, &kvm).unwrap().replacen("<domain type='kvm'>", "<domain type='qemu'>", 1);
    for host in &fleet {
        let report = virt_migration_check::check_xml_with_options(&wrong, None, host, &cpu_checks()).unwrap();
        assert!(report.errors().next().is_some(), "{report:#?}");
    }
}

#[test]
fn the_virt_type_can_be_chosen() {
    let fleet = intel_fleet();
    let opts = BaselineOptions { virt_type: Some("qemu".into()), ..options() };
    let result = virt_migration_check::baseline_xml(&refs(&fleet), &opts).unwrap();
    assert_eq!(result.virt_type, "qemu");
    assert_eq!(result.cpu.unwrap().vendor.as_deref(), Some("AMD"));
    assert!(!result.machines.is_empty() && result.machines.iter().all(|m| m.virt_type == "qemu"));
    // A guest of another arch or emulator than the baseline's is refused too.
    let kvm = virt_migration_check::baseline_xml(&refs(&fleet), &options()).unwrap();
    let guest = read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml");
    let i686 = guest.replacen("arch='x86_64'", "arch='i686'", 1);
    assert!(baseline::apply(&i686, &kvm).unwrap_err().to_string().contains("arch 'x86_64'"));
    let other = BaselineOptions { emulator: Some("/usr/libexec/qemu-kvm".into()), ..options() };
    let for_other = virt_migration_check::baseline_xml(&refs(&fleet), &other).unwrap();
    assert!(baseline::apply(&guest, &for_other).unwrap_err().to_string().contains("emulator"));
}

#[test]
fn a_host_lacking_the_virt_type_is_an_error_naming_it() {
    let mut fleet = intel_fleet();
    fleet.push(snapshot("file:///no-kvm", &without_kvm(&read(CAPS)), &["qemu_5.0.0-tcg.x86_64.xml"]));
    // The default is then TCG, every host's.
    let result = virt_migration_check::baseline_xml(&refs(&fleet), &options()).unwrap();
    assert_eq!(result.virt_type, "qemu");
    // KVM asked for, or a KVM guest's own: the host without it is named.
    let kvm_guest = read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml");
    let def = virt_migration_check::xml::domain::parse_domain(&kvm_guest, "guest").unwrap();
    for opts in [BaselineOptions { virt_type: Some("kvm".into()), ..options() }, options().for_guest(&def)] {
        let err = virt_migration_check::baseline_xml(&refs(&fleet), &opts).unwrap_err().to_string();
        assert!(
            err.contains("virt type 'kvm' for arch 'x86_64' is not offered by host 'file:///no-kvm' (it offers: qemu)")
                && !err.contains("qemu-4.2"),
            "{err}"
        );
    }
}

/// The capabilities of a host running QEMU `version`: caps-qemu-kvm.xml's host with the x86_64
/// machine types QEMU reports (libvirt's qemucapabilitiesdata), aliases included.
fn qemu_caps(version: &str) -> String {
    let machines: String = read(&format!("fixtures/domcaps/qemucapabilitiesdata/caps_{version}_x86_64.xml"))
        .lines()
        .filter(|l| l.contains("<machine type='tcg'"))
        .filter_map(|l| {
            let attr = |a: &str| Some(l.split(&format!(" {a}='")).nth(1)?.split('\'').next()?.to_string());
            let name = attr("name")?;
            let alias = attr("alias").map(|a| format!("<machine canonical='{name}'>{a}</machine>")).unwrap_or_default();
            Some(format!("<machine>{name}</machine>{alias}"))
        })
        .collect();
    read(CAPS).replacen("<arch name='x86_64'>", &format!("<arch name='x86_64'>{machines}"), 1)
}

#[test]
fn a_machine_alias_becomes_the_machine_every_host_shares() {
    // QEMU 7.2 and 10.0: "pc" is pc-i440fx-7.2 on one and pc-i440fx-10.0 on the other, so a
    // guest started with "pc" on the newer host could not come back.
    let fleet = vec![
        snapshot("file:///qemu-7.2", &qemu_caps("7.2.0"), &["qemu_7.2.0.x86_64.xml", "qemu_7.2.0-tcg.x86_64.xml"]),
        snapshot("file:///qemu-10.0", &qemu_caps("10.0.0"), &["qemu_10.0.0.x86_64.xml", "qemu_10.0.0-tcg.x86_64.xml"]),
    ];
    let guest = tcg_guest();
    assert!(guest.contains("machine='pc'"));
    let def = virt_migration_check::xml::domain::parse_domain(&guest, "guest").unwrap();
    let result = virt_migration_check::baseline_xml(&refs(&fleet), &options().for_guest(&def)).unwrap();
    assert_eq!(result.virt_type, "qemu");
    // Each host's TCG domain capabilities for the machine "pc" names there.
    let machines: Vec<&str> = result.domain_capabilities.iter().map(|d| d.as_ref().unwrap().1.as_str()).collect();
    assert_eq!(machines, ["pc-i440fx-7.2", "pc-i440fx-10.0"]);
    let rewritten = baseline::apply(&guest, &result).unwrap();
    assert!(rewritten.contains("machine='pc-i440fx-7.2'") && rewritten.contains("<domain type='qemu'>"), "{rewritten}");
    for (i, host) in fleet.iter().enumerate() {
        let report = virt_migration_check::check_xml_with_options(&rewritten, None, host, &cpu_checks()).unwrap();
        assert!(report.errors().next().is_none(), "host {i}: {report:#?}");
    }
}
