//! The only module that talks to libvirt: read-only calls that turn live connections into facts.
//!
//! Each fact is fetched at most once per call, and only when a selected check needs it (`Needs`).
//! A call the driver lacks becomes an `Unavailable` fact and the checks that need it come out
//! SKIPPED; only what every check needs (the guest's XML, a live connection) is an `Error`.

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::os::raw::c_int;

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use super::{DiskSource, DomainDef, DomainSummary, Fact, FreeMemory, Guest, GuestState, Host, HostInterface, Hypervisor, Needs, NodeInfo, Unavailable, Volume};
use crate::error::Error;
use crate::xml;

fn libvirt_error(call: &str, e: VirtError) -> Error {
    let code = match e.code() {
        virt::enumutil::Enum::Known(k) => virt::enumutil::RawEnum::to_raw(k) as i32,
        virt::enumutil::Enum::Unknown(u) => u as i32,
    };
    Error::Libvirt { call: call.to_string(), code, message: e.message().to_string() }
}

fn unavailable(call: &str, e: VirtError) -> Unavailable {
    Unavailable::new(call, e.message())
}

/// Runs a libvirt call that yields a fact; a failure is recorded, not raised.
fn fact<T>(call: &str, result: Result<T, VirtError>) -> Fact<T> {
    result.map_err(|e| unavailable(call, e))
}

/// The guest: its live XML, its persistent XML where different, its state.
pub fn guest(dom: &Domain) -> Result<Guest, Error> {
    let mut state: c_int = 0;
    let mut reason: c_int = 0;
    // SAFETY: `dom` is a valid domain handle for the duration of the call.
    if unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) } < 0 {
        return Err(libvirt_error("virDomainGetState", VirtError::last_error()));
    }
    let state = GuestState::from_libvirt(state);
    let live = dom.xml_desc(0).map_err(|e| libvirt_error("virDomainGetXMLDesc", e))?;
    let def = xml::domain::parse_domain(&live, "domain XML")?;
    let persistent = dom.is_persistent().map_err(|e| libvirt_error("virDomainIsPersistent", e))?;
    let inactive_def = if persistent && state.is_active() {
        let inactive = dom
            .xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)
            .map_err(|e| libvirt_error("virDomainGetXMLDesc(INACTIVE)", e))?;
        if inactive == live { None } else { Some(xml::domain::parse_domain(&inactive, "inactive domain XML")?) }
    } else {
        None
    };
    Ok(Guest { def, inactive_def, state })
}

/// A host's facts: what `needs` asks for, for the guest `def` (whose disks name the volumes to
/// look up). Fails only when the connection itself is unusable.
pub fn host(conn: &Connect, needs: Needs, def: &DomainDef) -> Result<Host, Error> {
    let uri = conn.uri().map_err(|e| libvirt_error("virConnectGetURI", e))?;
    let mut host = Host::unknown(&uri);
    if needs.contains(Needs::VERSIONS) {
        host.hostname = fact("virConnectGetHostname", conn.hostname());
        host.hypervisor = fact("virConnectGetType", conn.driver_type()).and_then(|driver| {
            let version = fact("virConnectGetVersion", conn.hyp_version())?;
            Ok(Hypervisor { driver, version: version.into() })
        });
        host.libvirt_version = fact("virConnectGetLibVersion", conn.lib_version()).map(u64::from);
    }
    if needs.contains(Needs::CAPABILITIES) {
        host.capabilities = fact("virConnectGetCapabilities", conn.capabilities()).and_then(|x| {
            xml::capabilities::parse_capabilities(&x, "capabilities").map_err(|e| Unavailable::new("virConnectGetCapabilities", e.to_string()))
        });
    }
    if needs.contains(Needs::NODE_INFO) {
        host.node = fact("virNodeGetInfo", conn.node_info()).map(|n| NodeInfo {
            model: n.model,
            memory_kib: n.memory,
            cpus: n.cpus,
            mhz: n.mhz,
            nodes: n.nodes,
            sockets: n.sockets,
            cores: n.cores,
            threads: n.threads,
        });
    }
    if needs.contains(Needs::FREE_MEMORY) {
        host.free_memory = free_memory(conn);
    }
    if needs.contains(Needs::DOMAINS) {
        host.domains = domains(conn);
    }
    if needs.contains(Needs::NETWORKS) {
        host.networks = networks(conn);
    }
    if needs.contains(Needs::INTERFACES) {
        host.interfaces = interfaces(conn);
    }
    if needs.contains(Needs::POOLS) {
        host.pools = pools(conn);
    }
    if needs.contains(Needs::DOMAIN_CAPABILITIES) {
        host.domain_capabilities = domain_capabilities(conn, def);
    }
    if needs.contains(Needs::VOLUMES) {
        for disk in &def.disks {
            match &disk.source {
                DiskSource::Path { path, .. } if !host.volumes_by_path.contains_key(path) => {
                    let found = volume_lookup("virStorageVolLookupByPath", conn.lookup_storage_vol_by_path(path))
                        .map(|v| v.map(|(name, key)| Volume { name, key, path: path.clone() }));
                    host.volumes_by_path.insert(path.clone(), found);
                }
                DiskSource::Volume { pool, volume } => {
                    let key = (pool.clone(), volume.clone());
                    if !host.volumes_by_name.contains_key(&key) {
                        host.volumes_by_name.insert(key, volume_by_name(conn, pool, volume));
                    }
                }
                _ => {}
            }
        }
    }
    // A connection that died while we asked (a remote daemon gone) leaves every fact above
    // "unavailable": that is a call that could not run, not a host that lacks the APIs.
    if !is_alive(conn) {
        return Err(Error::Libvirt {
            call: "gathering host facts".to_string(),
            code: 0,
            message: format!("the connection to '{uri}' closed during the check"),
        });
    }
    Ok(host)
}

