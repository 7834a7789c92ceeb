// SPDX-License-Identifier: LGPL-2.1-or-later
//! Compare a guest CPU with a host CPU, as libvirt's `virCPUCompare` does for x86
//! (cpu_x86.c: x86Compute): IDENTICAL, SUPERSET (the host has more), INCOMPATIBLE (with the
//! missing, forbidden or extra features named), or an error for an unknown model or feature.

use super::data::CpuData;
use super::map::CpuMap;
use crate::error::Error;
use crate::facts::CpuDef;

/// The answer of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Identical,
    Superset,
    Incompatible,
}

impl Comparison {
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Identical => "IDENTICAL",
            Comparison::Superset => "SUPERSET",
            Comparison::Incompatible => "INCOMPATIBLE",
        }
    }
}

/// A comparison with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareOutcome {
    pub result: Comparison,
    /// Why it is incompatible, in libvirt's words.
    pub reason: Option<String>,
    /// Features the guest requires that the host lacks.
    pub missing: Vec<String>,
    /// Features the guest forbids that the host has.
    pub forbidden: Vec<String>,
    /// Features the host has beyond a strict guest's.
    pub extra: Vec<String>,
}

impl CompareOutcome {
    fn new(result: Comparison) -> CompareOutcome {
        CompareOutcome { result, reason: None, missing: Vec::new(), forbidden: Vec::new(), extra: Vec::new() }
    }

    fn incompatible(reason: &str) -> CompareOutcome {
        CompareOutcome { reason: Some(reason.to_string()), ..CompareOutcome::new(Comparison::Incompatible) }
    }

    /// The answers of a comparison made by other means than the map (by names).
    pub fn identical() -> CompareOutcome {
        CompareOutcome::new(Comparison::Identical)
    }

    pub fn superset() -> CompareOutcome {
        CompareOutcome::new(Comparison::Superset)
    }

    /// Incompatible: the host lacks `missing`, in libvirt's words.
    pub fn missing(missing: Vec<String>) -> CompareOutcome {
        CompareOutcome { missing, ..CompareOutcome::incompatible(MISSING_REASON) }
    }

    /// Adds a feature the host lacks, making the outcome incompatible.
    pub fn add_missing(&mut self, feature: &str) {
        self.missing.push(feature.to_string());
        self.result = Comparison::Incompatible;
        self.reason.get_or_insert_with(|| MISSING_REASON.to_string());
    }

    /// Adds a feature the guest forbids and the host has, making the outcome incompatible.
    pub fn add_forbidden(&mut self, feature: &str) {
        self.forbidden.push(feature.to_string());
        self.result = Comparison::Incompatible;
        self.reason.get_or_insert_with(|| FORBIDDEN_REASON.to_string());
    }
}

const MISSING_REASON: &str = "Host CPU does not provide required features";
const FORBIDDEN_REASON: &str = "Host CPU provides forbidden features";

const POLICIES: [&str; 5] = ["force", "require", "optional", "disable", "forbid"];

/// The CPU data a definition contributes for one feature `policy`, or with None its effective
/// data (model + required + forced - disabled - forbidden; optional ignored). The model's data
/// counts as required; a host CPU has only required features (libvirt's x86ModelFromCPU).
pub fn data_for_policy(map: &CpuMap, cpu: &CpuDef, policy: Option<&str>) -> Result<CpuData, Error> {
    if cpu.host && policy.is_some_and(|p| p != "require") {
        return Ok(map.empty_data());
    }
    let mut data = match (&cpu.model, policy) {
        (Some(name), None | Some("require")) => {
            map.model(name).ok_or_else(|| Error::invalid(format!("unknown CPU model '{name}'")))?.data.clone()
        }
        _ => map.empty_data(),
    };
    for (name, fpolicy) in &cpu.features {
        let fpolicy = if cpu.host { "require" } else { fpolicy.as_str() };
        if !POLICIES.contains(&fpolicy) {
            return Err(Error::invalid(format!("unknown feature policy '{fpolicy}' for feature '{name}'")));
        }
        match policy {
            None if fpolicy == "optional" => continue,
            Some(p) if p != fpolicy => continue,
            _ => {}
        }
        let (_, feature) = map.feature(name).ok_or_else(|| Error::invalid(format!("unknown CPU feature '{name}'")))?;
        match (policy, fpolicy) {
            (None, "disable" | "forbid") => data.subtract(&feature.data),
            _ => data.add(&feature.data),
        }
    }
    Ok(data)
}

