// SPDX-License-Identifier: LGPL-2.1-or-later
//! A check's time against its physical limit (issue targets 1 and 2), against the bundled test
//! hosts behind a real libvirtd (tests/libvirtd-session.sh): web1 from `src` to `dst-all-wrong`
//! (every check finds something) and to `dst-ok`. In one run, interleaved:
//! - the cold check of every check (`virt_migration_check::check`, no cache);
//! - its RPC floor: the same libvirt calls issued directly, nothing parsed (tests/common/floor.rs;
//!   tests/rpc_floor.rs holds it to the procedures the check sends), both ways: every
//!   independent call in flight at once on its own thread, both connections at the same time,
//!   and all of them back to back on one thread; the floor is the faster of the two;
//! - the warm check (Flags::CACHE, host facts cached): target at most 0.3 ms; of every check
//!   (five RPCs: the guest's state, its live and persistent definitions, its snapshots, a block
//!   job query) and of the checks that read only the guest's state and live definition (every
//!   check but CPU_FLAGS and DEVICES: two RPCs, the budget);
//! - one RPC (virConnectGetVersion) and a read-only connection's open, for scale.
//!
//! `cargo bench --bench check` (or `make bench`); `BENCH_RUNS=N` sets the runs (default 200).

#[path = "../tests/common/floor.rs"]
mod floor;
mod support;

use std::time::Duration;

use support::{median, ms, target, time};
use virt::connect::Connect;
use virt_migration_check::Flags;

fn main() {
    virt::error::clear_error_callback();
    let runs = support::runs(200);
    let daemon = support::daemon::Daemon::start("bench-check");
    println!("check web1 from src, {runs} runs each, medians (tests/data/hosts behind libvirtd)");
    for dst_name in ["dst-all-wrong", "dst-ok"] {
        let src = Connect::open_read_only(Some(&daemon.uri("src"))).unwrap();
        let dst = Connect::open_read_only(Some(&daemon.uri(dst_name))).unwrap();
        let dom = src.lookup_domain_by_name("web1").unwrap();
        let guest = floor::Guest::read(&dom, &dst);
        // Warm-up: the process's one-time costs (libvirt's, ours) and the remote driver's
        // remembered connection type fall outside the samples, for the check and floor alike.
        virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
        floor::run(&src, &dst, &dom, &guest, floor::Mode::Concurrent);

        let (mut cold, mut concurrent, mut sequential, mut warm, mut rpc) = (vec![], vec![], vec![], vec![], vec![]);
        let mut warm_two = vec![];
        let cache = Flags::CACHE.bits();
        let two_rpcs =
            ((virt_migration_check::supported_checks() - Flags::CPU_FLAGS - Flags::DEVICES) | Flags::CACHE).bits();
        for _ in 0..runs {
            cold.push(time(|| virt_migration_check::check(&src, &dst, &dom, 0).unwrap()));
            concurrent.push(time(|| floor::run(&src, &dst, &dom, &guest, floor::Mode::Concurrent)));
            sequential.push(time(|| floor::run(&src, &dst, &dom, &guest, floor::Mode::Sequential)));
            // The first cached call fills the cache; the second is the warm one.
            virt_migration_check::libvirt::cache::invalidate(None);
            virt_migration_check::check(&src, &dst, &dom, cache).unwrap();
            warm.push(time(|| virt_migration_check::check(&src, &dst, &dom, cache).unwrap()));
            warm_two.push(time(|| virt_migration_check::check(&src, &dst, &dom, two_rpcs).unwrap()));
            rpc.push(time(|| dst.hyp_version().unwrap()));
        }
        virt_migration_check::libvirt::cache::invalidate(None);
        let (cold, concurrent, sequential, warm, rpc) =
            (median(&mut cold), median(&mut concurrent), median(&mut sequential), median(&mut warm), median(&mut rpc));
        let warm_two = median(&mut warm_two);
        let floor_t = concurrent.min(sequential);
        println!("to {dst_name}:");
        println!("  one RPC (virConnectGetVersion): {}", ms(rpc));
        println!("  the check's calls, concurrent: {}; back to back: {}", ms(concurrent), ms(sequential));
        target("  target 1, cold check / RPC floor", cold, floor_t, 1.5);
        target("  target 2, warm check of every check (5 RPCs) / 0.3 ms", warm, Duration::from_micros(300), 1.0);
        target(
            "  target 2, warm check without CPU_FLAGS, DEVICES (2 RPCs) / 0.3 ms",
            warm_two,
            Duration::from_micros(300),
            1.0,
        );
        println!("  two RPCs back to back for scale: {}", ms(rpc * 2));
    }
    let mut opens: Vec<Duration> = (0..support::runs(200).min(100))
        .map(|_| time(|| Connect::open_read_only(Some(&daemon.uri("dst-ok"))).unwrap()))
        .collect();
    println!("read-only connection open: {}", ms(median(&mut opens)));
}
