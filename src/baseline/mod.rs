// SPDX-License-Identifier: LGPL-2.1-or-later
//! The lowest common denominator: what a guest must be configured with to migrate among a set
//! of hosts (the CPU every host can give, the machine types, device models, networks, memory,
//! vCPUs and TSC frequency common to all), computed from host snapshots.

mod apply;
pub mod both_ways;
mod document;
mod hypervisor;

pub use apply::{apply, compatibility_flags};
pub use both_ways::{Direction, Pair, both_ways, both_ways_xml, one_way_pairs};
pub use document::{read, write};
pub use hypervisor::{CpuCrossCheck, HypervisorRequest, adopt_hypervisor_answers, hypervisor_request};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::checks::{network_model::QEMU_NIC_MODELS, time::TSC_TOLERANCE_PPM};
use crate::cpu::CpuMap;
use crate::cpu::baseline::baseline as cpu_baseline;
use crate::cpu::compare::{data_for_policy, feature_names};
use crate::error::Error;
use crate::facts::machines::{machine_family, machine_version};
use crate::facts::{Capabilities, CpuDef, DomainCapabilities, DomainDef, Host, Hypervisor, NodeInfo};

/// One host as the baseline sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostSummary {
    /// Its URI (or a name), for the document.
    pub name: String,
    pub capabilities: Option<Capabilities>,
    pub domain_capabilities: Vec<DomainCapabilities>,
    /// Networks: `(name, active)`.
    pub networks: Option<Vec<(String, bool)>>,
    pub node: Option<NodeInfo>,
    pub hypervisor: Option<Hypervisor>,
    /// Its libvirt's version: its CPUs are read with that release's CPU map (`cpu::carried`).
    pub libvirt: Option<u64>,
}

impl HostSummary {
    /// What the baseline reads of a host's facts (those of a snapshot, live or from a file:
    /// `xml::snapshot::host`). A fact the host could not give is left out of the baseline.
    pub fn from_host(host: &Host) -> HostSummary {
        HostSummary {
            name: host.uri.clone(),
            capabilities: host.capabilities.as_ref().ok().cloned(),
            domain_capabilities: host.domain_capabilities.as_ref().ok().cloned().unwrap_or_default(),
            networks: host.networks.as_ref().ok().map(|all| all.iter().map(|n| (n.name.clone(), n.active)).collect()),
            node: host.node.as_ref().ok().cloned(),
            hypervisor: host.hypervisor.as_ref().ok().cloned(),
            libvirt: host.libvirt_version.as_ref().ok().copied(),
        }
    }

    fn arch(&self) -> Option<&str> {
        self.capabilities.as_ref().map(|c| c.host_arch.as_str()).filter(|a| !a.is_empty())
    }

    /// The domain capabilities that describe a guest of `target` on this host. libvirt's are
    /// per emulator, arch, machine and virt type (`virConnectGetDomainCapabilities`, answered
    /// from `virQEMUCapsCacheLookupDefault` in src/qemu/qemu_capabilities.c, 9.0 and 11.3): of
    /// those of the target's arch and virt type, the target's emulator first (its host-model
    /// CPU is that binary's, `virQEMUCapsGetHostModel`), then its machine type (an alias
    /// resolved as this host's capabilities resolve it), then a machine of its family (device
    /// models follow the machine family), else the first (the host's default machine).
    fn domcaps_for(&self, target: &Target) -> Option<&DomainCapabilities> {
        let machine = target.machine.as_deref().map(|m| self.canonical_machine(&target.arch, m));
        let family = machine.as_deref().map(machine_family);
        let score = |d: &DomainCapabilities| {
            (
                target.emulator.as_deref() == Some(d.path.as_str()),
                machine.as_deref() == Some(d.machine.as_str()),
                family.is_some() && family == Some(machine_family(&d.machine)),
            )
        };
        self.domain_capabilities
            .iter()
            .enumerate()
            .filter(|(_, d)| d.arch == target.arch && d.domain == target.virt_type)
            .max_by_key(|(i, d)| (score(d), std::cmp::Reverse(*i)))
            .map(|(_, d)| d)
    }

