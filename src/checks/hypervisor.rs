// SPDX-License-Identifier: LGPL-2.1-or-later
//! HYPERVISOR (proposal item 0): same hypervisor type; a destination older than the source
//! (hypervisor or libvirt) may not accept what the source sends. With the migration the caller
//! gave (virMigrationCheck3), a VIR_MIGRATE_* flag a host's libvirt predates is an ERROR: the
//! source's virDomainMigrate3 and the destination's Prepare phase (qemuMigrationDstPrepareAny
//! and its virCheckFlags(QEMU_MIGRATION_FLAGS), 9.0 and 11.3) refuse bits they do not know. A
//! destination whose libvirt predates its QEMU is `hypervisor_era`'s.

use super::{Context, unavailable, version_string};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Hypervisor;

pub fn check(cx: &Context) -> Vec<Finding> {
    let (src, dst) = match (&cx.src.hypervisor, &cx.dst.hypervisor) {
        (Ok(src), Ok(dst)) => (src, dst),
        (Err(e), _) => return vec![unavailable(CHECK, "source", "hypervisor type and version", e)],
        (_, Err(e)) => return vec![unavailable(CHECK, "destination", "hypervisor type and version", e)],
    };
    if !src.driver.eq_ignore_ascii_case(&dst.driver) {
        return vec![
            Finding::error(
                CHECK,
                "type-mismatch",
                format!("the destination runs the {} hypervisor but the guest runs on {}", dst.driver, src.driver),
            )
            .hint("choose a destination with the same hypervisor; libvirt cannot live-migrate between hypervisor types")
            .detail("source_type", &src.driver)
            .detail("destination_type", &dst.driver),
        ];
    }
    let mut findings = Vec::new();
    if dst.version < src.version {
        findings.push(
            Finding::warning(
                CHECK,
                "older-hypervisor",
                format!(
                    "the destination's {} {} is older than the source's {}",
                    dst.driver,
                    version_string(dst.version),
                    version_string(src.version)
                ),
            )
            .hint("migrating to an older hypervisor can fail on machine types or device state it does not know; \
                prefer an equal or newer destination")
            .detail("source_version", version_string(src.version))
            .detail("destination_version", version_string(dst.version)),
        );
    }
    match (&cx.src.libvirt_version, &cx.dst.libvirt_version) {
        (Ok(src), Ok(dst)) if dst < src => findings.push(
            Finding::warning(
                CHECK,
                "older-libvirt",
                format!(
                    "the destination's libvirt {} is older than the source's {}",
                    version_string(*dst),
                    version_string(*src)
                ),
            )
            .hint("an older libvirt may reject XML the newer one writes; prefer an equal or newer destination")
            .detail("source_version", version_string(*src))
            .detail("destination_version", version_string(*dst)),
        ),
        (Ok(_), Ok(_)) => {}
        (Err(e), _) => findings.push(unavailable(CHECK, "source", "libvirt version", e)),
        (_, Err(e)) => findings.push(unavailable(CHECK, "destination", "libvirt version", e)),
    }
    findings.extend(flags_unknown(cx));
    findings.extend(super::hypervisor_era::check(cx));
    findings
}

/// The migration's flags each host's libvirt predates.
fn flags_unknown(cx: &Context) -> Vec<Finding> {
    let Some(migration) = &cx.options.migration else { return Vec::new() };
    let mut findings = Vec::new();
    for (side, version) in [("source", &cx.src.libvirt_version), ("destination", &cx.dst.libvirt_version)] {
        let Ok(version) = version else { continue };
        let unknown = migration.unknown_to(*version);
        if unknown.is_empty() {
            continue;
        }
        let bits = unknown.iter().fold(0u32, |acc, (name, _)| {
            acc | crate::migration::FLAGS.iter().find(|(_, n, _)| n == name).map_or(0, |(bit, _, _)| *bit)
        });
        let names: Vec<String> =
            unknown.iter().map(|(name, since)| format!("{name} (libvirt {})", version_string(*since))).collect();
        let libvirt_error = format!("unsupported flags (0x{bits:x})");
        findings.push(
            Finding::error(
                CHECK,
                "flag-unsupported",
                format!(
                    "the {side}'s libvirt {} predates the migration's {}",
                    version_string(*version),
                    names.join(", ")
                ),
            )
            .hint("drop those flags, or upgrade libvirt on that host")
            .detail("side", side)
            .detail("flags", unknown.iter().map(|(n, _)| *n).collect::<Vec<_>>().join("|"))
            .detail("libvirt_error", libvirt_error),
        );
    }
    findings
}
