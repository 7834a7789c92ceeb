// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's CPU map (`cpu_map/index.xml` and the files it includes): x86 vendors, features
//! (CPUID and MSR bits) and models, parsed once per directory and cached for the process.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use super::data::CpuData;
use crate::error::Error;
use crate::xml::{self, Element};

/// Where libvirt installs its CPU map.
pub const SYSTEM_CPU_MAP: &str = "/usr/share/libvirt/cpu_map";

/// Reads one file of a map: its text and the name to report it by.
pub(crate) type ReadFile<'a> = dyn Fn(&str) -> Result<(String, String), Error> + 'a;

/// One bit of CPU data: a CPUID register bit or an MSR bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BitKey {
    /// CPUID leaf `eax_in`, subleaf `ecx_in`, register 0..3 = eax, ebx, ecx, edx, bit 0..31.
    Cpuid { eax_in: u32, ecx_in: u32, reg: u8, bit: u8 },
    /// MSR `index`, register 0 = eax (low half), 1 = edx (high half), bit 0..31.
    Msr { index: u32, reg: u8, bit: u8 },
}

/// A named CPU feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub name: String,
    pub data: CpuData,
    /// false for `migratable='no'` features (invtsc ...), which a migratable CPU must drop.
    pub migratable: bool,
    /// Backed by an MSR (vmx-*, arch-capabilities bits ...) rather than CPUID.
    pub msr: bool,
    pub aliases: Vec<String>,
}

/// A CPU signature: family, model and the steppings it covers (None = any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub family: u32,
    pub model: u32,
    pub stepping: Option<(u32, u32)>,
}

/// A named CPU model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub vendor: Option<String>,
    pub signatures: Vec<Signature>,
    /// Every bit of the model, its ancestors' included.
    pub data: CpuData,
    /// Features listed `removed='yes'`: once part of the model, no longer in its data; a
    /// decoded guest CPU lists them as disabled.
    pub removed: Vec<usize>,
    /// Features listed `added='yes'` (libvirt 11: vmx-* bits added to existing models): not in
    /// the model's data either.
    pub added: Vec<usize>,
    /// `<decode host= guest=>`: whether the model may be chosen when decoding host / guest data.
    pub decode_host: bool,
    pub decode_guest: bool,
}

/// A CPU vendor and its CPUID vendor string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub name: String,
    pub string: String,
}

/// libvirt's x86 CPU map.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuMap {
    /// Where it was read: its directory, or the carried release it is (`cpu::carried`).
    pub source: String,
    pub bits: Vec<BitKey>,
    pub vendors: Vec<Vendor>,
    pub features: Vec<Feature>,
    pub models: Vec<Model>,
    // Looked up for every feature of every CPU compared: a fast hash, not SipHash (the keys
    // come from libvirt's own map, not from an attacker).
    bit_index: FxHashMap<BitKey, usize>,
    feature_index: FxHashMap<String, usize>,
    model_index: FxHashMap<String, usize>,
}

static CACHE: Lazy<Mutex<HashMap<PathBuf, Arc<CpuMap>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

impl CpuMap {
    /// The map in `dir` (default: the newest release's the library carries,
    /// `cpu::carried::newest`), parsed on first use and cached for the life of the process.
    pub fn cached(dir: Option<&Path>) -> Result<Arc<CpuMap>, Error> {
        let Some(dir) = dir else { return super::carried::newest() };
        let dir = dir.to_path_buf();
        if let Some(map) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(&dir) {
            return Ok(map.clone());
        }
        let map = Arc::new(CpuMap::load(&dir)?);
        CACHE.lock().unwrap_or_else(|e| e.into_inner()).insert(dir, map.clone());
        Ok(map)
    }

    /// Parses the map in `dir` (no cache).
    pub fn load(dir: &Path) -> Result<CpuMap, Error> {
        let read = |file: &str| {
            let path = dir.join(file);
            let name = path.display().to_string();
            std::fs::read_to_string(&path)
                .map(|text| (text, name.clone()))
                .map_err(|e| Error::xml(&name, format!("cannot read: {e}")))
        };
        CpuMap::parse(dir.display().to_string(), &read)
    }