    /// `machine` as this host resolves it: the canonical machine of an alias ("pc" ->
    /// "pc-i440fx-7.2" on QEMU 7.2), else itself.
    fn canonical_machine(&self, arch: &str, machine: &str) -> String {
        self.capabilities
            .iter()
            .flat_map(|c| c.guests.iter())
            .filter(|g| g.arch == arch)
            .map(|g| g.canonical_machine(machine))
            .find(|canonical| *canonical != machine)
            .unwrap_or(machine)
            .to_string()
    }

    /// The CPU this host can give a guest of `target`: the hypervisor's host-model in the
    /// domain capabilities of the target (`domcaps_for`), else for KVM (and drivers without
    /// domain capabilities) the host CPU of the capabilities, which KVM's host-model follows.
    /// libvirt's host-model is per virt type (`virQEMUCapsGetHostModel(qemuCaps, virtType, ..)`
    /// in src/qemu/qemu_capabilities.c, 9.0 and 11.3 alike): KVM's follows the machine's CPU,
    /// TCG's is QEMU's emulated CPU (AMD-branded whatever the machine), so a TCG guest never
    /// gets the host CPU, and mixing the two would mix vendors.
    fn guest_cpu(&self, target: &Target) -> Option<(CpuDef, &'static str)> {
        if let Some(cpu) = self.domcaps_for(target).and_then(|d| d.host_model.clone()) {
            return Some((cpu, "host-model"));
        }
        if target.virt_type == "qemu" || self.arch() != Some(target.arch.as_str()) {
            return None;
        }
        self.capabilities.as_ref().and_then(|c| c.host_cpu.clone()).map(|c| (c, "host CPU"))
    }

    /// Whether the host offers `virt_type` for full-virtualisation guests of `arch` (its
    /// capabilities' `<guest><os_type>hvm</os_type><arch name><domain type>`, or its domain
    /// capabilities); None when it gave neither.
    fn offers(&self, arch: &str, virt_type: &str) -> Option<bool> {
        if self.capabilities.is_none() && self.domain_capabilities.is_empty() {
            return None;
        }
        Some(
            self.capabilities
                .iter()
                .flat_map(|c| c.guests.iter())
                .any(|g| g.os_type == "hvm" && g.arch == arch && g.domain_types.iter().any(|t| t == virt_type))
                || self.domain_capabilities.iter().any(|d| d.arch == arch && d.domain == virt_type),
        )
    }

    /// The virt types the host offers for guests of `arch`, in its capabilities' order.
    fn virt_types(&self, arch: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .capabilities
            .iter()
            .flat_map(|c| c.guests.iter())
            .filter(|g| g.os_type == "hvm" && g.arch == arch)
            .flat_map(|g| g.domain_types.iter().cloned())
            .chain(self.domain_capabilities.iter().filter(|d| d.arch == arch).map(|d| d.domain.clone()));
        for t in all {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }
}

/// The virt type a guest that must run on every host of `hosts` can have, for their arch:
/// "kvm" when every host offers it, else "qemu" (TCG, which every QEMU host runs) unless a host
/// lacks it too, else the first virt type every host offers (a driver of another kind: "test",
/// "xen" ...). A host that gave neither capabilities nor domain capabilities cannot offer KVM
/// as far as anyone knows, and lacks nothing else.
pub fn common_virt_type(hosts: &[HostSummary]) -> String {
    let arch = hosts.iter().find_map(HostSummary::arch).unwrap_or_default().to_string();
    if !hosts.is_empty() && hosts.iter().all(|h| h.offers(&arch, "kvm") == Some(true)) {
        return "kvm".into();
    }
    let everywhere = |t: &str| hosts.iter().all(|h| h.offers(&arch, t) != Some(false));
    if everywhere("qemu") {
        return "qemu".into();
    }
    hosts.iter().flat_map(|h| h.virt_types(&arch)).find(|t| everywhere(t)).unwrap_or_else(|| "qemu".into())
}

/// Options of a baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineOptions {
    /// Hosts of different CPU vendors get a vendor-neutral CPU instead of an error.
    pub vendor_neutral: bool,
    /// Keep features that block migration (invtsc ...): false for a migration baseline.
    pub keep_non_migratable: bool,
    pub cpu_map: Option<std::path::PathBuf>,
    /// The virt type the baseline is for (kvm, qemu ...); None: [`common_virt_type`]. Every
    /// host must offer it.
    pub virt_type: Option<String>,
    /// The guest arch the baseline is for; None: the hosts' own (which they must share).
    pub arch: Option<String>,
    /// The guest's emulator and machine type, choosing which of each host's domain
    /// capabilities describe the guest (None: the host's default emulator, any machine).
    pub emulator: Option<String>,
    pub machine: Option<String>,
}

