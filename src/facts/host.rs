// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the checks know about a host.

use std::collections::BTreeMap;

use super::{Fact, Unavailable};

/// One host, as far as the selected checks needed to know it.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// The connection URI the facts came from (or the snapshot's).
    pub uri: String,
    pub hostname: Fact<String>,
    pub hypervisor: Fact<Hypervisor>,
    /// libvirt's version on that host: major * 1,000,000 + minor * 1,000 + micro.
    pub libvirt_version: Fact<u64>,
    pub capabilities: Fact<Capabilities>,
    pub node: Fact<NodeInfo>,
    pub free_memory: Fact<FreeMemory>,
    /// Free memory and free pages of each NUMA cell.
    pub cells: Fact<Vec<CellMemory>>,
    /// Every domain defined or running there.
    pub domains: Fact<Vec<DomainSummary>>,
    pub networks: Fact<Vec<Network>>,
    pub interfaces: Fact<Vec<HostInterface>>,
    pub pools: Fact<Vec<Pool>>,
    /// `virConnectGetDomainCapabilities`: a live check asks for the guest's arch, machine and
    /// virt type only; a snapshot holds one per emulator / arch / machine / virt type. Checks
    /// read the one that describes the guest (`domain_capabilities_for`).
    pub domain_capabilities: Fact<Vec<DomainCapabilities>>,
    /// `virConnectCompareHypervisorCPU` of the guest's CPU on this host: libvirt's
    /// `virCPUCompareResult` (0 incompatible, 1 identical, 2 superset). Live connections only.
    pub hypervisor_cpu_comparison: Fact<i32>,
    /// Node devices, parsed for mediated devices and the mdev types parents offer (gathered
    /// only for guests with mdev host devices).
    pub node_devices: Fact<Vec<NodeDevice>>,
    /// Volumes looked up by path for the guest's disks: `Ok(None)` means "no volume there".
    pub volumes_by_path: BTreeMap<String, Fact<Option<Volume>>>,
    /// Volumes looked up by (pool, volume name) for the guest's type='volume' disks.
    pub volumes_by_name: BTreeMap<(String, String), Fact<Option<Volume>>>,
    /// Every volume of every active pool, `(pool, volume)`, where known (snapshots): lookups
    /// not made live are answered from it, as libvirt would answer them.
    pub volume_list: Option<Vec<(String, Volume)>>,
}

impl Host {
    /// A host of which nothing is known yet; every fact is "not gathered".
    pub fn unknown(uri: &str) -> Host {
        Host::without_facts(uri, Unavailable::not_gathered())
    }

    /// A host of which nothing can be known, for the reason `why`.
    pub fn without_facts(uri: &str, why: Unavailable) -> Host {
        Host {
            uri: uri.to_string(),
            hostname: Err(why.clone()),
            hypervisor: Err(why.clone()),
            libvirt_version: Err(why.clone()),
            capabilities: Err(why.clone()),
            node: Err(why.clone()),
            free_memory: Err(why.clone()),
            cells: Err(why.clone()),
            domains: Err(why.clone()),
            networks: Err(why.clone()),
            interfaces: Err(why.clone()),
            pools: Err(why.clone()),
            domain_capabilities: Err(why.clone()),
            hypervisor_cpu_comparison: Err(why.clone()),
            node_devices: Err(why.clone()),
            volumes_by_path: BTreeMap::new(),
            volumes_by_name: BTreeMap::new(),
            volume_list: None,
        }
    }

    /// The volume at `path` (libvirt's virStorageVolLookupByPath): `Ok(None)` when there is none.
    pub fn volume_at_path(&self, path: &str) -> Fact<Option<&Volume>> {
        if let Some(found) = self.volumes_by_path.get(path) {
            return found.as_ref().map(Option::as_ref).map_err(Clone::clone);
        }
        match &self.volume_list {
            Some(list) => Ok(list.iter().find(|(_, v)| v.path == path).map(|(_, v)| v)),
            None => Err(self.pools.clone().err().unwrap_or_else(Unavailable::not_gathered)),
        }
    }

    /// Volume `name` of pool `pool`: `Ok(None)` when there is none.
    pub fn volume_named(&self, pool: &str, name: &str) -> Fact<Option<&Volume>> {
        if let Some(found) = self.volumes_by_name.get(&(pool.to_string(), name.to_string())) {
            return found.as_ref().map(Option::as_ref).map_err(Clone::clone);
        }
        match &self.volume_list {
            Some(list) => Ok(list.iter().find(|(p, v)| p == pool && v.name == name).map(|(_, v)| v)),
            None => Err(self.pools.clone().err().unwrap_or_else(Unavailable::not_gathered)),
        }
    }

