# SPDX-License-Identifier: LGPL-2.1-or-later
# libvirt-migration-check: build, test, install.
#
#   make demo      build and run the CLI on bundled test-driver hosts (no daemon needed)
#   make check     install what the tests need, then run every test
#   make install   copy what `make` built: library (shared + static), header, .pc, CLI, man page,
#                  completion, schema, Python package (PREFIX DESTDIR LIBDIR BINDIR INCLUDEDIR
#                  DATADIR MANDIR PYTHONDIR); make uninstall removes exactly that
#   make deb       the Debian packages into build/deb (make deb-check: lintian, and each tried)
#   make header    regenerate what the table of checks and the codes give (C enum, Python enums,
#                  docs/checks.md table, docs/reason-codes.md)
#                  and include/libvirt-migration-check.h from src/ffi
#   make bench     run the criterion benchmarks
#   make fuzz      run every cargo-fuzz target for FUZZ_SECONDS (nightly Rust; not in check)
#   make tsan      the threaded C tests under ThreadSanitizer (nightly Rust with rust-src; in
#                  check when that toolchain is installed)

# Where `make install` puts things. DESTDIR is prepended to each at install time only (a
# package's staging root); the installed .pc names the real paths.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
# The library directory: Debian's multiarch one ($(PREFIX)/lib/x86_64-linux-gnu), as Debian installs
# its own libraries, when dpkg-architecture can tell it; $(PREFIX)/lib elsewhere. Python packages:
# for PREFIX=/usr on Debian its dist-packages (/usr/lib/python3/dist-packages), for another prefix
# on Debian $(PREFIX)/lib/python3.X/dist-packages (on sys.path for /usr/local), elsewhere the
# interpreter's purelib under PREFIX. Each is computed once, and only when a target uses it.
ifeq ($(origin LIBDIR),undefined)
LIBDIR = $(eval LIBDIR := $(PREFIX)/lib$(shell m=$$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null) && [ -n "$$m" ] && echo /$$m))$(LIBDIR)
endif
ifeq ($(origin PYTHONDIR),undefined)
PYTHONDIR = $(eval PYTHONDIR := $(shell $(PYTHON) -c '$(PYTHONDIR_PY)' '$(PREFIX)' 2>/dev/null))$(PYTHONDIR)
endif
PYTHONDIR_PY := import sys, sysconfig as s; p = sys.argv[1]; deb = "deb_system" in s.get_scheme_names(); \
	print(s.get_path("purelib", "deb_system") if deb and p == "/usr" else \
	      "%s/lib/python3.%d/dist-packages" % (p, sys.version_info[1]) if deb else \
	      s.get_path("purelib", "posix_prefix", vars={"base": p, "platbase": p}))
CARGO ?= cargo
CC ?= cc

# Debian packages the build and the tests need; `deps` installs only the missing ones.
DEB_PACKAGES := libvirt-dev libvirt-clients libvirt-daemon pkg-config valgrind gcc make util-linux binutils libxml2-utils \
	python3-libvirt python3-pytest python3-jsonschema mypy
# Debian's python3-libvirt is installed for the system python, which may not be first on PATH.
PYTHON ?= /usr/bin/python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
RELEASE_DIR := target/release
CDYLIB := $(RELEASE_DIR)/libvirt_migration_check.so
STATICLIB := $(RELEASE_DIR)/libvirt_migration_check.a
CLI := $(RELEASE_DIR)/virt-migration-check
HEADER := include/libvirt-migration-check.h
# The public functions and their symbol versions (build.rs links the library with it).
SYMS := src/ffi/libvirt-migration-check.syms
CBINDGEN_VERSION := 0.29.4
CBINDGEN := .tools/bin/cbindgen
HOSTS := $(CURDIR)/tests/data/hosts
CTEST_PREFIX := $(CURDIR)/build/ctest-prefix

.PHONY: man-and-completion man-and-completion-tests html-tests
.PHONY: all deps build demo check lint unit-tests header check-header install c-tests c-tests-libvirt11 cli-tests-libvirt11 \
	python-tests-libvirt11 libvirt11 python-tests e2e e2e-deps bench fuzz tsan tsan-if-nightly clean \
	uninstall install-check deb deb-check rpmspec-check

all: build

# Installs those of the Debian packages $(1) that are missing, and nothing when none is
# (idempotent: dpkg-query decides, so a second run never calls apt).
define apt_ensure
@missing=""; for p in $(1); do \
    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
    echo "Installing missing Debian packages:$$missing"; \
    $(SUDO) apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

