// SPDX-License-Identifier: LGPL-2.1-or-later
//! Machine type names: families and versions ("pc-q35-7.2" is family "pc-q35", version 7.2).

/// The machine family of a machine type: its name without the trailing version
/// ("pc-q35-7.2" -> "pc-q35", "virt-9.2" -> "virt", "isapc" -> "isapc").
pub fn machine_family(machine: &str) -> &str {
    match machine.rfind('-') {
        Some(i) if machine[i + 1..].chars().all(|c| c.is_ascii_digit() || c == '.') && i + 1 < machine.len() => {
            &machine[..i]
        }
        _ => machine,
    }
}

/// A machine type's version as numbers, for picking a family's newest ("7.10" > "7.2").
pub fn machine_version(machine: &str) -> Vec<u64> {
    machine.rsplit('-').next().unwrap_or("").split('.').filter_map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::{machine_family, machine_version};

    #[test]
    fn machine_families_and_versions() {
        assert_eq!(machine_family("pc-q35-7.2"), "pc-q35");
        assert_eq!(machine_family("pc-i440fx-10.0"), "pc-i440fx");
        assert_eq!(machine_family("virt-9.2"), "virt");
        assert_eq!(machine_family("isapc"), "isapc");
        assert_eq!(machine_family("x-remote"), "x-remote");
        assert_eq!(machine_family("s390-ccw-virtio-7.2"), "s390-ccw-virtio");
        assert!(machine_version("pc-q35-7.10") > machine_version("pc-q35-7.2"));
        assert!(machine_version("pc-q35-10.0") > machine_version("pc-q35-9.2"));
    }
}
