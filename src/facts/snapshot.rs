//! A host snapshot: every fact about a host, with the documents kept as libvirt printed them,
//! so that checks can run where the host cannot be reached (planning, a scheduler's database,
//! libvirt's own test data). `xml::snapshot` reads and writes it; `to_host` turns it into the
//! facts the checks read, as a live gather would.

use super::{
    CellMemory, DiskSource, DomainDef, DomainSummary, Fact, FreeMemory, Host, HostInterface, Hypervisor, NodeInfo,
    Unavailable, Volume,
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

    /// The facts the checks read, for the guest `def` (whose disks name the volumes to find and
    /// whose arch, machine and virt type select the domain capabilities). `side` names the
    /// snapshot in errors ("destination snapshot").
    pub fn to_host(&self, def: &DomainDef, side: &str) -> Result<Host, Error> {
        let doc = |what: &str| format!("{side}: {what}");
        let mut host = Host::unknown(&self.uri);
        host.hostname = self.hostname.clone();
        host.hypervisor = self.hypervisor.clone();
        host.libvirt_version = self.libvirt_version.clone();
        host.capabilities = parsed(&self.capabilities, |x| xml::capabilities::parse_capabilities(x, &doc("capabilities")))?;
        host.node = self.node.clone();
        host.free_memory = self.free_memory.clone();
        host.cells = self.cells.clone();
        host.domains = self.domains.clone();
        host.domain_capabilities = match &self.domain_capabilities {
            Ok(all) => {
                let mut parsed = Vec::new();
                for (i, x) in all.iter().enumerate() {
                    parsed.push(xml::domcaps::parse_domain_capabilities(x, &doc(&format!("domain capabilities #{}", i + 1)))?);
                }
                select_domain_capabilities(parsed, def)
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
                        let volume = xml::pool::parse_volume(v, &doc(&format!("pool '{}' volume #{}", pool.name, j + 1)))?;
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
        // Answer the guest's volume lookups from the pools' volume lists, as libvirt would.
        for disk in &def.disks {
            let answer = |matches: &dyn Fn(&(String, Volume)) -> bool| -> Fact<Option<Volume>> {
                match &self.pools {
                    Ok(_) => Ok(volumes.iter().find(|v| matches(v)).map(|(_, v)| v.clone())),
                    Err(e) => Err(e.clone()),
                }
            };
            match &disk.source {
                DiskSource::Path { path, .. } => {
                    host.volumes_by_path.insert(path.clone(), answer(&|(_, v)| v.path == *path));
                }
                DiskSource::Volume { pool, volume } => {
                    let found = answer(&|(p, v)| p == pool && v.name == *volume);
                    host.volumes_by_name.insert((pool.clone(), volume.clone()), found);
                }
                _ => {}
            }
        }
        Ok(host)
    }
}

/// The domain capabilities that describe the guest: same virt type and arch, and the guest's
/// machine type (or the default machine when the guest names none). Where no machine matches
/// (an alias such as 'pc', or a machine only another emulator offers), the first of the same
/// virt type and arch: its CPU and device models describe the emulator all the same.
fn select_domain_capabilities(all: Vec<super::DomainCapabilities>, def: &DomainDef) -> Fact<super::DomainCapabilities> {
    let arch = def.arch.as_deref();
    let mut candidates: Vec<_> = all
        .into_iter()
        .filter(|c| c.domain == def.virt_type && arch.is_none_or(|a| c.arch == a))
        .collect();
    let exact = def.machine.as_deref().and_then(|m| candidates.iter().position(|c| c.machine == m));
    match exact {
        Some(i) => Ok(candidates.swap_remove(i)),
        None if !candidates.is_empty() => Ok(candidates.swap_remove(0)),
        None => Err(Unavailable::new(
            "snapshot",
            format!(
                "the snapshot holds no domain capabilities for virt type '{}' and arch '{}'",
                def.virt_type,
                arch.unwrap_or("?")
            ),
        )),
    }
}
