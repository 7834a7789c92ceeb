//! What the CPU checks share: which CPU the guest runs with, what the destination can give it,
//! and the engine's comparison of the two (with the hypervisor's own verdict where a live
//! destination gave one). Not a check itself.

use std::sync::Arc;

use super::{Context, unavailable};
use crate::cpu::CpuMap;
use crate::cpu::compare::{CompareOutcome, compare_parsed as compare};
use crate::facts::{CpuDef, Fact};
use crate::flags::Check;
use crate::report::Finding;

/// The guest's CPU, as far as migration is concerned.
pub enum Subject<'a> {
    /// No CPU model: the hypervisor's default CPU, the same everywhere.
    Default,
    /// host-passthrough or maximum: the guest sees the source host's CPU itself.
    Passthrough(String),
    /// A named model with features (a running host-model guest shows its expanded CPU).
    Custom(&'a CpuDef),
}

/// The engine's judgement of the guest's CPU on the destination.
#[derive(Clone)]
pub struct Judgement {
    pub subject_mode: String,
    pub outcome: CompareOutcome,
    /// What the guest's CPU was compared with, for messages.
    pub against: String,
    /// The destination hypervisor's own verdict (virConnectCompareHypervisorCPU), if it gave one.
    pub hypervisor: Option<i32>,
    /// Features of the destination's CPU the CPU map does not know (a newer libvirt there).
    pub ignored: Vec<String>,
}

pub fn subject<'a>(cx: &'a Context, check: Check) -> Result<Subject<'a>, Finding> {
    let Some(cpu) = &cx.guest.def.cpu else { return Ok(Subject::Default) };
    match cpu.mode() {
        "host-passthrough" | "maximum" => Ok(Subject::Passthrough(cpu.mode().to_string())),
        "host-model" => {
            // A persistent definition says host-model; a running guest's live XML shows the CPU
            // it got. Without it, the source's host-model is what the guest started with.
            match cx.src_domcaps.as_ref().ok().and_then(|d| d.host_model.as_ref()) {
                Some(cpu) => Ok(Subject::Custom(cpu)),
                None => Err(Finding::skipped(
                    check,
                    "host-model-unexpanded",
                    "cannot evaluate: the guest's CPU is host-model and neither its live XML nor the source's domain \
                        capabilities tell which CPU it got",
                )
                .hint(
                    "check the running guest (its live XML holds the expanded CPU), or give a source snapshot \
                    taken over a read-write connection",
                )),
            }
        }
        _ if cpu.model.is_some() => Ok(Subject::Custom(cpu)),
        _ => Ok(Subject::Default),
    }
}

pub fn cpu_map(cx: &Context, check: Check) -> Result<Arc<CpuMap>, Finding> {
    cx.cpu_map().map_err(|e| {
        Finding::skipped(check, "no-cpu-map", format!("cannot evaluate: libvirt's CPU map could not be loaded ({e})"))
            .hint("install libvirt's cpu_map (libvirt-daemon) or give its directory")
    })
}

/// The destination's view of CPUs: its host-model CPU from domain capabilities (what the
/// hypervisor can really give), else its host CPU from capabilities.
fn destination_cpu<'a>(cx: &'a Context, check: Check) -> Result<(&'a CpuDef, &'static str), Finding> {
    if let Ok(Some(cpu)) = cx.dst_domcaps.as_ref().map(|d| d.host_model.as_ref()) {
        return Ok((cpu, "the destination's host-model CPU (domain capabilities)"));
    }
    if cx.guest.def.virt_type == "qemu" {
        // TCG emulates the CPU in software: the host's own CPU does not bound what the guest
        // gets (a qemu64 guest's svm runs on an Intel host), only QEMU's domain capabilities do.
        let why = match &cx.dst_domcaps {
            Err(e) => format!(" ({}: {})", e.call, e.reason),
            Ok(_) => String::new(),
        };
        return Err(Finding::skipped(
            check,
            "emulated-cpu-unknown",
            format!(
                "cannot evaluate: the guest's CPU is emulated ({} domain), so only the destination's domain \
                capabilities can tell what it offers, and they are unavailable{why}",
                cx.guest.def.virt_type
            ),
        )
        .hint(
            "open the destination connection read-write (libvirt 9.0 serves domain capabilities only there; the \
            library still makes read-only calls)",
        ));
    }
    match &cx.dst.capabilities {
        Ok(caps) => match &caps.host_cpu {
            Some(cpu) => Ok((cpu, "the destination's host CPU (capabilities; domain capabilities unavailable)")),
            None => Err(Finding::skipped(
                check,
                "no-host-cpu",
                "cannot evaluate: the destination reports no host CPU model (as libvirt's test driver)",
            )),
        },
        Err(e) => Err(unavailable(check, "destination", "capabilities", e)),
    }
}

