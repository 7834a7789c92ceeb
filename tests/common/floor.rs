// SPDX-License-Identifier: LGPL-2.1-or-later
//! The RPC floor of a cold check of every check: the libvirt calls `virt_migration_check::check`
//! makes (src/libvirt/gather.rs `fill`, `guest_for`), issued directly through the `virt` crate
//! with nothing parsed, each independent call on its own thread, both connections at once.
//! Its wall time is the physical limit a cold check is measured against (benches/check.rs, and
//! on the QEMU bed examples/bed_timing.rs); tests/rpc_floor.rs (the test driver) and
//! tests/e2e/test_rpc_floor.py (libvirtd + QEMU) hold it to the very procedures a cold check
//! sends, so it cannot drift.
//!
//! Issued two ways (`Mode`): every independent call on its own thread (the critical path the
//! issue names), and one after the other. The caller takes the faster as the limit: on a loaded
//! machine, starting a thread per call can cost more than the round trip it overlaps.
//!
//! Two stages, because the check cannot know which host facts to ask for before it has read the
//! guest: stage 0 is the guest's state and definition (the source), stage 1 everything else, on
//! both connections at the same time. A chain of dependent calls (a listing, then a call per
//! object it lists) is one thread whose per-object calls run concurrently again.
//!
//! What the check decides from a document it parses (the guest's disks, CPU and machine; the
//! destination's NUMA cells and page sizes) is read once by `Guest::read`, before the floor is
//! timed; what it decides from a call's outcome (a refused call not followed by the next of its
//! chain, a transient guest's state asked separately) the floor decides from the same outcome.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::raw::c_int;
use std::thread::{Scope, scope};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::ErrorNumber;
use virt::sys;
use virt_migration_check::facts::{DiskSource, GuestState};

/// What stage 1 needs from the guest's definition and the hosts' documents, read once before the
/// floor is timed (the check parses them; the floor must not).
pub struct Guest {
    /// Whether the guest is persistent and running: a transient guest's state is asked apart
    /// (the persistent-only stats give it no record), a stopped one has no live state to read.
    pub persistent: bool,
    pub active: bool,
    /// The disks with a source and a target, in the definition's order: one block job query
    /// each, until one fails (the test driver answers "unsupported" to the first).
    pub block_job_targets: Vec<CString>,
    /// The disks' volumes by path and by (pool, volume), each once, in the definition's order.
    pub by_path: Vec<String>,
    pub by_name: Vec<(String, String)>,
    /// What the domain capabilities are asked for: arch, machine, virt type.
    pub arch: Option<String>,
    pub machine: Option<String>,
    pub virt_type: Option<String>,
    /// The guest's `<cpu>` as the hypervisor's CPU comparison gets it, for a named custom model.
    pub cpu_xml: Option<CString>,
    /// The destination's NUMA cells and huge page sizes (its capabilities), and whether its
    /// interfaces can be listed (the second listing follows only a first that worked).
    pub dst_cells: u32,
    pub dst_page_sizes: Vec<u32>,
    pub dst_interfaces: bool,
}

impl Guest {
    pub fn read(dom: &Domain, dst: &Connect) -> Guest {
        let xml = dom.xml_desc(0).unwrap();
        let def = virt_migration_check::xml::domain::parse_domain(&xml, "domain XML").unwrap();
        let disks = def.disks.iter().filter(|d| !d.is_empty() && !d.target.is_empty());
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
        let named = def.cpu.as_ref().is_some_and(|c| c.mode() == "custom" && c.model.is_some());
        let caps =
            dst.capabilities().ok().and_then(|x| virt_migration_check::xml::snapshot::parse_capabilities(&x).ok());
        Guest {
            persistent: dom.is_persistent().unwrap(),
            active: dom.is_active().unwrap(),
            block_job_targets: disks.map(|d| CString::new(d.target.as_str()).unwrap()).collect(),
            by_path,
            by_name,
            arch: def.arch.clone(),
            machine: def.machine.clone(),
            virt_type: Some(def.virt_type.clone()).filter(|t| !t.is_empty()),
            cpu_xml: def.cpu_xml.as_deref().filter(|_| named).map(|x| CString::new(x).unwrap()),
            dst_cells: caps.as_ref().map_or(0, |c| c.numa_cells),
            dst_page_sizes: caps
                .as_ref()
                .map(|c| c.page_sizes_kib.iter().filter_map(|s| u32::try_from(*s).ok()).collect())
                .unwrap_or_default(),
            dst_interfaces: dst.list_all_interfaces(sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE).is_ok(),
        }
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
        // guest alone, filtered by persistence (gather::state_and_persistence); no record (a
        // transient guest) or a refusal: virDomainGetState, and with a refusal
        // virDomainIsPersistent where the persistent definition is read.
        go(s, mode, || {
            // SAFETY: `doms` is a NULL-terminated array of one valid domain; the records are freed.
            let n = unsafe {
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
                n
            };
            if n <= 0 {
                let (mut state, mut reason) = (0, 0);
                // SAFETY: `dom` is valid; both are written by libvirt.
                unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) };
            }
            if n < 0 && guest.active {
                let _ = dom.is_persistent();
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
        // Persistent and running: its inactive definition too.
        if guest.persistent && guest.active {
            go(s, mode, || dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).unwrap());
        }
        if guest.active {
            // SAFETY: `dom` is valid for the call.
            go(s, mode, || unsafe { sys::virDomainSnapshotNum(dom.as_ptr(), 0) });
            // One disk after the other, up to the first the driver cannot tell about.
            go(s, mode, move || {
                for target in &guest.block_job_targets {
                    let mut info = sys::virDomainBlockJobInfo { type_: 0, bandwidth: 0, cur: 0, end: 0 };
                    // SAFETY: as above; `target` is NUL-terminated and `info` written by libvirt.
                    if unsafe { sys::virDomainGetBlockJobInfo(dom.as_ptr(), target.as_ptr(), &mut info, 0) } < 0 {
                        break;
                    }
                }
            });
        }
        common_facts(s, conn, guest, mode, false);
    });
}

