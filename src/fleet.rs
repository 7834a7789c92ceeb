//! Fleets: many guests against many hosts in one call, each host's facts gathered once (in
//! parallel across hosts) and each guest's once, then every pair judged (in parallel).

use virt::connect::Connect;
use virt::domain::Domain;

use crate::error::Error;
use crate::facts::{Guest, Host};
use crate::flags::Options;
use crate::report::Report;

/// What can be said of one guest on one host: a report, or why the pair could not be checked.
pub type Cell = Result<Report, Error>;

/// The answers of a fleet check.
#[derive(Debug)]
pub struct Matrix {
    /// The guests, by name, in input order.
    pub guests: Vec<String>,
    /// The destinations, by URI, in input order.
    pub hosts: Vec<String>,
    /// `cells[guest][host]`.
    pub cells: Vec<Vec<Cell>>,
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
    let judge = |i: usize| -> Vec<Report> {
        destinations.iter().map(|dst| crate::check_facts(&guests[i], &sources[src_of[i]], dst, options)).collect()
    };
    let n = guests.len();
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

/// Facts of every host, gathered in parallel (one thread per host; libvirt connections are
/// thread-safe): complete, guest-independent views, from the cache where the options allow.
pub fn hosts(conns: &[&Connect], options: &Options) -> Vec<Result<Host, Error>> {
    // In parallel, each on a worker holding its own connection reference, all under one
    // deadline: a host that does not answer becomes a Timeout for its cells, not a hang.
    let until = options.timeout.map(|l| std::time::Instant::now() + l);
    let pending: Vec<_> = conns
        .iter()
        .map(|conn| {
            let (conn, cache) = ((*conn).clone(), options.cache);
            crate::deadline::spawn(move || -> Result<Host, Error> {
                if !crate::libvirt::gather::is_alive(&conn) {
                    return Err(Error::invalid("the connection is closed"));
                }
                match cache {
                    Some(ttl) => crate::libvirt::cache::host(&conn, ttl).map(|h| (*h).clone()),
                    None => {
                        let snapshot = crate::libvirt::gather::snapshot(&conn, &crate::clock::now_rfc3339())?;
                        let uri = snapshot.uri.clone();
                        snapshot.to_host(&uri)
                    }
                }
            })
        })
        .collect();
    // virConnectGetURI answers from the client's own copy: no RPC to a host that may be stuck.
    let names: Vec<String> =
        conns.iter().enumerate().map(|(i, c)| c.uri().unwrap_or_else(|_| format!("host #{}", i + 1))).collect();
    pending.into_iter().zip(names).map(|(p, name)| p.wait(until, &format!("gathering the facts of {name}"))).collect()
}

/// Every guest's facts, read on one worker per source under the options' deadline: a source
/// that stops answering makes its guests' rows Timeout errors, not a hang. The guests of a
/// source whose host facts could not be had are not asked for (their rows carry that reason).
fn guests(
    sources: &[&Connect],
    doms: &[&Domain],
    src_of: &[usize],
    src_hosts: &[Result<Host, Error>],
    options: &Options,
) -> Vec<Result<Guest, Error>> {
    let until = options.timeout.map(|l| std::time::Instant::now() + l);
    let mut guests: Vec<Result<Guest, Error>> = vec![Err(Error::Internal("guest not read".into())); doms.len()];
    let mut pending = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        let rows: Vec<usize> = (0..doms.len()).filter(|&i| src_of[i] == s).collect();
        if let Err(e) = &src_hosts[s] {
            rows.iter().for_each(|&i| guests[i] = Err(e.clone()));
            continue;
        }
        if rows.is_empty() {
            continue;
        }
        let mine: Vec<Domain> = rows.iter().map(|&i| doms[i].clone()).collect();
        let work =
            crate::deadline::spawn(move || Ok(mine.iter().map(crate::libvirt::gather::guest).collect::<Vec<_>>()));
        // virConnectGetURI answers from the client's own copy: no RPC.
        let name = source.uri().unwrap_or_else(|_| format!("source #{}", s + 1));
        pending.push((rows, work, name));
    }
    for (rows, work, name) in pending {
        match work.wait(until, &format!("reading the guests of {name}")) {
            Ok(read) => rows.into_iter().zip(read).for_each(|(i, guest)| guests[i] = guest),
            Err(e) => rows.into_iter().for_each(|i| guests[i] = Err(e.clone())),
        }
    }
    guests
}

