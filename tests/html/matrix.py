#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`matrix --html` in headless Chromium, against the JSON matrix of the same run.

Usage: matrix.py CLI HOSTS_DIR BUILD_DIR

Runs the CLI's matrix on the bundled test-driver hosts (HOSTS_DIR, as tests/cli.rs does), with
--json on stdout and --html into BUILD_DIR/matrix.html: one run, one Matrix, both outputs. Then
Chromium loads the page headless (--dump-dom: the document as the browser built it) and every
guest, source, destination, verdict and reason code of the JSON must be in its own cell of the
page's table; the page must carry no script and fetch nothing. Last, two screenshots:
BUILD_DIR/matrix.png as the page opens, BUILD_DIR/matrix-open.png with every cell's reasons
shown (a copy of the page with its <details> open).
"""

import html.parser
import json
import pathlib
import shutil
import subprocess
import sys

# A destination that refuses connections at once: its column is "not checked".
DEAD = "qemu+tcp://127.0.0.1:1/system"
VOID = {"meta", "link", "br", "hr", "img", "input", "wbr", "col", "area", "base", "source"}


def fail(message):
    print(f"html test FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Table(html.parser.HTMLParser):
    """The matrix table of the page: its hosts, its rows and each cell's verdict, codes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, classes)
        self.hosts = []
        self.rows = []  # {"guest", "source", "cells": [{"classes", "verdict", "codes", "text"}]}
        self.scripts = 0
        self.external = []
        self.text = []

    def within(self, tag, cls=None):
        return any(t == tag and (cls is None or cls in c) for t, c in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href"):
            if attrs.get(name):
                self.external.append(f"<{tag} {name}={attrs[name]}>")
        if tag == "tr" and self.within("tbody"):
            self.rows.append({"guest": "", "source": "", "cells": []})
        if tag == "td" and "cell" in classes and self.rows:
            self.rows[-1]["cells"].append({"classes": classes, "verdict": "", "codes": [], "text": ""})
        if tag == "th" and "host" in classes:
            self.hosts.append("")
        if tag == "code" and self.within("td", "cell"):
            self.rows[-1]["cells"][-1]["codes"].append("")
        if tag not in VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        top_classes = self.stack[-1][1] if self.stack else []
        if self.within("th", "host") and "full" in top_classes:
            self.hosts[-1] += data
        if self.within("th", "guest") and self.rows:
            if "name" in top_classes:
                self.rows[-1]["guest"] += data
            elif "full" in top_classes:
                self.rows[-1]["source"] += data
        if self.within("td", "cell") and self.rows and self.rows[-1]["cells"]:
            cell = self.rows[-1]["cells"][-1]
            cell["text"] += data
            if "verdict" in top_classes:
                cell["verdict"] += data
            if self.stack and self.stack[-1][0] == "code":
                cell["codes"][-1] += data


def chromium(*args):
    browser = shutil.which("chromium")
    if browser is None:
        fail("chromium is not installed (make html-tests installs it)")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if run.returncode != 0:
        fail(f"{' '.join(command)} exited {run.returncode}: {run.stderr}")
    return run.stdout


def main():
    cli, hosts, build = sys.argv[1:4]
    build = pathlib.Path(build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    page = build / "matrix.html"
    uri = lambda name: f"test://{pathlib.Path(hosts).resolve()}/{name}.xml"
    # Two sources (web1 on src, db1 on dst-low-memory) against hosts where each fits, warns,
    # fails, and one that cannot be reached.
    args = [cli, "matrix", "-c", uri("src"), "-c", uri("dst-low-memory")]
    for dest in ["dst-ok", "dst-tight-memory", "dst-few-cpus", "dst-no-network", "dst-all-wrong"]:
        args += ["-d", uri(dest)]
    args += ["-d", DEAD, "--json", "--html", str(page)]
    run = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if run.returncode != 1:
        fail(f"{' '.join(args)} exited {run.returncode} (1 expected: errors and a dead host): {run.stderr}")
    matrix = json.loads(run.stdout)

    dom = chromium("--dump-dom", page.as_uri())
    table = Table()
    table.feed(dom)
    if table.scripts or table.external:
        fail(f"the page must be self-contained: {table.scripts} script(s), {table.external}")
    if table.hosts != matrix["hosts"]:
        fail(f"column headings {table.hosts} != the JSON's hosts {matrix['hosts']}")
    if [r["guest"] for r in table.rows] != matrix["guests"]:
        fail(f"rows {[r['guest'] for r in table.rows]} != the JSON's guests {matrix['guests']}")
    if [r["source"] for r in table.rows] != [f"on {s}" for s in matrix["sources"]]:
        fail(f"sources {[r['source'] for r in table.rows]} != the JSON's {matrix['sources']}")
    hosts_n = len(matrix["hosts"])
    verdicts = set()
    for cell in matrix["cells"]:
        g, h = matrix["guests"].index(cell["guest"]), matrix["hosts"].index(cell["host"])
        row = table.rows[g]
        if len(row["cells"]) != hosts_n:
            fail(f"row {row['guest']} has {len(row['cells'])} cells, not {hosts_n}")
        shown = row["cells"][h]
        where = f"cell ({cell['guest']}, {cell['host']})"
        expected = cell["verdict"] or "not checked"
        verdicts.add(expected)
        if shown["verdict"] != expected:
            fail(f"{where} shows {shown['verdict']!r}, the JSON says {expected!r}")
        if (cell["verdict"] or "none") not in shown["classes"]:
            fail(f"{where} is not coloured as {expected}: {shown['classes']}")
        if cell["verdict"] is None:
            if cell["error"] not in shown["text"]:
                fail(f"{where} does not say why it was not checked: {cell['error']!r}")
            continue
        codes = [r["code"] for r in cell["report"]["results"] if r["severity"] != "ok"]
        if shown["codes"] != codes:
            fail(f"{where} lists codes {shown['codes']}, the JSON {codes}")
        for result in cell["report"]["results"]:
            if result["severity"] != "ok" and result["message"] not in shown["text"]:
                fail(f"{where} lacks the message {result['message']!r}")
        if cell["back"] is not None and cell["back"]["summary"] not in shown["text"]:
            fail(f"{where} lacks the way back {cell['back']['summary']!r}")
    if not {"warning", "error", "not checked"} <= verdicts:
        fail(f"the hosts no longer give every kind of cell: {verdicts}")
    legend = " ".join(table.text)
    for word in ["ok", "info", "warning", "error", "not checked"]:
        if f"{word} " not in legend:
            fail(f"the legend lacks {word}")

    size = "--window-size=1600,1000"
    png = build / "matrix.png"
    chromium(f"--screenshot={png}", size, page.as_uri())
    opened = build / "matrix-open.html"
    opened.write_text(page.read_text().replace("<details>", "<details open>"))
    png_open = build / "matrix-open.png"
    chromium(f"--screenshot={png_open}", "--window-size=1800,2400", opened.as_uri())
    for shot in (png, png_open):
        if not shot.is_file() or shot.stat().st_size < 10_000:
            fail(f"no screenshot at {shot}")
    print(f"html: {len(matrix['cells'])} cells of {page} agree with the JSON matrix ({', '.join(sorted(verdicts))})")
    print(f"html: screenshot {png}")
    print(f"html: screenshot with the reasons open {png_open}")


if __name__ == "__main__":
    main()