/// Drops the features of a host's CPU that the map does not know, naming them (no copy when
/// the map knows them all, the usual case).
fn known_only<'c>(map: &CpuMap, cpu: &'c CpuDef) -> (std::borrow::Cow<'c, CpuDef>, Vec<String>) {
    if cpu.features.iter().all(|(name, _)| map.feature(name).is_some()) {
        return (std::borrow::Cow::Borrowed(cpu), Vec::new());
    }
    let (known, unknown): (Vec<_>, Vec<_>) =
        cpu.features.iter().cloned().partition(|(name, _)| map.feature(name).is_some());
    (std::borrow::Cow::Owned(CpuDef { features: known, ..cpu.clone() }), unknown.into_iter().map(|(n, _)| n).collect())
}

fn host_cpu_of<'f>(
    fact: &'f Fact<crate::facts::Capabilities>,
    side: &str,
    check: Check,
) -> Result<&'f CpuDef, Finding> {
    match fact {
        Ok(caps) => caps.host_cpu.as_ref().ok_or_else(|| {
            Finding::skipped(check, "no-host-cpu", format!("cannot evaluate: the {side} reports no host CPU model"))
        }),
        Err(e) => Err(unavailable(check, side, "capabilities", e)),
    }
}

/// Judges the guest's CPU on the destination; None for a guest with the default CPU. Computed
/// once per pair (CPU_FLAGS and MSR share it); a SKIPPED answer is labelled for `check`.
pub fn judge(cx: &Context, check: Check) -> Result<Option<Judgement>, Finding> {
    cx.cpu_judgement.get_or_init(|| judge_once(cx, Check::CpuFlags)).clone().map_err(|f| f.relabel(check))
}

fn judge_once(cx: &Context, check: Check) -> Result<Option<Judgement>, Finding> {
    let subject = subject(cx, check)?;
    if let Subject::Default = subject {
        return Ok(None);
    }
    let map = cpu_map(cx, check)?;
    let unknown = |e: crate::error::Error| {
        Finding::skipped(check, "unknown-cpu", format!("cannot evaluate: {e} in this CPU map ({})", map.dir.display()))
            .hint("use the CPU map of the newest libvirt among the hosts")
    };
    match subject {
        Subject::Default => Ok(None),
        Subject::Passthrough(mode) => {
            // The guest sees the source's CPU: the destination's must be the same.
            let src = host_cpu_of(&cx.src.capabilities, "source", check)?;
            let dst = host_cpu_of(&cx.dst.capabilities, "destination", check)?;
            let (dst, ignored) = known_only(&map, dst);
            let (src, _) = known_only(&map, src);
            let outcome = compare(&map, &dst, &src).map_err(unknown)?;
            Ok(Some(Judgement {
                subject_mode: mode,
                outcome,
                against: "the destination's host CPU (capabilities)".to_string(),
                hypervisor: None,
                ignored,
            }))
        }
        Subject::Custom(guest) => {
            let (dst, against) = destination_cpu(cx, check)?;
            let (dst, ignored) = known_only(&map, dst);
            let outcome = compare(&map, &dst, guest).map_err(unknown)?;
            Ok(Some(Judgement {
                subject_mode: guest.mode().to_string(),
                outcome,
                against: against.to_string(),
                hypervisor: cx.dst.hypervisor_cpu_comparison.as_ref().ok().copied(),
                ignored,
            }))
        }
    }
}

/// Splits feature names into CPUID-backed and MSR-backed ones.
pub fn split_msr(map: &CpuMap, names: &[String]) -> (Vec<String>, Vec<String>) {
    names.iter().cloned().partition(|n| !map.feature(n).is_some_and(|(_, f)| f.msr))
}
