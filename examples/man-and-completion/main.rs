// SPDX-License-Identifier: LGPL-2.1-or-later
//! Writes virt-migration-check's man page and bash completion from the CLI's own clap
//! definition: `man-and-completion MAN_PAGE BASH_COMPLETION` (`make man-and-completion` gives
//! build/man/virt-migration-check.1 and build/completion/virt-migration-check).
//!
//! An example rather than a second [[bin]] or build.rs: `cargo install` and packages install
//! bins, and users would find a generator among the tools; build.rs cannot use the library,
//! which the definition needs (the check names of `--checks` come from its table of checks).
//! An example builds against the library and its dev-dependencies (clap_mangen, clap_complete),
//! which the installed binary then does not carry. The definition is the binary's own file,
//! included by path.

use std::path::Path;

// The binary's definition and the virsh options it flattens in; their logic is main's, unused here.
#[allow(dead_code)]
#[path = "../../src/bin/virt-migration-check/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../../src/bin/virt-migration-check/virsh.rs"]
mod virsh;

mod render;

fn write(path: &Path, contents: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    println!("wrote {}", path.display());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [man_page, completion] = args.as_slice() else {
        eprintln!("usage: man-and-completion MAN_PAGE BASH_COMPLETION");
        std::process::exit(2);
    };
    write(Path::new(man_page), &render::man_page());
    write(Path::new(completion), &render::bash_completion());
}
