// SPDX-License-Identifier: LGPL-2.1-or-later
//! Findings, their severities, and the report of one call.

use std::borrow::Cow;

use crate::flags::Check;

const OK_MESSAGE: &str = "the check found no problem";

/// The `schema_version` of every JSON document the project writes: this report (the CLI's
/// `check --json`, Python's `Report.to_json`, each report inside a matrix or a baseline's pairs)
/// and the CLI's matrix, baseline and error documents, each described by its JSON Schema in
/// docs/schemas/. It must change on any incompatible change: a field removed, renamed, retyped,
/// made optional, or given another meaning, or a value of a closed set (a severity, a verdict)
/// removed. A new field or a new value of an open set keeps it, and goes into the schema in the
/// same change (the schemas are closed, so the tests catch a field the schema lacks).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// `virMigrationCheckSeverity`. The discriminants are the C API's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The check ran and found nothing.
    Ok = 0,
    /// Worth knowing, no risk.
    Info = 1,
    /// Sub-optimal or risky on the destination; the caller decides.
    Warning = 2,
    /// Show-stopper: the migration will fail, or break the guest or the host.
    Error = 3,
    /// Could not be evaluated; the code and message say why.
    Skipped = 4,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Skipped => "skipped",
        }
    }

    /// Order of results, most severe first: an unevaluated check is more worrying than advice.
    fn rank(self) -> u8 {
        match self {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Skipped => 2,
            Severity::Info => 3,
            Severity::Ok => 4,
        }
    }
}

/// A machine-readable detail of a finding (a libvirt typed parameter in C).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    UInt(u64),
    Bool(bool),
    Str(String),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::UInt(n)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::UInt(n.into())
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// One result: a problem found, a note, or "this check ran and found nothing".
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    /// Stable reason code, starting with the check's name: "network.missing".
    pub code: Cow<'static, str>,
    /// One sentence naming the object.
    pub message: Cow<'static, str>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Machine-readable details, in a stable order. Names are at most 79 bytes (libvirt's
    /// VIR_TYPED_PARAM_FIELD_LENGTH).
    pub details: Vec<(Cow<'static, str>, Value)>,
}

impl Finding {
    /// A finding of `check`; `reason` is the part of the code after the check's name.
    pub fn new(check: Check, severity: Severity, reason: &str, message: impl Into<String>) -> Finding {
        let code = format!("{}.{reason}", check.name());
        // Codes are a contract callers match on: each is declared once, in crate::codes.
        debug_assert!(crate::codes::is_declared(&code), "reason code '{code}' is not declared in crate::codes");
        Finding {
            check,
            severity,
            code: Cow::Owned(code),
            message: Cow::Owned(message.into()),
            hint: None,
            details: Vec::new(),
        }
    }

    /// "This check ran and found nothing": built without allocating, as a fleet check makes
    /// millions of them.
    pub fn ok(check: Check) -> Finding {
        Finding {
            check,
            severity: Severity::Ok,
            code: Cow::Borrowed(check.ok_code()),
            message: Cow::Borrowed(OK_MESSAGE),
            hint: None,
            details: Vec::new(),
        }
    }

    pub fn error(check: Check, reason: &str, message: impl Into<String>) -> Finding {
        Finding::new(check, Severity::Error, reason, message)
    }

    pub fn warning(check: Check, reason: &str, message: impl Into<String>) -> Finding {
        Finding::new(check, Severity::Warning, reason, message)
    }

    pub fn info(check: Check, reason: &str, message: impl Into<String>) -> Finding {
        Finding::new(check, Severity::Info, reason, message)
    }

    pub fn skipped(check: Check, reason: &str, message: impl Into<String>) -> Finding {
        Finding::new(check, Severity::Skipped, reason, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }

    pub fn detail(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Value>) -> Finding {
        // Names are almost always literals: borrowing them saves an allocation per detail.
        self.details.push((name.into(), value.into()));
        self
    }

    /// The same finding reported by `check` (a shared evaluation's answer, relabelled).
    pub fn relabel(mut self, check: Check) -> Finding {
        if let Some(reason) = self.code.strip_prefix(&format!("{}.", self.check.name())) {
            self.code = Cow::Owned(format!("{}.{reason}", check.name()));
        }
        self.check = check;
        self
    }

    /// Whether STRICT weighed this finding: a WARNING it made an ERROR, or a SKIPPED result it
    /// makes count as an ERROR in the verdict (both carry the boolean detail `strict`).
    pub fn is_strict(&self) -> bool {
        self.detail_value("strict") == Some(&Value::Bool(true))
    }

    /// The detail called `name`, if any.
    pub fn detail_value(&self, name: &str) -> Option<&Value> {
        self.details.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// The overall answer: the worst severity among the results, where a SKIPPED result counts as a
/// WARNING ("could not verify"), or as an ERROR when STRICT marked it (detail `strict`): a check
/// that could not run must never read as a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Info,
    Warning,
    Error,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Info => "info",
            Verdict::Warning => "warning",
            Verdict::Error => "error",
        }
    }
}

