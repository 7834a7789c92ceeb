// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CPU maps of the libvirt releases the library carries (`data/cpu_map/libvirt-X.Y.Z/`,
//! each release's index.xml and x86 files as it installs them, origin in each directory's
//! ORIGIN), built into the library: a destination is judged with what *its* libvirt knows,
//! whatever the management host has installed. libvirt parses an incoming guest CPU with its own
//! map (x86FeatureFind / x86ModelFind in src/cpu/cpu_x86.c) and compares it with its host's CPU
//! by that map's models and bits, so a name its map lacks is refused ("unknown CPU feature:
//! cmpccxadd", libvirt 9.0 receiving a host-model guest started under libvirt 11.3 on the bed),
//! and a model's features are the ones its map lists.

use std::sync::{Arc, OnceLock};

use super::map::CpuMap;
use crate::error::Error;

/// The carried releases' files: `(release, [(file, text)])`, oldest release first.
const FILES: &[(&str, &[(&str, &str)])] = include!(concat!(env!("OUT_DIR"), "/carried_cpu_maps.rs"));

/// One carried release.
#[derive(Debug)]
pub struct Release {
    /// As major * 1,000,000 + minor * 1,000 + micro (libvirt's version numbers).
    pub libvirt: u64,
    /// "11.3.0".
    pub name: &'static str,
    files: &'static [(&'static str, &'static str)],
    map: OnceLock<Result<Arc<CpuMap>, String>>,
}

impl Release {
    /// The release's map, parsed on first use and kept for the process.
    pub fn map(&self) -> Result<Arc<CpuMap>, Error> {
        self.map
            .get_or_init(|| {
                let source = format!("libvirt {}'s CPU map (carried by the library)", self.name);
                let read = |file: &str| {
                    let name = format!("libvirt {}'s cpu_map/{file}", self.name);
                    match self.files.iter().find(|(f, _)| *f == file) {
                        Some((_, text)) => Ok((text.to_string(), name)),
                        None => Err(Error::xml(&name, "not carried")),
                    }
                };
                CpuMap::parse(source, &read).map(Arc::new).map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| Error::xml("carried CPU map", e))
    }
}

/// The carried releases, oldest first.
pub fn releases() -> &'static [Release] {
    static RELEASES: OnceLock<Vec<Release>> = OnceLock::new();
    RELEASES.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, files)| {
                let mut parts = name.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
                let mut next = || parts.next().unwrap_or(0);
                let libvirt = next() * 1_000_000 + next() * 1_000 + next();
                Release { libvirt, name, files, map: OnceLock::new() }
            })
            .collect()
    })
}

/// How well a carried release stands for a destination's libvirt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The destination runs that release's series (same major and minor): its map is the
    /// destination's own (libvirt changes cpu_map only in new minor releases).
    Exact,
    /// The destination runs a later libvirt, which knows at least these names (libvirt never
    /// removes one) and maybe more.
    Older,
    /// The destination's libvirt is older than every carried release, or unknown.
    Unknown,
}

/// The release judging a destination whose libvirt is `version` (None: unknown): the newest
/// carried release not newer than it, else the oldest; with how well it fits.
pub fn for_libvirt(version: Option<u64>) -> (&'static Release, Fit) {
    let all = releases();
    let newest = all.last().expect("data/cpu_map holds at least one release");
    let Some(version) = version else { return (newest, Fit::Unknown) };
    match all.iter().rev().find(|r| r.libvirt <= version) {
        Some(r) if r.libvirt / 1_000 == version / 1_000 => (r, Fit::Exact),
        Some(r) => (r, Fit::Older),
        None => (&all[0], Fit::Unknown),
    }
}

/// The newest carried release's map: the library's default map where no destination is
/// involved (the CLI's cpu-compare without --cpu-map, a baseline's common language).
pub fn newest() -> Result<Arc<CpuMap>, Error> {
    releases().last().expect("data/cpu_map holds at least one release").map()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carried_maps_differ_where_libvirt_grew() {
        let (old, fit) = for_libvirt(Some(9_000_000));
        assert_eq!((old.name, fit), ("9.0.0", Fit::Exact));
        let old = old.map().unwrap();
        assert!(old.knows_feature("x2apic") && !old.knows_feature("cmpccxadd"));
        assert!(old.knows_feature("sse3"), "an alias is a name libvirt's parser accepts");
        assert!(old.model("Skylake-Client").is_some() && old.model("SapphireRapids").is_none());
        let (new, fit) = for_libvirt(Some(11_003_002));
        assert_eq!((new.name, fit), ("11.3.0", Fit::Exact));
        let new = new.map().unwrap();
        assert!(new.knows_feature("cmpccxadd") && new.knows_feature("fdp-excptn-only"));
        assert!(new.model("SapphireRapids").is_some());
        assert_eq!(for_libvirt(Some(10_000_000)).1, Fit::Older);
        assert_eq!(for_libvirt(Some(12_000_000)).0.name, "11.3.0");
        let (oldest, fit) = for_libvirt(Some(8_000_000));
        assert_eq!((oldest.name, fit), ("9.0.0", Fit::Unknown));
        assert_eq!(for_libvirt(None).0.name, "11.3.0");
        assert!(Arc::ptr_eq(&newest().unwrap(), &new), "parsed once");
    }

    #[test]
    fn the_carried_maps_are_the_files_of_data_cpu_map() {
        // The built-in 11.3 map is the same map as libvirt 11.3's files read from a directory.
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/cpu_map/libvirt-11.3.0");
        let from_dir = CpuMap::load(&dir).unwrap();
        let built_in = for_libvirt(Some(11_003_000)).0.map().unwrap();
        assert_eq!(from_dir.features, built_in.features);
        assert_eq!(from_dir.models, built_in.models);
    }
}
