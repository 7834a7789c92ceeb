//! `<pool>` and `<volume>`: libvirt storage (`virStoragePoolGetXMLDesc`, `virStorageVolGetXMLDesc`).

use super::expect_root;
use crate::error::Error;
use crate::facts::{Pool, Volume};

/// Parses pool XML. `active` comes from the API, not the XML.
pub fn parse_pool(xml: &str, active: bool, document: &str) -> Result<Pool, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "pool", document)?;
    let source = root.child("source");
    let source_attr = |child: &str, attr: &str| source.and_then(|s| s.attr_at(child, attr)).map(str::to_string);
    Ok(Pool {
        name: root.text_at("name").ok_or_else(|| Error::xml(document, "missing <name>"))?.to_string(),
        uuid: root.text_at("uuid").unwrap_or_default().to_string(),
        kind: root.attr("type").unwrap_or_default().to_string(),
        active,
        target_path: root.text_at("target/path").map(str::to_string),
        source_host: source_attr("host", "name"),
        source_dir: source_attr("dir", "path"),
        source_device: source_attr("device", "path"),
        source_name: source.and_then(|s| s.text_at("name")).map(str::to_string),
    })
}

/// Parses volume XML.
pub fn parse_volume(xml: &str, document: &str) -> Result<Volume, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "volume", document)?;
    Ok(Volume {
        name: root.text_at("name").ok_or_else(|| Error::xml(document, "missing <name>"))?.to_string(),
        key: root.text_at("key").unwrap_or_default().to_string(),
        path: root.text_at("target/path").unwrap_or_default().to_string(),
    })
}
