#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages as a user gets them (make deb-check, after make deb):
#   tests/install-deb.sh DEB_DIR
# 1. lintian on the build's .changes: no error (its warnings are printed);
# 2. each of the four packages holds exactly the expected files and symlinks (dpkg-deb -c), the
#    library's package its symbols file;
# 3. all four unpacked into a scratch root (dpkg-deb -x): examples/check.c built against the
#    root's header, .pc and library (PKG_CONFIG_SYSROOT_DIR) and run on the bundled test-driver
#    hosts; the root's CLI run on them, its man page rendered (man -l), its bash completion loaded;
#    bindings/python/examples/check_running_guests.py run with the root's Python package, which
#    loads the root's library by its SONAME.
set -euo pipefail
dir=$(cd "${1:?DEB_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
hosts="$top/tests/data/hosts"
python=${PYTHON:-/usr/bin/python3}
cd "$top"
version=$(dpkg-parsechangelog -SVersion)
so_file=libvirt-migration-check.so.0.${version#0.}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
scratch=$(mktemp -d /tmp/vmc-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
root="$scratch/root"

packages=(libvirt-migration-check0 libvirt-migration-check-dev virt-migration-check python3-libvirt-migration-check)
deb() { local a=$arch; [ "$1" = python3-libvirt-migration-check ] && a=all; echo "$dir/${1}_${version}_$a.deb"; }
for p in "${packages[@]}"; do [ -f "$(deb "$p")" ] || { echo "FAIL: $(deb "$p") was not built (make deb)"; exit 1; }; done

echo "== lintian"
changes="$dir/libvirt-migration-check_${version}_$arch.changes"
status=0
lintian --fail-on error "$changes" >"$scratch/lintian.out" 2>&1 || status=$?
grep -v '^running with root privileges' "$scratch/lintian.out" || true
[ $status = 0 ] || { echo "FAIL: lintian found errors (exit $status)"; exit 1; }
echo "ok: lintian: no error, $(grep -c '^W: ' "$scratch/lintian.out" || true) warning(s)"

echo "== the packages' contents"
expected() {
    case $1 in
        libvirt-migration-check0) printf '%s\n' \
            "$libdir/libvirt-migration-check.so.0 -> $so_file" \
            "$libdir/$so_file" ;;
        libvirt-migration-check-dev) printf '%s\n' \
            /usr/include/libvirt-migration-check.h \
            "$libdir/libvirt-migration-check.a" \
            "$libdir/libvirt-migration-check.so -> libvirt-migration-check.so.0" \
            "$libdir/pkgconfig/libvirt-migration-check.pc" ;;
        virt-migration-check) printf '%s\n' \
            /usr/bin/virt-migration-check \
            /usr/share/bash-completion/completions/virt-migration-check \
            /usr/share/libvirt-migration-check/schemas/hostsnapshot.rng \
            /usr/share/libvirt-migration-check/schemas/report.schema.json \
            /usr/share/libvirt-migration-check/schemas/matrix.schema.json \
            /usr/share/libvirt-migration-check/schemas/baseline.schema.json \
            /usr/share/libvirt-migration-check/schemas/error.schema.json \
            /usr/share/man/man1/virt-migration-check.1.gz ;;
        python3-libvirt-migration-check)
            for f in __init__.py _api.py _enums.py _ffi.py py.typed; do
                echo "/usr/lib/python3/dist-packages/libvirt_migration_check/$f"
            done ;;
    esac
    printf '%s\n' "/usr/share/doc/$1/changelog.gz" "/usr/share/doc/$1/copyright"
}
for p in "${packages[@]}"; do
    dpkg-deb -c "$(deb "$p")" >"$scratch/$p.list"
    diff -u <(expected "$p" | LC_ALL=C sort) \
            <(awk '$1 !~ /^d/ { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +\./, ""); print }' "$scratch/$p.list" | LC_ALL=C sort) \
        || { echo "FAIL: $p holds other files than expected (above)"; exit 1; }
    dpkg-deb -x "$(deb "$p")" "$root"
