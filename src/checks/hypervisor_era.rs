// SPDX-License-Identifier: LGPL-2.1-or-later
//! The HYPERVISOR check's reading of a destination whose libvirt predates its QEMU: libvirt
//! builds the command line it knows, and QEMU refuses options it has since removed.
//!
//! - `-no-acpi`: libvirt 9.0 builds it for an x86 guest without `<acpi/>`
//!   (`qemuBuildPMCommandLine`-era code in src/qemu/qemu_command.c: the feature not on and the
//!   arch's QEMU_CAPS_NO_ACPI set). QEMU removed the option in 9.0 (docs/about/removed-features:
//!   "-no-acpi (removed in 9.0)", use `-machine acpi=off`). libvirt learned `-machine acpi=` in the
//!   QEMU_CAPS_MACHINE_ACPI series (posted 2023-02-27, after 9.1.0 was frozen, so most likely first
//!   released in 9.2.0; 9.1.x is not known here). On the QEMU bed (host d: libvirt 9.0 with QEMU 10, tests/e2e/test_libvirt_predates_qemu.py)
//!   such a guest cannot start: "qemu-system-x86_64: -no-acpi: invalid option". So: libvirt before
//!   9.1 with QEMU 9.0 or later is an ERROR, libvirt 9.1.x a WARNING (not known here).
//! - Otherwise, a destination QEMU newer than every QEMU released before its libvirt is a WARNING
//!   naming both: libvirt was never tested against it, and other removed options may follow.

use super::{Context, version_string};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Hypervisor;

/// QEMU releases, by (version, year, month of release): which QEMU a libvirt release could know.
const QEMU_RELEASES: &[(u64, u32, u32)] = &[
    (4_000_000, 2019, 4),
    (4_001_000, 2019, 8),
    (4_002_000, 2019, 12),
    (5_000_000, 2020, 4),
    (5_001_000, 2020, 8),
    (5_002_000, 2020, 12),
    (6_000_000, 2021, 4),
    (6_001_000, 2021, 8),
    (6_002_000, 2021, 12),
    (7_000_000, 2022, 4),
    (7_001_000, 2022, 8),
    (7_002_000, 2022, 12),
    (8_000_000, 2023, 4),
    (8_001_000, 2023, 8),
    (8_002_000, 2023, 12),
    (9_000_000, 2024, 4),
    (9_001_000, 2024, 9),
    (9_002_000, 2024, 12),
    (10_000_000, 2025, 4),
    (10_001_000, 2025, 8),
];

/// QEMU 9.0 removed `-no-acpi`.
const QEMU_WITHOUT_NO_ACPI: u64 = 9_000_000;
/// The first libvirt that may build `-machine acpi=` (9.1.x unknown), and the first that does.
const LIBVIRT_MAYBE_MACHINE_ACPI: u64 = 9_001_000;
const LIBVIRT_MACHINE_ACPI: u64 = 9_002_000;

/// The month a libvirt release came out: X.0.0 in mid-January of 2014 + X, then X.Y.0 at the
/// start of month Y + 2 (9.0.0: 2023-01-16, 9.1.0: 2023-03-01, 11.3.0: 2025-05-02).
fn libvirt_release(version: u64) -> (u32, u32) {
    let (major, minor) = ((version / 1_000_000) as u32, (version / 1_000 % 1_000) as u32);
    (2014 + major, if minor == 0 { 1 } else { (minor + 2).min(12) })
}

/// QEMU with micro version dropped: 10.0.2 is of the 10.0 series.
fn series(version: u64) -> u64 {
    version / 1_000 * 1_000
}

pub(super) fn check(cx: &Context) -> Vec<Finding> {
    let (Ok(hypervisor), Ok(libvirt)) = (&cx.dst.hypervisor, &cx.dst.libvirt_version) else {
        return Vec::new(); // The HYPERVISOR check already says which fact is missing.
    };
    if !hypervisor.driver.eq_ignore_ascii_case("QEMU") {
        return Vec::new();
    }
    let (qemu, libvirt) = (hypervisor.version, *libvirt);
    let versions = |f: Finding| {
        f.detail("destination_libvirt", version_string(libvirt)).detail("destination_qemu", version_string(qemu))
    };
    let mut findings = Vec::new();
    let def = cx.dest_def();
    let x86 = matches!(def.arch.as_deref(), Some("x86_64" | "i686")) || def.arch.is_none() && def.os_type == "hvm";
    if x86 && !def.acpi && qemu >= QEMU_WITHOUT_NO_ACPI && libvirt < LIBVIRT_MACHINE_ACPI {
        let message = format!(
            "the destination's libvirt {} starts a guest without ACPI with -no-acpi, which its QEMU {} no longer has",
            version_string(libvirt),
            version_string(qemu)
        );
        let finding = match libvirt < LIBVIRT_MAYBE_MACHINE_ACPI {
            true => Finding::error(CHECK, "no-acpi-removed", message),
            false => Finding::warning(
                CHECK,
                "no-acpi-removed",
                format!("{message}, unless its libvirt builds -machine acpi=off"),
            ),
        };
        findings.push(versions(
            finding
                .hint("give the guest <features><acpi/></features>, or upgrade libvirt on the destination to 9.2 or later")
                .detail("libvirt_error", "qemu-system-x86_64: -no-acpi: invalid option"),
        ));
    }
    let (year, month) = libvirt_release(libvirt);
    let known = QEMU_RELEASES.iter().filter(|(_, y, m)| (*y, *m) <= (year, month)).map(|(v, _, _)| *v).max();
    let last = QEMU_RELEASES.last().map_or(0, |(v, _, _)| *v);
    // Only where the table can tell: a QEMU beyond it with a libvirt beyond it is not judged.
    if let Some(known) = known.filter(|known| series(qemu) > *known && (*known < last || series(qemu) <= last)) {
        findings.push(versions(
            Finding::warning(
                CHECK,
                "qemu-newer-than-libvirt",
                format!(
                    "the destination's QEMU {} is newer than any QEMU released before its libvirt {} (QEMU {} was the newest)",
                    version_string(qemu),
                    version_string(libvirt),
                    version_string(known)
                ),
            )
            .hint("libvirt may build command-line options this QEMU removed; upgrade libvirt on the destination to a release newer than its QEMU")
            .detail("newest_known_qemu", version_string(known)),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_months() {
        assert_eq!(libvirt_release(9_000_000), (2023, 1));
        assert_eq!(libvirt_release(9_001_000), (2023, 3));
        assert_eq!(libvirt_release(11_003_000), (2025, 5));
        assert_eq!(libvirt_release(10_010_000), (2024, 12));
        assert_eq!(series(10_000_002), 10_000_000);
    }
}