deps:
	$(call apt_ensure,$(DEB_PACKAGES))

build: deps man-and-completion
	$(CARGO) build --release --locked

# The man page and the bash completion, generated from the CLI's own clap definition
# (src/bin/virt-migration-check/cli.rs) by examples/man-and-completion, which is never installed;
# `make install` takes them from these paths. The generator builds in the dev profile, as the
# tests do: an example brings in the dev-dependencies, which change the features of crates the
# library shares, so a release build of it would rebuild the release library each time
# `cargo build --release` had built it (and the other way round).
MAN_PAGE := build/man/virt-migration-check.1
BASH_COMPLETION := build/completion/virt-migration-check
man-and-completion: deps
	$(CARGO) run --locked --example man-and-completion -- $(MAN_PAGE) $(BASH_COMPLETION)

# The man page renders with man-db without a warning and names every subcommand and option; the
# completion, sourced in bash, offers the subcommands and the check names (tests/man_completion.rs).
# That test is not one of `cargo test`'s defaults (it reads what this target wrote), so clippy's
# --all-targets skips it: it is linted here.
MAN_TEST_PACKAGES := man-db groff-base
man-and-completion-tests: man-and-completion
	$(call apt_ensure,$(MAN_TEST_PACKAGES))
	$(CARGO) clippy --locked --test man_completion -- -D warnings
	$(CARGO) test --locked --test man_completion

# `matrix --html` in headless Chromium (tests/html/matrix.py): the page of the bundled test-driver
# hosts checked against the JSON matrix of the same run, and screenshots in build/.
HTML_TEST_PACKAGES := chromium
html-tests: build
	$(call apt_ensure,$(HTML_TEST_PACKAGES))
	$(PYTHON) tests/html/matrix.py $(CLI) $(HOSTS) build

$(CBINDGEN):
	$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked --root .tools

# cbindgen's warnings it always gives, shown as a count: libvirt's own types (the header includes
# libvirt/libvirt.h for them) and the string constants cbindgen cannot export (cbindgen.toml
# writes them). Any other warning is shown in full; an error fails the target.
CBINDGEN_EXPECTED := Can't find vir(ConnectPtr|DomainPtr|TypedParameterPtr)|Skip .*VIR_MIGRATION_CHECK_PARAM_.*Unsupported literal expression
define cbindgen_run
@mkdir -p build
@$(CBINDGEN) --config cbindgen.toml --output $(1) src/ffi/mod.rs 2>build/cbindgen.log || { cat build/cbindgen.log; echo "cbindgen failed"; exit 1; }
@grep -Ev "$(CBINDGEN_EXPECTED)" build/cbindgen.log >&2 || true
@echo "cbindgen: $$(grep -Ec "$(CBINDGEN_EXPECTED)" build/cbindgen.log) expected warnings (libvirt's types, string constants)"
endef

# Regenerates what comes from the table of checks (src/check_table.rs), the modifiers
# (src/flags.rs) and the reason codes (src/codes.rs) -- the C enum in src/ffi/check_flags.rs, the
# Python enums, the table of checks in docs/checks.md, docs/reason-codes.md,
# tests/c/check_table.h (tests/generated.rs) -- then the header from src/ffi.
header: $(CBINDGEN)
	VMC_REGENERATE=1 $(CARGO) test --locked --test generated
	$(call cbindgen_run,$(HEADER))

# Fails when the committed header differs from a fresh generation. (The files generated from the
# table of checks are compared by tests/generated.rs, which `unit-tests` runs.)
check-header: $(CBINDGEN)
	$(call cbindgen_run,build/fresh-header.h)
	@diff -u $(HEADER) build/fresh-header.h || { echo "$(HEADER) is stale: run 'make header' and commit it"; exit 1; }
	@echo "header: $(HEADER) matches src/ffi"

demo: build
	@echo "== web1 to a destination where it fits =="
	@$(CLI) check -c test://$(HOSTS)/src.xml -d test://$(HOSTS)/dst-ok.xml web1; echo "(exit status $$?)"
	@echo
	@echo "== web1 to a destination with several show-stoppers =="
	@$(CLI) check -c test://$(HOSTS)/src.xml -d test://$(HOSTS)/dst-all-wrong.xml web1; echo "(exit status $$?)"

