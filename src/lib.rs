//! libvirt-migration-check: will this live migration succeed, and if not, exactly why?
//!
//! Data flows one way: **gather → facts → checks → report → surface**. `facts::gather` reads a
//! guest and two hosts through read-only libvirt calls (each fact once per call), the checks in
//! `checks` judge the facts without talking to libvirt, and `report` orders what they found. The
//! C API (`ffi`) and the command-line tool are thin layers over the functions below.
//!
//! ```no_run
//! use virt::connect::Connect;
//! let src = Connect::open_read_only(Some("qemu:///system")).unwrap();
//! let dst = Connect::open_read_only(Some("qemu+ssh://dst/system")).unwrap();
//! let dom = src.lookup_domain_by_name("web1").unwrap();
//! let report = virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
//! for finding in report.errors() {
//!     println!("{}: {}", finding.code, finding.message);
//! }
//! ```

pub mod checks;
pub mod error;
pub mod facts;
pub mod ffi;
pub mod flags;
pub mod report;
pub mod xml;

pub use error::Error;
pub use facts::{Guest, Host};
pub use flags::{Check, Flags, Options};
pub use report::{Finding, Report, Severity, Value, Verdict};

use virt::connect::Connect;
use virt::domain::Domain;

/// The selection bits of every check this build implements.
pub fn supported_checks() -> Flags {
    checks::supported()
}

/// Checks whether `dom`, running on `src`, can migrate to `dst`. `flags` are
/// `virMigrationCheckFlags` bits (0: every implemented check). The handles are borrowed.
pub fn check(src: &Connect, dst: &Connect, dom: &Domain, flags: u32) -> Result<Report, Error> {
    let options = Options::from_flags(flags, supported_checks())?;
    check_with_options(src, dst, dom, &options)
}

/// `check` with options already validated.
pub fn check_with_options(src: &Connect, dst: &Connect, dom: &Domain, options: &Options) -> Result<Report, Error> {
    for (conn, which) in [(src, "source"), (dst, "destination")] {
        if !facts::gather::is_alive(conn) {
            return Err(Error::invalid(format!("the {which} connection is closed")));
        }
    }
    if !facts::gather::domain_belongs_to(dom, src) {
        return Err(Error::invalid("the domain does not belong to the source connection"));
    }
    let guest = facts::gather::guest(dom)?;
    let (src_needs, dst_needs) = checks::needs(options.checks);
    let src_host = facts::gather::host(src, src_needs, &guest.def)?;
    let dst_host = facts::gather::host(dst, dst_needs, &guest.def)?;
    Ok(check_facts(&guest, &src_host, &dst_host, options))
}

/// Runs the selected checks on facts already gathered (or read from elsewhere).
pub fn check_facts(guest: &Guest, src: &Host, dst: &Host, options: &Options) -> Report {
    checks::run(guest, src, dst, options)
}

/// This library's version: major * 1,000,000 + minor * 1,000 + micro.
pub fn version() -> u64 {
    let part = |s: &str| s.parse::<u64>().unwrap_or(0);
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 1_000
        + part(env!("CARGO_PKG_VERSION_PATCH"))
}
