// SPDX-License-Identifier: LGPL-2.1-or-later
// The shared library's SONAME is set here and only here; the Makefile reads it back from the
// built library when it installs the versioned file and its symlinks.
//
// Two more things are derived here from the one file that states them:
// - the symbol versions of src/ffi/libvirt-migration-check.syms (the version script, and the
//   `.symver` directives that give each function its version: see `symbol_versions`);
// - the Rust constants of the virMigrationCheckParams() parameters, from the `#define`s that
//   cbindgen.toml writes into the header (cbindgen cannot export string constants, so the
//   header's block is the one place each name, value and doc is written).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const SONAME: &str = "libvirt-migration-check.so.0";
const SYMS: &str = "src/ffi/libvirt-migration-check.syms";
const CBINDGEN_TOML: &str = "cbindgen.toml";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={SYMS}");
    println!("cargo:rerun-if-changed={CBINDGEN_TOML}");
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("OUT_DIR");
    let out = Path::new(&out_dir);

    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");

    let syms_path = Path::new(&manifest_dir).join(SYMS);
    let syms = fs::read_to_string(&syms_path).unwrap_or_else(|e| panic!("{SYMS}: {e}"));
    let symbols = parse_syms(&syms).unwrap_or_else(|e| panic!("{SYMS}: {e}"));
    // ELF symbol versions are a GNU/Linux (glibc and musl loaders alike) matter; elsewhere the
    // library exports plain names.
    let elf = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    fs::write(out.join("symbol_versions.s"), if elf { symbol_versions(&symbols) } else { String::new() })
        .expect("write symbol_versions.s");
    if elf {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", syms_path.display());
    }

    let toml = fs::read_to_string(Path::new(&manifest_dir).join(CBINDGEN_TOML)).expect("read cbindgen.toml");
    let params = param_consts(&toml).unwrap_or_else(|e| panic!("{CBINDGEN_TOML}: {e}"));
    fs::write(out.join("params.rs"), params).expect("write params.rs");

    println!("cargo:rerun-if-changed={CARRIED_CPU_MAPS}");
    let maps = carried_cpu_maps(&Path::new(&manifest_dir).join(CARRIED_CPU_MAPS))
        .unwrap_or_else(|e| panic!("{CARRIED_CPU_MAPS}: {e}"));
    fs::write(out.join("carried_cpu_maps.rs"), maps).expect("write carried_cpu_maps.rs");
}

/// The CPU maps of the libvirt releases the library carries: one directory per release,
/// `libvirt-MAJOR.MINOR.MICRO`, holding that release's index.xml and x86 files.
const CARRIED_CPU_MAPS: &str = "data/cpu_map";

/// A Rust expression, `&[(release, &[(file, text)])]` oldest release first, that builds every
/// carried map's files into the library (`include_str!`, so a change to one rebuilds it).
fn carried_cpu_maps(dir: &Path) -> Result<String, String> {
    let mut releases: Vec<((u64, u64, u64), String, std::path::PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let Some(version) = name.strip_prefix("libvirt-") else { continue };
        let parts: Vec<u64> = version
            .split('.')
            .map(|p| p.parse().map_err(|_| format!("{name}: not libvirt-X.Y.Z")))
            .collect::<Result<_, _>>()?;
        let [major, minor, micro] = parts[..] else { return Err(format!("{name}: not libvirt-X.Y.Z")) };
        releases.push(((major, minor, micro), version.to_string(), path));
    }
    releases.sort();
    let mut out = String::from("&[\n");
    for (_, version, path) in releases {
        let mut files: Vec<String> = fs::read_dir(&path)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|f| f.ends_with(".xml"))
            .collect();
        files.sort();
        let _ = writeln!(out, "    ({version:?}, &[");
        for file in files {
            let _ = writeln!(out, "        ({file:?}, include_str!({:?})),", path.join(&file).display().to_string());
        }
        out.push_str("    ]),\n");
    }
    out.push(']');
    Ok(out)
}

