// SPDX-License-Identifier: LGPL-2.1-or-later
//! Read-only libvirt calls that turn live connections into facts.
//!
//! Each fact is fetched at most once per call, and only when a selected check needs it (`Needs`).
//! A live check and a snapshot fill the same structure (`Snapshot`, `fill`), documents kept as
//! libvirt printed them; `xml::snapshot::host` turns either into facts, so a host is judged the
//! same live and from its snapshot. A call the driver lacks, or a document that does not parse,
//! becomes an `Unavailable` fact and the checks that need it come out SKIPPED; only what every
//! check needs (the guest's XML, a live connection) is an `Error`.

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::os::raw::c_int;

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use crate::error::Error;
use crate::facts::machines::{machine_family, machine_version};
use crate::facts::{
    CellMemory, DiskSource, Document, DomainDef, DomainSummary, Fact, FreeMemory, Guest, GuestState, Host,
    HostInterface, Hypervisor, Needs, NodeInfo, PoolDocument, Snapshot, Unavailable, Volume, VolumeLookups,
};
use crate::xml;

fn unavailable(call: &str, e: VirtError) -> Unavailable {
    Unavailable::new(call, e.message())
}

/// Runs a libvirt call that yields a fact; a failure is recorded, not raised.
fn fact<T>(call: &str, result: Result<T, VirtError>) -> Fact<T> {
    result.map_err(|e| unavailable(call, e))
}

/// The guest: its live XML, its persistent XML where different, its state.
pub fn guest(dom: &Domain) -> Result<Guest, Error> {
    guest_migrating(dom, None)
}

/// The guest as `migration` will move it: with the destination XML and the persistent XML the
/// migration gives, each read and the destination XML compared with the live one.
pub fn guest_migrating(dom: &Domain, migration: Option<&crate::migration::Migration>) -> Result<Guest, Error> {
    guest_for(dom, migration, crate::flags::Flags::all())
}

/// The guest as `guest_migrating` reads it, for the checks selected in `checks` only: what only
/// some checks read (the persistent definition, snapshots and block jobs) is asked for only when
/// one of them is selected. A running persistent guest of the test driver costs two round trips
/// (its live XML, and one `virDomainListGetStats` for its state, reason and persistence) plus
/// its persistent XML for CPU_FLAGS and a snapshot count and block job infos for DEVICES.
pub fn guest_for(
    dom: &Domain,
    migration: Option<&crate::migration::Migration>,
    checks: crate::flags::Flags,
) -> Result<Guest, Error> {
    let reads = GuestReads::of(checks);
    let (state, reason, persistent) = state_and_persistence(dom)?;
    let state = GuestState::from_libvirt(state);
    let live = dom.xml_desc(0).map_err(|e| Error::libvirt("virDomainGetXMLDesc", &e))?;
    let def = xml::domain::parse_domain(&live, "domain XML")?;
    let inactive_def = if reads.persistent_def && state.is_active() && persistent(dom)? {
        let inactive = dom
            .xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)
            .map_err(|e| Error::libvirt("virDomainGetXMLDesc(INACTIVE)", &e))?;
        if inactive == live { None } else { Some(xml::domain::parse_domain(&inactive, "inactive domain XML")?) }
    } else {
        None
    };
    // libvirt holds the destination XML to the migratable form of the running definition
    // (qemuDomainCheckABIStability copies vm->def with VIR_DOMAIN_XML_MIGRATABLE, which leaves
    // out the implicit devices parsing adds back): asked for only when there is one to compare.
    let destination = migration.and_then(|m| m.dest_xml.as_deref()).map(|xml| {
        let migratable = dom.xml_desc(sys::VIR_DOMAIN_XML_MIGRATABLE);
        xml::abi::destination(migratable.as_deref().unwrap_or(&live), xml)
    });
    let persistent_xml = migration.and_then(|m| m.persist_xml.as_deref()).map(xml::abi::persistent);
    // Unknown (None) where DEVICES, the one check that reads them, is not selected.
    let live = state.is_active().then(|| if reads.live_state { live_state(dom, &def) } else { Default::default() });
    Ok(Guest { def, inactive_def, state, state_reason: reason, live, destination, persistent_xml })
}

/// Snapshots and block jobs: what libvirt's own migration check refuses on. Block jobs cost one
/// round trip per disk: `virDomainGetBlockJobInfo` names one disk and libvirt has no call that
/// lists a domain's jobs (its bulk stats, `virDomainListGetStats`, carry none).
fn live_state(dom: &Domain, def: &DomainDef) -> crate::facts::LiveState {
    // SAFETY: `dom` is valid for the calls; the disk names are NUL-terminated.
    let snapshots = unsafe { sys::virDomainSnapshotNum(dom.as_ptr(), 0) };
    let mut block_jobs = Some(Vec::new());
    for disk in def.disks.iter().filter(|d| !d.is_empty() && !d.target.is_empty()) {
        let Ok(target) = std::ffi::CString::new(disk.target.as_str()) else { continue };
        let mut info = sys::virDomainBlockJobInfo { type_: 0, bandwidth: 0, cur: 0, end: 0 };
        // SAFETY: as above; `info` is written by libvirt.
        match unsafe { sys::virDomainGetBlockJobInfo(dom.as_ptr(), target.as_ptr(), &mut info, 0) } {
            1 => block_jobs.iter_mut().for_each(|j| j.push(disk.target.clone())),
            0 => {}
            // The driver cannot tell (the test driver): unknown, not "none".
            _ => {
                block_jobs = None;
                break;
            }
        }
    }
    crate::facts::LiveState { snapshots: u32::try_from(snapshots).ok(), block_jobs }
}

