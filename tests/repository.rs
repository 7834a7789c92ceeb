// SPDX-License-Identifier: LGPL-2.1-or-later
//! The repository stands alone: no comment, Makefile line, script or document of it points to a
//! file a user's clone does not have (the design notes and test-bed notes it grew from live in
//! docs/ now).

use std::path::Path;

/// Names of files that exist only outside the repository.
const OUTSIDE: &[&str] = &["DESIGN.md", "TESTBED.md", "../shared", "DEVELOPERS.md"];

fn visit(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // Build output, tools and libvirt's own data copied verbatim are not the project's text.
            if !matches!(name.as_str(), "target" | ".git" | ".tools" | "build" | "data" | "corpus" | "artifacts") {
                visit(&path, found);
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (n, line) in text.lines().enumerate() {
            if OUTSIDE.iter().any(|o| line.contains(o)) && !path.ends_with("tests/repository.rs") {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
}

#[test]
fn nothing_refers_to_a_file_outside_the_repository() {
    let mut found = Vec::new();
    visit(Path::new(env!("CARGO_MANIFEST_DIR")), &mut found);
    assert!(found.is_empty(), "references to files outside the repository:\n{}", found.join("\n"));
}
