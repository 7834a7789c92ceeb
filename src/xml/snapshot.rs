// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<hostSnapshot version='1'>`: reads and writes host snapshots (schema:
//! docs/schemas/hostsnapshot.rng; format in docs/snapshots.md). libvirt's own documents are embedded
//! verbatim as children, so `xmllint --xpath '/hostSnapshot/capabilities'` gives back exactly
//! what `virsh capabilities` printed.
//!
//! [`host`] is the one way a snapshot, filled live or read from a file, becomes the facts the
//! checks read: each embedded document is parsed here by its kind's one parser, and one that does
//! not parse makes the facts that depend on it unavailable, naming the document and the error.

use super::escape;
use std::fmt::Write as _;

use super::dom::Element;
use super::{expect_root, number};
use crate::error::Error;
use crate::facts::{
    Capabilities, CellMemory, Document, DomainCapabilities, DomainSummary, Fact, FreeMemory, Host, HostInterface,
    Hypervisor, Network, NodeDevice, NodeInfo, Pool, PoolDocument, Snapshot, Unavailable, Volume,
};

/// The libvirt calls that give each kind of document: an unparseable document is reported as
/// that call's fact being unavailable, the same live and from a file.
pub const CAPABILITIES_CALL: &str = "virConnectGetCapabilities";
pub const DOMAIN_CAPABILITIES_CALL: &str = "virConnectGetDomainCapabilities";
pub const NETWORK_CALL: &str = "virNetworkGetXMLDesc";
pub const INTERFACE_CALL: &str = "virInterfaceGetXMLDesc";
pub const POOL_CALL: &str = "virStoragePoolGetXMLDesc";
pub const VOLUME_CALL: &str = "virStorageVolGetXMLDesc";
pub const NODE_DEVICE_CALL: &str = "virNodeDeviceGetXMLDesc";

/// A document's parse, as a fact: an error becomes `call`'s fact unavailable, with the error
/// (which names the document) as the reason.
fn judged<T>(call: &str, parsed: Result<T, Error>) -> Fact<T> {
    parsed.map_err(|e| Unavailable::new(call, e.to_string()))
}

/// Every document of a list, parsed; the first that does not parse makes the whole list
/// unavailable (a list with a hole would answer "not there" for what may be there).
fn judged_list<D, T>(call: &str, docs: &Fact<Vec<D>>, parse: impl Fn(usize, &D) -> Result<T, Error>) -> Fact<Vec<T>> {
    let docs = docs.as_ref().map_err(Clone::clone)?;
    docs.iter().enumerate().map(|(i, d)| judged(call, parse(i + 1, d))).collect()
}

/// The host's capabilities, parsed.
pub fn capabilities(s: &Snapshot) -> Fact<Capabilities> {
    parse_capabilities(s.capabilities.as_ref().map_err(Clone::clone)?)
}

/// A capabilities document as `virConnectGetCapabilities` printed it, parsed.
pub fn parse_capabilities(x: &str) -> Fact<Capabilities> {
    judged(CAPABILITIES_CALL, super::capabilities::parse_capabilities(x, "capabilities"))
}

fn domain_capabilities(s: &Snapshot) -> Fact<Vec<DomainCapabilities>> {
    judged_list(DOMAIN_CAPABILITIES_CALL, &s.domain_capabilities, |i, x| {
        super::domcaps::parse_domain_capabilities(x, &format!("domain capabilities #{i}"))
    })
}

fn networks(s: &Snapshot) -> Fact<Vec<Network>> {
    judged_list(NETWORK_CALL, &s.networks, |i, d| {
        super::network::parse_network(&d.xml, d.active, &format!("network #{i}"))
    })
}

fn interfaces(s: &Snapshot) -> Fact<Vec<HostInterface>> {
    if let Some(listed) = &s.live.interface_names {
        return listed.clone();
    }
    judged_list(INTERFACE_CALL, &s.interfaces, |i, d| {
        super::interface::parse_interface(&d.xml, &format!("interface #{i}"))
            .map(|iface| HostInterface { name: iface.name, active: d.active })
    })
}

fn node_devices(s: &Snapshot) -> Fact<Vec<NodeDevice>> {
    judged_list(NODE_DEVICE_CALL, &s.node_devices, |i, x| {
        super::nodedev::parse_node_device(x, &format!("node device #{i}"))
    })
}