/// What a gather is for.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// A live check of the guest `def`: only the facts `needs` asks for, and the guest-specific
    /// ones (its domain capabilities, its volumes, the hypervisor's verdict on its CPU) for it.
    Check(Needs, &'a DomainDef),
    /// A complete, guest-independent snapshot: every fact, every document.
    Whole,
}

/// A host's facts: what `needs` asks for, for the guest `def` (whose disks name the volumes to
/// look up). Fails only when the connection itself is unusable.
pub fn host(conn: &Connect, needs: Needs, def: &DomainDef) -> Result<Host, Error> {
    Ok(xml::snapshot::host(&fill(conn, Scope::Check(needs, def), &crate::clock::now_rfc3339())?))
}

/// Fills a snapshot of the host behind `conn` for `scope`, taken at `taken`: each fact fetched
/// at most once, only the documents the scope needs, kept as libvirt printed them (parsing them
/// is `xml::snapshot::host`'s, the same for a live check and a snapshot file). What is not
/// asked for is "not gathered". Fails only when the connection itself is unusable.
pub fn fill(conn: &Connect, scope: Scope, taken: &str) -> Result<Snapshot, Error> {
    let uri = conn.uri().map_err(|e| Error::libvirt("virConnectGetURI", &e))?;
    let (needs, def) = match scope {
        Scope::Check(needs, def) => (needs, Some(def)),
        Scope::Whole => (Needs::all(), None),
    };
    let mut s = Snapshot::unknown(&uri, taken, |_| Unavailable::not_gathered());
    // The calls are independent but for the capabilities, which name the NUMA cells to ask about
    // and a whole snapshot's emulators: each is in flight on its own thread at the same time
    // (libvirt's client lets several threads have calls outstanding on one connection, and its
    // daemon serves a client's requests in parallel, up to max_client_requests, 5 by default),
    // so the gather costs about its slowest chain of round trips, not their sum. libvirt's
    // errors are per thread (virGetLastError), so each call reads its own.
    let enumerate_domcaps = def.is_none() && needs.contains(Needs::DOMAIN_CAPABILITIES);
    let want_caps = needs.intersects(Needs::CAPABILITIES | Needs::CELLS) || enumerate_domcaps;
    // Listing every node device costs an RPC per device: a check asks only for guests that have
    // an mdev.
    let node_devices =
        needs.contains(Needs::NODE_DEVICES) && def.is_none_or(|d| d.hostdevs.iter().any(|h| h.kind == "mdev"));
    std::thread::scope(|scope| {
        let hostname = spawn_if(scope, needs.intersects(Needs::VERSIONS | Needs::HOSTNAME), || {
            fact("virConnectGetHostname", conn.hostname())
        });
        let hypervisor = spawn_if(scope, needs.contains(Needs::VERSIONS), || hypervisor(conn));
        let libvirt = spawn_if(scope, needs.contains(Needs::VERSIONS), || {
            fact("virConnectGetLibVersion", conn.lib_version()).map(u64::from)
        });
        let caps = spawn_if(scope, want_caps, || {
            capabilities_and_after(conn, needs.contains(Needs::CELLS), enumerate_domcaps)
        });
        // The guest's own lookups, for a live check only: its domain capabilities, its volumes,
        // the hypervisor's verdict on its CPU.
        let for_guest = |wanted: bool| def.filter(|_| wanted);
        let domcaps = for_guest(needs.contains(Needs::DOMAIN_CAPABILITIES))
            .map(|d| scope.spawn(move || domain_capabilities(conn, d).map(|d| vec![d])));
        let node = spawn_if(scope, needs.contains(Needs::NODE_INFO), || node_info(conn));
        let free = spawn_if(scope, needs.contains(Needs::FREE_MEMORY), || free_memory(conn));
        let domains = spawn_if(scope, needs.contains(Needs::DOMAINS), || domains(conn));
        let networks = spawn_if(scope, needs.contains(Needs::NETWORKS), || network_documents(conn));
        // The checks read interfaces' names and states only: the listing gives them without a
        // virInterfaceGetXMLDesc round trip per interface; a snapshot keeps the documents.
        let interface_names = spawn_if(scope, needs.contains(Needs::INTERFACES) && def.is_some(), || interfaces(conn));
        let interface_docs =
            spawn_if(scope, needs.contains(Needs::INTERFACES) && def.is_none(), || interface_documents(conn));
        // A live check looks its volumes up; a snapshot lists every volume of every pool.
        let pools = spawn_if(scope, needs.contains(Needs::POOLS), || pool_documents(conn, def.is_none()));
        let volumes = for_guest(true).map(|d| {
            scope.spawn(move || {
                let mut lookups = VolumeLookups::default();
                if needs.contains(Needs::VOLUMES) {
                    volume_lookups(conn, d, &mut lookups);
                }
                lookups
            })
        });
        let comparison = for_guest(needs.contains(Needs::CPU_COMPARISON))
            .map(|d| scope.spawn(move || hypervisor_cpu_comparison(conn, d)));
        let node_devices = spawn_if(scope, node_devices, || node_device_documents(conn));

        join_into(hostname, &mut s.hostname);
        join_into(hypervisor, &mut s.hypervisor);
        join_into(libvirt, &mut s.libvirt_version);
        if let Some((capabilities, after)) = join(caps) {
            s.capabilities = capabilities;
            if let Some(cells) = after.cells {
                s.cells = cells;
            }
            if let Some(all) = after.domain_capabilities {
                s.domain_capabilities = all;
            }
        }
        join_into(domcaps, &mut s.domain_capabilities);
        join_into(node, &mut s.node);
        join_into(free, &mut s.free_memory);
        join_into(domains, &mut s.domains);
        join_into(networks, &mut s.networks);
        s.live.interface_names = join(interface_names);
        join_into(interface_docs, &mut s.interfaces);
        join_into(pools, &mut s.pools);
        s.live.volumes = join(volumes);
        s.live.hypervisor_cpu_comparison = join(comparison);
        join_into(node_devices, &mut s.node_devices);
    });
    // A connection that died while we asked (a remote daemon gone) leaves every fact above
    // "unavailable": that is a call that could not run, not a host that lacks the APIs.
    if !is_alive(conn) {
        let (call, during) = match def {
            Some(_) => ("gathering host facts", "the check"),
            None => ("taking a snapshot", "the snapshot"),
        };
        return Err(Error::Libvirt {
            call: call.to_string(),
            code: 0,
            message: format!("the connection to '{uri}' closed during {during}"),
        });
    }
    Ok(s)
}

