// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the checks know about the guest: its definition as libvirt printed it, and its state.

/// The guest to migrate.
#[derive(Debug, Clone, PartialEq)]
pub struct Guest {
    /// The definition it runs with (the live XML for a running guest).
    pub def: DomainDef,
    /// The persistent definition, when the guest is persistent and it differs from `def`.
    pub inactive_def: Option<DomainDef>,
    pub state: GuestState,
    /// libvirt's state reason number (a paused guest's: 1 user, 5 I/O error ...).
    pub state_reason: i32,
    /// Live facts libvirt's own migration check refuses on (None where unknown: offline).
    pub live: Option<LiveState>,
    /// The definition the caller gives for the destination (`VIR_MIGRATE_PARAM_DEST_XML`).
    pub destination: Option<DestinationDef>,
    /// The persistent definition the caller gives the destination (`VIR_MIGRATE_PARAM_PERSIST_XML`):
    /// parsed, or why it cannot be.
    pub persistent_xml: Option<Result<DomainDef, String>>,
}

/// The guest as the caller will run it on the destination (`VIR_MIGRATE_PARAM_DEST_XML`).
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationDef {
    /// The definition, or why it cannot be read (libvirt refuses such a migration).
    pub def: Result<DomainDef, String>,
    /// How it differs from the running guest in what libvirt's `virDomainDefCheckABIStability`
    /// compares, in libvirt's order.
    pub abi: Vec<AbiDifference>,
}

/// One difference between the running guest and the destination XML that changes (or may
/// change) what the guest sees.
#[derive(Debug, Clone, PartialEq)]
pub struct AbiDifference {
    /// What differs: "machine type", "disk count", "network card 1 model" ...
    pub what: String,
    pub source: String,
    pub destination: String,
    /// libvirt's words when it refuses it (virDomainDefCheckABIStabilityFlags and the per-device
    /// functions it calls, src/conf/domain_conf.c).
    pub libvirt_error: String,
    /// False where the destination XML leaves out what libvirt fills in itself when it parses
    /// it (an address, an implicit controller or input, a default model): whether the result
    /// differs is then not known here.
    pub proven: bool,
}

/// What only a live guest tells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    /// `virDomainSnapshotNum`.
    pub snapshots: Option<u32>,
    /// Disks (targets) with an active block job (`virDomainGetBlockJobInfo`); None where the
    /// driver cannot tell.
    pub block_jobs: Option<Vec<String>>,
}

impl Guest {
    /// The definition the guest will have on the destination: the destination XML the caller
    /// gives where it can be read, else the running one.
    pub fn on_destination(&self) -> &DomainDef {
        match &self.destination {
            Some(DestinationDef { def: Ok(def), .. }) => def,
            _ => &self.def,
        }
    }

    /// A guest known only by its domain XML (offline checks): taken to be running, with no
    /// live facts.
    pub fn from_definition(def: DomainDef) -> Guest {
        Guest {
            def,
            inactive_def: None,
            state: GuestState::Running,
            state_reason: 0,
            live: None,
            destination: None,
            persistent_xml: None,
        }
    }
}

/// libvirt's `virDomainState`, reduced to what matters for migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestState {
    Running,
    Paused,
    ShutOff,
    /// Any other state, with libvirt's number.
    Other(i32),
}

impl GuestState {
    pub fn from_libvirt(state: i32) -> GuestState {
        match state {
            1 => GuestState::Running,
            3 => GuestState::Paused,
            5 => GuestState::ShutOff,
            n => GuestState::Other(n),
        }
    }

    /// Whether the guest has a running process (libvirt's running, blocked, paused, shutting
    /// down and pmsuspended states): only then is a live migration possible.
    pub fn is_active(self) -> bool {
        match self {
            GuestState::Running | GuestState::Paused => true,
            GuestState::ShutOff => false,
            GuestState::Other(n) => matches!(n, 2 | 4 | 7),
        }
    }
}