    /// Parses a map from its files: `read(file)` gives a file's text and the name to report it
    /// by (`index.xml` first, then the files it includes).
    pub(crate) fn parse(source: String, read: &ReadFile) -> Result<CpuMap, Error> {
        let (text, index_name) = read("index.xml")?;
        let mut index = xml::parse(&text, &index_name)?;
        let x86 = index
            .children
            .iter()
            .position(|a| a.name == "arch" && a.attr("name") == Some("x86"))
            .ok_or_else(|| Error::xml(&index_name, "no <arch name='x86'>"))?;
        let x86 = index.children.swap_remove(x86);
        let mut map = CpuMap {
            source,
            bits: Vec::new(),
            vendors: Vec::new(),
            features: Vec::new(),
            models: Vec::new(),
            bit_index: FxHashMap::default(),
            feature_index: FxHashMap::default(),
            model_index: FxHashMap::default(),
        };
        // Definitions come in document order (vendors and features before the models that use
        // them), inline or through includes, possibly inside <group>s. Moved out of their parsed
        // documents, not copied (libvirt 11.3's map holds thousands of elements), each with the
        // index of its document's name in `docs`.
        let mut docs: Vec<String> = Vec::new();
        let mut elements: Vec<(Element, usize)> = Vec::new();
        collect(x86, read, index_name, &mut docs, &mut elements)?;
        // First pass: every bit any feature uses, so that all data sets share one width.
        for (el, _) in elements.iter().filter(|(e, _)| e.name == "feature") {
            for key in feature_bits(el) {
                if !map.bit_index.contains_key(&key) {
                    map.bit_index.insert(key, map.bits.len());
                    map.bits.push(key);
                }
            }
        }
        for (el, doc) in &elements {
            let doc = docs[*doc].as_str();
            match el.name.as_str() {
                "vendor" => map.vendors.push(Vendor {
                    name: required(el, "name", doc)?.to_string(),
                    string: required(el, "string", doc)?.to_string(),
                }),
                "feature" => map.add_feature(el, doc)?,
                "model" => map.add_model(el, doc)?,
                _ => {}
            }
        }
        Ok(map)
    }

    pub fn nbits(&self) -> usize {
        self.bits.len()
    }

    pub fn empty_data(&self) -> CpuData {
        CpuData::empty(self.nbits())
    }

    /// Whether the map knows `name` as a feature or a feature's alias (`<alias name='sse3'
    /// source='qemu'/>`): what libvirt's parser accepts in a CPU definition (x86FeatureFind
    /// and its alias lookup in src/cpu/cpu_x86.c).
    pub fn knows_feature(&self, name: &str) -> bool {
        self.feature(name).is_some() || self.features.iter().any(|f| f.aliases.iter().any(|a| a == name))
    }

    /// A feature by its libvirt name (aliases, QEMU's spellings, are not CPU XML names).
    pub fn feature(&self, name: &str) -> Option<(usize, &Feature)> {
        self.feature_index.get(name).map(|&i| (i, &self.features[i]))
    }

    pub fn model(&self, name: &str) -> Option<&Model> {
        self.model_index.get(name).map(|&i| &self.models[i])
    }

