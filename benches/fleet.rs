// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fleet speed: pure evaluation of guest-host pairs on one core, and 1,000 guests x 100 hosts
//! from snapshots (parsing included) on all cores. Inputs are libvirt's own test data: real
//! guests (CPU models, NUMA, hugepages, NICs, pools, TPM, TSC, host devices) and real hosts
//! (a Haswell KVM host's capabilities with QEMU 4.2 to 10.0 domain capabilities). `make bench`.
//! After criterion's runs it prints issue target 5 as ratios, from its own medians: the
//! 1,000 x 100 fleet against 2 s, and one pair's work against 9 us.

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use virt_migration_check::facts::{CellMemory, DomainSummary, FreeMemory, Guest, Host, Hypervisor, Snapshot};
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, read as read_snapshot, write};
use virt_migration_check::{Flags, Options};

fn data(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn guests() -> Vec<Guest> {
    [
        "cpu-Haswell.xml",
        "numatune-memnode.xml",
        "hugepages-numa-nodeset.xml",
        "net-many-models.xml",
        "disk-source-pool.xml",
        "memory-hotplug-dimm.xml",
        "tpm-emulator-tpm2.xml",
        "cpu-tsc-frequency.xml",
        "hostdev-vfio.xml",
        "cpu-host-passthrough.xml",
    ]
    .iter()
    .map(|f| {
        let xml = data(&format!("fixtures/domains/qemuxmlconfdata/{f}")).replacen(
            "<domain type='qemu'>",
            "<domain type='kvm'>",
            1,
        );
        Guest::from_definition(virt_migration_check::xml::domain::parse_domain(&xml, f).unwrap())
    })
    .collect()
}

fn snapshots() -> Vec<String> {
    [
        "qemu_4.2.0.x86_64.xml",
        "qemu_5.0.0.x86_64.xml",
        "qemu_7.2.0.x86_64.xml",
        "qemu_9.2.0.x86_64.xml",
        "qemu_10.0.0.x86_64.xml",
    ]
    .iter()
    .map(|d| {
        let saved = SavedDocuments {
            capabilities: ("caps".into(), data("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml")),
            domain_capabilities: vec![("domcaps".into(), data(&format!("fixtures/domcaps/domaincapsdata/{d}")))],
            networks: vec![("net".into(), data("fixtures/networks/networkxml2xmlin/host-bridge-net.xml"))],
            pools: vec![("pool".into(), data("fixtures/pools/storagepoolxml2xmlin/pool-dir.xml"))],
            volumes: vec![("vol".into(), data("fixtures/pools/storagevolxml2xmlin/vol-file.xml"))],
            ..Default::default()
        };
        let mut snapshot = assemble(&saved, &format!("file:///{d}"), "2026-11-26T00:00:00Z").unwrap();
        complete_like_live(&mut snapshot, qemu_version(d));
        write(&snapshot)
    })
    .collect()
}

/// "qemu_10.0.0.x86_64.xml" → 10_000_000.
fn qemu_version(domcaps: &str) -> u64 {
    let v: Vec<u64> = domcaps.trim_start_matches("qemu_").split('.').take(3).map(|n| n.parse().unwrap()).collect();
    v[0] * 1_000_000 + v[1] * 1_000 + v[2]
}

/// Saved XML cannot tell the facts a live `virt-migration-check snapshot` records (versions,
/// free memory per host and per NUMA cell, the domains a host holds). Without them the memory,
/// NUMA and host checks would only SKIP; a fleet's snapshots are taken live, so the bench gives
/// its hosts plausible values for those facts and every check does its real work.
fn complete_like_live(s: &mut Snapshot, qemu: u64) {
    s.hostname = Ok(format!("host-{qemu}"));
    s.hypervisor = Ok(Hypervisor { driver: "QEMU".into(), version: qemu });
    s.libvirt_version = Ok(11_003_000);
    s.free_memory =
        Ok(FreeMemory { available_kib: 96 << 20, total_kib: Some(128 << 20), source: "virNodeGetMemoryStats".into() });
    let nodes = s.node.as_ref().map(|n| n.nodes.max(1)).unwrap_or(1);
    s.cells = Ok((0..nodes)
        .map(|id| CellMemory {
            id,
            free_kib: (96 << 20) / u64::from(nodes),
            free_pages: vec![(4, 1 << 20), (2048, 1024)],
        })
        .collect());
    s.domains = Ok((0..20)
        .map(|k| DomainSummary {
            name: format!("resident-{k}"),
            uuid: format!("00000000-0000-4000-8000-{k:012}"),
            active: k % 2 == 0,
            memory_kib: 4 << 20,
        })
        .collect());
}

fn options() -> Options {
    let mut options = Options::from_flags(Flags::empty().bits(), virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cpu/cpu_map"));
    options
}

fn to_host(text: &str) -> Host {
    virt_migration_check::xml::snapshot::host(&read_snapshot(text, "snapshot").unwrap())
}

fn benches(c: &mut Criterion) {
    let guests = guests();
    let texts = snapshots();
    let hosts: Vec<Host> = texts.iter().map(|t| to_host(t)).collect();
    let options = options();
    let pairs: Vec<(usize, usize)> = (0..guests.len()).flat_map(|g| (0..hosts.len()).map(move |h| (g, h))).collect();
    let mut i = 0;
    c.bench_function("one guest-host pair, all checks, one core", |b| {
        b.iter(|| {
            let (g, h) = pairs[i % pairs.len()];
            i += 1;
            virt_migration_check::check_facts(&guests[g], &hosts[0], &hosts[h], &options)
        })
    });

    // 1,000 guests x 100 hosts from snapshots: parse 100 snapshots, then judge 100,000 pairs.
    let fleet_texts: Vec<&String> = (0..100).map(|k| &texts[k % texts.len()]).collect();
    let fleet_guests: Vec<Guest> = (0..1000).map(|k| guests[k % guests.len()].clone()).collect();
    let src_of = vec![0; fleet_guests.len()];
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    group.bench_function("1000 guests x 100 hosts from snapshots, all cores", |b| {
        b.iter(|| {
            let hosts: Vec<Host> = fleet_texts.iter().map(|t| to_host(t)).collect();
            let source = [hosts[0].clone()];
            virt_migration_check::fleet::check_many(&fleet_guests, &src_of, &source, &hosts, &options)
        })
    });
    group.finish();
    let start = Instant::now();
    let hosts: Vec<Host> = fleet_texts.iter().map(|t| to_host(t)).collect();
    let parsed = start.elapsed();
    let source = [hosts[0].clone()];
    let reports = virt_migration_check::fleet::check_many(&fleet_guests, &src_of, &source, &hosts, &options);
    let elapsed = start.elapsed();
    // What the pairs found, so a reader sees the checks did real work (few SKIPPED).
    let mut by_severity = std::collections::BTreeMap::new();
    for f in reports.iter().flatten().flat_map(|r| &r.findings) {
        *by_severity.entry(format!("{:?}", f.severity)).or_insert(0u64) += 1;
    }
    println!(
        "fleet: parsed 100 snapshots in {parsed:?}, judged {} pairs in {elapsed:?} in total; findings {by_severity:?}",
        reports.len() * reports[0].len()
    );

    // Target 5, from medians of this run: one pair on one core (every pair of the inputs, many
    // times over), and the whole fleet on all cores.
    let median = |mut v: Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let per_pair = median(
        (0..21)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..20 {
                    for &(g, h) in &pairs {
                        std::hint::black_box(virt_migration_check::check_facts(
                            &guests[g], &hosts[0], &hosts[h], &options,
                        ));
                    }
                }
                start.elapsed() / (20 * pairs.len() as u32)
            })
            .collect(),
    );
    let fleet = median(
        (0..5)
            .map(|_| {
                let start = Instant::now();
                let hosts: Vec<Host> = fleet_texts.iter().map(|t| to_host(t)).collect();
                let source = [hosts[0].clone()];
                std::hint::black_box(virt_migration_check::fleet::check_many(
                    &fleet_guests,
                    &src_of,
                    &source,
                    &hosts,
                    &options,
                ));
                start.elapsed()
            })
            .collect(),
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let row = |name: &str, measured: std::time::Duration, limit: std::time::Duration| {
        let ratio = measured.as_secs_f64() / limit.as_secs_f64();
        let met = if ratio <= 1.0 { "target met" } else { "not met" };
        println!("{name}: {measured:?} / {limit:?} = {ratio:.2} (target <= 1): {met}");
    };
    row(
        &format!("target 5, 1000 guests x 100 hosts from snapshots on {cores} cores / 2 s"),
        fleet,
        std::time::Duration::from_secs(2),
    );
    row("target 5, one guest-host pair on one core / 9 us", per_pair, std::time::Duration::from_micros(9));
}

criterion_group!(fleet_benches, benches);
criterion_main!(fleet_benches);
