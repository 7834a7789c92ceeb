//! The lowest common denominator: what a guest must be configured with to migrate among a set
//! of hosts (the CPU every host can give, the machine types, device models, networks, memory,
//! vCPUs and TSC frequency common to all), computed from host snapshots.

mod apply;
mod document;
mod hypervisor;

pub use apply::{apply, one_way_pairs};
pub use document::{read, write};
pub use hypervisor::{CpuCrossCheck, HypervisorRequest, adopt_hypervisor_answers, hypervisor_request};

use std::collections::BTreeMap;

use crate::checks::{network_model::QEMU_NIC_MODELS, time::TSC_TOLERANCE_PPM};
use crate::cpu::CpuMap;
use crate::cpu::baseline::baseline as cpu_baseline;
use crate::cpu::compare::{data_for_policy, feature_names};
use crate::error::Error;
use crate::facts::{Capabilities, CpuDef, DomainCapabilities, Host, Hypervisor, NodeInfo};

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
        }
    }

    fn arch(&self) -> Option<&str> {
        self.capabilities.as_ref().map(|c| c.host_arch.as_str()).filter(|a| !a.is_empty())
    }

    /// The CPU this host can give a guest of `virt_type`: the hypervisor's host-model for that
    /// virt type (domain capabilities of the host's arch), else the host CPU from capabilities.
    /// libvirt's host-model is per virt type (`virQEMUCapsGetHostModel(qemuCaps, virtType, ..)`
    /// in src/qemu/qemu_capabilities.c, 9.0 and 11.3 alike): KVM's follows the machine's CPU,
    /// TCG's is QEMU's emulated CPU (AMD-branded), so mixing them would mix vendors.
    fn guest_cpu(&self, virt_type: &str) -> Option<(CpuDef, &'static str, String)> {
        let arch = self.arch();
        let host_model = self
            .domain_capabilities
            .iter()
            .filter(|d| Some(d.arch.as_str()) == arch && d.domain == virt_type)
            .find_map(|d| d.host_model.clone());
        if let Some(cpu) = host_model {
            return Some((cpu, "host-model", virt_type.to_string()));
        }
        self.capabilities.as_ref().and_then(|c| c.host_cpu.clone()).map(|c| (c, "host CPU", virt_type.to_string()))
    }

    /// Whether the host offers `virt_type` for its arch (capabilities or domain capabilities).
    fn offers(&self, virt_type: &str) -> bool {
        let arch = self.arch();
        self.capabilities
            .iter()
            .flat_map(|c| c.guests.iter())
            .any(|g| Some(g.arch.as_str()) == arch && g.domain_types.iter().any(|t| t == virt_type))
            || self.domain_capabilities.iter().any(|d| Some(d.arch.as_str()) == arch && d.domain == virt_type)
    }
}

/// The virt type the baseline CPU is for: a guest that must run on every host can only be of a
/// virt type every host offers; "kvm" when they all offer it, else "qemu" (TCG), which every
/// QEMU host can run.
pub fn common_virt_type(hosts: &[HostSummary]) -> &'static str {
    if !hosts.is_empty() && hosts.iter().all(|h| h.offers("kvm")) { "kvm" } else { "qemu" }
}

/// Options of a baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineOptions {
    /// Hosts of different CPU vendors get a vendor-neutral CPU instead of an error.
    pub vendor_neutral: bool,
    /// Keep features that block migration (invtsc ...): false for a migration baseline.
    pub keep_non_migratable: bool,
    pub cpu_map: Option<std::path::PathBuf>,
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
    pub arch: String,
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
    let arches: Vec<&str> = hosts.iter().filter_map(HostSummary::arch).collect();
    let arch = arches.first().copied().unwrap_or_default().to_string();
    if arches.iter().any(|a| *a != arch) {
        return Err(Error::invalid(format!(
            "the hosts have different architectures ({}): a guest cannot migrate among them",
            arches.join(", ")
        )));
    }
    let mut baseline =
        Baseline { hosts: hosts.iter().map(|h| h.name.clone()).collect(), arch: arch.clone(), ..Baseline::default() };
    compute_cpu(hosts, options, &mut baseline)?;
    compute_platform(hosts, &mut baseline);
    Ok(baseline)
}