/// What the capabilities name, fetched after them: the free memory and pages of each NUMA cell,
/// and a whole snapshot's domain capabilities of every emulator, machine and virt type.
#[derive(Default)]
struct AfterCapabilities {
    cells: Option<Fact<Vec<CellMemory>>>,
    domain_capabilities: Option<Fact<Vec<String>>>,
}

/// The capabilities, then what they name (one chain of calls): the cells' free memory when
/// `want_cells`, every emulator's domain capabilities when `enumerate_domcaps`.
fn capabilities_and_after(
    conn: &Connect,
    want_cells: bool,
    enumerate_domcaps: bool,
) -> (Fact<String>, AfterCapabilities) {
    let text = fact("virConnectGetCapabilities", conn.capabilities());
    let mut after = AfterCapabilities::default();
    if !(want_cells || enumerate_domcaps) {
        return (text, after);
    }
    let caps = text.as_ref().map_err(Clone::clone).and_then(|x| xml::snapshot::parse_capabilities(x));
    if enumerate_domcaps {
        after.domain_capabilities = Some(match &caps {
            Ok(caps) => all_domain_capabilities(conn, caps),
            Err(why) => Err(why.clone()),
        });
    }
    if want_cells {
        after.cells = Some(match &caps {
            Ok(caps) => cells(conn, caps.numa_cells, &caps.page_sizes_kib),
            Err(why) => Err(why.clone()),
        });
    }
    (text, after)
}

/// `f` on a thread of `scope` when `wanted`: one call in flight beside the others.
fn spawn_if<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    wanted: bool,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    wanted.then(|| scope.spawn(f))
}

/// The answer of a call `spawn_if` started (a panic in it goes on in this thread).
fn join<T>(handle: Option<std::thread::ScopedJoinHandle<'_, T>>) -> Option<T> {
    handle.map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
}

/// The calls libvirt's daemon serves at once for one client by default (libvirtd.conf
/// `max_client_requests`): more in flight would only wait in its queue.
const IN_FLIGHT: usize = 5;

/// `f` of each item, the items shared among up to `IN_FLIGHT` threads so that their calls are
/// in flight together; the answers in the items' order. One item: no thread.
fn each_concurrently<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let workers = items.len().min(IN_FLIGHT);
    let f = &f;
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || (w..items.len()).step_by(workers).map(|i| (i, f(&items[i]))).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut all: Vec<(usize, R)> = parts.drain(..).flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

fn join_into<T>(handle: Option<std::thread::ScopedJoinHandle<'_, Fact<T>>>, into: &mut Fact<T>) {
    if let Some(fact) = join(handle) {
        *into = fact;
    }
}

/// The volumes the guest's disks refer to, each looked up once, the lookups in flight together.
fn volume_lookups(conn: &Connect, def: &DomainDef, lookups: &mut VolumeLookups) {
    let mut paths: Vec<&String> = Vec::new();
    let mut names: Vec<(&String, &String)> = Vec::new();
    for disk in &def.disks {
        match &disk.source {
            DiskSource::Path { path, .. } if !paths.contains(&path) => paths.push(path),
            DiskSource::Volume { pool, volume } if !names.contains(&(pool, volume)) => names.push((pool, volume)),
            _ => {}
        }
    }
    let by_path = each_concurrently(&paths, |path| {
        volume_lookup("virStorageVolLookupByPath", conn.lookup_storage_vol_by_path(path))
            .map(|v| v.map(|v| Volume { path: path.to_string(), ..v }))
    });
    let by_name = each_concurrently(&names, |(pool, volume)| volume_by_name(conn, pool, volume));
    lookups.by_path.extend(paths.into_iter().cloned().zip(by_path));
    lookups.by_name.extend(names.into_iter().map(|(p, v)| (p.clone(), v.clone())).zip(by_name));
}

