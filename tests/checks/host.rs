//! HOST: source and destination must be different hosts, and the destination must not hold
//! another domain of the guest's name or UUID. Live on libvirt's test driver:
//! tests/test_driver.rs (dst-clash, dst-all-wrong).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Host;

const WEB_UUID: &str = "6f5b6e34-0d1c-4f4e-9a57-3c0b8d0f7a11";

fn with_domains(
    domains: Vec<virt_migration_check::facts::DomainSummary>,
) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.domains = Ok(domains);
    (src, dst)
}

scenarios! {
    fn another_host_without_the_guest() {
        let (src, dst) = with_domains(vec![domain_summary("db", "11111111-2222-3333-4444-555555555555", true, GIB)]);
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn same_host_by_uuid() {
        // Both hosts report the same host UUID (the real KVM host's capabilities), whatever
        // their URIs.
        let (mut src, mut dst) = with_domains(Vec::new());
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let f = expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.same-host", &["same host UUID"]);
        assert_eq!(detail(&f, "host_uuid"), "a25c794c-34ad-11b2-a85c-b030533115b8");
    }

    fn same_host_by_uri() {
        // Neither reports a UUID (libvirt's test driver): the same URI is the same host.
        let src = host("qemu:///system");
        let mut dst = host("QEMU:///system/");
        dst.domains = Ok(Vec::new());
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.same-host", &["same connection URI"]);
    }

    fn name_clash() {
        let (src, dst) = with_domains(vec![domain_summary("web", "11111111-2222-3333-4444-555555555555", false, GIB)]);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "host.name-clash",
            &["'web'", "11111111-2222-3333-4444-555555555555"],
        );
        assert_eq!(detail(&f, "name"), "web");
    }

    fn uuid_clash() {
        let (src, dst) = with_domains(vec![domain_summary("other", WEB_UUID, false, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.uuid-clash", &["'other'", WEB_UUID]);
    }

    fn already_running() {
        let (src, dst) = with_domains(vec![domain_summary("web", &WEB_UUID.to_uppercase(), true, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.already-running", &["'web'"]);
    }

    fn defined_on_destination() {
        let (src, dst) = with_domains(vec![domain_summary("web", WEB_UUID, false, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Info, "host.defined-on-destination", &["'web'"]);
    }

    fn domain_list_unavailable() {
        let (src, mut dst) = hosts();
        dst.domains = Err(failed("virConnectListAllDomains"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "host.unavailable",
            &["destination", "domain list"],
        );
    }
}
