// SPDX-License-Identifier: LGPL-2.1-or-later
//! DISK_MODEL (proposal item 7b): every disk's bus, device kind and model must be offered by the
//! destination's emulator for the guest's machine (domain capabilities).

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::DiskModel;

pub fn check(cx: &Context) -> Vec<Finding> {
    if cx.dest_def().disks.is_empty() {
        return Vec::new();
    }
    let caps = match &cx.dst_domcaps {
        Ok(caps) => caps,
        Err(e) => return vec![unavailable(CHECK, "destination", "domain capabilities", e)],
    };
    let offered = |key: &str| caps.device_enums.get(key);
    let mut findings = Vec::new();
    for disk in &cx.dest_def().disks {
        let mut judge = |what: &'static str, key: &str, value: Option<&str>| {
            let (Some(value), Some(list)) = (value, offered(key)) else { return };
            if !list.iter().any(|v| v == value) {
                findings.push(
                    Finding::error(
                        CHECK,
                        "unsupported",
                        format!("disk {} uses {what} '{value}', which the destination's emulator does not offer for \
                            machine {}", disk.target, caps.machine),
                    )
                    .hint(format!("use one of: {}", list.join(", ")))
                    .detail("disk", &disk.target)
                    .detail(what, value)
                    .detail("offered", list.join(",")),
                );
            }
        };
        judge("bus", "disk.bus", disk.bus.as_deref());
        judge("device", "disk.diskDevice", Some(disk.device.as_str()));
    }
    if caps.devices_unsupported.iter().any(|d| d == "disk") {
        findings.push(Finding::error(
            CHECK,
            "disks-unsupported",
            "the destination's emulator supports no disks for this machine",
        ));
    }
    findings
}