/// A parsed `<domain>`. Only what the checks read; unknown elements are ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainDef {
    /// `<domain type=...>`: kvm, qemu, xen, test ...
    pub virt_type: String,
    pub name: String,
    pub uuid: String,
    /// `<os><type>`: hvm, xen, linux, exe ...
    pub os_type: String,
    pub arch: Option<String>,
    pub machine: Option<String>,
    pub emulator: Option<String>,
    /// `<memory>`: the most memory the guest can use without hotplug, in KiB.
    pub memory_kib: u64,
    /// `<currentMemory>`, in KiB (the balloon target).
    pub current_memory_kib: Option<u64>,
    /// `<maxMemory>`, in KiB, and its hotplug slots.
    pub max_memory_kib: Option<u64>,
    pub max_memory_slots: Option<u32>,
    /// `<vcpu cpuset>`: host CPUs every vCPU may run on.
    pub vcpu_cpuset: Option<String>,
    /// `<vcpu placement>`: static or auto.
    pub vcpu_placement: Option<String>,
    pub numatune: Option<Numatune>,
    /// `<cputune>` pins: `(vcpu, cpuset)`, the emulator's, `(iothread, cpuset)`.
    pub vcpupins: Vec<(u32, String)>,
    pub emulatorpin: Option<String>,
    pub iothreadpins: Vec<(u32, String)>,
    pub memory_backing: Option<MemoryBacking>,
    /// `<memory model=...>` devices: dimm, nvdimm, virtio-mem, virtio-pmem.
    pub memory_devices: Vec<MemoryDevice>,
    pub vcpus: u32,
    pub max_vcpus: u32,
    pub cpu: Option<CpuDef>,
    /// The `<cpu>` element as written, for asking the destination's hypervisor about it.
    pub cpu_xml: Option<String>,
    /// `<cpu><numa><cell>`: the guest's NUMA topology (empty for a non-NUMA guest).
    pub numa_cells: Vec<NumaCell>,
    pub disks: Vec<Disk>,
    pub interfaces: Vec<Interface>,
    pub hostdevs: Vec<Hostdev>,
    /// Every other device the checks judge.
    pub devices: Devices,
    /// `<os><loader>` path, `type`, and `<nvram template>`.
    pub loader: Option<String>,
    pub loader_type: Option<String>,
    pub nvram_template: Option<String>,
    /// `<os firmware=>`: bios, efi.
    pub firmware: Option<String>,
    /// `<features><acpi/>` (not `state='off'`): the guest has ACPI.
    pub acpi: bool,
    /// `<clock><timer>`s.
    pub timers: Vec<Timer>,
}

/// Devices beyond disks, NICs and host devices, by what the checks judge of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Devices {
    /// `<video><model type>`.
    pub videos: Vec<String>,
    /// `<graphics type>`.
    pub graphics: Vec<String>,
    /// `<sound model>`.
    pub sounds: Vec<String>,
    /// `<input type bus>`.
    pub inputs: Vec<(String, Option<String>)>,
    /// `<watchdog model>`.
    pub watchdogs: Vec<String>,
    /// `<memballoon model>`.
    pub memballoon: Option<String>,
    /// `<rng model>` and its `<backend model>`.
    pub rngs: Vec<(String, Option<String>)>,
    pub tpms: Vec<Tpm>,
    pub filesystems: Vec<Filesystem>,
    /// `<shmem name>` and its `<role>` (master, peer).
    pub shmems: Vec<(String, Option<String>)>,
    /// `<redirdev bus>`.
    pub redirdevs: Vec<String>,
    /// `<panic model>`.
    pub panics: Vec<String>,
    /// `<controller type model>`.
    pub controllers: Vec<(String, Option<String>)>,
}

/// A `<tpm>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tpm {
    pub model: Option<String>,
    /// passthrough, emulator, external.
    pub backend: String,
    pub version: Option<String>,
}

/// A `<filesystem>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filesystem {
    /// `<driver type>`: path, handle, loop, nbd, ploop, virtiofs (None: the default, path).
    pub driver: Option<String>,
    pub target: String,
}

/// A `<clock><timer>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timer {
    pub name: String,
    pub present: Option<bool>,
    /// `frequency` in Hz (the TSC's).
    pub frequency: Option<u64>,
}

/// A `<cpu>` element: a guest's CPU (domain XML, domain capabilities' host-model) or a host's
/// (capabilities; a `<cpu>` with an `<arch>` child).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CpuDef {
    /// A host CPU: every listed feature is present.
    pub host: bool,
    /// custom, host-model, host-passthrough, maximum (None: custom).
    pub mode: Option<String>,
    /// `match`: minimum, exact, strict.
    pub matching: Option<String>,
    pub arch: Option<String>,
    pub model: Option<String>,
    /// `<model fallback=>`: allow, forbid.
    pub fallback: Option<String>,
    pub vendor: Option<String>,
    /// `(name, policy)` pairs: force, require, optional, disable, forbid (a host CPU's are
    /// "require").
    pub features: Vec<(String, String)>,
    /// `<cache mode=>`: emulate, passthrough, disable.
    pub cache_mode: Option<String>,
}