    pub fn vendor(&self, name: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.name == name)
    }

    /// The bit index of `key`, if the map uses that bit.
    pub fn bit(&self, key: &BitKey) -> Option<usize> {
        self.bit_index.get(key).copied()
    }

    /// The features whose every bit is in `data`, in map order.
    pub fn features_in<'a>(&'a self, data: &'a CpuData) -> impl Iterator<Item = (usize, &'a Feature)> + 'a {
        self.features.iter().enumerate().filter(move |(_, f)| !f.data.is_empty() && data.contains(&f.data))
    }

    fn add_feature(&mut self, el: &Element, doc: &str) -> Result<(), Error> {
        let name = required(el, "name", doc)?.to_string();
        let mut data = self.empty_data();
        for key in feature_bits(el) {
            data.set(self.bit_index[&key]);
        }
        let aliases: Vec<String> =
            el.children_named("alias").filter_map(|a| a.attr("name")).map(str::to_string).collect();
        if self.feature_index.insert(name.clone(), self.features.len()).is_some() {
            return Err(Error::xml(doc, format!("feature '{name}' is defined twice")));
        }
        self.features.push(Feature {
            name,
            data,
            migratable: el.attr("migratable") != Some("no"),
            msr: el.child("msr").is_some(),
            aliases,
        });
        Ok(())
    }

    fn add_model(&mut self, el: &Element, doc: &str) -> Result<(), Error> {
        let name = required(el, "name", doc)?.to_string();
        let mut model = match el.child("model").and_then(|m| m.attr("name")) {
            Some(parent) => {
                let parent = self
                    .model(parent)
                    .ok_or_else(|| Error::xml(doc, format!("model '{name}' inherits unknown model '{parent}'")))?;
                // A child copies its parent's vendor, signatures and data, not its removed and
                // added lists (libvirt's x86ModelParseAncestor).
                Model { name: name.clone(), removed: Vec::new(), added: Vec::new(), ..parent.clone() }
            }
            None => Model {
                name: name.clone(),
                vendor: None,
                signatures: Vec::new(),
                data: self.empty_data(),
                removed: Vec::new(),
                added: Vec::new(),
                decode_host: true,
                decode_guest: true,
            },
        };
        if let Some(decode) = el.child("decode") {
            model.decode_host = decode.attr("host") != Some("off");
            model.decode_guest = decode.attr("guest") != Some("off");
        }
        if let Some(vendor) = el.child("vendor").and_then(|v| v.attr("name")) {
            if self.vendor(vendor).is_none() {
                return Err(Error::xml(doc, format!("model '{name}' names unknown vendor '{vendor}'")));
            }
            model.vendor = Some(vendor.to_string());
        }
        let signatures: Vec<Signature> =
            el.children_named("signature").map(|s| parse_signature(s, doc)).collect::<Result<_, _>>()?;
        if !signatures.is_empty() {
            model.signatures = signatures;
        }
        for f in el.children_named("feature") {
            let fname = required(f, "name", doc)?;
            let (index, feature) = self
                .feature(fname)
                .ok_or_else(|| Error::xml(doc, format!("model '{name}' uses unknown feature '{fname}'")))?;
            if f.attr("removed") == Some("yes") {
                model.removed.push(index);
            } else if f.attr("added") == Some("yes") {
                model.added.push(index);
            } else {
                model.data.add(&feature.data);
            }
        }
        if self.model_index.insert(name.clone(), self.models.len()).is_some() {
            return Err(Error::xml(doc, format!("model '{name}' is defined twice")));
        }
        self.models.push(model);
        Ok(())
    }
}

fn required<'a>(el: &'a Element, attr: &str, doc: &str) -> Result<&'a str, Error> {
    el.attr(attr).ok_or_else(|| Error::xml(doc, format!("<{}> lacks '{attr}'", el.name)))
}

/// Flattens includes and groups into the definitions they hold, in document order, moving each
/// out of `el`; `doc` (the name of `el`'s document) is pushed to `docs`.
fn collect(
    el: Element,
    read: &ReadFile,
    doc: String,
    docs: &mut Vec<String>,
    out: &mut Vec<(Element, usize)>,
) -> Result<(), Error> {
    let here = docs.len();
    docs.push(doc);
    collect_children(el, read, here, docs, out)
}

fn collect_children(
    el: Element,
    read: &ReadFile,
    here: usize,
    docs: &mut Vec<String>,
    out: &mut Vec<(Element, usize)>,
) -> Result<(), Error> {
    for child in el.children {
        match child.name.as_str() {
            "include" => {
                let file = required(&child, "filename", &docs[here])?;
                if file.contains('/') {
                    return Err(Error::xml(&docs[here], format!("include '{file}' leaves the map directory")));
                }
                let (text, name) = read(file)?;
                let included = xml::parse(&text, &name)?;
                collect(included, read, name, docs, out)?;
            }
            "group" | "cpus" => collect_children(child, read, here, docs, out)?,
            "vendor" | "feature" | "model" => out.push((child, here)),
            _ => {}
        }
    }
    Ok(())
}

