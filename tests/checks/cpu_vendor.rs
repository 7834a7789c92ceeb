// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_VENDOR: a vendor change is noted, and is a risk for guests configured from the host CPU.
//! Real hosts and domain capabilities (an Intel Haswell host; QEMU 7.2's AMD EPYC-Rome
//! host-model); more: tests/cpu_checks.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;
use crate::cpu_flags::kvm_dst;

const CHECK: Check = Check::CpuVendor;

scenarios! {
    fn same_vendor() {
        let (src, dst) = kvm_dst(None);
        expect_ok(&run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst), CHECK);
    }

    fn named_model_on_another_vendor() {
        let (src, dst) = kvm_dst(Some("qemu_7.2.0.x86_64.xml"));
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst),
            Severity::Info,
            "cpu_vendor.differs",
            &["Intel", "AMD"],
        );
        assert_eq!(detail(&f, "guest_cpu_mode"), "custom");
    }

    fn host_bound_cpu_on_another_vendor() {
        let (mut src, dst) = kvm_dst(Some("qemu_7.2.0.x86_64.xml"));
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-host-passthrough.xml")), &src, &dst),
            Severity::Warning,
            "cpu_vendor.differs",
            &["Intel", "AMD"],
        );
        assert_eq!(detail(&f, "guest_cpu_mode"), "host-passthrough");
    }

    fn host_model_unexpanded() {
        let (src, dst) = kvm_dst(None);
        expect(
            &run(CHECK, &guest(&fixture("cpu-host-model-vendor.xml")), &src, &dst),
            Severity::Skipped,
            "cpu_vendor.host-model-unexpanded",
            &["host-model"],
        );
    }

    fn destination_reports_no_vendor() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst),
            Severity::Skipped,
            "cpu_vendor.no-host-cpu",
            &["no CPU vendor"],
        );
    }

    fn named_model_without_the_cpu_map() {
        // The model's vendor is in libvirt's CPU map: without it the vendor is unknown, which is
        // SKIPPED, not the OK of a vendor-neutral model.
        let (src, dst) = kvm_dst(Some("qemu_7.2.0.x86_64.xml"));
        let guest = guest(&fixture("cpu-Haswell.xml"));
        let report = run_with(CHECK, &guest, &src, &dst, |o| o.cpu_map = Some("/nonexistent/cpu_map".into()));
        expect(&report, Severity::Skipped, "cpu_vendor.no-cpu-map", &["CPU map could not be loaded"]);
    }
}
