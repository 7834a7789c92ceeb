// SPDX-License-Identifier: LGPL-2.1-or-later
//! The destination XML of a migration (`VIR_MIGRATE_PARAM_DEST_XML`) against the running guest:
//! what libvirt compares before it accepts it.
//!
//! libvirt's source parses the destination XML (`qemuMigrationSrcBeginXML`, called from
//! qemuMigrationSrcBeginPhase in src/qemu/qemu_migration.c, 9.0 and 11.3) and refuses it unless
//! `qemuDomainCheckABIStability` passes: `virDomainDefCheckABIStabilityFlags` (src/conf/domain_conf.c)
//! compares virt type, UUID, name, memory, NUMA, vCPUs, iothreads, OS type, arch, machine,
//! features, timers, CPU and every device list (count, then each device's model, target,
//! address ...), and stops at the first difference. This module reports every difference it
//! finds, each with libvirt's words, so that a caller can fix them all at once.
//!
//! libvirt compares two *parsed* definitions: parsing fills in what the XML leaves out (an
//! address, the implicit controllers, inputs, video and balloon, a NIC's default model, the
//! default arch and machine). Where the destination XML leaves out such a thing and the running
//! guest has it, whether the result differs is not known here: such a difference is `proven:
//! false` (a WARNING), never a guessed refusal. The machine type is compared as written; the
//! HOST check resolves a machine alias with the source's capabilities.

use super::dom::{Element, element_kib};
use crate::facts::{AbiDifference, DestinationDef};

/// The destination XML read, and compared with the running guest's XML.
pub fn destination(source_xml: &str, dest_xml: &str) -> DestinationDef {
    let def = super::domain::parse_domain(dest_xml, "destination XML").map_err(|e| e.to_string());
    let abi = match (&def, super::parse(source_xml, "domain XML"), super::parse(dest_xml, "destination XML")) {
        (Ok(_), Ok(src), Ok(dst)) => differences(&src, &dst),
        _ => Vec::new(),
    };
    DestinationDef { def, abi }
}

/// The persistent XML (`VIR_MIGRATE_PARAM_PERSIST_XML`) read as libvirt must read it.
pub fn persistent(persist_xml: &str) -> Result<crate::facts::DomainDef, String> {
    super::domain::parse_domain(persist_xml, "persistent XML").map_err(|e| e.to_string())
}

/// Every ABI difference between `src` (the running guest) and `dst` (the destination XML), in
/// the order virDomainDefCheckABIStabilityFlags meets them.
pub fn differences(src: &Element, dst: &Element) -> Vec<AbiDifference> {
    let mut d = Differences::default();
    d.field("virt type", src.attr("type"), dst.attr("type"), Fill::Never, |t, s| {
        format!("Target domain virt type {t} does not match source {s}")
    });
    let uuid = |e: &Element| e.text_at("uuid").map(|u| u.replace('-', "").to_ascii_lowercase());
    if uuid(src) != uuid(dst) {
        // A destination XML without a UUID gets a random one: always a difference.
        let shown = |e: &Element| e.text_at("uuid").unwrap_or("(none: libvirt generates one)").to_string();
        d.push(
            "UUID",
            shown(src),
            shown(dst),
            format!("Target domain uuid {} does not match source {}", shown(dst), shown(src)),
            true,
        );
    }
    d.field("name", src.text_at("name"), dst.text_at("name"), Fill::Never, |t, s| {
        format!("Target domain name '{t}' does not match source '{s}'")
    });
    memory(&mut d, src, dst);
    numa(&mut d, src, dst);
    vcpus(&mut d, src, dst);
    let iothreads = |e: &Element| e.text_at("iothreads").unwrap_or("0").to_string();
    d.field("iothreads count", Some(&iothreads(src)), Some(&iothreads(dst)), Fill::Never, |t, s| {
        format!("Target domain iothreads count {t} does not match source {s}")
    });
    d.field("OS type", src.text_at("os/type"), dst.text_at("os/type"), Fill::Never, |t, s| {
        format!("Target domain OS type {t} does not match source {s}")
    });
    d.field("architecture", src.attr_at("os/type", "arch"), dst.attr_at("os/type", "arch"), Fill::Default, |t, s| {
        format!("Target domain architecture {t} does not match source {s}")
    });
    d.field(
        "machine type",
        src.attr_at("os/type", "machine"),
        dst.attr_at("os/type", "machine"),
        Fill::Default,
        |t, s| format!("Target domain machine type {t} does not match source {s}"),
    );
    features(&mut d, src, dst);
    timers(&mut d, src, dst);
    cpu(&mut d, src, dst);
    for kind in DEVICE_KINDS {
        devices(&mut d, kind, src, dst);
    }
    d.out
}