impl BaselineOptions {
    /// These options for the guest `def`: where not already chosen, its own arch, virt type,
    /// emulator and machine type (a TCG guest gets the TCG baseline even where every host has
    /// KVM, and the domain capabilities of its emulator and machine).
    pub fn for_guest(self, def: &DomainDef) -> BaselineOptions {
        BaselineOptions {
            virt_type: self.virt_type.or_else(|| Some(def.virt_type.clone()).filter(|t| !t.is_empty())),
            arch: self.arch.or_else(|| def.arch.clone()),
            emulator: self.emulator.or_else(|| def.emulator.clone()),
            machine: self.machine.or_else(|| def.machine.clone()),
            ..self
        }
    }
}

/// What the baseline is for: one guest arch and virt type, every host's; the emulator and
/// machine where the caller named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub arch: String,
    pub virt_type: String,
    pub emulator: Option<String>,
    pub machine: Option<String>,
}

/// The target of a baseline of `hosts`: the arch and virt type asked for, else the hosts' arch
/// and [`common_virt_type`]. A host that does not offer the virt type for the arch is an error
/// naming it: a guest of that type cannot start there (libvirt: "Emulator ... does not support
/// virt type 'kvm'", `virQEMUCapsIsVirtTypeSupported` via qemuValidateDomainDef, 9.0 and 11.3),
/// and a baseline that left it out would not be the baseline of the hosts asked about.
pub fn target(hosts: &[HostSummary], options: &BaselineOptions) -> Result<Target, Error> {
    let arches: Vec<&str> = hosts.iter().filter_map(HostSummary::arch).collect();
    let host_arch = arches.first().copied().unwrap_or_default();
    if arches.iter().any(|a| *a != host_arch) {
        return Err(Error::invalid(format!(
            "the hosts have different architectures ({}): a guest cannot migrate among them",
            arches.join(", ")
        )));
    }
    let arch = options.arch.clone().filter(|a| !a.is_empty()).unwrap_or_else(|| host_arch.to_string());
    let virt_type = options.virt_type.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| common_virt_type(hosts));
    let lacking: Vec<String> = hosts
        .iter()
        .filter(|h| h.offers(&arch, &virt_type) == Some(false))
        .map(|h| {
            let offered = h.virt_types(&arch);
            let offered = if offered.is_empty() { "none".to_string() } else { offered.join(", ") };
            format!("'{}' (it offers: {offered})", h.name)
        })
        .collect();
    if !lacking.is_empty() {
        return Err(Error::invalid(format!(
            "virt type '{virt_type}' for arch '{arch}' is not offered by host {}: a guest of that type cannot run \
             there",
            lacking.join(", host ")
        )));
    }
    Ok(Target { arch, virt_type, emulator: options.emulator.clone(), machine: options.machine.clone() })
}

/// The newest machine type of one family offered by every host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineFamily {
    pub arch: String,
    pub virt_type: String,
    pub family: String,
    pub newest: String,
}

