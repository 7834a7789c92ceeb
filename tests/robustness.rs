// SPDX-License-Identifier: LGPL-2.1-or-later
//! Hostile and broken input never panics: every bundled real document (libvirt's own test
//! data: domains, host and domain capabilities, networks, pools, volumes, interfaces, CPUs) is
//! truncated, mangled and given extreme numbers, then fed to its parser, and the domains and
//! host documents through every check as snapshots. A parser may refuse what it is given; it
//! may not panic, and the checks must still answer. The mutations come from a fixed seed, so a
//! failure reproduces; it is a deterministic corpus replay, not a substitute for cargo-fuzz.

mod common;

use std::path::{Path, PathBuf};

use common::{data, read};
use virt_migration_check::xml::{capabilities, cpu, domain, domcaps, interface, network, nodedev, pool, snapshot};
use virt_migration_check::{Flags, Options};

/// xorshift64*: a tiny deterministic generator (no crate needed for a fixed corpus).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Numbers a host might send to break arithmetic: zero, negative, the edges of the integer
/// types, beyond them, and not numbers at all.
const EXTREME_NUMBERS: [&str; 9] = [
    "0",
    "-1",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "1e309",
    "",
];

/// Fragments that break structure or escaping.
const FRAGMENTS: [&str; 10] = ["<", ">", "&", "&amp;", "&#0;", "&#x110000;", "&unknown;", "'", "\"", "<![CDATA["];

/// The variants of `text`: truncations at evenly spaced points, then random edits.
fn variants(text: &str, seed: u64) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = (0..32).map(|k| chars[..chars.len() * k / 32].iter().collect()).collect();
    let mut rng = Rng(seed | 1);
    for _ in 0..96 {
        let mut c = chars.clone();
        let at = rng.below(c.len());
        match rng.below(5) {
            0 => {
                // Replace the number that starts at or after `at` by an extreme one.
                if let Some(start) = (at..c.len()).find(|&i| c[i].is_ascii_digit()) {
                    let end = (start..c.len()).find(|&i| !c[i].is_ascii_digit()).unwrap_or(c.len());
                    let extreme = EXTREME_NUMBERS[rng.below(EXTREME_NUMBERS.len())];
                    c.splice(start..end, extreme.chars());
                }
            }
            1 => {
                let len = rng.below(64).min(c.len() - at);
                c.drain(at..at + len);
            }
            2 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
                c.splice(at..at, fragment.chars());
            }
            3 => {
                // Duplicate a run (repeated elements, repeated attributes).
                let len = rng.below(200).min(c.len() - at);
                let run: Vec<char> = c[at..at + len].to_vec();
                c.splice(at..at, run);
            }
            _ => {
                c[at] = char::from_u32(rng.next() as u32 % 0x3000).unwrap_or('\u{fffd}');
            }
        }
        out.push(c.into_iter().collect());
    }
    out
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .flat_map(|p| {
            if p.is_dir() {
                xml_files(&p)
            } else if p.extension().is_some_and(|x| x == "xml") {
                vec![p]
            } else {
                vec![]
            }
        })
        .collect();
    files.sort();
    files
}

fn options() -> Options {
    let mut options = Options::from_flags(Flags::empty().bits(), virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(data("cpu/cpu_map"));
    options
}

fn saved(caps: String, domcaps: String) -> snapshot::SavedDocuments {
    snapshot::SavedDocuments {
        capabilities: ("caps".into(), caps),
        domain_capabilities: vec![("domcaps".into(), domcaps)],
        networks: vec![("net".into(), read("fixtures/networks/networkxml2xmlin/host-bridge-net.xml"))],
        pools: vec![("pool".into(), read("fixtures/pools/storagepoolxml2xmlin/pool-dir.xml"))],
        ..Default::default()
    }
}

fn host_snapshot(caps: String, domcaps: String) -> Option<String> {
    snapshot::assemble(&saved(caps, domcaps), "file:///mutated", "2026-11-26T00:00:00Z")
        .ok()
        .map(|s| snapshot::write(&s))
}

fn haswell_caps() -> String {
    read("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml")
}

fn qemu_domcaps() -> String {
    read("fixtures/domcaps/domaincapsdata/qemu_9.2.0.x86_64.xml")
}

/// Every count is checked: a mutation loop that silently did nothing would pass vacuously.
struct Tally {
    documents: usize,
    variants: usize,
    refused: usize,
}

/// Calls `each(variant, name, judge)` for every variant of every document under `dir`; `judge`
/// is true for one variant in eight, which the caller also runs through the checks (each check
/// call re-reads whole snapshots, which a debug build does slowly).
fn replay(dir: &str, seed: u64, tally: &mut Tally, mut each: impl FnMut(&str, &str, bool) -> bool) {
    let files = xml_files(&data(dir));
    assert!(!files.is_empty(), "no documents under {dir}");
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.display().to_string();
        tally.documents += 1;
        for (k, variant) in variants(&text, seed.wrapping_add(i as u64 * 7919)).iter().enumerate() {
            tally.variants += 1;
            if !each(variant, &name, k % 8 == 0) {
                tally.refused += 1;
            }
        }
    }
}

