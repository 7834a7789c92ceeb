// SPDX-License-Identifier: LGPL-2.1-or-later
//! Both ways at a glance: for a guest and a set of hosts, every pair of hosts judged in both
//! directions, so that a rolling upgrade sees which guests could go to the new hosts *and come
//! back* if it is rolled back.
//!
//! A guest "started on A" is its definition with a host-model CPU expanded by A's hypervisor
//! (libvirt expands host-model when the guest starts, from A's domain capabilities: what
//! `checks::run` does with the definition as the guest and A as the source). For a pair {A, B}:
//! going is the guest started on A checked A -> B; coming back is the guest started on B checked
//! B -> A. A host-model guest started on the newer host keeps that host's CPU when it moves, so
//! it may go one way only. Both are judged by the compatibility checks of the table of checks
//! (`compatibility_flags`): whether the definition can run there at all, not what the hosts hold
//! today.

use super::apply::compatibility_flags;
use crate::error::Error;
use crate::facts::{Guest, Host};
use crate::flags::Options;
use crate::report::{Finding, Report, Severity};
use crate::xml;

/// One direction: the guest started on `from` migrating to `to` (indices into the hosts).
#[derive(Debug, Clone)]
pub struct Direction {
    pub from: usize,
    pub to: usize,
    pub report: Report,
}

impl Direction {
    /// Whether the guest can go: no ERROR among the compatibility checks.
    pub fn goes(&self) -> bool {
        self.report.errors().next().is_none()
    }

    /// The direction in a few words: [`in_words`] of its report.
    pub fn in_words(&self) -> String {
        in_words(&self.report)
    }
}

/// A pair of hosts in both directions: `go` from the lower index to the higher, `back` the
/// other way.
#[derive(Debug, Clone)]
pub struct Pair {
    pub go: Direction,
    pub back: Direction,
}

impl Pair {
    /// The direction that works alone, as an ordered pair `(from, to)`, when only one does.
    pub fn one_way(&self) -> Option<(usize, usize)> {
        match (self.go.goes(), self.back.goes()) {
            (true, false) => Some((self.go.from, self.go.to)),
            (false, true) => Some((self.back.from, self.back.to)),
            _ => None,
        }
    }
}

/// `options` narrowed to the compatibility checks (of those it selects, or of every check this
/// build implements when it selects none), everything else kept.
pub fn compatibility_options(options: &Options) -> Options {
    let selected = if options.checks.is_empty() { crate::checks::supported() } else { options.checks };
    Options { checks: compatibility_flags() & crate::checks::supported() & selected, ..options.clone() }
}

/// The guest as it would start again, on any host: its persistent definition's CPU (a running
/// host-model guest's live XML shows the CPU its host gave it, its persistent definition the
/// host-model it asks for, which the next host expands again), the rest of the definition it
/// runs with. A guest without a separate persistent definition restarts as it is defined.
pub fn restarted(guest: &Guest) -> Guest {
    let mut def = guest.def.clone();
    if let Some(inactive) = &guest.inactive_def {
        def.cpu = inactive.cpu.clone();
    }
    Guest::from_definition(def)
}

