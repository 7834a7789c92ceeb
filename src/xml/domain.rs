// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<domain>`: the guest definition.

use super::dom::{Element, element_kib};
use super::{expect_root, number};
use crate::error::Error;
use crate::facts::{
    Devices, Disk, DiskSource, DomainDef, Filesystem, Hostdev, Interface, MemNode, MemoryBacking, MemoryDevice,
    NumaCell, Numatune, Timer, Tpm,
};

/// Parses domain XML as `virDomainGetXMLDesc` prints it.
pub fn parse_domain(xml: &str, document: &str) -> Result<DomainDef, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "domain", document)?;
    let name = root.text_at("name").ok_or_else(|| Error::xml(document, "missing <name>"))?;
    let memory_kib = match root.child("memory") {
        Some(m) => {
            element_kib(m, "KiB").ok_or_else(|| Error::xml(document, format!("bad <memory> '{}'", m.text.trim())))?
        }
        None => 0,
    };
    let kib_at = |path: &str| -> Result<Option<u64>, Error> {
        root.child(path)
            .map(|m| {
                element_kib(m, "KiB").ok_or_else(|| Error::xml(document, format!("bad <{path}> '{}'", m.text.trim())))
            })
            .transpose()
    };
    let max_vcpus: u32 = match root.text_at("vcpu") {
        Some(t) => number(t, "<vcpu>", document)?,
        None => 1,
    };
    let vcpus = match root.attr_at("vcpu", "current") {
        Some(t) => number(t, "<vcpu current>", document)?,
        None => max_vcpus,
    };
    let devices = root.child("devices");
    let each = |name: &'static str| devices.into_iter().flat_map(move |d| d.children_named(name));
    Ok(DomainDef {
        virt_type: root.attr("type").unwrap_or_default().to_string(),
        name: name.to_string(),
        uuid: root.text_at("uuid").unwrap_or_default().to_string(),
        os_type: root.text_at("os/type").unwrap_or_default().to_string(),
        arch: root.attr_at("os/type", "arch").map(str::to_string),
        machine: root.attr_at("os/type", "machine").map(str::to_string),
        emulator: devices.and_then(|d| d.text_at("emulator")).map(str::to_string),
        memory_kib,
        current_memory_kib: kib_at("currentMemory")?,
        max_memory_kib: kib_at("maxMemory")?,
        max_memory_slots: root
            .attr_at("maxMemory", "slots")
            .map(|v| number(v, "<maxMemory slots>", document))
            .transpose()?,
        vcpu_cpuset: root.attr_at("vcpu", "cpuset").map(str::to_string),
        vcpu_placement: root.attr_at("vcpu", "placement").map(str::to_string),
        numatune: root.child("numatune").map(|n| parse_numatune(n, document)).transpose()?,
        vcpupins: pins(&root, "vcpupin", "vcpu", document)?,
        emulatorpin: root.attr_at("cputune/emulatorpin", "cpuset").map(str::to_string),
        iothreadpins: pins(&root, "iothreadpin", "iothread", document)?,
        memory_backing: root.child("memoryBacking").map(parse_memory_backing),
        memory_devices: each("memory")
            .map(|m| MemoryDevice {
                model: m.attr("model").unwrap_or_default().to_string(),
                size_kib: m.path("target/size").and_then(|s| element_kib(s, "KiB")).unwrap_or(0),
                node: m.text_at("target/node").and_then(|n| n.parse().ok()),
                has_address: m.child("address").is_some(),
            })
            .collect(),
        devices: devices.map(parse_devices).unwrap_or_default(),
        loader: root.text_at("os/loader").map(str::to_string),
        loader_type: root.attr_at("os/loader", "type").map(str::to_string),
        nvram_template: root.attr_at("os/nvram", "template").map(str::to_string),
        firmware: root.attr_at("os", "firmware").map(str::to_string),
        acpi: root.path("features/acpi").is_some_and(|a| a.attr("state") != Some("off")),
        timers: root
            .child("clock")
            .into_iter()
            .flat_map(|c| c.children_named("timer"))
            .map(|t| Timer {
                name: t.attr("name").unwrap_or_default().to_string(),
                present: t.attr("present").map(|p| p == "yes"),
                frequency: t.attr("frequency").and_then(|f| f.parse().ok()),
            })
            .collect(),
        vcpus,
        max_vcpus,
        cpu: root.child("cpu").map(super::cpu::parse_cpu),
        cpu_xml: root.child("cpu").map(|c| xml[c.span.clone()].to_string()),
        numa_cells: parse_numa(&root, document)?,
        disks: each("disk").map(parse_disk).collect(),
        interfaces: each("interface").map(parse_interface).collect(),
        hostdevs: each("hostdev")
            .map(|h| Hostdev {
                mode: h.attr("mode").unwrap_or("subsystem").to_string(),
                kind: h.attr("type").unwrap_or_default().to_string(),
                transient_teaming: h.attr_at("teaming", "type") == Some("transient"),
                mdev_uuid: h.attr_at("source/address", "uuid").map(str::to_string),
            })
            .collect(),
    })
}

