// SPDX-License-Identifier: LGPL-2.1-or-later
//! The crate's error type: why a call could not run at all.
//!
//! A problem with the migration is never an `Error`: it is a `Finding`. An `Error` means the
//! question could not be asked (bad arguments, unreadable XML, a libvirt call that every check needs
//! failed).

use std::fmt;

/// Why a call could not run. The discriminants are the C API's error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The caller passed something unusable: a NULL pointer, unknown flag bits, a domain of
    /// another connection, a closed connection.
    InvalidArgument(String),
    /// A libvirt call that the whole check depends on failed.
    Libvirt { call: String, code: i32, message: String },
    /// An XML document could not be parsed.
    Xml { document: String, message: String },
    /// The caller selected a check this build does not implement.
    Unsupported(String),
    /// A bug: a panic caught at the C boundary, or an impossible state.
    Internal(String),
    /// A host did not answer within the call's deadline.
    Timeout(String),
}

impl Error {
    pub fn xml(document: &str, message: impl Into<String>) -> Error {
        Error::Xml { document: document.to_string(), message: message.into() }
    }

    /// The error of a failed libvirt call, with libvirt's own code and message (the one
    /// conversion from the `virt` crate's errors).
    pub fn libvirt(call: &str, e: &virt::error::Error) -> Error {
        let code = match e.code() {
            virt::enumutil::Enum::Known(k) => virt::enumutil::RawEnum::to_raw(k) as i32,
            virt::enumutil::Enum::Unknown(u) => u as i32,
        };
        Error::Libvirt { call: call.to_string(), code, message: e.message().to_string() }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidArgument(message.into())
    }

    /// The stable numeric code the C API reports (`virMigrationCheckErrorCode`).
    pub fn code(&self) -> i32 {
        match self {
            Error::InvalidArgument(_) => 1,
            Error::Libvirt { .. } => 2,
            Error::Xml { .. } => 3,
            Error::Unsupported(_) => 4,
            Error::Internal(_) => 5,
            Error::Timeout(_) => 6,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::Libvirt { call, message, .. } => write!(f, "{call} failed: {message}"),
            Error::Xml { document, message } => write!(f, "cannot parse {document}: {message}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Internal(m) => write!(f, "internal error: {m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
        }
    }
}

impl std::error::Error for Error {}
