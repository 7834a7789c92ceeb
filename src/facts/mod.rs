// SPDX-License-Identifier: LGPL-2.1-or-later
//! Facts: plain Rust descriptions of a guest and of a host, with no libvirt types in them.
//!
//! Checks read only these, so every check runs the same on a live host, on a saved snapshot and
//! in a unit test. The libvirt layer (`crate::libvirt`) fills them; nothing here talks to libvirt.

pub mod cpuset;
mod guest;
mod host;
pub mod machines;
mod snapshot;

pub use guest::*;
pub use host::*;
pub use snapshot::*;

use bitflags::bitflags;

/// A fact a host could not give, and why. Checks that need it come out SKIPPED with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// The libvirt call that failed ("virNodeGetFreeMemory"), or "not gathered".
    pub call: String,
    /// libvirt's error text, or why the fact was not asked for.
    pub reason: String,
}

impl Unavailable {
    pub fn new(call: impl Into<String>, reason: impl Into<String>) -> Unavailable {
        Unavailable { call: call.into(), reason: reason.into() }
    }

    /// A fact no selected check asked for.
    pub fn not_gathered() -> Unavailable {
        Unavailable::new("not gathered", "no selected check needs this fact")
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.call, self.reason)
    }
}

/// A fact, or why the host could not give it.
pub type Fact<T> = Result<T, Unavailable>;

bitflags! {
    /// The host facts a check reads. The gatherer fetches the union of what the selected checks
    /// need, each once per call.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Needs: u32 {
        const VERSIONS = 1 << 0;
        const CAPABILITIES = 1 << 1;
        const NODE_INFO = 1 << 2;
        const FREE_MEMORY = 1 << 3;
        const DOMAINS = 1 << 4;
        const NETWORKS = 1 << 5;
        const INTERFACES = 1 << 6;
        const POOLS = 1 << 7;
        /// Storage volumes the guest's disks refer to (by path, or by pool and name).
        const VOLUMES = 1 << 8;
        /// Domain capabilities for the guest's emulator, arch, machine and virt type.
        const DOMAIN_CAPABILITIES = 1 << 9;
        /// Free memory and free pages per NUMA cell.
        const CELLS = 1 << 10;
        /// The hypervisor's own verdict on the guest's CPU (virConnectCompareHypervisorCPU).
        const CPU_COMPARISON = 1 << 11;
        /// Node devices, for a guest with mdev host devices (their types, free instances).
        const NODE_DEVICES = 1 << 12;
        /// The host's name (virConnectGetHostname): with the URI, the evidence that two hosts
        /// reporting no host UUID are one.
        const HOSTNAME = 1 << 13;
    }
}