#[test]
fn mutated_documents_are_refused_or_judged_never_panic() {
    let options = options();
    let good_dst = host_snapshot(haswell_caps(), qemu_domcaps()).unwrap();
    let good_domain = read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml");
    let mut tally = Tally { documents: 0, variants: 0, refused: 0 };

    // Guests: parsed, then judged against a real host by every check.
    replay("fixtures/domains", 1, &mut tally, |xml, name, judge| {
        let parsed = domain::parse_domain(xml, name).is_ok();
        if judge {
            let judged = virt_migration_check::check_xml_with_options(xml, Some(&good_dst), &good_dst, &options);
            assert_eq!(parsed, judged.is_ok(), "{name}: the parser and the check disagree on whether the guest parses");
        }
        parsed
    });
    // Hosts: capabilities and domain capabilities parsed, then a real guest judged on them.
    replay("fixtures/host-caps", 2, &mut tally, |xml, name, judge| {
        let parsed = capabilities::parse_capabilities(xml, name).is_ok();
        if let Some(dst) = judge.then(|| host_snapshot(xml.to_string(), qemu_domcaps())).flatten() {
            let _ = virt_migration_check::check_xml_with_options(&good_domain, Some(&good_dst), &dst, &options);
        }
        parsed
    });
    replay("fixtures/domcaps", 3, &mut tally, |xml, name, judge| {
        let parsed = domcaps::parse_domain_capabilities(xml, name).is_ok();
        if let Some(dst) = judge.then(|| host_snapshot(haswell_caps(), xml.to_string())).flatten() {
            let _ = virt_migration_check::check_xml_with_options(&good_domain, Some(&good_dst), &dst, &options);
        }
        parsed
    });
    replay("fixtures/networks/networkxml2xmlin", 4, &mut tally, |xml, name, _| {
        network::parse_network(xml, true, name).is_ok()
    });
    replay("fixtures/networks/interfaceschemadata", 5, &mut tally, |xml, name, _| {
        interface::parse_interface(xml, name).is_ok()
    });
    replay("fixtures/pools/storagepoolxml2xmlin", 6, &mut tally, |xml, name, _| {
        pool::parse_pool(xml, true, name).is_ok()
    });
    replay("fixtures/pools/storagevolxml2xmlin", 7, &mut tally, |xml, name, _| pool::parse_volume(xml, name).is_ok());
    replay("fixtures/host-caps/nodedevschemadata", 9, &mut tally, |xml, name, _| {
        nodedev::parse_node_device(xml, name).is_ok()
    });

    // Host snapshots themselves, as a manager would read them from disk.
    for (k, variant) in variants(&good_dst, 8).iter().enumerate() {
        tally.variants += 1;
        match snapshot::read(variant, "snapshot") {
            Ok(s) => {
                let _ = virt_migration_check::xml::snapshot::host(&s);
                if k % 8 == 0 {
                    let _ = virt_migration_check::check_xml_with_options(&good_domain, None, variant, &options);
                }
            }
            Err(_) => tally.refused += 1,
        }
    }

    // The mutations did something: many variants were refused, many still parsed.
    assert!(tally.documents >= 50, "{} documents", tally.documents);
    assert!(
        tally.refused > tally.variants / 10 && tally.refused < tally.variants,
        "{} of {} refused",
        tally.refused,
        tally.variants
    );
    println!("{} documents, {} variants, {} refused", tally.documents, tally.variants, tally.refused);
}

#[test]
fn mutated_cpu_definitions_never_panic_the_engine() {
    let options = options();
    let dst = host_snapshot(haswell_caps(), qemu_domcaps()).unwrap();
    let haswell_guest = read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml");
    let mut cpus = xml_files(&data("cpu"));
    cpus.retain(|p| !p.starts_with(data("cpu/cpu_map")));
    assert!(cpus.len() > 100, "{} CPU documents", cpus.len());
    // Every eighth CPU document and variant keeps a debug run short; the seed still varies.
    for (i, file) in cpus.iter().enumerate().filter(|(i, _)| i % 8 == 0) {
        let text = std::fs::read_to_string(file).unwrap();
        for variant in variants(&text, 100 + i as u64).into_iter().step_by(8) {
            let Ok(parsed) = cpu::parse_cpus(&variant, "cpu") else { continue };
            // Judge a guest with each parsed CPU on the real host: the CPU engine's path.
            for def in parsed.iter().filter(|d| d.model.is_some()) {
                let model = def.model.as_deref().unwrap_or_default();
                let features: String = def
                    .features
                    .iter()
                    .map(|(n, p)| format!("<feature policy='{}' name='{}'/>", escape(p), escape(n)))
                    .collect();
                let guest = haswell_guest.replace(
                    "<model fallback='forbid'>Haswell</model>",
                    &format!("<model fallback='allow'>{}</model>{features}", escape(model)),
                );
                assert_ne!(guest, haswell_guest);
                let _ = virt_migration_check::check_xml_with_options(&guest, None, &dst, &options);
            }
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('\'', "&apos;")
}
