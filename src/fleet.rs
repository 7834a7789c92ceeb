// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fleets: many guests against many hosts in one call, each host's facts gathered once (in
//! parallel across hosts) and each guest's once, then every pair judged (in parallel).
//!
//! Every surface's matrix runs here: the C API's virMigrationCheckMatrix (domain handles on one
//! connection) and the command line's `matrix` (URIs opened here, snapshot files, guests by name
//! or every running one). Whatever talks to a host does so on a worker under the call's one
//! deadline, so a host that does not answer costs its cells, never the call.

use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::Domain;

use crate::deadline::Pending;
use crate::error::Error;
use crate::facts::{Guest, Host};
use crate::flags::Options;
use crate::report::Report;

/// What can be said of one guest on one host: a report, or why the pair could not be checked.
pub type Cell = Result<Report, Error>;

/// The answers of a fleet check.
#[derive(Debug)]
pub struct Matrix {
    /// The guests, by name, in input order (`*` for the unknown guests of a source whose guests
    /// could not be listed).
    pub guests: Vec<String>,
    /// The source of each guest, by name (`HostSource::name`).
    pub sources: Vec<String>,
    /// The destinations, by name (`HostSource::name`), in input order.
    pub hosts: Vec<String>,
    /// `cells[guest][host]`.
    pub cells: Vec<Vec<Cell>>,
    /// `back[guest][host]`: whether the guest could come back from that destination to its
    /// source, restarted there (`baseline::both_ways::restarted`: a host-model CPU expanded
    /// again by the destination), judged by the compatibility checks
    /// (`baseline::both_ways::compatibility_options`) with the source's facts as the
    /// destination. None where the destination is the guest's own source, or where the guest's,
    /// the source's or the destination's facts are missing (the cell says why); all None from
    /// [`check_matrix`], filled by [`check_matrix_both_ways`].
    pub back: Vec<Vec<Option<Report>>>,
}

/// Threads to judge pairs with: the machine's cores, at most `cap`.
fn threads(cap: usize) -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(cap).max(1)
}

/// Judges every guest against every destination from facts already gathered: `guests[i]` runs
/// on `sources[src_of[i]]`. Pure evaluation, spread over the machine's cores.
pub fn check_many(
    guests: &[Guest],
    src_of: &[usize],
    sources: &[Host],
    destinations: &[Host],
    options: &Options,
) -> Vec<Vec<Report>> {
    by_row(guests.len(), |i| {
        destinations.iter().map(|dst| crate::checks::run(&guests[i], &sources[src_of[i]], dst, options)).collect()
    })
}

/// Whether each guest could come back from each destination to its source, from facts already
/// gathered (`guests[i]` runs on `sources[src_of[i]]`): the guest restarted on the destination
/// (`baseline::both_ways::restarted`) checked destination -> source by the compatibility checks
/// of `options`. None where the destination is the guest's source (by name, `same[i][h]`).
/// Spread over the machine's cores as [`check_many`].
pub fn check_back(
    guests: &[Guest],
    src_of: &[usize],
    sources: &[Host],
    destinations: &[Host],
    same: &[Vec<bool>],
    options: &Options,
) -> Vec<Vec<Option<Report>>> {
    let options = crate::baseline::both_ways::compatibility_options(options);
    by_row(guests.len(), |i| {
        let restarted = crate::baseline::both_ways::restarted(&guests[i]);
        let src = &sources[src_of[i]];
        destinations
            .iter()
            .enumerate()
            .map(|(h, dst)| {
                let same_uuid = src.uuid().is_some() && src.uuid() == dst.uuid();
                let own = same.get(i).and_then(|r| r.get(h)).copied().unwrap_or(false) || same_uuid;
                (!own).then(|| crate::checks::run(&restarted, dst, src, &options))
            })
            .collect()
    })
}

