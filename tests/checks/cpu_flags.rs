// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_FLAGS: the destination must give the guest every CPUID feature it started with, judged
//! from the destination's view (its host-model CPU, else its host CPU) with libvirt 11.3's CPU
//! map, and with the hypervisor's own verdict where a live destination gave one. Guests and
//! hosts from libvirt's CPU test data (cputest) and real hosts; more: tests/cpu_checks.rs.

use virt_migration_check::{Check, Guest, Host, Options, Severity};

use crate::builder::*;

const CHECK: Check = Check::CpuFlags;

/// The small guest with the `<cpu>` of a cputest document.
pub fn with_cpu(name: &str) -> Guest {
    small(&cpu_xml(name), "")
}

/// A destination whose host CPU is a cputest host CPU (no domain capabilities).
pub fn cputest_dst(name: &str) -> (Host, Host) {
    let (src, mut dst) = hosts();
    dst.capabilities = Ok(cpu_caps(name));
    (src, dst)
}

/// The real KVM host (Haswell-noTSX), with a QEMU's domain capabilities if given.
pub fn kvm_dst(domcaps_file: Option<&str>) -> (Host, Host) {
    let (src, mut dst) = hosts();
    dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
    if let Some(file) = domcaps_file {
        dst.domain_capabilities = Ok(vec![domcaps(file)]);
    }
    (src, dst)
}

