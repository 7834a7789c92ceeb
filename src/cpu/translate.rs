// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPUs between the maps of two libvirt releases. A CPU definition means what its libvirt's map
//! says: a model is that map's set of bits, and releases differ (libvirt 9.0's Skylake-Server
//! holds mpx, 11.3's marks it `removed`; 11.3 knows cmpccxadd, 9.0 does not). CPUID and MSR
//! bits mean the same on every release, so a CPU is carried from one map to another through
//! its bits.

use super::baseline::decode;
use super::compare::{data_for_policy, feature_names};
use super::data::CpuData;
use super::map::CpuMap;
use crate::error::Error;
use crate::facts::CpuDef;

/// `data` of map `from` as data of map `to`: the same bits, less those `to` does not use (no
/// feature of its release has them, so no CPU it reads can ask for them).
pub fn data_into(from: &CpuMap, data: &CpuData, to: &CpuMap) -> CpuData {
    let mut out = to.empty_data();
    for (i, key) in from.bits.iter().enumerate() {
        if data.contains_bit(i)
            && let Some(j) = to.bit(key)
        {
            out.set(j);
        }
    }
    out
}

/// `cpu`, as its own libvirt reads it with `from`, written for a libvirt reading `to`: the same
/// bits decoded to `to`'s models and features (what `to`'s release cannot name is left out: it
/// cannot give it). The same map: `cpu` itself. Errors: a model or feature `from` does not know.
pub fn translate(from: &CpuMap, cpu: &CpuDef, to: &CpuMap) -> Result<CpuDef, Error> {
    let data = data_for_policy(from, cpu, None)?;
    if std::ptr::eq(from, to) {
        return Ok(cpu.clone());
    }
    let data = data_into(from, &data, to);
    let vendor =
        cpu.vendor.clone().or_else(|| cpu.model.as_deref().and_then(|m| from.model(m)).and_then(|m| m.vendor.clone()));
    let preferred: Vec<&str> = cpu.model.as_deref().into_iter().collect();
    let decoded = decode(to, &data, vendor.as_deref(), &preferred, false)?;
    Ok(CpuDef { model: decoded.model, features: decoded.features, vendor: cpu.vendor.clone(), ..cpu.clone() })
}

/// `cpu`, written with `map`, made to mean the same bits to a libvirt reading it with `other`
/// (whose release knows every name `map`'s does): the features `other`'s model lacks are
/// required and those it has beyond `cpu`'s bits disabled, explicitly, as libvirt itself writes
/// a model's `removed` features disabled (x86DataToCPU in src/cpu/cpu_x86.c).
pub fn pin_meaning(map: &CpuMap, cpu: &CpuDef, other: &CpuMap) -> Result<CpuDef, Error> {
    if std::ptr::eq(map, other) {
        return Ok(cpu.clone());
    }
    let meant = data_into(map, &data_for_policy(map, cpu, None)?, other);
    let read = data_for_policy(other, cpu, None)?;
    let (mut lacking, mut beyond) = (meant.clone(), read);
    lacking.subtract(&beyond);
    beyond.subtract(&meant);
    let mut out = cpu.clone();
    for (names, policy) in [(feature_names(other, &lacking), "require"), (feature_names(other, &beyond), "disable")] {
        for name in names {
            match out.features.iter_mut().find(|(n, _)| *n == name) {
                Some(feature) => feature.1 = policy.to_string(),
                None => out.features.push((name, policy.to_string())),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::carried::for_libvirt;

    fn skylake_server(features: &[(&str, &str)]) -> CpuDef {
        CpuDef {
            mode: Some("custom".into()),
            model: Some("Skylake-Server".into()),
            features: features.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect(),
            ..CpuDef::default()
        }
    }

    #[test]
    fn a_model_means_what_its_release_says() {
        let old = for_libvirt(Some(9_000_000)).0.map().unwrap();
        let new = for_libvirt(Some(11_003_000)).0.map().unwrap();
        let has = |map: &CpuMap, cpu: &CpuDef, name: &str| {
            data_for_policy(map, cpu, None).unwrap().contains(&map.feature(name).unwrap().1.data)
        };
        // libvirt 9.0's Skylake-Server holds mpx, 11.3's does not.
        let plain = skylake_server(&[]);
        assert!(has(&old, &plain, "mpx") && !has(&new, &plain, "mpx"));
        // Written for 11.3, a CPU without mpx disables it for 9.0; read by 9.0 as 9.0 meant it,
        // it keeps mpx for 11.3.
        let for_old = pin_meaning(&new, &plain, &old).unwrap();
        assert!(!has(&old, &for_old, "mpx"), "{for_old:?}");
        let for_new = pin_meaning(&old, &plain, &new).unwrap();
        assert!(has(&new, &for_new, "mpx"), "{for_new:?}");
        // A CPU of 11.3 naming cmpccxadd, carried to 9.0's map: the bits 9.0 knows, no more.
        let with_new_name = skylake_server(&[("cmpccxadd", "require")]);
        let carried = translate(&new, &with_new_name, &old).unwrap();
        assert!(carried.features.iter().all(|(n, _)| old.knows_feature(n)), "{carried:?}");
        assert!(!has(&old, &carried, "mpx"));
        let back = data_into(&old, &data_for_policy(&old, &carried, None).unwrap(), &new);
        let mut expected = data_for_policy(&new, &with_new_name, None).unwrap();
        expected.subtract(&new.feature("cmpccxadd").unwrap().1.data);
        assert_eq!(back, expected);
    }
}
