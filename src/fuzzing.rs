// SPDX-License-Identifier: LGPL-2.1-or-later
//! Entry points of the fuzz targets (`fuzz/fuzz_targets`, run by `make fuzz`) and of their
//! corpus replay in `make check` (`tests/fuzz_corpus.rs`); built only with the `fuzzing`
//! feature. One target per parser a host or a caller can feed, and one for
//! virMigrationCheckXML through the C boundary. Each takes arbitrary bytes: returning (Ok or
//! Err) is a pass; a panic, a hang or unbounded memory is a finding.

use std::ffi::CString;
use std::sync::OnceLock;

use crate::cpu::CpuMap;
use crate::xml;

/// A fuzz target: its name (`cargo fuzz run NAME`), the folders of tests/data whose documents
/// seed it, and its body.
pub struct Target {
    pub name: &'static str,
    pub seeds: &'static [&'static str],
    pub run: fn(&[u8]),
}

pub const TARGETS: &[Target] = &[
    Target { name: "domain", seeds: &["fixtures/domains/qemuxmlconfdata"], run: domain },
    Target {
        name: "capabilities",
        seeds: &[
            "fixtures/host-caps/capabilityschemadata",
            "fixtures/host-caps/vircaps2xmldata",
            "fixtures/host-caps/qemucaps2xmloutdata",
        ],
        run: capabilities,
    },
    Target {
        name: "domcaps",
        seeds: &["fixtures/domcaps/domaincapsdata", "fixtures/domcaps/qemucapabilitiesdata"],
        run: domcaps,
    },
    Target { name: "network", seeds: &["fixtures/networks/networkxml2xmlin"], run: network },
    Target { name: "pool", seeds: &["fixtures/pools/storagepoolxml2xmlin"], run: pool },
    Target { name: "volume", seeds: &["fixtures/pools/storagevolxml2xmlin"], run: volume },
    Target { name: "interface", seeds: &["fixtures/networks/interfaceschemadata"], run: interface },
    Target { name: "nodedev", seeds: &["fixtures/host-caps/nodedevschemadata"], run: nodedev },
    Target { name: "snapshot", seeds: &["hosts/parts"], run: snapshot },
    Target { name: "cpu", seeds: &["cpu"], run: cpu },
    Target { name: "cpu_map", seeds: &["cpu/cpu_map"], run: cpu_map },
    Target { name: "check_xml", seeds: &["fixtures/domains/qemuxmlconfdata"], run: check_xml },
];

/// Runs the target called `name` on `data`; false when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|t| t.name == name) {
        Some(t) => {
            (t.run)(data);
            true
        }
        None => false,
    }
}

/// The parsers take text: bytes that are not UTF-8 never reach them (the C API refuses them
/// first, and `check_xml` covers that path).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn domain(data: &[u8]) {
    if let Some(t) = text(data)
        && let Ok(def) = xml::domain::parse_domain(t, "fuzz")
    {
        let _ = crate::facts::Guest::from_definition(def);
    }
}

fn capabilities(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::capabilities::parse_capabilities(t, "fuzz");
    }
}

fn domcaps(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::domcaps::parse_domain_capabilities(t, "fuzz");
    }
}

fn network(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::network::parse_network(t, true, "fuzz");
    }
}

fn pool(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::pool::parse_pool(t, true, "fuzz");
    }
}

fn volume(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::pool::parse_volume(t, "fuzz");
    }
}

fn interface(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::interface::parse_interface(t, "fuzz");
    }
}

fn nodedev(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = xml::nodedev::parse_node_device(t, "fuzz");
    }
}

/// A host snapshot document, the host facts a check would take from it, and the document
/// written again (which embeds or records as unavailable each document) read back.
fn snapshot(data: &[u8]) {
    if let Some(t) = text(data)
        && let Ok(s) = xml::snapshot::read(t, "fuzz")
    {
        let _ = xml::snapshot::host(&s);
        let _ = xml::snapshot::read(&xml::snapshot::write(&s), "fuzz");
    }
}

/// CPU definitions through the engine: each compared with the first, and their baseline.
fn cpu(data: &[u8]) {
    let (Some(t), Some(map)) = (text(data), system_map()) else { return };
    let Ok(cpus) = xml::cpu::parse_cpus(t, "fuzz") else { return };
    for guest in cpus.iter().take(8) {
        let _ = crate::cpu::compare::compare(map, &cpus[0], guest);
    }
    let _ = crate::cpu::baseline::baseline(map, &cpus[..cpus.len().min(8)], true);
}

fn system_map() -> Option<&'static CpuMap> {
    static MAP: OnceLock<Option<std::sync::Arc<CpuMap>>> = OnceLock::new();
    MAP.get_or_init(|| CpuMap::cached(None).ok()).as_deref()
}

/// A CPU map's index document (a flat map: vendors, features and models inline).
fn cpu_map(data: &[u8]) {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vmc-fuzz-cpu-map-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    });
    if std::fs::write(dir.join("index.xml"), data).is_ok() {
        let _ = CpuMap::load(dir);
    }
}

/// virMigrationCheckXML() with the bytes as the domain XML (up to a NUL, as C passes them),
/// against a real host: libvirt's caps-qemu-kvm and QEMU 9.2 domain capabilities.
fn check_xml(data: &[u8]) {
    static HOST: OnceLock<CString> = OnceLock::new();
    let host = HOST.get_or_init(|| {
        let saved = xml::snapshot::SavedDocuments {
            capabilities: (
                "caps".into(),
                include_str!("../tests/data/fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml").into(),
            ),
            domain_capabilities: vec![(
                "domcaps".into(),
                include_str!("../tests/data/fixtures/domcaps/domaincapsdata/qemu_9.2.0.x86_64.xml").into(),
            )],
            ..Default::default()
        };
        let s = xml::snapshot::assemble(&saved, "file:///fuzz", "2026-11-26T00:00:00Z")
            .expect("the bundled host assembles");
        CString::new(xml::snapshot::write(&s)).expect("no NUL in a snapshot")
    });
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let Ok(domain) = CString::new(&data[..end]) else { return };
    let mut results: *mut crate::ffi::virMigrationCheckResultPtr = std::ptr::null_mut();
    // SAFETY: both strings are NUL-terminated and alive for the call; `results` is ours.
    let n = unsafe { crate::ffi::virMigrationCheckXML(domain.as_ptr(), host.as_ptr(), host.as_ptr(), 0, &mut results) };
    assert!((n < 0) == results.is_null(), "virMigrationCheckXML returned {n} with results {results:?}");
    // SAFETY: the list came from the call above and is freed once.
    unsafe { crate::ffi::virMigrationCheckResultListFree(results) };
}