/// Why the CPU judgement CPU_FLAGS and MSR share cannot be made: `(reason, guest, source,
/// destination, options change, words the message names)`.
pub type Skip = (&'static str, Guest, Host, Host, fn(&mut Options), &'static [&'static str]);

pub fn skips() -> Vec<Skip> {
    fn keep(_: &mut Options) {}
    fn no_map(o: &mut Options) {
        o.cpu_map = Some("/nonexistent/cpu_map".into());
    }
    let haswell = || guest(&fixture("cpu-Haswell.xml"));
    let (s1, d1) = kvm_dst(None);
    let (s2, d2) = kvm_dst(None);
    let (s3, d3) = kvm_dst(None);
    let (s4, d4) = hosts();
    let (s5, mut d5) = hosts();
    d5.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
    let (s6, mut d6) = hosts();
    d6.capabilities = Err(failed("virConnectGetCapabilities"));
    let mut all: Vec<Skip> = Vec::new();
    let mut add = |reason, g, src, dst, set: fn(&mut Options), names: &'static [&'static str]| {
        all.push((reason, g, src, dst, set, names));
    };
    // A host-model guest known by its persistent XML, without the source's host-model CPU.
    add("host-model-unexpanded", guest(&fixture("cpu-host-model-vendor.xml")), s1, d1, keep, &["host-model"]);
    add("no-cpu-map", haswell(), s2, d2, no_map, &["CPU map could not be loaded"]);
    // A definition libvirt's parser would refuse (the engine cannot read the policy).
    let bogus_policy =
        small("<cpu match='exact'><model>Haswell</model><feature policy='sometimes' name='sse2'/></cpu>", "");
    add("unknown-cpu", bogus_policy, s3, d3, keep, &["unknown feature policy 'sometimes'"]);
    // A TCG guest: only the destination's domain capabilities tell what QEMU emulates.
    let tcg = guest(&fixture("cpu-Haswell.xml").replacen("type='kvm'", "type='qemu'", 1));
    add("emulated-cpu-unknown", tcg, s4, d4, keep, &["emulated (qemu domain)"]);
    // libvirt's test host names no CPU model.
    add("no-host-cpu", haswell(), s5, d5, keep, &["no host CPU model"]);
    add("unavailable", haswell(), s6, d6, keep, &["destination", "capabilities"]);
    all
}

/// A host of the QEMU bed as it printed itself (tests/data/bed/MANIFEST.txt): libvirt `libvirt`
/// ("9.0.0", "11.3.0") driving QEMU `qemu` ("7.2", "10.0"), its KVM domain capabilities of the
/// newest q35 machine, and the versions it reported.
pub fn bed_host(uri: &str, libvirt: &str, qemu_release: &str) -> Host {
    let caps = format!("bed/caps-libvirt-{libvirt}-qemu-{qemu_release}.xml");
    let domcaps = format!("bed/domcaps-libvirt-{libvirt}-qemu-{qemu_release}-kvm-pc-q35-{qemu_release}.xml");
    let mut h = host(uri);
    h.capabilities = Ok(virt_migration_check::xml::capabilities::parse_capabilities(&read(&caps), &caps).unwrap());
    h.domain_capabilities =
        Ok(vec![virt_migration_check::xml::domcaps::parse_domain_capabilities(&read(&domcaps), &domcaps).unwrap()]);
    h.libvirt_version = Ok(if libvirt == "9.0.0" { 9_000_000 } else { 11_003_000 });
    h.hypervisor = Ok(qemu(if qemu_release == "7.2" { 7_002_022 } else { 10_000_002 }));
    h
}

scenarios! {
    fn a_host_model_guest_that_could_not_come_back() {
        // The bed's hosts a (libvirt 9.0, QEMU 7.2), d (9.0, QEMU 10) and f (11.3, QEMU 10): QEMU
        // 10's host-model CPU adds erms and fsrm to QEMU 7.2's; libvirt 11.3's adds names
        // libvirt 9.0 does not know (fdp-excptn-only ...). A host-model guest started on a
        // migrates to d or f, but restarted there it gets their CPU and could not come back.
        let g = small("<cpu mode='host-model' check='partial'/>", "");
        let a = bed_host("qemu+ssh://a/system", "9.0.0", "7.2");
        let d = bed_host("qemu+ssh://d/system", "9.0.0", "10.0");
        let f = bed_host("qemu+ssh://f/system", "11.3.0", "10.0");
        let to_d = run(CHECK, &g, &a, &d);
        let w = expect(&to_d, Severity::Warning, "cpu_flags.no-return", &["host-model", "migrate back", "erms, fsrm"]);
        assert_eq!((detail(&w, "missing").as_str(), detail(&w, "unknown_features").as_str()), ("erms,fsrm", ""));
        assert!(to_d.errors().next().is_none(), "{to_d:#?}");
        let to_f = run(CHECK, &g, &a, &f);
        let w = expect(&to_f, Severity::Warning, "cpu_flags.no-return", &["libvirt 9.0.0 does not know", "feature fdp-excptn-only"]);
        assert!(detail(&w, "missing").split(',').any(|n| n == "erms"), "{w:#?}");
        assert!(!detail(&w, "missing").split(',').any(|n| n == "fdp-excptn-only"), "said once, as unknown: {w:#?}");
        // The way back itself: refused, for the features the warning named.
        let restarted_on_d = run(CHECK, &g, &d, &a);
        let f_missing = expect(&restarted_on_d, Severity::Error, "cpu_flags.feature-missing", &["erms, fsrm"]);
        assert_eq!(detail(&f_missing, "missing"), "erms,fsrm");
        // And that refused migration warns of nothing more; nor do the guests that keep their CPU.
        expect_none(&restarted_on_d, "cpu_flags.no-return");
        expect_none(&run(CHECK, &g, &d, &d), "cpu_flags.no-return");
        let custom = small("<cpu mode='custom' match='exact'><model fallback='forbid'>kvm64</model></cpu>", "");
        expect_none(&run(CHECK, &custom, &a, &d), "cpu_flags.no-return");
        // A running host-model guest's live XML shows the CPU it got; its persistent definition
        // says host-model, and that is what a restart on d expands.
        let mut running = g.clone();
        let got = a.domain_capabilities.as_ref().unwrap()[0].host_model.clone().unwrap();
        running.def.cpu = Some(virt_migration_check::facts::CpuDef { mode: Some("custom".into()), matching: Some("exact".into()), ..got });
        running.inactive_def = Some(g.def.clone());
        expect(&run(CHECK, &running, &a, &d), Severity::Warning, "cpu_flags.no-return", &["erms, fsrm"]);
    }

    fn a_model_the_destinations_hypervisor_blocks() {
        // libvirt 11.3's domain capabilities of QEMU 10 (TCG) mark Skylake-Client unusable and
        // list its blockers (hle, invpcid, pcid, rtm, tsc-deadline, xsavec).
        let tcg = |cpu: &str| {
            guest(&domain(cpu, "").replace("type='kvm'", "type='qemu'").replace("pc-q35-7.2", "pc-i440fx-10.0"))
        };
        let (src, mut dst) = hosts();
        dst.domain_capabilities = Ok(vec![domcaps("qemu_10.0.0-tcg.x86_64.xml")]);
        let skylake = tcg("<cpu mode='custom' match='exact'><model fallback='forbid'>Skylake-Client</model></cpu>");
        // The engine finds the missing features; the finding names the hypervisor's blockers.
        let f = expect(&run(CHECK, &skylake, &src, &dst), Severity::Error, "cpu_flags.feature-missing", &["blocks model Skylake-Client"]);
        assert_eq!(detail(&f, "blockers"), "hle,invpcid,pcid,rtm,tsc-deadline,xsavec");
        // Where the engine cannot judge (no CPU map here), the blockers are a WARNING: QEMU's
        // model is not libvirt's, whose map libvirt judges by.
        let no_map = |o: &mut Options| o.cpu_map = Some("/nonexistent/cpu_map".into());
        let report = run_with(CHECK, &skylake, &src, &dst, no_map);
        let f = expect(&report, Severity::Warning, "cpu_flags.model-blocked", &["Skylake-Client", "tsc-deadline"]);
        assert_eq!(detail(&f, "canonical"), "Skylake-Client-v1");
        // Where the guest disables every blocker itself, nothing is blocked; by its canonical
        // name the model is found too.
        let disabled = tcg(
            "<cpu mode='custom' match='exact'><model fallback='forbid'>Skylake-Client-v1</model>\
             <feature policy='disable' name='hle'/><feature policy='disable' name='invpcid'/>\
             <feature policy='disable' name='pcid'/><feature policy='disable' name='rtm'/>\
             <feature policy='disable' name='tsc-deadline'/><feature policy='disable' name='xsavec'/></cpu>",
        );
        expect_none(&run_with(CHECK, &disabled, &src, &dst, no_map), "cpu_flags.model-blocked");
        // libvirt before 10.x says usable='no' without blockers: unusable, for reasons not given.
        let text = read("fixtures/domcaps/domaincapsdata/qemu_10.0.0-tcg.x86_64.xml");
        let start = text.find("<blockers").unwrap();
        let mut without = text[..start].to_string();
        let mut rest = &text[start..];
        while let Some(open) = rest.find("<blockers") {
            without.push_str(&rest[..open]);
            let close = rest[open..].find("</blockers>").unwrap() + open + "</blockers>".len();
            rest = &rest[close..];
        }
        without.push_str(rest);
        dst.domain_capabilities = Ok(vec![virt_migration_check::xml::domcaps::parse_domain_capabilities(&without, "edited").unwrap()]);
        expect(&run_with(CHECK, &skylake, &src, &dst, no_map), Severity::Warning, "cpu_flags.model-blocked", &["without saying why"]);
    }

    fn a_name_the_destinations_libvirt_does_not_know() {
        // A host-model guest started under libvirt 11.3 carries cmpccxadd, which libvirt 9.0's
        // map lacks: 9.0 refuses it ("unknown CPU feature: cmpccxadd", seen on the bed), 11.3
        // takes it, a 10.x may or may not know it.
        let g = small(
            "<cpu mode='custom' match='exact'><model fallback='forbid'>Skylake-Client</model>\
             <feature policy='require' name='cmpccxadd'/><feature policy='disable' name='x2apic'/></cpu>",
            "",
        );
        let at = |libvirt: u64| {
            let (src, mut dst) = hosts();
            dst.libvirt_version = Ok(libvirt);
            run(CHECK, &g, &src, &dst)
        };
        let f = expect(&at(9_000_000), Severity::Error, "cpu_flags.unknown-to-destination", &["9.0.0", "feature cmpccxadd"]);
        assert_eq!(detail(&f, "libvirt_error"), "unknown CPU feature: cmpccxadd");
        expect_none(&at(11_003_000), "cpu_flags.unknown-to-destination");
        expect(&at(10_000_000), Severity::Warning, "cpu_flags.unknown-to-destination", &["may not know"]);
        // A model newer than the destination's map.
        let newer = small("<cpu mode='custom' match='exact'><model>SapphireRapids</model></cpu>", "");
        let (src, mut dst) = hosts();
        dst.libvirt_version = Ok(9_000_000);
        expect(&run(CHECK, &newer, &src, &dst), Severity::Error, "cpu_flags.unknown-to-destination", &["model SapphireRapids"]);
    }

    fn a_name_newer_than_every_carried_map() {
        // A destination running a libvirt newer than every carried map (12.0), with QEMU 10's
        // host-model CPU (EPYC-Rome): a guest feature no carried map knows is judged by the
        // names the destination's host-model CPU gives, never SKIPPED.
        let g = small(
            "<cpu mode='custom' match='exact'><model fallback='forbid'>EPYC-Rome</model>\
             <feature policy='require' name='x2apic'/><feature policy='require' name='future-feature'/></cpu>",
            "",
        );
        let at = |policy: Option<&str>| {
            let (src, mut dst) = hosts();
            dst.libvirt_version = Ok(12_000_000);
            let mut domcaps = domcaps("qemu_10.0.0.x86_64.xml");
            let cpu = domcaps.host_model.as_mut().unwrap();
            if let Some(policy) = policy {
                cpu.features.push(("future-feature".into(), policy.into()));
            }
            dst.domain_capabilities = Ok(vec![domcaps]);
            // The carried maps, chosen by the destination's libvirt.
            run_with(CHECK, &g, &src, &dst, |o| o.cpu_map = None)
        };
        // Named as required by the destination: there.
        let report = at(Some("require"));
        expect_none(&report, "cpu_flags.unknown-to-map");
        expect_none(&report, "cpu_flags.feature-missing");
        // Disabled by the destination: missing, an ERROR.
        let f = expect(&at(Some("disable")), Severity::Error, "cpu_flags.feature-missing", &["future-feature"]);
        assert_eq!(detail(&f, "missing"), "future-feature");
        // Not named: not known either way, a WARNING naming the map.
        let f = expect(&at(None), Severity::Warning, "cpu_flags.unknown-to-map", &["feature future-feature", "libvirt 11.3.0's CPU map"]);
        assert_eq!(detail(&f, "unknown_names"), "feature future-feature");
        // The destination's libvirt is 12.0, so the name is no "unknown CPU feature" there for sure.
        expect(&at(None), Severity::Warning, "cpu_flags.unknown-to-destination", &["may not know"]);
        // A model no map knows, which the destination's hypervisor does not list: not known.
        let bogus = with_cpu("x86_64-bogus-model.xml");
        let (src, dst) = kvm_dst(None);
        expect(&run(CHECK, &bogus, &src, &dst), Severity::Warning, "cpu_flags.unknown-to-map", &["model Bogus"]);
    }

    fn host_passthrough_on_a_cpu_model_newer_than_every_map() {
        // Two hosts of a CPU model no carried map knows: the same model with the source's every
        // feature named by the destination is the same CPU; one the destination lacks is missing.
        let host_cpu = |features: &[&str]| {
            let mut caps = caps("capabilityschemadata/caps-qemu-kvm.xml");
            let cpu = caps.host_cpu.as_mut().unwrap();
            cpu.model = Some("FutureLake".into());
            cpu.features = features.iter().map(|f| (f.to_string(), "require".to_string())).collect();
            caps
        };
        let g = guest(&fixture("cpu-host-passthrough.xml"));
        let at = |src_features: &[&str], dst_features: &[&str]| {
            let (mut src, mut dst) = hosts();
            src.capabilities = Ok(host_cpu(src_features));
            dst.capabilities = Ok(host_cpu(dst_features));
            run(CHECK, &g, &src, &dst)
        };
        let report = at(&["avx2", "future-feature"], &["avx2", "future-feature"]);
        assert!(report.findings.iter().all(|f| f.severity == Severity::Ok), "{report:?}");
        let f = expect(&at(&["avx2", "future-feature"], &["avx2"]), Severity::Error, "cpu_flags.passthrough-mismatch", &["future-feature"]);
        assert_eq!(detail(&f, "missing"), "future-feature");
    }

    fn each_destination_judged_with_its_own_libvirts_map() {
        // libvirt 11.3's host-model CPU of QEMU 10 names overflow-recov and succor, which
        // libvirt 9.0's map lacks. Against a libvirt 9.0 destination the names are refused; a
        // libvirt 11.3 destination compares them with its own map, as its libvirt does.
        let mut new_cpu = domcaps("qemu_10.0.0.x86_64.xml").host_model.unwrap();
        new_cpu.mode = Some("custom".into());
        let text = virt_migration_check::cpu::format::format_guest_cpu(&new_cpu);
        let g = small(&text, "");
        let at = |libvirt: u64| {
            let (src, mut dst) = hosts();
            dst.libvirt_version = Ok(libvirt);
            dst.domain_capabilities = Ok(vec![domcaps("qemu_10.0.0.x86_64.xml")]);
            run_with(CHECK, &g, &src, &dst, |o| o.cpu_map = None)
        };
        let on_11 = at(11_003_000);
        expect_ok(&on_11, CHECK);
        let on_9 = at(9_000_000);
        expect(&on_9, Severity::Error, "cpu_flags.unknown-to-destination", &["overflow-recov"]);
        for report in [&on_9, &on_11] {
            assert!(report.findings.iter().all(|f| f.severity != Severity::Skipped), "{report:?}");
        }
        // A host-model definition (an offline guest, a snapshot's) sends the CPU the source
        // expands it to: the same names, the same refusal.
        let host_model = small("<cpu mode='host-model'/>", "");
        let (mut src, mut dst) = hosts();
        src.domain_capabilities = Ok(vec![domcaps("qemu_10.0.0.x86_64.xml")]);
        dst.libvirt_version = Ok(9_000_000);
        let report = run_with(CHECK, &host_model, &src, &dst, |o| o.cpu_map = None);
        expect(&report, Severity::Error, "cpu_flags.unknown-to-destination", &["overflow-recov"]);
    }

    fn same_cpu() {
        let (src, dst) = kvm_dst(None);
        expect_ok(&run(CHECK, &guest(&fixture("cpu-Haswell-noTSX.xml")), &src, &dst), CHECK);
    }

    fn feature_missing() {
        // The classic: microcode updates removed TSX.
        let (src, dst) = kvm_dst(None);
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst),
            Severity::Error,
            "cpu_flags.feature-missing",
            &["hle, rtm"],
        );
        assert_eq!(detail(&f, "missing"), "hle,rtm");
        // A live destination's hypervisor accepting the CPU overrides our map.
        let mut dst = dst;
        dst.hypervisor_cpu_comparison = Ok(1);
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst),
            Severity::Warning,
            "cpu_flags.feature-missing",
            &["accepts the CPU nonetheless"],
        );
        assert_eq!(detail(&f, "missing"), "hle,rtm");
    }

    fn forbidden_present() {
        // cputest: exact-forbid on host is INCOMPATIBLE (vmx forbidden, the host has it).
        let (src, dst) = cputest_dst("x86_64-host.xml");
        let f = expect(
            &run(CHECK, &with_cpu("x86_64-exact-forbid.xml"), &src, &dst),
            Severity::Error,
            "cpu_flags.forbidden-present",
            &["vmx"],
        );
        assert_eq!(detail(&f, "forbidden"), "vmx");
    }

    fn strict_extra() {
        // cputest: strict Penryn on host is INCOMPATIBLE (the host has more).
        let (src, dst) = cputest_dst("x86_64-host.xml");
        expect(
            &run(CHECK, &with_cpu("x86_64-strict.xml"), &src, &dst),
            Severity::Error,
            "cpu_flags.strict-extra",
            &["must match strictly"],
        );
    }

    fn incompatible() {
        // cputest: pentium3 of vendor AMD on an Intel host is INCOMPATIBLE, with no feature to name.
        let (src, dst) = cputest_dst("x86_64-host.xml");
        expect(
            &run(CHECK, &with_cpu("x86_64-pentium3-amd.xml"), &src, &dst),
            Severity::Error,
            "cpu_flags.incompatible",
            &["incompatible with the destination's"],
        );
    }

    fn passthrough_mismatch() {
        // Haswell -> Sandy Bridge: the host-passthrough guest loses avx2 and more.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-test2.xml"));
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-host-passthrough.xml")), &src, &dst),
            Severity::Error,
            "cpu_flags.passthrough-mismatch",
            &["host-passthrough", "avx2"],
        );
        assert!(detail(&f, "missing").split(',').any(|n| n == "avx2"));
    }

    fn passthrough_superset() {
        // cputest: host-worse -> host.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(cpu_caps("x86_64-host-worse.xml"));
        dst.capabilities = Ok(cpu_caps("x86_64-host.xml"));
        expect(
            &run(CHECK, &guest(&fixture("cpu-host-passthrough.xml")), &src, &dst),
            Severity::Warning,
            "cpu_flags.passthrough-superset",
            &["more features than the source's"],
        );
    }

    fn hypervisor_incompatible() {
        // Our map finds the CPU fits; the live destination's hypervisor says it does not.
        let (src, mut dst) = kvm_dst(None);
        dst.hypervisor_cpu_comparison = Ok(0);
        expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell-noTSX.xml")), &src, &dst),
            Severity::Error,
            "cpu_flags.hypervisor-incompatible",
            &["virConnectCompareHypervisorCPU"],
        );
    }

    fn newer_model() {
        // QEMU 5.0 on a Skylake client offers Skylake-Client-IBRS.
        let (src, dst) = kvm_dst(Some("qemu_5.0.0.x86_64.xml"));
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst),
            Severity::Info,
            "cpu_flags.newer-model",
            &["Skylake-Client-IBRS", "Haswell"],
        );
        assert_eq!(detail(&f, "guest_model"), "Haswell");
    }

    fn judgement_skipped() {
        for (reason, g, src, dst, set, names) in skips() {
            expect(&run_with(CHECK, &g, &src, &dst, set), Severity::Skipped, &format!("cpu_flags.{reason}"), names);
        }
    }
}
