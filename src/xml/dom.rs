// SPDX-License-Identifier: LGPL-2.1-or-later
//! A small, bounded element tree built with quick-xml.
//!
//! Every libvirt document this crate reads is small (kilobytes) but may come from a host we do not
//! trust, so the tree is built once with hard limits on size and depth, and each document parser
//! then walks it with the helpers below instead of driving a streaming reader by hand.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::Error;

/// Largest document accepted, in bytes. Real capabilities of a big host are ~200 KiB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest element nesting accepted. libvirt's documents nest fewer than 15 levels.
pub const MAX_DEPTH: usize = 256;

/// One XML element: its local name, attributes in document order, text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
    /// Where the element stands in the parsed text (start tag to end tag, inclusive), so that
    /// an embedded document can be taken out exactly as it was written.
    pub span: std::ops::Range<usize>,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a `/`-separated path of child names: `"os/type"`.
    pub fn path(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |el, name| el.child(name))
    }

    /// Trimmed text of the element at `path`, if it exists and is not empty.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.path(path).map(|e| e.text.trim()).filter(|t| !t.is_empty())
    }

    /// Attribute `attr` of the element at `path`.
    pub fn attr_at(&self, path: &str, attr: &str) -> Option<&str> {
        self.path(path).and_then(|e| e.attr(attr))
    }
}

/// Parses `xml` into its root element. `document` names the document in errors
/// ("domain XML", "destination capabilities"), so the caller knows which one was bad.
pub fn parse(xml: &str, document: &str) -> Result<Element, Error> {
    if xml.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::xml(
            document,
            format!("document is {} bytes, more than the limit of {MAX_DOCUMENT_BYTES}", xml.len()),
        ));
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| Error::xml(document, format!("{e} (at byte {position})")))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::xml(document, format!("elements nest deeper than the limit of {MAX_DEPTH}")));
                }
                let mut element = element_from(&start, document)?;
                element.span.start = position as usize;
                stack.push(element);
            }
            Event::Empty(start) => {
                let mut element = element_from(&start, document)?;
                element.span = position as usize..reader.buffer_position() as usize;
                attach(&mut stack, &mut root, element, document)?;
            }
            Event::End(_) => {
                let mut element = stack.pop().ok_or_else(|| Error::xml(document, "unbalanced end tag"))?;
                element.span.end = reader.buffer_position() as usize;
                attach(&mut stack, &mut root, element, document)?;
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&data);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name: &str = reference.as_ref();
                        quick_xml::escape::resolve_predefined_entity(name)
                            .ok_or_else(|| Error::xml(document, format!("unknown entity '&{name};'")))?
                            .to_string()
                    }
                    Err(e) => return Err(Error::xml(document, e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(Error::xml(
            document,
            format!("document ends inside <{}>", stack.last().map(|e| e.name.as_str()).unwrap_or("")),
        ));
    }
    root.ok_or_else(|| Error::xml(document, "document has no root element"))
}

fn element_from(start: &BytesStart<'_>, document: &str) -> Result<Element, Error> {
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| Error::xml(document, format!("bad attribute in <{name}>: {e}")))?;
        let key = attr.key.local_name().as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| Error::xml(document, format!("bad value of attribute '{key}' in <{name}>: {e}")))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element { name, attrs, ..Element::default() })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element, document: &str) -> Result<(), Error> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err(Error::xml(document, "more than one root element")),
    }
    Ok(())
}

/// The bytes in one libvirt scale unit (virScaleInteger's: b, KiB, KB, MiB, MB ... EB).
pub fn unit_bytes(unit: &str) -> Option<u128> {
    Some(match unit {
        "b" | "bytes" | "B" => 1,
        "k" | "K" | "KiB" => 1 << 10,
        "KB" => 1_000,
        "M" | "MiB" => 1 << 20,
        "MB" => 1_000_000,
        "G" | "GiB" => 1 << 30,
        "GB" => 1_000_000_000,
        "T" | "TiB" => 1 << 40,
        "TB" => 1_000_000_000_000,
        "P" | "PiB" => 1 << 50,
        "PB" => 1_000_000_000_000_000,
        "E" | "EiB" => 1 << 60,
        "EB" => 1_000_000_000_000_000_000,
        _ => return None,
    })
}

/// Parses a libvirt scaled integer: `value` in `unit` (libvirt's units, default `default_unit`)
/// converted to KiB. Returns None for a malformed value or unit.
pub fn scaled_to_kib(value: &str, unit: Option<&str>, default_unit: &str) -> Option<u64> {
    let value: u64 = value.trim().parse().ok()?;
    let unit = unit.unwrap_or(default_unit);
    let bytes_per_unit = unit_bytes(unit)?;
    u64::try_from(value as u128 * bytes_per_unit / 1024).ok()
}

/// The element's text as a scaled integer in KiB, honouring its `unit` attribute.
pub fn element_kib(element: &Element, default_unit: &str) -> Option<u64> {
    scaled_to_kib(&element.text, element.attr("unit"), default_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_attributes_and_entities() {
        let root = parse("<a x='1'><b>t&amp;u&#65;</b><c/><b>2</b></a>", "test").unwrap();
        assert_eq!(root.attr("x"), Some("1"));
        assert_eq!(root.text_at("b"), Some("t&uA"));
        assert_eq!(root.children_named("b").count(), 2);
        assert!(root.child("c").is_some());
    }

    #[test]
    fn spans_cover_each_element_exactly() {
        let text = "<a>\n  <b x='1'>t<i/></b>\n  <c/>\n</a>";
        let root = parse(text, "test").unwrap();
        assert_eq!(&text[root.span.clone()], text);
        assert_eq!(&text[root.children[0].span.clone()], "<b x='1'>t<i/></b>");
        assert_eq!(&text[root.children[0].children[0].span.clone()], "<i/>");
        assert_eq!(&text[root.children[1].span.clone()], "<c/>");
    }

    #[test]
    fn malformed_documents_are_errors_naming_the_document() {
        for bad in ["", "<a>", "<a></b>", "<a/><b/>", "<a x='1' x='2'/>", "<a>&bogus;</a>", "text"] {
            let err = parse(bad, "domain XML").unwrap_err();
            assert!(err.to_string().contains("domain XML"), "{bad}: {err}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep, "x").unwrap_err().to_string().contains("deeper"));
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(&ok, "x").is_ok());
    }

    #[test]
    fn scaled_units() {
        assert_eq!(scaled_to_kib("2", Some("GiB"), "KiB"), Some(2 * 1024 * 1024));
        assert_eq!(scaled_to_kib("1024", None, "KiB"), Some(1024));
        assert_eq!(scaled_to_kib("1", Some("MB"), "KiB"), Some(976));
        assert_eq!(scaled_to_kib("x", None, "KiB"), None);
        assert_eq!(scaled_to_kib("1", Some("parsec"), "KiB"), None);
    }
}
