// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<pool>` and `<volume>`: libvirt storage (`virStoragePoolGetXMLDesc`, `virStorageVolGetXMLDesc`).

use super::expect_root;
use crate::error::Error;
use crate::facts::{Pool, Timestamp, Volume, VolumeTimestamps};

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
        source_format: source_attr("format", "type"),
    })
}

/// Parses volume XML (virStorageVolDefFormat's output: `<capacity unit='bytes'>`, the target's
/// `<format type>` and `<timestamps>`; hand-written XML may give other units).
pub fn parse_volume(xml: &str, document: &str) -> Result<Volume, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "volume", document)?;
    // A size or time that does not read is left unknown, as one not reported: the comparisons
    // that need it then prove nothing, rather than every volume of the host becoming unknown.
    let capacity = root.child("capacity").and_then(|c| bytes(&c.text, c.attr("unit")));
    let time = |name: &str| root.text_at(&format!("target/timestamps/{name}")).and_then(timestamp);
    Ok(Volume {
        name: root.text_at("name").ok_or_else(|| Error::xml(document, "missing <name>"))?.to_string(),
        key: root.text_at("key").unwrap_or_default().to_string(),
        path: root.text_at("target/path").unwrap_or_default().to_string(),
        kind: root.attr("type").map(str::to_string),
        capacity,
        format: root.attr_at("target/format", "type").map(str::to_string),
        timestamps: VolumeTimestamps {
            mtime: time("mtime"),
            ctime: time("ctime"),
            // libvirt on Linux writes 0 (no birth time there): nothing known.
            btime: time("btime").filter(|t| t.secs != 0 || t.nanos != 0),
        },
    })
}

/// A libvirt scaled integer in bytes (virScaleInteger's units; bytes by default).
fn bytes(value: &str, unit: Option<&str>) -> Option<u64> {
    let value: u64 = value.trim().parse().ok()?;
    let scale = u64::try_from(super::dom::unit_bytes(unit.unwrap_or("bytes"))?).ok()?;
    value.checked_mul(scale)
}

/// `1341930622.047245868` or `1341930622` (virStorageVolTimestampFormat: `%llu` and, when the
/// nanoseconds are not 0, `.%09ld`).
fn timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (secs, nanos) = match text.split_once('.') {
        Some((s, n)) if !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()) => {
            (s, format!("{n:0<9}").parse().ok()?)
        }
        Some(_) => return None,
        None => (text, 0),
    };
    Some(Timestamp { secs: secs.parse().ok()?, nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_libvirt_writes_them() {
        assert_eq!(timestamp("1341930622.047245868"), Some(Timestamp { secs: 1341930622, nanos: 47245868 }));
        assert_eq!(timestamp("1341930622"), Some(Timestamp { secs: 1341930622, nanos: 0 }));
        assert_eq!(timestamp("1.5"), Some(Timestamp { secs: 1, nanos: 500_000_000 }));
        for bad in ["", "x", "1.", "1.x", "1.0123456789", "-1"] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
        assert_eq!(Timestamp { secs: 1341930622, nanos: 47245868 }.to_string(), "1341930622.047245868");
    }

    #[test]
    fn libvirts_volume_xml() {
        // libvirt 11.3's tests/storagevolxml2xmlin/vol-file.xml (tests/data/fixtures).
        let xml = include_str!("../../tests/data/fixtures/pools/storagevolxml2xmlin/vol-file.xml");
        let v = parse_volume(xml, "vol-file.xml").unwrap();
        assert_eq!(v.capacity, Some(1 << 40));
        assert_eq!(v.timestamps.mtime, Some(Timestamp { secs: 1341930622, nanos: 47245868 }));
        assert_eq!(v.timestamps.ctime, v.timestamps.mtime);
        assert_eq!(v.timestamps.btime, None);
        let linux = xml.replace("</timestamps>", "<btime>0</btime></timestamps>");
        assert_eq!(parse_volume(&linux, "linux").unwrap().timestamps.btime, None);
        let bsd = xml.replace("</timestamps>", "<btime>1341930600.5</btime></timestamps>");
        assert_eq!(
            parse_volume(&bsd, "bsd").unwrap().timestamps.btime,
            Some(Timestamp { secs: 1341930600, nanos: 500_000_000 })
        );
        assert_eq!(parse_volume(&xml.replace(">1</capacity>", ">lots</capacity>"), "bad").unwrap().capacity, None);
    }
}
