// SPDX-License-Identifier: LGPL-2.1-or-later
//! The checks over libvirt's remote protocol: a real libvirtd serving the test-driver hosts on
//! a unix socket (test+unix://), stopped by PID at the end.

mod common;

use common::daemon::Daemon;
use common::{open, problems};
use std::time::{Duration, Instant};
use virt::connect::Connect;

use virt_migration_check::{Error, Options, Verdict};

#[test]
fn checks_over_the_remote_protocol_match_the_in_process_ones() {
    virt::error::clear_error_callback();
    let daemon = Daemon::start("remote");
    let src = Connect::open_read_only(Some(&daemon.uri("src"))).unwrap();
    let dom = src.lookup_domain_by_name("web1").unwrap();
    for host in ["dst-ok", "dst-all-wrong", "dst-other-key", "dst-missing-volume"] {
        let remote_dst = Connect::open_read_only(Some(&daemon.uri(host))).unwrap();
        let remote = virt_migration_check::check(&src, &remote_dst, &dom, 0).unwrap();
        let local = common::check_web1(&open(host), 0);
        assert_eq!(problems(&remote), problems(&local), "{host}");
    }
    let ok = Connect::open_read_only(Some(&daemon.uri("dst-ok"))).unwrap();
    // WARNING, not OK: network_model and disk_model cannot run against the test driver.
    let report = virt_migration_check::check(&src, &ok, &dom, 0).unwrap();
    assert!(problems(&report).is_empty(), "{report:#?}");
    assert_eq!(report.verdict(), Verdict::Warning);
}

#[test]
fn a_destination_whose_daemon_died_fails_cleanly() {
    virt::error::clear_error_callback();
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let mut daemon = Daemon::start("dead");
    let dst = Connect::open_read_only(Some(&daemon.uri("dst-ok"))).unwrap();
    assert!(virt_migration_check::check(&src, &dst, &dom, 0).is_ok());
    daemon.kill();
    let err = virt_migration_check::check(&src, &dst, &dom, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_) | Error::Libvirt { .. }), "{err}");
    // The connection is now known dead: the next call says so up front.
    let err = virt_migration_check::check(&src, &dst, &dom, 0).unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("closed")), "{err}");
}

#[test]
fn a_destination_that_stops_answering_times_out_at_the_deadline() {
    virt::error::clear_error_callback();
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let daemon = Daemon::start("stopped");
    let dst = Connect::open_read_only(Some(&daemon.uri("dst-ok"))).unwrap();
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.timeout = Some(Duration::from_millis(1_500));
    let healthy = virt_migration_check::check_with_options(&src, &dst, &dom, &options).unwrap();

    daemon.signal(libc::SIGSTOP);
    for attempt in 0..2 {
        let start = Instant::now();
        let err = virt_migration_check::check_with_options(&src, &dst, &dom, &options).unwrap_err();
        let waited = start.elapsed();
        assert!(
            matches!(&err, Error::Timeout(m) if m.contains("the check of 'web1' (deadline 1500 ms) got no answer in time")),
            "{err}"
        );
        assert!(
            waited >= Duration::from_millis(1_500) && waited < Duration::from_millis(2_500),
            "attempt {attempt}: {waited:?}"
        );
    }
    // It goes on: the connection serves the next call, with the same answer as before.
    daemon.signal(libc::SIGCONT);
    let again = virt_migration_check::check_with_options(&src, &dst, &dom, &options).unwrap();
    assert_eq!(again.findings, healthy.findings);
}

fn domains<'a>(
    domains: &'a [&'a virt::domain::Domain],
    source_of: &'a [usize],
) -> virt_migration_check::fleet::Guests<'a> {
    virt_migration_check::fleet::Guests::Domains { domains, source_of }
}

#[test]
fn a_stopped_host_in_a_fleet_check_costs_its_column_not_the_call() {
    virt::error::clear_error_callback();
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let (healthy, stopped) = (Daemon::start("fleet-up"), Daemon::start("fleet-stopped"));
    let up = Connect::open_read_only(Some(&healthy.uri("dst-ok"))).unwrap();
    let down = Connect::open_read_only(Some(&stopped.uri("dst-ok"))).unwrap();
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.timeout = Some(Duration::from_millis(1_500));
    stopped.signal(libc::SIGSTOP);
    let start = Instant::now();
    let matrix =
        virt_migration_check::fleet::check_matrix(&[&src], domains(&[&dom], &[0]), &[&up, &down], &options).unwrap();
    let waited = start.elapsed();
    stopped.signal(libc::SIGCONT);
    assert!(waited < Duration::from_millis(2_500), "{waited:?}");
    assert!(matrix.cells[0][0].is_ok(), "{:?}", matrix.cells[0][0]);
    assert!(
        matches!(&matrix.cells[0][1], Err(Error::Timeout(m)) if m.contains("gathering the facts of \
            test+unix://") && m.contains("fleet-stopped")),
        "{:?}",
        matrix.cells[0][1]
    );
}

