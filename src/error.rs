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
    /// A libvirt call that the whole check depends on failed. `call` names the API
    /// ("virConnectGetURI"), or says what failed as virsh words it ("failed to get domain
    /// 'web1'", "failed to connect to the destination 'qemu+ssh://b/system'"); `code` is
    /// libvirt's virErrorNumber (0 when libvirt gave none) and `message` libvirt's own text.
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

    /// The error's name in JSON: its `virMigrationCheckErrorCode` without the prefix, in lower
    /// case (VIR_MIGRATION_CHECK_ERR_INVALID_ARG is "invalid_arg").
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "invalid_arg",
            Error::Libvirt { .. } => "libvirt",
            Error::Xml { .. } => "xml",
            Error::Unsupported(_) => "unsupported",
            Error::Internal(_) => "internal",
            Error::Timeout(_) => "timeout",
        }
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
            // "failed to get domain 'web1': Domain not found: ...", as virsh says it, or
            // "virConnectGetURI failed: ..." for an API.
            Error::Libvirt { call, message, .. } if call.starts_with("failed to ") => write!(f, "{call}: {message}"),
            Error::Libvirt { call, message, .. } => write!(f, "{call} failed: {message}"),
            Error::Xml { document, message } => write!(f, "cannot parse {document}: {message}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Internal(m) => write!(f, "internal error: {m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_failed_and_libvirt_s_words() {
        let libvirt = |call: &str| Error::Libvirt { call: call.into(), code: 42, message: "Domain not found".into() };
        // An API, then its failure; what failed worded as virsh words it, then libvirt's text.
        assert_eq!(libvirt("virDomainLookupByName").to_string(), "virDomainLookupByName failed: Domain not found");
        assert_eq!(libvirt("failed to get domain 'x'").to_string(), "failed to get domain 'x': Domain not found");
        let names: Vec<&str> = [
            Error::invalid("x"),
            libvirt("c"),
            Error::xml("d", "m"),
            Error::Unsupported(String::new()),
            Error::Internal(String::new()),
            Error::Timeout(String::new()),
        ]
        .iter()
        .map(Error::name)
        .collect();
        assert_eq!(names, ["invalid_arg", "libvirt", "xml", "unsupported", "internal", "timeout"]);
    }
}
