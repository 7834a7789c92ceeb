#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the C tests through pkg-config against an installed prefix and runs each plainly and
# under valgrind and under AddressSanitizer, each run with a fresh libvirtd (which check_bad_input kills on purpose).
#   tests/c/run.sh PREFIX
# With VMC_LIBVIRT_LIBDIR=DIR the programs run on the libvirt.so.0 in DIR instead of the
# system's (LD_LIBRARY_PATH, for the programs alone), as on a management host whose libvirt
# was upgraded first (make c-tests-libvirt11: libvirt 11.3's client library); each program
# fails unless the loader really gave it that file and its release (testutil.h).
# What runs, and how long (the defaults are the full run):
#   VALGRIND_TESTS   the programs also run under valgrind (default: all of them)
#   MEMORY_CALLS     check_memory's calls (default 100000)
#   SOAK_SECONDS     check_threads' plain run in seconds (default 60)
set -euo pipefail
prefix=${1:?PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
hosts=$(cd "$here/../data/hosts" && pwd)
build=$(cd "$here/../.." && pwd)/build
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
valgrind=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
          --errors-for-leak-kinds=definite,indirect --error-exitcode=1)
valgrind_tests=${VALGRIND_TESTS-check_results check_bad_input check_migrate3 check_threads}
# The environment of the test programs (never of libvirtd: see below).
loader=(env)
if [ -n "${VMC_LIBVIRT_LIBDIR:-}" ]; then
    libdir=$(cd "$VMC_LIBVIRT_LIBDIR" && pwd -P)
    # libvirt.so.0.X.Y is release X * 1000 + Y (libvirt's soname scheme: 11.3.0 is .11003.0).
    so=$(readlink -f "$libdir/libvirt.so.0")
    version=$(basename "$so" | sed -n 's/^libvirt\.so\.0\.\([0-9]*\)\.\([0-9]*\)$/\1 \2/p' | awk '{print $1 * 1000 + $2}')
    [ -n "$version" ] || { echo "$libdir/libvirt.so.0 ($so) is not a libvirt client library" >&2; exit 1; }
    system=$(pkg-config --modversion libvirt | awk -F. '{print $1 * 1000000 + $2 * 1000 + $3}')
    [ "$version" != "$system" ] || { echo "$so is the system's libvirt $system again: nothing to test" >&2; exit 1; }
    loader=(env LD_LIBRARY_PATH="$libdir" VMC_EXPECT_LIBVIRT_VERSION="$version" VMC_EXPECT_LIBVIRT_DIR="$libdir")
    build="$build/c-libvirt-$version"
    echo "== the C tests on $so (libvirt $version), the daemons on the system's libvirt $system"
fi
daemon_dir=$(mktemp -d /tmp/vmc-c-libvirtd.XXXXXX)
trap '"$here/../libvirtd-session.sh" stop "$daemon_dir"' EXIT

# The session daemon (tests/libvirtd-session.sh) is always the system's libvirtd, on the system's
# libvirt.so.0: with VMC_LIBVIRT_LIBDIR that is a newer client talking to an older daemon, the
# upgraded management host that still drives the hosts not yet upgraded. (The system's libvirtd
# and virsh could not run on the other libvirt.so.0 anyway: they need its private symbols of
# their own release, LIBVIRT_PRIVATE_9.0.0 on Debian 12.) The test driver the programs open in-process runs inside the
# loaded libvirt.so.0, so the hosts of tests/data/hosts are parsed and answered by that release.
mkdir -p "$build"
for t in check_results check_bad_input check_migrate3; do
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$build/$t" "$here/$t.c" \
        $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
    # The same program under AddressSanitizer and LeakSanitizer (the C side instrumented; the
    # library's allocations and frees are still seen through ASan's malloc).
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -fsanitize=address -fno-omit-frame-pointer -g -o "$build/$t-asan" "$here/$t.c" \
        $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
    modes="plain asan"
    case " $valgrind_tests " in *" $t "*) modes="plain valgrind asan" ;; esac
    for mode in $modes; do
        pid=$("$here/../libvirtd-session.sh" start "$daemon_dir")
        echo "== $t ($mode)"
        case $mode in
            plain) "${loader[@]}" "$build/$t" "$hosts" "$daemon_dir" "$pid" ;;
            valgrind) "${loader[@]}" "${valgrind[@]}" "$build/$t" "$hosts" "$daemon_dir" "$pid" ;;
            asan) "${loader[@]}" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$build/$t-asan" "$hosts" "$daemon_dir" "$pid" ;;
        esac
        "$here/../libvirtd-session.sh" stop "$daemon_dir"
    done
done

# 100,000 calls with RSS measured: plain only (valgrind would take an hour; it proves the
# absence of leaks on the short runs above) and no daemon (the test driver in-process).
${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$build/check_memory" "$here/check_memory.c" \
    $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
calls=${MEMORY_CALLS:-100000}
echo "== check_memory (plain, $calls calls)"
"${loader[@]}" "$build/check_memory" "$hosts" "$calls"

# 16 threads on shared connections against the serial answers, with the cache invalidated
# underneath them: the issue's minute plainly (SOAK_SECONDS to change it), 3 s under valgrind for the
# leaks of the threaded paths.
${CC:-cc} -std=c99 -Wall -Wextra -Werror -pthread -o "$build/check_threads" "$here/check_threads.c" \
    $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
echo "== check_threads (plain)"
"${loader[@]}" "$build/check_threads" "$hosts" "${SOAK_SECONDS:-60}"
case " $valgrind_tests " in
    *" check_threads "*)
        echo "== check_threads (valgrind)"
        "${loader[@]}" "${valgrind[@]}" "$build/check_threads" "$hosts" 3
        ;;
esac
