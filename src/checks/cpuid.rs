// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPUID (proposal item 11): model-specific CPUID information visible to the guest. A named
//! model shows the model's own family/model/stepping wherever it runs; host-passthrough shows
//! the host's (and cache passthrough its caches), which change under the guest's feet.

use super::Context;
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Cpuid;

pub fn check(cx: &Context) -> Vec<Finding> {
    let Some(cpu) = &cx.guest.def.cpu else { return Vec::new() };
    let mut findings = Vec::new();
    if matches!(cpu.mode(), "host-passthrough" | "maximum") {
        let signature = |h: &crate::facts::Host| h.capabilities.as_ref().ok().and_then(|c| c.host_cpu_signature);
        let model = |h: &crate::facts::Host| h.capabilities.as_ref().ok().and_then(|c| c.host_cpu_model.clone());
        let same = match (signature(cx.src), signature(cx.dst)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if !same {
            let fmt = |s: Option<(u32, u32, u32)>| {
                s.map(|(f, m, st)| format!("family {f} model {m} stepping {st}")).unwrap_or_else(|| "unknown".into())
            };
            findings.push(
                Finding::warning(
                    CHECK,
                    "passthrough",
                    format!(
                        "the {} guest sees the host CPU's own identity (source: {}, destination: {}), which may change with the migration",
                        cpu.mode(),
                        model(cx.src).unwrap_or_else(|| fmt(signature(cx.src))),
                        model(cx.dst).unwrap_or_else(|| fmt(signature(cx.dst)))
                    ),
                )
                .hint("software that keys on CPUID (licensing, tuned math libraries) may misbehave; use a named CPU \
                    model for guests that migrate")
                .detail("source_signature", fmt(signature(cx.src)))
                .detail("destination_signature", fmt(signature(cx.dst))),
            );
        }
    }
    if cpu.cache_mode.as_deref() == Some("passthrough") {
        findings.push(
            Finding::warning(CHECK, "cache-passthrough", "the guest sees the host's CPU cache topology (<cache \
                mode='passthrough'/>), which the destination's may not match")
                .hint("use <cache mode='emulate'/> for guests that migrate"),
        );
    }
    findings
}
