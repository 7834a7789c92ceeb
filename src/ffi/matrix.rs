// SPDX-License-Identifier: LGPL-2.1-or-later
//! virMigrationCheckMatrix: many guests against many hosts in one call.

use std::os::raw::{c_char, c_int, c_uint};

use virt::connect::Connect;
use virt::domain::Domain;

use super::result::{c_string, free_list, to_c_list, virMigrationCheckResultPtr};
use super::{Out, borrow_array, borrow_connect, borrow_domain, borrow_each, error, virConnectPtr, virDomainPtr};
use crate::error::Error;
use crate::flags::Options;
use crate::report::Verdict;

/// One guest on one host in a virMigrationCheckMatrix.
#[repr(C)]
pub struct virMigrationCheckMatrixCell {
    /// The number of results, or -1 when this pair could not be checked (see error).
    pub nresults: c_int,
    /// NULL-terminated results, most severe first, as virMigrationCheck() gives; NULL when
    /// nresults is -1. Owned by the matrix.
    pub results: *mut virMigrationCheckResultPtr,
    /// Why the pair could not be checked (the host or guest facts were unobtainable), or NULL.
    pub error: *mut c_char,
    /// The virMigrationCheckErrorCode of error, as virMigrationCheckGetLastErrorCode() would
    /// give it for a virMigrationCheck() of this pair: VIR_MIGRATION_CHECK_ERR_TIMEOUT when a
    /// host did not answer within the deadline, VIR_MIGRATION_CHECK_ERR_LIBVIRT when a libvirt
    /// call failed, and so on; VIR_MIGRATION_CHECK_ERR_NONE (0) when the pair was checked.
    pub error_code: c_int,
    /// The worst of the results: a virMigrationCheckSeverity among OK, INFO, WARNING, ERROR,
    /// or -1 when not checked. A SKIPPED result (a check that could not run) counts as WARNING,
    /// and as ERROR under VIR_MIGRATION_CHECK_STRICT (the result then carries the boolean
    /// detail "strict"): an unverified check never reads as OK.
    pub verdict: c_int,
}

/// The answers of virMigrationCheckMatrix(): cells[d * ndconns + h] is domain d on host h.
/// (Named ...Data: C cannot give a type and a function the same name.)
#[repr(C)]
pub struct virMigrationCheckMatrixData {
    pub ndoms: c_uint,
    pub ndconns: c_uint,
    /// ndoms * ndconns cells, one row per domain.
    pub cells: *mut virMigrationCheckMatrixCell,
}

/// A pointer to a matrix.
pub type virMigrationCheckMatrixPtr = *mut virMigrationCheckMatrixData;

fn oom() -> Error {
    Error::Internal("out of memory".into())
}

/// Checks every domain of @doms (all on @conn) against every host of @dconns in one call: each
/// host's facts are gathered once (in parallel across hosts, read-only), each guest's once,
/// then every pair is judged as virMigrationCheck() would (in parallel). A host or guest whose
/// facts cannot be had makes its cells carry the reason; the others are still checked. Handles
/// are borrowed.
///
/// @conn: the source connection
/// @doms: the guests, each belonging to @conn
/// @ndoms: how many (at least 1)
/// @dconns: the destinations
/// @ndconns: how many (at least 1)
/// @flags: as for virMigrationCheck() (VIR_MIGRATION_CHECK_CACHE reuses host facts across calls)
/// @matrix: where to store the answers; free with virMigrationCheckMatrixFree()
///
/// Returns the number of cells (ndoms * ndconns), or -1 on bad arguments (then *matrix is
/// NULL). A cell that could not be checked has nresults -1, its reason in error and its
/// virMigrationCheckErrorCode in error_code; a checked cell has error NULL and error_code 0.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckMatrix(
    conn: virConnectPtr,
    doms: *mut virDomainPtr,
    ndoms: c_uint,
    dconns: *mut virConnectPtr,
    ndconns: c_uint,
    flags: c_uint,
    matrix: *mut virMigrationCheckMatrixPtr,
) -> c_int {
    error::guard(move || {
        let matrix = Out::cleared(matrix, "matrix")?;
        const EMPTY: &str = "doms and dconns must hold at least one handle each";
        // SAFETY: the caller passes `ndoms` handles at `doms` and `ndconns` at `dconns`.
        let (doms, dconns) = unsafe { (borrow_array(doms, ndoms, EMPTY)?, borrow_array(dconns, ndconns, EMPTY)?) };
        let options = Options::from_flags(flags, crate::supported_checks())?;
        let src = borrow_connect(conn, "conn")?;
        let domains: Vec<Domain> = borrow_each(doms, "doms", |d, what| {
            borrow_domain(d).map_err(|_| Error::invalid(format!("{what} is NULL or invalid")))
        })?;
        let destinations: Vec<Connect> = borrow_each(dconns, "dconns", borrow_connect)?;
        let dom_refs: Vec<&Domain> = domains.iter().collect();
        let dst_refs: Vec<&Connect> = destinations.iter().collect();
        let source_of = vec![0; domains.len()];
        let guests = crate::fleet::Guests::Domains { domains: &dom_refs, source_of: &source_of };
        let answers = crate::fleet::check_matrix(&[&src], guests, &dst_refs, &options)?;
        matrix.set(build(&answers)?);
        Ok((ndoms * ndconns) as c_int)
    })
}