# What `make install` copies: only what `make` built (it neither builds nor installs packages; a
# missing file fails with "run make first"), plus the sources it ships as they are. The SONAME is
# set once in build.rs; install also checks the built library carries it (a stale build does not).
SONAME := $(shell sed -n 's/^const SONAME: &str = "\(.*\)";/\1/p' build.rs)
SO_FILE := $(SONAME).$(VERSION:0.%=%)
MANPAGE := build/man/virt-migration-check.1
COMPLETION := build/completion/virt-migration-check
# The host snapshot's RelaxNG schema and the JSON Schemas of --json (kept together: matrix and
# baseline refer to report.schema.json by relative path).
SCHEMAS := docs/schemas/hostsnapshot.rng docs/schemas/report.schema.json docs/schemas/matrix.schema.json \
	docs/schemas/baseline.schema.json docs/schemas/error.schema.json
PY_PACKAGE := bindings/python/libvirt_migration_check
PY_FILES := __init__.py _api.py _enums.py _ffi.py py.typed
SCHEMADIR = $(DATADIR)/libvirt-migration-check/schemas
COMPLETIONDIR = $(DATADIR)/bash-completion/completions
PY_INSTALLDIR = $(PYTHONDIR)/libvirt_migration_check
# Everything install writes, as DESTDIR-less paths: uninstall removes exactly these (and the
# bytecode Python writes beside the modules when they are imported), and only the directories
# that are the project's own when they are then empty; shared ones ($(BINDIR), $(LIBDIR) ...) stay.
INSTALLED = $(LIBDIR)/$(SO_FILE) $(LIBDIR)/$(SONAME) $(LIBDIR)/libvirt-migration-check.so \
	$(LIBDIR)/libvirt-migration-check.a $(LIBDIR)/pkgconfig/libvirt-migration-check.pc \
	$(INCLUDEDIR)/libvirt-migration-check.h $(BINDIR)/virt-migration-check \
	$(MANDIR)/man1/virt-migration-check.1 $(COMPLETIONDIR)/virt-migration-check \
	$(addprefix $(SCHEMADIR)/,$(notdir $(SCHEMAS))) $(addprefix $(PY_INSTALLDIR)/,$(PY_FILES))
OWN_DIRS = $(PY_INSTALLDIR)/__pycache__ $(PY_INSTALLDIR) $(SCHEMADIR) $(DATADIR)/libvirt-migration-check

