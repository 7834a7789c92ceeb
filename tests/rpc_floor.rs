// SPDX-License-Identifier: LGPL-2.1-or-later
//! The RPC floor of benches/check.rs (tests/common/floor.rs) sends exactly the procedures a cold
//! check of every check sends, on each connection, counted on the wire as tests/rpc.rs counts
//! them (libvirt's client-side RPC log, LIBVIRT_LOG_FILTERS=1:rpc): a floor that left a call out
//! would make the bench's ratio flatter the check, one with a call too many would hide a cost.
//! One test: the log settings must be in place before the process first calls libvirt.

mod common;
// Not in common/mod.rs: only this test and benches/check.rs use it.
#[path = "common/floor.rs"]
mod floor;

use std::collections::BTreeMap;

use common::daemon::Daemon;
use virt::connect::Connect;

/// How many messages of each procedure each connection (client address) sent after byte `from`.
fn sent(log: &str, from: usize) -> BTreeMap<String, BTreeMap<u32, usize>> {
    let mut out: BTreeMap<String, BTreeMap<u32, usize>> = BTreeMap::new();
    for line in log[from..].lines().filter(|l| l.contains("RPC_CLIENT_MSG_TX_QUEUE")) {
        let client = line.split("client=").nth(1).and_then(|r| r.split(' ').next());
        let proc = line.split(" proc=").nth(1).and_then(|r| r.split(' ').next()).and_then(|p| p.parse().ok());
        if let (Some(client), Some(proc)) = (client, proc) {
            *out.entry(client.to_string()).or_default().entry(proc).or_default() += 1;
        }
    }
    out
}

/// The source's procedures and the destination's: the source is the connection that asked for
/// the guest's definition (virDomainGetXMLDesc, procedure 14).
fn by_role(sent: BTreeMap<String, BTreeMap<u32, usize>>) -> [BTreeMap<u32, usize>; 2] {
    assert_eq!(sent.len(), 2, "both connections are asked: {sent:?}");
    let (mut source, mut destination): (Vec<_>, Vec<_>) = sent.into_values().partition(|m| m.contains_key(&14));
    assert_eq!((source.len(), destination.len()), (1, 1), "one connection reads the guest");
    [source.remove(0), destination.remove(0)]
}

#[test]
fn the_floor_sends_what_a_cold_check_sends() {
    let log_path = std::env::temp_dir().join(format!("vmc-rpc-floor-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log_path);
    // SAFETY: set before any thread of this process calls libvirt (this is the only test here).
    unsafe {
        std::env::set_var("LIBVIRT_LOG_FILTERS", "1:rpc");
        std::env::set_var("LIBVIRT_LOG_OUTPUTS", format!("1:file:{}", log_path.display()));
    }
    virt::error::clear_error_callback();
    let daemon = Daemon::start("rpc-floor");
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    // A destination that has everything web1 uses, and one that has nothing right.
    // Fresh connections for each: the remote driver remembers a connection's type after the first
    // virConnectGetType, and a cold check is one on connections that have not been asked yet.
    let open = |dst_name: &str| {
        let src = Connect::open_read_only(Some(&daemon.uri("src"))).unwrap();
        let dst = Connect::open_read_only(Some(&daemon.uri(dst_name))).unwrap();
        let dom = src.lookup_domain_by_name("web1").unwrap();
        (src, dst, dom)
    };
    for dst_name in ["dst-ok", "dst-all-wrong"] {
        let (src, dst, dom) = open(dst_name);
        let before = read_log().len();
        virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
        let check = by_role(sent(&read_log(), before));

        for mode in [floor::Mode::Concurrent, floor::Mode::Sequential] {
            let (src, dst, dom) = open(dst_name);
            let guest = floor::Guest::read(&dom);
            let before = read_log().len();
            floor::run(&src, &dst, &dom, &guest, mode);
            let floor = by_role(sent(&read_log(), before));
            assert_eq!(
                floor, check,
                "against {dst_name}, {mode:?}: the floor's procedures (right) are not the check's"
            );
        }
        let total: usize = check.iter().flat_map(|m| m.values()).sum();
        println!("against {dst_name}: {total} RPCs, the same procedures from the check and the floor");
    }
    drop(daemon);
    let _ = std::fs::remove_file(&log_path);
}
