// SPDX-License-Identifier: LGPL-2.1-or-later
//! MEMORY: the guest's memory must fit what the destination can give, with headroom; huge
//! pages of its size must be there. Real NUMA hosts and huge-page guests: tests/numa_memory.rs;
//! live on libvirt's test driver: tests/test_driver.rs (dst-low-memory, dst-tight-memory).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Memory;

/// A destination of `total` KiB with `available` KiB free.
fn dst_with(total: u64, available: u64) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.node = Ok(node(8, total));
    dst.free_memory = Ok(free(available));
    (src, dst)
}

/// The 1 GiB guest backed by 2 MiB huge pages.
fn hugepage_guest() -> virt_migration_check::Guest {
    small("<memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>", "")
}

scenarios! {
    fn a_host_reporting_no_memory_size_is_unknown_not_empty() {
        // libvirt's test-driver capabilities have cells without <memory>: an assembled snapshot
        // then knows no total. Not a host of 0 KiB that nothing fits.
        let (src, mut dst) = hosts();
        dst.node = Ok(node(4, 0));
        let report = run(CHECK, &small("", ""), &src, &dst);
        expect(&report, Severity::Skipped, "memory.unavailable", &["reports no memory size"]);
        expect_none(&report, "memory.exceeds-total");
    }

    fn fits_with_headroom() {
        let (src, dst) = dst_with(16 * GIB, 8 * GIB);
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn insufficient() {
        let (src, dst) = dst_with(16 * GIB, GIB / 2);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "memory.insufficient",
            &["1.0 GiB", "512.0 MiB", "virNodeGetFreeMemory"],
        );
        assert_eq!(detail(&f, "available_kib"), (GIB / 2).to_string());
    }

    fn insufficient_from_what_running_guests_hold() {
        // No free-memory figure (libvirt's test driver): the total minus the running guests'.
        let (src, mut dst) = hosts();
        dst.node = Ok(node(8, 4 * GIB));
        dst.free_memory = Err(failed("virNodeGetFreeMemory"));
        dst.domains = Ok(vec![domain_summary("db", "11111111-2222-3333-4444-555555555555", true, 3 * GIB + GIB / 2)]);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "memory.insufficient",
            &["running guests hold"],
        );
        assert_eq!(
            detail(&f, "free_memory_unavailable"),
            "virNodeGetFreeMemory: this scenario's host could not give it"
        );
    }

    fn low_headroom() {
        // 1.2 GiB free for a 1 GiB guest leaves less than the 512 MiB margin.
        let (src, dst) = dst_with(4 * GIB, GIB + GIB / 5);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Warning,
            "memory.low-headroom",
            &["margin of 512.0 MiB"],
        );
        assert_eq!(detail(&f, "margin_kib"), (512 * 1024).to_string());
        // The caller's margin replaces the default.
        let report = run_with(CHECK, &small("", ""), &src, &dst, |o| o.memory_headroom_kib = Some(0));
        expect_ok(&report, CHECK);
    }

    fn exceeds_total_offline() {
        // A cold migration needs the guest to fit the host's total memory only.
        let (src, dst) = dst_with(GIB / 2, 0);
        let f = expect(
            &run_with(CHECK, &small("", ""), &src, &dst, |o| o.offline = true),
            Severity::Error,
            "memory.exceeds-total",
            &["1.0 GiB", "512.0 MiB"],
        );
        assert_eq!(detail(&f, "total_kib"), (GIB / 2).to_string());
        let (src, dst) = dst_with(2 * GIB, 0);
        expect_ok(&run_with(CHECK, &small("", ""), &src, &dst, |o| o.offline = true), CHECK);
    }

    fn exceeds_total_with_free_memory_unknown() {
        // The measured case: a 40 GiB guest to the real 2-node Haswell host (31.2 GiB in two
        // cells), known from saved XML only: no free memory, no domain list.
        let mut big = small("", "");
        big.def.memory_kib = 40 * GIB;
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let cells = 16175540 + 16510060;
        // Node info where the host gave it ...
        dst.node = Ok(node(16, cells));
        let f = expect(
            &run(CHECK, &big, &src, &dst),
            Severity::Error,
            "memory.exceeds-total",
            &["40.0 GiB", "31.2 GiB", "virNodeGetInfo"],
        );
        assert_eq!(detail(&f, "total_kib"), cells.to_string());
        // ... else the capabilities' NUMA cells.
        dst.node = Err(failed("virNodeGetInfo"));
        let f = expect(
            &run(CHECK, &big, &src, &dst),
            Severity::Error,
            "memory.exceeds-total",
            &["40.0 GiB", "31.2 GiB", "NUMA cells"],
        );
        assert_eq!(detail(&f, "needed_kib"), (40 * GIB).to_string());
        // Within the total, what is free stays unknown: SKIPPED, as before, naming the total.
        let report = run(CHECK, &small("", ""), &src, &dst);
        let f = expect(&report, Severity::Skipped, "memory.unavailable", &["free memory and domain list"]);
        assert_eq!(detail(&f, "total_kib"), cells.to_string());
        expect_none(&report, "memory.low-headroom");
        expect_none(&report, "memory.exceeds-total");
        // Free memory, where known, is still what a live migration is judged on.
        dst.node = Ok(node(16, cells));
        dst.free_memory = Ok(free(8 * GIB));
        expect(&run(CHECK, &big, &src, &dst), Severity::Error, "memory.insufficient", &["40.0 GiB", "8.0 GiB"]);
    }

    fn low_headroom_from_the_total_alone() {
        // 31 GiB of the host's 31.2 GiB: even an idle destination keeps less than the margin
        // (5% of its total), whatever else runs there; what is free is still unknown.
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let mut guest = small("", "");
        guest.def.memory_kib = 31 * GIB;
        let report = run(CHECK, &guest, &src, &dst);
        let f = expect(
            &report,
            Severity::Warning,
            "memory.low-headroom",
            &["even if nothing else used its memory", "NUMA cells"],
        );
        assert_eq!(detail(&f, "headroom_kib"), (16175540 + 16510060 - 31 * GIB).to_string());
        expect(&report, Severity::Skipped, "memory.unavailable", &["free memory and domain list"]);
    }

    fn node_info_unavailable() {
        let (src, mut dst) = hosts();
        dst.node = Err(failed("virNodeGetInfo"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "memory.unavailable",
            &["destination", "node info"],
        );
    }

    fn free_memory_and_domains_unavailable() {
        let (src, mut dst) = hosts();
        dst.node = Ok(node(8, 16 * GIB));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "memory.unavailable",
            &["free memory and domain list"],
        );
    }

    fn hugepages_size_unsupported() {
        // The real KVM host offers 4 KiB, 2 MiB and 1 GiB pages, not 16 MiB ones.
        let (src, mut dst) = dst_with(64 * GIB, 32 * GIB);
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let big = small("<memoryBacking><hugepages><page size='16' unit='MiB'/></hugepages></memoryBacking>", "");
        let f =
            expect(&run(CHECK, &big, &src, &dst), Severity::Error, "memory.hugepages-size-unsupported", &["16.0 MiB"]);
        assert_eq!(detail(&f, "page_size_kib"), "16384");
    }

    fn hugepages_insufficient() {
        // The real KVM host has no 2 MiB pages allocated.
        let (src, mut dst) = dst_with(64 * GIB, 32 * GIB);
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let f = expect(
            &run(CHECK, &hugepage_guest(), &src, &dst),
            Severity::Error,
            "memory.hugepages-insufficient",
            &["512 huge pages", "2.0 MiB", "only 0 are allocated"],
        );
        assert_eq!(detail(&f, "counted"), "allocated");
        // Free pages, where the host reports them, are what counts.
        dst.cells =
            Ok(vec![virt_migration_check::facts::CellMemory { id: 0, free_kib: GIB, free_pages: vec![(2048, 100)] }]);
        expect(
            &run(CHECK, &hugepage_guest(), &src, &dst),
            Severity::Error,
            "memory.hugepages-insufficient",
            &["only 100 are free"],
        );
    }

    fn hugepages_free_unknown() {
        // The 4-node host has 4096 2 MiB pages allocated per node, but says nothing of free ones.
        let (src, mut dst) = dst_with(64 * GIB, 32 * GIB);
        dst.capabilities = Ok(caps("vircaps2xmldata/vircaps-x86_64-basic.xml"));
        let f = expect(
            &run(CHECK, &hugepage_guest(), &src, &dst),
            Severity::Skipped,
            "memory.hugepages-free-unknown",
            &["2.0 MiB"],
        );
        assert_eq!(detail(&f, "pages_allocated"), (4096 + 6144 + 8192 + 10240).to_string());
        // A cold migration is judged on the pages allocated.
        expect_ok(&run_with(CHECK, &hugepage_guest(), &src, &dst, |o| o.offline = true), CHECK);
    }

    fn hugepages_unavailable() {
        // A host that reports no page sizes and no NUMA cells (libvirt's test host, its cells
        // taken away) gives nothing to count.
        let (src, mut dst) = dst_with(64 * GIB, 32 * GIB);
        let mut test_host = caps("capabilityschemadata/caps-test.xml");
        test_host.cells.clear();
        dst.capabilities = Ok(test_host);
        expect(
            &run(CHECK, &hugepage_guest(), &src, &dst),
            Severity::Skipped,
            "memory.hugepages-unavailable",
            &["neither free nor allocated", "2.0 MiB"],
        );
    }

    fn hugepages_capabilities_unavailable() {
        let (src, mut dst) = dst_with(64 * GIB, 32 * GIB);
        dst.capabilities = Err(failed("virConnectGetCapabilities"));
        expect(
            &run(CHECK, &hugepage_guest(), &src, &dst),
            Severity::Skipped,
            "memory.unavailable",
            &["huge page sizes"],
        );
    }
}