/// `judge(i)` for every row `i < n`, spread over the machine's cores, in order.
fn by_row<T: Send>(n: usize, judge: impl Fn(usize) -> Vec<T> + Sync) -> Vec<Vec<T>> {
    let workers = threads(n);
    if workers <= 1 {
        return (0..n).map(judge).collect();
    }
    let chunk = n.div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let judge = &judge;
                scope.spawn(move || (w * chunk..((w + 1) * chunk).min(n)).map(judge).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Where a host's facts come from.
#[derive(Clone, Copy)]
pub enum HostSource<'a> {
    /// A connection the caller opened (borrowed).
    Connection(&'a Connect),
    /// A connection URI, opened here on a worker under the call's deadline (read-only unless
    /// `read_write`; only read-only calls are made either way): a host that cannot be reached
    /// costs its cells, with the reason.
    Uri { uri: &'a str, read_write: bool },
    /// A host snapshot document (`<hostSnapshot>`, as `virt-migration-check snapshot` writes
    /// it), for a destination; `name` names it in the matrix and in errors (its file, say).
    Snapshot { name: &'a str, document: &'a str },
}

impl<'a> From<&'a Connect> for HostSource<'a> {
    fn from(conn: &'a Connect) -> HostSource<'a> {
        HostSource::Connection(conn)
    }
}

impl HostSource<'_> {
    /// Whether `other` reaches the same host the same way: the same connection, or the same
    /// URI opened alike (a snapshot is read, never shared).
    fn same_host(&self, other: &HostSource) -> bool {
        match (self, other) {
            // SAFETY: both handles are valid; the pointers are compared, not dereferenced.
            (HostSource::Connection(a), HostSource::Connection(b)) => unsafe { a.as_ptr() == b.as_ptr() },
            (HostSource::Uri { uri: a, read_write: x }, HostSource::Uri { uri: b, read_write: y }) => a == b && x == y,
            _ => false,
        }
    }

    /// The host's name in a matrix: its URI, or the snapshot's name.
    pub fn name(&self) -> String {
        match self {
            // virConnectGetURI answers from the client's own copy: no RPC to a host that may be stuck.
            HostSource::Connection(conn) => conn.uri().unwrap_or_else(|_| "(unknown URI)".to_string()),
            HostSource::Uri { uri, .. } => uri.to_string(),
            HostSource::Snapshot { name, .. } => name.to_string(),
        }
    }
}

/// Which guests of the sources a matrix checks.
#[derive(Clone, Copy)]
pub enum Guests<'a> {
    /// These domains: `domains[i]` runs on `sources[source_of[i]]`, which must be the very
    /// connection the handle belongs to (`HostSource::Connection`).
    Domains { domains: &'a [&'a Domain], source_of: &'a [usize] },
    /// The guests of these names (or UUIDs, or IDs, as virsh looks them up), on every source
    /// that has them. A name that no source has is an error of the call, naming it; a source
    /// that cannot be asked gets a row for every name, carrying why.
    Named(&'a [String]),
    /// Every running guest of every source; a source that cannot be asked gets one row, `*`,
    /// carrying why.
    Running,
}

/// The facts of a host, once its worker (if any) has answered.
enum Work<T> {
    Done(Result<T, Error>),
    Waiting(Pending<T>, String),
}

impl<T> Work<T> {
    fn wait(self, until: Option<Instant>) -> Result<T, Error> {
        match self {
            Work::Done(result) => result,
            Work::Waiting(pending, what) => pending.wait(until, &what),
        }
    }
}

fn open(uri: &str, read_write: bool, role: &str) -> Result<Connect, Error> {
    let conn = if read_write { Connect::open(Some(uri)) } else { Connect::open_read_only(Some(uri)) };
    conn.map_err(|e| Error::libvirt(&format!("opening the {role} connection '{uri}'"), &e))
}

/// A connection's facts: complete, guest-independent, from the cache where the options allow.
fn gather_host(conn: &Connect, cache: Option<Duration>) -> Result<Host, Error> {
    if !crate::libvirt::gather::is_alive(conn) {
        return Err(Error::invalid("the connection is closed"));
    }
    match cache {
        Some(ttl) => crate::libvirt::cache::host(conn, ttl).map(|h| (*h).clone()),
        None => crate::libvirt::gather::whole_host(conn),
    }
}

/// Starts `then` on a worker holding its own reference to the host's connection (opened there
/// for a URI), after the host's facts; a snapshot is read at once (no host to wait for).
fn start<T: Send + 'static>(
    source: HostSource,
    role: &str,
    what: &str,
    options: &Options,
    then: impl FnOnce(&Connect, Host) -> Result<T, Error> + Send + 'static,
    offline: impl FnOnce(Host) -> Result<T, Error>,
) -> Work<T> {
    let cache = options.cache;
    let what = format!("gathering {what} of {}", source.name());
    match source {
        HostSource::Snapshot { name, document } => {
            Work::Done(crate::xml::snapshot::read_host(document, name).and_then(offline))
        }
        HostSource::Connection(conn) => {
            let conn = conn.clone();
            Work::Waiting(crate::deadline::spawn(move || then(&conn, gather_host(&conn, cache)?)), what)
        }
        HostSource::Uri { uri, read_write } => {
            let (uri, role) = (uri.to_string(), role.to_string());
            let work = crate::deadline::spawn(move || {
                let conn = open(&uri, read_write, &role)?;
                let host = gather_host(&conn, cache)?;
                then(&conn, host)
            });
            Work::Waiting(work, what)
        }
    }
}

/// Facts of every host, gathered in parallel (one worker per host, each holding its own
/// connection reference; libvirt connections are thread-safe) under the options' deadline: a
/// host that does not answer becomes a Timeout for its cells, not a hang.
pub fn hosts(conns: &[&Connect], options: &Options) -> Vec<Result<Host, Error>> {
    let until = options.timeout.map(|l| Instant::now() + l);
    let work: Vec<Work<Host>> = conns
        .iter()
        .map(|c| start(HostSource::Connection(c), "host", "the facts", options, |_, h| Ok(h), Ok))
        .collect();
    work.into_iter().map(|w| w.wait(until)).collect()
}

/// A guest of a source: its name and its facts, or why they could not be read.
type Read = (String, Result<Guest, Error>);

/// What a source's worker learnt: its host's facts, its guests, and the names it does not have.
struct SourceAnswer {
    host: Host,
    guests: Vec<Read>,
    missing: Vec<String>,
}

/// Looks a guest up as virsh does: by name, then UUID, then ID. None when the host has no such
/// guest.
fn lookup(conn: &Connect, name: &str) -> Result<Option<Domain>, Error> {
    let absent =
        |e: &virt::error::Error| matches!(e.code(), virt::enumutil::Enum::Known(virt::error::ErrorNumber::NoDomain));
    match conn.lookup_domain_by_name(name) {
        Ok(dom) => return Ok(Some(dom)),
        Err(e) if !absent(&e) => return Err(Error::libvirt("virDomainLookupByName", &e)),
        Err(_) => {}
    }
    let by_other = if name.len() == 36 && name.matches('-').count() == 4 {
        conn.lookup_domain_by_uuid_string(name)
    } else if let Ok(id) = name.parse::<u32>() {
        conn.lookup_domain_by_id(id)
    } else {
        return Ok(None);
    };
    match by_other {
        Ok(dom) => Ok(Some(dom)),
        Err(e) if absent(&e) => Ok(None),
        Err(e) => Err(Error::libvirt("looking up a domain", &e)),
    }
}

fn read(dom: &Domain) -> Read {
    let guest = crate::libvirt::gather::guest(dom);
    let name = match &guest {
        Ok(g) => g.def.name.clone(),
        Err(_) => dom.name().unwrap_or_default(),
    };
    (name, guest)
}

/// The guests of one source, on its worker, once its host facts are in (a source whose facts
/// cannot be had is not asked for its guests: its rows carry that reason).
fn source_guests(conn: &Connect, host: Host, wanted: Wanted) -> Result<SourceAnswer, Error> {
    let mut answer = SourceAnswer { host, guests: Vec::new(), missing: Vec::new() };
    match wanted {
        Wanted::Domains(doms) => answer.guests = doms.iter().map(read).collect(),
        Wanted::Named(names) => {
            for name in names {
                match lookup(conn, &name) {
                    Ok(Some(dom)) => answer.guests.push(read(&dom)),
                    Ok(None) => answer.missing.push(name),
                    Err(e) => answer.guests.push((name, Err(e))),
                }
            }
        }
        Wanted::Running => {
            let running = conn
                .list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
                .map_err(|e| Error::libvirt("virConnectListAllDomains", &e))?;
            answer.guests = running.iter().map(read).collect();
        }
    }
    Ok(answer)
}

/// What a source's worker returns: its host's facts when a destination shares them, and its
/// answer (its guests; an error of its own, such as a listing refused, stays the source's).
type SourceWork = (Option<Host>, Result<SourceAnswer, Error>);

/// `Guests` for one source's worker, owning what it needs.
enum Wanted {
    Domains(Vec<Domain>),
    Named(Vec<String>),
    Running,
}

/// Checks the guests of `sources` chosen by `guests` against every destination, all under the
/// options' one deadline: each host's facts are gathered once, in parallel (connections opened
/// there for URIs, snapshots read), each source's guests looked up and read on its own worker,
/// then every pair is judged. Fails only for unusable arguments (a domain of another
/// connection, a source that is a snapshot, a `Guests::Named` name no source has); a host or
/// guest whose facts cannot be had makes its cells errors carrying the reason. `Matrix::back` is
/// left empty: [`check_matrix_both_ways`] fills it.
pub fn check_matrix<'a, S, D>(
    sources: &[S],
    guests: Guests<'_>,
    destinations: &[D],
    options: &Options,
) -> Result<Matrix, Error>
where
    S: Into<HostSource<'a>> + Copy,
    D: Into<HostSource<'a>> + Copy,
{
    matrix(sources, guests, destinations, options, false)
}

