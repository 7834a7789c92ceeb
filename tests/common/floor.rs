// SPDX-License-Identifier: LGPL-2.1-or-later
//! The RPC floor of a cold check of every check: the libvirt calls `virt_migration_check::check`
//! makes (src/libvirt/gather.rs `fill`, `guest_migrating`), issued directly through the `virt`
//! crate with nothing parsed, each independent call on its own thread, both connections at once.
//! Its wall time is the physical limit a cold check is measured against (benches/check.rs);
//! tests/rpc_floor.rs holds it to the very procedures a cold check sends, so it cannot drift.
//!
//! Issued two ways (`Mode`): every independent call on its own thread (the critical path the
//! issue names), and one after the other. The bench takes the faster as the limit: on a loaded
//! machine, starting a thread per call can cost more than the round trip it overlaps.
//!
//! Two stages, because the check cannot know which host facts to ask for before it has read the
//! guest: stage 0 is the guest's state and definition (the source), stage 1 everything else, on
//! both connections at the same time. A chain of dependent calls (a listing, then a call per
//! object it lists) is one thread whose per-object calls run concurrently again.
#![allow(dead_code)]

use std::ffi::CString;
use std::os::raw::c_int;
use std::thread::{Scope, scope};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;
use virt_migration_check::facts::{DiskSource, GuestState};

/// What stage 1 needs from the guest's definition, read once before the floor is timed (the
/// check parses the definition; the floor must not).
pub struct Guest {
    /// The first disk with a source and a target (the test driver answers "unsupported" to the
    /// first block job query, and the check stops there).
    pub block_job_target: Option<CString>,
    /// The disks' volumes by path and by (pool, volume), each once, in the definition's order.
    pub by_path: Vec<String>,
    pub by_name: Vec<(String, String)>,
}

impl Guest {
    pub fn read(dom: &Domain) -> Guest {
        let xml = dom.xml_desc(0).unwrap();
        let def = virt_migration_check::xml::domain::parse_domain(&xml, "domain XML").unwrap();
        let disks: Vec<_> = def.disks.iter().filter(|d| !d.is_empty() && !d.target.is_empty()).collect();
        let mut by_path = Vec::new();
        let mut by_name = Vec::new();
        for disk in &def.disks {
            match &disk.source {
                DiskSource::Path { path, .. } if !by_path.contains(path) => by_path.push(path.clone()),
                DiskSource::Volume { pool, volume } if !by_name.contains(&(pool.clone(), volume.clone())) => {
                    by_name.push((pool.clone(), volume.clone()))
                }
                _ => {}
            }
        }
        Guest { block_job_target: disks.first().map(|d| CString::new(d.target.as_str()).unwrap()), by_path, by_name }
    }
}

/// How the calls are issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every independent call on its own thread, both connections at once: the critical path,
    /// less what thread starts and the daemon's own serialization cost.
    Concurrent,
    /// One after the other on one thread: the sum of the round trips, no thread started.
    Sequential,
}

/// Runs `f` on a thread of `s` (Concurrent) or now (Sequential).
fn go<'s, 'e: 's, T: Send + 's>(s: &'s Scope<'s, 'e>, mode: Mode, f: impl FnOnce() -> T + Send + 's) {
    match mode {
        Mode::Concurrent => {
            s.spawn(f);
        }
        Mode::Sequential => drop(f()),
    }
}

/// Runs the floor once: stage 0, then stage 1 on both connections (at the same time when
/// Concurrent).
pub fn run(src: &Connect, dst: &Connect, dom: &Domain, guest: &Guest, mode: Mode) {
    scope(|s| {
        // The state, its reason and whether it is persistent: one virDomainListGetStats of the
        // guest alone, filtered by persistence (gather::state_and_persistence).
        go(s, mode, || {
            // SAFETY: `doms` is a NULL-terminated array of one valid domain; the records are freed.
            unsafe {
                let mut doms = [dom.as_ptr(), std::ptr::null_mut()];
                let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
                let n = sys::virDomainListGetStats(
                    doms.as_mut_ptr(),
                    sys::VIR_DOMAIN_STATS_STATE,
                    &mut records,
                    sys::VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT,
                );
                if n >= 0 {
                    sys::virDomainStatsRecordListFree(records);
                }
            }
        });
        go(s, mode, || dom.xml_desc(0).unwrap());
    });
    scope(|s| {
        go(s, mode, || source(src, dom, guest, mode));
        go(s, mode, || destination(dst, guest, mode));
    });
}

/// The guest's other reads and the source's host facts.
fn source(conn: &Connect, dom: &Domain, guest: &Guest, mode: Mode) {
    scope(|s| {
        // Persistent (the stats said so) and running: its inactive definition too.
        go(s, mode, || dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).unwrap());
        // SAFETY: `dom` is valid for the call.
        go(s, mode, || unsafe { sys::virDomainSnapshotNum(dom.as_ptr(), 0) });
        if let Some(target) = &guest.block_job_target {
            go(s, mode, move || {
                let mut info = sys::virDomainBlockJobInfo { type_: 0, bandwidth: 0, cur: 0, end: 0 };
                // SAFETY: as above; `target` is NUL-terminated and `info` written by libvirt.
                unsafe { sys::virDomainGetBlockJobInfo(dom.as_ptr(), target.as_ptr(), &mut info, 0) };
            });
        }
        common_facts(s, conn, guest, mode);
    });
}