fn parse_devices(devices: &Element) -> Devices {
    let models = |name: &str, attr_path: &str, attr: &str| -> Vec<String> {
        devices
            .children_named(name)
            .map(|d| {
                if attr_path.is_empty() { d.attr(attr) } else { d.attr_at(attr_path, attr) }
                    .unwrap_or("default")
                    .to_string()
            })
            .collect()
    };
    Devices {
        videos: models("video", "model", "type"),
        graphics: models("graphics", "", "type"),
        sounds: models("sound", "", "model"),
        inputs: devices
            .children_named("input")
            .map(|i| (i.attr("type").unwrap_or_default().to_string(), i.attr("bus").map(str::to_string)))
            .collect(),
        watchdogs: models("watchdog", "", "model"),
        memballoon: devices.attr_at("memballoon", "model").map(str::to_string),
        rngs: devices
            .children_named("rng")
            .map(|r| {
                (r.attr("model").unwrap_or("virtio").to_string(), r.attr_at("backend", "model").map(str::to_string))
            })
            .collect(),
        tpms: devices
            .children_named("tpm")
            .map(|t| Tpm {
                model: t.attr("model").map(str::to_string),
                backend: t.attr_at("backend", "type").unwrap_or("passthrough").to_string(),
                version: t.attr_at("backend", "version").map(str::to_string),
            })
            .collect(),
        filesystems: devices
            .children_named("filesystem")
            .map(|f| Filesystem {
                driver: f.attr_at("driver", "type").map(str::to_string),
                target: f.attr_at("target", "dir").unwrap_or_default().to_string(),
            })
            .collect(),
        shmems: devices
            .children_named("shmem")
            .map(|m| (m.attr("name").unwrap_or_default().to_string(), m.attr("role").map(str::to_string)))
            .collect(),
        redirdevs: models("redirdev", "", "bus"),
        panics: models("panic", "", "model"),
        controllers: devices
            .children_named("controller")
            .map(|c| (c.attr("type").unwrap_or_default().to_string(), c.attr("model").map(str::to_string)))
            .collect(),
    }
}

fn parse_numatune(n: &Element, document: &str) -> Result<Numatune, Error> {
    let memory = n.child("memory");
    Ok(Numatune {
        mode: memory.and_then(|m| m.attr("mode")).map(str::to_string),
        nodeset: memory.and_then(|m| m.attr("nodeset")).map(str::to_string),
        placement: memory.and_then(|m| m.attr("placement")).map(str::to_string),
        memnodes: n
            .children_named("memnode")
            .map(|m| {
                Ok(MemNode {
                    cellid: number(m.attr("cellid").unwrap_or(""), "<memnode cellid>", document)?,
                    mode: m.attr("mode").map(str::to_string),
                    nodeset: m.attr("nodeset").unwrap_or_default().to_string(),
                })
            })
            .collect::<Result<_, Error>>()?,
    })
}