/// Domain capabilities for the guest's arch, machine and virt type (the destination picks its
/// own emulator for them, as libvirt does when it starts the incoming guest).
fn domain_capabilities(conn: &Connect, def: &DomainDef) -> Fact<super::DomainCapabilities> {
    let x = fact(
        "virConnectGetDomainCapabilities",
        conn.domain_capabilities(None, def.arch.as_deref(), def.machine.as_deref(), Some(def.virt_type.as_str()).filter(|t| !t.is_empty()), 0),
    )?;
    xml::domcaps::parse_domain_capabilities(&x, "domain capabilities")
        .map_err(|e| Unavailable::new("virConnectGetDomainCapabilities", e.to_string()))
}

/// A volume lookup: `Ok(None)` when libvirt says there is no such volume.
fn volume_lookup(call: &str, result: Result<virt::storage_vol::StorageVol, VirtError>) -> Fact<Option<(String, String)>> {
    match result {
        Ok(vol) => {
            let name = fact("virStorageVolGetName", vol.name())?;
            let key = fact("virStorageVolGetKey", vol.key())?;
            Ok(Some((name, key)))
        }
        Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => Ok(None),
        Err(e) => Err(unavailable(call, e)),
    }
}

fn volume_by_name(conn: &Connect, pool: &str, volume: &str) -> Fact<Option<Volume>> {
    let pool = match conn.lookup_storage_pool_by_name(pool) {
        Ok(pool) => pool,
        Err(e) if e.code().is(ErrorNumber::NoStoragePool) => return Ok(None),
        Err(e) => return Err(unavailable("virStoragePoolLookupByName", e)),
    };
    let vol = match pool.lookup_storage_vol_by_name(volume) {
        Ok(vol) => vol,
        Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => return Ok(None),
        Err(e) => return Err(unavailable("virStorageVolLookupByName", e)),
    };
    Ok(Some(Volume {
        name: volume.to_string(),
        key: fact("virStorageVolGetKey", vol.key())?,
        path: fact("virStorageVolGetPath", vol.path())?,
    }))
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
        return Ok(FreeMemory { available_kib: bytes / 1024, total_kib: None, source: "virNodeGetFreeMemory".to_string() });
    }
    Err(Unavailable::new(
        "virNodeGetMemoryStats, virNodeGetFreeMemory",
        format!("{stats_error}; {}", VirtError::last_error().message()),
    ))
}

/// Every domain with its state and current memory: one `virConnectGetAllDomainStats` round trip,
/// or a list and one `virDomainGetInfo` each where the driver lacks it.
fn domains(conn: &Connect) -> Fact<Vec<DomainSummary>> {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: libvirt fills `records` with a NULL-terminated list we free below.
    let n = unsafe {
        sys::virConnectGetAllDomainStats(conn.as_ptr(), sys::VIR_DOMAIN_STATS_STATE | sys::VIR_DOMAIN_STATS_BALLOON, &mut records, 0)
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
        return out.into_iter().collect();
    }
    let all = fact("virConnectListAllDomains", conn.list_all_domains(0))?;
    all.iter()
        .map(|dom| {
            let info = fact("virDomainGetInfo", dom.info())?;
            let state = virt::enumutil::RawEnum::to_raw(info.state.unwrap_or(virt::domain::DomainState::NoState)) as i32;
            Ok(DomainSummary {
                name: fact("virDomainGetName", dom.name())?,
                uuid: fact("virDomainGetUUIDString", dom.uuid_string())?,
                active: GuestState::from_libvirt(state).is_active(),
                memory_kib: info.memory,
            })
        })
        .collect()
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

fn networks(conn: &Connect) -> Fact<Vec<super::Network>> {
    let all = fact("virConnectListAllNetworks", conn.list_all_networks(0))?;
    all.iter()
        .map(|net| {
            let active = fact("virNetworkIsActive", net.is_active())?;
            let x = fact("virNetworkGetXMLDesc", net.xml_desc(0))?;
            xml::network::parse_network(&x, active, "network XML").map_err(|e| Unavailable::new("virNetworkGetXMLDesc", e.to_string()))
        })
        .collect()
}

fn interfaces(conn: &Connect) -> Fact<Vec<HostInterface>> {
    let mut out = Vec::new();
    for (flag, active) in [(sys::VIR_CONNECT_LIST_INTERFACES_ACTIVE, true), (sys::VIR_CONNECT_LIST_INTERFACES_INACTIVE, false)] {
        for iface in fact("virConnectListAllInterfaces", conn.list_all_interfaces(flag))? {
            out.push(HostInterface { name: fact("virInterfaceGetName", iface.name())?, active });
        }
    }
    Ok(out)
}

fn pools(conn: &Connect) -> Fact<Vec<super::Pool>> {
    let all = fact("virConnectListAllStoragePools", conn.list_all_storage_pools(0))?;
    all.iter()
        .map(|pool| {
            let active = fact("virStoragePoolIsActive", pool.is_active())?;
            let x = fact("virStoragePoolGetXMLDesc", pool.xml_desc(0))?;
            xml::pool::parse_pool(&x, active, "storage pool XML").map_err(|e| Unavailable::new("virStoragePoolGetXMLDesc", e.to_string()))
        })
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
