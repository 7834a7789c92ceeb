// SPDX-License-Identifier: LGPL-2.1-or-later
//! The libvirt layer: the only code that talks to libvirt. `gather` turns live connections
//! into facts with read-only calls; `cache` keeps host facts across calls where the caller asks
//! (VIR_MIGRATION_CHECK_CACHE). Everything above this layer reads facts, never a connection.

pub mod cache;
pub mod gather;
