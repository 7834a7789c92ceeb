// SPDX-License-Identifier: LGPL-2.1-or-later
//! Each fact once per call, counted on the wire: libvirt's client-side RPC log
//! (LIBVIRT_LOG_FILTERS=1:rpc) records every message the client sends, with its connection and
//! procedure number. A check over a real libvirtd must not send a guest-independent
//! procedure twice on one connection, and a warm check with cached host facts must send at most
//! two messages to the destination, and at most two in all for the checks that read neither the
//! guest's persistent definition nor its snapshots and block jobs. This file holds one test: the
//! log settings must be in place before the process first calls libvirt.
//!
//! What a warm check of the bundled host `src`'s guest web1 (running, persistent, three disks)
//! sends, all on the source: its live XML (virDomainGetXMLDesc) and one virDomainListGetStats
//! for its state, reason and persistence; with CPU_FLAGS its persistent XML
//! (virDomainGetXMLDesc(INACTIVE): whether it restarts host-model, which the live XML of a
//! running guest no longer shows); with DEVICES its snapshot count (virDomainSnapshotNum) and a
//! virDomainGetBlockJobInfo per disk until the driver says it cannot tell (the test driver
//! lacks the call: one message). libvirt has no call that gives several of these at once: its
//! bulk stats carry no snapshots, block jobs or definitions, and virDomainGetBlockJobInfo names
//! one disk; so a warm check of every check sends 5, and a guest with N disks on a driver that
//! answers block job queries 4 + N.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::daemon::Daemon;
use virt::connect::Connect;
use virt_migration_check::{Check, Flags};

/// Procedure numbers (libvirt's remote_protocol.x) that ask for a fact of the whole host.
const HOST_FACTS: &[(u32, &str)] = &[
    (4, "CONNECT_GET_VERSION"),
    (6, "NODE_GET_INFO"),
    (7, "CONNECT_GET_CAPABILITIES"),
    (59, "CONNECT_GET_HOSTNAME"),
    (102, "NODE_GET_FREE_MEMORY"),
    (157, "CONNECT_GET_LIB_VERSION"),
    (228, "NODE_GET_MEMORY_STATS"),
    (281, "CONNECT_LIST_ALL_NETWORKS"),
    (283, "CONNECT_LIST_ALL_STORAGE_POOLS"),
    (344, "CONNECT_GET_ALL_DOMAIN_STATS"),
];

/// `(client, procedure)` of every message sent after byte `from` of the log.
fn sent(log: &str, from: usize) -> Vec<(String, u32)> {
    log[from..]
        .lines()
        .filter(|l| l.contains("RPC_CLIENT_MSG_TX_QUEUE"))
        .filter_map(|l| {
            let client = l.split("client=").nth(1)?.split(' ').next()?.to_string();
            let proc = l.split(" proc=").nth(1)?.split(' ').next()?.parse().ok()?;
            Some((client, proc))
        })
        .collect()
}

#[test]
fn each_fact_once_and_a_warm_check_leaves_the_destination_alone() {
    let log_path = std::env::temp_dir().join(format!("vmc-rpc-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log_path);
    // SAFETY: set before any thread of this process calls libvirt (this is the only test here).
    unsafe {
        std::env::set_var("LIBVIRT_LOG_FILTERS", "1:rpc");
        std::env::set_var("LIBVIRT_LOG_OUTPUTS", format!("1:file:{}", log_path.display()));
    }
    virt::error::clear_error_callback();
    let daemon = Daemon::start("rpc");
    let src = Connect::open_read_only(Some(&daemon.uri("src"))).unwrap();
    let dst = Connect::open_read_only(Some(&daemon.uri("dst-all-wrong"))).unwrap();
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // Cold, every check: no host fact twice on either connection.
    let before = read_log().len();
    let start = Instant::now();
    let report = virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
    let cold = start.elapsed();
    assert!(report.errors().count() >= 7);
    let messages = sent(&read_log(), before);
    let mut counts: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for m in &messages {
        *counts.entry(m.clone()).or_default() += 1;
    }
    for ((client, proc), n) in &counts {
        if let Some((_, name)) = HOST_FACTS.iter().find(|(p, _)| p == proc) {
            assert_eq!(*n, 1, "{name} sent {n} times on connection {client}");
        }
    }
    println!("cold check: {} RPCs on 2 connections in {cold:?}", messages.len());

    // Warm, with cached host facts: the first call fills the cache, the second sends at most
    // two messages to the destination. The destination's connection is the one that asked for
    // node info in the cold run (only the destination's is needed).
    let flags = Flags::CACHE.bits();
    virt_migration_check::check(&src, &dst, &dom, flags).unwrap();
    let before = read_log().len();
    let start = Instant::now();
    let warm_report = virt_migration_check::check(&src, &dst, &dom, flags).unwrap();
    let warm = start.elapsed();
    let warm_messages = sent(&read_log(), before);
    let node_info: Vec<&String> = counts.keys().filter(|(_, p)| *p == 6).map(|(c, _)| c).collect();
    assert_eq!(node_info.len(), 1, "node info asked on one connection only: {counts:?}");
    let to_dst = warm_messages.iter().filter(|(c, _)| c == node_info[0]).count();
    assert!(to_dst <= 2, "a warm check sent {to_dst} messages to the destination: {warm_messages:?}");
    assert_eq!(warm_report, report, "cached facts give the same answer");
    println!("warm check: {} RPCs in all, {to_dst} to the destination, in {warm:?}", warm_messages.len());
    assert!(warm_messages.len() <= 5, "a warm check of every check sent {warm_messages:?}");

    // Warm, per selection: two messages for the guest's XML and state, one more with CPU_FLAGS,
    // two more with DEVICES (see the top of this file); each gives the cold check's answer.
    let every = virt_migration_check::supported_checks();
    let (cpu_flags, devices) = (Check::CpuFlags.bit(), Check::Devices.bit());
    for (selection, most) in [(every - cpu_flags - devices, 2), (every - devices, 3), (every - cpu_flags, 4)] {
        let cold = virt_migration_check::check(&src, &dst, &dom, selection.bits()).unwrap();
        let flags = (selection | Flags::CACHE).bits();
        let before = read_log().len();
        let warm = virt_migration_check::check(&src, &dst, &dom, flags).unwrap();
        let messages = sent(&read_log(), before);
        assert!(messages.len() <= most, "a warm check of {selection:?} sent {} RPCs: {messages:?}", messages.len());
        assert_eq!(warm, cold, "cached facts give the same answer for {selection:?}");
        // The median of many warm calls (with the RPC log on, which costs time of its own).
        let mut times: Vec<_> = (0..200)
            .map(|_| {
                let start = Instant::now();
                virt_migration_check::check(&src, &dst, &dom, flags).unwrap();
                start.elapsed()
            })
            .collect();
        times.sort();
        println!("warm check of {selection:?}: {} RPCs, median {:?} of 200", messages.len(), times[100]);
    }
    virt_migration_check::libvirt::cache::invalidate(None);
    drop(daemon);
    let _ = std::fs::remove_file(&log_path);
}