fn pins(root: &Element, element: &str, id: &str, document: &str) -> Result<Vec<(u32, String)>, Error> {
    root.child("cputune")
        .into_iter()
        .flat_map(|c| c.children_named(element))
        .map(|p| {
            Ok((
                number(p.attr(id).unwrap_or(""), &format!("<{element} {id}>"), document)?,
                p.attr("cpuset").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn parse_memory_backing(m: &Element) -> MemoryBacking {
    let hugepages = m.child("hugepages");
    MemoryBacking {
        hugepages: hugepages.is_some(),
        pages: hugepages
            .into_iter()
            .flat_map(|h| h.children_named("page"))
            .filter_map(|p| {
                Some((
                    super::dom::scaled_to_kib(p.attr("size")?, p.attr("unit"), "KiB")?,
                    p.attr("nodeset").map(str::to_string),
                ))
            })
            // libvirt refuses a page size under 1 KiB; one here would only divide by zero later.
            .filter(|(size, _)| *size > 0)
            .collect(),
        locked: m.child("locked").is_some(),
        source_type: m.attr_at("source", "type").map(str::to_string),
        access_mode: m.attr_at("access", "mode").map(str::to_string),
    }
}

fn parse_numa(root: &Element, document: &str) -> Result<Vec<NumaCell>, Error> {
    let Some(numa) = root.path("cpu/numa") else { return Ok(Vec::new()) };
    numa.children_named("cell")
        .enumerate()
        .map(|(i, cell)| {
            let memory = cell.attr("memory").unwrap_or("0");
            Ok(NumaCell {
                id: match cell.attr("id") {
                    Some(id) => number(id, "NUMA cell id", document)?,
                    None => i as u32,
                },
                cpus: cell.attr("cpus").unwrap_or_default().to_string(),
                memory_kib: super::dom::scaled_to_kib(memory, cell.attr("unit"), "KiB")
                    .ok_or_else(|| Error::xml(document, format!("bad NUMA cell memory '{memory}'")))?,
                mem_access: cell.attr("memAccess").map(str::to_string),
            })
        })
        .collect()
}

fn parse_disk(disk: &Element) -> Disk {
    let kind = disk.attr("type").unwrap_or("file");
    let source = disk.child("source");
    let attr = |name: &str| source.and_then(|s| s.attr(name)).map(str::to_string);
    let source = match kind {
        "file" | "block" => match attr(if kind == "file" { "file" } else { "dev" }) {
            Some(path) if !path.is_empty() => DiskSource::Path { kind: kind.to_string(), path },
            _ => DiskSource::Empty,
        },
        "volume" => match (attr("pool"), attr("volume")) {
            (Some(pool), Some(volume)) => DiskSource::Volume { pool, volume },
            _ => DiskSource::Empty,
        },
        "network" => DiskSource::Network {
            protocol: attr("protocol").unwrap_or_default(),
            name: attr("name").unwrap_or_default(),
        },
        other => DiskSource::Other { kind: other.to_string() },
    };
    Disk {
        device: disk.attr("device").unwrap_or("disk").to_string(),
        target: disk.attr_at("target", "dev").unwrap_or_default().to_string(),
        bus: disk.attr_at("target", "bus").map(str::to_string),
        source,
        readonly: disk.child("readonly").is_some(),
        shareable: disk.child("shareable").is_some(),
        cache: disk.attr_at("driver", "cache").map(str::to_string),
        transient: disk.child("transient").is_some(),
    }
}

fn parse_interface(iface: &Element) -> Interface {
    let source = iface.child("source");
    // A running guest's live XML shows a network interface by its actual type (bridge, direct,
    // hostdev) with the network still named in <source network=>: the migration asks the
    // destination for that network, so it is judged as a network interface.
    let kind = match source.and_then(|s| s.attr("network")) {
        Some(_) => "network".to_string(),
        None => iface.attr("type").unwrap_or_default().to_string(),
    };
    let source_attr = match kind.as_str() {
        "network" => "network",
        "bridge" => "bridge",
        "direct" => "dev",
        _ => "",
    };
    Interface {
        mac: iface.attr_at("mac", "address").map(str::to_string),
        model: iface.attr_at("model", "type").map(str::to_string),
        source: source.and_then(|s| s.attr(source_attr)).map(str::to_string),
        portgroup: source.and_then(|s| s.attr("portgroup")).map(str::to_string),
        mode: source.and_then(|s| s.attr("mode")).map(str::to_string),
        teaming: iface.attr_at("teaming", "type").map(str::to_string),
        backend: iface.attr_at("backend", "type").map(str::to_string),
        kind,
    }
}
