// SPDX-License-Identifier: LGPL-2.1-or-later
//! The man page virt-migration-check(1) and the bash completion, rendered from the CLI's own
//! clap definition (`cli::command()`, the one the binary parses with): every subcommand with its
//! synopsis, description and options comes from there, so a new option cannot be left out.
//! What clap does not hold (exit status, environment, examples) is written here once.
//!
//! One page holds every subcommand (as `virsh(1)` does for its commands), each in its own
//! subsection of COMMANDS with all its options: clap_mangen alone would render the top level
//! and leave each subcommand's options to a page of its own. clap_mangen renders the page's
//! title and name; the rest is written with the roff crate it re-exports, which escapes every
//! string (dashes, leading dots, apostrophes).
//!
//! Shared by the generator (`main.rs` beside this file) and by tests/man_completion.rs, which
//! compares the files `make` wrote with a fresh rendering.

use clap::{Arg, ArgAction};
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

pub const NAME: &str = "virt-migration-check";

/// The definition as parsed, built: every subcommand named as it is run, the help and version
/// arguments added.
pub fn built_command() -> clap::Command {
    let mut command = crate::cli::command().bin_name(NAME);
    command.build();
    command
}

/// The subcommands a user can run, in the order `--help` lists them.
pub fn subcommands(command: &clap::Command) -> Vec<&clap::Command> {
    let mut subcommands: Vec<&clap::Command> = command.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    subcommands.sort_by_key(|s| s.get_display_order());
    subcommands
}

/// The arguments a subcommand's subsection lists: all but the `-h/--help` every subcommand has
/// (OPTIONS lists it once).
pub fn documented_arguments(command: &clap::Command) -> Vec<&Arg> {
    command.get_arguments().filter(|a| !a.is_hide_set() && a.get_id() != "help").collect()
}

/// The bash completion script: subcommands, options, and the values an option takes from its
/// value parser (the check names of `--checks`, from the table of checks).
///
/// clap_complete's bash generator (4.6.12) spells a subcommand's state one way where it parses
/// the words and another where it completes them when the command's name has a hyphen, so that
/// nothing after a subcommand completes (clap-rs/clap#6421, open): the script is generated for a
/// name without one, its function and states named after it, and only the `complete` lines that
/// bind the function to a command name the real one.
pub fn bash_completion() -> Vec<u8> {
    const UNHYPHENATED: &str = "virt_migration_check";
    let mut command = crate::cli::command();
    let mut out = Vec::new();
    clap_complete::generate(clap_complete::Shell::Bash, &mut command, UNHYPHENATED, &mut out);
    let script = String::from_utf8(out).expect("clap_complete writes UTF-8");
    let script: Vec<String> = script
        .lines()
        .map(|line| match line.trim_start().starts_with("complete -F ") {
            true => line.strip_suffix(UNHYPHENATED).map(|l| format!("{l}{NAME}")).unwrap_or_else(|| line.to_string()),
            false => line.to_string(),
        })
        .collect();
    let script = script.join("\n") + "\n";
    assert!(script.contains(&format!(" {NAME}\n")), "no `complete` line for {NAME}");
    script.into_bytes()
}

/// The man page, roff source.
pub fn man_page() -> Vec<u8> {
    let command = built_command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(command.clone()).manual("User Commands");
    man.render_title(&mut out).expect("writing to a Vec");
    let mut roff = Roff::new();
    // No hyphenation: option names and URIs stay whole, as a reader types them.
    roff.control("nh", []);
    roff.control("ad", ["l"]);
    roff.control("SH", ["NAME"]);
    // "name - description", the whatis line man-db and lintian read.
    roff.text([roman(format!("{NAME} - {}", about(&command)))]);
    synopsis(&mut roff, &command);
    description(&mut roff);
    roff.control("SH", ["OPTIONS"]);
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        argument(&mut roff, arg);
    }
    commands(&mut roff, &command);
    if let Some(text) = command.get_after_help() {
        roff.control("SH", ["CONNECTIONS"]);
        paragraphs(&mut roff, &text.to_string());
    }
    exit_status(&mut roff);
    environment(&mut roff);
    examples(&mut roff);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("virsh"),
        roman("(1), "),
        bold("virt-xml-validate"),
        roman("(1), "),
        bold("libvirtd"),
        roman("(8)"),
    ]);
    roff.to_writer(&mut out).expect("writing to a Vec");
    out
}

fn about(command: &clap::Command) -> String {
    command.get_about().map(|a| a.to_string()).unwrap_or_default()
}

/// Text paragraphs: clap keeps a doc comment's paragraphs apart with a blank line.
fn paragraphs(roff: &mut Roff, text: &str) {
    for (i, paragraph) in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(paragraph.replace('\n', " "))]);
    }
}

