// SPDX-License-Identifier: LGPL-2.1-or-later
//! Timings on the QEMU bed (tests/e2e, docs/testbed.md) that need the library's Rust API and
//! the RPC floor (tests/common/floor.rs), printed as JSON for the bed's tests:
//!
//! - `time SRC DST DOMAIN FLAGS RUNS`: the cold check (`check3` with the migration's
//!   `VIR_MIGRATE_*` FLAGS, every check) and its RPC floor, alternately on the same read-write
//!   connections, RUNS times: `{check_ms, floor_ms, floor_concurrent_ms,
//!   floor_sequential_ms, compute_ms}`, medians (tests/e2e/test_migrations.py's table, issue 20
//!   target 4); `compute_ms` is the check's own work on the documents its calls gave (parsing
//!   the guest and the hosts' documents, judging), timed alone.
//! - `count SRC DST DOMAIN FLAGS`: the procedures the cold check and the floor (both ways) send
//!   on each connection, counted in libvirt's client RPC log, each on fresh connections
//!   (tests/e2e/test_rpc_floor.py holds them equal).
//! - `fleet RUNS URI...`: the live matrix of every running guest of the hosts against every
//!   host (`fleet::check_matrix_both_ways`, as the CLI's `matrix` runs it), alternately with
//!   each host's own gathering timed alone (tests/e2e/test_fleet_timing.py, target 5).
//!
//! Built by `cargo build --release --locked --example bed_timing` (`make e2e` does).

#[path = "../tests/common/floor.rs"]
mod floor;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use virt::connect::Connect;
use virt_migration_check::fleet::{Guests, HostSource, check_matrix_both_ways};
use virt_migration_check::libvirt::gather::{self, Scope};
use virt_migration_check::migration::Migration;
use virt_migration_check::xml::snapshot;
use virt_migration_check::{Options, supported_checks};

fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    drop(out);
    took
}

fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn open(uri: &str) -> Connect {
    Connect::open(Some(uri)).unwrap_or_else(|e| panic!("opening {uri}: {e}"))
}

fn usage() -> ! {
    eprintln!("usage: bed_timing time SRC DST DOMAIN FLAGS RUNS | count SRC DST DOMAIN FLAGS | fleet RUNS URI...");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["time", src, dst, dom, flags, runs] => {
            time_check(src, dst, dom, flags.parse().unwrap(), runs.parse().unwrap())
        }
        ["count", src, dst, dom, flags] => count(src, dst, dom, flags.parse().unwrap()),
        ["fleet", runs, uris @ ..] if !uris.is_empty() => fleet(runs.parse().unwrap(), uris),
        _ => usage(),
    };
    println!("{out}");
}

fn time_check(src: &str, dst: &str, name: &str, flags: u32, runs: usize) -> Value {
    virt::error::clear_error_callback();
    let (src, dst) = (open(src), open(dst));
    let dom = src.lookup_domain_by_name(name).unwrap();
    let guest = floor::Guest::read(&dom, &dst);
    let migration = Migration::with_flags(flags);
    let check = || virt_migration_check::check3(&dom, &dst, &migration, 0).unwrap();
    // Warm-up: the process's one-time costs and the remote driver's remembered connection type
    // fall outside the samples, for the check and the floor alike.
    check();
    floor::run(&src, &dst, &dom, &guest, floor::Mode::Concurrent);
    // What the check does beyond its calls, on the documents those calls gave (gathered once
    // here, as the check gathers them): it parses the guest's definition before it asks the
    // hosts, and each host's documents after, then judges.
    let options = virt_migration_check::options3(&migration, 0).unwrap();
    let live = dom.xml_desc(0).unwrap();
    let read = gather::guest_for(&dom, options.migration.as_ref(), options.checks).unwrap();
    let (src_needs, dst_needs) = virt_migration_check::checks::needs(options.checks);
    let taken = virt_migration_check::now_rfc3339();
    let src_docs = gather::fill(&src, Scope::Check(src_needs, &read.def), &taken).unwrap();
    let dst_docs = gather::fill(&dst, Scope::Check(dst_needs, read.on_destination()), &taken).unwrap();
    let compute = || {
        let def = virt_migration_check::xml::domain::parse_domain(&live, "domain XML").unwrap();
        let (s, d) = (snapshot::host(&src_docs), snapshot::host(&dst_docs));
        (def, virt_migration_check::check_facts(&read, &s, &d, &options))
    };
    let (mut cold, mut concurrent, mut sequential, mut own) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs.max(1) {
        cold.push(time(check));
        concurrent.push(time(|| floor::run(&src, &dst, &dom, &guest, floor::Mode::Concurrent)));
        sequential.push(time(|| floor::run(&src, &dst, &dom, &guest, floor::Mode::Sequential)));
        own.push(time(compute));
    }
    let (check_ms, concurrent_ms, sequential_ms) =
        (median_ms(&mut cold), median_ms(&mut concurrent), median_ms(&mut sequential));
    json!({
        "check_ms": check_ms,
        "floor_ms": concurrent_ms.min(sequential_ms),
        "floor_concurrent_ms": concurrent_ms,
        "floor_sequential_ms": sequential_ms,
        "compute_ms": median_ms(&mut own),
        "runs": runs.max(1),
    })
}