install:
	@for f in $(CDYLIB) $(STATICLIB) $(CLI) $(MANPAGE) $(COMPLETION) $(HEADER) $(SCHEMAS) $(addprefix $(PY_PACKAGE)/,$(PY_FILES)); do \
	    test -e $$f || { echo "$$f is missing: run 'make' first (make install only copies what make built)"; exit 1; }; \
	done
	@test -n "$(PYTHONDIR)" || { echo "cannot tell where Python packages go ($(PYTHON) failed): give PYTHONDIR=DIR"; exit 1; }
	@built=$$(objdump -p $(CDYLIB) | awk '/SONAME/ {print $$2}'); \
	test "$$built" = "$(SONAME)" || { echo "$(CDYLIB) has SONAME '$$built', build.rs says '$(SONAME)': run 'make' first"; exit 1; }
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(PY_INSTALLDIR)
	install -m 0755 $(CDYLIB) $(DESTDIR)$(LIBDIR)/$(SO_FILE)
	ln -sfn $(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libvirt-migration-check.so
	install -m 0644 $(STATICLIB) $(DESTDIR)$(LIBDIR)/libvirt-migration-check.a
	install -m 0644 $(HEADER) $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' -e 's|@VERSION@|$(VERSION)|' \
	    pkgconfig/libvirt-migration-check.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libvirt-migration-check.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/libvirt-migration-check.pc
	install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/
	install -m 0644 $(SCHEMAS) $(DESTDIR)$(SCHEMADIR)/
	install -m 0644 $(addprefix $(PY_PACKAGE)/,$(PY_FILES)) $(DESTDIR)$(PY_INSTALLDIR)/

uninstall:
	@test -n "$(PYTHONDIR)" || { echo "cannot tell where Python packages go ($(PYTHON) failed): give PYTHONDIR=DIR"; exit 1; }
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rm -f $(foreach m,$(basename $(filter %.py,$(PY_FILES))),$(DESTDIR)$(PY_INSTALLDIR)/__pycache__/$(m).*.pyc)
	@for d in $(addprefix $(DESTDIR),$(OWN_DIRS)); do [ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

# tests/install.sh: install into a scratch DESTDIR (the Debian layout, and every directory
# given), compare the file list with the expected one, build examples/check.c through the
# installed .pc and run it and the CLI and the Python package from there, uninstall, and check
# nothing of ours is left.
install-check: build
	tests/install.sh

# The Debian packages (debian/): libvirt-migration-check0, -dev, virt-migration-check,
# python3-libvirt-migration-check, built by `dpkg-buildpackage -b -us -uc`. The .debs, .changes and
# .buildinfo go to build/deb/ instead of dpkg's parent directory, so that nothing is written
# outside the checkout (debian/rules' VMC_DEB_DESTDIR, dpkg-genchanges' and dpkg-genbuildinfo's
# -u), and --post-clean leaves debian/ as committed. cargo is rustup's, from CARGO_HOME (debian/rules).
DEB_DIR := build/deb
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_BUILD_PACKAGES := debhelper dh-python dpkg-dev fakeroot libvirt-dev pkgconf binutils python3
deb:
	$(call apt_ensure,$(DEB_BUILD_PACKAGES))
	@v=$$(dpkg-parsechangelog -SVersion); test "$$v" = "$(VERSION)" || \
	    { echo "debian/changelog is at $$v, Cargo.toml at $(VERSION): add an entry (dch -v $(VERSION))"; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)
	VMC_DEB_DESTDIR=$(CURDIR)/$(DEB_DIR) CARGO_HOME=$${CARGO_HOME:-$$HOME/.cargo} RUSTUP_HOME=$${RUSTUP_HOME:-$$HOME/.rustup} \
	    dpkg-buildpackage -b -us -uc --post-clean \
	    --changes-file=$(CURDIR)/$(DEB_DIR)/libvirt-migration-check_$(VERSION)_$(DEB_ARCH).changes \
	    --buildinfo-file=$(CURDIR)/$(DEB_DIR)/libvirt-migration-check_$(VERSION)_$(DEB_ARCH).buildinfo \
	    --changes-option=-u$(CURDIR)/$(DEB_DIR) --buildinfo-option=-u$(CURDIR)/$(DEB_DIR)
	@ls -l $(DEB_DIR)

# The packages as a user gets them (tests/install-deb.sh): lintian with no error (the warnings
# shown), each package's file list against the expected one, all four unpacked into a scratch
# root, examples/check.c built and run against its header, .pc and library, the CLI (its man
# page rendered, its completion loaded) and the Python example run from there.
DEB_CHECK_PACKAGES := lintian man-db python3-libvirt
deb-check: deb
	$(call apt_ensure,$(DEB_CHECK_PACKAGES))
	tests/install-deb.sh $(DEB_DIR)

# The RPM spec (libvirt-migration-check.spec) for Fedora and RHEL, parsed by rpmspec: it must
# expand without a warning, give the four packages, and carry Cargo.toml's version.
rpmspec-check:
	$(call apt_ensure,rpm)
	@mkdir -p build
	@rpmspec -P libvirt-migration-check.spec >build/rpmspec.out 2>build/rpmspec.err || { cat build/rpmspec.err; exit 1; }
	@! grep . build/rpmspec.err || { echo "rpmspec warns about libvirt-migration-check.spec (above)"; exit 1; }
	@pkgs=$$(rpmspec -q --qf '%{name}-%{version}\n' libvirt-migration-check.spec 2>/dev/null | sort | tr '\n' ' '); \
	want="libvirt-migration-check-$(VERSION) libvirt-migration-check-devel-$(VERSION) python3-libvirt-migration-check-$(VERSION) virt-migration-check-$(VERSION) "; \
	test "$$pkgs" = "$$want" || { echo "rpmspec -q gives '$$pkgs', expected '$$want'"; exit 1; }; \
	echo "rpmspec: libvirt-migration-check.spec parses: $$pkgs"

# The style and lint gates: rustfmt.toml's layout, and clippy on every target with warnings
# as errors.
lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

unit-tests: deps
	$(CARGO) test --locked
	$(CARGO) test --locked --features fuzzing --test fuzz_corpus

# Each fuzz target (fuzz/, bodies in src/fuzzing.rs) for FUZZ_SECONDS under libFuzzer and
# AddressSanitizer, seeded from tests/data; new inputs land in fuzz/corpus/TARGET (commit the
# useful ones: `make check` replays them), findings in fuzz/artifacts/TARGET: fix, then move
# the input to fuzz/regressions/TARGET. Needs the nightly toolchain (`rustup toolchain list`).
FUZZ_SECONDS ?= 60
CARGO_FUZZ := .tools/bin/cargo-fuzz
$(CARGO_FUZZ):
	$(CARGO) install cargo-fuzz --version 0.13.2 --locked --root .tools
fuzz: $(CARGO_FUZZ)
	rm -rf build/fuzz-seeds
	FUZZ_SEED_EXPORT=$(CURDIR)/build/fuzz-seeds $(CARGO) test --locked --features fuzzing --test fuzz_corpus
	@set -e; for t in $$(PATH=$(CURDIR)/.tools/bin:$$PATH $(CARGO) +nightly fuzz list); do \
	    echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; mkdir -p fuzz/corpus/$$t; \
	    PATH=$(CURDIR)/.tools/bin:$$PATH $(CARGO) +nightly fuzz run -O $$t fuzz/corpus/$$t build/fuzz-seeds/$$t -- \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	        > build/fuzz-$$t.log 2>&1 || { tail -n 60 build/fuzz-$$t.log; echo "fuzz target $$t failed"; exit 1; }; \
	    grep -E '^(Done|stat::new_units_added)' build/fuzz-$$t.log; \
	done

# ThreadSanitizer (tests/c/tsan.sh): the library built by nightly Rust with -Zsanitizer=thread
# and its std rebuilt with it (-Zbuild-std, which needs the rust-src component), so that TSan
# sees Rust's own locks and atomics, not only libvirt's pthread ones; then check_threads and
# check_bad_input built with -fsanitize=thread against it. Toolchains come from rustup, not from
# the registries the Makefile installs from, so `check` runs this only where nightly and
# rust-src are already installed, and says plainly when it cannot.
TSAN_TARGET := x86_64-unknown-linux-gnu
tsan: deps
	RUSTFLAGS=-Zsanitizer=thread $(CARGO) +nightly build -Zbuild-std --target $(TSAN_TARGET) --release --locked --lib --target-dir build/tsan
	tests/c/tsan.sh build/tsan/$(TSAN_TARGET)/release

tsan-if-nightly:
	@if rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then 	    $(MAKE) --no-print-directory tsan; 	else 	    echo "NOT RUN: ThreadSanitizer needs the nightly toolchain with rust-src (rustup toolchain install nightly --component rust-src; make tsan)"; 	fi

# C programs built through pkg-config against a `make install` into a temporary prefix, run
# plainly and under valgrind (tests/c/run.sh). First the installed library's ABI: its dynamic
# symbols are exactly the functions of the version script, each under its version node
# (tests/c/symbols.sh, objdump -T), and its SONAME.
c-tests: build
	rm -rf $(CTEST_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(CTEST_PREFIX) LIBDIR=$(CTEST_PREFIX)/lib
	tests/c/symbols.sh $(CTEST_PREFIX)/lib/libvirt-migration-check.so $(SYMS)
	@set -e; \
	soname=$$(objdump -p $(CTEST_PREFIX)/lib/libvirt-migration-check.so | awk '/SONAME/ {print $$2}'); \
	test "$$soname" = libvirt-migration-check.so.0 || { echo "SONAME is '$$soname'"; exit 1; }
	tests/c/run.sh $(CTEST_PREFIX)

# The C, CLI and Python tests again on libvirt 11.3's client library, as on a management host
# upgraded before its hosts: the libvirt.so.0 that tests/e2e/libvirt11.sh unpacks (never installed)
# goes on LD_LIBRARY_PATH of the test programs, of the CLI binary and of pytest alone, and each fails
# unless the loader really gave it 11.3's (tests/c/testutil.h; tests/cli.rs asks the binary;
# tests/python/conftest.py). The libvirtd they talk to stays the system's 9.0 (a newer client, an
# older daemon); libvirt's test driver runs in-process, inside 11.3. The C tests are shorter than
# c-tests (about a minute): valgrind on the three short programs but not on check_threads, 10,000
# calls of check_memory, 5 s of check_threads.
LIBVIRT11_LIBDIR = $(E2E_LIBVIRT11_DIR)/root/usr/lib/x86_64-linux-gnu
libvirt11: deps
	tests/e2e/libvirt11.sh $(E2E_LIBVIRT11_DIR) >/dev/null

c-tests-libvirt11: build libvirt11
	rm -rf $(CTEST_PREFIX)-libvirt11
	$(MAKE) --no-print-directory install PREFIX=$(CTEST_PREFIX)-libvirt11 LIBDIR=$(CTEST_PREFIX)-libvirt11/lib
	VMC_LIBVIRT_LIBDIR=$(LIBVIRT11_LIBDIR) VALGRIND_TESTS="check_results check_bad_input check_migrate3" MEMORY_CALLS=10000 SOAK_SECONDS=5 \
	    tests/c/run.sh $(CTEST_PREFIX)-libvirt11

# tests/cli.rs runs the binary with VMC_CLI_LD_LIBRARY_PATH as its LD_LIBRARY_PATH (virsh and
# libvirtd, which the tests also start, keep the system's libvirt).
cli-tests-libvirt11: deps libvirt11
	VMC_CLI_LD_LIBRARY_PATH=$(LIBVIRT11_LIBDIR) $(CARGO) test --locked --test cli

# The Python tests with libvirt-python and the library on 11.3 (tests/python/conftest.py checks
# it, and keeps the system's libvirt for the daemons and programs the tests start).
python-tests-libvirt11: build libvirt11
	LD_LIBRARY_PATH=$(LIBVIRT11_LIBDIR) VMC_EXPECT_LIBVIRT_DIR=$(LIBVIRT11_LIBDIR) \
	    LIBVIRT_MIGRATION_CHECK_LIBRARY=$(CURDIR)/$(CDYLIB) $(PYTHON) -m pytest tests/python

# Python bindings (bindings/python) against the release build (tests/python): libvirt's test
# driver in-process and a real libvirtd.
python-tests: build
	LIBVIRT_MIGRATION_CHECK_LIBRARY=$(CURDIR)/$(CDYLIB) $(PYTHON) -m pytest tests/python

# The end-to-end test bed (tests/e2e, docs/testbed.md): root libvirtd "hosts" in their own
# mount namespaces, real QEMU (TCG) guests, real migrations against the library's predictions.
# QEMU 7.2 comes from bookworm, QEMU 10 for the newer host from bookworm-backports through a
# private apt configuration (tests/e2e/qemu10.sh; the machine's apt sources are left alone),
# libvirt 11.3 for hosts f and g the same way (tests/e2e/libvirt11.sh: unpacked, never installed);
# user vmc-e2e runs the session daemon. QEMU 7.2's qemu-utils would conflict with the image's newer one in the same
# apt call (docs/testbed.md), and the tests need no qemu-img, so it is not asked for.
E2E_QEMU10_DIR ?= /tmp/vmc-e2e-qemu10
E2E_LIBVIRT11_DIR ?= /tmp/vmc-e2e-libvirt11
E2E_PACKAGES := qemu-system-x86 ipxe-qemu seabios tini iproute2 util-linux bindfs
e2e-deps: deps
	$(call apt_ensure,$(E2E_PACKAGES))
	tests/e2e/qemu10.sh $(E2E_QEMU10_DIR) >/dev/null
	tests/e2e/libvirt11.sh $(E2E_LIBVIRT11_DIR) >/dev/null
	@getent passwd libvirt-qemu >/dev/null || $(SUDO) useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu
	@getent passwd vmc-e2e >/dev/null || $(SUDO) useradd --system --no-create-home --shell /usr/sbin/nologin vmc-e2e

e2e: e2e-deps build
	$(CARGO) build --release --locked --example bed_timing
	E2E_QEMU10_DIR=$(E2E_QEMU10_DIR) E2E_LIBVIRT11_DIR=$(E2E_LIBVIRT11_DIR) LIBVIRT_MIGRATION_CHECK_LIBRARY=$(CURDIR)/$(CDYLIB) $(PYTHON) -m pytest tests/e2e -p no:cacheprovider -rs -s

check: deps lint check-header unit-tests man-and-completion-tests html-tests c-tests c-tests-libvirt11 cli-tests-libvirt11 \
	tsan-if-nightly python-tests python-tests-libvirt11 install-check deb-check rpmspec-check e2e
	@echo "make check: all tests passed"

# Benchmarks (benches/), each target against its limit (docs/performance.md): criterion's cpu
# (CPU map load, compare, baseline) and fleet, the plain check (cold / RPC floor, warm) and cli.
bench: deps
	$(CARGO) bench --locked

clean:
	$(CARGO) clean
	rm -rf build