/// Checks every guest of `doms` (each on `sources[src_of[i]]`) against every destination.
/// Fails only for unusable arguments; a host or guest whose facts cannot be had makes its cells
/// errors.
pub fn check_matrix(
    sources: &[&Connect],
    doms: &[&Domain],
    src_of: &[usize],
    destinations: &[&Connect],
    options: &Options,
) -> Result<Matrix, Error> {
    if doms.len() != src_of.len() || src_of.iter().any(|&s| s >= sources.len()) {
        return Err(Error::invalid("every domain needs the index of its source connection"));
    }
    for (i, dom) in doms.iter().enumerate() {
        if !crate::libvirt::gather::domain_belongs_to(dom, sources[src_of[i]]) {
            return Err(Error::invalid(format!("domain #{i} does not belong to its source connection")));
        }
    }
    let all: Vec<&Connect> = sources.iter().chain(destinations.iter()).copied().collect();
    let mut gathered = hosts(&all, options);
    let dst_hosts: Vec<Result<Host, Error>> = gathered.split_off(sources.len());
    let src_hosts = gathered;
    let guests = guests(sources, doms, src_of, &src_hosts, options);

    // Judge the pairs whose facts are all there; the rest carry the reason.
    let ok_dsts: Vec<usize> = (0..destinations.len()).filter(|&h| dst_hosts[h].is_ok()).collect();
    let dst_facts: Vec<Host> =
        ok_dsts.iter().map(|&h| dst_hosts[h].clone().unwrap_or_else(|_| Host::unknown(""))).collect();
    let src_facts: Vec<Host> = src_hosts.iter().map(|h| h.clone().unwrap_or_else(|_| Host::unknown(""))).collect();
    let ready: Vec<usize> = (0..doms.len()).filter(|&i| guests[i].is_ok() && src_hosts[src_of[i]].is_ok()).collect();
    let ready_guests: Vec<Guest> = ready.iter().filter_map(|&i| guests[i].as_ref().ok().cloned()).collect();
    let ready_src: Vec<usize> = ready.iter().map(|&i| src_of[i]).collect();
    let judged = check_many(&ready_guests, &ready_src, &src_facts, &dst_facts, options);

    let mut cells: Vec<Vec<Cell>> = Vec::with_capacity(doms.len());
    for i in 0..doms.len() {
        let row_reason: Option<Error> = match (&guests[i], &src_hosts[src_of[i]]) {
            (Err(e), _) | (_, Err(e)) => Some(e.clone()),
            _ => None,
        };
        let judged_row = ready.iter().position(|&r| r == i).map(|r| &judged[r]);
        let row = (0..destinations.len())
            .map(|h| {
                if let Some(e) = &row_reason {
                    return Err(e.clone());
                }
                if let Err(e) = &dst_hosts[h] {
                    return Err(e.clone());
                }
                let column = ok_dsts.iter().position(|&d| d == h).unwrap_or(0);
                judged_row.map(|r| r[column].clone()).ok_or_else(|| Error::Internal("unjudged pair".into()))
            })
            .collect();
        cells.push(row);
    }
    Ok(Matrix {
        guests: guests
            .iter()
            .zip(doms)
            .map(|(g, d)| g.as_ref().map(|g| g.def.name.clone()).unwrap_or_else(|_| d.name().unwrap_or_default()))
            .collect(),
        hosts: destinations.iter().map(|c| c.uri().unwrap_or_default()).collect(),
        cells,
    })
}
