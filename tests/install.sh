#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make install` and `make uninstall` as a distribution uses them (make install-check):
#   1. PREFIX=/usr into a scratch DESTDIR, every other directory at its default (Debian's layout:
#      the multiarch library directory, /usr/lib/python3/dist-packages), then PREFIX=/opt/vmc with
#      every directory given: each time the installed files and symlinks must be exactly the
#      expected list, the .pc must name the real (DESTDIR-less) directories;
#   2. from the first install: examples/check.c built through the installed .pc
#      (PKG_CONFIG_SYSROOT_DIR=DESTDIR, as a cross or staged build does) and run on the bundled
#      test-driver hosts on the installed library, the installed CLI, the installed Python package
#      loading the installed library by its SONAME;
#   3. uninstall: nothing but the shared directories may be left.
# Only copies what `make` built: run `make` first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
hosts="$top/tests/data/hosts"
python=${PYTHON:-/usr/bin/python3}
scratch=$(mktemp -d /tmp/vmc-install.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$top"

# The library's file is its SONAME followed by the rest of the version (0.1.0: .so.0.1.0).
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
so_file=libvirt-migration-check.so.0.${version#0.}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
libdir=/usr/lib${multiarch:+/$multiarch}
# The Python package's default directory for PREFIX=/usr: Debian's dist-packages, or the
# interpreter's purelib elsewhere (the Makefile's rule).
pythondir=$("$python" -c 'import sysconfig as s; print(s.get_path("purelib", "deb_system") if "deb_system" in s.get_scheme_names() else s.get_path("purelib", "posix_prefix", vars={"base": "/usr", "platbase": "/usr"}))')

# The expected files and symlinks under PREFIX, given LIBDIR BINDIR INCLUDEDIR DATADIR MANDIR
# PYTHONDIR.
expected() {
    local lib=$1 bin=$2 inc=$3 data=$4 man=$5 py=$6
    printf '%s\n' \
        "$lib/$so_file" \
        "$lib/libvirt-migration-check.so.0 -> $so_file" \
        "$lib/libvirt-migration-check.so -> libvirt-migration-check.so.0" \
        "$lib/libvirt-migration-check.a" \
        "$lib/pkgconfig/libvirt-migration-check.pc" \
        "$inc/libvirt-migration-check.h" \
        "$bin/virt-migration-check" \
        "$man/man1/virt-migration-check.1" \
        "$data/bash-completion/completions/virt-migration-check" \
        "$data/libvirt-migration-check/schemas/hostsnapshot.rng" \
        "$data/libvirt-migration-check/schemas/report.schema.json" \
        "$data/libvirt-migration-check/schemas/matrix.schema.json" \
        "$data/libvirt-migration-check/schemas/baseline.schema.json" \
        "$data/libvirt-migration-check/schemas/error.schema.json" \
        "$py/libvirt_migration_check/__init__.py" \
        "$py/libvirt_migration_check/_api.py" \
        "$py/libvirt_migration_check/_enums.py" \
        "$py/libvirt_migration_check/_ffi.py" \
        "$py/libvirt_migration_check/py.typed" | LC_ALL=C sort
}
# What is installed under DESTDIR: files, and symlinks with their targets.
installed() {
    (cd "$1" && find . \( -type f -o -type l \) -printf '/%P\n' | while read -r f; do
        if [ -L ".$f" ]; then echo "$f -> $(readlink ".$f")"; else echo "$f"; fi
    done | LC_ALL=C sort)
}
compare() {
    diff -u <(expected "${@:2}") <(installed "$1") || { echo "FAIL: the installed files differ from the expected list (above)"; exit 1; }
}
# The directories left after uninstall must be only the shared ones install created (none of ours).
leftovers() {
    local left
    left=$(cd "$1" && find . ! -type d -printf '/%P\n'; cd "$1" && find . -type d \( -name libvirt_migration_check -o -name libvirt-migration-check \) -printf '/%P\n')
    [ -z "$left" ] || { echo "FAIL: uninstall left:"; echo "$left"; exit 1; }
}

echo "== make install PREFIX=/usr DESTDIR=... (LIBDIR=$libdir, PYTHONDIR=$pythondir by default)"
d1="$scratch/root1"
make -s --no-print-directory install DESTDIR="$d1" PREFIX=/usr >/dev/null
compare "$d1" "$libdir" /usr/bin /usr/include /usr/share /usr/share/man "$pythondir"
pc="$d1$libdir/pkgconfig/libvirt-migration-check.pc"
grep -qx 'prefix=/usr' "$pc" && grep -qx "libdir=\${prefix}${libdir#/usr}" "$pc" && grep -qx 'includedir=${prefix}/include' "$pc" \
    || { echo "FAIL: $pc names the wrong directories:"; cat "$pc"; exit 1; }
[ "$(objdump -p "$d1$libdir/$so_file" | awk '/SONAME/ {print $2}')" = libvirt-migration-check.so.0 ] \
    || { echo "FAIL: the installed library's SONAME"; exit 1; }
echo "ok: the file list, the .pc, the SONAME"

echo "== examples/check.c through the installed .pc, on the installed library"
export PKG_CONFIG_SYSROOT_DIR="$d1" PKG_CONFIG_PATH="$d1$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs libvirt-migration-check)
case " $flags " in *" -I$d1/usr/include "*"-L$d1$libdir "*) ;; *) echo "FAIL: pkg-config gave '$flags'"; exit 1 ;; esac
${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$scratch/check" examples/check.c $flags
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
loaded=$(LD_LIBRARY_PATH="$d1$libdir" ldd "$scratch/check" | awk '$1 == "libvirt-migration-check.so.0" {print $3}')
[ "$loaded" = "$d1$libdir/libvirt-migration-check.so.0" ] || { echo "FAIL: the example loads '$loaded'"; exit 1; }
out=$(LD_LIBRARY_PATH="$d1$libdir" "$scratch/check" "test://$hosts/src.xml" "test://$hosts/dst-ok.xml" web1)
grep -q '^OK      network.ok:' <<<"$out" && grep -q ', 0 show-stopper(s)$' <<<"$out" || { echo "FAIL: check.c said:"; echo "$out"; exit 1; }
status=0
out=$(LD_LIBRARY_PATH="$d1$libdir" "$scratch/check" "test://$hosts/src.xml" "test://$hosts/dst-all-wrong.xml" web1) || status=$?
[ $status = 1 ] && grep -q '^ERROR   network.missing:' <<<"$out" || { echo "FAIL: check.c (exit $status) said:"; echo "$out"; exit 1; }
echo "ok: check.c built and ran on the installed library"

echo "== the installed CLI and Python package"
status=0
"$d1/usr/bin/virt-migration-check" check -c "test://$hosts/src.xml" -d "test://$hosts/dst-all-wrong.xml" web1 >"$scratch/cli.out" 2>&1 || status=$?
[ $status = 1 ] && grep -q 'network.missing' "$scratch/cli.out" || { echo "FAIL: the CLI (exit $status) said:"; cat "$scratch/cli.out"; exit 1; }
# Loaded by its SONAME from LD_LIBRARY_PATH: the installed package is not in a checkout, so
# it never looks for target/.
out=$(cd "$scratch" && env -u LIBVIRT_MIGRATION_CHECK_LIBRARY PYTHONPATH="$d1$pythondir" LD_LIBRARY_PATH="$d1$libdir" "$python" -c '
import libvirt, libvirt_migration_check as lmc, sys
src, dst = libvirt.open(sys.argv[1]), libvirt.open(sys.argv[2])
report = lmc.check(src, dst, src.lookupByName("web1"))
maps = {line.split()[-1] for line in open("/proc/self/maps") if "libvirt-migration-check.so" in line}
print(lmc.__file__, *maps, "network.missing" in {r.code for r in report.errors})
' "test://$hosts/src.xml" "test://$hosts/dst-all-wrong.xml" 2>/dev/null)
[ "$out" = "$d1$pythondir/libvirt_migration_check/__init__.py $d1$libdir/$so_file True" ] \
    || { echo "FAIL: the installed Python package said '$out'"; exit 1; }
echo "ok: the CLI and the Python package ran from the install"

echo "== make uninstall (the same variables)"
make -s --no-print-directory uninstall DESTDIR="$d1" PREFIX=/usr >/dev/null
leftovers "$d1"
echo "ok: nothing of ours is left"

echo "== make install PREFIX=/opt/vmc with every directory given, then uninstall"
d2="$scratch/root2"
vars=(PREFIX=/opt/vmc LIBDIR=/opt/vmc/lib64 BINDIR=/opt/vmc/sbin INCLUDEDIR=/opt/vmc/include/vmc DATADIR=/opt/vmc/data
      MANDIR=/opt/vmc/man PYTHONDIR=/opt/vmc/python)
make -s --no-print-directory install DESTDIR="$d2" "${vars[@]}" >/dev/null
compare "$d2" /opt/vmc/lib64 /opt/vmc/sbin /opt/vmc/include/vmc /opt/vmc/data /opt/vmc/man /opt/vmc/python
pc="$d2/opt/vmc/lib64/pkgconfig/libvirt-migration-check.pc"
grep -qx 'libdir=${prefix}/lib64' "$pc" && grep -qx 'includedir=${prefix}/include/vmc' "$pc" \
    || { echo "FAIL: $pc names the wrong directories:"; cat "$pc"; exit 1; }
make -s --no-print-directory uninstall DESTDIR="$d2" "${vars[@]}" >/dev/null
leftovers "$d2"
echo "ok: every directory honoured, uninstalled"

echo "== make install without a build says to run make"
status=0
out=$(make -s --no-print-directory install DESTDIR="$scratch/none" CDYLIB=target/release/no-such-library.so 2>&1) || status=$?
[ $status != 0 ] && grep -q "target/release/no-such-library.so is missing: run 'make' first" <<<"$out" && [ ! -e "$scratch/none" ] \
    || { echo "FAIL: install without the build (exit $status): $out"; exit 1; }
echo "ok: install-check passed"