impl CpuDef {
    pub fn mode(&self) -> &str {
        self.mode.as_deref().unwrap_or("custom")
    }
}

/// `<numatune>`: where the guest's memory may come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Numatune {
    /// strict (default), preferred, interleave, restrictive.
    pub mode: Option<String>,
    pub nodeset: Option<String>,
    /// static or auto (numad decides: no nodeset to check).
    pub placement: Option<String>,
    /// `<memnode cellid mode nodeset>`: per guest cell.
    pub memnodes: Vec<MemNode>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemNode {
    pub cellid: u32,
    pub mode: Option<String>,
    pub nodeset: String,
}

/// `<memoryBacking>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryBacking {
    /// `<hugepages>` present: the guest's RAM comes from huge pages.
    pub hugepages: bool,
    /// `<page size unit nodeset>`: `(size KiB, guest NUMA cells it applies to)`; empty = the
    /// host's default huge page size for all memory.
    pub pages: Vec<(u64, Option<String>)>,
    pub locked: bool,
    pub source_type: Option<String>,
    pub access_mode: Option<String>,
}

/// A memory device.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryDevice {
    pub model: String,
    pub size_kib: u64,
    /// The guest NUMA cell it plugs into.
    pub node: Option<u32>,
    /// Whether it has an `<address>` (a dimm needs its slot and base to migrate).
    pub has_address: bool,
}

/// One guest NUMA cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NumaCell {
    pub id: u32,
    /// libvirt's cpuset syntax: "0-3,8".
    pub cpus: String,
    pub memory_kib: u64,
    /// `memAccess`: shared or private.
    pub mem_access: Option<String>,
}

/// One `<disk>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Disk {
    /// disk, cdrom, floppy, lun.
    pub device: String,
    /// The guest-side name (`<target dev>`), which names the disk in messages.
    pub target: String,
    pub bus: Option<String>,
    pub source: DiskSource,
    pub readonly: bool,
    pub shareable: bool,
    /// `<driver cache>`: none, writethrough, writeback, directsync, unsafe.
    pub cache: Option<String>,
    /// `<transient/>`: changes are dropped when the guest stops.
    pub transient: bool,
}

/// Where a disk's data lives.
#[derive(Debug, Clone, PartialEq)]
pub enum DiskSource {
    /// No medium (an empty CD-ROM drive).
    Empty,
    /// type='file' or type='block': a host path.
    Path { kind: String, path: String },
    /// type='volume': a volume of a libvirt storage pool.
    Volume { pool: String, volume: String },
    /// type='network': rbd, iscsi, nbd, gluster ... (reached over the network from any host).
    Network { protocol: String, name: String },
    /// Anything else (type='dir', 'nvme', 'vhostuser' ...), kept by its type.
    Other { kind: String },
}

impl Disk {
    /// Empty removable media need nothing on the destination.
    pub fn is_empty(&self) -> bool {
        self.source == DiskSource::Empty
    }
}

/// One `<interface>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// The interface type: network, bridge, direct, hostdev, user, ethernet, vhostuser ...
    pub kind: String,
    pub mac: Option<String>,
    pub model: Option<String>,
    /// `<source network=>` / `<source bridge=>` / `<source dev=>`, by type.
    pub source: Option<String>,
    /// `<source portgroup=>` of a network interface.
    pub portgroup: Option<String>,
    /// `<source mode=>` of a direct (macvtap) interface.
    pub mode: Option<String>,
    /// `<teaming type>`: persistent, transient.
    pub teaming: Option<String>,
    /// `<backend type>`: passt, or None (the default slirp for type='user').
    pub backend: Option<String>,
}

impl Interface {
    /// How the interface is named in messages: its MAC address, or its type.
    pub fn label(&self) -> String {
        match &self.mac {
            Some(mac) => format!("interface {mac}"),
            None => format!("{} interface", self.kind),
        }
    }
}

/// One `<hostdev>` (kept for the HOSTDEV check).
#[derive(Debug, Clone, PartialEq)]
pub struct Hostdev {
    pub mode: String,
    /// pci, usb, scsi, scsi_host, mdev ...
    pub kind: String,
    /// `<teaming type='transient'>`: QEMU unplugs it during migration (failover).
    pub transient_teaming: bool,
    /// An mdev's UUID (`<source><address uuid>`).
    pub mdev_uuid: Option<String>,
}
