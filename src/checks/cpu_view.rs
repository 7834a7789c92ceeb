// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the CPU checks share: which CPU the guest runs with, what the destination can give it,
//! and the engine's comparison of the two (with the hypervisor's own verdict where a live
//! destination gave one). Not a check itself.

use std::sync::Arc;

use super::{Context, unavailable};
use crate::cpu::CpuMap;
use crate::cpu::carried::Fit;
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
    /// Names of the guest's CPU the map does not know, where the map is not the destination's
    /// own (a destination newer than every carried release, or a map the caller named), that
    /// the destination's CPU does not name either: whether it can give them is not known.
    pub unproven: Vec<String>,
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
    cx.cpu_map().map_err(|e| no_cpu_map(check, &e))
}

fn no_cpu_map(check: Check, error: &str) -> Finding {
    Finding::skipped(check, "no-cpu-map", format!("cannot evaluate: libvirt's CPU map could not be loaded ({error})"))
        .hint(
            "give the directory of a libvirt cpu_map that holds index.xml, or none to use the maps the library carries",
        )
}

/// The guest's CPU without the names `map` does not know (its model, features), and those
/// names with their policies (a model as policy "model"). Borrowed when the map knows them all.
fn guest_known_part<'c>(map: &CpuMap, cpu: &'c CpuDef) -> (std::borrow::Cow<'c, CpuDef>, Vec<(String, String)>) {
    let model_known = model_known(map, cpu);
    if model_known && cpu.features.iter().all(|(name, _)| map.feature(name).is_some()) {
        return (std::borrow::Cow::Borrowed(cpu), Vec::new());
    }
    let mut unknown: Vec<(String, String)> = Vec::new();
    if !model_known {
        unknown.push((cpu.model.clone().unwrap_or_default(), "model".into()));
    }
    let (known, rest): (Vec<_>, Vec<_>) =
        cpu.features.iter().cloned().partition(|(name, _)| map.feature(name).is_some());
    unknown.extend(rest);
    let model = if model_known { cpu.model.clone() } else { None };
    (std::borrow::Cow::Owned(CpuDef { features: known, model, ..cpu.clone() }), unknown)
}

fn model_known(map: &CpuMap, cpu: &CpuDef) -> bool {
    cpu.model.as_deref().is_none_or(|m| map.model(m).is_some())
}

/// Every name of the guest's CPU (its model and features with their policies), the known part
/// and the names `guest_known_part` took out together.
fn all_names(known: &CpuDef, mut unknown: Vec<(String, String)>) -> Vec<(String, String)> {
    unknown.extend(known.model.iter().map(|m| (m.clone(), "model".to_string())));
    unknown.extend(known.features.iter().cloned());
    unknown
}

/// A host-passthrough guest's source CPU against the destination's by their names, where the
/// map does not know a model: the same model with every source feature named by the
/// destination is the same CPU or more (each libvirt decodes its host's CPUID with its own map,
/// so the same names mean the same bits); the same model with a source feature the destination
/// does not name lacks it; another model cannot be compared without the map.
fn passthrough_by_name(src: &CpuDef, dst: &CpuDef) -> (CompareOutcome, Vec<String>) {
    if src.model != dst.model {
        let name = |c: &CpuDef| c.model.clone().unwrap_or_default();
        return (
            CompareOutcome::identical(),
            vec![format!("model {} (the destination's is {})", name(src), name(dst))],
        );
    }
    let named = |cpu: &CpuDef, name: &str| {
        cpu.features.iter().any(|(f, p)| f == name && matches!(p.as_str(), "require" | "force"))
    };
    let missing: Vec<String> =
        src.features.iter().filter(|(f, p)| p == "require" && !named(dst, f)).map(|(f, _)| f.clone()).collect();
    let outcome = match missing.is_empty() {
        true if dst.features.iter().any(|(f, p)| p == "require" && !named(src, f)) => CompareOutcome::superset(),
        true => CompareOutcome::identical(),
        false => CompareOutcome::missing(missing),
    };
    (outcome, Vec::new())
}

