//! The command-line tool: exit status, table and JSON output, bad input.

mod common;

use std::process::Command;

use common::host_uri;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_virt-migration-check")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn exit_status_follows_the_verdict() {
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "web1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verdict: ok"));
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
    }
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
    assert!(err.contains("missing.snap"), "{err}");
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
    assert!(json["baseline"].as_str().unwrap().starts_with("<migrationBaseline"));
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
    assert_eq!(verdicts, ["ok", "error", "warning"]);
    assert_eq!(json["guests"], serde_json::json!(["web1"]));
    let (code, out, _) = cli(&["matrix", "-c", &host_uri("src"), "-d", &host_uri("dst-ok"), "--domain", "web1"]);
    assert_eq!(code, 0);
    assert!(out.contains("web1") && out.contains("ok"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
