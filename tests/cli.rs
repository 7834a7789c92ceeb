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
    let (code, out, _) = cli(&["check", "-c", &host_uri("src"), "-d", &host_uri("dst-missing-volume"), "web1", "--json", "--checks", "disk,host", "--copy-storage-all"]);
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
        vec!["check", "-c", "test:///default", "-d", "test:///default", "test", "--checks", "numa"],
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
