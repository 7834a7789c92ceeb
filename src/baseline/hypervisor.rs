// SPDX-License-Identifier: LGPL-2.1-or-later
//! The hosts' own answer: where every live host's driver offers virConnectBaselineHypervisorCPU,
//! its baseline of all hosts' CPUs is taken as the baseline CPU and cross-checked with ours.
//!
//! Each hypervisor knows what it can run (a TCG QEMU cannot give x2apic, a KVM may hide a
//! feature the CPU has), which the library only sees through the host-model CPUs. Each host is
//! asked for the baseline of every host's CPU; the answers combined (their own baseline when
//! they differ) are adopted when they ask for nothing ours does not: a host's hypervisor
//! narrowing the CPU is knowledge, a hypervisor promising a feature another host's own CPU lacks
//! is a disagreement, and the library then keeps its own answer and says so.

use super::{Baseline, BaselineOptions, HostSummary, Maps, hidden_features};
use crate::cpu::CpuMap;
use crate::cpu::baseline::baseline as cpu_baseline;
use crate::cpu::compare::{data_for_policy, feature_names};
use crate::cpu::format::format_guest_cpu;
use crate::cpu::translate::translate;
use crate::error::Error;
use crate::facts::{CpuDef, Fact};
use crate::xml;

/// How the baseline CPU of live hosts was computed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuCrossCheck {
    /// "libvirt": the hypervisors' answer is the baseline CPU; "library": ours is (a host did
    /// not answer, or the answers ask for features ours does not).
    pub computed_by: String,
    /// Per host: None when its hypervisor answered, else why it did not.
    pub answers: Vec<(String, Option<String>)>,
    /// Features our CPU has and the hypervisors' lacks (they know they cannot run them).
    pub only_library: Vec<String>,
    /// Features the hypervisors' CPU has and ours lacks (a disagreement: ours is kept).
    pub only_libvirt: Vec<String>,
}

impl CpuCrossCheck {
    /// Every host answered, so the two CPUs could be compared.
    pub fn compared(&self) -> bool {
        !self.answers.is_empty() && self.answers.iter().all(|(_, reason)| reason.is_none())
    }

    /// Both answers ask for the same features (None when they could not be compared).
    pub fn agree(&self) -> Option<bool> {
        self.compared().then_some(self.only_library.is_empty() && self.only_libvirt.is_empty())
    }
}

/// What every host's hypervisor is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HypervisorRequest {
    /// The baseline's guest arch and virt type: every hypervisor is asked for those, as each
    /// host's CPU is its host-model for them.
    pub arch: String,
    pub virt_type: String,
    /// The guest's emulator, where the baseline is for one (None: each host's default).
    pub emulator: Option<String>,
    /// Every host's CPU as libvirt guest CPU XML.
    pub cpu_xmls: Vec<String>,
    pub keep_non_migratable: bool,
}

/// The request for the hosts' hypervisors, or None when no CPU baseline can be computed.
pub fn hypervisor_request(
    hosts: &[HostSummary],
    options: &BaselineOptions,
) -> Result<Option<HypervisorRequest>, Error> {
    let maps = Maps::of(hosts, options)?;
    // Written in the common map, every host's libvirt can read every CPU.
    let Some((inputs, _)) = super::cpu_inputs(hosts, &maps, options)? else { return Ok(None) };
    let target = super::target(hosts, options)?;
    Ok(Some(HypervisorRequest {
        arch: target.arch,
        virt_type: target.virt_type,
        emulator: target.emulator,
        cpu_xmls: inputs
            .iter()
            .map(|(cpu, _)| {
                format_guest_cpu(&CpuDef {
                    host: false,
                    mode: Some("custom".into()),
                    matching: Some("exact".into()),
                    ..cpu.clone()
                })
            })
            .collect(),
        keep_non_migratable: options.keep_non_migratable,
    }))
}

/// Takes the hypervisors' answers (`answers[i]` from `hosts[i]`) into `baseline`, computed by
/// [`super::compute`] from the same hosts.
pub fn adopt_hypervisor_answers(
    baseline: &mut Baseline,
    hosts: &[HostSummary],
    answers: Vec<Fact<String>>,
    options: &BaselineOptions,
) -> Result<(), Error> {
    let Some(ours) = baseline.cpu.clone() else { return Ok(()) };
    let maps = Maps::of(hosts, options)?;
    let map = maps.common.clone();
    let mut check = CpuCrossCheck { computed_by: "library".into(), ..CpuCrossCheck::default() };
    let mut parsed: Vec<CpuDef> = Vec::new();
    for ((host, answer), own) in hosts.iter().zip(answers).zip(&maps.per_host) {
        let cpu = answer.map_err(|u| format!("{}: {}", u.call, u.reason)).and_then(|text| {
            let document = format!("virConnectBaselineHypervisorCPU answer of {}", host.name);
            let cpu = xml::cpu::parse_cpus(&text, &document).map_err(|e| e.to_string())?.into_iter().next();
            let cpu = cpu.filter(|c| c.model.is_some()).ok_or_else(|| format!("{document}: no CPU model"))?;
            // The answer is written in the answering libvirt's own map.
            translate(own, &cpu, &map).map_err(|e| format!("{document}: {e}"))
        });
        match cpu {
            Ok(cpu) => {
                parsed.push(cpu);
                check.answers.push((host.name.clone(), None));
            }
            Err(reason) => check.answers.push((host.name.clone(), Some(reason))),
        }
    }
    if parsed.len() == hosts.len() {
        let theirs = combine(&map, parsed, options)?;
        let (ours_data, theirs_data) = (data_for_policy(&map, &ours, None)?, data_for_policy(&map, &theirs, None)?);
        let (mut only_ours, mut only_theirs) = (ours_data.clone(), theirs_data);
        only_ours.subtract(&only_theirs);
        only_theirs.subtract(&ours_data);
        check.only_library = feature_names(&map, &only_ours);
        check.only_libvirt = feature_names(&map, &only_theirs);
        if check.only_libvirt.is_empty() {
            check.computed_by = "libvirt".into();
            let own: Vec<CpuDef> = super::cpu_inputs(hosts, &maps, options)?
                .map(|(i, _)| i.into_iter().map(|(c, _)| c).collect())
                .unwrap_or_default();
            baseline.hidden = hidden_features(&map, hosts, &own, &theirs)?;
            baseline.cpu = Some(maps.pinned_for_every_host(theirs)?);
        }
    }
    baseline.cpu_cross_check = Some(check);
    Ok(())
}

/// One CPU from the hosts' answers: the first when all ask for the same features, else their
/// baseline (each runs on its own host, so their common part runs on all).
fn combine(map: &CpuMap, answers: Vec<CpuDef>, options: &BaselineOptions) -> Result<CpuDef, Error> {
    let first = data_for_policy(map, &answers[0], None)?;
    let same = answers
        .iter()
        .skip(1)
        .map(|a| data_for_policy(map, a, None))
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .all(|d| *d == first);
    let mut cpu = if same {
        answers.into_iter().next().expect("checked non-empty")
    } else {
        cpu_baseline(map, &answers, !options.keep_non_migratable)?
    };
    cpu.fallback = Some("forbid".into());
    Ok(cpu)
}