#[derive(Default)]
struct Differences {
    out: Vec<AbiDifference>,
}

/// Whether libvirt fills in a value the destination XML leaves out.
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    Never,
    /// Parsing gives a default, maybe the source's.
    Default,
}

impl Differences {
    fn push(&mut self, what: impl Into<String>, source: String, destination: String, error: String, proven: bool) {
        self.out.push(AbiDifference { what: what.into(), source, destination, libvirt_error: error, proven });
    }

    /// Compares one value; `words(target, source)` is libvirt's message.
    fn field(
        &mut self,
        what: impl Into<String>,
        src: Option<&str>,
        dst: Option<&str>,
        fill: Fill,
        words: impl Fn(&str, &str) -> String,
    ) {
        if src == dst {
            return;
        }
        let (s, t) = (src.unwrap_or("(none)"), dst.unwrap_or("(none)"));
        let proven = !(dst.is_none() && fill == Fill::Default);
        self.push(what, s.to_string(), t.to_string(), words(t, s), proven);
    }
}

/// virDomainMemtuneCheckABIStability: initial memory, maximum memory and its slots (KiB).
/// The current memory (balloon) is volatile and not compared for migration
/// (VIR_DOMAIN_DEF_ABI_CHECK_SKIP_VOLATILE).
fn memory(d: &mut Differences, src: &Element, dst: &Element) {
    let kib = |e: &Element, name: &str| e.child(name).and_then(|m| element_kib(m, "KiB")).map(|k| k.to_string());
    // Without <memory>, libvirt takes the sum of the NUMA cells: not known here.
    d.field("memory", kib(src, "memory").as_deref(), kib(dst, "memory").as_deref(), Fill::Default, |t, s| {
        format!("Target domain max memory {t} does not match source {s}")
    });
    let max = |e: &Element| kib(e, "maxMemory").unwrap_or_else(|| "0".into());
    d.field("maximum memory", Some(&max(src)), Some(&max(dst)), Fill::Never, |t, s| {
        format!("Target maximum memory size '{t}' doesn't match source '{s}'")
    });
    let slots = |e: &Element| e.attr_at("maxMemory", "slots").unwrap_or("0").to_string();
    d.field("memory slots", Some(&slots(src)), Some(&slots(dst)), Fill::Never, |t, s| {
        format!("Target domain memory slots count '{t}' doesn't match source '{s}'")
    });
}

/// virDomainNumaCheckABIStability: the guest's NUMA cells, their memory and CPUs.
fn numa(d: &mut Differences, src: &Element, dst: &Element) {
    let cells = |e: &Element| -> Vec<Element> {
        e.path("cpu/numa").map(|n| n.children_named("cell").cloned().collect()).unwrap_or_default()
    };
    let (s, t) = (cells(src), cells(dst));
    if s.len() != t.len() {
        let (s, t) = (s.len().to_string(), t.len().to_string());
        let error = format!("Target NUMA nodes count {t} doesn't match source {s}");
        d.push("NUMA node count", s, t, error, true);
        return;
    }
    for (i, (s, t)) in s.iter().zip(&t).enumerate() {
        let (sm, tm) = (element_kib(s, "KiB").unwrap_or(0), element_kib(t, "KiB").unwrap_or(0));
        if sm != tm {
            let error = format!("Size of target NUMA node {i} ({tm}) doesn't match source ({sm})");
            d.push(format!("NUMA node {i} memory"), sm.to_string(), tm.to_string(), error, true);
        }
        if s.attr("cpus") != t.attr("cpus") {
            let error = format!("Processor mask of target NUMA node {i} doesn't match source");
            let shown = |e: &Element| e.attr("cpus").unwrap_or("(none)").to_string();
            d.push(format!("NUMA node {i} CPUs"), shown(s), shown(t), error, true);
        }
    }
}