/// The pools, and the volumes of the active ones as `(pool, volume)`.
type PoolsAndVolumes = (Vec<Pool>, Vec<(String, Volume)>);

/// The pools, and every volume of the active ones as `(pool, volume)` (libvirt looks volumes
/// up in active pools only). A volume that does not parse makes the pools unavailable too: the
/// volume lookups answered from them would otherwise say "no such volume" for it.
fn pools(s: &Snapshot) -> Fact<PoolsAndVolumes> {
    let all = s.pools.as_ref().map_err(Clone::clone)?;
    let mut pools = Vec::new();
    let mut volumes = Vec::new();
    for (i, p) in all.iter().enumerate() {
        let pool = judged(POOL_CALL, super::pool::parse_pool(&p.xml, p.active, &format!("pool #{}", i + 1)))?;
        for (j, v) in p.volumes.iter().enumerate() {
            let document = format!("pool '{}' volume #{}", pool.name, j + 1);
            let volume = judged(VOLUME_CALL, super::pool::parse_volume(v, &document))?;
            if pool.active {
                volumes.push((pool.name.clone(), volume));
            }
        }
        pools.push(pool);
    }
    Ok((pools, volumes))
}

/// The facts of the host snapshot document `text` (named `document` in errors): a text that is
/// not a host snapshot is an error, a broken document inside it an unavailable fact ([`host`]).
pub fn read_host(text: &str, document: &str) -> Result<Host, Error> {
    Ok(host(&read(text, document)?))
}

/// The facts the checks read, from any snapshot: one taken from a file, assembled from saved
/// documents, or filled by a live check with the documents its checks need. Never fails: a
/// document that does not parse makes its facts unavailable.
pub fn host(s: &Snapshot) -> Host {
    let mut host = Host::unknown(&s.uri);
    host.hostname = s.hostname.clone();
    host.hypervisor = s.hypervisor.clone();
    host.libvirt_version = s.libvirt_version.clone();
    host.capabilities = capabilities(s);
    host.node = s.node.clone();
    host.free_memory = s.free_memory.clone();
    host.cells = s.cells.clone();
    host.domains = s.domains.clone();
    host.domain_capabilities = domain_capabilities(s);
    host.networks = networks(s);
    host.interfaces = interfaces(s);
    host.node_devices = node_devices(s);
    let pools = pools(s);
    host.pools = pools.as_ref().map(|(p, _)| p.clone()).map_err(Clone::clone);
    match (&s.live.volumes, pools) {
        // A live check looked the guest's volumes up itself.
        (Some(lookups), Ok(_)) => {
            host.volumes_by_path = lookups.by_path.clone();
            host.volumes_by_name = lookups.by_name.clone();
        }
        // libvirt answers volume lookups from active pools only.
        (None, Ok((_, volumes))) => host.volume_list = Some(volumes),
        // Without the pools, no volume can be judged (their pools tell what a volume is): the
        // lookups answer with the pools' unavailability, live as from a snapshot, whose volume
        // documents come with the pools'.
        (_, Err(_)) => {}
    }
    if let Some(comparison) = &s.live.hypervisor_cpu_comparison {
        host.hypervisor_cpu_comparison = comparison.clone();
    }
    host
}

