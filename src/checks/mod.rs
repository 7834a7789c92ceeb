// SPDX-License-Identifier: LGPL-2.1-or-later
//! The checks: one file each, each a pure function of the facts.
//!
//! A new check is one new file plus one row in the table of checks (`check_table`), which also
//! says which host facts the check reads so that the gatherer fetches each fact once per call,
//! and only when needed. The row's module (`<name>.rs` here) is declared, and its `check` run,
//! by `REGISTRY` below.

mod cpu_names;
pub mod cpu_return;
mod cpu_view;
mod dest_xml;
mod hypervisor_era;
pub mod memory_hugepages;

use crate::facts::{DomainCapabilities, DomainDef, Fact, Guest, Host, Needs};

use crate::flags::{Check, Flags, Options};
use crate::report::{Finding, Report, Severity};
pub use memory_hugepages::hugepage_needs;

use crate::cpu::carried::Fit;

/// Everything a check may read.
pub struct Context<'a> {
    pub guest: &'a Guest,
    pub src: &'a Host,
    pub dst: &'a Host,
    pub options: &'a Options,
    /// Each host's domain capabilities for this guest (chosen once per pair).
    pub src_domcaps: Fact<&'a DomainCapabilities>,
    pub dst_domcaps: Fact<&'a DomainCapabilities>,
    /// The CPU map the destination is judged with, loaded (from the process-wide cache) on
    /// first use in this pair.
    cpu_map: std::cell::OnceCell<Result<(std::sync::Arc<crate::cpu::CpuMap>, Fit), String>>,
    /// The CPU judgement, shared by the CPU checks.
    pub(crate) cpu_judgement: std::cell::OnceCell<Result<Option<cpu_view::Judgement>, Finding>>,
}

impl<'a> Context<'a> {
    pub fn new(guest: &'a Guest, src: &'a Host, dst: &'a Host, options: &'a Options) -> Context<'a> {
        Context {
            guest,
            src,
            dst,
            options,
            src_domcaps: src.domain_capabilities_for(&guest.def),
            dst_domcaps: dst.domain_capabilities_for(guest.on_destination()),
            cpu_map: std::cell::OnceCell::new(),
            cpu_judgement: std::cell::OnceCell::new(),
        }
    }

    /// The guest as it will be defined on the destination (`VIR_MIGRATE_PARAM_DEST_XML`, else
    /// the running definition): what the destination-side checks (disks, networks, NUMA
    /// placement and pinning, devices, machine) judge. The source-side facts (the live CPU,
    /// host devices, snapshots, block jobs, state, the storage libvirt's safety check reads)
    /// stay the running guest's, as libvirt reads them from the running domain.
    pub fn dest_def(&self) -> &DomainDef {
        self.guest.on_destination()
    }

    /// The CPU map the destination's libvirt judges the guest's CPU with: the map of its own
    /// release where the library carries it (`cpu::carried`, chosen by the destination's
    /// libvirt version), else the nearest carried one; a directory the options name overrides
    /// it (its fit is then unknown).
    pub fn cpu_map(&self) -> Result<std::sync::Arc<crate::cpu::CpuMap>, String> {
        self.cpu_map_and_fit().map(|(map, _)| map)
    }

    /// [`Context::cpu_map`] and how well it stands for the destination's own map.
    pub fn cpu_map_and_fit(&self) -> Result<(std::sync::Arc<crate::cpu::CpuMap>, Fit), String> {
        self.cpu_map.get_or_init(|| cpu_map_of(self.options, self.dst)).clone()
    }

    /// The source's libvirt's CPU map, chosen as [`Context::cpu_map`] chooses the
    /// destination's: what judges whether the guest could come back to the source
    /// (`cpu_return`).
    pub fn src_cpu_map(&self) -> Result<std::sync::Arc<crate::cpu::CpuMap>, String> {
        cpu_map_of(self.options, self.src).map(|(map, _)| map)
    }
}

/// The CPU map `host`'s libvirt judges CPUs with, and its fit (a directory the options name
/// serves every host, its fit unknown).
fn cpu_map_of(options: &Options, host: &Host) -> Result<(std::sync::Arc<crate::cpu::CpuMap>, Fit), String> {
    match options.cpu_map.as_deref() {
        Some(dir) => crate::cpu::CpuMap::cached(Some(dir)).map(|m| (m, Fit::Unknown)).map_err(|e| e.to_string()),
        None => {
            let (release, fit) = crate::cpu::carried::for_libvirt(host.libvirt_version.as_ref().ok().copied());
            release.map().map(|m| (m, fit)).map_err(|e| e.to_string())
        }
    }
}

/// One registered check.
pub struct CheckSpec {
    pub check: Check,
    pub run: fn(&Context) -> Vec<Finding>,
    /// Facts it reads from the source host.
    pub src_needs: Needs,
    /// Facts it reads from the destination host.
    pub dst_needs: Needs,
}

/// Declares each check's module and builds `REGISTRY` from the rows of the table of checks.
macro_rules! define_registry {
    ($(
        #[doc = $doc:literal]
        $bit:literal => $Variant:ident, $module:ident, $FLAG:ident {
            src: [$($src:ident),*],
            dst: [$($dst:ident),*],
            $($rest:tt)*
        }
    )+) => {
        $( pub(crate) mod $module; )+

        /// Every check this build implements, in bit order.
        pub const REGISTRY: &[CheckSpec] = &[$(
            CheckSpec {
                check: Check::$Variant,
                run: $module::check,
                src_needs: Needs::empty()$(.union(Needs::$src))*,
                dst_needs: Needs::empty()$(.union(Needs::$dst))*,
            },
        )+];
    };
}

