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

use common::daemon::Daemon;
use floor::{by_role, sent};
use virt::connect::Connect;

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
            let guest = floor::Guest::read(&dom, &dst);
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