/// The forms of a subcommand's usage, one per line, as `--help` prints them.
fn usage_forms(command: &clap::Command) -> Vec<String> {
    let usage = command.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage:").unwrap_or(&usage);
    usage.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// A usage form with the command's name in bold, each form on a line of its own.
fn usage(roff: &mut Roff, command: &clap::Command) {
    let name = command.get_bin_name().unwrap_or(NAME).to_string();
    for (i, form) in usage_forms(command).iter().enumerate() {
        if i > 0 {
            roff.control("br", []);
        }
        match form.strip_prefix(&name) {
            Some(rest) => roff.text([bold(name.clone()), roman(rest.to_string())]),
            None => roff.text([roman(form.clone())]),
        };
    }
}

fn synopsis(roff: &mut Roff, command: &clap::Command) {
    roff.control("SH", ["SYNOPSIS"]);
    for (i, sub) in subcommands(command).into_iter().enumerate() {
        if i > 0 {
            roff.control("br", []);
        }
        usage(roff, sub);
    }
}

fn description(roff: &mut Roff) {
    roff.control("SH", ["DESCRIPTION"]);
    roff.text([
        bold(NAME),
        roman(
            " predicts whether a libvirt migration will succeed and, when it will not, says exactly why: it \
             gathers the facts of both hosts and the guest over libvirt (only read-only calls) and judges them \
             with the checks of its table (",
        ),
        bold(format!("{NAME} checks")),
        roman("), each finding with its severity, reason code, message and hint."),
    ]);
    roff.control("PP", []);
    roff.text([
        bold("check"),
        roman(" speaks "),
        bold("virsh migrate"),
        roman(
            ": paste a virsh migrate line after it and the migration that line would run is judged, its flags \
             and parameters included. ",
        ),
        bold("matrix"),
        roman(" judges every guest of some hosts against every destination; "),
        bold("baseline"),
        roman(" computes the CPU a guest must use to move freely among hosts; "),
        bold("snapshot"),
        roman(" saves a host's facts for offline checks."),
    ]);
}

/// One option or positional argument, as a tagged paragraph: its names and value, its default,
/// its help, and the values it takes.
fn argument(roff: &mut Roff, arg: &Arg) {
    let mut tag: Vec<Inline> = Vec::new();
    let takes_values = arg.get_num_args().is_some_and(|n| n.takes_values());
    let values = arg.get_value_names().map(|v| v.join(" ")).unwrap_or_else(|| arg.get_id().to_string());
    let repeated =
        matches!(arg.get_action(), ArgAction::Append) || arg.get_num_args().is_some_and(|n| n.max_values() > 1);
    if arg.is_positional() {
        tag.push(italic(values));
        if repeated {
            tag.push(roman("..."));
        }
    } else {
        if let Some(short) = arg.get_short() {
            tag.push(bold(format!("-{short}")));
        }
        if let Some(long) = arg.get_long() {
            if !tag.is_empty() {
                tag.push(roman(", "));
            }
            tag.push(bold(format!("--{long}")));
        }
        if takes_values {
            tag.push(roman(" "));
            tag.push(italic(values));
        }
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if takes_values && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        tag.push(roman(format!(" (default: {})", defaults.join(","))));
    }
    roff.control("TP", []);
    roff.text(tag);
    let help = arg.get_long_help().or_else(|| arg.get_help()).map(|h| h.to_string()).unwrap_or_default();
    for (i, paragraph) in help.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            roff.control("IP", []);
        }
        roff.text([roman(paragraph.replace('\n', " "))]);
    }
    let possible: Vec<_> = if arg.is_hide_possible_values_set() { Vec::new() } else { arg.get_possible_values() };
    let possible: Vec<_> = possible.into_iter().filter(|p| !p.is_hide_set()).collect();
    if !possible.is_empty() {
        roff.control("RS", []);
        roff.control("PP", []);
        roff.text([roman("Its values:")]);
        for value in possible {
            roff.control("TP", ["16"]);
            roff.text([bold(value.get_name().to_string())]);
            roff.text([roman(value.get_help().map(|h| h.to_string()).unwrap_or_default())]);
        }
        roff.control("RE", []);
    }
}

