// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's cpuset / nodeset syntax: "0-3,8,^2" (ranges, single ids, exclusions).

use std::collections::BTreeSet;

/// The ids a cpuset names. Errors name the bad part.
pub fn parse_set(text: &str) -> Result<BTreeSet<u32>, String> {
    let mut set = BTreeSet::new();
    let mut excluded = BTreeSet::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (negated, range) = match part.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let num = |s: &str| {
            s.trim().parse::<u32>().map_err(|_| format!("'{part}' in cpuset '{text}' is not a number or range"))
        };
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(range)?, num(range)?),
        };
        if lo > hi || hi - lo > 65_535 {
            return Err(format!("range '{part}' in cpuset '{text}' is invalid"));
        }
        let target = if negated { &mut excluded } else { &mut set };
        target.extend(lo..=hi);
    }
    Ok(set.difference(&excluded).copied().collect())
}

/// Formats ids back in libvirt's compact syntax ("0-3,8").
pub fn format_set(ids: &BTreeSet<u32>) -> String {
    let mut parts = Vec::new();
    let mut iter = ids.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end = iter.next().unwrap_or(end);
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirt_cpuset_syntax() {
        assert_eq!(parse_set("0-3,8").unwrap().into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 8]);
        assert_eq!(parse_set("0-2,^1").unwrap().into_iter().collect::<Vec<_>>(), [0, 2]);
        assert_eq!(parse_set("1-27,29").unwrap().len(), 28);
        assert!(parse_set("a").is_err() && parse_set("3-1").is_err() && parse_set("0-99999999").is_err());
        assert_eq!(format_set(&parse_set("0-3,8,10-11").unwrap()), "0-3,8,10-11");
    }
}
