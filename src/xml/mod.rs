//! Parsers of libvirt's XML documents into the plain structs of `facts`.
//!
//! Unknown elements and attributes are ignored (libvirt adds new ones every release); malformed
//! XML is an `Error::Xml` naming the document, never a panic.

pub mod capabilities;
pub mod cpu;
pub mod dom;
pub mod domain;
pub mod domcaps;
pub mod interface;
pub mod network;
pub mod nodedev;
pub mod pool;
pub mod snapshot;

pub use dom::{Element, parse};

use crate::error::Error;

/// Checks that a parsed document has the root element a parser expects.
pub(crate) fn expect_root(root: &Element, name: &str, document: &str) -> Result<(), Error> {
    if root.name == name {
        Ok(())
    } else {
        Err(Error::xml(document, format!("root element is <{}>, expected <{name}>", root.name)))
    }
}

/// Parses an unsigned number, naming the document and element when it is not one.
pub(crate) fn number<T: std::str::FromStr>(text: &str, what: &str, document: &str) -> Result<T, Error> {
    text.trim().parse().map_err(|_| Error::xml(document, format!("{what} is '{}', not a number", text.trim())))
}