    /// The domain capabilities that describe a guest of `def`: same virt type and arch, and its
    /// machine type (or the default when it names none). Where no machine matches (an alias
    /// such as 'pc', or a machine only another emulator offers), the first of the same virt type
    /// and arch: its CPU and device models describe the emulator all the same.
    pub fn domain_capabilities_for(&self, def: &super::DomainDef) -> Fact<&DomainCapabilities> {
        let all = self.domain_capabilities.as_ref().map_err(Clone::clone)?;
        let arch = def.arch.as_deref();
        let mut candidates = all.iter().filter(|c| c.domain == def.virt_type && arch.is_none_or(|a| c.arch == a));
        let first = candidates.clone().next();
        let exact = def.machine.as_deref().and_then(|m| candidates.find(|c| c.machine == m));
        exact.or(first).ok_or_else(|| {
            Unavailable::new(
                "virConnectGetDomainCapabilities",
                format!("no domain capabilities for virt type '{}' and arch '{}'", def.virt_type, arch.unwrap_or("?")),
            )
        })
    }

    /// The host's UUID, where its driver reports one.
    pub fn uuid(&self) -> Option<&str> {
        self.capabilities.as_ref().ok().and_then(|c| c.host_uuid.as_deref())
    }

    pub fn network(&self, name: &str) -> Fact<Option<&Network>> {
        self.networks.as_ref().map(|n| n.iter().find(|n| n.name == name)).map_err(Clone::clone)
    }

    pub fn pool(&self, name: &str) -> Fact<Option<&Pool>> {
        self.pools.as_ref().map(|p| p.iter().find(|p| p.name == name)).map_err(Clone::clone)
    }
}

/// The hypervisor driver and its version (`virConnectGetType`, `virConnectGetVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hypervisor {
    /// "QEMU", "Xen", "TEST" ...
    pub driver: String,
    /// major * 1,000,000 + minor * 1,000 + micro.
    pub version: u64,
}

/// The parts of `virConnectGetCapabilities` the checks read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capabilities {
    pub host_uuid: Option<String>,
    pub host_arch: String,
    pub host_cpu_model: Option<String>,
    pub host_cpu_vendor: Option<String>,
    /// The host CPU as libvirt sees it (`<host><cpu>`), when it names a model.
    pub host_cpu: Option<super::CpuDef>,
    /// `<host><cpu><signature family model stepping>`, where libvirt reports it.
    pub host_cpu_signature: Option<(u32, u32, u32)>,
    /// `<host><cpu><counter name='tsc' frequency scaling>`: the TSC's Hz and whether the host
    /// can scale a guest's TSC to another frequency (None: not reported).
    pub tsc: Option<(u64, Option<bool>)>,
    pub numa_cells: u32,
    /// CPUs and memory (KiB) summed over the NUMA cells of the topology (0 without one).
    pub topology_cpus: u32,
    pub topology_memory_kib: u64,
    /// Memory page sizes the host offers, in KiB (`<host><cpu><pages size>`).
    pub page_sizes_kib: Vec<u64>,
    /// The NUMA cells of `<host><topology>`.
    pub cells: Vec<CapsCell>,
    pub guests: Vec<GuestCapability>,
}

/// One NUMA cell of a host's capabilities.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CapsCell {
    pub id: u32,
    pub memory_kib: u64,
    /// `(page size in KiB, pages allocated)`.
    pub pages: Vec<(u64, u64)>,
    pub cpus: Vec<u32>,
    /// `(other cell id, distance)`.
    pub distances: Vec<(u32, u32)>,
}

/// One `<guest>` of the capabilities: an os type and arch the host can run, with its domain types.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GuestCapability {
    pub os_type: String,
    pub arch: String,
    pub emulator: Option<String>,
    /// Emulators given per domain type (`<domain type='kvm'><emulator>`).
    pub domain_emulators: Vec<String>,
    pub machines: Vec<String>,
    /// `(alias, canonical machine)`: `<machine canonical='pc-i440fx-7.2'>pc</machine>`.
    pub machine_aliases: Vec<(String, String)>,
    /// `(machine, most vCPUs)`: `<machine maxCpus='288'>pc-q35-7.2</machine>`, for canonical
    /// names and aliases alike (libvirt writes QEMU's `query-machines` limit on both).
    pub machine_max_cpus: Vec<(String, u32)>,
    /// The `<domain type=>` values (kvm, qemu, ...).
    pub domain_types: Vec<String>,
}

