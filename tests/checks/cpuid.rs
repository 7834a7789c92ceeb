// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPUID: a host-passthrough guest sees the host CPU's identity, and cache passthrough its
//! caches. libvirt's cpu-host-passthrough and cpu-cache-passthrough test domains; more on real
//! hosts: tests/cpu_checks.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Cpuid;

scenarios! {
    fn named_model_shows_its_own_identity() {
        let (src, dst) = hosts();
        expect_ok(&run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst), CHECK);
    }

    fn passthrough_identity_may_change() {
        // The real KVM host's CPU (Haswell-noTSX) on one side, libvirt's test host on the other.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-host-passthrough.xml")), &src, &dst),
            Severity::Warning,
            "cpuid.passthrough",
            &["host-passthrough", "Haswell-noTSX"],
        );
        assert_eq!(detail(&f, "destination_signature"), "unknown");
        // The same signature on both: nothing changes under the guest.
        let mut a = caps("capabilityschemadata/caps-qemu-kvm.xml");
        a.host_cpu_signature = Some((6, 60, 3));
        src.capabilities = Ok(a.clone());
        dst.capabilities = Ok(a);
        expect_ok(&run(CHECK, &guest(&fixture("cpu-host-passthrough.xml")), &src, &dst), CHECK);
    }

    fn cache_passthrough() {
        let (src, dst) = hosts();
        let report = run(CHECK, &guest(&fixture("cpu-cache-passthrough.xml")), &src, &dst);
        expect(&report, Severity::Warning, "cpuid.cache-passthrough", &["<cache mode='passthrough'/>"]);
    }
}
