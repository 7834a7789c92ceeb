#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unpacks libvirt 11.3 from bookworm-backports into DIR/root, beside the machine's libvirt 9.0, for
# the test bed's hosts of the next generation (docs/testbed.md, hosts f and g): the packages are
# fetched with apt-get download through a private apt configuration (the machine's own sources and
# package state are left alone) and unpacked with dpkg-deb -x, never installed; the host's
# namespace then bind-mounts them over libvirt 9.0's paths (conftest.py). The backport's libvirtd
# links only libraries bookworm's libvirt 9.0 already needs (checked below with ldd).
# Idempotent: does nothing when DIR/root already holds a libvirt 11.
#   libvirt11.sh DIR   -> prints the path of the unpacked libvirtd
set -euo pipefail
dir=${1:?DIR}
bin="$dir/root/usr/sbin/libvirtd"
is_11() { [ -x "$bin" ] && LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu" "$bin" --version 2>/dev/null | grep -q " 11\."; }
if is_11 && [ -e "$dir/root/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_interface.so" ]; then echo "$bin"; exit 0; fi
rm -rf "$dir"; mkdir -p "$dir"/{lists/partial,cache/archives/partial,debs,root}
cat > "$dir/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm-backports main
SOURCES
apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update >&2
# The client library, the monolithic daemon with its QEMU, network, storage (dir and fs pools),
# interface and node device drivers, the log and lock daemons' plugins, and virsh: what a
# qemu:///system host of the bed uses, so that the checks find pools, host interfaces (a network's
# bridge) and node devices there as on any libvirt host.
pkgs=(libvirt0 libvirt-common libvirt-daemon libvirt-daemon-common libvirt-daemon-driver-qemu
      libvirt-daemon-driver-network libvirt-daemon-driver-storage libvirt-daemon-driver-interface
      libvirt-daemon-driver-nodedev libvirt-daemon-log libvirt-daemon-lock libvirt-daemon-plugin-lockd
      libvirt-clients)
(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]/%//bookworm-backports}" >&2)
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib="$dir/root/usr/lib/x86_64-linux-gnu"
for f in "$bin" "$lib"/libvirt.so.0 "$lib"/libvirt/connection-driver/*.so "$lib"/libvirt/storage-*/*.so; do
    if LD_LIBRARY_PATH="$lib" ldd "$f" | grep -q "not found"; then
        LD_LIBRARY_PATH="$lib" ldd "$f" | grep "not found" >&2
        echo "libvirt 11 from bookworm-backports needs libraries this machine lacks ($f)" >&2
        exit 1
    fi
done
is_11 || { echo "$bin is not libvirt 11" >&2; exit 1; }
rm -rf "$dir/lists" "$dir/cache"
echo "$bin"