/// COMMANDS: each subcommand's synopsis, description and every option, grouped under the
/// headings `--help` shows.
fn commands(roff: &mut Roff, command: &clap::Command) {
    roff.control("SH", ["COMMANDS"]);
    for sub in subcommands(command) {
        roff.control("SS", [sub.get_name()]);
        usage(roff, sub);
        roff.control("PP", []);
        let text = sub.get_long_about().or_else(|| sub.get_about()).map(|t| t.to_string()).unwrap_or_default();
        paragraphs(roff, &text);
        let args = documented_arguments(sub);
        let mut headings: Vec<Option<&str>> = Vec::new();
        for arg in args.iter().filter(|a| !a.is_positional()) {
            if !headings.contains(&arg.get_help_heading()) {
                headings.push(arg.get_help_heading());
            }
        }
        let positionals: Vec<&&Arg> = args.iter().filter(|a| a.is_positional()).collect();
        if !positionals.is_empty() {
            roff.control("PP", []);
            roff.text([italic("Arguments:")]);
            for arg in positionals {
                argument(roff, arg);
            }
        }
        for heading in headings {
            roff.control("PP", []);
            roff.text([italic(format!("{}:", heading.unwrap_or("Options")))]);
            for arg in args.iter().filter(|a| !a.is_positional() && a.get_help_heading() == heading) {
                argument(roff, arg);
            }
        }
    }
}

/// A tagged paragraph of plain words.
fn item(roff: &mut Roff, tag: Vec<Inline>, text: &str) {
    roff.control("TP", []);
    roff.text(tag);
    roff.text([roman(text)]);
}

/// EXIT STATUS, as main.rs returns them.
fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    item(
        roff,
        vec![bold("0")],
        "check: the verdict is ok, info or warning. matrix: every pair was checked and none has the verdict \
         error. cpu-compare: IDENTICAL or SUPERSET. snapshot, cpu-baseline, baseline, checks: done.",
    );
    item(
        roff,
        vec![bold("1")],
        "check: the verdict is error (an ERROR result, or with --strict a WARNING or a check that could not \
         run). matrix: a pair has the verdict error or could not be checked. cpu-compare: INCOMPATIBLE.",
    );
    item(
        roff,
        vec![bold("2")],
        "The command could not run: unusable arguments (clap's usage errors too), a host or domain that \
         cannot be reached or found, a file that cannot be read, a host that did not answer within \
         --host-timeout; one line on standard error says why. matrix: no pair could be checked (the matrix is \
         still printed, saying why).",
    );
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    item(
        roff,
        vec![bold("LIBVIRT_DEFAULT_URI")],
        "The connection URI used when no -c is given (read by libvirt, as for virsh; then the uri_default of \
         libvirt.conf, then libvirt's own choice).",
    );
    item(
        roff,
        vec![bold("NO_COLOR")],
        "When set, check's table is not coloured (it is coloured only on a terminal anyway).",
    );
    roff.control("PP", []);
    roff.text([roman(
        "libvirt's client library reads its own variables as well (LIBVIRT_DEBUG, LIBVIRT_LOG_FILTERS, \
         LIBVIRT_LOG_OUTPUTS, LIBVIRT_AUTH_FILE ...), as in every libvirt client.",
    )]);
}

fn examples(roff: &mut Roff) {
    roff.control("SH", ["EXAMPLES"]);
    // Shell lines, continued with a backslash so that each fits a terminal.
    let examples = [
        (
            "Will web1 live-migrate from this host to dst, as this virsh line would run it?",
            "virt-migration-check check --live --persistent web1 \\\n    qemu+ssh://dst.example.org/system",
        ),
        (
            "The same from another host, only the network and disk checks, as JSON:",
            "virt-migration-check check -c qemu+ssh://src.example.org/system \\\n    \
             --live web1 qemu+ssh://dst.example.org/system \\\n    --checks network,disk --json",
        ),
        (
            "Offline, from saved documents: a snapshot of the destination and the guest's XML:",
            "virt-migration-check snapshot -c qemu+ssh://dst.example.org/system \\\n    -o dst.snap\n\
             virsh dumpxml web1 > web1.xml\n\
             virt-migration-check check --domain-xml web1.xml --dest-snapshot dst.snap",
        ),
        (
            "Every running guest of two hosts against both and a saved host, with a page to open in a browser:",
            "virt-migration-check matrix -c qemu+ssh://a/system -c qemu+ssh://b/system \\\n    \
             -d qemu+ssh://a/system -d qemu+ssh://b/system -d c.snap \\\n    --html fleet.html",
        ),
        (
            "web1's definition rewritten to the baseline CPU of two hosts:",
            "virt-migration-check baseline -c qemu+ssh://a/system -c qemu+ssh://b/system \\\n    \
             --apply web1.xml > web1-baseline.xml",
        ),
        (
            "Can the guest CPU of web1.xml run on the host CPU of capabilities.xml?",
            "virt-migration-check cpu-compare capabilities.xml web1.xml",
        ),
    ];
    for (i, (what, lines)) in examples.into_iter().enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(what)]);
        roff.control("PP", []);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        for line in lines.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
        roff.control("RE", []);
    }
}