/// The baseline of a set of hosts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Baseline {
    pub hosts: Vec<String>,
    /// The guest arch and virt type the baseline is for: every host offers them, and a guest
    /// of another arch or virt type cannot be rewritten to it.
    pub arch: String,
    pub virt_type: String,
    /// The guest emulator the baseline was asked for (None: each host's default).
    pub emulator: Option<String>,
    /// Per host (parallel to `hosts`), the emulator and machine type of the domain
    /// capabilities its CPU and device models were read from (None: it gave none for the
    /// target).
    pub domain_capabilities: Vec<Option<(String, String)>>,
    /// The guest CPU every host can give (None when no host reports a CPU).
    pub cpu: Option<CpuDef>,
    /// What each host's CPU was taken from ("host-model", "host CPU").
    pub cpu_sources: Vec<(String, String)>,
    /// Per host, the features of its own CPU the baseline hides.
    pub hidden: Vec<(String, Vec<String>)>,
    pub machines: Vec<MachineFamily>,
    /// Device enums offered by every host's emulator ("disk.bus" -> values), for the baseline's
    /// arch and virt type.
    pub devices: BTreeMap<String, Vec<String>>,
    /// NIC models every host's QEMU provides (empty when a host's version is unknown).
    pub nic_models: Vec<String>,
    /// Networks defined (and active) on every host.
    pub networks: Vec<String>,
    pub max_memory_kib: Option<u64>,
    pub max_vcpus: Option<u32>,
    /// A TSC frequency every host can provide (None: none can be promised).
    pub tsc_hz: Option<u64>,
    /// How the CPU was computed on live hosts: their hypervisors' own baseline against ours
    /// (None for snapshots, which cannot be asked).
    pub cpu_cross_check: Option<CpuCrossCheck>,
}

fn intersect<T: PartialEq + Clone>(lists: &[Vec<T>]) -> Vec<T> {
    let Some((first, rest)) = lists.split_first() else { return Vec::new() };
    first.iter().filter(|v| rest.iter().all(|l| l.contains(v))).cloned().collect()
}

/// Computes the baseline of `hosts`.
pub fn compute(hosts: &[HostSummary], options: &BaselineOptions) -> Result<Baseline, Error> {
    if hosts.is_empty() {
        return Err(Error::invalid("no hosts given"));
    }
    let target = target(hosts, options)?;
    let mut baseline = Baseline {
        hosts: hosts.iter().map(|h| h.name.clone()).collect(),
        arch: target.arch.clone(),
        virt_type: target.virt_type.clone(),
        emulator: target.emulator.clone(),
        domain_capabilities: hosts
            .iter()
            .map(|h| h.domcaps_for(&target).map(|d| (d.path.clone(), d.machine.clone())))
            .collect(),
        ..Baseline::default()
    };
    compute_cpu(hosts, options, &mut baseline)?;
    compute_platform(hosts, &target, &mut baseline);
    Ok(baseline)
}

