//! HOST: source and destination must be different hosts, and the destination must not already
//! hold another domain with the guest's name or UUID (libvirt: "domain 'X' already exists with
//! uuid ...").

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Host;

pub fn check(cx: &Context) -> Vec<Finding> {
    let (src_uuid, dst_uuid) = (cx.src.uuid(), cx.dst.uuid());
    let same_host = match (src_uuid, dst_uuid) {
        (Some(s), Some(d)) => s.eq_ignore_ascii_case(d),
        // Where neither reports a UUID, the same URI is the same host.
        (None, None) => normalize_uri(&cx.src.uri) == normalize_uri(&cx.dst.uri),
        _ => false,
    };
    if same_host {
        let by = if src_uuid.is_some() { "host UUID" } else { "connection URI" };
        return vec![
            Finding::error(CHECK, "same-host", format!("the source and the destination are the same host (same {by})"))
                .hint("choose another destination; libvirt refuses to migrate a guest to its own host")
                .detail("source_uri", &cx.src.uri)
                .detail("destination_uri", &cx.dst.uri)
                .detail("host_uuid", src_uuid.unwrap_or("")),
        ];
    }
    let domains = match &cx.dst.domains {
        Ok(domains) => domains,
        Err(e) => return vec![unavailable(CHECK, "destination", "domain list", e)],
    };
    let def = &cx.guest.def;
    let mut findings = Vec::new();
    for other in domains {
        let same_name = other.name == def.name;
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