#[test]
fn a_stopped_source_in_a_fleet_check_costs_its_rows_not_the_call() {
    virt::error::clear_error_callback();
    let (healthy, stopped) = (Daemon::start("fleet-src-up"), Daemon::start("fleet-src-stopped"));
    let up = Connect::open_read_only(Some(&healthy.uri("src"))).unwrap();
    let down = Connect::open_read_only(Some(&stopped.uri("src"))).unwrap();
    let (dom_up, dom_down) = (up.lookup_domain_by_name("web1").unwrap(), down.lookup_domain_by_name("web1").unwrap());
    let dst = open("dst-ok");
    let mut options = Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.timeout = Some(Duration::from_millis(1_500));
    stopped.signal(libc::SIGSTOP);
    let start = Instant::now();
    let matrix = virt_migration_check::fleet::check_matrix(
        &[&up, &down],
        domains(&[&dom_up, &dom_down], &[0, 1]),
        &[&dst],
        &options,
    )
    .unwrap();
    let waited = start.elapsed();
    stopped.signal(libc::SIGCONT);
    // Before: the guest of the stopped source was read with no deadline, after its host
    // facts had timed out, and the call never returned.
    assert!(waited < Duration::from_millis(2_500), "{waited:?}");
    assert!(matrix.cells[0][0].is_ok(), "{:?}", matrix.cells[0][0]);
    assert!(
        matches!(&matrix.cells[1][0], Err(Error::Timeout(m)) if m.contains("fleet-src-stopped")),
        "{:?}",
        matrix.cells[1][0]
    );
}

#[test]
fn snapshots_over_the_remote_protocol_give_the_live_answer() {
    virt::error::clear_error_callback();
    let daemon = Daemon::start("snapshot");
    let src = Connect::open_read_only(Some(&daemon.uri("src"))).unwrap();
    let dst = Connect::open_read_only(Some(&daemon.uri("dst-all-wrong"))).unwrap();
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let live = virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
    let src_snapshot = virt_migration_check::snapshot_xml(&src).unwrap();
    let dst_snapshot = virt_migration_check::snapshot_xml(&dst).unwrap();
    let offline =
        virt_migration_check::check_xml(&dom.xml_desc(0).unwrap(), Some(&src_snapshot), &dst_snapshot, 0).unwrap();
    assert_eq!(live, offline);
    assert_eq!(problems(&live).len(), 8);
}

#[test]
fn a_fact_the_daemon_refuses_a_read_only_client_hints_to_open_read_write() {
    // The daemon opens its driver read-only for a read-only client, so libvirt's public API
    // refuses domain capabilities there with the same error as in-process; a read-write
    // client gets the test driver's own answer (it has none), with no such hint.
    virt::error::clear_error_callback();
    let daemon = Daemon::start("readonly");
    let flags = virt_migration_check::Check::from_name("disk_model").unwrap().bit().bits();
    let finding = |read_only: bool| {
        let open = |host: &str| match read_only {
            true => Connect::open_read_only(Some(&daemon.uri(host))).unwrap(),
            false => Connect::open(Some(&daemon.uri(host))).unwrap(),
        };
        let (src, dst) = (open("src"), open("dst-ok"));
        let dom = src.lookup_domain_by_name("web1").unwrap();
        virt_migration_check::check(&src, &dst, &dom, flags).unwrap().findings.remove(0)
    };
    let read_only = finding(true);
    assert_eq!(read_only.code, "disk_model.unavailable");
    assert!(
        read_only.message.contains("operation forbidden: read only access prevents virConnectGetDomainCapabilities"),
        "{}",
        read_only.message
    );
    assert_eq!(
        read_only.hint.as_deref(),
        Some("open the connection read-write (virConnectOpen, not virConnectOpenReadOnly; the CLI without -r)")
    );
    let read_write = finding(false);
    assert_eq!(read_write.code, "disk_model.unavailable");
    assert!(read_write.message.contains("not supported"), "{}", read_write.message);
    assert_eq!(read_write.hint, None);
}