/// The guest's names the map does not know, judged by name against what the destination says
/// it can give (its host-model CPU's features and policies, its hypervisor's usable models):
/// a feature the guest needs that the destination's CPU disables is missing (added to
/// `outcome`); one it names as required is there; a model its hypervisor marks usable is
/// there (one it marks unusable is `model-blocked`'s). Returns what stays unknown.
fn judge_by_name(cx: &Context, dst: &CpuDef, names: &[(String, String)], outcome: &mut CompareOutcome) -> Vec<String> {
    let policy_on_dst = |name: &str| dst.features.iter().find(|(f, _)| f == name).map(|(_, p)| p.as_str());
    let mut unproven = Vec::new();
    for (name, policy) in names {
        match (policy.as_str(), policy_on_dst(name)) {
            ("model", _) => {
                let usable = cx.dst_domcaps.as_ref().ok().and_then(|d| d.cpu_model(name)).and_then(|m| m.usable);
                if usable.is_none() {
                    unproven.push(format!("model {name}"));
                }
            }
            ("require" | "force", Some("require" | "force")) | ("disable" | "optional", _) => {}
            ("require" | "force", Some("disable" | "forbid")) => outcome.add_missing(name),
            ("forbid", Some("require" | "force")) => outcome.add_forbidden(name),
            ("forbid", Some(_)) => {}
            _ => unproven.push(format!("feature {name}")),
        }
    }
    unproven
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
pub(super) fn known_only<'c>(map: &CpuMap, cpu: &'c CpuDef) -> (std::borrow::Cow<'c, CpuDef>, Vec<String>) {
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
    let (map, fit) = cx.cpu_map_and_fit().map_err(|e| no_cpu_map(check, &e))?;
    let unknown = |e: crate::error::Error| {
        Finding::skipped(check, "unknown-cpu", format!("cannot evaluate: {e} in {}", map.source))
            .hint("use the CPU map of the newest libvirt among the hosts")
    };
    match subject {
        Subject::Default => Ok(None),
        Subject::Passthrough(mode) => {
            // The guest sees the source's CPU: the destination's must be the same.
            let src_cpu = host_cpu_of(&cx.src.capabilities, "source", check)?;
            let dst_cpu = host_cpu_of(&cx.dst.capabilities, "destination", check)?;
            let (dst, ignored) = known_only(&map, dst_cpu);
            let (src, _) = known_only(&map, src_cpu);
            let (outcome, unproven) = match model_known(&map, &src) && model_known(&map, &dst) {
                true => (compare(&map, &dst, &src).map_err(unknown)?, Vec::new()),
                // A host CPU model newer than the map: the two hosts' own words compared.
                false => passthrough_by_name(src_cpu, dst_cpu),
            };
            Ok(Some(Judgement {
                subject_mode: mode,
                outcome,
                against: "the destination's host CPU (capabilities)".to_string(),
                hypervisor: None,
                ignored,
                unproven,
            }))
        }
        Subject::Custom(guest) => {
            let (dst_cpu, against) = destination_cpu(cx, check)?;
            let (dst, ignored) = known_only(&map, dst_cpu);
            let (guest, by_name) = guest_known_part(&map, guest);
            let (mut outcome, by_name) = match model_known(&map, &dst) {
                true => (compare(&map, &dst, &guest).map_err(unknown)?, by_name),
                // The destination's CPU model is newer than the map (its libvirt is newer than
                // every carried release): nothing can be expanded, every name is compared by name.
                false => (CompareOutcome::identical(), all_names(guest.as_ref(), by_name)),
            };
            let unproven = match fit {
                // The destination's own map: its libvirt refuses the unknown names
                // (cpu_names), and the rest is compared as it compares it.
                Fit::Exact if model_known(&map, &dst) => Vec::new(),
                _ => judge_by_name(cx, dst_cpu, &by_name, &mut outcome),
            };
            Ok(Some(Judgement {
                subject_mode: guest.mode().to_string(),
                outcome,
                against: against.to_string(),
                hypervisor: cx.dst.hypervisor_cpu_comparison.as_ref().ok().copied(),
                ignored,
                unproven,
            }))
        }
    }
}

/// Splits feature names into CPUID-backed and MSR-backed ones.
pub fn split_msr(map: &CpuMap, names: &[String]) -> (Vec<String>, Vec<String>) {
    names.iter().cloned().partition(|n| !map.feature(n).is_some_and(|(_, f)| f.msr))
}