/// virDomainDefVcpuCheckAbiStability: the maximum vCPUs, then each vCPU's online state.
fn vcpus(d: &mut Differences, src: &Element, dst: &Element) {
    let max = |e: &Element| e.text_at("vcpu").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
    let current = |e: &Element| e.attr_at("vcpu", "current").and_then(|v| v.parse::<u32>().ok()).unwrap_or(max(e));
    let (sm, tm) = (max(src), max(dst));
    if sm != tm {
        d.push(
            "maximum vCPUs",
            sm.to_string(),
            tm.to_string(),
            format!("Target domain vCPU max {tm} does not match source {sm}"),
            true,
        );
        return;
    }
    let (sc, tc) = (current(src), current(dst));
    if sc != tc {
        d.push(
            "vCPUs online",
            sc.to_string(),
            tc.to_string(),
            format!("State of vCPU '{}' differs between source and destination definitions", sc.min(tc)),
            true,
        );
    }
}

/// virDomainDefFeaturesCheckABIStability: each `<features>` child, as libvirt names its state
/// (a tristate: on, off, or default where the XML does not name it; the APIC's with its EOI).
fn features(d: &mut Differences, src: &Element, dst: &Element) {
    let state = |e: &Element, name: &str| -> String {
        let feature = e.child("features").and_then(|f| f.child(name));
        let state = match feature {
            Some(f) => f.attr("state").unwrap_or("on"),
            None => "default",
        };
        match name {
            "apic" => format!("{state},eoi={}", feature.and_then(|f| f.attr("eoi")).unwrap_or("default")),
            _ => state.to_string(),
        }
    };
    let mut names: Vec<&str> = Vec::new();
    for e in [src, dst] {
        for f in e.child("features").map(|f| f.children.as_slice()).unwrap_or_default() {
            if !names.contains(&f.name.as_str()) {
                names.push(&f.name);
            }
        }
    }
    for name in names {
        let (s, t) = (state(src, name), state(dst, name));
        if s != t {
            let error = format!("State of feature '{name}' differs: source: '{s}', destination: '{t}'");
            d.push(format!("feature {name}"), s, t, error, true);
        }
    }
}

/// virDomainTimerDefCheckABIStability: the clock's timers, in order.
fn timers(d: &mut Differences, src: &Element, dst: &Element) {
    let list = |e: &Element| -> Vec<Element> {
        e.child("clock").map(|c| c.children_named("timer").cloned().collect()).unwrap_or_default()
    };
    let (s, t) = (list(src), list(dst));
    if s.len() != t.len() {
        let error = "Target domain timers do not match source".to_string();
        d.push("timer count", s.len().to_string(), t.len().to_string(), error, true);
        return;
    }
    for (s, t) in s.iter().zip(&t) {
        d.field("timer", s.attr("name"), t.attr("name"), Fill::Never, |t, s| {
            format!("Target timer {t} does not match source {s}")
        });
        let present = |e: &Element| match e.attr("present") {
            Some("yes") => "1",
            Some("no") => "0",
            _ => "-1",
        };
        let name = s.attr("name").unwrap_or_default();
        d.field(format!("timer {name} presence"), Some(present(s)), Some(present(t)), Fill::Never, |t, s| {
            format!("Target timer presence {t} does not match source {s}")
        });
    }
}

