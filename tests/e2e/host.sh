#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts or stops one libvirt "host" of the end-to-end test bed (docs/testbed.md, bed 3): a root
# libvirtd serving qemu:///system in its own mount namespace, with private /etc/libvirt,
# /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt, its own host UUID,
# its socket in DIR/sock (reachable from the other hosts), under tini (this machine's PID 1
# reaps orphans slowly).
#   host.sh start DIR UUID   -> prints the daemon's PID once its socket is up; the environment
#                               variable PREPARE, if set, is a shell command run in the host's
#                               namespace before libvirtd starts (to make the host differ)
#   host.sh start-session DIR UUID USER
#                            -> the same "host" as a session daemon (qemu:///session) of the
#                               unprivileged USER, who cannot open /dev/kvm: a host without KVM
#   host.sh stop DIR         -> destroys its guests, kills it by PID
#   host.sh exec DIR CMD...  -> runs CMD in the host's mount namespace (to make it differ)
#   host.sh devices-without-kvm DIR
#                            -> (in a PREPARE) replaces /dev with a copy lacking /dev/kvm, built
#                               in DIR: a host without KVM. /dev/kvm must be absent, not a bind
#                               of /dev/null: libvirt would find it usable, see that QEMU's
#                               probe has no KVM, and probe QEMU again on every call
set -euo pipefail

# Prints the daemon's PID once its socket is up (at most 10 s).
await_socket() {
    for _ in $(seq 1 400); do
        [ -S "$dir/sock/libvirt-sock" ] && { cat "$dir/pid"; exit 0; }
        sleep 0.025
    done
    echo "libvirtd did not start; see $dir/libvirtd.log" >&2
    exit 1
}

cmd=${1:?start|stop|exec}; dir=${2:?DIR}
case "$cmd" in
start)
    uuid=${3:?UUID}
    rm -rf "$dir"; mkdir -p "$dir"/{etc,run,lib,cache,log,sock}
    cat > "$dir/etc/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/sock"
unix_sock_rw_perms = "0777"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "$uuid"
CONF
    cat > "$dir/etc/qemu.conf" <<CONF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
stdio_handler = "file"
namespaces = []
cgroup_controllers = []
CONF
    echo "qemu+unix:///system?socket=$dir/sock/libvirt-sock" > "$dir/uri"
    mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
    setsid unshare --mount --propagation private bash -c "
        mount --bind '$dir/etc' /etc/libvirt
        mount --bind '$dir/run' /run/libvirt
        mount --bind '$dir/lib' /var/lib/libvirt
        mount --bind '$dir/cache' /var/cache/libvirt
        mount --bind '$dir/log' /var/log/libvirt
        ${PREPARE:-true}
        exec tini -s -- libvirtd -f /etc/libvirt/libvirtd.conf -p '$dir/libvirtd.pid'
    " </dev/null >"$dir/libvirtd.log" 2>&1 &
    echo $! > "$dir/pid"
    await_socket
    ;;
start-session)
    uuid=${3:?UUID}; user=${4:?USER}
    rm -rf "$dir"; mkdir -p "$dir"/{run,config,cache,data,sock}
    cat > "$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/sock"
unix_sock_rw_perms = "0777"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "$uuid"
CONF
    echo "qemu+unix:///session?socket=$dir/sock/libvirt-sock" > "$dir/uri"
    chown -R "$user" "$dir"
    setsid tini -s -- runuser -u "$user" -- env HOME="$dir" XDG_RUNTIME_DIR="$dir/run" XDG_CONFIG_HOME="$dir/config" \
        XDG_CACHE_HOME="$dir/cache" XDG_DATA_HOME="$dir/data" libvirtd -f "$dir/libvirtd.conf" \
        </dev/null >"$dir/libvirtd.log" 2>&1 &
    echo $! > "$dir/pid"
    await_socket
    ;;
stop)
    [ -f "$dir/pid" ] || exit 0
    uri=$(cat "$dir/uri")
    for dom in $(timeout 10 virsh -q -c "$uri" list --name 2>/dev/null); do
        timeout 10 virsh -q -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
    done
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
    ;;
exec)
    shift 2
    # The PID is tini's, in the host's mount namespace.
    nsenter -t "$(cat "$dir/pid")" -m -- "$@"
    ;;
devices-without-kvm)
    mkdir -p "$dir"
    mount -t tmpfs -o mode=0755 tmpfs "$dir"
    for entry in /dev/* /dev/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=${entry##*/}
        [ "$name" = kvm ] && continue
        # A bind of devtmpfs's ptmx would look for its pts beside itself, on devtmpfs: none.
        if [ "$name" = ptmx ]; then ln -s pts/ptmx "$dir/ptmx"
        elif [ -L "$entry" ]; then cp -a "$entry" "$dir/$name"
        elif [ -d "$entry" ]; then mkdir "$dir/$name" && mount --rbind "$entry" "$dir/$name"
        else touch "$dir/$name" && mount --bind "$entry" "$dir/$name"
        fi
    done
    mount --move "$dir" /dev
    ;;
*) echo "usage: $0 start|start-session|stop|exec|devices-without-kvm DIR ..." >&2; exit 2 ;;
esac