fn count(src_uri: &str, dst_uri: &str, name: &str, flags: u32) -> Value {
    let log_path = std::env::temp_dir().join(format!("vmc-bed-floor-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log_path);
    // SAFETY: set before this process first calls libvirt, on its only thread.
    unsafe {
        std::env::set_var("LIBVIRT_LOG_FILTERS", "1:rpc");
        std::env::set_var("LIBVIRT_LOG_OUTPUTS", format!("1:file:{}", log_path.display()));
    }
    virt::error::clear_error_callback();
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    // Fresh connections for each: the remote driver remembers a connection's type after the
    // first virConnectGetType, and a cold check is one on connections not asked yet.
    let open_both = || {
        let (src, dst) = (open(src_uri), open(dst_uri));
        let dom = src.lookup_domain_by_name(name).unwrap();
        (src, dst, dom)
    };
    let as_json = |roles: [std::collections::BTreeMap<u32, usize>; 2]| {
        let [source, destination] = roles;
        json!({"source": source, "destination": destination})
    };
    let mut out = serde_json::Map::new();
    {
        let (_src, dst, dom) = open_both();
        let migration = Migration::with_flags(flags);
        let before = read_log().len();
        virt_migration_check::check3(&dom, &dst, &migration, 0).unwrap();
        out.insert("check".into(), as_json(floor::by_role(floor::sent(&read_log(), before))));
    }
    for mode in [floor::Mode::Concurrent, floor::Mode::Sequential] {
        let (src, dst, dom) = open_both();
        let guest = floor::Guest::read(&dom, &dst);
        let before = read_log().len();
        floor::run(&src, &dst, &dom, &guest, mode);
        out.insert(format!("{mode:?}").to_lowercase(), as_json(floor::by_role(floor::sent(&read_log(), before))));
    }
    let _ = std::fs::remove_file(&log_path);
    Value::Object(out)
}

/// The CPU time (user and system, every thread) this process and the daemons named by
/// BED_PIDS (comma-separated PIDs) have used so far: what a gathering of many hosts costs the
/// machine's cores, apart from the rest of the machine's load.
fn used_cpu() -> Duration {
    let pids = std::env::var("BED_PIDS").unwrap_or_default();
    let ticks = |pid: &str| -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum()
    };
    let total: u64 = std::iter::once("self").chain(pids.split(',').filter(|p| !p.is_empty())).map(ticks).sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(total * 1000 / hz)
}

/// What the matrix gathers of one host that is a source and a destination: its connection,
/// its complete facts, its running guests and each one's reads.
fn gather_alone(uri: &str) -> usize {
    let conn = open(uri);
    virt_migration_check::libvirt::gather::whole_host(&conn).unwrap();
    let running = conn.list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE).unwrap();
    for dom in &running {
        virt_migration_check::libvirt::gather::guest(dom).unwrap();
    }
    running.len()
}

fn fleet(runs: usize, uris: &[&str]) -> Value {
    virt::error::clear_error_callback();
    let hosts: Vec<HostSource> = uris.iter().map(|uri| HostSource::Uri { uri, read_write: true }).collect();
    let options = Options::from_flags(0, supported_checks()).unwrap();
    let matrix = || check_matrix_both_ways(&hosts, Guests::Running, &hosts, &options).unwrap();
    // Warm-up, and what the matrix holds.
    let m = matrix();
    let guests = m.guests.len();
    let failed: Vec<String> = m
        .cells
        .iter()
        .flatten()
        .filter_map(|c| c.as_ref().err())
        .map(|e| e.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for uri in uris {
        gather_alone(uri);
    }
    let (mut whole, mut whole_cpu) = (vec![], vec![]);
    let mut alone: Vec<Vec<Duration>> = vec![vec![]; uris.len()];
    let mut alone_cpu = vec![];
    let mut host_cpu: Vec<Vec<Duration>> = vec![vec![]; uris.len()];
    for _ in 0..runs.max(1) {
        let cpu = used_cpu();
        whole.push(time(matrix));
        whole_cpu.push(used_cpu().saturating_sub(cpu));
        let mut cpu_sum = Duration::ZERO;
        for (h, uri) in uris.iter().enumerate() {
            let cpu = used_cpu();
            alone[h].push(time(|| gather_alone(uri)));
            let used = used_cpu().saturating_sub(cpu);
            host_cpu[h].push(used);
            cpu_sum += used;
        }
        alone_cpu.push(cpu_sum);
    }
    let alone_ms: Vec<f64> = alone.iter_mut().map(|s| median_ms(s)).collect();
    let slowest = alone_ms.iter().copied().fold(0.0, f64::max);
    let matrix_ms = median_ms(&mut whole);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    json!({
        "hosts": uris,
        "guests": guests,
        "cell_errors": failed,
        "runs": runs.max(1),
        "matrix_ms": matrix_ms,
        "alone_ms": alone_ms,
        "slowest_alone_ms": slowest,
        "sum_alone_ms": alone_ms.iter().sum::<f64>(),
        "ratio": matrix_ms / slowest,
        "matrix_cpu_ms": median_ms(&mut whole_cpu),
        "alone_cpu_ms": median_ms(&mut alone_cpu),
        "host_cpu_ms": host_cpu.iter_mut().map(|s| median_ms(s)).collect::<Vec<_>>(),
        "cores": cores,
    })
}
