// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CPU_FLAGS check's reading of the guest CPU's *names* against what the destination's own
//! libvirt knows (`cpu::carried`, the CPU maps of the releases the library carries): libvirt parses the incoming definition with its own CPU
//! map, and a feature it does not know stops the migration before QEMU starts ("unknown CPU
//! feature: cmpccxadd", libvirt 9.0 receiving a host-model guest started under libvirt 11.3 on
//! the bed; x86FeatureFind/x86ModelFind in src/cpu/cpu_x86.c). Every name counts, whatever its
//! policy. Exact where the library carries the destination's release (its major and minor);
//! for a later release, which knows at least those names, a name unknown to the carried map is
//! a WARNING; for a release older than every carried one, which knows at most the oldest's
//! names (libvirt adds names to its map and never takes one out), a name the oldest lacks is
//! an ERROR too.

use super::cpu_view::{Subject, subject};
use super::{Context, version_string};
use crate::cpu::carried::Fit;
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::CpuFlags;

pub(super) fn check(cx: &Context) -> Vec<Finding> {
    let def = &cx.guest.def;
    // The CPU the migration sends: a host-model definition as the source expanded it (what a
    // running guest's live XML shows). Host-passthrough and maximum name no model or features;
    // a guest of another arch is judged by another map.
    let Ok(Subject::Custom(cpu)) = subject(cx, CHECK) else { return Vec::new() };
    if !matches!(def.arch.as_deref(), Some("x86_64" | "i686")) {
        return Vec::new();
    }
    let Ok(libvirt) = cx.dst.libvirt_version else { return Vec::new() };
    let (carried, fit) = crate::cpu::carried::for_libvirt(Some(libvirt));
    let Ok(known) = carried.map() else { return Vec::new() };
    let features: Vec<&str> =
        cpu.features.iter().map(|(name, _)| name.as_str()).filter(|name| !known.knows_feature(name)).collect();
    let model = cpu.model.as_deref().filter(|m| known.model(m).is_none());
    if features.is_empty() && model.is_none() {
        return Vec::new();
    }
    let mut names: Vec<String> = features.iter().map(|f| format!("feature {f}")).collect();
    names.extend(model.map(|m| format!("model {m}")));
    let libvirt_error = match features.first() {
        Some(feature) => format!("unknown CPU feature: {feature}"),
        None => format!("unknown CPU model {}", model.unwrap_or_default()),
    };
    let release = version_string(libvirt);
    let finding = match fit != Fit::Older {
        true => Finding::error(
            CHECK,
            "unknown-to-destination",
            format!("the destination's libvirt {release} does not know the guest CPU's {}", names.join(", ")),
        ),
        false => Finding::warning(
            CHECK,
            "unknown-to-destination",
            format!(
                "the destination's libvirt {release} may not know the guest CPU's {} (libvirt {} did not)",
                names.join(", "),
                carried.name
            ),
        ),
    };
    vec![
        finding
            .hint("start the guest with a CPU model and features the destination's libvirt knows (the baseline of both hosts), or upgrade libvirt there")
            .detail("unknown_features", features.join(","))
            .detail("unknown_model", model.unwrap_or(""))
            .detail("destination_libvirt", release)
            .detail("libvirt_error", libvirt_error),
    ]
}