fn hypervisor(conn: &Connect) -> Fact<Hypervisor> {
    let driver = fact("virConnectGetType", conn.driver_type())?;
    let version = fact("virConnectGetVersion", conn.hyp_version())?;
    Ok(Hypervisor { driver, version: version.into() })
}

fn node_info(conn: &Connect) -> Fact<NodeInfo> {
    fact("virNodeGetInfo", conn.node_info()).map(|n| NodeInfo {
        model: n.model,
        memory_kib: n.memory,
        cpus: n.cpus,
        mhz: n.mhz,
        nodes: n.nodes,
        sockets: n.sockets,
        cores: n.cores,
        threads: n.threads,
    })
}

/// Free memory and free pages of each of the `ncells` NUMA cells (none on a host whose
/// capabilities show no NUMA topology).
fn cells(conn: &Connect, ncells: u32, page_sizes_kib: &[u64]) -> Fact<Vec<CellMemory>> {
    if ncells == 0 {
        return Ok(Vec::new());
    }
    let free = fact("virNodeGetCellsFreeMemory", conn.cells_free_memory(0, ncells as i32))?;
    let sizes: Vec<u32> = page_sizes_kib.iter().filter_map(|s| u32::try_from(*s).ok()).collect();
    let pages =
        if sizes.is_empty() { Vec::new() } else { fact("virNodeGetFreePages", conn.free_pages(&sizes, 0, ncells, 0))? };
    Ok(free
        .iter()
        .enumerate()
        .map(|(cell, bytes)| CellMemory {
            id: cell as u32,
            free_kib: bytes / 1024,
            free_pages: sizes
                .iter()
                .enumerate()
                .map(|(i, size)| (u64::from(*size), pages.get(cell * sizes.len() + i).copied().unwrap_or(0)))
                .collect(),
        })
        .collect())
}

/// Domain capabilities for the guest's arch, machine and virt type (the destination picks its
/// own emulator for them, as libvirt does when it starts the incoming guest). A machine the
/// emulator does not offer gets the default machine's instead (one more call, in that case
/// only): what a snapshot, which holds the default and the newest machine of each family,
/// answers for a machine it does not hold, so that the checks reading them judge alike.
fn domain_capabilities(conn: &Connect, def: &DomainDef) -> Fact<String> {
    let virt_type = Some(def.virt_type.as_str()).filter(|t| !t.is_empty());
    let ask = |machine: Option<&str>| conn.domain_capabilities(None, def.arch.as_deref(), machine, virt_type, 0);
    match ask(def.machine.as_deref()) {
        Ok(x) => Ok(x),
        // Refusals that would repeat for any machine (a read-only connection, no such API).
        Err(e) if e.code().is(ErrorNumber::OperationDenied) || e.code().is(ErrorNumber::NoSupport) => {
            Err(unavailable("virConnectGetDomainCapabilities", e))
        }
        Err(e) if def.machine.is_some() => ask(None).map_err(|_| unavailable("virConnectGetDomainCapabilities", e)),
        Err(e) => Err(unavailable("virConnectGetDomainCapabilities", e)),
    }
}

/// The destination hypervisor's own verdict on the guest's CPU, for a guest with a named model
/// (libvirt's virCPUCompareResult: 0 incompatible, 1 identical, 2 superset).
fn hypervisor_cpu_comparison(conn: &Connect, def: &DomainDef) -> Fact<i32> {
    const CALL: &str = "virConnectCompareHypervisorCPU";
    let named = def.cpu.as_ref().is_some_and(|c| c.mode() == "custom" && c.model.is_some());
    let Some(cpu_xml) = def.cpu_xml.as_deref().filter(|_| named) else {
        return Err(Unavailable::new(CALL, "the guest has no named CPU model to compare"));
    };
    let c = |s: Option<&str>| {
        s.map(std::ffi::CString::new).transpose().map_err(|_| Unavailable::new(CALL, "a NUL byte in the guest's XML"))
    };
    let (arch, machine, virt_type, xml) = (
        c(def.arch.as_deref())?,
        c(def.machine.as_deref())?,
        c(Some(def.virt_type.as_str()).filter(|t| !t.is_empty()))?,
        c(Some(cpu_xml))?,
    );
    let ptr = |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: every pointer is NULL or a NUL-terminated string alive for the call.
    let rc = unsafe {
        sys::virConnectCompareHypervisorCPU(
            conn.as_ptr(),
            std::ptr::null(),
            ptr(&arch),
            ptr(&machine),
            ptr(&virt_type),
            ptr(&xml),
            0,
        )
    };
    if rc < 0 { Err(unavailable(CALL, VirtError::last_error())) } else { Ok(rc) }
}

