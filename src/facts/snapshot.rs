// SPDX-License-Identifier: LGPL-2.1-or-later
//! A host snapshot: every fact about a host, with the documents kept as libvirt printed them,
//! so that checks can run where the host cannot be reached (planning, a scheduler's database,
//! libvirt's own test data). A live check fills the same structure with only the documents its
//! checks need. Plain data: `xml::snapshot` reads and writes it and turns it into the facts the
//! checks read (`xml::snapshot::host`), the one way a snapshot, live or saved, becomes a `Host`.

use std::collections::BTreeMap;

use super::{CellMemory, DomainSummary, Fact, FreeMemory, HostInterface, Hypervisor, NodeInfo, Unavailable, Volume};

/// A libvirt document and whether its object is active (networks, interfaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub active: bool,
    pub xml: String,
}

/// A storage pool's document, its state, and the documents of all its volumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDocument {
    pub active: bool,
    pub xml: String,
    pub volumes: Vec<String>,
}

/// Everything the checks read about a host.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The connection URI it was taken from (or a name for an assembled one).
    pub uri: String,
    /// When it was taken, RFC 3339 in UTC.
    pub taken: String,
    pub hostname: Fact<String>,
    pub hypervisor: Fact<Hypervisor>,
    pub libvirt_version: Fact<u64>,
    /// `virConnectGetCapabilities`.
    pub capabilities: Fact<String>,
    /// `virConnectGetDomainCapabilities`, one per emulator / arch / machine / virt type (a live
    /// check: the one of the guest's arch, machine and virt type).
    pub domain_capabilities: Fact<Vec<String>>,
    pub node: Fact<NodeInfo>,
    pub free_memory: Fact<FreeMemory>,
    pub cells: Fact<Vec<CellMemory>>,
    pub domains: Fact<Vec<DomainSummary>>,
    pub networks: Fact<Vec<Document>>,
    pub interfaces: Fact<Vec<Document>>,
    pub pools: Fact<Vec<PoolDocument>>,
    /// `virNodeDeviceGetXMLDesc` of every node device.
    pub node_devices: Fact<Vec<String>>,
    /// What only a live check of one guest asks for; empty in a snapshot document, which is
    /// guest-independent and never records it.
    pub live: LiveLookups,
}

/// Facts a live check of one guest gathers beside the documents: lookups made for that guest,
/// and listings that need no document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveLookups {
    /// Volume lookups for the guest's disks (by path, by pool and name). When present, they
    /// answer the checks' volume questions instead of the pools' volume documents (which a
    /// live check does not fetch).
    pub volumes: Option<VolumeLookups>,
    /// `virConnectCompareHypervisorCPU` of the guest's CPU.
    pub hypervisor_cpu_comparison: Option<Fact<i32>>,
    /// Interfaces by name and state, as listed (`virConnectListAllInterfaces`): what the checks
    /// read of them, without a `virInterfaceGetXMLDesc` round trip per interface. Present,
    /// it stands for `interfaces`, which is then not fetched.
    pub interface_names: Option<Fact<Vec<HostInterface>>>,
}

/// Volume lookups answered by libvirt: `Ok(None)` means "no such volume".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VolumeLookups {
    pub by_path: BTreeMap<String, Fact<Option<Volume>>>,
    pub by_name: BTreeMap<(String, String), Fact<Option<Volume>>>,
}

impl Snapshot {
    /// A snapshot of which nothing is known yet.
    pub fn empty(uri: &str, taken: &str) -> Snapshot {
        let none = |what: &str| Unavailable::new("snapshot", format!("the snapshot does not record {what}"));
        Snapshot::unknown(uri, taken, none)
    }

    /// A snapshot of which nothing is known yet, each fact unavailable for `why(what)`.
    pub fn unknown(uri: &str, taken: &str, why: impl Fn(&str) -> Unavailable) -> Snapshot {
        Snapshot {
            uri: uri.to_string(),
            taken: taken.to_string(),
            hostname: Err(why("the hostname")),
            hypervisor: Err(why("the hypervisor")),
            libvirt_version: Err(why("the libvirt version")),
            capabilities: Err(why("capabilities")),
            domain_capabilities: Err(why("domain capabilities")),
            node: Err(why("node info")),
            free_memory: Err(why("free memory")),
            cells: Err(why("NUMA cell memory")),
            domains: Err(why("domains")),
            networks: Err(why("networks")),
            interfaces: Err(why("host interfaces")),
            pools: Err(why("storage pools")),
            node_devices: Err(why("node devices")),
            live: LiveLookups::default(),
        }
    }
}