/// `s` as it can be written: every document cut to its root element as written; a fact with a
/// document that cannot be embedded (not XML, or not the element expected there) is written as
/// unavailable, for the reason [`host`] gives it, so that the file reads back to the same facts.
fn writable(s: &Snapshot) -> Snapshot {
    let mut w = s.clone();
    let cut = |x: &str, root: &str| embeddable(x, root, root).ok();
    if let Ok(x) = &s.capabilities {
        w.capabilities = match cut(x, "capabilities") {
            Some(x) => Ok(x),
            None => Err(capabilities(s).err().unwrap_or_else(|| Unavailable::new(CAPABILITIES_CALL, "not XML"))),
        };
    }
    fn all<D: Clone>(
        docs: &Fact<Vec<D>>,
        cut_one: impl Fn(&D) -> Option<D>,
        why: impl FnOnce() -> Option<Unavailable>,
        call: &str,
    ) -> Fact<Vec<D>> {
        let docs = docs.as_ref().map_err(Clone::clone)?;
        match docs.iter().map(cut_one).collect::<Option<Vec<D>>>() {
            Some(cut) => Ok(cut),
            None => Err(why().unwrap_or_else(|| Unavailable::new(call, "a document is not XML"))),
        }
    }
    w.domain_capabilities = all(
        &s.domain_capabilities,
        |x| cut(x, "domainCapabilities"),
        || domain_capabilities(s).err(),
        DOMAIN_CAPABILITIES_CALL,
    );
    w.node_devices = all(&s.node_devices, |x| cut(x, "device"), || node_devices(s).err(), NODE_DEVICE_CALL);
    let doc = |root: &'static str| move |d: &Document| Some(Document { active: d.active, xml: cut(&d.xml, root)? });
    w.networks = all(&s.networks, doc("network"), || networks(s).err(), NETWORK_CALL);
    // Listed names stand for the interface documents: those were not fetched.
    let listed = s.live.interface_names.is_some();
    if !listed {
        w.interfaces = all(&s.interfaces, doc("interface"), || interfaces(s).err(), INTERFACE_CALL);
    }
    let pool = |p: &PoolDocument| {
        Some(PoolDocument {
            active: p.active,
            xml: cut(&p.xml, "pool")?,
            volumes: p.volumes.iter().map(|v| cut(v, "volume")).collect::<Option<_>>()?,
        })
    };
    w.pools = all(&s.pools, pool, || pools(s).err(), POOL_CALL);
    w
}

