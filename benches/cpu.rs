// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU engine speed: one-off CPU map load, and per-compare / per-baseline / per-check cost
//! with the map cached. Run with `make bench` (criterion); inputs are libvirt's own test data.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use virt_migration_check::cpu::CpuMap;
use virt_migration_check::cpu::baseline::baseline;
use virt_migration_check::cpu::compare::compare;
use virt_migration_check::facts::CpuDef;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

fn cpu(file: &str) -> CpuDef {
    let path = data(&format!("cpu/{file}"));
    virt_migration_check::xml::cpu::parse_cpus(&std::fs::read_to_string(&path).unwrap(), file).unwrap().remove(0)
}

fn benches(c: &mut Criterion) {
    let dir = data("cpu/cpu_map");
    c.bench_function("cpu_map load (libvirt 11.3, uncached)", |b| b.iter(|| CpuMap::load(&dir).unwrap()));
    let map = CpuMap::cached(Some(&dir)).unwrap();

    let host = cpu("x86_64-host.xml");
    let guest = cpu("x86_64-guest.xml");
    c.bench_function("compare Penryn host / guest", |b| b.iter(|| compare(&map, &host, &guest).unwrap()));
    let skylake = cpu("x86_64-cpuid-Xeon-Gold-6148-json.xml");
    let cooperlake = cpu("x86_64-cpuid-Cooperlake-json.xml");
    c.bench_function("compare Skylake-Server host / Cooperlake guest (incompatible, named)", |b| {
        b.iter(|| compare(&map, &skylake, &cooperlake).unwrap())
    });
    let pair = [cpu("x86_64-cpuid-Xeon-Platinum-9242-json.xml"), skylake.clone()];
    c.bench_function("baseline Cascadelake + Skylake", |b| b.iter(|| baseline(&map, &pair, false).unwrap()));
}

criterion_group!(cpu_benches, benches);
criterion_main!(cpu_benches);
