// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CLI's cold check against its limit (issue target 3): `virt-migration-check check -c SRC
//! -d DST web1`, process start to exit, at most the in-process cold check plus two read-only
//! connection opens plus 5 ms. Measured in the same run, interleaved, against the bundled test
//! hosts behind a real libvirtd (tests/libvirtd-session.sh); and what the process spends beyond
//! the check: a bare process start (/bin/true), the CLI's start without libvirt
//! (`--version`: dynamic loading, clap), libvirt's own CLI's start (`virsh --version`, which
//! loads the same libvirt.so and its dependencies), and parsing the largest carried CPU map (libvirt
//! 11.3's, parsed on first use, only for a guest whose CPU a check compares).
//!
//! `cargo bench --bench cli` (or `make bench`); `BENCH_RUNS=N` sets the runs (default 50).

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{median, ms, target, time};
use virt::connect::Connect;

const CLI: &str = env!("CARGO_BIN_EXE_virt-migration-check");

fn run(args: &[&str]) -> Duration {
    let (program, args) = args.split_first().unwrap();
    time(|| {
        let status = Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
        // 0: no error; 1: errors found (dst-all-wrong). 2 is "could not check".
        assert!(status.code().is_some_and(|c| c < 2), "{program} {args:?}: {status}");
    })
}

fn main() {
    virt::error::clear_error_callback();
    let runs = support::runs(50);
    let daemon = support::daemon::Daemon::start("bench-cli");
    let src_uri = daemon.uri("src");
    let map_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/cpu_map/libvirt-11.3.0");
    println!("{runs} runs each, medians (tests/data/hosts behind libvirtd)");
    for dst_name in ["dst-all-wrong", "dst-ok"] {
        let dst_uri = daemon.uri(dst_name);
        let cli = ["", "check", "-c", &src_uri, "-d", &dst_uri, "web1"];
        let mut cli = cli.to_vec();
        cli[0] = CLI;
        let (mut process, mut bare, mut started, mut virsh, mut opens, mut cold, mut map) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        let have_virsh = Command::new("virsh").arg("--version").stdout(Stdio::null()).status().is_ok();
        run(&cli);
        for _ in 0..runs {
            process.push(run(&cli));
            bare.push(run(&["/bin/true"]));
            started.push(run(&[CLI, "--version"]));
            if have_virsh {
                virsh.push(run(&["virsh", "--version"]));
            }
            let mut conns = None;
            opens.push(time(|| {
                conns = Some((
                    Connect::open_read_only(Some(&src_uri)).unwrap(),
                    Connect::open_read_only(Some(&dst_uri)).unwrap(),
                ))
            }));
            let (src, dst) = conns.unwrap();
            let dom = src.lookup_domain_by_name("web1").unwrap();
            cold.push(time(|| virt_migration_check::check(&src, &dst, &dom, 0).unwrap()));
            map.push(time(|| virt_migration_check::cpu::CpuMap::load(&map_dir).unwrap()));
        }
        let virsh = if have_virsh { ms(median(&mut virsh)) } else { "no virsh".into() };
        let (process, bare, started, opens, cold, map) = (
            median(&mut process),
            median(&mut bare),
            median(&mut started),
            median(&mut opens),
            median(&mut cold),
            median(&mut map),
        );
        println!("to {dst_name}:");
        println!("  in-process cold check: {}; two read-only opens: {}", ms(cold), ms(opens));
        println!(
            "  /bin/true: {}; `virt-migration-check --version`: {}; `virsh --version`: {virsh}",
            ms(bare),
            ms(started)
        );
        println!("  libvirt 11.3's CPU map, parsed (not needed for web1, which names no CPU): {}", ms(map));
        let limit = cold + opens + Duration::from_millis(5);
        target("  target 3, CLI check / (cold + two opens + 5 ms)", process, limit, 1.0);
        let rest = process.saturating_sub(cold + opens + started);
        println!("  the CLI beyond its start, the opens and the check (libvirt's init, output): {}", ms(rest));
    }
}
