// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_FLAGS' look at the way back: a host-model guest that moves to a host with a richer
//! host-model CPU migrates fine, but once it restarts there it gets *that* host's host-model CPU
//! (libvirt expands host-model when the guest starts: qemuProcessUpdateGuestCPU ->
//! virCPUUpdate -> x86UpdateHostModel in src/cpu/cpu_x86.c, from the domain capabilities'
//! host-model, `virQEMUCapsGetHostModel`, 9.0 and 11.3 alike), and then it can no longer come
//! back: the source's hypervisor lacks features of that CPU (the CPU check refuses it), or the
//! source's libvirt does not know their names at all ("unknown CPU feature: cmpccxadd", libvirt
//! 9.0 receiving a host-model guest started under libvirt 11.3 with QEMU 10 on the bed). A
//! rolling upgrade that has to be rolled back strands such guests on the new hosts: a WARNING
//! on the way there, while the migration itself is fine.

use std::collections::BTreeSet;

use super::cpu_view::known_only;
use super::{Context, version_string};
use crate::cpu::compare::{Comparison, compare_parsed};
use crate::facts::{CpuDef, Guest};
use crate::flags::Check;
use crate::report::{Finding, Severity};

const CHECK: Check = Check::CpuFlags;

/// Whether `guest`, restarted, starts with a host-model CPU: its persistent definition says so
/// (a running host-model guest's live XML shows the CPU it got, its persistent one the mode it
/// asks for), or, for a transient guest or an offline definition, the definition it runs with.
pub fn restarts_host_model(guest: &Guest) -> bool {
    let def = guest.inactive_def.as_ref().unwrap_or(&guest.def);
    let host_model = |cpu: Option<&CpuDef>| cpu.is_some_and(|c| c.mode() == "host-model");
    host_model(def.cpu.as_ref()) || host_model(guest.def.cpu.as_ref())
}

/// Adds the `no-return` WARNING to the CPU_FLAGS findings of a migration whose CPU is fine
/// (`findings` holds no ERROR and nothing SKIPPED).
pub(super) fn check(cx: &Context, findings: &mut Vec<Finding>) {
    if findings.iter().any(|f| matches!(f.severity, Severity::Error | Severity::Skipped)) {
        return;
    }
    if !restarts_host_model(cx.guest) || !matches!(cx.guest.def.arch.as_deref(), Some("x86_64" | "i686")) {
        return;
    }
    // The CPU it would restart with on the destination, and what the source could give it on
    // the way back (as the CPU check judges a destination: its host-model, else for KVM its host
    // CPU, which KVM's host-model follows).
    let Some(restarted) = cx.dst_domcaps.as_ref().ok().and_then(|d| d.host_model.as_ref()) else { return };
    let source = match cx.src_domcaps.as_ref().ok().and_then(|d| d.host_model.as_ref()) {
        Some(cpu) => cpu,
        None if cx.guest.def.virt_type != "qemu" => {
            match cx.src.capabilities.as_ref().ok().and_then(|c| c.host_cpu.as_ref()) {
                Some(cpu) => cpu,
                None => return,
            }
        }
        None => return,
    };
    // Names the source's own libvirt does not know: it refuses them before comparing anything.
    let mut unknown_features: Vec<String> = Vec::new();
    let mut unknown_model = None;
    let mut exact = true;
    let source_libvirt = cx.src.libvirt_version.as_ref().ok().copied();
    if let Some(version) = source_libvirt {
        // A libvirt older than every carried release knows at most the oldest's names.
        let (release, fit) = crate::cpu::carried::for_libvirt(Some(version));
        if let Ok(known) = release.map() {
            exact = fit != crate::cpu::carried::Fit::Older;
            unknown_features = restarted
                .features
                .iter()
                .map(|(name, _)| name)
                .filter(|name| !known.knows_feature(name))
                .cloned()
                .collect();
            unknown_model = restarted.model.clone().filter(|m| known.model(m).is_none());
        }
    }
    // Features the source cannot give, judged with the source's libvirt's CPU map where it knows
    // the names; by name where it does not (a feature of a newer map the source's host-model does
    // not list).
    let mut missing: Vec<String> = Vec::new();
    if let Ok(map) = cx.src_cpu_map() {
        let (restarted_known, restarted_unknown) = known_only(&map, restarted);
        let (source_known, _) = known_only(&map, source);
        if restarted_known.model.as_deref().is_none_or(|m| map.model(m).is_some())
            && let Ok(outcome) = compare_parsed(&map, &source_known, &restarted_known)
            && outcome.result == Comparison::Incompatible
        {
            missing.extend(outcome.missing);
        }
        let listed: BTreeSet<&str> =
            source.features.iter().filter(|(_, p)| p == "require").map(|(n, _)| n.as_str()).collect();
        missing.extend(
            restarted
                .features
                .iter()
                .filter(|(name, policy)| policy == "require" && restarted_unknown.contains(name))
                .map(|(name, _)| name.clone())
                .filter(|name| !listed.contains(name.as_str())),
        );
    }
    // A name the source's libvirt does not know is said once, as that.
    missing.retain(|name| !unknown_features.contains(name));
    missing.sort();
    missing.dedup();
    if missing.is_empty() && unknown_features.is_empty() && unknown_model.is_none() {
        return;
    }
    let mut why: Vec<String> = Vec::new();
    if !missing.is_empty() {
        why.push(format!("the source cannot give its CPU feature(s) {}", missing.join(", ")));
    }
    if !unknown_features.is_empty() || unknown_model.is_some() {
        let mut names: Vec<String> = unknown_features.iter().map(|f| format!("feature {f}")).collect();
        names.extend(unknown_model.iter().map(|m| format!("model {m}")));
        let release = source_libvirt.map(version_string).unwrap_or_default();
        why.push(match exact {
            true => format!("the source's libvirt {release} does not know its {}", names.join(", ")),
            false => format!("the source's libvirt {release} may not know its {}", names.join(", ")),
        });
    }
    findings.push(
        Finding::warning(
            CHECK,
            "no-return",
            format!(
                "the guest's CPU is host-model: restarted on the destination it gets the destination's host-model CPU \
                 ({}), and could then not migrate back to the source: {}",
                restarted.model.as_deref().unwrap_or("no model"),
                why.join("; ")
            ),
        )
        .hint(
            "configure the guest with the baseline CPU of both hosts (`virt-migration-check baseline --apply`) to keep \
             it able to move both ways",
        )
        .detail("missing", missing.join(","))
        .detail("unknown_features", unknown_features.join(","))
        .detail("unknown_model", unknown_model.unwrap_or_default())
        .detail("source_libvirt", source_libvirt.map(version_string).unwrap_or_default())
        .detail("destination_model", restarted.model.clone().unwrap_or_default()),
    );
}
