// SPDX-License-Identifier: LGPL-2.1-or-later
//! Baseline (the CPU every input can give), decode (CPU data to the best named model) and
//! feature expansion, with libvirt's semantics (cpu_x86.c: virCPUx86Baseline, x86Decode,
//! x86DecodeUseCandidate, virCPUx86ExpandFeatures).

use super::compare::{data_for_policy, validate};
use super::data::CpuData;
use super::map::{CpuMap, Model};
use crate::error::Error;
use crate::facts::CpuDef;

/// Computes the baseline of `cpus`: their common features, decoded to the nearest named model.
/// `migratable` drops features that block migration (invtsc ...). Errors: no CPUs, a CPU without
/// a model, unknown models or features, different vendors, nothing in common.
pub fn baseline(map: &CpuMap, cpus: &[CpuDef], migratable: bool) -> Result<CpuDef, Error> {
    let Some(first) = cpus.first() else { return Err(Error::invalid("no CPUs given")) };
    for (i, cpu) in cpus.iter().enumerate() {
        validate(cpu)?;
        if cpu.model.is_none() {
            return Err(Error::invalid(format!("no CPU model specified at index {i}")));
        }
    }
    let mut base = data_for_policy(map, first, None)?;
    // The output names a vendor only when every input does; the first CPU's vendor is its
    // <vendor> text, later CPUs may contribute their model's vendor.
    let mut output_vendor = first.vendor.is_some();
    let mut vendor: Option<String> = match &first.vendor {
        Some(v) => Some(map.vendor(v).ok_or_else(|| Error::invalid(format!("unknown CPU vendor '{v}'")))?.name.clone()),
        None => None,
    };
    let mut names: Vec<&str> = Vec::new();
    for cpu in cpus {
        let name = cpu.model.as_deref().unwrap_or_default();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for cpu in &cpus[1..] {
        let model_vendor = cpu.model.as_deref().and_then(|m| map.model(m)).and_then(|m| m.vendor.clone());
        let data = data_for_policy(map, cpu, None)?;
        if let (Some(v), Some(mv)) = (&cpu.vendor, &model_vendor)
            && v != mv
        {
            return Err(Error::invalid(format!(
                "CPU vendor {v} of model {} differs from vendor {mv}",
                cpu.model.as_deref().unwrap_or_default()
            )));
        }
        let this_vendor = match &cpu.vendor {
            Some(v) => Some(v.clone()),
            None => {
                output_vendor = false;
                model_vendor
            }
        };
        if let Some(v) = this_vendor {
            match &vendor {
                None => {
                    vendor = Some(
                        map.vendor(&v).ok_or_else(|| Error::invalid(format!("unknown CPU vendor '{v}'")))?.name.clone(),
                    )
                }
                Some(current) if *current != v => return Err(Error::invalid("CPU vendors do not match")),
                Some(_) => {}
            }
        }
        base.intersect(&data);
    }
    if base.is_empty() {
        return Err(Error::invalid("CPUs are incompatible"));
    }
    let mut result = decode(map, &base, vendor.as_deref(), &names, migratable)?;
    if names.len() == 1 && result.model.as_deref() == Some(names[0]) {
        result.fallback = Some("forbid".to_string());
    }
    if !output_vendor {
        result.vendor = None;
    }
    Ok(result)
}

/// The baseline of CPUs of different vendors: their common features, decoded to the nearest
/// vendor-neutral model (qemu64, kvm64 ...), with no vendor.
pub fn baseline_vendor_neutral(map: &CpuMap, cpus: &[CpuDef], migratable: bool) -> Result<CpuDef, Error> {
    let mut base: Option<CpuData> = None;
    for cpu in cpus {
        validate(cpu)?;
        let data = data_for_policy(map, cpu, None)?;
        match &mut base {
            Some(b) => b.intersect(&data),
            None => base = Some(data),
        }
    }
    let base = base.ok_or_else(|| Error::invalid("no CPUs given"))?;
    if base.is_empty() {
        return Err(Error::invalid("CPUs are incompatible"));
    }
    decode_among(map, &base, None, &[], migratable, true)
}

/// The guest CPU that describes `data` best: the named model needing the fewest listed features
/// (libvirt's x86Decode for a guest CPU). Models are tried newest first; `preferred` models win
/// ties on disabled features, and a single preferred model wins outright.
pub fn decode(
    map: &CpuMap,
    data: &CpuData,
    vendor: Option<&str>,
    preferred: &[&str],
    migratable: bool,
) -> Result<CpuDef, Error> {
    decode_among(map, data, vendor, preferred, migratable, false)
}

/// `decode`, optionally among vendor-neutral models only.
fn decode_among(
    map: &CpuMap,
    data: &CpuData,
    vendor: Option<&str>,
    preferred: &[&str],
    migratable: bool,
    neutral_only: bool,
) -> Result<CpuDef, Error> {
    let mut best: Option<CpuDef> = None;
    for model in map.models.iter().rev() {
        if !model.decode_guest || (neutral_only && model.vendor.is_some()) {
            continue;
        }
        if let (Some(v), Some(mv)) = (vendor, model.vendor.as_deref())
            && v != mv
        {
            continue;
        }
        let candidate = to_cpu(map, data, model);
        let is_preferred = preferred.contains(&model.name.as_str());
        if is_preferred && preferred.len() == 1 {
            best = Some(candidate);
            break;
        }
        let take = match &best {
            None => true,
            Some(current) => better(current, &candidate, is_preferred),
        };
        if take {
            best = Some(candidate);
        }
    }
    let mut cpu = best.ok_or_else(|| Error::invalid("cannot find a suitable CPU model for the given data"))?;
    if migratable {
        cpu.features.retain(|(name, _)| map.feature(name).is_none_or(|(_, f)| f.migratable));
    }
    cpu.vendor = vendor.map(str::to_string);
    Ok(cpu)
}

/// `data` expressed relative to `model`: its extra features required, the model's missing ones
/// disabled, then the model's removed features disabled (libvirt's x86DataToCPU).
fn to_cpu(map: &CpuMap, data: &CpuData, model: &Model) -> CpuDef {
    let mut extra = data.clone();
    extra.subtract(&model.data);
    let mut missing = model.data.clone();
    missing.subtract(data);
    let mut features = names_with_policy(map, extra, "require");
    features.extend(names_with_policy(map, missing, "disable"));
    for &i in &model.removed {
        let name = &map.features[i].name;
        if !features.iter().any(|(n, _)| n == name) {
            features.push((name.clone(), "disable".to_string()));
        }
    }
    CpuDef {
        mode: Some("custom".to_string()),
        matching: Some("exact".to_string()),
        model: Some(model.name.clone()),
        fallback: Some("allow".to_string()),
        features,
        ..CpuDef::default()
    }
}

/// The features wholly in `data`, in map order, each taken out of `data` as it is named
/// (libvirt's x86DataToCPUFeatures).
fn names_with_policy(map: &CpuMap, mut data: CpuData, policy: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for feature in &map.features {
        if !feature.data.is_empty() && data.contains(&feature.data) {
            data.subtract(&feature.data);
            out.push((feature.name.clone(), policy.to_string()));
        }
    }
    out
}

/// libvirt's feature-list score: each disabled feature costs a growing penalty. The loop's
/// bound shrinks as disabled features are counted, exactly as libvirt's does
/// (virCPUx86CompareCandidateFeatureList), so that the same model wins.
fn score(cpu: &CpuDef) -> (usize, usize) {
    let mut enabled = cpu.features.len();
    let (mut disabled, mut penalty, mut i) = (0, 2, 0);
    while i < enabled {
        if cpu.features[i].1 == "disable" {
            enabled -= 1;
            disabled += penalty;
            penalty += 1;
        }
        i += 1;
    }
    (enabled + disabled, disabled)
}

fn better(current: &CpuDef, candidate: &CpuDef, is_preferred: bool) -> bool {
    let (current_total, current_disabled) = score(current);
    let (total, disabled) = score(candidate);
    total < current_total
        || (total == current_total && disabled < current_disabled)
        || (is_preferred && disabled < current_disabled)
}

/// Lists every feature of the CPU's model explicitly (libvirt's EXPAND_FEATURES), with the
/// CPU's own required and disabled features applied, sorted by name.
pub fn expand(map: &CpuMap, cpu: &CpuDef) -> Result<CpuDef, Error> {
    let name = cpu.model.as_deref().ok_or_else(|| Error::invalid("cannot expand a CPU without a model"))?;
    let model = map.model(name).ok_or_else(|| Error::invalid(format!("unknown CPU model '{name}'")))?;
    let mut features = names_with_policy(map, model.data.clone(), "require");
    for (fname, policy) in &cpu.features {
        if !cpu.host && policy != "require" && policy != "disable" {
            continue;
        }
        match features.iter_mut().find(|(n, _)| n == fname) {
            Some(entry) => entry.1 = policy.clone(),
            None => features.push((fname.clone(), policy.clone())),
        }
    }
    if !cpu.host {
        for &i in &model.removed {
            let removed = &map.features[i].name;
            if !features.iter().any(|(n, _)| n == removed) {
                features.push((removed.clone(), "disable".to_string()));
            }
        }
    }
    features.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(CpuDef { features, ..cpu.clone() })
}
