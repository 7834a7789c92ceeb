// SPDX-License-Identifier: LGPL-2.1-or-later
//! A real `libvirtd` serving the test-driver hosts over its unix socket (docs/testbed.md, bed 1), so
//! that tests exercise libvirt's remote protocol. Started and stopped by
//! tests/libvirtd-session.sh (shared with the C tests); always stopped by PID when the handle
//! drops, even when a test fails.

use std::path::PathBuf;
use std::process::Command;

pub struct Daemon {
    pid: i32,
    pub dir: PathBuf,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/libvirtd-session.sh")
}

impl Daemon {
    pub fn start(tag: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("vmc-libvirtd-{tag}-{}", std::process::id()));
        let out = Command::new(script()).arg("start").arg(&dir).output().expect("tests/libvirtd-session.sh");
        assert!(out.status.success(), "libvirtd did not start: {}", String::from_utf8_lossy(&out.stderr));
        let pid = String::from_utf8_lossy(&out.stdout).trim().parse().expect("the script prints the PID");
        let daemon = Daemon { pid, dir };
        daemon.await_serving();
        daemon
    }

    /// Waits (at most 10 s) until the daemon accepts connections: its socket file exists from
    /// bind(), a moment before it listens, and on a loaded machine a test could connect in between
    /// and be refused.
    fn await_serving(&self) {
        let uri = format!("test+unix:///default?socket={}/sock/libvirt-sock", self.dir.display());
        for _ in 0..500 {
            // The connection is closed when it is dropped.
            if virt::connect::Connect::open_read_only(Some(&uri)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("libvirtd in {} does not accept connections", self.dir.display());
    }

    /// The remote URI of a bundled host served by this daemon.
    pub fn uri(&self, host: &str) -> String {
        format!("test+unix://{0}/hosts/{host}.xml?socket={0}/sock/libvirt-sock", self.dir.display())
    }

    /// Sends `signal` to the daemon (SIGSTOP: it stops answering; SIGCONT: it goes on).
    pub fn signal(&self, signal: i32) {
        assert_eq!(unsafe { libc::kill(self.pid, signal) }, 0, "cannot signal libvirtd {}", self.pid);
    }

    /// Kills the daemon now, by PID, and waits until it is dead (gone, or a zombie: its
    /// sockets are closed either way; this machine's PID 1 reaps orphans slowly).
    pub fn kill(&mut self) {
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
                Err(_) => return,
                Ok(stat) if stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')) => return,
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}