/// The data of each policy class of a CPU in one pass: [force, require (with the model's
/// data), optional, disable, forbid] — what `data_for_policy` gives for each, for the cost of one.
pub fn policy_sets(map: &CpuMap, cpu: &CpuDef) -> Result<[CpuData; 5], Error> {
    if cpu.host {
        let mut sets: [CpuData; 5] = std::array::from_fn(|_| map.empty_data());
        sets[1] = data_for_policy(map, cpu, None)?;
        return Ok(sets);
    }
    let mut sets: [CpuData; 5] = std::array::from_fn(|_| map.empty_data());
    if let Some(name) = &cpu.model {
        sets[1] = map.model(name).ok_or_else(|| Error::invalid(format!("unknown CPU model '{name}'")))?.data.clone();
    }
    for (name, policy) in &cpu.features {
        let slot = POLICIES
            .iter()
            .position(|p| p == policy)
            .ok_or_else(|| Error::invalid(format!("unknown feature policy '{policy}' for feature '{name}'")))?;
        let (_, feature) = map.feature(name).ok_or_else(|| Error::invalid(format!("unknown CPU feature '{name}'")))?;
        sets[slot].add(&feature.data);
    }
    Ok(sets)
}

/// The names of the features wholly inside `data`, in map order.
pub fn feature_names(map: &CpuMap, data: &CpuData) -> Vec<String> {
    map.features_in(data).map(|(_, f)| f.name.clone()).collect()
}

/// Whether `arch` is one the x86 CPU driver handles.
pub fn is_x86(arch: &str) -> bool {
    matches!(arch, "x86_64" | "i686" | "i386" | "i486" | "i586")
}

/// Refuses a definition libvirt's parser would refuse: a feature listed twice.
pub fn validate(cpu: &CpuDef) -> Result<(), Error> {
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(cpu.features.len(), Default::default());
    for (name, _) in &cpu.features {
        if !seen.insert(name.as_str()) {
            return Err(Error::invalid(format!("CPU feature '{name}' specified more than once")));
        }
    }
    Ok(())
}

/// Compares `guest` with `host` (libvirt's x86Compute). Unknown models and features are errors,
/// and so are definitions libvirt's parser would refuse (a feature listed twice).
pub fn compare(map: &CpuMap, host: &CpuDef, guest: &CpuDef) -> Result<CompareOutcome, Error> {
    validate(host)?;
    validate(guest)?;
    compare_parsed(map, host, guest)
}

/// `compare` for definitions libvirt itself produced (a live domain's CPU, a host-model CPU,
/// capabilities): libvirt's parser already refused duplicates, so they are not looked for again.
pub fn compare_parsed(map: &CpuMap, host: &CpuDef, guest: &CpuDef) -> Result<CompareOutcome, Error> {
    if host.model.is_none() {
        return Ok(CompareOutcome::incompatible("the host CPU has no model"));
    }
    if let Some(arch) = guest.arch.as_deref()
        && !is_x86(arch)
    {
        return Ok(CompareOutcome::incompatible(&format!("CPU arch {arch} does not match host arch")));
    }
    if let Some(vendor) = guest.vendor.as_deref()
        && host.vendor.as_deref() != Some(vendor)
    {
        return Ok(CompareOutcome::incompatible(&format!(
            "host CPU vendor does not match required CPU vendor {vendor}"
        )));
    }
    let host_data = data_for_policy(map, host, None)?;
    let [force, mut require, optional, disable, mut forbidden] = policy_sets(map, guest)?;
    forbidden.intersect(&host_data);
    if !forbidden.is_empty() {
        return Ok(CompareOutcome {
            forbidden: feature_names(map, &forbidden),
            ..CompareOutcome::incompatible(FORBIDDEN_REASON)
        });
    }
    // Features inherited from the model but explicitly forced, made optional or disabled are
    // not required.
    require.subtract(&force);
    require.subtract(&optional);
    require.subtract(&disable);
    if !host_data.contains(&require) {
        let mut missing = require;
        missing.subtract(&host_data);
        return Ok(CompareOutcome {
            missing: feature_names(map, &missing),
            ..CompareOutcome::incompatible(MISSING_REASON)
        });
    }
    let mut diff = host_data;
    for d in [&optional, &require, &disable, &force] {
        diff.subtract(d);
    }
    if diff.is_empty() {
        return Ok(CompareOutcome::new(Comparison::Identical));
    }
    if !guest.host && guest.matching.as_deref() == Some("strict") {
        return Ok(CompareOutcome {
            extra: feature_names(map, &diff),
            ..CompareOutcome::incompatible("Host CPU does not strictly match guest CPU: Extra features")
        });
    }
    Ok(CompareOutcome::new(Comparison::Superset))
}
