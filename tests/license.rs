// SPDX-License-Identifier: LGPL-2.1-or-later
//! The project is LGPL-2.1-or-later, as libvirt is (a prototype of a libvirt API must carry a
//! license libvirt could take): COPYING holds the text, the manifests name it, and every source
//! file says so in an SPDX line near its top, so a file copied out of the tree keeps its terms.

use std::path::Path;

const SPDX: &str = "SPDX-License-Identifier: LGPL-2.1-or-later";

/// Whether `path` is one of the project's source files: code, scripts, build files, schemas.
/// Data (libvirt's own XML, fixtures, corpora), documents and generated build output are not.
fn is_source(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    matches!(ext.as_str(), "rs" | "c" | "h" | "py" | "sh" | "toml" | "syms" | "supp" | "in" | "ini" | "rng" | "spec")
        || matches!(name.as_ref(), "Makefile" | "rules" | "run")
}

fn visit(dir: &Path, missing: &mut Vec<String>, seen: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // Build output, tools, fuzz corpora, and data: libvirt's own copied verbatim (data/),
            // real fixtures (tests/data/).
            let built = matches!(
                name.as_str(),
                "target" | ".git" | ".tools" | "build" | "corpus" | "artifacts" | "__pycache__" | ".pytest_cache"
            );
            let data = name == "data" && (dir.ends_with("tests") || dir == Path::new(env!("CARGO_MANIFEST_DIR")));
            if !built && !data {
                visit(&path, missing, seen);
            }
            continue;
        }
        if !is_source(&path) {
            continue;
        }
        *seen += 1;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.lines().take(5).any(|l| l.contains(SPDX)) {
            missing.push(path.display().to_string());
        }
    }
}

#[test]
fn every_source_file_carries_its_spdx_line() {
    let (mut missing, mut seen) = (Vec::new(), 0);
    visit(Path::new(env!("CARGO_MANIFEST_DIR")), &mut missing, &mut seen);
    assert!(seen > 100, "only {seen} source files found: the walk is wrong");
    assert!(missing.is_empty(), "source files without `{SPDX}` in their first 5 lines:\n{}", missing.join("\n"));
}

#[test]
fn the_license_is_named_where_packagers_read_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copying = std::fs::read_to_string(root.join("COPYING")).unwrap();
    assert!(copying.contains("GNU LESSER GENERAL PUBLIC LICENSE") && copying.contains("Version 2.1"));
    let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("license = \"LGPL-2.1-or-later\""), "Cargo.toml names no license");
    let pyproject = std::fs::read_to_string(root.join("bindings/python/pyproject.toml")).unwrap();
    assert!(pyproject.contains("LGPL-2.1-or-later"), "pyproject.toml names no license");
}
