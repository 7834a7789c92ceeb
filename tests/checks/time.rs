// SPDX-License-Identifier: LGPL-2.1-or-later
//! TIME: an invariant TSC needs a pinned frequency, which the destination must run at or scale
//! to (within 250 ppm). The guest is libvirt's cpu-tsc-frequency test domain; the destination
//! the real KVM host (TSC 2596991000 Hz, no scaling). More: tests/devices.rs
//! (tsc_frequency_and_invtsc).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Time;

/// libvirt's guest with invtsc and its TSC pinned to 4567890000 Hz.
fn pinned() -> virt_migration_check::Guest {
    guest(&fixture("cpu-tsc-frequency.xml"))
}

fn kvm_dst(tsc: Option<(u64, Option<bool>)>) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    let mut c = caps("capabilityschemadata/caps-qemu-kvm.xml");
    if let Some(tsc) = tsc {
        c.tsc = Some(tsc);
    }
    dst.capabilities = Ok(c);
    (src, dst)
}

scenarios! {
    fn same_frequency_within_tolerance() {
        // 100 ppm off: within libvirt's 250.
        let (src, dst) = kvm_dst(Some((4_567_890_000 + 456_789, Some(false))));
        expect_ok(&run(CHECK, &pinned(), &src, &dst), CHECK);
    }

    fn invtsc_unpinned() {
        let unpinned =
            guest(&fixture("cpu-tsc-frequency.xml").replace("<timer name='tsc' frequency='4567890000'/>", ""));
        let (src, dst) = kvm_dst(None);
        expect(&run(CHECK, &unpinned, &src, &dst), Severity::Error, "time.invtsc-unpinned", &["'invtsc'"]);
    }

    fn tsc_unavailable() {
        // The real host runs its TSC at 2596991000 Hz and cannot scale.
        let (src, dst) = kvm_dst(None);
        let f = expect(
            &run(CHECK, &pinned(), &src, &dst),
            Severity::Error,
            "time.tsc-unavailable",
            &["4567890000 Hz", "2596991000 Hz"],
        );
        assert_eq!(detail(&f, "destination_hz"), "2596991000");
        // A cold start reads the destination's TSC anew.
        expect_ok(&run_with(CHECK, &pinned(), &src, &dst, |o| o.offline = true), CHECK);
    }

    fn tsc_scaled() {
        let (src, dst) = kvm_dst(Some((2_596_991_000, Some(true))));
        expect(
            &run(CHECK, &pinned(), &src, &dst),
            Severity::Info,
            "time.tsc-scaled",
            &["2596991000 Hz", "4567890000 Hz"],
        );
    }

    fn tsc_unknown() {
        // libvirt's test host reports no TSC.
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
        let f = expect(&run(CHECK, &pinned(), &src, &dst), Severity::Skipped, "time.tsc-unknown", &["TSC frequency"]);
        assert_eq!(detail(&f, "guest_hz"), "4567890000");
    }

    fn capabilities_unavailable() {
        let (src, mut dst) = hosts();
        dst.capabilities = Err(failed("virConnectGetCapabilities"));
        expect(
            &run(CHECK, &pinned(), &src, &dst),
            Severity::Skipped,
            "time.unavailable",
            &["destination", "capabilities (TSC)"],
        );
    }
}