/// Every result of one call, most severe first.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    /// Orders `findings` most severe first, then by check bit, keeping each check's own order.
    pub fn new(mut findings: Vec<Finding>) -> Report {
        findings.sort_by_key(|f| (f.severity.rank(), f.check));
        Report { findings }
    }

    /// The worst of the results (see [`Verdict`]). It reads the results alone, so that a C or
    /// Python caller holding only the result list computes the same answer.
    pub fn verdict(&self) -> Verdict {
        self.findings
            .iter()
            .map(|f| match f.severity {
                Severity::Error => Verdict::Error,
                Severity::Warning => Verdict::Warning,
                Severity::Info => Verdict::Info,
                Severity::Ok => Verdict::Ok,
                Severity::Skipped if f.is_strict() => Verdict::Error,
                Severity::Skipped => Verdict::Warning,
            })
            .max()
            .unwrap_or(Verdict::Ok)
    }

    /// The checks with a SKIPPED result, in report order without repeats: what the verdict
    /// could not verify ("could not verify: disk_model, network_model").
    pub fn unverified(&self) -> Vec<Check> {
        let mut checks: Vec<Check> = Vec::new();
        for f in self.with_severity(Severity::Skipped) {
            if !checks.contains(&f.check) {
                checks.push(f.check);
            }
        }
        checks
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.with_severity(Severity::Error)
    }

    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// The findings with reason code `code`.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// The report as the CLI's and the Python binding's JSON (docs/schemas/report.schema.json).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, json};
        let results: Vec<_> = self
            .findings
            .iter()
            .map(|f| {
                let details: Map<String, serde_json::Value> = f
                    .details
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Int(n) => json!(n),
                            Value::UInt(n) => json!(n),
                            Value::Bool(b) => json!(b),
                            Value::Str(s) => json!(s),
                        };
                        (k.to_string(), v)
                    })
                    .collect();
                json!({
                    "check": f.check.name(),
                    "severity": f.severity.name(),
                    "code": f.code,
                    "message": f.message,
                    "hint": f.hint,
                    "details": details,
                })
            })
            .collect();
        json!({ "schema_version": JSON_SCHEMA_VERSION, "verdict": self.verdict().name(), "results": results })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_severe_first_and_verdict() {
        let report = Report::new(vec![
            Finding::new(Check::Host, Severity::Ok, "ok", "fine"),
            Finding::info(Check::Arch, "host-arch-differs", "note"),
            Finding::skipped(Check::Memory, "unavailable", "unknown"),
            Finding::error(Check::Network, "missing", "b"),
            Finding::warning(Check::CpuCount, "vcpus-exceed-pcpus", "w"),
            Finding::error(Check::Hypervisor, "type-mismatch", "a"),
        ]);
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_ref()).collect();
        assert_eq!(
            codes,
            [
                "hypervisor.type-mismatch",
                "network.missing",
                "cpu_count.vcpus-exceed-pcpus",
                "memory.unavailable",
                "arch.host-arch-differs",
                "host.ok"
            ]
        );
        assert_eq!(report.verdict(), Verdict::Error);
        assert_eq!(report.errors().count(), 2);
    }

    #[test]
    fn skipped_is_never_a_pass() {
        // A check that could not run is "could not verify": at least a WARNING, above INFO.
        let skipped = || Finding::skipped(Check::Memory, "unavailable", "x");
        let only_skipped = Report::new(vec![skipped(), Finding::ok(Check::Host)]);
        assert_eq!(only_skipped.verdict(), Verdict::Warning);
        assert_eq!(only_skipped.to_json()["verdict"], "warning");
        let with_info = Report::new(vec![Finding::info(Check::Arch, "host-arch-differs", "n"), skipped()]);
        assert_eq!(with_info.verdict(), Verdict::Warning);
        // An ERROR stays the verdict; the skipped check is still named.
        let with_error = Report::new(vec![skipped(), Finding::error(Check::Network, "missing", "b")]);
        assert_eq!(with_error.verdict(), Verdict::Error);
        assert_eq!(with_error.unverified(), [Check::Memory]);
        // Under STRICT (the detail checks::run adds) it counts as an ERROR, still SKIPPED itself.
        let strict = Report::new(vec![skipped().detail("strict", true), Finding::ok(Check::Host)]);
        assert_eq!(strict.verdict(), Verdict::Error);
        assert_eq!(strict.findings[0].severity, Severity::Skipped);
        // Each check named once, in report order.
        let several = Report::new(vec![
            Finding::skipped(Check::DiskModel, "unavailable", "a"),
            Finding::skipped(Check::NetworkModel, "unknowable", "b"),
            Finding::skipped(Check::DiskModel, "unavailable", "c"),
        ]);
        assert_eq!(several.unverified(), [Check::NetworkModel, Check::DiskModel]);
        assert!(Report::new(vec![Finding::ok(Check::Host)]).unverified().is_empty());
        assert_eq!(Report::new(vec![]).verdict(), Verdict::Ok);
    }

    #[test]
    fn ok_codes_follow_the_check_names() {
        for check in Check::ALL {
            assert_eq!(Finding::ok(check).code, format!("{}.ok", check.name()));
        }
    }

    #[test]
    fn json_shape() {
        let report = Report::new(vec![
            Finding::error(Check::Network, "missing", "network 'prod' does not exist")
                .hint("define it")
                .detail("network", "prod")
                .detail("count", 2u64),
        ]);
        let json = report.to_json();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["verdict"], "error");
        assert_eq!(json["results"][0]["check"], "network");
        assert_eq!(json["results"][0]["severity"], "error");
        assert_eq!(json["results"][0]["hint"], "define it");
        assert_eq!(json["results"][0]["details"]["network"], "prod");
        assert_eq!(json["results"][0]["details"]["count"], 2);
    }
}
