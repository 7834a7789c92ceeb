// SPDX-License-Identifier: LGPL-2.1-or-later
//! The command-line tool: exit status, table and JSON output, bad input.

mod common;

use std::process::Command;

use common::host_uri;
use serde_json::json;

/// The directory of another release's libvirt.so.0 the CLI runs on, from VMC_CLI_LD_LIBRARY_PATH
/// (make cli-tests-libvirt11: libvirt 11.3's client library, as on a management host upgraded
/// before its hosts). It becomes the binary's LD_LIBRARY_PATH alone: virsh and libvirtd, which
/// some tests start, keep the system's libvirt (they need its private symbols of their own
/// release), so the daemons stay the older release the newer client talks to.
fn other_libvirt_dir() -> Option<String> {
    std::env::var("VMC_CLI_LD_LIBRARY_PATH").ok().filter(|d| !d.is_empty())
}

/// The CLI binary, on the libvirt of `other_libvirt_dir` when one is given.
fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_virt-migration-check"));
    if let Some(dir) = other_libvirt_dir() {
        command.env("LD_LIBRARY_PATH", dir);
    }
    command
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = binary().args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The release of the libvirt.so.0 the binary runs on (libvirt's number: 11.3.0 is 11003000), as
/// its snapshot of the test driver says: that driver runs in-process, so its libvirt version is
/// the loaded library's own.
fn binary_libvirt() -> u64 {
    static VERSION: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        let (code, out, err) = cli(&["snapshot", "-c", "test:///default"]);
        assert_eq!(code, 0, "{err}");
        let version = out.split("<libvirt version='").nth(1).and_then(|v| v.split('\'').next());
        version.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no libvirt version in {out}"))
    })
}

/// Whether libvirt's test driver answers virConnectGetDomainCapabilities (on a read-write
/// connection): since libvirt 9.8.0 (its test driver's table of calls says so). Before, as on
/// Debian 12's 9.0, "this function is not supported by the connection driver"; 11.3 answers, for
/// the test emulator /usr/bin/test-hv, with every CPU mode unsupported and an empty <devices/>, so
/// DISK_MODEL has capabilities to read and finds every disk allowed (libvirt lists no disk bus or
/// device there to refuse one), while NETWORK_MODEL still cannot judge the test hypervisor's NIC
/// models. Decided by the release the binary loaded, never by what the binary printed.
fn test_driver_has_domain_capabilities() -> bool {
    binary_libvirt() >= 9_008_000
}

/// The checks a read-write connection to the test driver cannot answer, as a verdict counts and
/// names them: NETWORK_MODEL always, DISK_MODEL where the test driver has no domain capabilities.
fn unverifiable_on_the_test_driver() -> (usize, &'static str) {
    if test_driver_has_domain_capabilities() { (1, "network_model") } else { (2, "network_model, disk_model") }
}

#[test]
fn the_binary_runs_on_the_libvirt_it_was_given() {
    // This test process runs on the system's libvirt.so.0; the binary on the same without
    // VMC_CLI_LD_LIBRARY_PATH, else on that directory's, whose release its file name gives
    // (libvirt's soname scheme: libvirt.so.0.X.Y is release X * 1000 + Y, 11.3.0 is .11003.0). A
    // wrong directory must fail here, not silently test the system's libvirt again.
    let system = u64::from(virt::connect::Connect::version().unwrap());
    let Some(dir) = other_libvirt_dir() else {
        assert_eq!(binary_libvirt(), system);
        return;
    };
    let file = std::fs::canonicalize(format!("{dir}/libvirt.so.0")).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    let release: Vec<u64> =
        name.strip_prefix("libvirt.so.0.").unwrap_or("").split('.').filter_map(|n| n.parse().ok()).collect();
    assert_eq!(release.len(), 2, "{} is not a libvirt client library", file.display());
    assert_eq!(binary_libvirt(), release[0] * 1000 + release[1], "{}", file.display());
    assert_ne!(binary_libvirt(), system, "{dir} holds the system's libvirt {system} again: nothing to test");
}

#[test]
fn exit_status_follows_the_verdict() {
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "web1"]);
    assert_eq!(code, 0, "{out}");
    // The test driver cannot answer network_model (nor disk_model before libvirt 9.8): never
    // "ok", and it says which.
    let (n, unverified) = unverifiable_on_the_test_driver();
    assert!(
        out.contains(&format!(
            "verdict: warning (0 error(s), 0 warning(s), {n} skipped; could not verify: {unverified})"
        )),
        "{out}"
    );
    let (code, out, _) =
        cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "web1", "--checks", "network"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verdict: ok (0 error(s), 0 warning(s), 0 skipped)\n"), "{out}");
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-few-cpus"), "web1"]);
    assert_eq!(code, 0, "a warning alone does not fail: {out}");
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-few-cpus"), "web1", "--strict"]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-all-wrong"), "web1"]);
    assert_eq!(code, 1);
    assert!(out.contains("network 'prod'") && out.contains("hint:"), "{out}");
    assert!(!out.contains("\x1b["), "no colour when stdout is not a terminal");
}

#[test]
fn a_check_that_cannot_run_warns_and_under_strict_fails() {
    let base =
        ["check", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "web1", "--checks", "disk_model,network_model"];
    let (code, out, _) = cli(&base);
    assert_eq!(code, 0, "a warning alone does not fail: {out}");
    // network_model cannot run on the test driver; disk_model cannot before libvirt 9.8 (from
    // 9.8 the test driver has domain capabilities, and disk_model is ok).
    let (n, unverified) = unverifiable_on_the_test_driver();
    assert!(
        out.contains(&format!(
            "verdict: warning (0 error(s), 0 warning(s), {n} skipped; could not verify: {unverified})"
        )),
        "{out}"
    );
    let (code, out, _) = cli(&[&base[..], &["--strict"]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("verdict: error (0 error(s), 0 warning(s), {n} skipped; could not verify:")),
        "{out}"
    );
    let (code, out, _) = cli(&[&base[..], &["--json"]].concat());
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "warning");
    let (code, out, _) = cli(&[&base[..], &["--json", "--strict"]].concat());
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "error");
    let results = json["results"].as_array().unwrap();
    let mut skipped: Vec<&str> =
        results.iter().filter(|r| r["severity"] == "skipped").map(|r| r["check"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = unverified.split(", ").collect();
    skipped.sort_unstable();
    expected.sort_unstable();
    assert_eq!(skipped, expected, "{json}");
    assert!(
        results.iter().all(|r| (r["severity"] == "skipped" && r["details"]["strict"] == true)
            || (r["severity"] == "ok" && r["check"] == "disk_model" && test_driver_has_domain_capabilities())),
        "{json}"
    );
    // The matrix agrees, and says what it could not verify.
    let (code, out, _) =
        cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--checks", "disk_model,network_model"]);
    assert_eq!(code, 0, "{out}");
    let row = out.lines().nth(1).unwrap();
    assert!(row.contains(&format!("warning  could not verify: {unverified}")), "{out}");
    let (code, out, _) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        &host_uri("dst-ok"),
        "--checks",
        "disk_model,network_model",
        "--strict",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["cells"][0]["verdict"], "error");
}

#[test]
fn json_report() {
    let (code, out, _) = cli(&[
        "check",
        "-c",
        &host_uri("src"),
        "-d",
        &host_uri("dst-missing-volume"),
        "web1",
        "--json",
        "--checks",
        "disk,host",
        "--copy-storage-all",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["verdict"], "info");
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["check"], "disk");
    assert_eq!(results[0]["severity"], "info");
    assert_eq!(results[0]["code"], "disk.will-copy");
    assert_eq!(results[0]["details"]["volume"], "web1-root.qcow2");
    assert_eq!(results[1]["code"], "host.ok");
    assert!(results[1]["hint"].is_null());
}