/// virCPUDefIsEqual (src/conf/cpu_conf.c): mode, model, topology, then each feature by
/// position. A host-model CPU is formatted for migration from the CPU the guest started with,
/// and a CPU checked in full was updated by libvirt when the guest started: the features of
/// those are compared, but a difference there is not proven.
fn cpu(d: &mut Differences, src: &Element, dst: &Element) {
    let (s, t) = match (src.child("cpu"), dst.child("cpu")) {
        (None, None) => return,
        (Some(s), Some(t)) => (s, t),
        (s, t) => {
            // Parsing may give a CPU that prints nothing: not proven either way.
            let shown = |e: Option<&Element>| if e.is_some() { "a CPU" } else { "(none)" }.to_string();
            d.push("CPU", shown(s), shown(t), "Target CPU does not match source".into(), false);
            return;
        }
    };
    let mode = |e: &Element| e.attr("mode").unwrap_or("custom").to_string();
    let (sm, tm) = (mode(s), mode(t));
    if sm != tm {
        let proven = sm != "host-model" && tm != "host-model";
        let error = format!("Target CPU mode {tm} does not match source {sm}");
        d.push("CPU mode", sm, tm, error, proven);
        return;
    }
    d.field("CPU model", s.text_at("model"), t.text_at("model"), Fill::Never, |t, s| {
        format!("Target CPU model {t} does not match source {s}")
    });
    for part in ["sockets", "dies", "cores", "threads"] {
        let (sv, tv) = (s.attr_at("topology", part), t.attr_at("topology", part));
        if sv != tv {
            let (sv, tv) = (sv.unwrap_or("0"), tv.unwrap_or("0"));
            let proven = s.child("topology").is_some() && t.child("topology").is_some();
            let error = format!("Target CPU {part} {tv} does not match source {sv}");
            d.push(format!("CPU {part}"), sv.into(), tv.into(), error, proven);
        }
    }
    let proven = sm != "host-model" && s.attr("check") != Some("full");
    let feats = |e: &Element| -> Vec<(String, String)> {
        e.children_named("feature")
            .map(|f| {
                let name = f.attr("name").unwrap_or_default().to_string();
                (name, f.attr("policy").unwrap_or("require").to_string())
            })
            .collect()
    };
    let (sf, tf) = (feats(s), feats(t));
    if sf.len() != tf.len() {
        let (a, b) = (sf.len().to_string(), tf.len().to_string());
        let error = format!("Target CPU feature count {b} does not match source {a}");
        d.push("CPU feature count", a, b, error, proven);
        return;
    }
    for ((sn, sp), (tn, tp)) in sf.iter().zip(&tf) {
        if sn != tn {
            let error = format!("Target CPU feature {tn} does not match source {sn}");
            d.push("CPU feature", sn.clone(), tn.clone(), error, proven);
        } else if sp != tp {
            let error = format!("Target CPU feature policy {tp} does not match source {sp}");
            d.push(format!("CPU feature {sn} policy"), sp.clone(), tp.clone(), error, proven);
        }
    }
}

/// One device list virDomainDefCheckABIStabilityFlags compares.
struct DeviceKind {
    /// The element under `<devices>`.
    element: &'static str,
    /// libvirt's noun in "Target domain <noun> count %zu does not match source %zu".
    noun: &'static str,
    /// Whether libvirt adds such devices itself when the XML has none (virDomainDefAddImplicitDevices,
    /// the QEMU driver's post-parse: controllers, PS/2 inputs, the video of a guest with graphics,
    /// the balloon, the console of a serial port).
    implicit: bool,
    /// How two devices are paired: by this key (disk target, controller type and index), or by
    /// position where None.
    key: Option<fn(&Element) -> String>,
    /// What is compared of each pair: (what, path, attribute, libvirt's words, filled by
    /// parsing when left out).
    fields: &'static [(&'static str, &'static str, &'static str, Words, Fill)],
}

type Words = fn(&str, &str) -> String;

fn disk_key(e: &Element) -> String {
    e.attr_at("target", "dev").unwrap_or_default().to_string()
}

fn controller_key(e: &Element) -> String {
    format!("{} {}", e.attr("type").unwrap_or_default(), e.attr("index").unwrap_or("0"))
}

