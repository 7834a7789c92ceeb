// SPDX-License-Identifier: LGPL-2.1-or-later
//! What benches/check.rs and benches/cli.rs share: a libvirtd serving the bundled test hosts
//! (tests/common/daemon.rs, started by tests/libvirtd-session.sh), medians, and the table they
//! print. Plain `main`s (harness = false), not criterion: each measures a target and its limit
//! in the same run, interleaved so that the machine's load falls on both alike.
#![allow(dead_code)]

use std::time::{Duration, Instant};

#[path = "../../tests/common/daemon.rs"]
pub mod daemon;

/// Runs of each measurement; `BENCH_RUNS` overrides.
pub fn runs(default: usize) -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// How long `f` takes; what it returns is dropped after the clock stops (a connection's close
/// is not its open).
pub fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let out = std::hint::black_box(f());
    let elapsed = start.elapsed();
    drop(out);
    elapsed
}

/// The median of `samples`.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// One row of a target: what was measured against its limit, the ratio, and whether the target
/// (a ratio of at most `max`) is met.
pub fn target(name: &str, measured: Duration, limit: Duration, max: f64) {
    let ratio = measured.as_secs_f64() / limit.as_secs_f64();
    let met = if ratio <= max { "target met" } else { "not met" };
    println!("{name}: {} / {} = {ratio:.2} (target <= {max}): {met}", ms(measured), ms(limit));
}
