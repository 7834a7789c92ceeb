// SPDX-License-Identifier: LGPL-2.1-or-later
//! The HOST check's reading of the definitions the migration gives: the destination XML
//! (`VIR_MIGRATE_PARAM_DEST_XML`) and the persistent XML (`VIR_MIGRATE_PARAM_PERSIST_XML`).
//!
//! - libvirt's source parses the destination XML and refuses it unless its ABI is the running
//!   guest's (`qemuMigrationSrcBeginXML` -> `qemuDomainCheckABIStability` ->
//!   `virDomainDefCheckABIStabilityFlags`, 9.0 and 11.3): each difference `xml::abi` proves is an
//!   ERROR in libvirt's words; one it cannot prove (the XML leaves out what libvirt fills in) is
//!   a WARNING. A machine alias is resolved as libvirt resolves it, with the source's machines.
//! - The persistent XML is parsed only with `VIR_MIGRATE_PERSIST_DEST` (`qemuMigrationSrcRun`
//!   parses it for the cookie's persistent definition, 9.0 and 11.3); without that flag libvirt
//!   ignores it, which a caller should know.

use super::Context;
use crate::facts::{AbiDifference, DestinationDef};
use crate::flags::Check;
use crate::migration::PERSIST_DEST;
use crate::report::Finding;

const CHECK: Check = Check::Host;

pub(super) fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(destination) = &cx.guest.destination {
        findings.extend(destination_xml(cx, destination));
    }
    if let Some(persistent) = &cx.guest.persistent_xml {
        let persist_dest = cx.options.migration.as_ref().is_some_and(|m| m.has(PERSIST_DEST));
        match (persistent, persist_dest) {
            (Err(why), true) => findings.push(
                Finding::error(CHECK, "persist-xml-invalid", format!("the persistent XML cannot be read: {why}"))
                    .hint("give VIR_MIGRATE_PARAM_PERSIST_XML (virsh --persistent-xml) as virsh dumpxml --inactive prints it")
                    .detail("reason", why)
                    .detail("libvirt_function", "qemuMigrationSrcRun"),
            ),
            (_, false) => findings.push(
                Finding::info(
                    CHECK,
                    "persist-xml-ignored",
                    "the persistent XML is ignored: the migration does not make the guest persistent on the destination",
                )
                .hint("add VIR_MIGRATE_PERSIST_DEST (virsh --persistent) for libvirt to define it there")
                .detail("cleared_by", "VIR_MIGRATE_PERSIST_DEST"),
            ),
            (Ok(_), true) => {}
        }
    }
    findings
}

fn destination_xml(cx: &Context, destination: &DestinationDef) -> Vec<Finding> {
    if let Err(why) = &destination.def {
        return vec![
            Finding::error(CHECK, "dest-xml-invalid", format!("libvirt cannot read the destination XML: {why}"))
                .hint("give VIR_MIGRATE_PARAM_DEST_XML (virsh --xml) as virsh dumpxml --migratable prints it, edited")
                .detail("reason", why)
                .detail("libvirt_function", "qemuMigrationSrcBeginXML"),
        ];
    }
    destination
        .abi
        .iter()
        .filter_map(|difference| resolve_machine_alias(cx, difference))
        .map(|d| {
            let message = format!(
                "the destination XML changes the guest's {} ({} on the source, {} in the destination XML)",
                d.what, d.source, d.destination
            );
            let finding = match d.proven {
                true => Finding::error(CHECK, "dest-xml-abi", format!("libvirt refuses this migration: {message}"))
                    .hint("change only what the guest does not see (disk paths, networks, graphics, names of host resources) in the destination XML"),
                false => Finding::warning(CHECK, "dest-xml-abi-unproven", format!("{message}, unless libvirt fills it in the same"))
                    .hint("write it into the destination XML as the running guest has it (virsh dumpxml --migratable prints every value)"),
            };
            finding
                .detail("what", &d.what)
                .detail("source", &d.source)
                .detail("destination", &d.destination)
                .detail("libvirt_error", &d.libvirt_error)
                .detail("libvirt_function", "virDomainDefCheckABIStability")
        })
        .collect()
}

/// A destination XML naming the machine by an alias ("pc", "q35") gets the canonical machine of
/// the source's emulator when libvirt parses it there (qemuDomainMachineAlias in the post-parse
/// of 9.0 and 11.3): the same machine is no difference, another is; without the source's
/// capabilities the alias cannot be resolved, so the difference is not proven.
fn resolve_machine_alias(cx: &Context, d: &AbiDifference) -> Option<AbiDifference> {
    if d.what != "machine type" || d.destination == "(none)" {
        return Some(d.clone());
    }
    let Ok(caps) = &cx.src.capabilities else {
        return Some(AbiDifference { proven: false, ..d.clone() });
    };
    let canonical = caps.guests.iter().map(|g| g.canonical_machine(&d.destination)).find(|c| *c != d.destination);
    match canonical {
        Some(canonical) if canonical == d.source => None,
        Some(canonical) => Some(AbiDifference {
            destination: format!("{} ({canonical})", d.destination),
            libvirt_error: format!("Target domain machine type {canonical} does not match source {}", d.source),
            ..d.clone()
        }),
        None => Some(d.clone()),
    }
}