const DEVICE_KINDS: &[DeviceKind] = &[
    DeviceKind {
        element: "disk",
        noun: "disk",
        implicit: false,
        key: Some(disk_key),
        fields: &[
            ("device", "", "device", |t, s| format!("Target disk device {t} does not match source {s}"), Fill::Default),
            ("bus", "target", "bus", |t, s| format!("Target disk bus {t} does not match source {s}"), Fill::Default),
            ("serial", "serial", "", |t, s| format!("Target disk serial {t} does not match source {s}"), Fill::Never),
        ],
    },
    DeviceKind {
        element: "controller",
        noun: "controller",
        implicit: true,
        key: Some(controller_key),
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target controller model {t} does not match source {s}"),
            Fill::Default,
        )],
    },
    DeviceKind { element: "filesystem", noun: "filesystem", implicit: false, key: None, fields: &[] },
    DeviceKind {
        element: "interface",
        noun: "net card",
        implicit: false,
        key: None,
        fields: &[
            // A NIC without a MAC address gets a random one: always a difference.
            (
                "mac",
                "mac",
                "address",
                |t, s| format!("Target network card mac {t} does not match source {s}"),
                Fill::Never,
            ),
            (
                "model",
                "model",
                "type",
                |t, s| format!("Target network card model {t} does not match source {s}"),
                Fill::Default,
            ),
        ],
    },
    DeviceKind {
        element: "input",
        noun: "input device",
        implicit: true,
        key: None,
        fields: &[
            ("type", "", "type", |t, s| format!("Target input device type {t} does not match source {s}"), Fill::Never),
            ("bus", "", "bus", |t, s| format!("Target input device bus {t} does not match source {s}"), Fill::Default),
        ],
    },
    DeviceKind {
        element: "sound",
        noun: "sound card",
        implicit: false,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target sound card model {t} does not match source {s}"),
            Fill::Never,
        )],
    },
    DeviceKind {
        element: "video",
        noun: "video card",
        implicit: true,
        key: None,
        fields: &[(
            "model",
            "model",
            "type",
            |t, s| format!("Target video card model {t} does not match source {s}"),
            Fill::Default,
        )],
    },
    DeviceKind { element: "hostdev", noun: "host device", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "smartcard", noun: "smartcard", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "serial", noun: "serial port", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "parallel", noun: "parallel port", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "channel", noun: "channel", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "console", noun: "console", implicit: true, key: None, fields: &[] },
    DeviceKind { element: "hub", noun: "hub device", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "redirdev", noun: "redirected devices", implicit: false, key: None, fields: &[] },
    DeviceKind {
        element: "watchdog",
        noun: "watchdog",
        implicit: false,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target watchdog model {t} does not match source {s}"),
            Fill::Never,
        )],
    },
    DeviceKind {
        element: "memballoon",
        noun: "memory balloon",
        implicit: true,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target balloon model {t} does not match source {s}"),
            Fill::Never,
        )],
    },
    DeviceKind {
        element: "rng",
        noun: "RNG device",
        implicit: false,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target RNG model '{t}' does not match source '{s}'"),
            Fill::Never,
        )],
    },
    DeviceKind {
        element: "tpm",
        noun: "TPM device",
        implicit: false,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target TPM device model {t} doesn't match source {s}"),
            Fill::Default,
        )],
    },
    DeviceKind {
        element: "panic",
        noun: "panic device",
        implicit: false,
        key: None,
        fields: &[(
            "model",
            "",
            "model",
            |t, s| format!("Target panic model '{t}' does not match source '{s}'"),
            Fill::Default,
        )],
    },
    DeviceKind { element: "shmem", noun: "shmem device", implicit: false, key: None, fields: &[] },
    DeviceKind {
        element: "memory",
        noun: "memory device",
        implicit: false,
        key: None,
        fields: &[
            (
                "model",
                "",
                "model",
                |t, s| format!("Target memory device model '{t}' doesn't match source model '{s}'"),
                Fill::Never,
            ),
            (
                "node",
                "target/node",
                "",
                |t, s| format!("Target memory device targetNode '{t}' doesn't match source targetNode '{s}'"),
                Fill::Never,
            ),
        ],
    },
    DeviceKind { element: "iommu", noun: "IOMMU device", implicit: false, key: None, fields: &[] },
    DeviceKind { element: "vsock", noun: "vsock device", implicit: false, key: None, fields: &[] },
];