/// The (function, version node) pairs of a version script, in order.
fn parse_syms(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut spaced = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for c in line.chars() {
            if matches!(c, '{' | '}' | ';' | ':') {
                let _ = write!(spaced, " {c} ");
            } else {
                spaced.push(c);
            }
        }
        spaced.push('\n');
    }
    let mut tokens = spaced.split_whitespace().peekable();
    let mut symbols: Vec<(String, String)> = Vec::new();
    while let Some(node) = tokens.next() {
        if tokens.next() != Some("{") {
            return Err(format!("expected '{{' after version node {node}"));
        }
        let mut global = false;
        loop {
            match tokens.next() {
                Some("}") => break,
                Some(scope @ ("global" | "local")) => {
                    if tokens.next() != Some(":") {
                        return Err(format!("expected ':' after {scope} in {node}"));
                    }
                    global = scope == "global";
                }
                Some(name) => {
                    if tokens.next() != Some(";") {
                        return Err(format!("expected ';' after {name} in {node}"));
                    }
                    if !global {
                        continue;
                    }
                    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(format!("'{name}' in {node}: only exact function names are exported"));
                    }
                    if let Some((_, first)) = symbols.iter().find(|(n, _)| n == name) {
                        return Err(format!("{name} is listed in both {first} and {node}"));
                    }
                    symbols.push((name.to_string(), node.to_string()));
                }
                None => return Err(format!("version node {node} is not closed")),
            }
        }
        // `} PARENT;` or `};`
        match tokens.next() {
            Some(";") => {}
            Some(_parent) if tokens.next() == Some(";") => {}
            _ => return Err(format!("expected ';' after the '}}' of {node}")),
        }
    }
    if symbols.is_empty() {
        return Err("no exported function".into());
    }
    Ok(symbols)
}

/// The `.symver` directives that make each function's version its default one.
///
/// rustc links every cdylib with a version script of its own that lists the exported functions
/// without a version, and the linker gives them that script's answer (`Base`) rather than ours:
/// a second `--version-script` alone defines the version nodes but versions nothing. A `.symver
/// name, name@@@NODE` in the object renames the definition to the versioned one, which the
/// linker keeps; ours defines the nodes it names. In executables (the tests, the CLI, programs
/// linking the static library) a default-versioned definition is an ordinary one.
fn symbol_versions(symbols: &[(String, String)]) -> String {
    let mut asm = String::from("/* Generated by build.rs from src/ffi/libvirt-migration-check.syms. */\n");
    for (name, node) in symbols {
        let _ = writeln!(asm, ".symver {name}, {name}@@@{node}");
    }
    asm
}

/// `pub const NAME: &str = "value";` with its doc, for each `#define VIR_MIGRATION_CHECK_PARAM_*`
/// of cbindgen.toml and the `/** ... */` comment right above it.
fn param_consts(toml: &str) -> Result<String, String> {
    let mut out = String::from("// Generated by build.rs from the #defines of cbindgen.toml's after_includes.\n");
    let mut doc: Vec<String> = Vec::new();
    let mut in_comment = false;
    let mut count = 0;
    for line in toml.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("/**") {
            in_comment = true;
            doc.clear();
        } else if in_comment && trimmed.starts_with("*/") {
            in_comment = false;
        } else if in_comment {
            doc.push(trimmed.trim_start_matches('*').trim().to_string());
        } else if let Some(define) = trimmed.strip_prefix("#define VIR_MIGRATION_CHECK_PARAM_") {
            let (suffix, value) = define.split_once(' ').ok_or_else(|| format!("malformed: {trimmed}"))?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.contains(['"', '\\']))
                .ok_or_else(|| format!("the value of VIR_MIGRATION_CHECK_PARAM_{suffix} is not a plain string"))?;
            if doc.is_empty() {
                return Err(format!("VIR_MIGRATION_CHECK_PARAM_{suffix} has no /** doc */ above it"));
            }
            for line in doc.drain(..) {
                let _ = writeln!(out, "#[doc = {:?}]", format!(" {line}"));
            }
            let _ = writeln!(out, "pub const VIR_MIGRATION_CHECK_PARAM_{suffix}: &str = {value:?};");
            count += 1;
        } else if !trimmed.is_empty() {
            doc.clear();
        }
    }
    if count == 0 {
        return Err("no #define VIR_MIGRATION_CHECK_PARAM_* in after_includes".into());
    }
    Ok(out)
}
