// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_FLAGS (proposal item 3): the destination must give the guest every CPU feature it
//! started with, judged from the destination's view (what its hypervisor can give, not its raw
//! host CPU). MSR-backed features are the MSR check's; this one names the CPUID ones.

use super::Context;
use super::cpu_view::{Judgement, judge, split_msr};
use crate::cpu::compare::Comparison;
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::CpuFlags;

/// libvirt's VIR_CPU_COMPARE_INCOMPATIBLE.
const HYPERVISOR_INCOMPATIBLE: i32 = 0;

pub fn check(cx: &Context) -> Vec<Finding> {
    // Names the destination's libvirt does not know stop it before any comparison matters.
    let mut findings = super::cpu_names::check(cx);
    findings.extend(judged(cx));
    blocked_model(cx, &mut findings);
    super::cpu_return::check(cx, &mut findings);
    findings
}

/// The destination's hypervisor marks the guest's CPU model unusable (domain capabilities'
/// `usable='no'`, with libvirt 10.x and later the `<blockers>` that say why; qemu_capabilities.c
/// virQEMUCapsFormatCPUModels from QEMU's query-cpu-definitions `unavailable-features`): the
/// blockers the guest does not disable itself are features QEMU's own model has and the
/// destination cannot give. Where a `feature-missing` finding already names the problem, it
/// gains the blockers. Else they are a WARNING: QEMU's model and libvirt's cpu_map model differ
/// (libvirt's EPYC-Rome lacks the xsaves QEMU's has), and libvirt judges by its map, so QEMU's
/// word alone does not prove a refusal.
fn blocked_model(cx: &Context, findings: &mut Vec<Finding>) {
    let Some(cpu) = cx.guest.def.cpu.as_ref().filter(|c| c.mode() == "custom") else { return };
    let (Some(model), Ok(domcaps)) = (cpu.model.as_deref(), &cx.dst_domcaps) else { return };
    let Some(info) = domcaps.cpu_model(model).filter(|m| m.usable == Some(false)) else { return };
    let disabled = |name: &str| cpu.features.iter().any(|(f, policy)| f == name && matches!(policy.as_str(), "disable" | "forbid"));
    let blocking: Vec<&str> = info.blockers.iter().map(String::as_str).filter(|b| !disabled(b)).collect();
    if !info.blockers.is_empty() && blocking.is_empty() {
        return; // The guest disables every blocker itself.
    }
    if let Some(missing) = findings.iter_mut().find(|f| f.code == "cpu_flags.feature-missing") {
        if !blocking.is_empty() {
            let suffix = format!("; the destination's hypervisor blocks model {model} for: {}", blocking.join(", "));
            missing.message.to_mut().push_str(&suffix);
            missing.details.push(("blockers".into(), blocking.join(",").into()));
        }
        return;
    }
    let finding = match blocking.is_empty() {
        false => Finding::warning(
            CHECK,
            "model-blocked",
            format!(
                "the destination's hypervisor cannot give all of CPU model {model}: it lacks {}, which QEMU's model has",
                blocking.join(", ")
            ),
        )
        .detail("blockers", blocking.join(",")),
        true => Finding::warning(
            CHECK,
            "model-blocked",
            format!("the destination's hypervisor marks CPU model {model} unusable, without saying why (libvirt before 10.x lists no blockers)"),
        ),
    };
    findings.push(
        finding
            .hint("configure the guest with a CPU model the destination can give (see `virt-migration-check baseline`)")
            .detail("model", model)
            .detail("canonical", info.canonical.as_deref().unwrap_or("")),
    );
}

