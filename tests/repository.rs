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

/// The Markdown link targets of `text` (`[text](target)` and `[label]: target`), outside code
/// blocks and inline code, with the line each is on.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    let mut in_fence = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Inline code holds commands and XML, not links.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        if let Some(rest) = prose.trim_start().strip_prefix('[')
            && let Some((_, target)) = rest.split_once("]:")
        {
            targets.push((n + 1, target.trim().to_string()));
        }
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            targets.push((n + 1, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    targets
}

#[test]
fn every_link_of_the_documentation_is_a_file_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documents = vec![root.join("README.md"), root.join("NEWS.md"), root.join("SECURITY.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    documents.extend(docs);
    let root = root.canonicalize().unwrap();
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in documents.iter().filter(|d| d.exists()) {
        let text = std::fs::read_to_string(document).unwrap();
        let name = document.strip_prefix(&root).unwrap_or(document).display().to_string();
        for (line, target) in link_targets(&text) {
            let file = target.split('#').next().unwrap();
            if file.is_empty() {
                continue; // an anchor of the same page
            }
            checked += 1;
            if file.contains("://") || file.starts_with("mailto:") || file.starts_with('/') {
                broken.push(format!("{name}:{line}: {target} points outside the repository"));
                continue;
            }
            match document.parent().unwrap().join(file).canonicalize() {
                Ok(path) if path.starts_with(&root) => {}
                Ok(_) => broken.push(format!("{name}:{line}: {target} points outside the repository")),
                Err(_) => broken.push(format!("{name}:{line}: {target} does not exist")),
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked >= 20, "only {checked} links found: has the link syntax the test reads changed?");
}

#[test]
fn the_link_reader_finds_links_and_skips_code() {
    let text = "see [a](a.md) and [b](docs/b.md#x), `[c](c.md)`\n```\n[d](d.md)\n```\n[e]: e.md\n";
    let targets: Vec<String> = link_targets(text).into_iter().map(|(_, t)| t).collect();
    assert_eq!(targets, ["a.md", "docs/b.md#x", "e.md"]);
}