/// The destination's host facts: those both hosts give, and the capacity, the NUMA cells, the
/// interfaces and the hypervisor's verdict on the guest's CPU.
fn destination(conn: &Connect, guest: &Guest, mode: Mode) {
    scope(|s| {
        common_facts(s, conn, guest, mode, true);
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
        // The active interfaces, then the inactive ones (the check stops at a refusal).
        if guest.dst_interfaces {
            go(s, mode, move || {
                for flag in [sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE] {
                    conn.list_all_interfaces(flag).unwrap();
                }
            });
        } else {
            go(s, mode, move || conn.list_all_interfaces(sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE).is_err());
        }
        if let Some(cpu) = &guest.cpu_xml {
            go(s, mode, move || {
                let c = |v: &Option<String>| v.as_deref().map(|v| CString::new(v).unwrap());
                let (arch, machine, virt_type) = (c(&guest.arch), c(&guest.machine), c(&guest.virt_type));
                let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
                // SAFETY: every pointer is NULL or a NUL-terminated string alive for the call.
                unsafe {
                    sys::virConnectCompareHypervisorCPU(
                        conn.as_ptr(),
                        std::ptr::null(),
                        ptr(&arch),
                        ptr(&machine),
                        ptr(&virt_type),
                        cpu.as_ptr(),
                        0,
                    )
                };
            });
        }
    });
}

/// What the check asks of either host: versions, capabilities, the guest's domain capabilities,
/// pools, networks, the guest's volumes; on the destination (`cells`), what the capabilities name.
fn common_facts<'s, 'e: 's>(s: &'s Scope<'s, 'e>, conn: &'e Connect, guest: &'e Guest, mode: Mode, cells: bool) {
    go(s, mode, || conn.hostname().unwrap());
    go(s, mode, || conn.driver_type().unwrap());
    go(s, mode, || conn.hyp_version().unwrap());
    go(s, mode, || conn.lib_version().unwrap());
    // The capabilities name the NUMA cells: their free memory, then their free pages of each
    // size, a chain after the capabilities (gather::capabilities_and_after).
    go(s, mode, move || {
        conn.capabilities().unwrap();
        if cells
            && guest.dst_cells > 0
            && conn.cells_free_memory(0, guest.dst_cells as i32).is_ok()
            && !guest.dst_page_sizes.is_empty()
        {
            let _ = conn.free_pages(&guest.dst_page_sizes, 0, guest.dst_cells, 0);
        }
    });
    // The guest's machine; one that the emulator does not offer, the default machine's instead.
    // A read-only connection to libvirt 9.0 is refused by the client itself (no RPC).
    go(s, mode, move || {
        let ask = |machine: Option<&str>| {
            conn.domain_capabilities(None, guest.arch.as_deref(), machine, guest.virt_type.as_deref(), 0)
        };
        if let Err(e) = ask(guest.machine.as_deref()) {
            let final_ = e.code().is(ErrorNumber::OperationDenied) || e.code().is(ErrorNumber::NoSupport);
            if !final_ && guest.machine.is_some() {
                let _ = ask(None);
            }
        }
    });
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

/// How many messages of each procedure each connection (client address) sent after byte `from`
/// of libvirt's client-side RPC log (LIBVIRT_LOG_FILTERS=1:rpc).
pub fn sent(log: &str, from: usize) -> BTreeMap<String, BTreeMap<u32, usize>> {
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
pub fn by_role(sent: BTreeMap<String, BTreeMap<u32, usize>>) -> [BTreeMap<u32, usize>; 2] {
    assert_eq!(sent.len(), 2, "both connections are asked: {sent:?}");
    let (mut source, mut destination): (Vec<_>, Vec<_>) = sent.into_values().partition(|m| m.contains_key(&14));
    assert_eq!((source.len(), destination.len()), (1, 1), "one connection reads the guest");
    [source.remove(0), destination.remove(0)]
}
