// SPDX-License-Identifier: LGPL-2.1-or-later
//! `matrix --html FILE`: the fleet's matrix as one self-contained HTML page, guests by
//! destinations, each cell coloured by its verdict with its reasons (codes, messages, hints) one
//! click away in a `<details>` element, a legend, the hosts' names and when it was made.
//!
//! The page is written from the very `Matrix` the table and the JSON are printed from, with the
//! same words (`Verdict::name`, "not checked" for a pair that could not be checked, the way back
//! in `both_ways::in_words`'s words), so that the three agree. It carries its CSS inline and no
//! script at all: it opens from a file, in a mail, offline, in any browser. Every string from
//! libvirt or the command line (guest and host names, messages, hints, errors) is escaped.

use std::fmt::Write as _;

use virt_migration_check::fleet::Matrix;
use virt_migration_check::{Report, Severity, Verdict};

/// `text` escaped for HTML text and attribute values alike: the library's one escape of the
/// documents it writes (HTML5 knows XML's five entities; a line break stays one).
pub fn escape(text: &str) -> String {
    virt_migration_check::xml::escape(text)
}

/// A host's name in a few characters, for the column heading (the full name is shown under it):
/// the URI's server, else the file a test:// URI or a snapshot names, else the name itself.
fn short_name(name: &str) -> &str {
    let rest = name.split_once("://").map_or(name, |(_, rest)| rest);
    let (server, path) = rest.split_once('/').unwrap_or((rest, ""));
    let server = server.rsplit('@').next().unwrap_or(server);
    if !server.is_empty() && name.contains("://") {
        return server;
    }
    match path.rsplit('/').next() {
        Some(file) if file.contains('.') => file,
        _ => name,
    }
}

/// The verdicts a cell can have, in the legend's order: the CSS class, the word the table and the
/// JSON use, and what it means.
const LEGEND: [(&str, &str, &str); 5] = [
    ("ok", "ok", "every selected check passed"),
    ("info", "info", "passes; something worth knowing"),
    ("warning", "warning", "may fail, or a check could not verify something"),
    ("error", "error", "will fail: a show-stopper"),
    ("none", "not checked", "the pair could not be checked (a host could not be reached)"),
];

fn class_of(verdict: Verdict) -> &'static str {
    verdict.name()
}

