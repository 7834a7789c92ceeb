#!/usr/bin/env bash
# Builds the C tests through pkg-config against an installed prefix and runs each plainly and
# under valgrind and under AddressSanitizer, each run with a fresh libvirtd (which check_bad_input kills on purpose).
#   tests/c/run.sh PREFIX
set -euo pipefail
prefix=${1:?PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
hosts=$(cd "$here/../data/hosts" && pwd)
build=$(cd "$here/../.." && pwd)/build
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
valgrind=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
          --errors-for-leak-kinds=definite,indirect --error-exitcode=1)
daemon_dir=$(mktemp -d /tmp/vmc-c-libvirtd.XXXXXX)
trap '"$here/../libvirtd-session.sh" stop "$daemon_dir"' EXIT

mkdir -p "$build"
for t in check_results check_bad_input check_migrate3; do
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$build/$t" "$here/$t.c" \
        $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
    # The same program under AddressSanitizer and LeakSanitizer (the C side instrumented; the
    # library's allocations and frees are still seen through ASan's malloc).
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -fsanitize=address -fno-omit-frame-pointer -g -o "$build/$t-asan" "$here/$t.c" \
        $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
    for mode in plain valgrind asan; do
        pid=$("$here/../libvirtd-session.sh" start "$daemon_dir")
        echo "== $t ($mode)"
        case $mode in
            plain) "$build/$t" "$hosts" "$daemon_dir" "$pid" ;;
            valgrind) "${valgrind[@]}" "$build/$t" "$hosts" "$daemon_dir" "$pid" ;;
            asan) ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$build/$t-asan" "$hosts" "$daemon_dir" "$pid" ;;
        esac
        "$here/../libvirtd-session.sh" stop "$daemon_dir"
    done
done

# 100,000 calls with RSS measured: plain only (valgrind would take an hour; it proves the
# absence of leaks on the short runs above) and no daemon (the test driver in-process).
${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$build/check_memory" "$here/check_memory.c" \
    $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
echo "== check_memory (plain, 100,000 calls)"
"$build/check_memory" "$hosts" 100000

# 16 threads on shared connections against the serial answers, with the cache invalidated
# underneath them: the issue's minute plainly (SOAK_SECONDS to change it), 3 s under valgrind for the
# leaks of the threaded paths.
${CC:-cc} -std=c99 -Wall -Wextra -Werror -pthread -o "$build/check_threads" "$here/check_threads.c" \
    $(pkg-config --cflags --libs libvirt-migration-check) -Wl,-rpath,"$prefix/lib"
echo "== check_threads (plain)"
"$build/check_threads" "$hosts" "${SOAK_SECONDS:-60}"
echo "== check_threads (valgrind)"
"${valgrind[@]}" "$build/check_threads" "$hosts" 3
