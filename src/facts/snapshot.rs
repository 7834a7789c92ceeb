//! A host snapshot: every fact about a host, with the documents kept as libvirt printed them,
//! so that checks can run where the host cannot be reached (planning, a scheduler's database,
//! libvirt's own test data). `xml::snapshot` reads and writes it; `to_host` turns it into the
//! facts the checks read, as a live gather would.

use super::{
    CellMemory, DomainSummary, Fact, FreeMemory, Host, HostInterface, Hypervisor, NodeInfo, Unavailable, Volume,
};
use crate::error::Error;
use crate::xml;

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
    /// `virConnectGetDomainCapabilities`, one per emulator / arch / machine / virt type.
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
}

fn parsed<T>(fact: &Fact<String>, parse: impl FnOnce(&str) -> Result<T, Error>) -> Result<Fact<T>, Error> {
    match fact {
        Ok(x) => Ok(Ok(parse(x)?)),
        Err(e) => Ok(Err(e.clone())),
    }
}

impl Snapshot {
    /// A snapshot of which nothing is known yet.
    pub fn empty(uri: &str, taken: &str) -> Snapshot {
        let none = |what: &str| Unavailable::new("snapshot", format!("the snapshot does not record {what}"));
        Snapshot {
            uri: uri.to_string(),
            taken: taken.to_string(),
            hostname: Err(none("the hostname")),
            hypervisor: Err(none("the hypervisor")),
            libvirt_version: Err(none("the libvirt version")),
            capabilities: Err(none("capabilities")),
            domain_capabilities: Err(none("domain capabilities")),
            node: Err(none("node info")),
            free_memory: Err(none("free memory")),
            cells: Err(none("NUMA cell memory")),
            domains: Err(none("domains")),
            networks: Err(none("networks")),
            interfaces: Err(none("host interfaces")),
            pools: Err(none("storage pools")),
            node_devices: Err(none("node devices")),
        }
    }

    /// The facts the checks read, parsed once for every guest: volume lookups are answered from
    /// the pools' volume lists, the domain capabilities chosen per guest. `side` names the
    /// snapshot in errors ("destination snapshot").
    pub fn to_host(&self, side: &str) -> Result<Host, Error> {
        let doc = |what: &str| format!("{side}: {what}");
        let mut host = Host::unknown(&self.uri);
        host.hostname = self.hostname.clone();
        host.hypervisor = self.hypervisor.clone();
        host.libvirt_version = self.libvirt_version.clone();
        host.capabilities =
            parsed(&self.capabilities, |x| xml::capabilities::parse_capabilities(x, &doc("capabilities")))?;
        host.node = self.node.clone();
        host.free_memory = self.free_memory.clone();
        host.cells = self.cells.clone();
        host.domains = self.domains.clone();
        host.domain_capabilities = match &self.domain_capabilities {
            Ok(all) => {
                let mut parsed = Vec::new();
                for (i, x) in all.iter().enumerate() {
                    parsed.push(xml::domcaps::parse_domain_capabilities(
                        x,
                        &doc(&format!("domain capabilities #{}", i + 1)),
                    )?);
                }
                Ok(parsed)
            }
            Err(e) => Err(e.clone()),
        };
        host.networks = match &self.networks {
            Ok(all) => Ok(all
                .iter()
                .enumerate()
                .map(|(i, n)| xml::network::parse_network(&n.xml, n.active, &doc(&format!("network #{}", i + 1))))
                .collect::<Result<_, _>>()?),
            Err(e) => Err(e.clone()),
        };
        host.node_devices = match &self.node_devices {
            Ok(all) => Ok(all
                .iter()
                .enumerate()
                .map(|(i, x)| xml::nodedev::parse_node_device(x, &doc(&format!("node device #{}", i + 1))))
                .collect::<Result<_, _>>()?),
            Err(e) => Err(e.clone()),
        };
        host.interfaces = match &self.interfaces {
            Ok(all) => Ok(all
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let iface = xml::interface::parse_interface(&d.xml, &doc(&format!("interface #{}", i + 1)))?;
                    Ok(HostInterface { name: iface.name, active: d.active })
                })
                .collect::<Result<_, Error>>()?),
            Err(e) => Err(e.clone()),
        };
        let mut volumes: Vec<(String, Volume)> = Vec::new();
        host.pools = match &self.pools {
            Ok(all) => {
                let mut pools = Vec::new();
                for (i, p) in all.iter().enumerate() {
                    let pool = xml::pool::parse_pool(&p.xml, p.active, &doc(&format!("pool #{}", i + 1)))?;
                    for (j, v) in p.volumes.iter().enumerate() {
                        let volume =
                            xml::pool::parse_volume(v, &doc(&format!("pool '{}' volume #{}", pool.name, j + 1)))?;
                        // libvirt looks volumes up only in active pools.
                        if pool.active {
                            volumes.push((pool.name.clone(), volume));
                        }
                    }
                    pools.push(pool);
                }
                Ok(pools)
            }
            Err(e) => Err(e.clone()),
        };
        // libvirt answers volume lookups from active pools only; an unavailable pool list
        // leaves the lookups unavailable too.
        host.volume_list = self.pools.is_ok().then_some(volumes);
        Ok(host)
    }
}
