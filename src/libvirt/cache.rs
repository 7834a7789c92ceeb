// SPDX-License-Identifier: LGPL-2.1-or-later
//! Opt-in caching of host facts across calls (VIR_MIGRATION_CHECK_CACHE): a complete,
//! guest-independent view of each host (its snapshot, parsed), keyed by the connection and its
//! URI, reused for `ttl`.
//!
//! Invalidation: entries expire after their TTL (default 60 s, `cache_ttl` parameter), are
//! dropped when the connection is closed or no longer alive, and can be dropped by hand
//! (`invalidate`, virMigrationCheckCacheInvalidate). libvirt's events are not used: they need
//! an event loop, which belongs to the host program, and libvirt has no generation counters
//! for host state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use virt::connect::Connect;

use crate::error::Error;
use crate::facts::Host;

struct Entry {
    taken: Instant,
    host: Arc<Host>,
}

/// Keyed by (connection address, URI): an address reused by another connection to another
/// host does not match.
static CACHE: Lazy<Mutex<HashMap<(usize, String), Entry>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn key(conn: &Connect) -> Result<(usize, String), Error> {
    let uri = conn.uri().map_err(|e| Error::libvirt("virConnectGetURI", &e))?;
    // SAFETY: only the address is used, as a key.
    Ok((unsafe { conn.as_ptr() } as usize, uri))
}

/// The host facts of `conn`, from the cache when fresh, else gathered (a full snapshot) and
/// cached.
pub fn host(conn: &Connect, ttl: Duration) -> Result<Arc<Host>, Error> {
    let key = key(conn)?;
    {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(&key) {
            Some(entry) if entry.taken.elapsed() < ttl && super::gather::is_alive(conn) => {
                return Ok(entry.host.clone());
            }
            Some(_) => {
                cache.remove(&key);
            }
            None => {}
        }
    }
    let host = Arc::new(super::gather::whole_host(conn)?);
    CACHE.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Entry { taken: Instant::now(), host: host.clone() });
    Ok(host)
}

/// Drops the cached facts of `conn`, or of every connection when None.
pub fn invalidate(conn: Option<&Connect>) {
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    match conn.and_then(|c| key(c).ok()) {
        Some(key) => {
            cache.remove(&key);
        }
        None if conn.is_none() => cache.clear(),
        None => {}
    }
}

/// How many hosts are cached (for tests and diagnostics).
pub fn len() -> usize {
    CACHE.lock().unwrap_or_else(|e| e.into_inner()).len()
}
