// SPDX-License-Identifier: LGPL-2.1-or-later
//! Parsers of libvirt's XML documents into the plain structs of `facts`.
//!
//! Unknown elements and attributes are ignored (libvirt adds new ones every release); malformed
//! XML is an `Error::Xml` naming the document, never a panic.

pub mod abi;
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

/// `s` escaped for XML text or a quoted attribute value (either quote): the five predefined
/// entities, and line breaks and tabs as character references, which an attribute value would
/// otherwise lose to normalization. The one escape of every document the library writes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn escape_reads_back() {
        let text = "a&b<c>d'e\"f\ng\th";
        let doc = format!("<x v='{}'>{}</x>", super::escape(text), super::escape(text));
        let root = super::parse(&doc, "test").unwrap();
        assert_eq!(root.attr("v"), Some(text));
        assert_eq!(root.text.as_str(), text);
    }
}