fn hex(value: &str) -> Option<u32> {
    let v = value.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

fn feature_bits(el: &Element) -> Vec<BitKey> {
    let mut keys = Vec::new();
    for cpuid in el.children_named("cpuid") {
        let eax_in = cpuid.attr("eax_in").and_then(hex).unwrap_or(0);
        let ecx_in = cpuid.attr("ecx_in").and_then(hex).unwrap_or(0);
        for (reg, name) in ["eax", "ebx", "ecx", "edx"].iter().enumerate() {
            let mask = cpuid.attr(name).and_then(hex).unwrap_or(0);
            keys.extend((0..32).filter(|b| mask & (1 << b) != 0).map(|bit| BitKey::Cpuid {
                eax_in,
                ecx_in,
                reg: reg as u8,
                bit,
            }));
        }
    }
    for msr in el.children_named("msr") {
        let index = msr.attr("index").and_then(hex).unwrap_or(0);
        for (reg, name) in ["eax", "edx"].iter().enumerate() {
            let mask = msr.attr(name).and_then(hex).unwrap_or(0);
            keys.extend((0..32).filter(|b| mask & (1 << b) != 0).map(|bit| BitKey::Msr { index, reg: reg as u8, bit }));
        }
    }
    keys
}

fn parse_signature(el: &Element, doc: &str) -> Result<Signature, Error> {
    let num = |attr: &str| -> Result<u32, Error> {
        required(el, attr, doc)?.trim().parse().map_err(|_| Error::xml(doc, format!("bad signature {attr}")))
    };
    let stepping = match el.attr("stepping") {
        None => None,
        Some(s) => {
            let parse = |t: &str| t.trim().parse::<u32>().map_err(|_| Error::xml(doc, format!("bad stepping '{s}'")));
            Some(match s.split_once('-') {
                Some((a, b)) => (parse(a)?, parse(b)?),
                None => (parse(s)?, parse(s)?),
            })
        }
    };
    Ok(Signature { family: num("family")?, model: num("model")?, stepping })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_map() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cpu/cpu_map")
    }

    #[test]
    fn loads_libvirt_11_3_and_the_system_map() {
        let map = CpuMap::load(&fixture_map()).unwrap();
        assert!(map.features.len() > 300, "{}", map.features.len());
        assert!(map.models.len() > 100, "{}", map.models.len());
        let haswell = map.model("Haswell").unwrap();
        assert_eq!(haswell.vendor.as_deref(), Some("Intel"));
        assert!(haswell.signatures.iter().any(|s| s.family == 6 && s.model == 60));
        let (_, avx2) = map.feature("avx2").unwrap();
        assert!(haswell.data.contains(&avx2.data));
        // Inheritance: Haswell-v1 is Haswell.
        assert_eq!(map.model("Haswell-v1").unwrap().data, haswell.data);
        assert!(!map.model("Haswell-v1").unwrap().decode_guest);
        // Aliases, MSR features, migratable.
        assert!(map.feature("sse3").is_none(), "aliases are not CPU XML names");
        assert_eq!(map.feature("pni").unwrap().1.aliases, ["sse3"]);
        // removed and added features are not in a model's data.
        let (mpx, _) = map.feature("mpx").unwrap();
        let skylake = map.model("Skylake-Server").unwrap();
        assert!(skylake.removed.contains(&mpx) && !skylake.data.contains(&map.features[mpx].data));
        assert!(!map.model("Westmere").unwrap().added.is_empty());
        assert!(map.feature("vmx-exit-load-efer").is_some_and(|(_, f)| f.msr));
        assert!(!map.feature("invtsc").unwrap().1.migratable);
        if Path::new(SYSTEM_CPU_MAP).join("index.xml").exists() {
            let system = CpuMap::load(Path::new(SYSTEM_CPU_MAP)).unwrap();
            assert!(system.model("Haswell").is_some());
        }
    }

    #[test]
    fn cached_once_per_directory() {
        let a = CpuMap::cached(Some(&fixture_map())).unwrap();
        let b = CpuMap::cached(Some(&fixture_map())).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let err = CpuMap::load(Path::new("/nonexistent")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/index.xml"), "{err}");
    }
}
