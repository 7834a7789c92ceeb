// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU data as a bit set over every CPUID and MSR bit the CPU map defines.
//!
//! libvirt works on raw CPUID/MSR registers; every feature of its map is a set of bits of them.
//! Numbering the bits the map uses turns libvirt's register arithmetic (add, subtract,
//! intersect, is-subset) into a few word operations, which is what makes a compare take
//! microseconds. Bits the map does not know cannot change any answer, so they are not kept.

/// A set of map bits. All sets of one map have the same width.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CpuData {
    words: Vec<u64>,
}

impl CpuData {
    /// The empty set for a map with `nbits` bits.
    pub fn empty(nbits: usize) -> CpuData {
        CpuData { words: vec![0; nbits.div_ceil(64)] }
    }

    pub fn set(&mut self, bit: usize) {
        self.words[bit / 64] |= 1 << (bit % 64);
    }

    pub fn contains_bit(&self, bit: usize) -> bool {
        self.words.get(bit / 64).is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Adds every bit of `other` (libvirt's x86DataAdd).
    pub fn add(&mut self, other: &CpuData) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Removes every bit of `other` (x86DataSubtract).
    pub fn subtract(&mut self, other: &CpuData) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// Keeps only the bits also in `other` (x86DataIntersect).
    pub fn intersect(&mut self, other: &CpuData) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Whether every bit of `other` is in `self` (x86DataIsSubset(self, other)).
    pub fn contains(&self, other: &CpuData) -> bool {
        self.words.iter().zip(&other.words).all(|(a, b)| b & !a == 0)
    }

    /// Whether the two sets share a bit.
    pub fn overlaps(&self, other: &CpuData) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// Number of bits set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::CpuData;

    #[test]
    fn set_algebra() {
        let mut a = CpuData::empty(130);
        let mut b = CpuData::empty(130);
        a.set(1);
        a.set(129);
        b.set(129);
        assert!(a.contains(&b) && !b.contains(&a) && a.overlaps(&b));
        let mut c = a.clone();
        c.subtract(&b);
        assert!(c.contains_bit(1) && !c.contains_bit(129));
        c.intersect(&b);
        assert!(c.is_empty());
        c.add(&a);
        assert_eq!(c.len(), 2);
    }
}