const STYLE: &str = r#"
:root { --ok: #1e7b34; --ok-bg: #e3f4e7; --info: #1f5fa8; --info-bg: #e4eefa; --warning: #8a5a00;
  --warning-bg: #fff1cc; --error: #b3261e; --error-bg: #fde3e1; --none: #5f6368; --none-bg: #eceff1;
  --line: #d0d7de; --ink: #1f2328; --muted: #59636e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink);
  margin: 0; padding: 24px 32px; background: #f6f8fa; }
header h1 { font-size: 22px; margin: 0 0 4px; }
header p { margin: 0 0 4px; color: var(--muted); }
.tally { margin: 14px 0 10px; display: flex; flex-wrap: wrap; gap: 8px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 0 0 18px; padding: 10px 14px;
  background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.legend h2 { font-size: 13px; margin: 0 8px 0 0; align-self: center; }
.legend span.item { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); }
.chip { display: inline-block; min-width: 88px; padding: 2px 8px; border-radius: 999px; font-weight: 600;
  font-size: 12px; text-align: center; border: 1px solid currentColor; }
.ok { --c: var(--ok); --bg: var(--ok-bg); } .info { --c: var(--info); --bg: var(--info-bg); }
.warning { --c: var(--warning); --bg: var(--warning-bg); } .error { --c: var(--error); --bg: var(--error-bg); }
.none { --c: var(--none); --bg: var(--none-bg); }
.chip { color: var(--c); background: var(--bg); }
.scroll { overflow-x: auto; }
table.matrix { border-collapse: separate; border-spacing: 0; background: #fff; border: 1px solid var(--line);
  border-radius: 8px; }
table.matrix th, table.matrix td { border-bottom: 1px solid var(--line); border-right: 1px solid var(--line);
  padding: 8px 10px; vertical-align: top; text-align: left; }
table.matrix tr > :last-child { border-right: 0; }
table.matrix tbody tr:last-child > * { border-bottom: 0; }
thead th { background: #f0f3f6; font-size: 13px; }
thead th.host { min-width: 190px; max-width: 280px; }
.host .short, th.guest .name { display: block; font-size: 14px; font-weight: 700; }
.full { display: block; font: 11px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color: var(--muted); font-weight: 400; overflow-wrap: anywhere; }
th.guest { min-width: 150px; max-width: 240px; background: #fafbfc; }
td.cell { background: var(--bg); border-left: 4px solid var(--c); min-width: 240px; max-width: 380px; }
td.cell summary { cursor: pointer; list-style: none; display: block; }
td.cell summary::-webkit-details-marker { display: none; }
td.cell summary::before { content: "\25B8"; color: var(--c); font-size: 12px; display: inline-block; width: 18px; }
td.cell details[open] summary::before { content: "\25BE"; }
.verdict { font-weight: 700; color: var(--c); text-transform: uppercase; letter-spacing: .03em; font-size: 13px;
  white-space: nowrap; }
.why { display: block; margin: 3px 0 0 18px; color: var(--muted); font-size: 12px; overflow-wrap: break-word; }
.why > span { display: block; }
ul.reasons { margin: 8px 0 0; padding: 0; list-style: none; }
ul.reasons li { margin: 0 0 6px; padding: 6px 8px; background: rgba(255, 255, 255, .75); border-radius: 6px;
  border-left: 3px solid var(--sc, var(--line)); }
li.sev-error { --sc: var(--error); } li.sev-warning { --sc: var(--warning); } li.sev-skipped { --sc: var(--none); }
li.sev-info { --sc: var(--info); } li.sev-ok { --sc: var(--ok); }
.sev { font-size: 11px; font-weight: 700; text-transform: uppercase; margin-right: 6px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: rgba(0, 0, 0, .05);
  padding: 0 3px; border-radius: 3px; overflow-wrap: break-word; }
.msg { display: block; margin-top: 2px; font-size: 13px; overflow-wrap: anywhere; }
.hint { display: block; margin-top: 2px; color: var(--muted); font-size: 12px; }
.back { margin: 6px 0 0; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.passed { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
footer { margin-top: 18px; color: var(--muted); font-size: 12px; }
"#;

/// The page for `matrix`, made at `made` (RFC 3339).
pub fn page(matrix: &Matrix, made: &str) -> String {
    let mut out = String::new();
    let guests = matrix.guests.len();
    let hosts = matrix.hosts.len();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Migration matrix: {guests} guest(s) \u{d7} {hosts} destination(s)</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = write!(
        out,
        "<header>\n<h1>Which guest can go where</h1>\n<p>{guests} guest(s) \u{d7} {hosts} destination(s), made by \
         virt-migration-check {} on <time datetime=\"{made}\">{made}</time>.</p>\n<p>Open a cell for its reasons: \
         each check's reason code, message and hint, and whether the guest could come back.</p>\n</header>\n",
        env!("CARGO_PKG_VERSION"),
        made = escape(made),
    );
    tally(&mut out, matrix);
    out.push_str("<section class=\"legend\" aria-label=\"legend\">\n<h2>Legend</h2>\n");
    for (class, word, meaning) in LEGEND {
        let _ = writeln!(out, "<span class=\"item\"><span class=\"chip {class}\">{word}</span> {meaning}</span>");
    }
    out.push_str("</section>\n<div class=\"scroll\">\n<table class=\"matrix\">\n<thead>\n<tr><th scope=\"col\">Guest (source)</th>");
    for host in &matrix.hosts {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"host\" title=\"{full}\"><span class=\"short\">{short}</span><span class=\"full\">{full}</span></th>",
            short = escape(short_name(host)),
            full = escape(host)
        );
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for (g, row) in matrix.cells.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th scope=\"row\" class=\"guest\"><span class=\"name\">{}</span><span class=\"full\">on {}</span></th>",
            escape(&matrix.guests[g]),
            escape(&matrix.sources[g])
        );
        for (h, cell) in row.iter().enumerate() {
            let back = matrix.back.get(g).and_then(|row| row.get(h)).and_then(Option::as_ref);
            match cell {
                Ok(report) => checked_cell(&mut out, report, back),
                Err(e) => {
                    // The summary gives the cause alone, libvirt's last words ("Connection
                    // refused"); the whole message is one click away.
                    let message = e.to_string();
                    let cause = message.rsplit(": ").next().filter(|c| c.len() < 60 && *c != message).unwrap_or("");
                    let _ = write!(
                        out,
                        "<td class=\"cell none\"><details><summary><span class=\"verdict\">not checked</span>\
                         <span class=\"why\"><span>{}</span></span></summary><ul class=\"reasons\"><li class=\"sev-skipped\">\
                         <span class=\"msg\">{}</span><span class=\"hint\">error code {}</span></li></ul></details></td>",
                        escape(cause),
                        escape(&message),
                        e.code()
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out.push_str(
        "<footer>The same matrix as <code>virt-migration-check matrix --json</code> prints: one cell per guest and \
         destination. A guest's own source as a destination is checked too (it is the same host).</footer>\n\
         </body>\n</html>\n",
    );
    out
}

/// The count of each verdict, as chips above the legend.
fn tally(out: &mut String, matrix: &Matrix) {
    let cells: Vec<_> = matrix.cells.iter().flatten().collect();
    out.push_str("<div class=\"tally\">");
    for (class, word, _) in LEGEND {
        let count = cells
            .iter()
            .filter(|c| match c {
                Ok(r) => class_of(r.verdict()) == class,
                Err(_) => class == "none",
            })
            .count();
        if count > 0 {
            let _ = write!(out, "<span class=\"chip {class}\">{count} {word}</span>");
        }
    }
    out.push_str("</div>\n");
}

/// A checked pair: its verdict, under it why (the codes of the worst findings, or the checks
/// that could not verify), then every finding but the passes, and the way back.
fn checked_cell(out: &mut String, report: &Report, back: Option<&Report>) {
    let verdict = report.verdict();
    let class = class_of(verdict);
    let worst = match verdict {
        Verdict::Error => Some(Severity::Error),
        Verdict::Warning => Some(Severity::Warning),
        Verdict::Info => Some(Severity::Info),
        Verdict::Ok => None,
    };
    let mut why: Vec<String> =
        worst.map(|s| report.with_severity(s).map(|f| f.code.to_string()).collect()).unwrap_or_default();
    why.dedup();
    let unverified: Vec<&str> = report.unverified().iter().map(|c| c.name()).collect();
    if why.is_empty() && !unverified.is_empty() {
        why.push(format!("could not verify: {}", unverified.join(", ")));
    }
    let _ = write!(
        out,
        "<td class=\"cell {class}\"><details><summary><span class=\"verdict\">{}</span><span class=\"why\">{}</span></summary><ul class=\"reasons\">",
        verdict.name(),
        why.iter().map(|w| format!("<span>{}</span>", escape(w))).collect::<String>()
    );
    let passed = report.with_severity(Severity::Ok).count();
    for f in report.findings.iter().filter(|f| f.severity != Severity::Ok) {
        let _ = write!(
            out,
            "<li class=\"sev-{sev}\"><span class=\"sev\">{sev}</span><code>{code}</code><span class=\"msg\">{msg}</span>",
            sev = f.severity.name(),
            // A long code may break after its check's name, not inside a word.
            code = escape(&f.code).replacen('.', ".<wbr>", 1),
            msg = escape(&f.message)
        );
        if let Some(hint) = &f.hint {
            let _ = write!(out, "<span class=\"hint\">hint: {}</span>", escape(hint));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    let _ = write!(out, "<p class=\"passed\">{passed} check(s) found no problem.</p>");
    if let Some(back) = back {
        let _ = write!(
            out,
            "<p class=\"back\">Back, restarted there: {}</p>",
            escape(&virt_migration_check::baseline::both_ways::in_words(back))
        );
    }
    out.push_str("</details></td>");
}

/// Writes the page of `matrix` to `path`.
pub fn write(path: &std::path::Path, matrix: &Matrix) -> Result<(), virt_migration_check::Error> {
    let text = page(matrix, &virt_migration_check::now_rfc3339());
    std::fs::write(path, text).map_err(|e| {
        virt_migration_check::Error::invalid(format!("cannot write the HTML page '{}': {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    }

    #[test]
    fn names_and_messages_from_libvirt_are_escaped_in_the_page() {
        use virt_migration_check::{Check, Error, Finding};
        let finding = Finding::error(Check::Network, "missing", "network '<b>' & more").hint("run \"x\"");
        let matrix = Matrix {
            guests: vec!["<script>alert(1)</script>".into()],
            sources: vec!["test:///a&b.xml".into()],
            hosts: vec!["test:///'x'.xml".into(), "test:///dead".into()],
            cells: vec![vec![Ok(Report::new(vec![finding])), Err(Error::invalid("cannot <open>"))]],
            back: vec![vec![None, None]],
        };
        let page = page(&matrix, "2026-01-01T00:00:00Z");
        assert!(!page.contains("<script>") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
        for escaped in ["test:///a&amp;b.xml", "test:///&apos;x&apos;.xml", "network &apos;&lt;b&gt;&apos; &amp; more"]
        {
            assert!(page.contains(escaped), "{escaped}: {page}");
        }
        assert!(page.contains("run &quot;x&quot;") && page.contains("cannot &lt;open&gt;"), "{page}");
        assert!(page.contains("class=\"cell error\"") && page.contains("class=\"cell none\""), "{page}");
    }

    #[test]
    fn short_names_of_hosts() {
        assert_eq!(short_name("qemu+ssh://root@dst.example.org/system"), "dst.example.org");
        assert_eq!(short_name("test:///srv/hosts/dst-ok.xml"), "dst-ok.xml");
        assert_eq!(short_name("/tmp/few-cpus.snap"), "few-cpus.snap");
        assert_eq!(short_name("qemu:///system"), "qemu:///system");
    }
}