/// Every unordered pair of `hosts`, in both directions, for `guest` (started on each host as
/// [`restarted`] says), judged by the compatibility checks of `options`. Each host's facts and
/// the guest's are read once; the n(n-1) directions are judged on them.
pub fn both_ways(guest: &Guest, hosts: &[Host], options: &Options) -> Vec<Pair> {
    let options = compatibility_options(options);
    let guest = restarted(guest);
    let direction = |from: usize, to: usize| Direction {
        from,
        to,
        report: crate::checks::run(&guest, &hosts[from], &hosts[to], &options),
    };
    let n = hosts.len();
    (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .map(|(a, b)| Pair { go: direction(a, b), back: direction(b, a) })
        .collect()
}

/// [`both_ways`] of a domain XML among host snapshot documents.
pub fn both_ways_xml(domain_xml: &str, snapshots: &[String], options: &Options) -> Result<Vec<Pair>, Error> {
    let guest = Guest::from_definition(xml::domain::parse_domain(domain_xml, "domain XML")?);
    let hosts: Vec<Host> = snapshots
        .iter()
        .enumerate()
        .map(|(i, text)| xml::snapshot::read_host(text, &format!("host snapshot #{}", i + 1)))
        .collect::<Result<_, Error>>()?;
    Ok(both_ways(&guest, &hosts, options))
}

/// The ordered pairs (A, B) of `snapshots` (indices) where the guest can go from A to B but not
/// back: [`both_ways_xml`]'s pairs that work one way only.
pub fn one_way_pairs(domain_xml: &str, snapshots: &[String], options: &Options) -> Result<Vec<(usize, usize)>, Error> {
    let mut pairs: Vec<(usize, usize)> =
        both_ways_xml(domain_xml, snapshots, options)?.iter().filter_map(Pair::one_way).collect();
    pairs.sort();
    Ok(pairs)
}

/// The domain XML of the guest a baseline's pairs are shown for when no guest is given: a
/// host-model guest of `arch` and `virt_type` (64 MiB, one vCPU, no machine type: each host's
/// default), the guest whose CPU differs most between hosts.
pub fn host_model_guest_xml(arch: &str, virt_type: &str) -> String {
    format!(
        "<domain type='{virt_type}'><name>host-model-guest</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='{arch}'>hvm</type></os><cpu mode='host-model'/><devices></devices></domain>"
    )
}

/// Details naming what a finding is about, tried in this order: the CPU features and models the
/// CPU checks name.
const NAMING_DETAILS: [&str; 6] = ["missing", "unknown_features", "unknown_model", "forbidden", "extra", "blockers"];

/// A finding in a few words: its code, then the names it is about (the missing features ...)
/// or else its message: "cpu_flags.feature-missing (erms, fsrm)".
pub fn reason(finding: &Finding) -> String {
    let names: Vec<&str> = NAMING_DETAILS
        .iter()
        .filter_map(|d| match finding.detail_value(d) {
            Some(crate::report::Value::Str(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let names = names.join(",").replace(',', ", ");
    match names.is_empty() {
        true => format!("{} ({})", finding.code, finding.message),
        false => format!("{} ({names})", finding.code),
    }
}

/// A direction's report in a few words: "not: " and the reasons of its ERRORs, else "ok", with
/// its WARNINGs and the checks that could not run in parentheses:
/// "not: cpu_flags.feature-missing (cmpccxadd)", "ok (warning: cpu_flags.no-return (erms, fsrm))".
pub fn in_words(report: &Report) -> String {
    let reasons = |s: Severity| report.with_severity(s).map(reason).collect::<Vec<_>>().join(", ");
    if report.errors().next().is_some() {
        return format!("not: {}", reasons(Severity::Error));
    }
    let mut words = "ok".to_string();
    let warnings = reasons(Severity::Warning);
    if !warnings.is_empty() {
        words.push_str(&format!(" (warning: {warnings})"));
    }
    let unverified: Vec<&str> = report.unverified().iter().map(|c| c.name()).collect();
    if !unverified.is_empty() {
        words.push_str(&format!(" (could not verify: {})", unverified.join(", ")));
    }
    words
}

/// A direction as JSON: `{"from", "to", "goes", "verdict", "summary", "report"}` (hosts by name).
pub fn direction_json(direction: &Direction, names: &[String]) -> serde_json::Value {
    serde_json::json!({
        "from": names.get(direction.from),
        "to": names.get(direction.to),
        "goes": direction.goes(),
        "verdict": direction.report.verdict().name(),
        "summary": direction.in_words(),
        "report": direction.report.to_json(),
    })
}

/// A pair as one line: "A -> B ok, B -> A not: cpu_flags.feature-missing (cmpccxadd)".
pub fn pair_line(pair: &Pair, names: &[String]) -> String {
    let name = |i: usize| names.get(i).map_or("?", String::as_str);
    format!(
        "{} -> {} {}, {} -> {} {}",
        name(pair.go.from),
        name(pair.go.to),
        pair.go.in_words(),
        name(pair.back.from),
        name(pair.back.to),
        pair.back.in_words()
    )
}
