#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unpacks QEMU 10 from bookworm-backports into DIR/root, beside the machine's QEMU 7.2, for the
# test bed's "newer host" (docs/testbed.md): the packages are fetched with apt-get download through a
# private apt configuration (the machine's own sources and package state are left alone) and
# unpacked with dpkg-deb -x; the host's namespace then bind-mounts them over the 7.2 paths
# (conftest.py). Idempotent: does nothing when DIR/root already holds a QEMU 10.
#   qemu10.sh DIR   -> prints the path of the unpacked qemu-system-x86_64
set -euo pipefail
dir=${1:?DIR}
bin="$dir/root/usr/bin/qemu-system-x86_64"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "version 1[0-9]\."; then
    echo "$bin"; exit 0
fi
rm -rf "$dir"; mkdir -p "$dir"/{lists/partial,cache/archives/partial,debs,root}
cat > "$dir/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm-backports main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update >&2
# The emulator, its modules, its firmware and data, and the SeaBIOS its machine types expect;
# the libraries they link come from bookworm (below; ldd proves nothing is missing).
(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download \
    qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
    qemu-system-data/bookworm-backports seabios/bookworm-backports >&2)
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
# The libraries QEMU 10 links, from the machine's own sources: the unpacked packages' Depends
# less the QEMU, SeaBIOS and iPXE packages themselves, each installed only when missing (QEMU
# 7.2 from bookworm needs nearly all of them already).
libs=$(for deb in "$dir"/debs/qemu-system-x86_*.deb "$dir"/debs/qemu-system-common_*.deb; do dpkg-deb -f "$deb" Depends; done \
       | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g' | grep -v -E '^(qemu-|seabios|ipxe-qemu|$)' | sort -u)
missing=$(for lib in $libs; do dpkg -s "$lib" >/dev/null 2>&1 || echo "$lib"; done)
if [ -n "$missing" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi
if ldd "$bin" | grep -q "not found"; then
    ldd "$bin" | grep "not found" >&2
    echo "QEMU 10 from bookworm-backports needs libraries this machine lacks" >&2
    exit 1
fi
"$bin" --version | grep -q "version 1[0-9]\." || { echo "$bin is not QEMU 10 or later" >&2; exit 1; }
rm -rf "$dir/lists" "$dir/cache"
echo "$bin"