/// The destination's host facts: those both hosts give, and the capacity and interfaces.
fn destination(conn: &Connect, guest: &Guest, mode: Mode) {
    scope(|s| {
        common_facts(s, conn, guest, mode);
        go(s, mode, || conn.node_info().unwrap());
        // virNodeGetMemoryStats first, virNodeGetFreeMemory where it gives no figure.
        go(s, mode, || {
            let mut stats = [sys::virNodeMemoryStats { field: [0; 80], value: 0 }; 4];
            let mut n: c_int = 4;
            // SAFETY: `stats` has room for `n` entries.
            let rc = unsafe {
                sys::virNodeGetMemoryStats(
                    conn.as_ptr(),
                    sys::VIR_NODE_MEMORY_STATS_ALL_CELLS,
                    stats.as_mut_ptr(),
                    &mut n,
                    0,
                )
            };
            if rc != 0 {
                // SAFETY: the connection is valid for the call.
                unsafe { sys::virNodeGetFreeMemory(conn.as_ptr()) };
            }
        });
        go(s, mode, || domains(conn, mode));
        for flag in [sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE] {
            go(s, mode, move || conn.list_all_interfaces(flag).unwrap());
        }
    });
}

/// What the check asks of either host: versions, capabilities, pools, networks, the guest's
/// volumes.
fn common_facts<'s, 'e: 's>(s: &'s Scope<'s, 'e>, conn: &'e Connect, guest: &'e Guest, mode: Mode) {
    go(s, mode, || conn.hostname().unwrap());
    go(s, mode, || conn.driver_type().unwrap());
    go(s, mode, || conn.hyp_version().unwrap());
    go(s, mode, || conn.lib_version().unwrap());
    go(s, mode, || conn.capabilities().unwrap());
    go(s, mode, move || {
        let pools = conn.list_all_storage_pools(0).unwrap();
        scope(|s| {
            for pool in &pools {
                go(s, mode, || pool.is_active().unwrap());
                go(s, mode, || pool.xml_desc(0).unwrap());
            }
        });
    });
    go(s, mode, move || {
        let networks = conn.list_all_networks(0).unwrap();
        scope(|s| {
            for net in &networks {
                go(s, mode, || net.is_active().unwrap());
                go(s, mode, || net.xml_desc(0).unwrap());
            }
        });
    });
    for path in &guest.by_path {
        go(s, mode, move || {
            if let Ok(vol) = conn.lookup_storage_vol_by_path(path) {
                volume(&vol, mode);
            }
        });
    }
    for (pool, name) in &guest.by_name {
        go(s, mode, move || {
            let Ok(pool) = conn.lookup_storage_pool_by_name(pool) else { return };
            if let Ok(vol) = pool.lookup_storage_vol_by_name(name) {
                volume(&vol, mode);
            }
        });
    }
}

/// A found volume's path and definition (its name and key come with the lookup).
fn volume(vol: &virt::storage_vol::StorageVol, mode: Mode) {
    scope(|s| {
        go(s, mode, || vol.path().unwrap());
        go(s, mode, || vol.xml_desc(0).unwrap());
    });
}

/// Every domain's state and memory in one round trip, and the info of each running domain the
/// driver gives no balloon figure for.
fn domains(conn: &Connect, mode: Mode) {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: libvirt fills `records` with a NULL-terminated list freed below.
    let n = unsafe {
        sys::virConnectGetAllDomainStats(
            conn.as_ptr(),
            sys::VIR_DOMAIN_STATS_STATE | sys::VIR_DOMAIN_STATS_BALLOON,
            &mut records,
            0,
        )
    };
    let mut need_info = Vec::new();
    for i in 0..n.max(0) as usize {
        // SAFETY: `records` holds `n` valid records until freed.
        let record = unsafe { &**records.add(i) };
        let (mut running, mut balloon) = (false, false);
        for p in 0..record.nparams.max(0) as usize {
            // SAFETY: `params` holds `nparams` typed parameters with NUL-terminated names.
            let param = unsafe { &*record.params.add(p) };
            match unsafe { std::ffi::CStr::from_ptr(param.field.as_ptr()) }.to_bytes() {
                // SAFETY: state.state is an int.
                b"state.state" => running = GuestState::from_libvirt(unsafe { param.value.i }).is_active(),
                b"balloon.current" => balloon = true,
                _ => {}
            }
        }
        if running && !balloon {
            need_info.push(record.dom as usize);
        }
    }
    scope(|s| {
        for dom in &need_info {
            go(s, mode, move || {
                let mut info = sys::virDomainInfo { state: 0, maxMem: 0, memory: 0, nrVirtCpu: 0, cpuTime: 0 };
                // SAFETY: the record's domain stays valid until the list is freed below.
                unsafe { sys::virDomainGetInfo(*dom as sys::virDomainPtr, &mut info) };
            });
        }
    });
    if n >= 0 {
        // SAFETY: frees the list once, after every use of its domains.
        unsafe { sys::virDomainStatsRecordListFree(records) };
    }
}