impl GuestCapability {
    /// The machine an alias stands for (`q35` -> `pc-q35-7.2`), or `machine` itself: what
    /// libvirt's `virQEMUCapsGetCanonicalMachine` makes of a domain's machine type.
    pub fn canonical_machine<'a>(&'a self, machine: &'a str) -> &'a str {
        self.machine_aliases.iter().find(|(alias, _)| alias == machine).map_or(machine, |(_, canonical)| canonical)
    }

    /// The most vCPUs `machine` (a canonical name or an alias) takes, where the capabilities say.
    pub fn max_cpus(&self, machine: &str) -> Option<u32> {
        let canonical = self.canonical_machine(machine);
        let limit = |name: &str| self.machine_max_cpus.iter().find(|(m, _)| m == name).map(|(_, n)| *n);
        limit(canonical).or_else(|| limit(machine)).filter(|n| *n > 0)
    }
}

/// The parts of `virConnectGetDomainCapabilities` the checks read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainCapabilities {
    /// The emulator binary.
    pub path: String,
    /// The virt type (kvm, qemu ...).
    pub domain: String,
    /// The canonical machine type these capabilities describe.
    pub machine: String,
    pub arch: String,
    /// `<vcpu max>`: the most vCPUs this emulator runs for this machine and virt type (for KVM,
    /// also no more than the host kernel's `KVM_CAP_MAX_VCPUS`).
    pub max_vcpus: Option<u32>,
    /// The host-model CPU: what this hypervisor can give a guest on this host.
    pub host_model: Option<super::CpuDef>,
    /// `<mode name='custom'>`'s models: whether this hypervisor can give each on this host, and
    /// (libvirt 10.x and later) its canonical name and the features that block it.
    pub cpu_models: Vec<CpuModelInfo>,
    /// Whether host-passthrough is supported.
    pub host_passthrough: bool,
    /// `<os><loader><value>`: firmware images the emulator can use (empty: not reported).
    pub loader_values: Vec<String>,
    /// Devices listed `supported='no'` (video, tpm, filesystem ...).
    pub devices_unsupported: Vec<String>,
    /// Every `<enum>` of every device (`devices/<device>/enum[@name]/value`), keyed by
    /// "device.enum": "disk.bus" -> ["fdc", "scsi", "virtio", ...].
    pub device_enums: std::collections::BTreeMap<String, Vec<String>>,
}

/// One `<model>` of domain capabilities' custom CPU mode.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CpuModelInfo {
    pub name: String,
    /// `usable='yes|no'` (None: not said).
    pub usable: Option<bool>,
    /// `canonical='Skylake-Client-v1'`: the versioned model an alias stands for.
    pub canonical: Option<String>,
    /// `<blockers model=...>`: the features this host's hypervisor lacks for the model.
    pub blockers: Vec<String>,
}

impl DomainCapabilities {
    /// The custom model called `name`, by its name or its canonical name.
    pub fn cpu_model(&self, name: &str) -> Option<&CpuModelInfo> {
        self.cpu_models
            .iter()
            .find(|m| m.name == name)
            .or_else(|| self.cpu_models.iter().find(|m| m.canonical.as_deref() == Some(name)))
    }
}

/// `virNodeGetInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeInfo {
    pub model: String,
    pub memory_kib: u64,
    pub cpus: u32,
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

/// Free memory of the whole host, and where the figure came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeMemory {
    /// Memory a new guest can take, in KiB.
    pub available_kib: u64,
    /// Total memory, in KiB, where the source of the figure reports it.
    pub total_kib: Option<u64>,
    /// How `available_kib` was obtained, for messages ("virNodeGetMemoryStats: free + buffers +
    /// cached").
    pub source: String,
}

/// Free memory of one NUMA cell (`virNodeGetCellsFreeMemory`) and its free pages of each size
/// (`virNodeGetFreePages`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellMemory {
    pub id: u32,
    pub free_kib: u64,
    /// `(page size in KiB, free pages)`.
    pub free_pages: Vec<(u64, u64)>,
}

/// A domain known to a host (for name/UUID clashes and the memory its running guests hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSummary {
    pub name: String,
    pub uuid: String,
    pub active: bool,
    /// Memory it holds now, in KiB (its balloon size when running).
    pub memory_kib: u64,
}

