// SPDX-License-Identifier: LGPL-2.1-or-later
//! MSR (proposal item 10): CPU features backed by model-specific registers (vmx-* controls,
//! arch-capabilities bits ...) that the guest was started with must exist on the destination.
//! Peers miss these: they are invisible in CPUID, and a missing one fails the migration or
//! breaks nested guests.

use super::Context;
use super::cpu_view::{cpu_map, judge, split_msr};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Msr;

pub fn check(cx: &Context) -> Vec<Finding> {
    let judgement = match judge(cx, CHECK) {
        Ok(Some(j)) => j,
        Ok(None) => return Vec::new(),
        Err(skipped) => return vec![skipped],
    };
    let Ok(map) = cpu_map(cx, CHECK) else { return Vec::new() };
    let (_, msr) = split_msr(&map, &judgement.outcome.missing);
    if msr.is_empty() {
        return Vec::new();
    }
    vec![Finding::error(
        CHECK,
        "feature-missing",
        format!("the destination lacks {} MSR-based CPU feature(s) the guest uses: {}", msr.len(), msr.join(", ")),
    )
    .hint("these features (VMX controls, arch-capabilities) come from the host CPU and its microcode; choose a \
        destination with the same CPU generation, or disable them in the guest's CPU definition")
    .detail("missing", msr.join(","))
    .detail("missing_count", msr.len() as u64)
    .detail("compared_with", judgement.against.as_str())]
}
