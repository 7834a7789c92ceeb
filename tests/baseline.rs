// SPDX-License-Identifier: LGPL-2.1-or-later
//! The lowest common denominator of a set of hosts (virMigrationBaseline*), on real data:
//! libvirt's baseline cases through this API, an Intel fleet from libvirt's CPUID data, a
//! fleet of QEMU 7.2, 9.2 and 10.0 hosts; rewriting a guest to the baseline; one-way pairs.

mod common;

use common::read;
use virt_migration_check::baseline::{self, BaselineOptions, HostSummary};
use virt_migration_check::cpu::CpuMap;
use virt_migration_check::cpu::compare::{Comparison, compare};
use virt_migration_check::facts::{Capabilities, CpuDef, DomainCapabilities, Fact, Hypervisor, Unavailable};
use virt_migration_check::xml::cpu::parse_cpus;
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, write};
use virt_migration_check::{Flags, Options, Severity};

fn options() -> BaselineOptions {
    BaselineOptions { cpu_map: Some(common::data("cpu/cpu_map")), ..Default::default() }
}

fn cpus(file: &str) -> Vec<CpuDef> {
    parse_cpus(&read(&format!("cpu/{file}")), file).unwrap()
}

/// A host known only by the CPU its hypervisor offers (a host-model from QEMU's expansion).
fn host_offering(name: &str, cpu: CpuDef) -> HostSummary {
    HostSummary {
        name: name.to_string(),
        capabilities: Some(Capabilities { host_arch: "x86_64".into(), ..Default::default() }),
        domain_capabilities: vec![DomainCapabilities {
            arch: "x86_64".into(),
            domain: "kvm".into(),
            host_model: Some(cpu),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn features(cpu: &CpuDef) -> Vec<(String, String)> {
    let mut f = cpu.features.clone();
    f.sort();
    f
}

#[test]
fn libvirts_baseline_cases_through_this_api() {
    // The CPU part equals libvirt's expected result (model, vendor, features) for every case
    // whose inputs share a vendor; mixed vendors are an error unless vendor-neutral is asked.
    let map = CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap();
    let rows: Vec<Vec<String>> = read("cpu/baseline-cases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    let mut checked = 0;
    for row in &rows {
        let (inputs, expected_file, expected, flags) = (&row[2], &row[3], row[4].as_str(), row[5].as_str());
        if flags.contains("EXPAND_FEATURES") {
            continue; // Expansion is a presentation of the same CPU.
        }
        let all: Vec<CpuDef> = inputs.split(',').flat_map(cpus).collect();
        let hosts: Vec<HostSummary> =
            all.iter().enumerate().map(|(i, c)| host_offering(&format!("host{i}"), c.clone())).collect();
        let opts = BaselineOptions { keep_non_migratable: !flags.contains("MIGRATABLE"), ..options() };
        let result = baseline::compute(&hosts, &opts);
        let vendors: Vec<Option<String>> = all
            .iter()
            .map(|c| c.vendor.clone().or_else(|| map.model(c.model.as_deref()?).and_then(|m| m.vendor.clone())))
            .collect();
        if expected == "ERROR" || vendors.iter().any(|v| *v != vendors[0]) {
            let err = result.unwrap_err();
            assert!(err.to_string().contains("vendor"), "{inputs}: {err}");
            continue;
        }
        let cpu = result.unwrap().cpu.unwrap();
        let want = &cpus(expected_file)[0];
        assert_eq!((cpu.model.as_deref(), features(&cpu)), (want.model.as_deref(), features(want)), "{inputs}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

#[test]
fn mixed_vendors_need_the_vendor_neutral_flag() {
    let hosts = [
        host_offering("intel", cpus("x86_64-cpuid-Xeon-Gold-6148-json.xml").remove(0)),
        host_offering("amd", cpus("x86_64-cpuid-EPYC-7601-32-Core-json.xml").remove(0)),
    ];
    let err = baseline::compute(&hosts, &options()).unwrap_err();
    assert!(err.to_string().contains("Intel, AMD") && err.to_string().contains("VENDOR_NEUTRAL"), "{err}");
    let neutral = baseline::compute(&hosts, &BaselineOptions { vendor_neutral: true, ..options() }).unwrap();
    let cpu = neutral.cpu.unwrap();
    let map = CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap();
    assert!(map.model(cpu.model.as_deref().unwrap()).unwrap().vendor.is_none(), "{cpu:?}");
    assert_eq!(cpu.vendor, None);
}

#[test]
fn an_intel_fleet_gets_the_cpu_every_host_can_give() {
    // Haswell (Xeon E5-2609 v3), Skylake (Xeon Gold 6148) and Cascade Lake (Xeon Platinum 8268)
    // as QEMU expands them.
    let fleet = [
        ("haswell", "x86_64-cpuid-Xeon-E5-2609-v3-json.xml"),
        ("skylake", "x86_64-cpuid-Xeon-Gold-6148-json.xml"),
        ("cascadelake", "x86_64-cpuid-Xeon-Platinum-8268-json.xml"),
    ];
    let hosts: Vec<HostSummary> = fleet.iter().map(|(n, f)| host_offering(n, cpus(f).remove(0))).collect();
    let result = baseline::compute(&hosts, &options()).unwrap();
    let cpu = result.cpu.clone().unwrap();
    assert_eq!(cpu.model.as_deref(), Some("Haswell-noTSX"), "{cpu:?}");
    assert_eq!(cpu.vendor.as_deref(), Some("Intel"));
    // Every host can give it; the newer ones hide their AVX-512.
    let map = CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap();
    for (_, file) in fleet {
        let host = CpuDef { host: true, ..cpus(file).remove(0) };
        assert_ne!(compare(&map, &host, &cpu).unwrap().result, Comparison::Incompatible, "{file}");
    }
    let hidden = |n: &str| result.hidden.iter().find(|(h, _)| h == n).unwrap().1.clone();
    assert!(
        hidden("cascadelake").contains(&"avx512f".to_string()) && hidden("skylake").contains(&"avx512f".to_string())
    );
    assert!(!hidden("haswell").contains(&"avx512f".to_string()));
    // Written and read back, the document holds the same baseline.
    assert_eq!(baseline::read(&baseline::write(&result)).unwrap().cpu, result.cpu);
}

/// A real QEMU host: the Haswell host's capabilities with the machine types QEMU `version`
/// reports (libvirt's qemucapabilitiesdata), QEMU's domain capabilities, its version.
fn qemu_host(version: &str, number: u64) -> String {
    let machines: String = read(&format!("fixtures/domcaps/qemucapabilitiesdata/caps_{version}_x86_64.xml"))
        .lines()
        .filter(|l| l.contains("<machine type='kvm'"))
        .filter_map(|l| l.split("name='").nth(1)?.split('\'').next().map(|n| format!("<machine>{n}</machine>")))
        .collect();
    let caps = read("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml").replacen(
        "<arch name='x86_64'>",
        &format!("<arch name='x86_64'>{machines}"),
        1,
    );
    let saved = SavedDocuments {
        capabilities: ("caps".into(), caps),
        domain_capabilities: vec![(
            "domcaps".into(),
            read(&format!("fixtures/domcaps/domaincapsdata/qemu_{version}.x86_64.xml")),
        )],
        networks: vec![("net".into(), read("fixtures/networks/networkxml2xmlin/host-bridge-net.xml"))],
        ..Default::default()
    };
    let mut snapshot = assemble(&saved, &format!("file:///qemu-{version}"), "2026-11-26T00:00:00Z").unwrap();
    snapshot.hypervisor = Ok(Hypervisor { driver: "QEMU".into(), version: number });
    write(&snapshot)
}

fn qemu_fleet() -> Vec<String> {
    vec![qemu_host("7.2.0", 7_002_000), qemu_host("9.2.0", 9_002_000), qemu_host("10.0.0", 10_000_000)]
}

#[test]
fn a_fleet_of_qemu_versions() {
    let fleet = qemu_fleet();
    let refs: Vec<&str> = fleet.iter().map(String::as_str).collect();
    let result = virt_migration_check::baseline_xml(&refs, &options()).unwrap();
    let newest = |family: &str| {
        result.machines.iter().find(|m| m.family == family && m.virt_type == "kvm").map(|m| m.newest.clone())
    };
    assert_eq!(newest("pc-q35").as_deref(), Some("pc-q35-7.2"));
    assert_eq!(newest("pc-i440fx").as_deref(), Some("pc-i440fx-7.2"));
    assert!(
        result.nic_models.contains(&"e1000e".to_string()) && !result.nic_models.contains(&"igb".to_string()),
        "igb needs QEMU 8.0"
    );
    assert_eq!(result.cpu.as_ref().and_then(|c| c.model.as_deref()), Some("EPYC-Rome"));
    assert_eq!(result.networks, ["host-bridge-net"]);
    assert!(result.devices["disk.bus"].contains(&"virtio".to_string()));
    assert_eq!(result.tsc_hz, Some(2_596_991_000));
}

#[test]
fn a_guest_rewritten_to_the_baseline_runs_everywhere() {
    let fleet = qemu_fleet();
    let refs: Vec<&str> = fleet.iter().map(String::as_str).collect();
    let result = virt_migration_check::baseline_xml(&refs, &options()).unwrap();
    // An Intel Haswell guest on QEMU 10.0's newest machine with an igb NIC: nothing of it runs
    // on every host.
    let guest = read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml")
        .replace("machine='pc'", "machine='pc-i440fx-10.0'")
        .replace(
            "</devices>",
            "<interface type='network'><source network='host-bridge-net'/><model type='igb'/></interface></devices>",
        );
    let mut options = Options::from_flags(
        (Flags::CPU_FLAGS | Flags::MSR | Flags::MACHINE | Flags::NETWORK_MODEL | Flags::DISK_MODEL).bits(),
        virt_migration_check::supported_checks(),
    )
    .unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    let before = virt_migration_check::check_xml_with_options(&guest, None, &fleet[0], &options).unwrap();
    assert!(before.errors().count() >= 3, "{before:#?}");
    let rewritten = baseline::apply(&guest, &result).unwrap();
    assert!(
        rewritten.contains("machine='pc-i440fx-7.2'")
            && rewritten.contains("<model type='virtio'/>")
            && rewritten.contains("EPYC-Rome"),
        "{rewritten}"
    );
    for (i, host) in fleet.iter().enumerate() {
        let report = virt_migration_check::check_xml_with_options(&rewritten, None, host, &options).unwrap();
        assert!(report.errors().next().is_none(), "host {i}: {report:#?}");
    }
    // Memory beyond what every host holds is flagged in a comment, not changed.
    let big = guest.replace("<memory unit='KiB'>219100</memory>", "<memory unit='KiB'>219100000</memory>");
    let rewritten = baseline::apply(&big, &result).unwrap();
    assert!(rewritten.contains("<!-- libvirt-migration-check: memory 219100000 KiB exceeds"), "{rewritten}");
    assert!(rewritten.contains("<memory unit='KiB'>219100000</memory>"));
}

#[test]
fn one_way_pairs_of_a_host_model_guest() {
    // Two QEMU 7.2 hosts, one whose host-model is a Skylake server, one a Cascade Lake server
    // (QEMU's expansions from libvirt's CPUID data). A host-model guest started on Skylake gets
    // Skylake's CPU, which Cascade Lake can give; started on Cascade Lake it cannot come back.
    let host = |file: &str, name: &str| {
        let cpu = read(&format!("cpu/{file}"));
        let body = &cpu[cpu.find("<model").unwrap()..cpu.rfind("</cpu>").unwrap()];
        let domcaps = read("fixtures/domcaps/domaincapsdata/qemu_7.2.0.x86_64.xml");
        let start = domcaps.find("<mode name='host-model' supported='yes'>").unwrap();
        let end = start + domcaps[start..].find("</mode>").unwrap();
        let domcaps = format!("{}<mode name='host-model' supported='yes'>{body}{}", &domcaps[..start], &domcaps[end..]);
        let saved = SavedDocuments {
            capabilities: ("caps".into(), read("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml")),
            domain_capabilities: vec![("domcaps".into(), domcaps)],
            ..Default::default()
        };
        write(&assemble(&saved, name, "2026-11-26T00:00:00Z").unwrap())
    };
    let hosts = [
        host("x86_64-cpuid-Xeon-Gold-6148-json.xml", "file:///skylake"),
        host("x86_64-cpuid-Xeon-Platinum-8268-json.xml", "file:///cascadelake"),
    ];
    let guest = read("fixtures/domains/qemuxmlconfdata/cpu-host-model-vendor.xml").replacen(
        "<domain type='qemu'>",
        "<domain type='kvm'>",
        1,
    );
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    assert_eq!(baseline::one_way_pairs(&guest, &hosts, &options).unwrap(), [(0, 1)]);
    let back = virt_migration_check::check_xml_with_options(&guest, Some(&hosts[1]), &hosts[0], &options).unwrap();
    assert_eq!(back.with_code("cpu_flags.feature-missing").next().unwrap().severity, Severity::Error);
}

/// Haswell (E5-2609 v3) and Skylake (Gold 6148) hosts, and libvirt's own baseline of the two
/// (its test suite's expected answer), here standing for what each host's hypervisor answers.
fn haswell_and_skylake() -> (Vec<HostSummary>, BaselineOptions, String) {
    let hosts = vec![
        host_offering("haswell", cpus("x86_64-cpuid-Xeon-E5-2609-v3-json.xml").remove(0)),
        host_offering("skylake", cpus("x86_64-cpuid-Xeon-Gold-6148-json.xml").remove(0)),
    ];
    // libvirt's case has no MIGRATABLE flag.
    let opts = BaselineOptions { keep_non_migratable: true, ..options() };
    (hosts, opts, read("cpu/x86_64-cpuid-baseline-Haswell-noTSX-IBRS+Skylake.xml"))
}

fn unsupported() -> Fact<String> {
    Err(Unavailable::new("virConnectBaselineHypervisorCPU", "this function is not supported by the connection driver"))
}

#[test]
fn the_hypervisors_answer_is_adopted_when_every_host_gives_one() {
    let (hosts, opts, libvirts) = haswell_and_skylake();
    let request = baseline::hypervisor_request(&hosts, &opts).unwrap().unwrap();
    assert_eq!(
        (request.arch.as_str(), request.virt_type.as_str(), request.emulator.as_deref()),
        ("x86_64", "kvm", None)
    );
    assert_eq!(request.cpu_xmls.len(), 2);
    assert!(
        request.cpu_xmls.iter().all(|x| x.starts_with("<cpu mode='custom' match='exact'>")),
        "{:?}",
        request.cpu_xmls
    );

    let mut result = baseline::compute(&hosts, &opts).unwrap();
    let ours = result.cpu.clone().unwrap();
    baseline::adopt_hypervisor_answers(&mut result, &hosts, vec![Ok(libvirts.clone()), Ok(libvirts.clone())], &opts)
        .unwrap();
    let check = result.cpu_cross_check.clone().unwrap();
    assert_eq!(check.computed_by, "libvirt");
    assert_eq!(check.agree(), Some(true), "{check:?}");
    assert_eq!(features(result.cpu.as_ref().unwrap()), features(&ours));

    // The document carries the cross-check and reads back the same.
    let text = baseline::write(&result);
    assert!(text.contains("<cpuCrossCheck computedBy='libvirt' agree='yes'>"), "{text}");
    assert_eq!(baseline::read(&text).unwrap().cpu_cross_check, result.cpu_cross_check);
}

#[test]
fn a_host_without_the_call_leaves_the_library_answer_and_says_why() {
    let (hosts, opts, libvirts) = haswell_and_skylake();
    let mut result = baseline::compute(&hosts, &opts).unwrap();
    let ours = result.clone();
    baseline::adopt_hypervisor_answers(&mut result, &hosts, vec![Ok(libvirts), unsupported()], &opts).unwrap();
    let check = result.cpu_cross_check.clone().unwrap();
    assert_eq!(check.computed_by, "library");
    assert_eq!(check.agree(), None);
    assert_eq!(check.answers[0], ("haswell".to_string(), None));
    assert!(check.answers[1].1.as_deref().unwrap().contains("not supported"), "{check:?}");
    assert_eq!((&result.cpu, &result.hidden), (&ours.cpu, &ours.hidden));
    let text = baseline::write(&baseline::read(&baseline::write(&ours)).unwrap());
    assert!(!text.contains("cpuCrossCheck"), "snapshots carry no cross-check: {text}");
}

#[test]
fn a_hypervisor_that_cannot_run_a_feature_narrows_the_cpu() {
    // As a TCG host does with x2apic: its answer disables it; the other host's does not.
    let (hosts, opts, libvirts) = haswell_and_skylake();
    let narrowed = libvirts.replace("</cpu>", "  <feature policy='disable' name='x2apic'/>\n</cpu>");
    let mut result = baseline::compute(&hosts, &opts).unwrap();
    assert!(!result.hidden[0].1.contains(&"x2apic".to_string()));
    baseline::adopt_hypervisor_answers(&mut result, &hosts, vec![Ok(libvirts), Ok(narrowed)], &opts).unwrap();
    let check = result.cpu_cross_check.clone().unwrap();
    assert_eq!(check.computed_by, "libvirt");
    assert_eq!(
        (check.only_library.as_slice(), check.only_libvirt.as_slice()),
        (&["x2apic".to_string()][..], &[][..]),
        "{check:?}"
    );
    let map = CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap();
    let cpu = result.cpu.clone().unwrap();
    for (host, _) in &result.hidden {
        let own = &hosts.iter().find(|h| &h.name == host).unwrap().domain_capabilities[0].host_model.clone().unwrap();
        assert!(
            matches!(compare(&map, own, &cpu).unwrap().result, Comparison::Identical | Comparison::Superset),
            "{host}"
        );
    }
    assert!(result.hidden.iter().all(|(_, hidden)| hidden.contains(&"x2apic".to_string())), "{:?}", result.hidden);
}

#[test]
fn answers_a_host_could_not_give_are_not_trusted() {
    let (hosts, opts, libvirts) = haswell_and_skylake();
    let ours = baseline::compute(&hosts, &opts).unwrap();
    // A feature neither host has (avx512f is not on the Haswell): a disagreement, ours kept.
    let wider = libvirts.replace("</cpu>", "  <feature policy='require' name='avx512f'/>\n</cpu>");
    let mut result = ours.clone();
    baseline::adopt_hypervisor_answers(&mut result, &hosts, vec![Ok(wider.clone()), Ok(wider)], &opts).unwrap();
    let check = result.cpu_cross_check.clone().unwrap();
    assert_eq!((check.computed_by.as_str(), check.agree()), ("library", Some(false)));
    assert_eq!(check.only_libvirt, ["avx512f"]);
    assert_eq!(result.cpu, ours.cpu);
    // Garbage, an unknown feature, no model: each a reason, never an error of the whole call.
    for bad in [
        "<cpu",
        "<cpu><model>Haswell</model><feature name='no-such-feature'/></cpu>",
        "<cpu mode='custom'/>",
        "<domain/>",
    ] {
        let mut result = ours.clone();
        baseline::adopt_hypervisor_answers(&mut result, &hosts, vec![Ok(bad.to_string()), unsupported()], &opts)
            .unwrap();
        let check = result.cpu_cross_check.unwrap();
        assert!(check.answers[0].1.as_deref().is_some_and(|r| r.contains("haswell")), "{bad}: {check:?}");
        assert_eq!(result.cpu, ours.cpu, "{bad}");
    }
}

#[test]
fn hosts_of_two_libvirt_generations_each_read_with_their_own_map() {
    // libvirt 11.3's host-model CPUs of QEMU 7.2 and QEMU 10 (TCG) name features libvirt 9.0's
    // map lacks (overflow-recov, fdp-excptn-only ...): without a map given, each host is read
    // with its own release's map, carried by the library, whatever the machine has installed.
    let carried = |libvirt: u64| virt_migration_check::cpu::carried::for_libvirt(Some(libvirt)).0.map().unwrap();
    let (old_map, new_map) = (carried(9_000_000), carried(11_003_000));
    let tcg = |file: &str, libvirt: u64| {
        let path = format!("fixtures/domcaps/domaincapsdata/{file}");
        let caps = virt_migration_check::xml::domcaps::parse_domain_capabilities(&read(&path), file).unwrap();
        let cpu = caps.host_model.clone().unwrap();
        HostSummary {
            libvirt: Some(libvirt),
            domain_capabilities: vec![DomainCapabilities { domain: "kvm".into(), ..caps }],
            ..host_offering(file, cpu)
        }
    };
    let gives = |map: &CpuMap, host: &HostSummary, cpu: &CpuDef| {
        let own = host.domain_capabilities[0].host_model.as_ref().unwrap();
        compare(map, own, cpu).unwrap().result != Comparison::Incompatible
    };
    let qemu72 = tcg("qemu_7.2.0-tcg.x86_64.xml", 11_003_000);
    let qemu10 = tcg("qemu_10.0.0-tcg.x86_64.xml", 11_003_000);
    let cpu = baseline::compute(&[qemu72.clone(), qemu10.clone()], &BaselineOptions::default()).unwrap().cpu.unwrap();
    assert!(gives(&new_map, &qemu72, &cpu) && gives(&new_map, &qemu10, &cpu), "{cpu:?}");
    // A libvirt 9.0 host offering that CPU in 9.0's words, beside the libvirt 11.3 one: the
    // baseline is written in 9.0's words (the older libvirt refuses any other), and each host's
    // own libvirt reads it as a CPU it can give.
    let in_old_words = virt_migration_check::cpu::translate::translate(&new_map, &cpu, &old_map).unwrap();
    let old_host = HostSummary { libvirt: Some(9_000_000), ..host_offering("libvirt 9.0", in_old_words) };
    let result =
        baseline::compute(&[old_host.clone(), qemu10.clone()], &BaselineOptions::default()).unwrap().cpu.unwrap();
    assert!(old_map.model(result.model.as_deref().unwrap()).is_some(), "{result:?}");
    assert!(result.features.iter().all(|(n, _)| old_map.knows_feature(n)), "{result:?}");
    assert!(gives(&old_map, &old_host, &result) && gives(&new_map, &qemu10, &result), "{result:?}");
}

/// The bed's four generations (tests/data/bed): a (libvirt 9.0, QEMU 7.2), d (9.0, QEMU 10),
/// f (11.3, QEMU 10), g (11.3, QEMU 7.2), as each printed itself.
fn bed_generations() -> Vec<virt_migration_check::facts::Host> {
    vec![
        common::bed_host("qemu+ssh://a/system", "9.0.0", "7.2"),
        common::bed_host("qemu+ssh://d/system", "9.0.0", "10.0"),
        common::bed_host("qemu+ssh://f/system", "11.3.0", "10.0"),
        common::bed_host("qemu+ssh://g/system", "11.3.0", "7.2"),
    ]
}

#[test]
fn both_ways_between_the_generations_of_the_bed() {
    // A host-model guest: started on a QEMU 7.2 host it goes to a QEMU 10 host, but started
    // there it keeps QEMU 10's CPU (erms, fsrm; under libvirt 11.3 names libvirt 9.0 does not
    // know) and cannot come back. Between hosts of one QEMU it goes both ways.
    let guest = virt_migration_check::Guest::from_definition(
        virt_migration_check::xml::domain::parse_domain(
            &baseline::both_ways::host_model_guest_xml("x86_64", "kvm"),
            "guest",
        )
        .unwrap(),
    );
    let hosts = bed_generations();
    let names: Vec<String> = ["a", "d", "f", "g"].iter().map(|n| n.to_string()).collect();
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    let pairs = baseline::both_ways(&guest, &hosts, &options);
    let lines: Vec<String> = pairs.iter().map(|p| baseline::both_ways::pair_line(p, &names)).collect();
    assert_eq!(pairs.len(), 6, "{lines:#?}");
    let line = |a: &str, b: &str| {
        lines.iter().find(|l| l.starts_with(&format!("{a} -> {b} "))).unwrap_or_else(|| panic!("{lines:#?}")).clone()
    };
    let a_d = line("a", "d");
    assert!(a_d.starts_with("a -> d ok (warning: cpu_flags.no-return (erms, fsrm))"), "{a_d}");
    assert!(a_d.contains(", d -> a not: cpu_flags.feature-missing (erms, fsrm)"), "{a_d}");
    let a_f = line("a", "f");
    let (go, back) = a_f.split_once(", f -> a ").unwrap();
    assert!(go.contains("warning: cpu_flags.no-return (erms, fsrm, fdp-excptn-only"), "{a_f}");
    assert!(back.starts_with("not: ") && back.contains("fdp-excptn-only"), "{a_f}");
    // QEMU 7.2 under libvirt 9.0 and under 11.3 give the same CPU: both ways.
    let a_g = line("a", "g");
    assert!(!a_g.contains("not:") && !a_g.contains("no-return"), "{a_g}");
    let d_f = line("d", "f");
    assert!(d_f.contains("f -> d not: ") && d_f.contains("fdp-excptn-only"), "{d_f}");
    // The one-way pairs are these pairs' directions that work alone.
    let one_way: Vec<(usize, usize)> = pairs.iter().filter_map(baseline::Pair::one_way).collect();
    for (from, to) in [(0, 1), (0, 2), (1, 2), (3, 1), (3, 2)] {
        assert!(one_way.contains(&(from, to)), "{from} -> {to}: {one_way:?} {lines:#?}");
    }
    assert!(!one_way.iter().any(|&(f, t)| (f, t) == (0, 3) || (f, t) == (3, 0)), "{one_way:?}");
}

#[test]
fn a_matrix_says_whether_each_guest_could_come_back() {
    // fleet::check_back on the facts a matrix gathered: the guest started on a, restarted on each
    // destination, checked back to a; nothing for its own source.
    let hosts = bed_generations();
    let guest = virt_migration_check::Guest::from_definition(
        virt_migration_check::xml::domain::parse_domain(
            &baseline::both_ways::host_model_guest_xml("x86_64", "kvm"),
            "guest",
        )
        .unwrap(),
    );
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    let same = vec![vec![true, false, false, false]];
    let back = virt_migration_check::fleet::check_back(&[guest], &[0], &hosts[..1], &hosts, &same, &options);
    assert!(back[0][0].is_none());
    let words: Vec<String> = back[0][1..].iter().map(|r| baseline::both_ways::in_words(r.as_ref().unwrap())).collect();
    assert_eq!(words[0], "not: cpu_flags.feature-missing (erms, fsrm)", "{words:#?}");
    assert!(words[1].starts_with("not: ") && words[1].contains("fdp-excptn-only"), "{words:#?}");
    assert_eq!(words[2], "ok", "{words:#?}");
}
