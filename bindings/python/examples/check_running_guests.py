#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks every running guest of this host against a destination and prints the
show-stoppers: what would make each live migration fail, or break the guest.

usage: check_running_guests.py DESTINATION_URI [SOURCE_URI]   (source: qemu:///system)
Exit status: 0 when every guest can migrate, 1 when one cannot, 2 on bad usage.
"""

import sys

import libvirt
import libvirt_migration_check as lmc


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    dst_uri = argv[1]
    src_uri = argv[2] if len(argv) == 3 else "qemu:///system"
    # The program owns libvirt's process-wide error reporting (the library never touches it):
    # here libvirt's own printing is silenced, errors are reported below.
    libvirt.registerErrorHandler(lambda *args: None, None)
    # Read-only connections suffice: the checks only make read-only calls. In VDSM, pass the
    # connection of vdsm.common.libvirtconnection.get() and the vm's domain wrapper as they are.
    src = libvirt.openReadOnly(src_uri)
    dst = libvirt.openReadOnly(dst_uri)
    stuck = 0
    for dom in src.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        try:
            report = lmc.check(src, dst, dom)  # every check; checks=lmc.Flag.NON_SHARED_DISK etc.
        except lmc.MigrationCheckError as e:
            print(f"{dom.name()}: cannot check: {e.message}")
            stuck += 1
            continue
        if not report.errors:
            # A check that could not run makes the verdict a warning: say which.
            unverified = ", ".join(c.check_name for c in report.unverified)
            note = f"; could not verify: {unverified}" if unverified else ""
            verdict = report.verdict.name.lower()
            print(f"{dom.name()}: can migrate (verdict: {verdict}, {len(report.warnings)} warning(s){note})")
            continue
        stuck += 1
        print(f"{dom.name()}: {len(report.errors)} show-stopper(s)")
        for r in report.errors:
            print(f"  {r.code}: {r.message}")
            if r.hint:
                print(f"    hint: {r.hint}")
    return 1 if stuck else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
