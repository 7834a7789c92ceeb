// SPDX-License-Identifier: LGPL-2.1-or-later
//! MSR: MSR-backed CPU features (vmx-* controls, arch-capabilities bits) the guest started with
//! must exist on the destination. It shares CPU_FLAGS's judgement, and so its SKIPPED reasons
//! (`cpu_flags::skips`). More: tests/cpu_checks.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;
use crate::cpu_flags::{kvm_dst, skips};

const CHECK: Check = Check::Msr;

scenarios! {
    fn no_msr_feature_missing() {
        // Haswell lacks CPUID features there (CPU_FLAGS's), no MSR ones.
        let (src, dst) = kvm_dst(None);
        expect_ok(&run(CHECK, &guest(&fixture("cpu-Haswell.xml")), &src, &dst), CHECK);
    }

    fn feature_missing() {
        // A Cooper Lake guest CPU as QEMU expands it (72 vmx-* controls) on a Skylake client.
        let cooperlake = cpu_xml("x86_64-cpuid-Cooperlake-json.xml");
        let (src, dst) = kvm_dst(Some("qemu_5.0.0.x86_64.xml"));
        let f = expect(
            &run(CHECK, &small(&cooperlake, ""), &src, &dst),
            Severity::Error,
            "msr.feature-missing",
            &["MSR-based", "vmx-posted-intr"],
        );
        assert!(detail(&f, "missing").split(',').any(|n| n == "mds-no"), "{}", detail(&f, "missing"));
    }

    fn judgement_skipped() {
        for (reason, g, src, dst, set, names) in skips() {
            expect(&run_with(CHECK, &g, &src, &dst, set), Severity::Skipped, &format!("msr.{reason}"), names);
        }
    }
}
