// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CPU model engine on libvirt's cpu_map: expand, compare, baseline, decode, with
//! libvirt's semantics (src/cpu/cpu_x86.c), checked case by case against libvirt's own test
//! suite (tests/cputest.c and its data).

pub mod baseline;
pub mod carried;
pub mod compare;
pub mod data;
pub mod format;
pub mod map;
pub mod translate;

pub use data::CpuData;
pub use map::{CpuMap, SYSTEM_CPU_MAP};
