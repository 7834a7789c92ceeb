// SPDX-License-Identifier: LGPL-2.1-or-later
//! The layers of docs/architecture.md, enforced: a module of the library names (`crate::x`) only
//! modules of its own layer or of the layers below it. A function of the crate root (lib.rs, the
//! Rust API) belongs to the surfaces, so a planner or a check calling `crate::check_facts`, say,
//! reaches up and fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom to top, as docs/architecture.md lists them.
const LAYERS: &[&[&str]] = &[
    &["clock", "error", "deadline", "check_table", "flags", "codes", "migration"],
    &["facts"],
    &["xml"],
    &["cpu"],
    &["libvirt"],
    &["report"],
    &["checks"],
    &["fleet", "baseline"],
    &["ffi", "fuzzing", "lib"],
];

fn layer_of(module: &str) -> usize {
    LAYERS.iter().position(|layer| layer.contains(&module)).unwrap_or(LAYERS.len() - 1)
}

/// The top-level module a source file belongs to (`src/checks/disk.rs` -> "checks").
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::name` a source names, outside comments, with `crate::{a, b}` split.
fn named(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                out.extend(inner.split(',').map(|p| p.trim().split("::").next().unwrap_or("").to_string()));
            } else {
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_names_only_its_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut upward: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen = 0;
    for file in files.iter().filter(|f| !f.starts_with(src.join("bin"))) {
        let module = module_of(file, &src);
        let text = std::fs::read_to_string(file).unwrap();
        for name in named(&text) {
            seen += 1;
            if layer_of(&name) > layer_of(&module) {
                let rel = file.strip_prefix(&src).unwrap().display().to_string();
                upward.entry(rel).or_default().push(format!("crate::{name}"));
            }
        }
    }
    assert!(seen > 100, "found only {seen} crate paths: has the source's shape changed?");
    assert!(upward.is_empty(), "modules naming a layer above their own: {upward:#?}");
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod ")) {
            let name = name.trim_end_matches(';');
            assert!(LAYERS.iter().any(|l| l.contains(&name)), "module {name} is in no layer of docs/architecture.md");
        }
    }
}
