// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C API's symbol versions against the sources: every `#[unsafe(no_mangle)]` function of
//! src/ffi is listed in src/ffi/libvirt-migration-check.syms and nothing else is, each once, and
//! the header documents each with the "Since:" of the version node that lists it. (The built
//! library's own dynamic symbols are checked by `make c-tests`, tests/c/symbols.sh.)

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const PREFIX: &str = "LIBVIRT_MIGRATION_CHECK_";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// function name -> version node, from the version script.
fn listed() -> BTreeMap<String, String> {
    let text = fs::read_to_string(repo().join("src/ffi/libvirt-migration-check.syms")).unwrap();
    let mut listed = BTreeMap::new();
    let (mut node, mut global) = (None::<String>, false);
    for line in text.lines() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_suffix('{').map(str::trim) {
            assert!(name.starts_with(PREFIX), "version node {name} is not named {PREFIX}<version>");
            node = Some(name.to_string());
            global = false;
        } else if line.starts_with('}') {
            node = None;
        } else if line == "global:" {
            global = true;
        } else if line == "local:" {
            global = false;
        } else if global {
            let name = line.strip_suffix(';').unwrap_or_else(|| panic!("'{line}' lacks its ';'"));
            let node = node.clone().unwrap_or_else(|| panic!("{name} is outside a version node"));
            if let Some(first) = listed.insert(name.to_string(), node.clone()) {
                panic!("{name} is listed in {first} and in {node}");
            }
        }
    }
    listed
}

/// The `#[unsafe(no_mangle)]` functions of src/ffi.
fn exported() -> Vec<String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(repo().join("src/ffi")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[unsafe(no_mangle)]" {
                continue;
            }
            let item = lines.next().unwrap_or_default();
            let name = item
                .split_once("fn ")
                .and_then(|(_, rest)| rest.split(['(', '<']).next())
                .unwrap_or_else(|| panic!("{}: #[unsafe(no_mangle)] on '{item}', not a function", path.display()));
            names.push(name.trim().to_string());
        }
    }
    names.sort();
    names
}

/// function name -> its doc comment, for every function the header declares.
fn header_docs() -> BTreeMap<String, String> {
    let header = fs::read_to_string(repo().join("include/libvirt-migration-check.h")).unwrap();
    let mut docs = BTreeMap::new();
    let mut rest = header.as_str();
    while let Some(start) = rest.find("/**") {
        let end = start + rest[start..].find("*/").expect("an unterminated comment");
        let doc = &rest[start..end];
        rest = &rest[end + 2..];
        let next = rest.trim_start().lines().next().unwrap_or_default();
        // A prototype: `int virX(`, `void virX(`, `const char *virX(`.
        if let Some(name) = next
            .split_once('(')
            .and_then(|(before, _)| before.split([' ', '*']).next_back())
            .filter(|n| n.starts_with("vir"))
        {
            docs.insert(name.to_string(), doc.to_string());
        }
    }
    docs
}

#[test]
fn every_export_is_listed_under_one_version() {
    let listed: Vec<String> = listed().into_keys().collect();
    let exported = exported();
    assert!(exported.len() >= 15, "{exported:?}");
    let unlisted: Vec<_> = exported.iter().filter(|n| !listed.contains(n)).collect();
    let stale: Vec<_> = listed.iter().filter(|n| !exported.contains(n)).collect();
    assert!(unlisted.is_empty(), "exported from src/ffi but not in libvirt-migration-check.syms: {unlisted:?}");
    assert!(stale.is_empty(), "in libvirt-migration-check.syms but not exported from src/ffi: {stale:?}");
}

#[test]
fn every_function_of_the_header_says_since_when() {
    let listed = listed();
    let docs = header_docs();
    let declared: Vec<&String> = docs.keys().collect();
    assert_eq!(declared, listed.keys().collect::<Vec<_>>(), "the header's functions and the version script differ");
    for (name, node) in &listed {
        let version = &node[PREFIX.len()..];
        let since: Vec<&str> =
            docs[name].lines().filter_map(|l| l.trim_start_matches([' ', '*']).strip_prefix("Since: ")).collect();
        assert_eq!(since, [version], "{name}: its doc must end with 'Since: {version}' ({node})");
    }
}
