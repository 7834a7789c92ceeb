//! The x86 CPU feature and model names each libvirt release the library carries knows
//! (`data/cpu_names/`, made from that release's cpu_map, origin in each file). A feature's
//! aliases (`<alias name='sse3' source='qemu'/>`) count as known: never a guessed refusal. A destination's
//! libvirt refuses a guest CPU naming a feature its own map lacks ("unknown CPU feature: ..."),
//! whatever the management host's map says: these lists let the checks judge a destination by
//! what *its* libvirt knows.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// One carried release's names.
#[derive(Debug)]
pub struct KnownNames {
    /// The release, as major * 1,000,000 + minor * 1,000 + micro.
    pub libvirt: u64,
    pub features: BTreeSet<&'static str>,
    pub models: BTreeSet<&'static str>,
}

/// The carried lists, oldest first.
const CARRIED: &[(u64, &str)] = &[
    (9_000_000, include_str!("../../data/cpu_names/libvirt-9.0.0.txt")),
    (11_003_000, include_str!("../../data/cpu_names/libvirt-11.3.0.txt")),
];

fn carried() -> &'static [KnownNames] {
    static PARSED: OnceLock<Vec<KnownNames>> = OnceLock::new();
    PARSED.get_or_init(|| {
        CARRIED
            .iter()
            .map(|(libvirt, text)| {
                let mut names = KnownNames { libvirt: *libvirt, features: BTreeSet::new(), models: BTreeSet::new() };
                for line in text.lines().filter(|l| !l.starts_with('#')) {
                    match line.split_once(' ') {
                        Some(("feature", name)) => names.features.insert(name),
                        Some(("model", name)) => names.models.insert(name),
                        _ => false,
                    };
                }
                names
            })
            .collect()
    })
}

/// What a destination running libvirt `version` knows: the newest carried release not newer
/// than it, and whether it is that release's own series (same major and minor: the names are
/// exactly its), or a later one (it knows at least those, maybe more). None for a libvirt older
/// than every carried release.
pub fn for_libvirt(version: u64) -> Option<(&'static KnownNames, bool)> {
    let known = carried().iter().rev().find(|k| k.libvirt <= version)?;
    Some((known, known.libvirt / 1_000 == version / 1_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carried_maps_differ_where_libvirt_grew() {
        let (old, exact) = for_libvirt(9_000_000).unwrap();
        assert!(exact && old.features.contains("x2apic") && !old.features.contains("cmpccxadd"));
        assert!(old.models.contains("Skylake-Client") && !old.models.contains("SapphireRapids"));
        let (new, exact) = for_libvirt(11_003_002).unwrap();
        assert!(exact && new.features.contains("cmpccxadd") && new.features.contains("fdp-excptn-only"));
        assert!(!for_libvirt(10_000_000).unwrap().1);
        assert!(for_libvirt(8_000_000).is_none());
    }
}