/// [`check_matrix`], and for every cell whether the guest could come back (`Matrix::back`,
/// [`check_back`]), judged on the same facts: no host is asked anything more.
pub fn check_matrix_both_ways<'a, S, D>(
    sources: &[S],
    guests: Guests<'_>,
    destinations: &[D],
    options: &Options,
) -> Result<Matrix, Error>
where
    S: Into<HostSource<'a>> + Copy,
    D: Into<HostSource<'a>> + Copy,
{
    matrix(sources, guests, destinations, options, true)
}

fn matrix<'a, S, D>(
    sources: &[S],
    guests: Guests<'_>,
    destinations: &[D],
    options: &Options,
    both_ways: bool,
) -> Result<Matrix, Error>
where
    S: Into<HostSource<'a>> + Copy,
    D: Into<HostSource<'a>> + Copy,
{
    let sources: Vec<HostSource> = sources.iter().map(|&s| s.into()).collect();
    let destinations: Vec<HostSource> = destinations.iter().map(|&d| d.into()).collect();
    if let Some(s) = sources.iter().find(|s| matches!(s, HostSource::Snapshot { .. })) {
        return Err(Error::invalid(format!(
            "the source {} is a snapshot: a source must be a connection, its guests are read from it",
            s.name()
        )));
    }
    let mut wanted: Vec<Wanted> = Vec::with_capacity(sources.len());
    match guests {
        Guests::Domains { domains, source_of } => {
            if domains.len() != source_of.len() || source_of.iter().any(|&s| s >= sources.len()) {
                return Err(Error::invalid("every domain needs the index of its source connection"));
            }
            for (i, dom) in domains.iter().enumerate() {
                let belongs = match sources[source_of[i]] {
                    HostSource::Connection(conn) => crate::libvirt::gather::domain_belongs_to(dom, conn),
                    _ => false,
                };
                if !belongs {
                    return Err(Error::invalid(format!("domain #{i} does not belong to its source connection")));
                }
            }
            for s in 0..sources.len() {
                let mine = (0..domains.len()).filter(|&i| source_of[i] == s).map(|i| domains[i].clone()).collect();
                wanted.push(Wanted::Domains(mine));
            }
        }
        Guests::Named(names) => wanted.extend(sources.iter().map(|_| Wanted::Named(names.to_vec()))),
        Guests::Running => wanted.extend(sources.iter().map(|_| Wanted::Running)),
    }

    // Every host at once, all under one deadline. A destination that is also a source (the
    // same connection, or the same URI opened the same way) is gathered once, by the source's
    // worker: asking a host twice at the same time would only make both answers wait for the
    // host's daemon and the machine's cores.
    let until = options.timeout.map(|l| Instant::now() + l);
    let same_source: Vec<Option<usize>> =
        destinations.iter().map(|d| sources.iter().position(|s| s.same_host(d))).collect();
    let src_work: Vec<Work<SourceWork>> = sources
        .iter()
        .zip(wanted)
        .enumerate()
        .map(|(i, (&s, w))| {
            let shared = same_source.contains(&Some(i));
            start(
                s,
                "source",
                "the facts and the guests",
                options,
                move |conn, host| Ok((shared.then(|| host.clone()), source_guests(conn, host, w))),
                |_| snapshot_as_source().map(|a| (None, Ok(a))),
            )
        })
        .collect();
    let dst_work: Vec<Option<Work<Host>>> = destinations
        .iter()
        .zip(&same_source)
        .map(|(&d, same)| same.is_none().then(|| start(d, "destination", "the facts", options, |_, h| Ok(h), Ok)))
        .collect();
    let mut src_hosts: Vec<Result<Option<Host>, Error>> = Vec::with_capacity(sources.len());
    let mut src_answers: Vec<Result<SourceAnswer, Error>> = Vec::with_capacity(sources.len());
    for work in src_work {
        match work.wait(until) {
            Ok((host, answer)) => {
                src_hosts.push(Ok(host));
                src_answers.push(answer);
            }
            Err(e) => {
                src_hosts.push(Err(e.clone()));
                src_answers.push(Err(e));
            }
        }
    }
    let dst_hosts: Vec<Result<Host, Error>> = dst_work
        .into_iter()
        .zip(&same_source)
        .map(|(work, same)| match (work, same) {
            (Some(work), _) => work.wait(until),
            (None, Some(s)) => match &src_hosts[*s] {
                Ok(host) => host.clone().ok_or_else(|| Error::Internal("a shared host's facts not kept".into())),
                Err(e) => Err(e.clone()),
            },
            (None, None) => Err(Error::Internal("a destination without work".into())),
        })
        .collect();

    // The rows: each source's guests in its order; a source that could not be asked gets a row
    // for each guest it might have had.
    if let Guests::Named(names) = guests {
        for name in names {
            let anywhere = src_answers.iter().any(|a| match a {
                Ok(a) => !a.missing.contains(name),
                Err(_) => true,
            });
            if !anywhere {
                let asked: Vec<String> = sources.iter().map(HostSource::name).collect();
                return Err(Error::invalid(format!(
                    "failed to get domain '{name}': not found on {}",
                    asked.join(", ")
                )));
            }
        }
    }
    struct Row {
        source: usize,
        name: String,
        guest: Result<Guest, Error>,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut src_facts: Vec<Host> = Vec::with_capacity(sources.len());
    for (s, answer) in src_answers.into_iter().enumerate() {
        match answer {
            Ok(a) => {
                rows.extend(a.guests.into_iter().map(|(name, guest)| Row { source: s, name, guest }));
                src_facts.push(a.host);
            }
            Err(e) => {
                let names: Vec<String> = match guests {
                    Guests::Domains { domains, source_of } => (0..domains.len())
                        .filter(|&i| source_of[i] == s)
                        .map(|i| domains[i].name().unwrap_or_default())
                        .collect(),
                    Guests::Named(names) => names.to_vec(),
                    Guests::Running => vec!["*".to_string()],
                };
                rows.extend(names.into_iter().map(|name| Row { source: s, name, guest: Err(e.clone()) }));
                src_facts.push(Host::unknown(""));
            }
        }
    }

    // Judge the pairs whose facts are all there; the rest carry the reason.
    let ok_dsts: Vec<usize> = (0..destinations.len()).filter(|&h| dst_hosts[h].is_ok()).collect();
    let dst_facts: Vec<Host> =
        ok_dsts.iter().map(|&h| dst_hosts[h].clone().unwrap_or_else(|_| Host::unknown(""))).collect();
    let ready: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].guest.is_ok()).collect();
    let ready_guests: Vec<Guest> = ready.iter().filter_map(|&i| rows[i].guest.as_ref().ok().cloned()).collect();
    let ready_src: Vec<usize> = ready.iter().map(|&i| rows[i].source).collect();
    let judged = check_many(&ready_guests, &ready_src, &src_facts, &dst_facts, options);
    // The way back, on the facts already here: the source's facts are complete (gathered as a
    // destination's are), so no host is asked anything more.
    let back_judged = match both_ways {
        true => {
            let dst_names: Vec<String> = ok_dsts.iter().map(|&h| destinations[h].name()).collect();
            let same: Vec<Vec<bool>> = ready
                .iter()
                .map(|&i| {
                    let source = sources[rows[i].source].name();
                    dst_names.iter().map(|d| *d == source).collect()
                })
                .collect();
            check_back(&ready_guests, &ready_src, &src_facts, &dst_facts, &same, options)
        }
        false => Vec::new(),
    };

    let mut cells: Vec<Vec<Cell>> = Vec::with_capacity(rows.len());
    let mut back: Vec<Vec<Option<Report>>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let judged_row = ready.iter().position(|&r| r == i).map(|r| &judged[r]);
        let back_row = ready.iter().position(|&r| r == i).and_then(|r| back_judged.get(r));
        back.push(
            (0..destinations.len())
                .map(|h| {
                    let column = ok_dsts.iter().position(|&d| d == h)?;
                    back_row.and_then(|r| r[column].clone())
                })
                .collect(),
        );
        let cells_of_row = (0..destinations.len())
            .map(|h| {
                if let Err(e) = &row.guest {
                    return Err(e.clone());
                }
                if let Err(e) = &dst_hosts[h] {
                    return Err(e.clone());
                }
                let column = ok_dsts.iter().position(|&d| d == h).unwrap_or(0);
                judged_row.map(|r| r[column].clone()).ok_or_else(|| Error::Internal("unjudged pair".into()))
            })
            .collect();
        cells.push(cells_of_row);
    }
    Ok(Matrix {
        guests: rows.iter().map(|r| r.name.clone()).collect(),
        sources: rows.iter().map(|r| sources[r.source].name()).collect(),
        hosts: destinations.iter().map(HostSource::name).collect(),
        cells,
        back,
    })
}

