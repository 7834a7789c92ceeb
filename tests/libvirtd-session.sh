#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts or stops a libvirtd serving the test-driver hosts of tests/data/hosts on a unix socket
# (docs/testbed.md, bed 1), for tests of libvirt's remote protocol.
#   tests/libvirtd-session.sh start DIR   -> prints "PID URI_PREFIX"; connect to
#                                            test+unix://DIR/hosts/NAME.xml?socket=DIR/sock/libvirt-sock
#   tests/libvirtd-session.sh stop DIR    -> kills it by PID and removes DIR
# As root it runs as `nobody` (a session daemon with its own XDG directories).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}
here=$(cd "$(dirname "$0")" && pwd)
case "$cmd" in
start)
    rm -rf "$dir"; mkdir -p "$dir"/{run,sock,config,cache}
    cp -r "$here/data/hosts" "$dir/hosts"
    cat > "$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/sock"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_rw_perms = "0777"
CONF
    run=()
    if [ "$(id -u)" = 0 ]; then
        chown -R nobody:nogroup "$dir"
        run=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    fi
    HOME="$dir" XDG_RUNTIME_DIR="$dir/run" XDG_CONFIG_HOME="$dir/config" XDG_CACHE_HOME="$dir/cache" \
        setsid "${run[@]}" libvirtd -f "$dir/libvirtd.conf" </dev/null >/dev/null 2>"$dir/libvirtd.log" &
    echo $! > "$dir/pid"
    for _ in $(seq 1 500); do
        [ -S "$dir/sock/libvirt-sock" ] && { echo "$(cat "$dir/pid")"; exit 0; }
        sleep 0.02
    done
    echo "libvirtd did not start; see $dir/libvirtd.log" >&2
    exit 1
    ;;
stop)
    if [ -f "$dir/pid" ]; then kill -KILL "$(cat "$dir/pid")" 2>/dev/null || true; fi
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
