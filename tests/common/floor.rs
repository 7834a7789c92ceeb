//! The RPC floor of a cold check of every check: the libvirt calls `virt_migration_check::check`
//! makes (src/libvirt/gather.rs `fill`, `guest_migrating`), issued directly through the `virt`
//! crate with nothing parsed, each independent call on its own thread, both connections at once.
//! Its wall time is the physical limit a cold check is measured against (benches/check.rs);
//! tests/rpc_floor.rs holds it to the very procedures a cold check sends, so it cannot drift.
//!
//! Two stages, because the check cannot know which host facts to ask for before it has read the
//! guest: stage 0 is the guest's state and definition (the source), stage 1 everything else, on
//! both connections at the same time. A chain of dependent calls (a listing, then a call per
//! object it lists) is one thread whose per-object calls run concurrently again.
#![allow(dead_code)]

use std::ffi::CString;
use std::os::raw::c_int;
use std::thread::scope;

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

/// Runs the floor once: stage 0, then stage 1 on both connections at the same time.
pub fn run(src: &Connect, dst: &Connect, dom: &Domain, guest: &Guest) {
    scope(|s| {
        s.spawn(|| {
            let (mut state, mut reason): (c_int, c_int) = (0, 0);
            // SAFETY: `dom` is valid for the call.
            unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) };
        });
        s.spawn(|| dom.xml_desc(0).unwrap());
    });
    scope(|s| {
        s.spawn(|| source(src, dom, guest));
        s.spawn(|| destination(dst, guest));
    });
}

/// The guest's other reads and the source's host facts.
fn source(conn: &Connect, dom: &Domain, guest: &Guest) {
    scope(|s| {
        // Persistent and running: its inactive definition too.
        s.spawn(|| {
            if dom.is_persistent().unwrap() {
                dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).unwrap();
            }
        });
        // SAFETY: `dom` is valid for the call.
        s.spawn(|| unsafe { sys::virDomainSnapshotNum(dom.as_ptr(), 0) });
        if let Some(target) = &guest.block_job_target {
            s.spawn(move || {
                let mut info = sys::virDomainBlockJobInfo { type_: 0, bandwidth: 0, cur: 0, end: 0 };
                // SAFETY: as above; `target` is NUL-terminated and `info` written by libvirt.
                unsafe { sys::virDomainGetBlockJobInfo(dom.as_ptr(), target.as_ptr(), &mut info, 0) };
            });
        }
        common_facts(s, conn, guest);
    });
}

/// The destination's host facts: those both hosts give, and the capacity and interfaces.
fn destination(conn: &Connect, guest: &Guest) {
    scope(|s| {
        common_facts(s, conn, guest);
        s.spawn(|| conn.node_info().unwrap());
        // virNodeGetMemoryStats first, virNodeGetFreeMemory where it gives no figure.
        s.spawn(|| {
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
        s.spawn(|| domains(conn));
        for flag in [sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE] {
            s.spawn(move || conn.list_all_interfaces(flag).unwrap());
        }
    });
}

/// What the check asks of either host: versions, capabilities, pools, networks, the guest's
/// volumes.
fn common_facts<'s, 'e: 's>(s: &'s std::thread::Scope<'s, 'e>, conn: &'e Connect, guest: &'e Guest) {
    s.spawn(|| conn.hostname().unwrap());
    s.spawn(|| conn.driver_type().unwrap());
    s.spawn(|| conn.hyp_version().unwrap());
    s.spawn(|| conn.lib_version().unwrap());
    s.spawn(|| conn.capabilities().unwrap());
    s.spawn(|| {
        let pools = conn.list_all_storage_pools(0).unwrap();
        scope(|s| {
            for pool in &pools {
                s.spawn(|| pool.is_active().unwrap());
                s.spawn(|| pool.xml_desc(0).unwrap());
            }
        });
    });
    s.spawn(|| {
        let networks = conn.list_all_networks(0).unwrap();
        scope(|s| {
            for net in &networks {
                s.spawn(|| net.is_active().unwrap());
                s.spawn(|| net.xml_desc(0).unwrap());
            }
        });
    });
    for path in &guest.by_path {
        s.spawn(move || {
            if let Ok(vol) = conn.lookup_storage_vol_by_path(path) {
                volume(&vol);
            }
        });
    }
    for (pool, name) in &guest.by_name {
        s.spawn(move || {
            let Ok(pool) = conn.lookup_storage_pool_by_name(pool) else { return };
            if let Ok(vol) = pool.lookup_storage_vol_by_name(name) {
                volume(&vol);
            }
        });
    }
}

/// A found volume's path and definition (its name and key come with the lookup).
fn volume(vol: &virt::storage_vol::StorageVol) {
    scope(|s| {
        s.spawn(|| vol.path().unwrap());
        s.spawn(|| vol.xml_desc(0).unwrap());
    });
}

/// Every domain's state and memory in one round trip, and the info of each running domain the
/// driver gives no balloon figure for.
fn domains(conn: &Connect) {
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
            s.spawn(move || {
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