/// Sources are never snapshots (refused above).
fn snapshot_as_source() -> Result<SourceAnswer, Error> {
    Err(Error::Internal("a snapshot as a source".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options::from_flags(0, crate::checks::supported()).unwrap()
    }

    #[test]
    fn guests_by_name_running_or_unknown() {
        virt::error::clear_error_callback();
        let default = [HostSource::Uri { uri: "test:///default", read_write: false }];
        let names = ["test".to_string()];
        let m = check_matrix(&default, Guests::Named(&names), &default, &options()).unwrap();
        assert_eq!((m.guests.as_slice(), m.sources.as_slice()), (&names[..], &["test:///default".to_string()][..]));
        assert!(m.cells[0][0].is_ok(), "{:?}", m.cells[0][0]);
        let running = check_matrix(&default, Guests::Running, &default, &options()).unwrap();
        assert_eq!(running.guests, names);
        let unknown = ["test".to_string(), "tset".to_string()];
        let err = check_matrix(&default, Guests::Named(&unknown), &default, &options()).unwrap_err();
        assert_eq!(err, Error::invalid("failed to get domain 'tset': not found on test:///default"));
    }

    #[test]
    fn a_source_must_be_a_connection() {
        let snapshot = [HostSource::Snapshot { name: "a.snap", document: "<hostSnapshot version='1'/>" }];
        let err = check_matrix(&snapshot, Guests::Running, &snapshot, &options()).unwrap_err();
        assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("a.snap is a snapshot")), "{err}");
    }
}
