// SPDX-License-Identifier: LGPL-2.1-or-later
//! The fuzz corpus replayed in `make check` (stable Rust, no libFuzzer): every target of
//! `src/fuzzing.rs` runs on its seeds from tests/data, on the corpus `make fuzz` kept
//! (fuzz/corpus/TARGET) and on every input that once made a target fail
//! (fuzz/regressions/TARGET). A panic here is a regression.
//!
//! With FUZZ_SEED_EXPORT=DIR set, it also copies each target's seeds to DIR/TARGET, where
//! `make fuzz` hands them to libFuzzer.

use std::path::{Path, PathBuf};

use virt_migration_check::fuzzing::TARGETS;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files directly in `dir` (none when it does not exist), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_target_survives_its_corpus() {
    let export = std::env::var_os("FUZZ_SEED_EXPORT").map(PathBuf::from);
    let mut replayed = 0;
    for target in TARGETS {
        let seeds: Vec<PathBuf> = target.seeds.iter().flat_map(|d| files(&root().join("tests/data").join(d))).collect();
        assert!(!seeds.is_empty(), "target {} has no seeds", target.name);
        if let Some(dir) = &export {
            let out = dir.join(target.name);
            std::fs::create_dir_all(&out).unwrap();
            for seed in &seeds {
                std::fs::copy(seed, out.join(seed.file_name().unwrap())).unwrap();
            }
        }
        let kept = ["fuzz/corpus", "fuzz/regressions"].iter().flat_map(|d| files(&root().join(d).join(target.name)));
        for input in seeds.iter().cloned().chain(kept) {
            let data = std::fs::read(&input).unwrap();
            assert!(virt_migration_check::fuzzing::run(target.name, &data));
            replayed += 1;
        }
    }
    assert!(!virt_migration_check::fuzzing::run("no-such-target", b""));
    assert!(replayed >= 500, "only {replayed} inputs replayed");
    println!("{replayed} inputs replayed through {} targets", TARGETS.len());
}

#[test]
fn the_fuzz_crate_has_a_binary_per_target() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    for target in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{}\"", target.name)),
            "fuzz/Cargo.toml lacks target {}",
            target.name
        );
        let source = std::fs::read_to_string(root().join(format!("fuzz/fuzz_targets/{}.rs", target.name))).unwrap();
        assert!(
            source.contains(&format!("run(\"{}\", data)", target.name)),
            "fuzz/fuzz_targets/{}.rs runs another target",
            target.name
        );
    }
}