done
dpkg-deb --ctrl-tarfile "$(deb libvirt-migration-check0)" | tar -xO ./symbols >"$scratch/symbols"
grep -q "^ virMigrationCheck@LIBVIRT_MIGRATION_CHECK_0.1.0 " "$scratch/symbols" \
    || { echo "FAIL: libvirt-migration-check0 has no symbols file with versioned symbols"; exit 1; }
echo "ok: each package holds exactly its files; libvirt-migration-check0 carries its symbols"

echo "== examples/check.c against the unpacked packages"
flags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root$libdir/pkgconfig" pkg-config --cflags --libs libvirt-migration-check)
case " $flags " in *" -I$root/usr/include "*"-L$root$libdir "*) ;; *) echo "FAIL: pkg-config gave '$flags'"; exit 1 ;; esac
${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$scratch/check" examples/check.c $flags
loaded=$(LD_LIBRARY_PATH="$root$libdir" ldd "$scratch/check" | awk '$1 == "libvirt-migration-check.so.0" {print $3}')
[ "$loaded" = "$root$libdir/libvirt-migration-check.so.0" ] || { echo "FAIL: the example loads '$loaded'"; exit 1; }
status=0
LD_LIBRARY_PATH="$root$libdir" "$scratch/check" "test://$hosts/src.xml" "test://$hosts/dst-all-wrong.xml" web1 >"$scratch/check.out" || status=$?
cat "$scratch/check.out"
[ $status = 1 ] && grep -q '^ERROR   network.missing:' "$scratch/check.out" || { echo "FAIL: check.c exited $status"; exit 1; }
echo "ok: check.c built and ran on the packaged library"

echo "== the packaged CLI, its man page and completion"
cli="$root/usr/bin/virt-migration-check"
"$cli" check -c "test://$hosts/src.xml" -d "test://$hosts/dst-ok.xml" web1 || { echo "FAIL: the CLI, web1 to dst-ok"; exit 1; }
status=0
"$cli" check -c "test://$hosts/src.xml" -d "test://$hosts/dst-all-wrong.xml" web1 >"$scratch/cli.out" 2>&1 || status=$?
[ $status = 1 ] && grep -q 'network.missing' "$scratch/cli.out" || { cat "$scratch/cli.out"; echo "FAIL: the CLI exited $status"; exit 1; }
MANWIDTH=80 man -l "$root/usr/share/man/man1/virt-migration-check.1.gz" 2>&1 | col -b >"$scratch/man.txt"
grep -q 'virt-migration-check' "$scratch/man.txt" || { cat "$scratch/man.txt"; echo "FAIL: man -l"; exit 1; }
complete=$(bash -c 'source "$1" && complete -p virt-migration-check' _ "$root/usr/share/bash-completion/completions/virt-migration-check")
[ -n "$complete" ] || { echo "FAIL: the completion defines nothing for virt-migration-check"; exit 1; }
echo "ok: the CLI ran, its man page renders, its completion loads ($complete)"

echo "== bindings/python/examples/check_running_guests.py with the packaged Python package"
pyenv=(env -u LIBVIRT_MIGRATION_CHECK_LIBRARY PYTHONPATH="$root/usr/lib/python3/dist-packages" LD_LIBRARY_PATH="$root$libdir" PYTHONDONTWRITEBYTECODE=1)
status=0
"${pyenv[@]}" "$python" bindings/python/examples/check_running_guests.py "test://$hosts/dst-all-wrong.xml" "test://$hosts/src.xml" \
    >"$scratch/py.out" 2>&1 || status=$?
cat "$scratch/py.out"
[ $status = 1 ] && grep -q '^  network.missing: ' "$scratch/py.out" || { echo "FAIL: check_running_guests.py exited $status"; exit 1; }
# Which package and library the example ran on: the root's, not the checkout's.
where=$(cd "$scratch" && "${pyenv[@]}" "$python" -c '
import libvirt_migration_check as lmc
lmc._ffi.load()
print(lmc.__file__, *{line.split()[-1] for line in open("/proc/self/maps") if "libvirt-migration-check.so" in line})')
[ "$where" = "$root/usr/lib/python3/dist-packages/libvirt_migration_check/__init__.py $root$libdir/$so_file" ] \
    || { echo "FAIL: the Python package ran from '$where'"; exit 1; }
echo "ok: deb-check passed"