/// The domain capabilities of exactly `emulator`, `arch`, `machine` and `virt_type` (None: the
/// host's default emulator, machine), as printed; for a baseline computed for one guest's
/// emulator and machine. `Ok(Err(..))`: the host refuses the call whatever is asked (a
/// read-only connection to libvirt 9.0, a driver without it); `Err(message)`: libvirt's
/// refusal of this emulator, machine, arch or virt type.
pub fn guest_domain_capabilities(
    conn: &Connect,
    emulator: Option<&str>,
    arch: &str,
    machine: Option<&str>,
    virt_type: &str,
) -> Result<Fact<String>, String> {
    const CALL: &str = "virConnectGetDomainCapabilities";
    match conn.domain_capabilities(emulator, Some(arch), machine, Some(virt_type), 0) {
        Ok(x) => Ok(Ok(x)),
        Err(e) if e.code().is(ErrorNumber::OperationDenied) || e.code().is(ErrorNumber::NoSupport) => {
            Ok(Err(unavailable(CALL, e)))
        }
        Err(e) => Err(e.message().to_string()),
    }
}

/// The hypervisor's own baseline of `cpu_xmls` (virConnectBaselineHypervisorCPU): the CPU every
/// input can give that this host's hypervisor (`emulator`, else its default for `arch`;
/// `virt_type`: kvm, qemu) can run, with MIGRATABLE unless `keep_non_migratable`.
pub fn hypervisor_cpu_baseline(
    conn: &Connect,
    emulator: Option<&str>,
    arch: &str,
    virt_type: &str,
    cpu_xmls: &[String],
    keep_non_migratable: bool,
) -> Fact<String> {
    const CALL: &str = "virConnectBaselineHypervisorCPU";
    let c = |s: &str| std::ffi::CString::new(s).map_err(|_| Unavailable::new(CALL, "a NUL byte in a CPU definition"));
    let (arch, virt_type) = (c(arch)?, c(virt_type)?);
    let emulator = emulator.map(c).transpose()?;
    let xmls = cpu_xmls.iter().map(|x| c(x)).collect::<Result<Vec<_>, _>>()?;
    let mut ptrs: Vec<*const std::os::raw::c_char> = xmls.iter().map(|x| x.as_ptr()).collect();
    let flags = if keep_non_migratable { 0 } else { sys::VIR_CONNECT_BASELINE_CPU_MIGRATABLE };
    // SAFETY: every pointer is a NUL-terminated string alive for the call; libvirt reads `ptrs`
    // (ncpus entries) and returns a string we own, freed below with libc's free().
    let out = unsafe {
        sys::virConnectBaselineHypervisorCPU(
            conn.as_ptr(),
            emulator.as_ref().map_or(std::ptr::null(), |e| e.as_ptr()),
            arch.as_ptr(),
            std::ptr::null(),
            virt_type.as_ptr(),
            ptrs.as_mut_ptr(),
            ptrs.len() as std::os::raw::c_uint,
            flags,
        )
    };
    if out.is_null() {
        return Err(unavailable(CALL, VirtError::last_error()));
    }
    // SAFETY: `out` is a NUL-terminated string allocated by libvirt.
    let text = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
    unsafe { libc::free(out.cast()) };
    Ok(text)
}

/// A volume lookup: `Ok(None)` when libvirt says there is no such volume.
fn volume_lookup(call: &str, result: Result<virt::storage_vol::StorageVol, VirtError>) -> Fact<Option<Volume>> {
    match result {
        Ok(vol) => volume_facts(&vol).map(Some),
        Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => Ok(None),
        Err(e) => Err(unavailable(call, e)),
    }
}

/// A volume's name, key and path, and what its XML says of the object (capacity, format,
/// timestamps: the DISK check's proof of identity), parsed as a snapshot's volume documents are.
/// Where the XML cannot be had or read, the volume is known by its name, key and path alone.
fn volume_facts(vol: &virt::storage_vol::StorageVol) -> Fact<Volume> {
    let name = fact("virStorageVolGetName", vol.name())?;
    let key = fact("virStorageVolGetKey", vol.key())?;
    let path = fact("virStorageVolGetPath", vol.path())?;
    let described = vol.xml_desc(0).ok().and_then(|xml| xml::pool::parse_volume(&xml, "volume").ok());
    Ok(Volume { name, key, path, ..described.unwrap_or_default() })
}

fn volume_by_name(conn: &Connect, pool: &str, volume: &str) -> Fact<Option<Volume>> {
    let pool = match conn.lookup_storage_pool_by_name(pool) {
        Ok(pool) => pool,
        Err(e) if e.code().is(ErrorNumber::NoStoragePool) => return Ok(None),
        Err(e) => return Err(unavailable("virStoragePoolLookupByName", e)),
    };
    volume_lookup("virStorageVolLookupByName", pool.lookup_storage_vol_by_name(volume))
}