/// The guest CPU judged against what the destination can give.
fn judged(cx: &Context) -> Vec<Finding> {
    let judgement = match judge(cx, CHECK) {
        Ok(Some(j)) => j,
        Ok(None) => return Vec::new(),
        Err(skipped) => return vec![skipped],
    };
    let Ok(map) = super::cpu_view::cpu_map(cx, CHECK) else { return Vec::new() };
    let passthrough = matches!(judgement.subject_mode.as_str(), "host-passthrough" | "maximum");
    let mut findings = Vec::new();
    let outcome = &judgement.outcome;
    let with = |f: Finding, j: &Judgement| {
        let f = f.detail("compared_with", j.against.as_str()).detail("guest_cpu_mode", j.subject_mode.as_str());
        if j.ignored.is_empty() { f } else { f.detail("ignored_unknown_features", j.ignored.join(",")) }
    };
    match outcome.result {
        Comparison::Incompatible => {
            let (cpuid, _msr) = split_msr(&map, &outcome.missing);
            if !cpuid.is_empty() {
                let what = if passthrough { "the source host's CPU (host-passthrough)" } else { "the guest's CPU" };
                findings.push(with(
                    Finding::error(
                        CHECK,
                        if passthrough { "passthrough-mismatch" } else { "feature-missing" },
                        format!("the destination lacks {} CPU feature(s) of {what}: {}", cpuid.len(), cpuid.join(", ")),
                    )
                    .hint(if passthrough {
                        "host-passthrough guests need an identical CPU on the destination; use a named CPU model \
                            (see `virt-migration-check cpu-baseline`)"
                    } else {
                        "choose a destination with a newer CPU, or configure the guest with a CPU model every host \
                            provides (see `virt-migration-check cpu-baseline`)"
                    })
                    .detail("missing", cpuid.join(","))
                    .detail("missing_count", cpuid.len() as u64),
                    &judgement,
                ));
            }
            if !outcome.forbidden.is_empty() {
                findings.push(with(
                    Finding::error(
                        CHECK,
                        "forbidden-present",
                        format!("the destination's CPU has feature(s) the guest forbids: {}", outcome.forbidden.join(", ")),
                    )
                    .detail("forbidden", outcome.forbidden.join(",")),
                    &judgement,
                ));
            }
            if !outcome.extra.is_empty() {
                findings.push(with(
                    Finding::error(
                        CHECK,
                        "strict-extra",
                        format!("the guest's CPU must match strictly but the destination's has extra feature(s): \
                            {}", outcome.extra.join(", ")),
                    )
                    .detail("extra", outcome.extra.join(",")),
                    &judgement,
                ));
            }
            if outcome.missing.is_empty() && outcome.forbidden.is_empty() && outcome.extra.is_empty() {
                let reason = outcome.reason.clone().unwrap_or_default();
                findings.push(with(
                    Finding::error(CHECK, "incompatible", format!("the guest's CPU is incompatible with the destination's: {reason}")),
                    &judgement,
                ));
            }
        }
        Comparison::Superset if passthrough => findings.push(with(
            Finding::warning(
                CHECK,
                "passthrough-superset",
                "the destination's CPU has more features than the source's: the host-passthrough guest keeps the \
                    source's set until it restarts",
            )
            .hint("prefer a destination with an identical CPU for host-passthrough guests"),
            &judgement,
        )),
        Comparison::Superset | Comparison::Identical => {}
    }
    if !judgement.unproven.is_empty() {
        let map_source = super::cpu_view::cpu_map(cx, CHECK).map(|m| m.source.clone()).unwrap_or_default();
        findings.push(with(
            Finding::warning(
                CHECK,
                "unknown-to-map",
                format!(
                    "the guest CPU's {} are unknown to {map_source} and the destination's CPU does not name them: \
                        whether the destination can give them is not known",
                    judgement.unproven.join(", ")
                ),
            )
            .hint("give the destination's own CPU map (a copy of its /usr/share/libvirt/cpu_map, --cpu-map DIR)")
            .detail("unknown_names", judgement.unproven.join(",")),
            &judgement,
        ));
    }
    // The hypervisor's own answer is authoritative where a live destination gave one.
    match judgement.hypervisor {
        Some(HYPERVISOR_INCOMPATIBLE) if !findings.iter().any(|f| f.severity == crate::report::Severity::Error) => {
            findings.push(with(
                Finding::error(
                    CHECK,
                    "hypervisor-incompatible",
                    "the destination's hypervisor reports the guest's CPU incompatible (virConnectCompareHypervisorCPU)",
                )
                .hint("see `virsh hypervisor-cpu-compare` on the destination for libvirt's reason"),
                &judgement,
            ))
        }
        Some(verdict) if verdict != HYPERVISOR_INCOMPATIBLE && findings.iter().any(|f| f.code == "cpu_flags.feature-missing") => {
            // Our map disagrees with the hypervisor (a different libvirt version): trust it.
            for f in findings.iter_mut().filter(|f| f.code == "cpu_flags.feature-missing") {
                f.severity = crate::report::Severity::Warning;
                f.message.to_mut().push_str(" (the destination's hypervisor accepts the CPU nonetheless)");
            }
        }
        _ => {}
    }
    if findings.is_empty()
        && outcome.result == Comparison::Superset
        && !passthrough
        && let Some(dst_model) = dst_model(cx)
    {
        let guest_model = cx.guest.def.cpu.as_ref().and_then(|c| c.model.clone()).unwrap_or_default();
        if !guest_model.is_empty() && dst_model != guest_model {
            findings.push(
                Finding::info(
                    CHECK,
                    "newer-model",
                    format!("the destination offers CPU model {dst_model}, more than the guest's {guest_model} needs"),
                )
                .detail("guest_model", guest_model)
                .detail("destination_model", dst_model),
            );
        }
    }
    findings
}

fn dst_model(cx: &Context) -> Option<String> {
    cx.dst_domcaps
        .as_ref()
        .ok()
        .and_then(|d| d.host_model.as_ref())
        .or_else(|| cx.dst.capabilities.as_ref().ok().and_then(|c| c.host_cpu.as_ref()))
        .and_then(|c| c.model.clone())
}
