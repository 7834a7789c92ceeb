//! `<hostSnapshot version='1'>`: reads and writes host snapshots (schema:
//! docs/schemas/hostsnapshot.rng; format in the README). libvirt's own documents are embedded
//! verbatim as children, so `xmllint --xpath '/hostSnapshot/capabilities'` gives back exactly
//! what `virsh capabilities` printed.

use std::fmt::Write as _;

use super::dom::Element;
use super::{expect_root, number};
use crate::error::Error;
use crate::facts::{
    CellMemory, Document, DomainSummary, FreeMemory, Hypervisor, NodeInfo, PoolDocument, Snapshot, Unavailable,
};

/// The only version this build reads and writes.
pub const VERSION: &str = "1";

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

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

/// Writes `snapshot` as XML.
pub fn write(snapshot: &Snapshot) -> String {
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
