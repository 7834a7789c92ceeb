// SPDX-License-Identifier: LGPL-2.1-or-later
//! The man page and the bash completion that `make man-and-completion` writes
//! (build/man/virt-migration-check.1, build/completion/virt-migration-check, the files `make
//! install` installs): current with the CLI's definition; rendered by man-db without a warning,
//! naming every subcommand and, in each subcommand's own part, each of its long options; and,
//! sourced in bash, offering the subcommands and the check names. Every list comes from the clap
//! definition and the table of checks, never from a copy here.
//!
//! Run by `make man-and-completion-tests` (which writes the files first and installs man-db), not
//! by a bare `cargo test`: Cargo.toml says `test = false` for it.

#[allow(dead_code)]
#[path = "../src/bin/virt-migration-check/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../examples/man-and-completion/render.rs"]
mod render;
#[allow(dead_code)]
#[path = "../src/bin/virt-migration-check/virsh.rs"]
mod virsh;

use std::path::PathBuf;
use std::process::Command;

fn built(relative: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    assert!(path.is_file(), "{} is missing: run `make man-and-completion`", path.display());
    path
}

#[test]
fn the_built_files_are_those_of_this_definition() {
    let page = std::fs::read(built("build/man/virt-migration-check.1")).unwrap();
    assert!(page == render::man_page(), "build/man/virt-migration-check.1 is stale: run `make man-and-completion`");
    let completion = std::fs::read(built("build/completion/virt-migration-check")).unwrap();
    assert!(
        completion == render::bash_completion(),
        "build/completion/virt-migration-check is stale: run `make man-and-completion`"
    );
}

/// The page as `man -l` shows it on an 80-column terminal, and what it said on stderr with every
/// warning of groff turned on (`--warnings` gives groff -ww).
fn rendered_page() -> (String, String) {
    let page = built("build/man/virt-migration-check.1");
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man (man-db) runs");
    assert!(out.status.success(), "man -l {}: {}", page.display(), String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn man_renders_the_page_without_a_warning() {
    let (text, warnings) = rendered_page();
    assert_eq!(warnings, "", "man --warnings -l build/man/virt-migration-check.1 warned");
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES"]
    {
        assert!(text.lines().any(|l| l == section), "no section {section}:\n{text}");
    }
    assert!(text.contains("virsh(1)"), "SEE ALSO virsh(1):\n{text}");
    assert!(text.contains("LIBVIRT_DEFAULT_URI"), "{text}");
    // The whatis line, as lexgrog reads it for man -k.
    let name = text.lines().skip_while(|l| *l != "NAME").nth(1).unwrap_or_default();
    assert!(name.trim_start().starts_with("virt-migration-check - "), "{name}");
}

#[test]
fn the_page_names_every_subcommand_and_each_of_its_long_options() {
    let (text, _) = rendered_page();
    let lines: Vec<&str> = text.lines().collect();
    let commands = lines.iter().position(|l| *l == "COMMANDS").expect("a COMMANDS section");
    let command = render::built_command();
    for option in command.get_arguments().filter_map(|a| a.get_long()) {
        assert!(text.contains(&format!("--{option}")), "--{option} of the top level:\n{text}");
    }
    let subcommands = render::subcommands(&command);
    assert!(subcommands.len() >= 7, "{subcommands:?}");
    // Each subcommand's subsection: from its heading (three spaces in) to the next heading or
    // section.
    let starts: Vec<usize> = subcommands
        .iter()
        .map(|sub| {
            let heading = format!("   {}", sub.get_name());
            commands + lines[commands..].iter().position(|l| *l == heading).unwrap_or_else(|| panic!("no {heading}"))
        })
        .collect();
    for (i, sub) in subcommands.iter().enumerate() {
        let end = lines[starts[i] + 1..]
            .iter()
            .position(|l| l.starts_with("   ") && !l.starts_with("    ") || !l.is_empty() && !l.starts_with(' '))
            .map_or(lines.len(), |n| starts[i] + 1 + n);
        let part = lines[starts[i]..end].join("\n");
        assert!(part.contains(&format!("virt-migration-check {}", sub.get_name())), "{part}");
        let longs: Vec<&str> = render::documented_arguments(sub).iter().filter_map(|a| a.get_long()).collect();
        for long in &longs {
            assert!(
                part.split(|c: char| c.is_whitespace() || c == ',').any(|w| w == format!("--{long}")),
                "`{}` documents no --{long}:\n{part}",
                sub.get_name()
            );
        }
        // The check names, where a subcommand takes them.
        if longs.contains(&"checks") {
            for check in virt_migration_check::Check::ALL {
                assert!(part.lines().any(|l| l.split_whitespace().next() == Some(check.name())), "{}", check.name());
            }
        }
    }
}

/// What bash's programmable completion offers for `words` (the last one being completed), from
/// the completion script sourced as bash-completion would: the function `complete -p` names,
/// called with COMP_WORDS and COMP_CWORD set as readline sets them.
fn offered(words: &[&str]) -> Vec<String> {
    let script = r#"
        source "$1"; shift
        spec=$(complete -p virt-migration-check) || exit 3
        function=$(sed -E 's/.* -F ([^ ]+) .*/\1/' <<<"$spec")
        COMP_WORDS=("$@")
        COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .arg(built("build/completion/virt-migration-check"))
        .args(words)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{words:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn completion_offers_the_subcommands() {
    let command = render::built_command();
    let names: Vec<&str> = render::subcommands(&command).iter().map(|s| s.get_name()).collect();
    let offered_all = offered(&["virt-migration-check", ""]);
    for name in &names {
        assert!(offered_all.iter().any(|o| o == name), "{name} not offered: {offered_all:?}");
    }
    assert_eq!(offered(&["virt-migration-check", "mat"]), ["matrix"]);
    let cpu: Vec<String> = names.iter().filter(|n| n.starts_with("cpu-")).map(|n| n.to_string()).collect();
    assert_eq!(offered(&["virt-migration-check", "cpu-"]), cpu);
    // A subcommand's own options, of a hyphenated one too, and --html of matrix.
    assert_eq!(offered(&["virt-migration-check", "cpu-baseline", "--exp"]), ["--expand-features"]);
    assert_eq!(offered(&["virt-migration-check", "matrix", "--ht"]), ["--html"]);
}

#[test]
fn completion_offers_the_check_names() {
    let names: Vec<String> = virt_migration_check::Check::ALL.iter().map(|c| c.name().to_string()).collect();
    let command = render::built_command();
    let taking: Vec<&str> = render::subcommands(&command)
        .iter()
        .filter(|s| s.get_arguments().any(|a| a.get_long() == Some("checks")))
        .map(|s| s.get_name())
        .collect();
    assert_eq!(taking, ["check", "matrix"]);
    for sub in taking {
        assert_eq!(offered(&["virt-migration-check", sub, "--checks", ""]), names, "{sub} --checks");
        let network: Vec<String> = names.iter().filter(|n| n.starts_with("network")).cloned().collect();
        assert_eq!(offered(&["virt-migration-check", sub, "--strict", "--checks", "netw"]), network);
    }
}
