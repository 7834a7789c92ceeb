//! A real `libvirtd` serving test-driver node files over its unix socket (TESTBED.md tier 1), so
//! that tests exercise libvirt's remote protocol. Started in its own process group with its own
//! config and XDG directories; as root it runs as `nobody` (a session daemon), and it is always
//! stopped by PID when the handle drops, even when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    child: Child,
    pub dir: PathBuf,
}

impl Daemon {
    pub fn start(tag: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("vmc-libvirtd-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "sock", "config", "cache", "hosts"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // The daemon reads the node files itself: give it a copy it can read as `nobody`.
        copy_dir(&super::data("hosts"), &dir.join("hosts"));
        std::fs::write(
            dir.join("libvirtd.conf"),
            format!(
                "unix_sock_dir = \"{}\"\nauth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\nunix_sock_rw_perms = \"0777\"\n",
                dir.join("sock").display()
            ),
        )
        .unwrap();
        let root = unsafe { libc::geteuid() } == 0;
        let mut command = if root {
            Command::new("chown").args(["-R", "nobody:nogroup"]).arg(&dir).status().unwrap();
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "libvirtd"]);
            c
        } else {
            Command::new("libvirtd")
        };
        command
            .arg("-f")
            .arg(dir.join("libvirtd.conf"))
            .env("HOME", &dir)
            .env("XDG_RUNTIME_DIR", dir.join("run"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("libvirtd.log")).unwrap());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("libvirtd must be installed (make deps)");
        let daemon = Daemon { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !daemon.socket().exists() {
            assert!(Instant::now() < deadline, "libvirtd did not create its socket; see {}", daemon.dir.join("libvirtd.log").display());
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("sock/libvirt-sock")
    }

    /// The remote URI of a bundled host served by this daemon.
    pub fn uri(&self, host: &str) -> String {
        format!("test+unix://{}/hosts/{host}.xml?socket={}", self.dir.display(), self.socket().display())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the daemon now (SIGKILL by PID: nothing to flush) and reaps it.
    pub fn kill(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
