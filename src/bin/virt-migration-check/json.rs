// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CLI's JSON documents for programs: each carries `schema_version` (the library's
//! JSON_SCHEMA_VERSION, which says when it changes) and is described by a JSON Schema in
//! docs/schemas/: the report of `check --json` (report.schema.json, written by the library's
//! `Report::to_json`), the matrix (matrix.schema.json), the baseline (baseline.schema.json) and
//! the error object a `--json` run that could not run at all prints (error.schema.json).

use serde_json::{Map, Value, json};
use virt_migration_check::Error;
use virt_migration_check::baseline::Baseline;
use virt_migration_check::report::JSON_SCHEMA_VERSION;

/// Prints `document` on stdout as the CLI always has: pretty, keys sorted, one final newline.
pub fn print(document: &Value) {
    println!("{}", serde_json::to_string_pretty(document).expect("JSON values always serialise"));
}

/// `document` (an object) with `schema_version` added.
pub fn versioned(mut document: Value) -> Value {
    if let Value::Object(fields) = &mut document {
        fields.insert("schema_version".into(), json!(JSON_SCHEMA_VERSION));
    }
    document
}

/// `{"schema_version": 1, "error": {"code", "name", "message", "details"}}`: why a `--json` run
/// could not run at all (exit status 2), so that a program reads a document rather than nothing.
/// `code` and `name` are the virMigrationCheckErrorCode (2, "libvirt"), `message` the line the
/// CLI also prints on stderr, `details` what the error carries: for a libvirt call, the call and
/// libvirt's own virErrorNumber and text; for XML, the document and the parser's words.
pub fn error(e: &Error) -> Value {
    let details = match e {
        Error::Libvirt { call, code, message } => {
            json!({"call": call, "libvirt_code": code, "libvirt_message": message})
        }
        Error::Xml { document, message } => json!({"document": document, "parse_error": message}),
        _ => json!({}),
    };
    error_document(e.code(), e.name(), &e.to_string(), details)
}

/// The error object of a command line the CLI could not parse (clap's own words, without its
/// "error: " prefix): an invalid argument.
pub fn usage_error(message: &str) -> Value {
    let invalid = Error::invalid(message);
    error_document(invalid.code(), invalid.name(), message, json!({}))
}

fn error_document(code: i32, name: &str, message: &str, details: Value) -> Value {
    versioned(json!({"error": {"code": code, "name": name, "message": message, "details": details}}))
}

/// The baseline as fields, what its `<migrationBaseline>` XML carries, with that XML in `xml`
/// (to save, or to give `--apply` and virMigrationBaselineApply()).
pub fn baseline(b: &Baseline, xml: &str) -> Value {
    // cpu_sources, domain_capabilities and hidden run parallel to hosts (or are empty), as the
    // document writes them.
    let hosts: Vec<Value> = b
        .hosts
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let domcaps = b.domain_capabilities.get(i).and_then(Option::as_ref);
            json!({
                "name": name,
                "cpu_source": b.cpu_sources.get(i).map(|(_, s)| s),
                "emulator": domcaps.map(|(emulator, _)| emulator),
                "machine": domcaps.map(|(_, machine)| machine).filter(|m| !m.is_empty()),
                "hidden": b.hidden.get(i).map(|(_, f)| f.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let cpu = b.cpu.as_ref().map(|cpu| {
        let custom = cpu.mode() == "custom";
        json!({
            "mode": cpu.mode(),
            // As the XML writes them: `match` for a custom CPU only, `fallback` with a model.
            "match": custom.then(|| cpu.matching.as_deref().unwrap_or("exact")),
            "model": cpu.model,
            "fallback": cpu.model.as_ref().map(|_| cpu.fallback.as_deref().unwrap_or("allow")),
            "vendor": cpu.vendor,
            "features": cpu.features.iter().map(|(name, policy)| json!({"name": name, "policy": policy})).collect::<Vec<_>>(),
        })
    });
    let cross_check = b.cpu_cross_check.as_ref().map(|c| {
        json!({
            "computed_by": c.computed_by,
            "agree": c.agree(),
            "hosts": c.answers.iter().map(|(name, reason)| {
                json!({"name": name, "answered": reason.is_none(), "reason": reason})
            }).collect::<Vec<_>>(),
            "only_library": c.only_library,
            "only_libvirt": c.only_libvirt,
        })
    });
    let machines: Vec<Value> = b
        .machines
        .iter()
        .map(|m| json!({"arch": m.arch, "virt_type": m.virt_type, "family": m.family, "newest": m.newest}))
        .collect();
    let devices: Map<String, Value> = b.devices.iter().map(|(name, values)| (name.clone(), json!(values))).collect();
    json!({
        "xml": xml,
        "arch": b.arch,
        "virt_type": b.virt_type,
        "emulator": b.emulator,
        "hosts": hosts,
        "cpu": cpu,
        "cpu_cross_check": cross_check,
        "machines": machines,
        "devices": devices,
        "nic_models": b.nic_models,
        "networks": b.networks,
        "memory_kib": b.max_memory_kib,
        "vcpus": b.max_vcpus,
        "tsc_frequency_hz": b.tsc_hz,
    })
}