/// One device list: the count, then each pair's fields and address.
fn devices(d: &mut Differences, kind: &DeviceKind, src: &Element, dst: &Element) {
    let list = |e: &Element| -> Vec<Element> {
        e.child("devices").map(|ds| ds.children_named(kind.element).cloned().collect()).unwrap_or_default()
    };
    let (s, t) = (list(src), list(dst));
    let noun = kind.noun;
    let count_differs = s.len() != t.len();
    if count_differs {
        // Fewer where libvirt adds such devices itself: the parsed count may still match.
        let proven = !(kind.implicit && t.len() < s.len());
        let (a, b) = (s.len().to_string(), t.len().to_string());
        let error = format!("Target domain {noun} count {b} does not match source {a}");
        d.push(format!("{noun} count"), a, b, error, proven);
        if kind.key.is_none() {
            return;
        }
    }
    let pairs: Vec<(String, &Element, Option<&Element>)> = match kind.key {
        Some(key) => s.iter().map(|se| (key(se), se, t.iter().find(|te| key(te) == key(se)))).collect(),
        None => s.iter().zip(&t).enumerate().map(|(i, (se, te))| ((i + 1).to_string(), se, Some(te))).collect(),
    };
    // The destination's devices no source device pairs with, in order: where the counts are
    // equal, what the source's unpaired devices became (libvirt compares them by position).
    let mut renamed = kind
        .key
        .map(|key| t.iter().map(key).filter(|k| !s.iter().any(|se| key(se) == *k)).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter();
    for (label, se, te) in pairs {
        let Some(te) = te else {
            // Paired by key: a source device the destination XML lacks. Counted above where
            // the counts differ; with equal counts it was renamed, which libvirt refuses.
            if !count_differs {
                let other = renamed.next().unwrap_or_else(|| "(none)".into());
                let error = format!("Target {noun} {other} does not match source {label}");
                d.push(format!("{noun} {label}"), label.clone(), other, error, true);
            } else if !kind.implicit {
                let error = format!("Target domain {noun} count {} does not match source {}", t.len(), s.len());
                d.push(format!("{noun} {label}"), label.clone(), "(none)".into(), error, true);
            }
            continue;
        };
        for (what, path, attr, words, fill) in kind.fields {
            let value = |e: &Element| -> Option<String> {
                let el = if path.is_empty() { Some(e) } else { e.path(path) };
                el.and_then(|el| if attr.is_empty() { Some(el.text.trim()) } else { el.attr(attr) })
                    .map(str::to_string)
                    .or_else(|| default_value(kind.element, what, e))
            };
            let (sv, tv) = (value(se), value(te));
            d.field(format!("{noun} {label} {what}"), sv.as_deref(), tv.as_deref(), *fill, *words);
        }
        address(d, &format!("{noun} {label}"), se, te);
    }
}

/// The value parsing gives a field the XML leaves out, where it is fixed: a disk's device is
/// "disk", its bus follows its target's prefix (virDomainDiskDefParseXML /
/// virDomainDiskGetDefaultBus-like rules in the QEMU driver: hd ide, sd scsi, vd virtio, xvd
/// xen, ubd uml, fd fdc).
fn default_value(element: &str, what: &str, e: &Element) -> Option<String> {
    match (element, what) {
        ("disk", "device") => Some("disk".into()),
        ("disk", "bus") => {
            let dev = e.attr_at("target", "dev")?;
            let bus = [("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml"), ("fd", "fdc")]
                .iter()
                .find(|(prefix, _)| dev.starts_with(prefix))?
                .1;
            Some(bus.into())
        }
        _ => None,
    }
}

/// virDomainDeviceInfoCheckABIStability: a device's address, where both definitions give one.
/// A destination XML without the address leaves it to libvirt's assignment: not proven.
fn address(d: &mut Differences, what: &str, src: &Element, dst: &Element) {
    let Some(sa) = src.child("address") else { return };
    let shown = |a: &Element| {
        let mut parts: Vec<String> =
            a.attrs.iter().map(|(k, v)| format!("{k}={}", normalized_number(v).unwrap_or_else(|| v.clone()))).collect();
        parts.sort();
        parts.join(",")
    };
    match dst.child("address") {
        Some(ta) if shown(ta) == shown(sa) => {}
        Some(ta) => {
            let kind = sa.attr("type").unwrap_or("device");
            let error = format!("Target device {kind} address {} does not match source {}", shown(ta), shown(sa));
            d.push(format!("{what} address"), shown(sa), shown(ta), error, true);
        }
        None => {
            let error = format!("Target device address (assigned by libvirt) may not match source {}", shown(sa));
            d.push(format!("{what} address"), shown(sa), "(none: libvirt assigns one)".into(), error, false);
        }
    }
}

/// "0x00", "0", "0x0a" and "10" name the same address part.
fn normalized_number(v: &str) -> Option<String> {
    let n = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => v.parse().ok()?,
    };
    Some(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUEST: &str = "<domain type='kvm'><name>g</name><uuid>3b1c6f2a-9a5e-4f0e-8d1e-1d2c3b4a5f60</uuid>\
        <memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\
        <features><acpi/><apic/></features>\
        <devices><disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/>\
        <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>\
        <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/></interface>\
        <controller type='usb' index='0' model='qemu-xhci'/><video><model type='vga'/></video></devices></domain>";

    fn diffs(dst: &str) -> Vec<AbiDifference> {
        destination(GUEST, dst).abi
    }

    #[test]
    fn the_same_definition_differs_in_nothing() {
        assert_eq!(diffs(GUEST), Vec::new());
        // Another disk path is not ABI: that is what DEST_XML is for.
        assert_eq!(diffs(&GUEST.replace("/a.img", "/elsewhere/a.img")), Vec::new());
        // Address numbers written differently are the same address.
        assert_eq!(diffs(&GUEST.replace("bus='0x04'", "bus='4'")), Vec::new());
    }

    #[test]
    fn each_abi_change_is_named_in_libvirts_words() {
        let d = diffs(&GUEST.replace("pc-q35-7.2", "pc-q35-6.2").replace("<vcpu>2", "<vcpu>4"));
        let errors: Vec<_> = d.iter().map(|d| (d.libvirt_error.as_str(), d.proven)).collect();
        assert_eq!(
            errors,
            [
                ("Target domain vCPU max 4 does not match source 2", true),
                ("Target domain machine type pc-q35-6.2 does not match source pc-q35-7.2", true),
            ]
        );
        let d = diffs(&GUEST.replace("<model type='virtio'/>", "<model type='e1000'/>"));
        assert_eq!(d[0].libvirt_error, "Target network card model e1000 does not match source virtio");
        let d = diffs(&GUEST.replace("<mac address='52:54:00:00:00:01'/>", ""));
        assert!(d[0].proven && d[0].what == "net card 1 mac", "{d:?}");
        let d = diffs(&GUEST.replace("slot='0x00'", "slot='0x05'"));
        assert!(d[0].proven && d[0].libvirt_error.starts_with("Target device pci address"), "{d:?}");
        let d = diffs(&GUEST.replace("dev='vda'", "dev='vdb'"));
        assert_eq!(d[0].libvirt_error, "Target disk vdb does not match source vda");
        let d = diffs(&GUEST.replace("<apic/>", ""));
        // As libvirt 9.0 words it on the QEMU bed (tests/e2e/test_dest_xml.py).
        assert_eq!(
            d[0].libvirt_error,
            "State of feature 'apic' differs: source: 'on,eoi=default', destination: 'default,eoi=default'"
        );
    }

    #[test]
    fn what_libvirt_fills_in_is_not_a_proven_difference() {
        let d = diffs(&GUEST.replace("<controller type='usb' index='0' model='qemu-xhci'/>", ""));
        assert!(d.iter().all(|d| !d.proven) && !d.is_empty(), "{d:?}");
        let d =
            diffs(&GUEST.replace(
                "<address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>",
                "</disk>",
            ));
        assert!(d.len() == 1 && !d[0].proven, "{d:?}");
        let d = diffs(&GUEST.replace("arch='x86_64' ", ""));
        assert!(d.len() == 1 && !d[0].proven, "{d:?}");
    }

    #[test]
    fn a_renamed_or_unreadable_definition() {
        let d = diffs(&GUEST.replace("<name>g</name>", "<name>h</name>"));
        assert_eq!(d[0].libvirt_error, "Target domain name 'h' does not match source 'g'");
        let out = destination(GUEST, "<domain>");
        assert!(out.def.is_err() && out.abi.is_empty());
    }
}