/// The C matrix of `answers`; on failure nothing is leaked.
fn build(answers: &crate::fleet::Matrix) -> Result<virMigrationCheckMatrixPtr, Error> {
    let (ndoms, nhosts) = (answers.cells.len(), answers.hosts.len());
    // SAFETY: zeroed memory is a valid empty matrix and empty cells, freed cleanly below.
    let m =
        unsafe { libc::calloc(1, std::mem::size_of::<virMigrationCheckMatrixData>()) } as virMigrationCheckMatrixPtr;
    if m.is_null() {
        return Err(oom());
    }
    let cells = unsafe { libc::calloc((ndoms * nhosts).max(1), std::mem::size_of::<virMigrationCheckMatrixCell>()) }
        as *mut virMigrationCheckMatrixCell;
    if cells.is_null() {
        unsafe { libc::free(m as *mut libc::c_void) };
        return Err(oom());
    }
    // SAFETY: `m` is ours; cells hold zeroed entries (nresults 0, NULL pointers) until filled.
    unsafe {
        (*m).ndoms = ndoms as c_uint;
        (*m).ndconns = nhosts as c_uint;
        (*m).cells = cells;
    }
    for (d, row) in answers.cells.iter().enumerate() {
        for (h, cell) in row.iter().enumerate() {
            // SAFETY: the index is within the ndoms * nhosts cells.
            let c = unsafe { &mut *cells.add(d * nhosts + h) };
            let filled = match cell {
                Ok(report) => to_c_list(report).map(|list| {
                    c.nresults = report.findings.len() as c_int;
                    c.results = list;
                    c.verdict = match report.verdict() {
                        Verdict::Ok => 0,
                        Verdict::Info => 1,
                        Verdict::Warning => 2,
                        Verdict::Error => 3,
                    };
                }),
                Err(e) => c_string(&e.to_string()).map(|msg| {
                    c.nresults = -1;
                    c.error = msg;
                    c.error_code = e.code();
                    c.verdict = -1;
                }),
            };
            if let Err(e) = filled {
                // SAFETY: every cell is complete or zeroed.
                unsafe { free_matrix(m) };
                return Err(e);
            }
        }
    }
    Ok(m)
}

/// Frees a matrix returned by virMigrationCheckMatrix(): every cell's results and error, the
/// cells and the matrix. NULL is accepted and ignored.
///
/// Since: 0.1.0
#[unsafe(no_mangle)]
pub unsafe extern "C" fn virMigrationCheckMatrixFree(matrix: virMigrationCheckMatrixPtr) {
    // SAFETY: the caller passes a matrix of virMigrationCheckMatrix() or NULL.
    error::guard_free(move || unsafe { free_matrix(matrix) });
}

/// Frees `matrix` (built by `build`: every pointer is malloc'd or NULL); NULL is ignored.
unsafe fn free_matrix(matrix: virMigrationCheckMatrixPtr) {
    if matrix.is_null() {
        return;
    }
    // SAFETY: see above.
    unsafe {
        let m = &*matrix;
        if !m.cells.is_null() {
            for i in 0..(m.ndoms as usize * m.ndconns as usize) {
                let cell = &*m.cells.add(i);
                free_list(cell.results);
                libc::free(cell.error as *mut libc::c_void);
            }
            libc::free(m.cells as *mut libc::c_void);
        }
        libc::free(matrix as *mut libc::c_void);
    }
}
