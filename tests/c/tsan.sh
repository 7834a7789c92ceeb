#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The threaded C tests under ThreadSanitizer, against the library built with it (make tsan:
# nightly Rust, -Zsanitizer=thread, std rebuilt with -Zbuild-std so that TSan sees Rust's own
# locks and atomics). check_threads: 16 threads on shared connections, the cache invalidated
# underneath them; check_bad_input: every bad input, and the deadline's worker threads with a
# daemon stopped (SIGSTOP) and killed. Any report fails the run.
#   tests/c/tsan.sh LIBDIR   (LIBDIR holds the TSan-built libvirt_migration_check.so)
set -euo pipefail
libdir=$(cd "${1:?LIBDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
hosts="$root/tests/data/hosts"
build="$root/build"
mkdir -p "$build"
# The soname the C programs ask for.
ln -sf libvirt_migration_check.so "$libdir/libvirt-migration-check.so.0"
# GLib's slice allocator (libvirt allocates through it) hands blocks between threads behind
# futexes TSan cannot see: plain malloc instead, or every such hand-over is a false report.
export G_SLICE=always-malloc
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$here/tsan.supp"
daemon_dir=$(mktemp -d /tmp/vmc-c-libvirtd.XXXXXX)
trap '"$root/tests/libvirtd-session.sh" stop "$daemon_dir"' EXIT
for t in check_threads check_bad_input; do
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -pthread -fsanitize=thread -g -o "$build/$t-tsan" \
        "$here/$t.c" "$here/tsan_shim.c" -I"$root/include" $(pkg-config --cflags --libs libvirt) \
        -L"$libdir" -lvirt_migration_check -Wl,-rpath,"$libdir"
done
echo "== check_threads (ThreadSanitizer)"
"$build/check_threads-tsan" "$hosts" "${SOAK_SECONDS:-10}"
echo "== check_bad_input (ThreadSanitizer)"
pid=$("$root/tests/libvirtd-session.sh" start "$daemon_dir")
"$build/check_bad_input-tsan" "$hosts" "$daemon_dir" "$pid"