crate::check_table::for_each_check!(define_registry);

/// The selection bits of every implemented check (`virMigrationCheckGetSupported`).
pub fn supported() -> Flags {
    REGISTRY.iter().fold(Flags::empty(), |acc, spec| acc | spec.check.bit())
}

/// The facts the selected checks need from the source and the destination.
pub fn needs(checks: Flags) -> (Needs, Needs) {
    selected(checks)
        .fold((Needs::empty(), Needs::empty()), |(src, dst), spec| (src | spec.src_needs, dst | spec.dst_needs))
}

fn selected(checks: Flags) -> impl Iterator<Item = &'static CheckSpec> {
    REGISTRY.iter().filter(move |spec| checks.contains(spec.check.bit()))
}

/// Runs the selected checks. Every selected check yields at least one result (OK when it found
/// nothing), and STRICT promotes every WARNING to ERROR. A SKIPPED result stays SKIPPED under
/// STRICT (its code says why the check could not run) but is marked `strict`, which makes it
/// count as an ERROR in [`Report::verdict`]: strict means nothing unverified passes.
pub fn run(guest: &Guest, src: &Host, dst: &Host, options: &Options) -> Report {
    let context = Context::new(guest, src, dst, options);
    let mut findings = Vec::new();
    for spec in selected(options.checks) {
        let mut found = (spec.run)(&context);
        if found.is_empty() {
            found.push(Finding::ok(spec.check));
        }
        findings.extend(found);
    }
    if options.strict {
        for finding in findings.iter_mut().filter(|f| matches!(f.severity, Severity::Warning | Severity::Skipped)) {
            if finding.severity == Severity::Warning {
                finding.severity = Severity::Error;
            }
            finding.details.push(("strict".into(), true.into()));
        }
    }
    Report::new(findings)
}

/// Formats a libvirt version number (major * 1,000,000 + minor * 1,000 + micro) as "9.0.0".
pub fn version_string(version: u64) -> String {
    format!("{}.{}.{}", version / 1_000_000, version / 1_000 % 1_000, version % 1_000)
}

/// Sums memory figures that hosts and guests report: a hostile or broken host can send values
/// near u64::MAX, and a wrapped sum would turn "plenty" into "too little".
pub fn saturating_sum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, u64::saturating_add)
}

/// Formats KiB as a human figure for messages ("3.0 GiB").
pub fn kib_string(kib: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = kib as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{kib} KiB") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Why a fact is missing, in words: the libvirt call that failed and libvirt's text
/// ("virConnectGetDomainCapabilities failed: operation forbidden: ..."), or, for a fact not asked
/// of libvirt (a snapshot, an assembled one, no source snapshot), the reason alone.
pub fn cause(why: &crate::facts::Unavailable) -> String {
    match why.call.starts_with("vir") {
        true => format!("{} failed: {}", why.call, why.reason),
        false => why.reason.clone(),
    }
}

/// The SKIPPED finding for a check whose fact the host could not give.
///
/// When libvirt refused the call because the connection is read-only, the hint says how to get
/// the fact: libvirt's public API refuses domain capabilities and the hypervisor's CPU calls on
/// read-only connections with VIR_ERR_OPERATION_DENIED, "operation forbidden: read only access
/// prevents virConnectGetDomainCapabilities" (`virCheckReadOnlyGoto`, `virReportRestrictedError`
/// in src/internal.h, 9.0 and 11.3; a daemon opens its driver read-only for a read-only client,
/// so the remote answer is the same). Only the text reaches a fact (and a snapshot file), so the
/// text is what is matched.
pub fn unavailable(check: Check, side: &str, what: &str, why: &crate::facts::Unavailable) -> Finding {
    // "cannot evaluate without the destination host's domain capabilities:
    // virConnectGetDomainCapabilities failed: operation forbidden: ...": the fact, then the
    // call that failed and libvirt's words (or, for a fact not asked of libvirt, why it is
    // missing: "no source snapshot was given"). No verb agrees with `what`, which may be one
    // fact or several.
    let cause = cause(why);
    let finding =
        Finding::skipped(check, "unavailable", format!("cannot evaluate without the {side} host's {what}: {cause}"))
            .detail("side", side)
            .detail("fact", what)
            .detail("call", &why.call)
            .detail("reason", &why.reason);
    match why.reason.contains("read only access prevents") {
        true => finding.hint(READ_ONLY_HINT),
        false => finding,
    }
}

/// The hint of a fact a read-only connection could not give.
pub const READ_ONLY_HINT: &str =
    "open the connection read-write (virConnectOpen, not virConnectOpenReadOnly; the CLI without -r)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_in_bit_order_without_duplicates() {
        for pair in REGISTRY.windows(2) {
            assert!(pair[0].check < pair[1].check);
        }
        assert_eq!(supported().checks().count(), REGISTRY.len());
    }

    #[test]
    fn formatting() {
        assert_eq!(version_string(9_000_000), "9.0.0");
        assert_eq!(version_string(7_002_013), "7.2.13");
        assert_eq!(kib_string(512), "512 KiB");
        assert_eq!(kib_string(3 * 1024 * 1024), "3.0 GiB");
    }
}