/// Per host: the CPU it can give, where it came from ("host-model", "host CPU"), its virt type.
type CpuInput = (CpuDef, &'static str, String);

/// The CPU each host can give, as the baseline's inputs: `(cpu, source, virt type)` per host,
/// vendors removed when they differ and a vendor-neutral answer was asked for, and whether they
/// differ. None when some host reports no CPU (no CPU can then be promised).
fn cpu_inputs(
    hosts: &[HostSummary],
    map: &CpuMap,
    options: &BaselineOptions,
) -> Result<Option<(Vec<CpuInput>, bool)>, Error> {
    let virt_type = common_virt_type(hosts);
    let cpus: Vec<CpuInput> = hosts.iter().filter_map(|h| h.guest_cpu(virt_type)).collect();
    if cpus.len() != hosts.len() {
        return Ok(None);
    }
    let vendors: Vec<Option<String>> = cpus
        .iter()
        .map(|(c, _, _)| {
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
    let inputs = cpus
        .into_iter()
        .map(|(c, source, virt)| (if mixed { CpuDef { vendor: None, ..c } } else { c }, source, virt))
        .collect();
    Ok(Some((inputs, mixed)))
}

fn compute_cpu(hosts: &[HostSummary], options: &BaselineOptions, baseline: &mut Baseline) -> Result<(), Error> {
    let map = CpuMap::cached(options.cpu_map.as_deref())?;
    let Some((inputs, mixed)) = cpu_inputs(hosts, &map, options)? else { return Ok(()) };
    let cpus: Vec<CpuDef> = inputs.iter().map(|(c, _, _)| c.clone()).collect();
    let mut cpu = if mixed {
        crate::cpu::baseline::baseline_vendor_neutral(&map, &cpus, !options.keep_non_migratable)?
    } else {
        cpu_baseline(&map, &cpus, !options.keep_non_migratable)?
    };
    cpu.fallback = Some("forbid".to_string());
    baseline.cpu_sources =
        hosts.iter().zip(&inputs).map(|(h, (_, source, _))| (h.name.clone(), source.to_string())).collect();
    baseline.hidden = hidden_features(&map, hosts, &cpus, &cpu)?;
    baseline.cpu = Some(cpu);
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

fn compute_platform(hosts: &[HostSummary], baseline: &mut Baseline) {
    let arch = baseline.arch.clone();
    // Machine families per virt type: the newest machine every host offers.
    let machines_of = |h: &HostSummary, virt_type: &str| -> Vec<String> {
        h.capabilities
            .iter()
            .flat_map(|c| c.guests.iter())
            .filter(|g| g.arch == arch && g.os_type == "hvm" && g.domain_types.iter().any(|t| t == virt_type))
            .flat_map(|g| g.machines.iter().cloned())
            .collect()
    };
    for virt_type in ["kvm", "qemu"] {
        let lists: Vec<Vec<String>> = hosts.iter().map(|h| machines_of(h, virt_type)).collect();
        let common = intersect(&lists);
        let mut families: BTreeMap<String, String> = BTreeMap::new();
        for m in common {
            let family = crate::facts::machines::machine_family(&m).to_string();
            let newest = families.entry(family).or_insert_with(|| m.clone());
            if crate::facts::machines::machine_version(&m) > crate::facts::machines::machine_version(newest) {
                *newest = m;
            }
        }
        for (family, newest) in families {
            if family != newest || !newest.chars().any(|c| c.is_ascii_digit()) {
                baseline.machines.push(MachineFamily {
                    arch: arch.clone(),
                    virt_type: virt_type.to_string(),
                    family,
                    newest,
                });
            }
        }
    }
    // Device enums of each host's emulator for the arch (KVM's where there is one).
    let enums: Vec<BTreeMap<String, Vec<String>>> = hosts
        .iter()
        .filter_map(|h| {
            let mut d: Vec<&DomainCapabilities> = h.domain_capabilities.iter().filter(|d| d.arch == arch).collect();
            d.sort_by_key(|d| d.domain != "kvm");
            d.first().map(|d| d.device_enums.clone())
        })
        .collect();
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