/// Free memory of the whole host: `virNodeGetMemoryStats` over all cells, else
/// `virNodeGetFreeMemory`.
fn free_memory(conn: &Connect) -> Fact<FreeMemory> {
    // Linux reports exactly four fields (total, free, buffers, cached); the drivers insist on
    // the exact count, so ask for four in one round trip.
    const NFIELDS: usize = 4;
    let mut stats = [sys::virNodeMemoryStats { field: [0; 80], value: 0 }; NFIELDS];
    let mut n = NFIELDS as c_int;
    // SAFETY: `stats` has room for `n` entries; the connection is valid for the call.
    let rc = unsafe {
        sys::virNodeGetMemoryStats(conn.as_ptr(), sys::VIR_NODE_MEMORY_STATS_ALL_CELLS, stats.as_mut_ptr(), &mut n, 0)
    };
    if rc == 0 {
        let mut by_name = BTreeMap::new();
        for stat in &stats[..(n.max(0) as usize).min(NFIELDS)] {
            // SAFETY: libvirt NUL-terminates every field name within its 80 bytes.
            let name = unsafe { CStr::from_ptr(stat.field.as_ptr()) }.to_string_lossy().into_owned();
            by_name.insert(name, stat.value);
        }
        if let Some(free) = by_name.get("free") {
            let reclaimable = by_name.get("buffers").unwrap_or(&0) + by_name.get("cached").unwrap_or(&0);
            return Ok(FreeMemory {
                available_kib: free + reclaimable,
                total_kib: by_name.get("total").copied(),
                source: "virNodeGetMemoryStats: free + buffers + cached".to_string(),
            });
        }
    }
    let stats_error = VirtError::last_error().message().to_string();
    // virNodeGetFreeMemory returns 0 on failure (virt's wrapper loses the error), so call it here.
    // SAFETY: the connection is valid for the call.
    let bytes = unsafe { sys::virNodeGetFreeMemory(conn.as_ptr()) };
    if bytes > 0 {
        return Ok(FreeMemory {
            available_kib: bytes / 1024,
            total_kib: None,
            source: "virNodeGetFreeMemory".to_string(),
        });
    }
    Err(Unavailable::new(
        "virNodeGetMemoryStats, virNodeGetFreeMemory",
        format!("{stats_error}; virNodeGetFreeMemory gave no figure"),
    ))
}

/// Every domain with its state and current memory: one `virConnectGetAllDomainStats` round trip,
/// or a list and one `virDomainGetInfo` each where the driver lacks it.
fn domains(conn: &Connect) -> Fact<Vec<DomainSummary>> {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: libvirt fills `records` with a NULL-terminated list we free below.
    let n = unsafe {
        sys::virConnectGetAllDomainStats(
            conn.as_ptr(),
            sys::VIR_DOMAIN_STATS_STATE | sys::VIR_DOMAIN_STATS_BALLOON,
            &mut records,
            0,
        )
    };
    if n >= 0 {
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n as usize {
            // SAFETY: `records` holds `n` valid record pointers until freed.
            let record = unsafe { &**records.add(i) };
            out.push(summary_from_record(record));
        }
        // SAFETY: frees the list and the domain references it holds.
        unsafe { sys::virDomainStatsRecordListFree(records) };
        return sorted(out.into_iter().collect());
    }
    let all = fact("virConnectListAllDomains", conn.list_all_domains(0))?;
    sorted(
        all.iter()
            .map(|dom| {
                let info = fact("virDomainGetInfo", dom.info())?;
                let state =
                    virt::enumutil::RawEnum::to_raw(info.state.unwrap_or(virt::domain::DomainState::NoState)) as i32;
                Ok(DomainSummary {
                    name: fact("virDomainGetName", dom.name())?,
                    uuid: fact("virDomainGetUUIDString", dom.uuid_string())?,
                    active: GuestState::from_libvirt(state).is_active(),
                    memory_kib: info.memory,
                })
            })
            .collect(),
    )
}

/// Domains in name order, so that facts (and findings) do not depend on the driver's order.
fn sorted(domains: Fact<Vec<DomainSummary>>) -> Fact<Vec<DomainSummary>> {
    domains.map(|mut d| {
        d.sort_by(|a, b| a.name.cmp(&b.name));
        d
    })
}

fn summary_from_record(record: &sys::virDomainStatsRecord) -> Fact<DomainSummary> {
    let mut state: c_int = 0;
    let mut balloon: Option<u64> = None;
    for i in 0..record.nparams.max(0) as usize {
        // SAFETY: `params` holds `nparams` typed parameters.
        let param = unsafe { &*record.params.add(i) };
        // SAFETY: libvirt NUL-terminates field names.
        let field = unsafe { CStr::from_ptr(param.field.as_ptr()) }.to_bytes();
        match (field, param.type_ as u32) {
            // SAFETY: the union member read matches the declared type.
            (b"state.state", sys::VIR_TYPED_PARAM_INT) => state = unsafe { param.value.i },
            (b"balloon.current", sys::VIR_TYPED_PARAM_ULLONG) => balloon = Some(unsafe { param.value.ul }),
            _ => {}
        }
    }
    // SAFETY: the record's domain stays valid until the list is freed; ref it for our wrapper.
    let dom = unsafe {
        sys::virDomainRef(record.dom);
        Domain::from_ptr(record.dom)
    };
    let active = GuestState::from_libvirt(state).is_active();
    let memory_kib = match balloon {
        Some(kib) => kib,
        // Drivers without balloon stats (the test driver): ask for the domain's info.
        None if active => fact("virDomainGetInfo", dom.info())?.memory,
        None => 0,
    };
    Ok(DomainSummary {
        name: fact("virDomainGetName", dom.name())?,
        uuid: fact("virDomainGetUUIDString", dom.uuid_string())?,
        active,
        memory_kib,
    })
}

