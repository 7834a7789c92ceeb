// SPDX-License-Identifier: LGPL-2.1-or-later
//! HOST: source and destination must be different hosts, and the destination must not already
//! hold another domain with the guest's name or UUID (libvirt: "domain 'X' already exists with
//! uuid ...").
//!
//! When the caller gives the migration it will run (virMigrationCheck3), this check also reports
//! what libvirt refuses before it moves anything: flag combinations and the guest's state
//! (`migration::Migration::refusals`, following virDomainMigrate3 and qemuMigrationSrcBegin /
//! qemuMigrationSrcBeginPhase), and judges the name clash with VIR_MIGRATE_PARAM_DEST_NAME
//! (qemuMigrationDstPrepareAny renames the incoming definition before virDomainObjListAdd
//! looks for a clash), and the destination and persistent XML the migration gives (`dest_xml`).

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Host;

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = refusals(cx);
    findings.extend(super::dest_xml::check(cx));
    findings.extend(placement(cx));
    findings
}

/// What libvirt refuses in the migration the caller gave, each in libvirt's words.
fn refusals(cx: &Context) -> Vec<Finding> {
    let Some(migration) = &cx.options.migration else { return Vec::new() };
    let targets: Vec<&str> = cx.guest.def.disks.iter().map(|d| d.target.as_str()).collect();
    migration
        .refusals(&targets, cx.guest.state.is_active())
        .into_iter()
        .map(|r| {
            let finding = if r.every_version {
                Finding::error(CHECK, r.reason, format!("libvirt refuses this migration: {}", r.libvirt_error))
                    .hint("change the migration's flags or parameters; libvirt stops before it moves anything")
            } else {
                Finding::warning(
                    CHECK,
                    r.reason,
                    format!("newer libvirt refuses this migration, 9.0 accepts it: {}", r.libvirt_error),
                )
                .hint("change the migration's flags or parameters: a newer source libvirt stops before it moves anything")
            };
            finding
                .detail("libvirt_error", r.libvirt_error)
                .detail("libvirt_function", r.function)
                .detail("flags", crate::migration::Migration::names(migration.flags).join("|"))
        })
        .collect()
}

/// Same host, and the guest's name and UUID on the destination.
fn placement(cx: &Context) -> Vec<Finding> {
    let (src_uuid, dst_uuid) = (cx.src.uuid(), cx.dst.uuid());
    // libvirt's own test is the host UUID: the destination's Prepare parses the source's cookie
    // (qemuMigrationCookieParse -> qemuMigrationCookieXMLParse, src/qemu/qemu_migration_cookie.c)
    // and refuses its own host UUID there: "Attempt to migrate guest to the same host", 9.0 and
    // 11.3. Where
    // neither host reports one (libvirt's test driver, a snapshot assembled from saved XML), only
    // evidence makes them one host: the same URI and the same hostname, both known. The same
    // URI alone is not (two snapshots assembled from one capabilities file share it).
    let same_name = match (&cx.src.hostname, &cx.dst.hostname) {
        (Ok(s), Ok(d)) => !s.is_empty() && s.eq_ignore_ascii_case(d),
        _ => false,
    };
    let same_host = match (src_uuid, dst_uuid) {
        (Some(s), Some(d)) => s.eq_ignore_ascii_case(d),
        (None, None) => same_name && normalize_uri(&cx.src.uri) == normalize_uri(&cx.dst.uri),
        _ => false,
    };
    if same_host {
        let by = if src_uuid.is_some() { "host UUID" } else { "connection URI and hostname" };
        return vec![
            Finding::error(CHECK, "same-host", format!("the source and the destination are the same host (same {by})"))
                .hint("choose another destination; libvirt refuses to migrate a guest to its own host")
                .detail("source_uri", &cx.src.uri)
                .detail("destination_uri", &cx.dst.uri)
                .detail("host_uuid", src_uuid.unwrap_or(""))
                .detail("hostname", cx.src.hostname.as_deref().unwrap_or("")),
        ];
    }
    let domains = match &cx.dst.domains {
        Ok(domains) => domains,
        Err(e) => return vec![unavailable(CHECK, "destination", "domain list", e)],
    };
    let def = &cx.guest.def;
    // The name the guest will have on the destination.
    let name = cx.options.migration.as_ref().and_then(|m| m.dest_name.as_deref()).unwrap_or(&def.name);
    let mut findings = Vec::new();
    for other in domains {
        let same_name = other.name == name;
        let same_uuid = other.uuid.eq_ignore_ascii_case(&def.uuid);
        let with = |f: Finding| f.detail("name", &other.name).detail("uuid", &other.uuid);
        match (same_name, same_uuid) {
            (true, false) => findings.push(with(
                Finding::error(
                    CHECK,
                    "name-clash",
                    format!(
                        "a different domain named '{}' (UUID {}) already exists on the destination",
                        other.name, other.uuid
                    ),
                )
                .hint("rename or undefine one of them before migrating"),
            )),
            (false, true) => findings.push(with(
                Finding::error(
                    CHECK,
                    "uuid-clash",
                    format!("domain '{}' on the destination already has the guest's UUID {}", other.name, other.uuid),
                )
                .hint("undefine the other domain on the destination, or give one of them a new UUID"),
            )),
            (true, true) if other.active => findings.push(with(
                Finding::error(
                    CHECK,
                    "already-running",
                    format!("guest '{}' is already running on the destination", other.name),
                )
                .hint("it cannot run twice; stop the copy on the destination first"),
            )),
            (true, true) => findings.push(with(Finding::info(
                CHECK,
                "defined-on-destination",
                format!(
                    "an inactive definition of guest '{}' exists on the destination; the migration will run it there",
                    other.name
                ),
            ))),
            (false, false) => {}
        }
    }
    findings
}

/// URIs that differ only in case of scheme or a trailing slash name the same connection.
fn normalize_uri(uri: &str) -> String {
    uri.trim_end_matches('/').to_ascii_lowercase()
}