#[test]
fn could_not_run_is_exit_2_with_one_line() {
    for args in [
        vec!["check", "-c", "test:///nonexistent/node.xml", "-d", "test:///default", "web1"],
        vec!["check", "-c", "test:///default", "-d", "test:///default", "no-such-domain"],
        vec!["check", "-c", "test:///default", "-d", "test:///default", "test", "--checks", "nonsense"],
    ] {
        let (code, out, err) = cli(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        // Ours is one line, the last; libxml2 may print its own warning first when the test
        // driver cannot read a node file.
        let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("virt-migration-check: ")).collect();
        assert_eq!(ours.len(), 1, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().last(), Some(ours[0]));
        assert!(out.is_empty(), "{args:?}: {out}");
        // Under --json, the same line and an error object on stdout (docs/schemas/error.schema.json).
        let (code, out, json_err) = cli(&[&args[..], &["--json"]].concat());
        assert_eq!((code, json_err.trim_end().lines().last()), (2, Some(ours[0])), "{args:?}: {json_err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
        assert_eq!(json["schema_version"], 1);
        assert_eq!(format!("virt-migration-check: {}", json["error"]["message"].as_str().unwrap()), ours[0]);
        assert!(json["error"]["details"].is_object(), "{json}");
    }
}

#[test]
fn json_error_objects_name_the_error_and_its_details() {
    let (src, ok) = (host_uri("src"), host_uri("dst-ok"));
    let error = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = cli(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}{err}"))
    };
    // A libvirt call: the call, libvirt's virErrorNumber (VIR_ERR_NO_DOMAIN, 42) and its text.
    let json = error(&["check", "--json", "-c", &src, "-d", &ok, "nosuch"]);
    assert_eq!(
        json,
        json!({"schema_version": 1, "error": {
            "code": 2,
            "name": "libvirt",
            "message": "failed to get domain 'nosuch': Domain not found",
            "details": {"call": "failed to get domain 'nosuch'", "libvirt_code": 42, "libvirt_message": "Domain not found"},
        }})
    );
    // A command line clap refuses: its words, as an invalid argument; its usage stays on stderr.
    let json = error(&["check", "--json", "--no-such-option"]);
    assert_eq!((&json["error"]["code"], &json["error"]["name"]), (&json!(1), &json!("invalid_arg")), "{json}");
    assert_eq!(json["error"]["message"], "unexpected argument '--no-such-option' found");
    // matrix and baseline too.
    let json = error(&["matrix", "--json", "-c", &src, "-d", &ok, "--domain", "nosuch"]);
    assert!(json["error"]["message"].as_str().unwrap().contains("nosuch"), "{json}");
    let json = error(&["baseline", "--json", "--snapshot", "/nonexistent.snap"]);
    assert!(json["error"]["message"].as_str().unwrap().contains("/nonexistent.snap"), "{json}");
    // Help is no failure.
    let (code, out, _) = cli(&["check", "--json", "--help"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Check whether DOMAIN"), "{out}");
}

/// The CLI owns its process and keeps libvirt from printing the errors of the library's own
/// probes ("libvirt: Domain Config error : this function is not supported by the connection
/// driver: virDomainGetBlockJobInfo", "An error occurred, but the cause is unknown"): a run on
/// the test-driver hosts prints nothing on stderr, whatever it judges.
#[test]
fn libvirt_prints_nothing_of_the_library_probes() {
    let (src, ok, wrong) = (host_uri("src"), host_uri("dst-ok"), host_uri("dst-all-wrong"));
    let web1 = common::data("hosts/parts/web1.xml").display().to_string();
    for args in [
        vec!["check", "-c", &src, "-d", &ok, "web1"],
        vec!["check", "-c", &src, "-d", &wrong, "web1", "--json"],
        vec!["check", "-r", "-c", &src, "-d", &ok, "web1"],
        vec!["check", "-c", &src, "--live", "--persistent", "--copy-storage-all", "web1", &ok],
        vec!["matrix", "-c", &src, "-d", &ok, "-d", &wrong, "-d", &src],
        vec!["baseline", "-c", &src, "-c", &ok, "--apply", &web1, "--json"],
        vec!["snapshot", "-c", &wrong],
    ] {
        let (code, out, err) = cli(&args);
        assert!(code == 0 || code == 1, "{args:?}: {out}{err}");
        assert_eq!(err, "", "{args:?}");
    }
    // A check that could not run says libvirt's cause in its own line, and only there.
    let (code, _, err) = cli(&["check", "-c", &src, "-d", &ok, "nosuch"]);
    assert_eq!((code, err.as_str()), (2, "virt-migration-check: failed to get domain 'nosuch': Domain not found\n"));
}

#[test]
fn messages_name_the_object_and_the_cause() {
    let (src, ok) = (host_uri("src"), host_uri("dst-ok"));
    // A string of a UUID's or an ID's form that no domain has: still the lookup by name's cause,
    // not "Invalid UUID".
    for name in ["4d1a1f3c-0000-0000-0000-000000000000", "17"] {
        let (code, _, err) = cli(&["check", "-c", &src, "-d", &ok, name]);
        assert_eq!(code, 2);
        assert_eq!(err, format!("virt-migration-check: failed to get domain '{name}': Domain not found\n"));
    }
    // web1 by its UUID and by its ID, as virsh finds it.
    let uuid = Command::new("virsh").args(["-r", "-c", &src, "domuuid", "web1"]).output().unwrap();
    let id = Command::new("virsh").args(["-r", "-c", &src, "domid", "web1"]).output().unwrap();
    for name in [String::from_utf8(uuid.stdout).unwrap(), String::from_utf8(id.stdout).unwrap()] {
        let (code, out, err) = cli(&["check", "-c", &src, "-d", &ok, name.trim(), "--json", "--checks", "host"]);
        assert_eq!(code, 0, "{name}: {out}{err}");
    }
    // A destination that is no URI: said so, with libvirt's words after ours.
    let (code, _, err) = cli(&["check", "-c", &src, "-d", "nosuch.snap", "web1"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(
            "virt-migration-check: opening the destination connection 'nosuch.snap' failed: 'nosuch.snap' is not a \
             libvirt URI (one starts with its driver, as qemu:///system or qemu+ssh://host/system), and libvirt \
             knows no alias of that name (no connection driver available for"
        ),
        "{err}"
    );
    // A fact a read-only connection cannot give: the fact, the call, libvirt's words; no "is
    // unavailable" whatever the fact's number.
    let (_, json) = check_json(&["-r", "-c", &src, "-d", &ok, "web1", "--checks", "disk_model"]);
    let message = json["results"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "cannot evaluate without the destination host's domain capabilities: virConnectGetDomainCapabilities \
         failed: operation forbidden: read only access prevents virConnectGetDomainCapabilities"
    );
}

#[test]
fn snapshot_then_offline_check() {
    let dir = std::env::temp_dir().join(format!("vmc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    for host in ["src", "dst-all-wrong"] {
        let (code, out, err) = cli(&["snapshot", "-c", &host_uri(host), "-o", &path(&format!("{host}.snap"))]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let dumpxml = Command::new("virsh").args(["-r", "-c", &host_uri("src"), "dumpxml", "web1"]).output().unwrap();
    std::fs::write(path("web1.xml"), dumpxml.stdout).unwrap();
    let (code, offline, _) = cli(&[
        "check",
        "--domain-xml",
        &path("web1.xml"),
        "--source-snapshot",
        &path("src.snap"),
        "--dest-snapshot",
        &path("dst-all-wrong.snap"),
        "--json",
    ]);
    assert_eq!(code, 1);
    let (_, live, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-all-wrong"), "web1", "--json"]);
    assert_eq!(offline, live, "the offline answer is the live one");

    // Assembled from saved XML, as an administrator would from `virsh ... dumpxml` output.
    let fixture = |p: &str| common::data(&format!("fixtures/{p}")).display().to_string();
    let (code, out, err) = cli(&[
        "snapshot",
        "--capabilities",
        &fixture("host-caps/capabilityschemadata/caps-qemu-kvm.xml"),
        "--domain-capabilities",
        &fixture("domcaps/domaincapsdata/qemu_7.2.0-q35.x86_64.xml"),
        "--network",
        &fixture("networks/networkxml2xmlin/nat-network.xml"),
        "--pool",
        &fixture("pools/storagepoolxml2xmlin/pool-dir.xml"),
        "--volume",
        &fixture("pools/storagevolxml2xmlin/vol-file.xml"),
        "--interface",
        &fixture("networks/interfaceschemadata/bridge.xml"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("<hostSnapshot version='1'>")
            && out.contains("<name>virtimages</name>")
            && out.contains("<name>sparse.img</name>")
    );
    let (code, _, err) = cli(&["snapshot", "--capabilities", &fixture("pools/storagepoolxml2xmlin/pool-dir.xml")]);
    assert_eq!(code, 2);
    assert!(err.contains("expected <capabilities>"), "{err}");
    let (code, _, err) = cli(&["check", "--domain-xml", &path("web1.xml"), "--dest-snapshot", &path("missing.snap")]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("cannot read '{}': No such file or directory", path("missing.snap"))), "{err}");
    // Without a source snapshot, the checks that need the source's facts say so once, plainly.
    let (code, out, _) =
        cli(&["check", "--domain-xml", &path("web1.xml"), "--dest-snapshot", &path("src.snap"), "--json"]);
    assert!(code == 0 || code == 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> =
        json["results"].as_array().unwrap().iter().filter_map(|r| r["message"].as_str()).collect();
    assert!(
        messages.contains(
            &"cannot evaluate without the source host's hypervisor type and version: no source snapshot was given \
              (--source-snapshot)"
        ),
        "{messages:?}"
    );
    assert!(messages.iter().all(|m| !m.contains("no source snapshot: ")), "{messages:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cpu_compare_and_baseline_offline() {
    let map = common::data("cpu/cpu_map").display().to_string();
    let cpu = |f: &str| common::data(&format!("cpu/{f}")).display().to_string();
    let (code, out, _) = cli(&["cpu-compare", "--cpu-map", &map, &cpu("x86_64-host.xml"), &cpu("x86_64-host.xml")]);
    assert_eq!((code, out.lines().next()), (0, Some("IDENTICAL")));
    let (code, out, _) = cli(&["cpu-compare", "--cpu-map", &map, &cpu("x86_64-host.xml"), &cpu("x86_64-guest.xml")]);
    assert_eq!((code, out.lines().next()), (0, Some("SUPERSET")));
    let (code, out, _) =
        cli(&["cpu-compare", "--cpu-map", &map, &cpu("x86_64-host.xml"), &cpu("x86_64-host-better.xml")]);
    assert_eq!(code, 1);
    assert!(out.starts_with("INCOMPATIBLE\n") && out.contains("missing: "), "{out}");
    let (code, _, err) =
        cli(&["cpu-compare", "--cpu-map", &map, &cpu("x86_64-host.xml"), &cpu("x86_64-bogus-model.xml")]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown CPU model"), "{err}");
    // Inputs in any document holding a <cpu>: capabilities and domain XML.
    let caps = common::data("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml").display().to_string();
    let domain = common::data("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml").display().to_string();
    let (code, out, _) = cli(&["cpu-compare", "--cpu-map", &map, &caps, &domain]);
    assert_eq!(code, 1);
    assert!(out.contains("missing: hle rtm"), "{out}");

    let (code, out, _) = cli(&["cpu-baseline", "--cpu-map", &map, &cpu("x86_64-baseline-features.xml")]);
    assert_eq!(code, 0);
    assert_eq!(out, common::read("cpu/x86_64-baseline-features-result.xml"));
    let (code, out, _) =
        cli(&["cpu-baseline", "--cpu-map", &map, "--expand-features", &cpu("x86_64-baseline-simple.xml")]);
    assert_eq!((code, out), (0, common::read("cpu/x86_64-baseline-simple-expanded.xml")));
    let (code, out, _) =
        cli(&["cpu-baseline", "--cpu-map", &map, "--migratable", &cpu("x86_64-baseline-Westmere+Nehalem.xml")]);
    assert_eq!((code, out), (0, common::read("cpu/x86_64-baseline-Westmere+Nehalem-migratable.xml")));
    let (code, _, err) = cli(&["cpu-baseline", "--cpu-map", &map, &cpu("x86_64-baseline-incompatible-vendors.xml")]);
    assert_eq!(code, 2);
    assert!(err.contains("vendors do not match"), "{err}");
}

#[test]
fn memory_headroom_option() {
    let args = |extra: &[&str]| {
        let mut a = vec!["check", "-c", "", "-d", "", "web1", "--checks", "memory", "--json"];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let mut a = args(extra);
        a[2] = host_uri("src");
        a[4] = host_uri("dst-ok");
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        cli(&refs)
    };
    let (_, out, _) = run(&[]);
    assert!(out.contains("memory.ok"), "{out}");
    let (_, out, _) = run(&["--memory-headroom", "15G"]);
    assert!(out.contains("memory.low-headroom") && out.contains("\"margin_kib\": 15728640"), "{out}");
    let (code, _, err) = run(&["--memory-headroom", "lots"]);
    assert_eq!(code, 2);
    assert!(err.contains("--memory-headroom 'lots'"), "{err}");
}

#[test]
fn baseline_from_connections_and_snapshots() {
    let (code, out, err) =
        cli(&["baseline", "-c", &host_uri("src"), "-c", &host_uri("dst-ok"), "-c", &host_uri("dst-few-cpus")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("<migrationBaseline version='1'>")
            && out.contains("<network>prod</network>")
            && out.contains("<vcpus>1</vcpus>"),
        "{out}"
    );
    let web1 = common::data("hosts/parts/web1.xml").display().to_string();
    let (code, out, _) = cli(&["baseline", "-c", &host_uri("src"), "-c", &host_uri("dst-few-cpus"), "--apply", &web1]);
    assert_eq!(code, 0);
    assert!(out.contains("<name>web1</name>") && out.contains("4 vCPUs exceed the 1 physical CPUs"), "{out}");
    let (code, out, _) =
        cli(&["baseline", "-c", &host_uri("src"), "-c", &host_uri("dst-ok"), "--apply", &web1, "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema_version"], 1);
    // The baseline as fields, and its XML beside them.
    assert!(json["baseline"]["xml"].as_str().unwrap().starts_with("<migrationBaseline"));
    assert_eq!(json["baseline"]["networks"], json!(["prod"]));
    assert_eq!(json["baseline"]["hosts"][1]["name"], host_uri("dst-ok"));
    assert!(json["domain"].as_str().unwrap().contains("<name>web1</name>"));
    assert_eq!(json["one_way"], serde_json::json!([]));
    let (code, _, err) = cli(&["baseline", "--snapshot", "/nonexistent.snap"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent.snap"), "{err}");
}

#[test]
fn matrix_of_guests_and_hosts() {
    let dir = std::env::temp_dir().join(format!("vmc-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("few-cpus.snap").display().to_string();
    assert_eq!(cli(&["snapshot", "-c", &host_uri("dst-few-cpus"), "-o", &snap]).0, 0);
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        &host_uri("dst-ok"),
        "-d",
        &host_uri("dst-all-wrong"),
        "-d",
        &snap,
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let verdicts: Vec<&str> =
        json["cells"].as_array().unwrap().iter().map(|c| c["verdict"].as_str().unwrap()).collect();
    // dst-ok: WARNING for network_model and disk_model, which the test driver cannot answer.
    assert_eq!(verdicts, ["warning", "error", "warning"]);
    assert_eq!(json["guests"], serde_json::json!(["web1"]));
    let (code, out, _) = cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--domain", "web1"]);
    assert_eq!(code, 0);
    assert!(out.contains("web1") && out.contains("ok"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The column at which `line`'s field `n` (0-based, fields separated by two or more spaces)
/// starts.
fn field_starts(line: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = line.as_bytes();
    for i in 2..bytes.len() {
        if bytes[i] != b' ' && bytes[i - 1] == b' ' && bytes[i - 2] == b' ' {
            starts.push(i);
        }
    }
    starts
}

#[test]
fn matrix_with_a_dead_destination_prints_the_rest_and_the_reason() {
    let dead = "qemu+tcp://127.0.0.1:1/system";
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        &host_uri("dst-ok"),
        "-d",
        dead,
        "-d",
        &host_uri("dst-all-wrong"),
    ]);
    // A column that could not be checked counts as blocked, like an ERROR: exit 1, not 2.
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("GUEST") && lines[0].contains("DESTINATION") && lines[0].contains("VERDICT"));
    assert!(lines[1].contains("dst-ok.xml") && lines[1].contains(" warning"), "{out}");
    assert!(
        lines[2].contains(dead)
            && lines[2].contains("not checked")
            && lines[2].contains(&format!("opening the destination connection '{dead}' failed")),
        "{out}"
    );
    assert!(
        lines[3].contains("dst-all-wrong.xml") && lines[3].contains("error") && lines[3].contains("network.missing")
    );

    // A destination that fails to open in-process as well, in JSON: the cell's error and code.
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        "test:///nonexistent/node.xml",
        "-d",
        &host_uri("dst-ok"),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cells = json["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    assert!(cells[0]["verdict"].is_null() && cells[0]["report"].is_null());
    assert_eq!(cells[0]["error_code"], 2, "a libvirt call failed: {}", cells[0]);
    assert!(cells[0]["error"].as_str().unwrap().contains("test:///nonexistent/node.xml"), "{}", cells[0]);
    assert_eq!(
        (cells[1]["verdict"].as_str(), &cells[1]["error"], &cells[1]["error_code"]),
        (Some("warning"), &serde_json::Value::Null, &serde_json::json!(0))
    );
    assert_eq!(cells[1]["source"], host_uri("src"));

    // Nothing could be checked: the matrix still says why, and the exit status is 2.
    let (code, out, err) = cli(&["matrix", "-c", &host_uri("src"), "-d", dead]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.lines().nth(1).is_some_and(|l| l.contains("not checked") && l.contains(dead)), "{out}");
    assert_eq!(err.trim_end(), "virt-migration-check: no pair could be checked");

    // A source that cannot be reached fills its rows (one per named guest).
    let (code, out, _) =
        cli(&["matrix", "-c", dead, "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--domain", "web1"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("web1") && lines[1].contains(&format!("opening the source connection '{dead}'")));
    assert!(lines[2].starts_with("web1") && lines[2].contains(" warning"), "{out}");
}

#[test]
fn matrix_unknown_domain_is_an_error_naming_it() {
    let (code, out, err) =
        cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--domain", "web1", "--domain", "wbe2"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("virt-migration-check: ") && err.contains("failed to get domain 'wbe2'"), "{err}");
    assert!(!err.contains("'web1'"), "{err}");
    // By UUID and ID, as virsh looks domains up.
    let uuid = Command::new("virsh").args(["-r", "-c", &host_uri("src"), "domuuid", "web1"]).output().unwrap();
    let uuid = String::from_utf8(uuid.stdout).unwrap().trim().to_string();
    let (code, out, err) = cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--domain", &uuid]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.lines().nth(1).is_some_and(|l| l.starts_with("web1 ")), "{out}");
}

#[test]
fn matrix_table_has_a_header_and_stays_aligned() {
    // A long URI: the same host file behind many "./" segments.
    let long = format!("test://{}/{}dst-few-cpus.xml", common::data("hosts").display(), "./".repeat(60));
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        &long,
        "-d",
        &host_uri("dst-ok"),
        "-d",
        "test:///nonexistent/x.xml",
    ]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    let header = field_starts(lines[0]);
    assert_eq!(header.len(), 5, "{}", lines[0]);
    let names: Vec<&str> = header.iter().map(|&s| lines[0][s..].split_whitespace().next().unwrap()).collect();
    assert_eq!(names, ["GUEST", "SOURCE", "DESTINATION", "VERDICT", "DETAILS"]);
    let verdicts = ["warning", "warning", "not checked"];
    for (line, verdict) in lines[1..].iter().zip(verdicts) {
        // Every row's fields start under their headings: the destination and verdict columns
        // wherever the long URI pushes them.
        assert_eq!(&line[header[2]..header[2] + 1], "t", "{out}");
        assert!(line[header[3]..].starts_with(verdict), "{verdict}: {out}");
        assert_eq!(&line[header[3] - 2..header[3]], "  ", "{out}");
    }
    assert!(lines[1].contains(&long) && lines[1][header[4]..].starts_with("cpu_count.vcpus-exceed-pcpus"), "{out}");
}

#[test]
fn matrix_takes_snapshot_files_as_hosts() {
    let dir = std::env::temp_dir().join(format!("vmc-matrix-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    for host in ["dst-ok", "dst-all-wrong"] {
        assert_eq!(cli(&["snapshot", "-c", &host_uri(host), "-o", &path(&format!("{host}.snap"))]).0, 0);
    }
    std::fs::write(path("broken.snap"), "<hostSnapshot version='1'><capabilities>").unwrap();
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &host_uri("src"),
        "-d",
        &path("dst-ok.snap"),
        "-d",
        &path("dst-all-wrong.snap"),
        "-d",
        &path("broken.snap"),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["hosts"],
        serde_json::json!([path("dst-ok.snap"), path("dst-all-wrong.snap"), path("broken.snap")])
    );
    let cells = json["cells"].as_array().unwrap();
    // The snapshot answers as its live host does.
    for (i, host) in ["dst-ok", "dst-all-wrong"].iter().enumerate() {
        let (_, live, _) = cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri(host), "--json"]);
        let live: serde_json::Value = serde_json::from_str(&live).unwrap();
        assert_eq!(cells[i]["verdict"], live["cells"][0]["verdict"], "{host}");
        let codes = |c: &serde_json::Value| -> Vec<String> {
            c["report"]["results"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(codes(&cells[i]), codes(&live["cells"][0]), "{host}");
    }
    // A snapshot that cannot be read costs its column, naming the file.
    assert!(cells[2]["verdict"].is_null());
    assert_eq!(cells[2]["error_code"], 3, "{}", cells[2]);
    assert!(cells[2]["error"].as_str().unwrap().contains("broken.snap"), "{}", cells[2]);
    // A snapshot file that does not exist is an unusable argument, said as such (not a URI
    // libvirt has no driver for).
    let (code, out, err) = cli(&["matrix", "-c", &host_uri("src"), "-d", &path("missing.snap")]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err,
        format!(
            "virt-migration-check: invalid argument: destination '{}': no such host snapshot file, and not a \
             libvirt URI (one starts with its driver, as qemu:///system or qemu+ssh://host/system)\n",
            path("missing.snap")
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn matrix_timeout_bounds_a_source_that_stopped_answering() {
    let daemon = common::daemon::Daemon::start("cli-matrix-stopped");
    daemon.signal(libc::SIGSTOP);
    let start = std::time::Instant::now();
    let (code, out, err) = cli(&[
        "matrix",
        "-c",
        &daemon.uri("src"),
        "-c",
        &host_uri("src"),
        "-d",
        &host_uri("dst-ok"),
        "--domain",
        "web1",
        "--host-timeout",
        "1.5",
    ]);
    let waited = start.elapsed();
    daemon.signal(libc::SIGCONT);
    // Before, the guests were read one by one with no deadline: the command never returned.
    assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].starts_with("web1") && lines[1].contains("not checked") && lines[1].contains("timed out"),
        "{out}"
    );
    assert!(lines[1].contains("cli-matrix-stopped"), "{out}");
    assert!(lines[2].starts_with("web1") && lines[2].contains(" warning"), "{out}");
}

fn cli_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = binary().args(args).envs(env.iter().copied()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The hint of a fact libvirt refused on a read-only connection.
const READ_ONLY_HINT: &str =
    "open the connection read-write (virConnectOpen, not virConnectOpenReadOnly; the CLI without -r)";

/// The JSON finding of `check` for `disk_model` alone (it reads domain capabilities, which
/// libvirt refuses on read-only connections; the test driver has none before libvirt 9.8).
fn disk_model_finding(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["check", "-c", "SRC", "-d", "DST", "web1", "--checks", "disk_model", "--json"];
    let (src, dst) = (host_uri("src"), host_uri("dst-ok"));
    args[2] = &src;
    args[4] = &dst;
    args.extend_from_slice(extra);
    let (code, out, err) = cli(&args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    assert!(err.is_empty(), "{args:?}: {err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["results"][0].clone()
}

#[test]
fn connections_open_read_write_unless_readonly() {
    // Read-write, the default (and --read-write, its alias): libvirt lets the call through, and
    // the test driver answers it from libvirt 9.8 (disk_model is ok); before, the test driver
    // itself has no domain capabilities.
    for extra in [&[][..], &["--read-write"][..]] {
        let finding = disk_model_finding(extra);
        if test_driver_has_domain_capabilities() {
            assert_eq!(finding["severity"], "ok", "{extra:?}: {finding}");
            assert_eq!(finding["code"], "disk_model.ok", "{finding}");
        } else {
            assert_eq!(finding["severity"], "skipped", "{finding}");
            let reason = finding["details"]["reason"].as_str().unwrap();
            assert!(reason.contains("not supported by the connection driver"), "{extra:?}: {reason}");
        }
        assert!(finding["hint"].is_null(), "{finding}");
    }
    // Read-only: libvirt's public API refuses the call, and the hint says what to do.
    for extra in ["-r", "--readonly"] {
        let finding = disk_model_finding(&[extra]);
        assert_eq!(finding["severity"], "skipped", "{finding}");
        assert_eq!(finding["code"], "disk_model.unavailable");
        let reason = finding["details"]["reason"].as_str().unwrap();
        assert_eq!(reason, "operation forbidden: read only access prevents virConnectGetDomainCapabilities");
        assert_eq!(finding["hint"], READ_ONLY_HINT, "{finding}");
    }
    let (code, _, err) =
        cli(&["check", "-c", "test:///default", "-d", "test:///default", "test", "-r", "--read-write"]);
    assert_eq!(code, 2, "-r and --read-write contradict each other: {err}");
    // The table says it too.
    let args = ["check", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "web1", "--checks", "disk_model", "-r"];
    let (_, out, _) = cli(&args);
    assert!(out.contains(&format!("hint: {READ_ONLY_HINT}")), "{out}");
}

#[test]
fn help_says_what_read_only_costs() {
    for args in [&["--help"][..], &["check", "--help"][..], &["snapshot", "--help"][..], &["matrix", "--help"][..]] {
        let (code, out, _) = cli(args);
        assert_eq!(code, 0);
        assert!(out.contains("only read-only calls"), "{args:?}: {out}");
        assert!(
            out.contains("weaker: cpu_vendor, cpu_flags, network_model, disk_model, msr, machine, devices."),
            "{args:?}: {out}"
        );
    }
}

#[test]
fn connect_defaults_to_libvirt_default_uri() {
    let src = host_uri("src");
    let env = [("LIBVIRT_DEFAULT_URI", src.as_str())];
    let (code, out, err) = cli_env(&["check", "-d", &host_uri("dst-ok"), "web1"], &env);
    assert_eq!(code, 0, "{out}{err}");
    // The test driver cannot answer network_model (nor disk_model before libvirt 9.8): SKIPPED,
    // so not "ok".
    assert!(out.contains("verdict: warning"), "{out}");
    let (code, out, err) = cli_env(&["check", "-d", &host_uri("dst-all-wrong"), "web1", "-r"], &env);
    assert_eq!(code, 1, "{out}{err}");
    // The snapshot names the host libvirt chose.
    let (code, out, err) = cli_env(&["snapshot"], &env);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&src), "{out}");
    // The matrix takes the guests of the default source.
    let (code, out, err) = cli_env(&["matrix", "-d", &host_uri("dst-ok"), "--domain", "web1"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("web1") && out.contains(&src), "{out}");
    // A default that cannot be opened fails as any source does, naming it the default.
    let (code, _, err) = cli_env(
        &["check", "-d", "test:///default", "test"],
        &[("LIBVIRT_DEFAULT_URI", "test:///nonexistent/node.xml")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("opening the source connection of libvirt's default URI"), "{err}");
}

/// A privileged libvirtd, as a system daemon runs: a read-write socket `libvirt-sock` only root
/// may open (0700) and a read-only one `libvirt-sock-ro` open to all (libvirt creates the
/// read-only socket only when privileged). It runs in its own mount namespace over empty
/// /run, /etc/libvirt and /var/{lib,cache,log}/libvirt, so it touches no state of the machine;
/// `run` runs a command as `nobody` in that namespace, where `qemu:///system` reaches it through
/// libvirt's default socket paths. Killed by PID when dropped.
struct SystemDaemon {
    dir: std::path::PathBuf,
    pid: i32,
    /// setsid, unshare and sh each exec the next, so this is libvirtd itself: waited for when dropped.
    child: std::process::Child,
}

impl SystemDaemon {
    /// None when this cannot be set up here (not root, no mount namespaces): the test says so.
    fn start() -> Option<SystemDaemon> {
        if unsafe { libc::geteuid() } != 0 || !Command::new("unshare").args(["-m", "true"]).status().ok()?.success() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("vmc-system-libvirtd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("libvirtd.conf"),
            "unix_sock_dir = \"/run/libvirt\"\nauth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n\
             unix_sock_rw_perms = \"0700\"\nunix_sock_ro_perms = \"0777\"\n",
        )
        .unwrap();
        let script = format!(
            "set -e; mount --make-rprivate /; \
             for m in /run /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do \
             if [ -d $m ]; then mount -t tmpfs tmpfs $m; fi; done; mkdir -p /run/libvirt; \
             exec libvirtd -f {d}/libvirtd.conf -p {d}/pid </dev/null >/dev/null 2>{d}/libvirtd.log"
        );
        let mut child = Some(Command::new("setsid").args(["unshare", "-m", "sh", "-c", &script]).spawn().unwrap());
        let _ = Command::new("chown").args(["nobody", &dir.join("home").display().to_string()]).status();
        for _ in 0..500 {
            if let Some(pid) = std::fs::read_to_string(dir.join("pid")).ok().and_then(|p| p.trim().parse().ok()) {
                let daemon = SystemDaemon { dir, pid, child: child.take().unwrap() };
                let ready = format!("/proc/{pid}/root/run/libvirt/libvirt-sock-ro");
                for _ in 0..500 {
                    if std::path::Path::new(&ready).exists() {
                        return Some(daemon);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                panic!("libvirtd did not open its sockets; see {}/libvirtd.log", daemon.dir.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("libvirtd did not start; see {d}/libvirtd.log");
    }

    /// The CLI with `args`, as `nobody` in the daemon's namespace.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let home = self.dir.join("home").display().to_string();
        let library = other_libvirt_dir().map(|dir| format!("LD_LIBRARY_PATH={dir}"));
        let out = Command::new("nsenter")
            .args(["-t", &self.pid.to_string(), "-m", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .args(["env", "-u", "LIBVIRT_DEFAULT_URI", &format!("HOME={home}"), &format!("XDG_RUNTIME_DIR={home}")])
            .args(library)
            .arg(env!("CARGO_BIN_EXE_virt-migration-check"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

impl Drop for SystemDaemon {
    fn drop(&mut self) {
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_read_write_open_refused_for_lack_of_rights_falls_back_to_read_only() {
    let Some(daemon) = SystemDaemon::start() else {
        eprintln!("skipped: a privileged libvirtd in a mount namespace needs root and unshare");
        return;
    };
    // As virsh: the read-write socket refuses `nobody`, the read-only one serves it.
    let (code, out, err) = daemon.run(&["snapshot", "-c", "qemu:///system"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("<hostSnapshot version='1'>"), "{out}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].starts_with("virt-migration-check: the snapshot connection 'qemu:///system' opened read-only ("),
        "{err}"
    );
    assert!(lines[0].contains("Permission denied"), "libvirt's reason: {err}");
    assert!(
        lines[0].ends_with(
            "weaker checks, as libvirt refuses domain capabilities and the CPU comparison on read-only \
             connections: cpu_vendor, cpu_flags, network_model, disk_model, msr, machine, devices"
        ),
        "{err}"
    );
    // Both connections of a check fall back, each on its line, before the check itself goes on
    // (here to a domain the host does not have: the one line of a check that could not run).
    let (code, _, err) = daemon.run(&["check", "-c", "qemu:///system", "-d", "qemu:///system", "no-such-domain"]);
    assert_eq!(code, 2, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("virt-migration-check: the source connection 'qemu:///system' opened read-only"),
        "{err}"
    );
    assert!(lines[1].starts_with("virt-migration-check: the destination connection 'qemu:///system' opened read-only"));
    assert!(lines[2].contains("failed to get domain 'no-such-domain': Domain not found"), "{err}");
    // With -r it was asked for: nothing to say.
    let (code, _, err) = daemon.run(&["check", "-r", "-c", "qemu:///system", "-d", "qemu:///system", "no-such-domain"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("failed to get domain 'no-such-domain': Domain not found"), "{err}");
}

/// The JSON report of `check` with `args`, and its exit status.
fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) = cli(&[&["check", "--json"][..], args].concat());
    assert!(code == 0 || code == 1, "{args:?}: {out}{err}");
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}{err}")))
}

#[test]
fn a_pasted_virsh_line_is_the_migration_check3_judges() {
    use virt_migration_check::migration::{self, Migration};
    let (src, dst) = (host_uri("src"), host_uri("dst-all-wrong"));
    // `virsh -c SRC migrate ...` with `virsh` cut off; -r as the library's connections here.
    let line = [
        "-r",
        "-c",
        &src,
        "--live",
        "--p2p",
        "--persistent",
        "--undefinesource",
        "--copy-storage-all",
        "--migrate-disks",
        "vda",
        "--dname",
        "web1-new",
        "--verbose",
        "--timeout",
        "30",
        "web1",
        &dst,
    ];
    let (code, cli_json) = check_json(&line);
    assert_eq!(code, 1, "{cli_json}");
    let m = Migration {
        flags: migration::LIVE
            | migration::PEER2PEER
            | migration::PERSIST_DEST
            | migration::UNDEFINE_SOURCE
            | migration::NON_SHARED_DISK,
        migrate_disks: Some(vec!["vda".into()]),
        dest_name: Some("web1-new".into()),
        ..Migration::default()
    };
    let dom = common::open("src").lookup_domain_by_name("web1").unwrap();
    let report = virt_migration_check::check3(&dom, &common::open("dst-all-wrong"), &m, 0).unwrap();
    assert_eq!(cli_json, report.to_json());
    // The parameters told: vda is copied (the others must be shared), and the guest arrives
    // under its new name, so the destination's own 'web1' is no clash.
    let codes: Vec<&str> =
        cli_json["results"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"disk.will-copy") && codes.contains(&"disk.different-storage"), "{codes:?}");
    assert!(!codes.contains(&"host.name-clash") && !codes.contains(&"disk.volume-missing"), "{codes:?}");
    let (_, plain) = check_json(&["-r", "-c", &src, "web1", &dst]);
    assert!(plain.to_string().contains("host.name-clash"), "{plain}");

    // The -d form and virsh's named --domain/--desturi are the same check.
    let named = ["--domain", "web1", "--desturi", &dst];
    let dashed = ["-d", &dst, "web1"];
    for form in [&named[..], &dashed[..]] {
        let args: Vec<&str> = line[..line.len() - 2].iter().copied().chain(form.iter().copied()).collect();
        assert_eq!(check_json(&args).1, cli_json, "{form:?}");
    }
    // --dname is also the sixth positional, after MIGRATEURI, GRAPHICSURI and LISTEN_ADDRESS.
    let clash = host_uri("dst-clash");
    let (code, json) = check_json(&["-c", &src, "--live", "--checks", "host", "web1", &clash]);
    assert_eq!((code, &json["results"][0]["code"]), (1, &serde_json::json!("host.name-clash")));
    let positional =
        ["-c", &src, "--live", "--checks", "host", "web1", &clash, "tcp://x", "spice://y", "::", "web1-new"];
    let (code, json) = check_json(&positional);
    assert_eq!((code, &json["verdict"]), (0, &serde_json::json!("ok")), "the name clash is gone: {json}");
}

#[test]
fn virsh_flags_libvirt_refuses_are_predicted_errors() {
    let (src, dst) = (host_uri("src"), host_uri("dst-ok"));
    let code_of = |extra: &[&str]| {
        let args: Vec<&str> = ["-c", &src, "--checks", "host"].iter().copied().chain(extra.iter().copied()).collect();
        let (code, json) = check_json(&[&args[..], &["web1", &dst]].concat());
        let codes: Vec<String> = json["results"].as_array().unwrap().iter().map(|r| r["code"].to_string()).collect();
        (code, codes.join(" "))
    };
    assert_eq!(code_of(&["--live", "--tunnelled"]), (1, "\"host.tunnelled-without-p2p\"".into()));
    assert_eq!(code_of(&["--live", "--p2p", "--tunnelled"]), (0, "\"host.ok\"".into()));
    // Our --offline is virsh's now: VIR_MIGRATE_OFFLINE, which libvirt takes only with --persistent.
    assert_eq!(code_of(&["--offline"]), (1, "\"host.offline-without-persist\"".into()));
    assert_eq!(code_of(&["--offline", "--persistent"]), (0, "\"host.ok\"".into()));
    // The -d form and the offline form take the flags too.
    let (code, json) = check_json(&["-c", &src, "-d", &dst, "web1", "--checks", "host", "--offline"]);
    assert_eq!((code, &json["results"][0]["code"]), (1, &serde_json::json!("host.offline-without-persist")));
    let dir = std::env::temp_dir().join(format!("vmc-cli-virsh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("dst-ok.snap").display().to_string();
    assert_eq!(cli(&["snapshot", "-c", &dst, "-o", &snap]).0, 0);
    let web1 = common::data("hosts/parts/web1.xml").display().to_string();
    let offline = |extra: &[&str]| {
        let (code, json) =
            check_json(&[&["--domain-xml", &web1, "--dest-snapshot", &snap, "--checks", "host"][..], extra].concat());
        (code, json["results"][0]["code"].as_str().unwrap().to_string())
    };
    assert_eq!(offline(&["--live", "--tunnelled"]), (1, "host.tunnelled-without-p2p".into()));
    assert_eq!(offline(&["--offline", "--persistent"]), (0, "host.ok".into()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn virsh_lines_virsh_itself_refuses_are_exit_2() {
    let (src, dst) = (host_uri("src"), host_uri("dst-ok"));
    let run = |extra: &[&str]| cli(&[&["check", "-c", &src][..], extra, &["web1", &dst]].concat());
    // An option neither virsh migrate nor we know: clap's usage error.
    let (code, _, err) = run(&["--live", "--no-such-option"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unexpected argument '--no-such-option'"), "{err}");
    // virsh's own rules, in its words or clap's.
    for (extra, words) in [
        (&["--live", "--offline"][..], "'--live' cannot be used with '--offline'"),
        (&["--persistent-xml", "/dev/null"][..], "--persistent"),
        (&["--postcopy-after-precopy"][..], "--postcopy"),
        (&["--timeout", "30"][..], "Unexpected timeout for offline migration"),
        (&["--live", "--timeout-suspend"][..], "Unexpected --timeout-* option without --timeout"),
        (&["--copy-storage-synchronous-writes"][..], "requires one of '--copy-storage-all'"),
        (&["--bandwidth", "lots"][..], "invalid value 'lots'"),
        (&["--migrate-disks", ""][..], "Option argument is empty"),
        (&["--dname", "a", "--dname", "b"][..], "cannot be used multiple times"),
    ] {
        let (code, out, err) = run(extra);
        assert_eq!(code, 2, "{extra:?}: {out}{err}");
        assert!(err.contains(words), "{extra:?}: {err}");
    }
    // --xml is read as virsh reads it: a file that is not there is an error naming it.
    let (code, _, err) = run(&["--live", "--xml", "/nonexistent/web1-dest.xml"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        "virt-migration-check: invalid argument: --xml: cannot read file '/nonexistent/web1-dest.xml': No such \
         file or directory (os error 2)"
    );
    // --direct without --p2p: libvirt refuses it and the library does not judge it, so no verdict.
    let (code, _, err) = run(&["--live", "--direct"]);
    assert_eq!(code, 2);
    assert!(err.contains("--direct without --p2p") && err.contains("not supported by the source host"), "{err}");
    assert_eq!(run(&["--live", "--direct", "--p2p", "--checks", "host"]).0, 0);
    // -d and a positional DESTURI both name the destination.
    let (code, _, err) = cli(&["check", "-c", &src, "-d", &dst, "web1", &dst]);
    assert_eq!(code, 2);
    assert!(err.contains("both name the destination"), "{err}");
    let (code, _, err) = cli(&["check", "-c", &src, "-d", &dst, "--desturi", &dst, "web1"]);
    assert_eq!(code, 2, "{err}");
    // More positionals than virsh has slots for.
    let (code, _, err) = cli(&["check", "-c", &src, "web1", &dst, "a", "b", "c", "d", "e"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected data 'e'"), "{err}");
    let (code, _, err) = cli(&["check", "-c", &src, "web1"]);
    assert_eq!(code, 2);
    assert!(err.contains("DOMAIN DESTURI"), "{err}");
}

#[test]
fn help_lists_the_virsh_options_that_do_not_change_the_verdict() {
    let (code, out, _) = cli(&["check", "--help"]);
    assert_eq!(code, 0);
    let (judged, rest) = out.split_once("virsh migrate options that do not change the verdict:").unwrap();
    let judged = judged.split_once("virsh migrate options (the migration the check judges):").unwrap().1;
    for option in ["--live", "--offline", "--p2p", "--tunnelled", "--copy-storage-all", "--xml", "--dname"] {
        assert!(judged.contains(&format!("{option} ")) || judged.contains(&format!("{option}\n")), "{option}: {out}");
    }
    for option in ["--timeout <SECONDS>", "--bandwidth", "--verbose", "--comp-methods", "--migrateuri", "--disks-port"]
    {
        assert!(rest.contains(option), "{option}: {out}");
    }
    assert!(out.contains("virt-migration-check's own options:") && out.contains("--host-timeout <SECONDS>"), "{out}");
    assert!(out.contains("Usage: virt-migration-check check [-c SRC_URI] [OPTIONS of virsh migrate] DOMAIN DESTURI"));
    // matrix has no virsh line: --timeout there is neither virsh's nor ours any more.
    let (code, _, err) = cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--timeout", "5"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = cli(&["matrix", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--host-timeout <SECONDS>") && !out.contains("--timeout <"), "{out}");
}

#[test]
fn baseline_for_a_virt_type_and_for_the_guest_to_apply() {
    // Two Intel hosts of libvirt's test data (QEMU 4.2 and 5.0), each with its KVM (Intel) and
    // TCG (AMD-branded) domain capabilities, and a host without KVM.
    let dir = std::env::temp_dir().join(format!("vmc-cli-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    let fixture = |p: &str| common::data(&format!("fixtures/{p}")).display().to_string();
    let caps = fixture("host-caps/capabilityschemadata/caps-qemu-kvm.xml");
    let mut no_kvm = common::read("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml");
    while let Some(start) = no_kvm.find("<domain type='kvm'>") {
        let end = start + no_kvm[start..].find("</domain>").unwrap() + "</domain>".len();
        no_kvm.replace_range(start..end, "");
    }
    std::fs::write(path("no-kvm-caps.xml"), no_kvm).unwrap();
    let no_kvm_caps = path("no-kvm-caps.xml");
    for (name, caps, files) in [
        ("qemu-4.2", &caps, vec!["qemu_4.2.0.x86_64.xml", "qemu_4.2.0-tcg.x86_64.xml"]),
        ("qemu-5.0", &caps, vec!["qemu_5.0.0.x86_64.xml", "qemu_5.0.0-tcg.x86_64.xml"]),
        ("no-kvm", &no_kvm_caps, vec!["qemu_5.0.0-tcg.x86_64.xml"]),
    ] {
        let mut line = vec!["snapshot".to_string(), "--capabilities".into(), caps.clone()];
        for f in files {
            line.extend(["--domain-capabilities".into(), fixture(&format!("domcaps/domaincapsdata/{f}"))]);
        }
        line.extend(["-o".into(), path(&format!("{name}.snap"))]);
        let (code, out, err) = cli(&line.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 0, "{out}{err}");
    }
    let (s42, s50, nokvm) = (path("qemu-4.2.snap"), path("qemu-5.0.snap"), path("no-kvm.snap"));
    let map = common::data("cpu/cpu_map").display().to_string();
    let base = ["baseline", "--cpu-map", &map, "--snapshot", &s42, "--snapshot", &s50];

    // The default: KVM, which both offer; the document says so.
    let (code, out, err) = cli(&base);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<virtType>kvm</virtType>") && out.contains("<vendor>Intel</vendor>"), "{out}");
    let (code, out, err) = cli(&[&base[..], &["--virt-type", "qemu"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<virtType>qemu</virtType>") && out.contains("<vendor>AMD</vendor>"), "{out}");

    // --apply: the guest's own virt type, TCG here, although both hosts have KVM.
    let tcg = common::read("fixtures/domains/qemuxmlconfdata/cpu-Haswell.xml").replacen(
        "<domain type='kvm'>",
        "<domain type='qemu'>",
        1,
    );
    std::fs::write(path("tcg.xml"), &tcg).unwrap();
    let (code, out, err) = cli(&[&base[..], &["--apply", &path("tcg.xml"), "--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((json["arch"].as_str(), json["virt_type"].as_str()), (Some("x86_64"), Some("qemu")), "{json}");
    let domain = json["domain"].as_str().unwrap();
    assert!(domain.starts_with("<domain type='qemu'>") && domain.contains("<vendor>AMD</vendor>"), "{domain}");
    assert!(json["baseline"]["xml"].as_str().unwrap().contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
    assert_eq!(json["baseline"]["emulator"], "/usr/bin/qemu-system-x86_64");
    assert_eq!(json["baseline"]["cpu"]["vendor"], "AMD", "{json}");
    // KVM's baseline asked for a TCG guest: refused, not a guest its hosts would refuse.
    let (code, _, err) = cli(&[&base[..], &["--apply", &path("tcg.xml"), "--virt-type", "kvm"]].concat());
    assert_eq!(code, 2);
    assert!(err.contains("the baseline is for virt type 'kvm' and the guest's virt type is 'qemu'"), "{err}");

    // A KVM guest and a host without KVM: an error naming that host.
    let kvm = fixture("domains/qemuxmlconfdata/cpu-Haswell.xml");
    let (code, out, err) = cli(&[&base[..], &["--snapshot", &nokvm, "--apply", &kvm]].concat());
    assert_eq!(code, 2, "{out}");
    // Named as its snapshot names it (assembled: its capabilities file); the others offer KVM.
    assert!(err.contains(&format!("is not offered by host 'file://{no_kvm_caps}' (it offers: qemu)")), "{err}");
    assert!(!err.contains("caps-qemu-kvm.xml"), "{err}");
    let (code, out, err) = cli(&[&base[..], &["--snapshot", &nokvm]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<virtType>qemu</virtType>"), "the default is then TCG: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn baseline_shows_both_ways_between_each_pair_of_hosts() {
    // Snapshots assembled from what the bed's hosts printed (tests/data/bed): a (libvirt 9.0,
    // QEMU 7.2), d (9.0, QEMU 10), f (11.3, QEMU 10).
    let dir = std::env::temp_dir().join(format!("vmc-cli-both-ways-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    for (name, libvirt, qemu) in [("a", "9.0.0", "7.2"), ("d", "9.0.0", "10.0"), ("f", "11.3.0", "10.0")] {
        let bed = |kind: &str| common::data(&format!("bed/{kind}")).display().to_string();
        let (code, out, err) = cli(&[
            "snapshot",
            "--capabilities",
            &bed(&format!("caps-libvirt-{libvirt}-qemu-{qemu}.xml")),
            "--domain-capabilities",
            &bed(&format!("domcaps-libvirt-{libvirt}-qemu-{qemu}-kvm-pc-q35-{qemu}.xml")),
            "-o",
            &path(&format!("{name}.snap")),
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (a, d, f) = (path("a.snap"), path("d.snap"), path("f.snap"));
    let map = common::data("cpu/cpu_map").display().to_string();
    let base = ["baseline", "--cpu-map", &map, "--snapshot", &a, "--snapshot", &d, "--snapshot", &f];

    // Text: the document, then one XML comment per pair, for a host-model guest.
    let (code, out, err) = cli(&base);
    assert_eq!(code, 0, "{err}");
    let end = out.find("</migrationBaseline>\n").unwrap() + "</migrationBaseline>\n".len();
    let comments: Vec<&str> = out[end..].lines().collect();
    assert_eq!(comments.len(), 4, "{out}");
    assert!(comments.iter().all(|c| c.starts_with("<!-- ") && c.ends_with(" -->")), "{out}");
    assert!(comments[0].contains("for a host-model guest (kvm, x86_64)"), "{}", comments[0]);
    assert_eq!(
        comments[1],
        format!(
            "<!-- {a} -> {d} ok (warning: cpu_flags.no-return (erms, fsrm)), {d} -> {a} not: \
             cpu_flags.feature-missing (erms, fsrm) -->"
        )
    );
    assert!(comments[2].starts_with(&format!("<!-- {a} -> {f} ok (warning: cpu_flags.no-return (")), "{out}");
    assert!(
        comments[2].contains(&format!("{f} -> {a} not: cpu_flags.feature-missing (fdp-excptn-only, erms")),
        "{out}"
    );
    // Still one document: the library reads it back, comments and all.
    let read = virt_migration_check::baseline::read(&out).unwrap();
    assert_eq!(read.hosts.len(), 3);

    // JSON: the pairs, structured; "one_way" stays the --apply guest's.
    let (code, out, err) = cli(&[&base[..], &["--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["one_way"], serde_json::json!([]));
    assert_eq!(json["pairs_guest"], "a host-model guest (kvm, x86_64)");
    let pairs = json["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    assert_eq!(pairs[0]["hosts"], serde_json::json!([a, d]));
    let (go, back) = (&pairs[0]["go"], &pairs[0]["back"]);
    assert_eq!(
        (&go["from"], &go["to"], &go["goes"], &go["verdict"]),
        (&json!(a), &json!(d), &json!(true), &json!("warning"))
    );
    assert_eq!((&back["from"], &back["to"], &back["goes"]), (&json!(d), &json!(a), &json!(false)));
    assert_eq!(back["summary"], "not: cpu_flags.feature-missing (erms, fsrm)");
    assert!(back["report"]["results"].as_array().unwrap().iter().any(|r| r["code"] == "cpu_flags.feature-missing"));

    // --apply: the pairs of the guest as it is; the rewritten domain, comments after it, is
    // still a domain libvirt defines.
    let guest = "<domain type='kvm'>\n  <name>hm</name>\n  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n  \
                 <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n  <cpu mode='host-model'/>\n  \
                 <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>\n</domain>\n";
    std::fs::write(path("hm.xml"), guest).unwrap();
    let two = ["baseline", "--cpu-map", &map, "--snapshot", &a, "--snapshot", &d, "--apply", &path("hm.xml")];
    let (code, out, err) = cli(&two);
    assert_eq!(code, 0, "{err}");
    let comments: Vec<&str> = out[out.find("</domain>\n").unwrap()..].lines().skip(1).collect();
    assert!(comments[0].contains(&format!("for the guest of {} as it is", path("hm.xml"))), "{out}");
    assert!(comments[1].contains(&format!("{d} -> {a} not: cpu_flags.feature-missing (erms, fsrm)")), "{out}");
    // libvirt's own parser (the test driver takes only its own virt type).
    std::fs::write(path("rewritten.xml"), out.replacen("<domain type='kvm'>", "<domain type='test'>", 1)).unwrap();
    let defined =
        Command::new("virsh").args(["-c", "test:///default", "define", &path("rewritten.xml")]).output().unwrap();
    assert!(defined.status.success(), "{}", String::from_utf8_lossy(&defined.stderr));
    let (code, out, err) = cli(&[&two[..], &["--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["one_way"], serde_json::json!([{"from": a, "to": d}]));
    assert_eq!(json["pairs"][0]["back"]["goes"], false);

    // `check` of the host-model guest moving a -> d warns that it could not come back.
    let (code, out, err) = cli(&[
        "check",
        "--domain-xml",
        &path("hm.xml"),
        "--source-snapshot",
        &a,
        "--dest-snapshot",
        &d,
        "--cpu-map",
        &map,
        "--checks",
        "cpu_flags",
        "--json",
    ]);
    assert_eq!(code, 0, "a warning: {out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let result = &json["results"][0];
    assert_eq!((&result["code"], &result["severity"]), (&json!("cpu_flags.no-return"), &json!("warning")), "{json}");
    assert_eq!(result["details"]["missing"], "erms,fsrm");
    assert!(result["hint"].as_str().unwrap().contains("virt-migration-check baseline"), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn matrix_says_whether_the_guest_could_come_back() {
    let (src, ok) = (host_uri("src"), host_uri("dst-ok"));
    // Text: the last part of DETAILS, in the five columns as before.
    let (code, out, err) = cli(&["matrix", "-c", &src, "-d", &ok, "-d", &src]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(field_starts(lines[0]).len(), 5, "{out}");
    let (_, unverified) = unverifiable_on_the_test_driver();
    assert!(lines[1].ends_with(&format!("; back ok (could not verify: {unverified})")), "{out}");
    // Its own source: no way back to judge.
    assert!(lines[2].contains("host.same-host") && !lines[2].contains("back"), "{out}");
    let (code, out, err) = cli(&["matrix", "-c", &src, "-d", &ok, "-d", &src, "--json"]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let back = &json["cells"][0]["back"];
    assert_eq!((&back["from"], &back["to"], &back["goes"]), (&json!(ok), &json!(src), &json!(true)), "{back}");
    assert_eq!(back["summary"], format!("ok (could not verify: {unverified})"));
    assert!(back["report"]["results"].as_array().unwrap().iter().all(|r| r["check"] != "memory"), "{back}");
    assert!(json["cells"][1]["back"].is_null());
}