fn network_documents(conn: &Connect) -> Fact<Vec<Document>> {
    let all = fact("virConnectListAllNetworks", conn.list_all_networks(0))?;
    each_concurrently(&all, |net| {
        Ok(Document {
            active: fact("virNetworkIsActive", net.is_active())?,
            xml: fact("virNetworkGetXMLDesc", net.xml_desc(0))?,
        })
    })
    .into_iter()
    .collect()
}

fn interfaces(conn: &Connect) -> Fact<Vec<HostInterface>> {
    let mut out = Vec::new();
    for (flag, active) in
        [(sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, true), (sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE, false)]
    {
        for iface in fact("virConnectListAllInterfaces", conn.list_all_interfaces(flag))? {
            out.push(HostInterface { name: fact("virInterfaceGetName", iface.name())?, active });
        }
    }
    Ok(out)
}

/// Every pool's document, with its volumes' documents when `with_volumes` (active pools only:
/// libvirt lists no volumes of an inactive pool).
fn pool_documents(conn: &Connect, with_volumes: bool) -> Fact<Vec<PoolDocument>> {
    let all = fact("virConnectListAllStoragePools", conn.list_all_storage_pools(0))?;
    each_concurrently(&all, |pool| {
        let active = fact("virStoragePoolIsActive", pool.is_active())?;
        let xml = fact("virStoragePoolGetXMLDesc", pool.xml_desc(0))?;
        let mut volumes = Vec::new();
        if with_volumes && active {
            for vol in fact("virStoragePoolListAllVolumes", pool.list_all_volumes(0))? {
                volumes.push(fact("virStorageVolGetXMLDesc", vol.xml_desc(0))?);
            }
        }
        Ok(PoolDocument { active, xml, volumes })
    })
    .into_iter()
    .collect()
}

/// Whether `dom` belongs to the connection `conn` (the same `virConnectPtr`).
pub fn domain_belongs_to(dom: &Domain, conn: &Connect) -> bool {
    // SAFETY: both handles are valid; virDomainGetConnect borrows, it takes no reference.
    unsafe { sys::virDomainGetConnect(dom.as_ptr()) == conn.as_ptr() }
}

/// Whether the connection still reaches its host (a remote daemon may have gone away).
pub fn is_alive(conn: &Connect) -> bool {
    conn.is_alive().unwrap_or(false)
}

/// The complete, guest-independent facts of the host behind `conn`, as its snapshot gives them
/// (the cache's and the fleet's view of a host).
pub fn whole_host(conn: &Connect) -> Result<Host, Error> {
    Ok(xml::snapshot::host(&snapshot(conn, &crate::clock::now_rfc3339())?))
}

/// A complete snapshot of the host behind `conn`, taken at `taken` (RFC 3339, UTC): every
/// fact any check reads, the documents kept as libvirt printed them.
pub fn snapshot(conn: &Connect, taken: &str) -> Result<Snapshot, Error> {
    let mut s = fill(conn, Scope::Whole, taken)?;
    // Embedded documents are their root element as printed, without the final newline, so that
    // a snapshot reads back exactly as it was written.
    let trim = |x: &mut String| x.truncate(x.trim_end().len());
    if let Ok(x) = &mut s.capabilities {
        trim(x);
    }
    for list in [&mut s.domain_capabilities, &mut s.node_devices] {
        list.iter_mut().flatten().for_each(trim);
    }
    for list in [&mut s.networks, &mut s.interfaces] {
        list.iter_mut().flatten().for_each(|d| trim(&mut d.xml));
    }
    for pool in s.pools.iter_mut().flatten() {
        trim(&mut pool.xml);
        pool.volumes.iter_mut().for_each(trim);
    }
    Ok(s)
}

fn node_device_documents(conn: &Connect) -> Fact<Vec<String>> {
    fact("virConnectListAllNodeDevices", conn.list_all_node_devices(0))
        .and_then(|all| all.iter().map(|d| fact("virNodeDeviceGetXMLDesc", d.xml_desc(0))).collect())
}

fn interface_documents(conn: &Connect) -> Fact<Vec<Document>> {
    let mut out = Vec::new();
    for (flag, active) in
        [(sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, true), (sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE, false)]
    {
        for iface in fact("virConnectListAllInterfaces", conn.list_all_interfaces(flag))? {
            out.push(Document { active, xml: fact("virInterfaceGetXMLDesc", iface.xml_desc(0))? });
        }
    }
    Ok(out)
}