/// A libvirt virtual network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    pub name: String,
    pub uuid: String,
    pub active: bool,
    /// `<forward mode>`; None for an isolated network.
    pub forward_mode: Option<String>,
    /// `<bridge name>`.
    pub bridge: Option<String>,
    pub portgroups: Vec<String>,
    /// For a `forward mode='hostdev'` network (an SR-IOV pool): how many VFs it lists (an
    /// active network lists the VFs of its PF), and `<forward connections>`, how many guest
    /// interfaces use it now (libvirt writes it on active networks only).
    pub vf_count: usize,
    pub connections: u64,
}

/// A host network interface (`virConnectListAllInterfaces`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInterface {
    pub name: String,
    pub active: bool,
}

/// A storage pool.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pool {
    pub name: String,
    pub uuid: String,
    /// dir, fs, netfs, logical, iscsi, rbd ...
    pub kind: String,
    pub active: bool,
    pub target_path: Option<String>,
    pub source_host: Option<String>,
    pub source_dir: Option<String>,
    pub source_device: Option<String>,
    pub source_name: Option<String>,
    /// `<source><format type>`: the filesystem of an fs pool (ext4, xfs, gfs2 ...), the
    /// protocol of a netfs pool (nfs, cifs, glusterfs), the label of a disk pool.
    pub source_format: Option<String>,
}

impl Pool {
    /// Pools whose volumes are files or devices of this host alone: a volume of the same path in
    /// such a pool on another host is another object.
    pub fn is_host_local(&self) -> bool {
        matches!(self.kind.as_str(), "dir" | "fs" | "disk" | "logical" | "zfs" | "mpath" | "scsi")
    }

    /// Whether `path` lies directly inside this pool's target directory.
    pub fn covers(&self, path: &str) -> bool {
        let Some(target) = self.target_path.as_deref() else { return false };
        let parent = std::path::Path::new(path).parent();
        parent == Some(std::path::Path::new(target.trim_end_matches('/')))
            || (target == "/" && parent == Some(std::path::Path::new("/")))
    }

    /// Where the pool's storage comes from, for comparing two hosts' pools.
    pub fn source_identity(&self) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
        (
            self.source_host.as_deref(),
            self.source_dir.as_deref(),
            self.source_device.as_deref(),
            self.source_name.as_deref(),
        )
    }
}

/// A storage volume (`virStorageVolLookupByPath` / `virStorageVolLookupByName`), with what its
/// `virStorageVolGetXMLDesc` says of the object behind it: what the DISK check compares to tell
/// one file seen by two hosts from two files of the same name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Volume {
    pub name: String,
    /// libvirt's key: the identity of the underlying object (a path for file-based pools).
    pub key: String,
    pub path: String,
    /// `<volume type>`: file, block, dir, network, netdir, ploop (None: not reported).
    pub kind: Option<String>,
    /// `<capacity>` in bytes: the virtual size (a qcow2 image's, not its file's).
    pub capacity: Option<u64>,
    /// `<target><format type>`: raw, qcow2 ... (None: not reported).
    pub format: Option<String>,
    /// `<target><timestamps>`: the file's stat() times as libvirt read them at its last refresh.
    pub timestamps: VolumeTimestamps,
}

/// A volume's `<timestamps>` (libvirt's virStorageVolTimestampFormat: seconds, and nanoseconds
/// after a dot unless they are 0). `None`: not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolumeTimestamps {
    pub mtime: Option<Timestamp>,
    pub ctime: Option<Timestamp>,
    /// The birth time, where the platform gives one: libvirt on Linux writes `<btime>0</btime>`
    /// (virStorageBackendUpdateVolTargetInfoFD sets it to {0, 0}, 9.0 and 11.3), which says
    /// nothing and is read as None; FreeBSD and macOS report the real one.
    pub btime: Option<Timestamp>,
}

/// A file time: seconds since the epoch and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: u64,
    pub nanos: u32,
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nanos == 0 { write!(f, "{}", self.secs) } else { write!(f, "{}.{:09}", self.secs, self.nanos) }
    }
}

/// The parts of one node device the checks read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeDevice {
    /// `mdev_3627463d_b7f0_4fea_b468_f1da537d301b`, `pci_0000_02_10_7`.
    pub name: String,
    /// For an mdev: its UUID (from `<uuid>`, else from the name) and its type id.
    pub mdev: Option<(String, String)>,
    /// For a parent: `(type id, available instances)` of every mdev type it offers.
    pub mdev_types: Vec<(String, u64)>,
}