/// The only version this build reads and writes.
pub const VERSION: &str = "1";

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The root element of `xml`, checked to be `<root>`, exactly as written (without any XML
/// declaration or comments around it), for embedding in a snapshot.
pub fn embeddable(xml: &str, root: &str, document: &str) -> Result<String, Error> {
    let parsed = super::parse(xml, document)?;
    expect_root(&parsed, root, document)?;
    Ok(xml[parsed.span.clone()].to_string())
}

/// Writes `snapshot` as XML. What a live check of one guest looked up for it (`live`) is not
/// written: a snapshot document describes the host, for any guest.
pub fn write(snapshot: &Snapshot) -> String {
    let snapshot = &writable(snapshot);
    let mut out = String::new();
    let mut unavailable: Vec<(&str, &Unavailable)> = Vec::new();
    let _ = writeln!(out, "<hostSnapshot version='{VERSION}'>");
    let _ = writeln!(out, "  <uri>{}</uri>", escape(&snapshot.uri));
    let _ = writeln!(out, "  <taken>{}</taken>", escape(&snapshot.taken));
    // Writes one part, or remembers why it is missing.
    macro_rules! part {
        ($name:literal, $fact:expr, |$v:ident| $body:block) => {
            match &$fact {
                Ok($v) => $body,
                Err(e) => unavailable.push(($name, e)),
            }
        };
    }
    part!("hostname", snapshot.hostname, |h| {
        let _ = writeln!(out, "  <hostname>{}</hostname>", escape(h));
    });
    part!("hypervisor", snapshot.hypervisor, |h| {
        let _ = writeln!(out, "  <hypervisor type='{}' version='{}'/>", escape(&h.driver), h.version);
    });
    part!("libvirt", snapshot.libvirt_version, |v| {
        let _ = writeln!(out, "  <libvirt version='{v}'/>");
    });
    part!("nodeinfo", snapshot.node, |n| {
        let _ = writeln!(
            out,
            "  <nodeinfo model='{}' memoryKiB='{}' cpus='{}' mhz='{}' nodes='{}' sockets='{}' cores='{}' threads='{}'/>",
            escape(&n.model),
            n.memory_kib,
            n.cpus,
            n.mhz,
            n.nodes,
            n.sockets,
            n.cores,
            n.threads
        );
    });
    part!("freeMemory", snapshot.free_memory, |m| {
        let total = m.total_kib.map(|t| format!(" totalKiB='{t}'")).unwrap_or_default();
        let _ =
            writeln!(out, "  <freeMemory availableKiB='{}'{total} source='{}'/>", m.available_kib, escape(&m.source));
    });
    part!("cells", snapshot.cells, |cells| {
        let _ = writeln!(out, "  <cells>");
        for c in cells {
            let _ = writeln!(out, "    <cell id='{}' freeKiB='{}'>", c.id, c.free_kib);
            for (size, free) in &c.free_pages {
                let _ = writeln!(out, "      <pages sizeKiB='{size}' free='{free}'/>");
            }
            let _ = writeln!(out, "    </cell>");
        }
        let _ = writeln!(out, "  </cells>");
    });
    part!("domains", snapshot.domains, |domains| {
        let _ = writeln!(out, "  <domains>");
        for d in domains {
            let _ = writeln!(
                out,
                "    <guest name='{}' uuid='{}' active='{}' memoryKiB='{}'/>",
                escape(&d.name),
                escape(&d.uuid),
                yes(d.active),
                d.memory_kib
            );
        }
        let _ = writeln!(out, "  </domains>");
    });
    part!("capabilities", snapshot.capabilities, |x| {
        let _ = writeln!(out, "{x}");
    });
    part!("domainCapabilities", snapshot.domain_capabilities, |all| {
        let _ = writeln!(out, "  <domainCapabilitiesList>");
        for x in all {
            let _ = writeln!(out, "{x}");
        }
        let _ = writeln!(out, "  </domainCapabilitiesList>");
    });
    for (name, fact) in [("networks", &snapshot.networks), ("interfaces", &snapshot.interfaces)] {
        match fact {
            Ok(docs) => {
                let _ = writeln!(out, "  <{name}>");
                for d in docs {
                    let _ = writeln!(out, "    <entry active='{}'>\n{}\n    </entry>", yes(d.active), d.xml);
                }
                let _ = writeln!(out, "  </{name}>");
            }
            Err(e) => unavailable.push((name, e)),
        }
    }
    part!("pools", snapshot.pools, |pools| {
        let _ = writeln!(out, "  <pools>");
        for p in pools {
            let _ = writeln!(out, "    <entry active='{}'>\n{}\n      <volumes>", yes(p.active), p.xml);
            for v in &p.volumes {
                let _ = writeln!(out, "{v}");
            }
            let _ = writeln!(out, "      </volumes>\n    </entry>");
        }
        let _ = writeln!(out, "  </pools>");
    });
    part!("nodeDevices", snapshot.node_devices, |devices| {
        let _ = writeln!(out, "  <nodeDevices>");
        for x in devices {
            let _ = writeln!(out, "{x}");
        }
        let _ = writeln!(out, "  </nodeDevices>");
    });
    for (name, why) in unavailable {
        let _ = writeln!(
            out,
            "  <unavailable fact='{name}' call='{}'>{}</unavailable>",
            escape(&why.call),
            escape(&why.reason)
        );
    }
    out.push_str("</hostSnapshot>\n");
    out
}

/// Reads a snapshot. `document` names it in errors ("destination snapshot").
pub fn read(text: &str, document: &str) -> Result<Snapshot, Error> {
    let root = super::parse(text, document)?;
    expect_root(&root, "hostSnapshot", document)?;
    match root.attr("version") {
        Some(VERSION) => {}
        Some(v) => {
            return Err(Error::xml(
                document,
                format!("snapshot version '{v}' is not supported (this build reads version {VERSION})"),
            ));
        }
        None => return Err(Error::xml(document, "the snapshot has no version attribute")),
    }
    let uri = root.text_at("uri").ok_or_else(|| Error::xml(document, "missing <uri>"))?;
    let mut s = Snapshot::empty(uri, root.text_at("taken").unwrap_or_default());
    let raw = |e: &Element| text[e.span.clone()].to_string();
    let attr = |e: &Element, name: &str| -> Result<String, Error> {
        e.attr(name)
            .map(str::to_string)
            .ok_or_else(|| Error::xml(document, format!("<{}> lacks attribute '{name}'", e.name)))
    };
    let num = |e: &Element, name: &str| -> Result<u64, Error> {
        number(&attr(e, name)?, &format!("<{} {name}>", e.name), document)
    };
    let active = |e: &Element| -> Result<bool, Error> {
        match e.attr("active") {
            Some("yes") => Ok(true),
            Some("no") => Ok(false),
            other => {
                Err(Error::xml(document, format!("<{}> active='{}' is not yes or no", e.name, other.unwrap_or(""))))
            }
        }
    };
    // Every embedded document must be the one expected there.
    let only = |e: &Element, name: &str| -> Result<(), Error> {
        if e.name == name {
            Ok(())
        } else {
            Err(Error::xml(document, format!("<{}> found where <{name}> was expected", e.name)))
        }
    };
    for part in &root.children {
        match part.name.as_str() {
            "uri" | "taken" => {}
            "hostname" => s.hostname = Ok(part.text.trim().to_string()),
            "hypervisor" => {
                s.hypervisor = Ok(Hypervisor { driver: attr(part, "type")?, version: num(part, "version")? })
            }
            "libvirt" => s.libvirt_version = Ok(num(part, "version")?),
            "nodeinfo" => {
                let n = |name| num(part, name).map(|v| v as u32);
                s.node = Ok(NodeInfo {
                    model: attr(part, "model")?,
                    memory_kib: num(part, "memoryKiB")?,
                    cpus: n("cpus")?,
                    mhz: n("mhz")?,
                    nodes: n("nodes")?,
                    sockets: n("sockets")?,
                    cores: n("cores")?,
                    threads: n("threads")?,
                })
            }
            "freeMemory" => {
                s.free_memory = Ok(FreeMemory {
                    available_kib: num(part, "availableKiB")?,
                    total_kib: part.attr("totalKiB").map(|_| num(part, "totalKiB")).transpose()?,
                    source: attr(part, "source")?,
                })
            }
            "cells" => {
                let mut cells = Vec::new();
                for c in &part.children {
                    only(c, "cell")?;
                    let mut free_pages = Vec::new();
                    for p in &c.children {
                        only(p, "pages")?;
                        free_pages.push((num(p, "sizeKiB")?, num(p, "free")?));
                    }
                    cells.push(CellMemory { id: num(c, "id")? as u32, free_kib: num(c, "freeKiB")?, free_pages });
                }
                s.cells = Ok(cells);
            }
            "domains" => {
                let mut domains = Vec::new();
                for g in &part.children {
                    only(g, "guest")?;
                    domains.push(DomainSummary {
                        name: attr(g, "name")?,
                        uuid: attr(g, "uuid")?,
                        active: active(g)?,
                        memory_kib: num(g, "memoryKiB")?,
                    });
                }
                s.domains = Ok(domains);
            }
            "capabilities" => s.capabilities = Ok(raw(part)),
            "domainCapabilitiesList" => {
                for d in &part.children {
                    only(d, "domainCapabilities")?;
                }
                s.domain_capabilities = Ok(part.children.iter().map(raw).collect());
            }
            "networks" | "interfaces" => {
                let inner = if part.name == "networks" { "network" } else { "interface" };
                let mut docs = Vec::new();
                for entry in &part.children {
                    only(entry, "entry")?;
                    let doc = entry
                        .children
                        .first()
                        .ok_or_else(|| Error::xml(document, format!("empty entry in <{}>", part.name)))?;
                    only(doc, inner)?;
                    docs.push(Document { active: active(entry)?, xml: raw(doc) });
                }
                if part.name == "networks" { s.networks = Ok(docs) } else { s.interfaces = Ok(docs) }
            }
            "pools" => {
                let mut pools = Vec::new();
                for entry in &part.children {
                    only(entry, "entry")?;
                    let pool = entry.child("pool").ok_or_else(|| Error::xml(document, "a pool entry lacks <pool>"))?;
                    let volumes = entry.child("volumes").map(|v| v.children.as_slice()).unwrap_or_default();
                    for v in volumes {
                        only(v, "volume")?;
                    }
                    pools.push(PoolDocument {
                        active: active(entry)?,
                        xml: raw(pool),
                        volumes: volumes.iter().map(raw).collect(),
                    });
                }
                s.pools = Ok(pools);
            }
            "nodeDevices" => {
                for d in &part.children {
                    only(d, "device")?;
                }
                s.node_devices = Ok(part.children.iter().map(raw).collect());
            }
            "unavailable" => {
                let why = Unavailable::new(attr(part, "call")?, part.text.trim());
                let fact = attr(part, "fact")?;
                match fact.as_str() {
                    "hostname" => s.hostname = Err(why),
                    "hypervisor" => s.hypervisor = Err(why),
                    "libvirt" => s.libvirt_version = Err(why),
                    "nodeinfo" => s.node = Err(why),
                    "freeMemory" => s.free_memory = Err(why),
                    "cells" => s.cells = Err(why),
                    "domains" => s.domains = Err(why),
                    "capabilities" => s.capabilities = Err(why),
                    "domainCapabilities" => s.domain_capabilities = Err(why),
                    "networks" => s.networks = Err(why),
                    "interfaces" => s.interfaces = Err(why),
                    "pools" => s.pools = Err(why),
                    "nodeDevices" => s.node_devices = Err(why),
                    other => {
                        return Err(Error::xml(document, format!("<unavailable> names an unknown fact '{other}'")));
                    }
                }
            }
            other => {
                return Err(Error::xml(
                    document,
                    format!("unexpected element <{other}> in a version {VERSION} snapshot"),
                ));
            }
        }
    }
    Ok(s)
}

/// libvirt documents saved separately (what `virsh capabilities`, `domcapabilities`,
/// `net-dumpxml`, `pool-dumpxml`, `vol-dumpxml`, `iface-dumpxml`, `nodedev-dumpxml` print), to
/// assemble into a snapshot. Each is `(name for errors, text)`.
#[derive(Debug, Clone, Default)]
pub struct SavedDocuments {
    pub capabilities: (String, String),
    pub domain_capabilities: Vec<(String, String)>,
    pub networks: Vec<(String, String)>,
    pub pools: Vec<(String, String)>,
    pub volumes: Vec<(String, String)>,
    pub interfaces: Vec<(String, String)>,
    pub node_devices: Vec<(String, String)>,
}

/// Assembles a snapshot from saved documents. What saved XML cannot tell is recorded as such:
/// networks, pools and interfaces count as active; node info is derived from the capabilities'
/// NUMA topology where it has one; free memory, domains and versions are unavailable. Each
/// volume goes to the pool whose target directory holds it.
pub fn assemble(saved: &SavedDocuments, uri: &str, taken: &str) -> Result<Snapshot, Error> {
    let assembled = |what: &str| Unavailable::new("assembled snapshot", format!("saved XML does not tell {what}"));
    let mut s = Snapshot::empty(uri, taken);
    s.hostname = Err(assembled("the hostname"));
    s.hypervisor = Err(assembled("the hypervisor version"));
    s.libvirt_version = Err(assembled("the libvirt version"));
    s.free_memory = Err(assembled("free memory"));
    s.cells = Err(assembled("free memory per NUMA cell"));
    s.domains = Err(assembled("which domains the host holds"));
    let (name, text) = &saved.capabilities;
    let caps_xml = embeddable(text, "capabilities", name)?;
    let caps = super::capabilities::parse_capabilities(&caps_xml, name)?;
    s.node = if caps.topology_cpus > 0 {
        Ok(NodeInfo {
            model: caps.host_arch.clone(),
            memory_kib: caps.topology_memory_kib,
            cpus: caps.topology_cpus,
            nodes: caps.numa_cells,
            ..NodeInfo::default()
        })
    } else {
        Err(assembled("node info (the capabilities have no NUMA topology)"))
    };
    s.capabilities = Ok(caps_xml);
    let all = |docs: &[(String, String)], root: &str| -> Result<Vec<String>, Error> {
        docs.iter().map(|(name, text)| embeddable(text, root, name)).collect()
    };
    s.domain_capabilities = Ok(all(&saved.domain_capabilities, "domainCapabilities")?);
    s.networks = Ok(all(&saved.networks, "network")?.into_iter().map(|xml| Document { active: true, xml }).collect());
    s.interfaces =
        Ok(all(&saved.interfaces, "interface")?.into_iter().map(|xml| Document { active: true, xml }).collect());
    s.node_devices = Ok(all(&saved.node_devices, "device")?);
    let mut pools: Vec<PoolDocument> = all(&saved.pools, "pool")?
        .into_iter()
        .map(|xml| PoolDocument { active: true, xml, volumes: Vec::new() })
        .collect();
    let parsed: Vec<_> = pools
        .iter()
        .zip(&saved.pools)
        .map(|(p, (name, _))| super::pool::parse_pool(&p.xml, true, name))
        .collect::<Result<_, _>>()?;
    for (name, text) in &saved.volumes {
        let xml = embeddable(text, "volume", name)?;
        let volume = super::pool::parse_volume(&xml, name)?;
        let owner = parsed.iter().position(|p| p.covers(&volume.path)).ok_or_else(|| {
            Error::xml(
                name,
                format!("volume '{}' at '{}' lies in no given pool's target directory", volume.name, volume.path),
            )
        })?;
        pools[owner].volumes.push(xml);
    }
    s.pools = Ok(pools);
    Ok(s)
}