/// Domain capabilities for every arch and virt type the host offers: each one's default machine
/// and the newest machine of each machine family. Stops at the first refusal that would repeat
/// for every call (a read-only connection, a driver without the API).
fn all_domain_capabilities(conn: &Connect, caps: &crate::facts::Capabilities) -> Fact<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for guest in &caps.guests {
        let mut families: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for m in &guest.machines {
            let family = machine_family(m);
            let newest = families.entry(family).or_insert(m);
            if machine_version(m) > machine_version(newest) {
                *newest = m;
            }
        }
        let machines: Vec<Option<&str>> = std::iter::once(None).chain(families.values().map(|m| Some(*m))).collect();
        for virt_type in &guest.domain_types {
            for machine in &machines {
                let result = conn.domain_capabilities(
                    guest.emulator.as_deref(),
                    Some(&guest.arch),
                    *machine,
                    Some(virt_type),
                    0,
                );
                match result {
                    // The same emulator, machine, arch and virt type reached twice (a default
                    // machine that is also the newest of its family) is kept once. One that does
                    // not parse is kept as printed: the snapshot's reader reports it, as for any
                    // document.
                    Ok(x) => match xml::domcaps::parse_domain_capabilities(&x, "domain capabilities") {
                        Ok(d) => {
                            if seen.insert((d.path, d.domain, d.machine, d.arch)) {
                                out.push(x);
                            }
                        }
                        Err(_) => out.push(x),
                    },
                    Err(e) if e.code().is(ErrorNumber::OperationDenied) || e.code().is(ErrorNumber::NoSupport) => {
                        return Err(unavailable("virConnectGetDomainCapabilities", e));
                    }
                    // One machine or virt type this emulator cannot do: skip it, keep the rest.
                    Err(_) => {}
                }
            }
        }
    }
    Ok(out)
}

/// What of the guest beyond its live XML and state the selected checks read.
struct GuestReads {
    /// The persistent definition: CPU_FLAGS asks whether the guest restarts with a host-model CPU
    /// (`checks::cpu_return`), which a running guest's live XML no longer shows.
    persistent_def: bool,
    /// Snapshots and block jobs: DEVICES reports libvirt's refusals on them.
    live_state: bool,
}

impl GuestReads {
    fn of(checks: crate::flags::Flags) -> GuestReads {
        use crate::flags::Check;
        GuestReads {
            persistent_def: checks.contains(Check::CpuFlags.bit()),
            live_state: checks.contains(Check::Devices.bit()),
        }
    }
}

/// Whether the guest is persistent, where `state_and_persistence` could not already tell.
type Persistence = fn(&Domain) -> Result<bool, Error>;

/// The guest's state and reason, and how to know whether it is persistent: one
/// `virDomainListGetStats` round trip for the guest alone, its state group (state.state,
/// state.reason: the `virDomainGetState` pair, from the same domain object) filtered to persistent
/// domains, which both the qemu and the test driver apply to the domains given
/// (`virDomainObjListConvert` with the list filters). A record back: persistent; none: transient
/// (or gone), its state asked with `virDomainGetState`. A driver that refuses the call (it may
/// reject the filter flags, or lack bulk stats) gets `virDomainGetState` and
/// `virDomainIsPersistent`, the latter only when the persistent definition is wanted.
fn state_and_persistence(dom: &Domain) -> Result<(c_int, c_int, Persistence), Error> {
    const PERSISTENT: Persistence = |_| Ok(true);
    const TRANSIENT: Persistence = |_| Ok(false);
    const ASK: Persistence = |dom| dom.is_persistent().map_err(|e| Error::libvirt("virDomainIsPersistent", &e));
    // SAFETY: the pointer is only passed to libvirt while `dom` is alive.
    let mut doms = [unsafe { dom.as_ptr() }, std::ptr::null_mut()];
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: `doms` is a NULL-terminated array of one valid domain; libvirt fills `records` with
    // a NULL-terminated list we free below.
    let n = unsafe {
        sys::virDomainListGetStats(
            doms.as_mut_ptr(),
            sys::VIR_DOMAIN_STATS_STATE,
            &mut records,
            sys::VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT,
        )
    };
    if n >= 0 {
        let mut found = None;
        if n >= 1 {
            // SAFETY: `records` holds `n` valid record pointers until freed.
            let record = unsafe { &**records };
            let (mut state, mut reason) = (None, None);
            for i in 0..record.nparams.max(0) as usize {
                // SAFETY: `params` holds `nparams` typed parameters; libvirt NUL-terminates names.
                let param = unsafe { &*record.params.add(i) };
                let field = unsafe { CStr::from_ptr(param.field.as_ptr()) }.to_bytes();
                match (field, param.type_ as u32) {
                    // SAFETY: the union member read matches the declared type.
                    (b"state.state", sys::VIR_TYPED_PARAM_INT) => state = Some(unsafe { param.value.i }),
                    (b"state.reason", sys::VIR_TYPED_PARAM_INT) => reason = Some(unsafe { param.value.i }),
                    _ => {}
                }
            }
            found = state.zip(reason);
        }
        // SAFETY: frees the list and the domain references it holds.
        unsafe { sys::virDomainStatsRecordListFree(records) };
        match found {
            Some((state, reason)) => return Ok((state, reason, PERSISTENT)),
            None if n == 0 => {
                let (state, reason) = domain_state(dom)?;
                return Ok((state, reason, TRANSIENT));
            }
            // A record without the state group: ask as a driver without bulk stats.
            None => {}
        }
    }
    let (state, reason) = domain_state(dom)?;
    Ok((state, reason, ASK))
}

/// `virDomainGetState`: the state and its reason.
fn domain_state(dom: &Domain) -> Result<(c_int, c_int), Error> {
    let mut state: c_int = 0;
    let mut reason: c_int = 0;
    // SAFETY: `dom` is a valid domain handle for the duration of the call.
    if unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) } < 0 {
        return Err(Error::libvirt("virDomainGetState", &VirtError::last_error()));
    }
    Ok((state, reason))
}
