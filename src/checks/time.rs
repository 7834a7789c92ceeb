// SPDX-License-Identifier: LGPL-2.1-or-later
//! TIME (proposal item 8): a guest with an invariant TSC needs a pinned TSC frequency (libvirt
//! refuses otherwise), and a pinned frequency needs a destination that runs at it or can scale
//! to it (within QEMU/libvirt's 250 ppm tolerance).

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Time;

/// libvirt's tolerance between a requested and a host TSC frequency (qemuProcessStartValidateTSC).
pub const TSC_TOLERANCE_PPM: u64 = 250;

pub fn check(cx: &Context) -> Vec<Finding> {
    let def = &cx.guest.def;
    let invtsc = def
        .cpu
        .as_ref()
        .is_some_and(|c| c.features.iter().any(|(n, p)| n == "invtsc" && matches!(p.as_str(), "require" | "force")));
    let frequency = def.timers.iter().find(|t| t.name == "tsc").and_then(|t| t.frequency).filter(|f| *f > 0);
    let mut findings = Vec::new();
    if invtsc && frequency.is_none() {
        findings.push(
            Finding::error(
                CHECK,
                "invtsc-unpinned",
                "the guest's CPU has 'invtsc' but no TSC frequency is set: libvirt refuses to migrate it",
            )
            .hint("pin the TSC frequency: <clock><timer name='tsc' frequency='HZ'/></clock>, or drop invtsc"),
        );
    }
    let Some(frequency) = frequency else { return findings };
    if cx.options.offline {
        return findings; // A cold start reads the destination's TSC anew.
    }
    let tsc = match &cx.dst.capabilities {
        Ok(caps) => caps.tsc,
        Err(e) => {
            findings.push(unavailable(CHECK, "destination", "capabilities (TSC)", e));
            return findings;
        }
    };
    let Some((host_hz, scaling)) = tsc else {
        findings.push(
            Finding::skipped(
                CHECK,
                "tsc-unknown",
                "cannot evaluate: the destination does not report its TSC frequency",
            )
            .detail("guest_hz", frequency),
        );
        return findings;
    };
    let within = host_hz.abs_diff(frequency) <= frequency / 1_000_000 * TSC_TOLERANCE_PPM;
    let base = |f: Finding| f.detail("guest_hz", frequency).detail("destination_hz", host_hz);
    match (within, scaling) {
        (true, _) => {}
        (false, Some(true)) => findings.push(base(Finding::info(
            CHECK,
            "tsc-scaled",
            format!("the destination's TSC runs at {host_hz} Hz and will be scaled to the guest's {frequency} Hz"),
        ))),
        (false, _) => findings.push(base(
            Finding::error(
                CHECK,
                "tsc-unavailable",
                format!("the guest's TSC is pinned to {frequency} Hz but the destination's runs at {host_hz} Hz and cannot be scaled"),
            )
            .hint("choose a destination with the same TSC frequency or with TSC scaling"),
        )),
    }
    findings
}
