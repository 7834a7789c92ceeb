//! HYPERVISOR (proposal item 0): same hypervisor type; a destination older than the source
//! (hypervisor or libvirt) may not accept what the source sends.

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
    findings
}