/// Per host: the CPU it can give, where it came from ("host-model", "host CPU").
type CpuInput = (CpuDef, &'static str);

/// The CPU maps a baseline reads and writes CPUs with.
pub(crate) struct Maps {
    /// Each host's: the map of its own libvirt's release (`cpu::carried`), which its CPUs are
    /// written in and which judges the guest there.
    per_host: Vec<Arc<CpuMap>>,
    /// The oldest of them, whose names every host's libvirt knows (libvirt adds names to its
    /// map, never takes one out): the baseline is computed and written in it.
    common: Arc<CpuMap>,
}

impl Maps {
    /// The maps of `hosts`; a map the options name serves every host.
    pub(crate) fn of(hosts: &[HostSummary], options: &BaselineOptions) -> Result<Maps, Error> {
        if let Some(dir) = options.cpu_map.as_deref() {
            let map = CpuMap::cached(Some(dir))?;
            return Ok(Maps { per_host: vec![map.clone(); hosts.len()], common: map });
        }
        let releases: Vec<&crate::cpu::carried::Release> =
            hosts.iter().map(|h| crate::cpu::carried::for_libvirt(h.libvirt).0).collect();
        let oldest = releases.iter().min_by_key(|r| r.libvirt).copied();
        let common = match oldest {
            Some(release) => release.map()?,
            None => crate::cpu::carried::newest()?,
        };
        Ok(Maps { per_host: releases.iter().map(|r| r.map()).collect::<Result<_, _>>()?, common })
    }

    /// `cpu`, written with the common map, made to mean the same bits to every host's libvirt.
    fn pinned_for_every_host(&self, cpu: CpuDef) -> Result<CpuDef, Error> {
        let mut cpu = cpu;
        for (i, map) in self.per_host.iter().enumerate() {
            if !self.per_host[..i].iter().any(|m| Arc::ptr_eq(m, map)) {
                cpu = crate::cpu::translate::pin_meaning(&self.common, &cpu, map)?;
            }
        }
        Ok(cpu)
    }
}

/// The CPU each host can give a guest of the baseline's target, as the baseline's inputs:
/// `(cpu, source)` per host, vendors removed when they differ and a vendor-neutral answer was
/// asked for, and whether they differ. None when some host reports no CPU (no CPU can then be
/// promised).
fn cpu_inputs(
    hosts: &[HostSummary],
    maps: &Maps,
    options: &BaselineOptions,
) -> Result<Option<(Vec<CpuInput>, bool)>, Error> {
    let target = target(hosts, options)?;
    let cpus: Vec<CpuInput> = hosts.iter().filter_map(|h| h.guest_cpu(&target)).collect();
    if cpus.len() != hosts.len() {
        return Ok(None);
    }
    // Each host's CPU as its own libvirt means it, written in the common map.
    let map = &*maps.common;
    let cpus: Vec<CpuInput> = cpus
        .into_iter()
        .zip(&maps.per_host)
        .map(|((cpu, source), own)| Ok((crate::cpu::translate::translate(own, &cpu, map)?, source)))
        .collect::<Result<_, Error>>()?;
    let vendors: Vec<Option<String>> = cpus
        .iter()
        .map(|(c, _)| {
            c.vendor.clone().or_else(|| c.model.as_deref().and_then(|m| map.model(m)).and_then(|m| m.vendor.clone()))
        })
        .collect();
    let mixed = vendors.iter().any(|v| *v != vendors[0]);
    if mixed && !options.vendor_neutral {
        let names: Vec<String> = vendors.iter().map(|v| v.clone().unwrap_or_else(|| "unknown".into())).collect();
        return Err(Error::invalid(format!(
            "the hosts have CPUs of different vendors ({}); ask for a vendor-neutral baseline \
                (VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL, --vendor-neutral)",
            names.join(", ")
        )));
    }
    let inputs =
        cpus.into_iter().map(|(c, source)| (if mixed { CpuDef { vendor: None, ..c } } else { c }, source)).collect();
    Ok(Some((inputs, mixed)))
}

fn compute_cpu(hosts: &[HostSummary], options: &BaselineOptions, baseline: &mut Baseline) -> Result<(), Error> {
    let maps = Maps::of(hosts, options)?;
    let map = maps.common.clone();
    let Some((inputs, mixed)) = cpu_inputs(hosts, &maps, options)? else { return Ok(()) };
    let cpus: Vec<CpuDef> = inputs.iter().map(|(c, _)| c.clone()).collect();
    let mut cpu = if mixed {
        crate::cpu::baseline::baseline_vendor_neutral(&map, &cpus, !options.keep_non_migratable)?
    } else {
        cpu_baseline(&map, &cpus, !options.keep_non_migratable)?
    };
    cpu.fallback = Some("forbid".to_string());
    baseline.cpu_sources =
        hosts.iter().zip(&inputs).map(|(h, (_, source))| (h.name.clone(), source.to_string())).collect();
    baseline.hidden = hidden_features(&map, hosts, &cpus, &cpu)?;
    baseline.cpu = Some(maps.pinned_for_every_host(cpu)?);
    Ok(())
}

/// Per host, the features of its own CPU (`own[i]`) that `result` hides.
fn hidden_features(
    map: &CpuMap,
    hosts: &[HostSummary],
    own: &[CpuDef],
    result: &CpuDef,
) -> Result<Vec<(String, Vec<String>)>, Error> {
    let result_data = data_for_policy(map, result, None)?;
    hosts
        .iter()
        .zip(own)
        .map(|(host, input)| {
            let mut data = data_for_policy(map, input, None)?;
            data.subtract(&result_data);
            Ok((host.name.clone(), feature_names(map, &data)))
        })
        .collect()
}

fn compute_platform(hosts: &[HostSummary], target: &Target, baseline: &mut Baseline) {
    let (arch, virt_type) = (target.arch.as_str(), target.virt_type.as_str());
    // Machine families of the target's virt type: the newest machine every host offers.
    let machines_of = |h: &HostSummary| -> Vec<String> {
        h.capabilities
            .iter()
            .flat_map(|c| c.guests.iter())
            .filter(|g| g.arch == arch && g.os_type == "hvm" && g.domain_types.iter().any(|t| t == virt_type))
            .flat_map(|g| g.machines.iter().cloned())
            .collect()
    };
    let lists: Vec<Vec<String>> = hosts.iter().map(machines_of).collect();
    let common = intersect(&lists);
    let mut families: BTreeMap<String, String> = BTreeMap::new();
    for m in &common {
        let family = machine_family(m).to_string();
        let newest = families.entry(family).or_insert_with(|| m.clone());
        if machine_version(m) > machine_version(newest) {
            *newest = m.clone();
        }
    }
    // An alias every host offers ("pc", "q35") names each host's own newest machine of a
    // family (libvirt's `<machine canonical=>`, QEMU's alias): pc-i440fx-7.2 on QEMU 7.2,
    // pc-i440fx-10.0 on QEMU 10. libvirt replaces the alias by the canonical machine when it
    // defines or starts the guest (qemuCanonicalizeMachine -> virQEMUCapsGetCanonicalMachine,
    // 9.0 and 11.3), so a guest started with "pc" on the newer host could not migrate back.
    // The alias stands for the newest machine of that family every host offers.
    let aliases: Vec<(String, String)> = common
        .iter()
        .filter(|m| machine_version(m).is_empty())
        .filter_map(|alias| {
            let canonical: Vec<String> = hosts.iter().map(|h| h.canonical_machine(arch, alias)).collect();
            let family = machine_family(&canonical[0]);
            let same = canonical.iter().all(|c| c != alias && machine_family(c) == family);
            let newest = families.get(family).filter(|_| same && family != alias.as_str())?;
            Some((alias.clone(), newest.clone()))
        })
        .collect();
    for (alias, newest) in aliases {
        families.insert(alias, newest);
    }
    for (family, newest) in families {
        if family != newest || !newest.chars().any(|c| c.is_ascii_digit()) {
            baseline.machines.push(MachineFamily {
                arch: arch.to_string(),
                virt_type: virt_type.to_string(),
                family,
                newest,
            });
        }
    }
    // Device enums of each host's emulator for the target (its domain capabilities).
    let enums: Vec<BTreeMap<String, Vec<String>>> =
        hosts.iter().filter_map(|h| h.domcaps_for(target).map(|d| d.device_enums.clone())).collect();
    if enums.len() == hosts.len() {
        for key in enums[0].keys() {
            let lists: Vec<Vec<String>> = enums.iter().map(|e| e.get(key).cloned().unwrap_or_default()).collect();
            baseline.devices.insert(key.clone(), intersect(&lists));
        }
    }
    // NIC models of the oldest QEMU.
    let versions: Option<Vec<u64>> = hosts
        .iter()
        .map(|h| h.hypervisor.as_ref().filter(|v| v.driver.eq_ignore_ascii_case("QEMU")).map(|v| v.version))
        .collect();
    if let Some(oldest) = versions.and_then(|v| v.into_iter().min()) {
        baseline.nic_models =
            QEMU_NIC_MODELS.iter().filter(|(_, since)| oldest >= *since).map(|(m, _)| m.to_string()).collect();
    }
    if let Some(lists) = hosts
        .iter()
        .map(|h| {
            h.networks
                .as_ref()
                .map(|n| n.iter().filter(|(_, active)| *active).map(|(name, _)| name.clone()).collect::<Vec<_>>())
        })
        .collect::<Option<Vec<_>>>()
    {
        baseline.networks = intersect(&lists);
    }
    let nodes: Option<Vec<&NodeInfo>> = hosts.iter().map(|h| h.node.as_ref()).collect();
    if let Some(nodes) = nodes {
        baseline.max_memory_kib = nodes.iter().map(|n| n.memory_kib).min();
        baseline.max_vcpus = nodes.iter().map(|n| n.cpus).min();
    }
    // A TSC frequency: the first host's, if every other runs at it or can scale to it.
    let tscs: Option<Vec<(u64, Option<bool>)>> =
        hosts.iter().map(|h| h.capabilities.as_ref().and_then(|c| c.tsc)).collect();
    if let Some(tscs) = tscs
        && let Some((hz, _)) = tscs.first().copied()
    {
        let ok = tscs
            .iter()
            .all(|(f, scaling)| f.abs_diff(hz) <= hz / 1_000_000 * TSC_TOLERANCE_PPM || *scaling == Some(true));
        baseline.tsc_hz = ok.then_some(hz);
    }
}
