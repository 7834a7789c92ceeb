// SPDX-License-Identifier: LGPL-2.1-or-later
//! A guest CPU definition as libvirt prints it (virCPUDefFormat): what `virsh
//! hypervisor-cpu-baseline` and our `cpu-baseline` print.

use crate::facts::CpuDef;
use crate::xml::escape;

/// Formats a guest CPU: `<cpu mode match>`, `<model fallback>`, `<vendor>`, then each
/// `<feature policy name>` in order. Ends with a newline, as libvirt's output does.
pub fn format_guest_cpu(cpu: &CpuDef) -> String {
    let mode = cpu.mode();
    let mut head = format!("<cpu mode='{}'", escape(mode));
    if mode == "custom" {
        head.push_str(&format!(" match='{}'", escape(cpu.matching.as_deref().unwrap_or("exact"))));
    }
    let mut body = String::new();
    if let Some(model) = &cpu.model {
        body.push_str(&format!(
            "  <model fallback='{}'>{}</model>\n",
            escape(cpu.fallback.as_deref().unwrap_or("allow")),
            escape(model)
        ));
    }
    if let Some(vendor) = &cpu.vendor {
        body.push_str(&format!("  <vendor>{}</vendor>\n", escape(vendor)));
    }
    for (name, policy) in &cpu.features {
        body.push_str(&format!("  <feature policy='{}' name='{}'/>\n", escape(policy), escape(name)));
    }
    if body.is_empty() { format!("{head}/>\n") } else { format!("{head}>\n{body}</cpu>\n") }
}
