# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where the C library is loaded from: LIBVIRT_MIGRATION_CHECK_LIBRARY, the build tree, the
installed SONAME. Each case runs in a fresh interpreter (a process loads the library once)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import libvirt_migration_check as lmc
from support import BINDINGS, ROOT

PROBE = """
import libvirt_migration_check as lmc
print(lmc.library_path())
print(int(lmc.version()))
maps = open("/proc/self/maps").read()
print(next(line.split()[-1] for line in maps.splitlines() if "migration" in line and ".so" in line))
"""


def run(code: str, pythonpath: Path, env_update: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_MIGRATION_CHECK_LIBRARY", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = str(pythonpath)
    env.update(env_update)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def built_library() -> Path:
    return Path(lmc.library_path()).resolve()


def test_the_environment_variable_names_the_library():
    out = run(PROBE, BINDINGS, {"LIBVIRT_MIGRATION_CHECK_LIBRARY": str(built_library())})
    assert out.returncode == 0, out.stderr
    path, number, mapped = out.stdout.split()
    assert path == str(built_library()) and Path(mapped).resolve() == built_library()
    assert int(number) == lmc.VERSION_NUMBER


def test_a_wrong_environment_variable_is_an_error_not_a_fallback():
    code = "import libvirt_migration_check as lmc\ntry:\n    lmc.version()\nexcept lmc.LibraryNotFoundError as e:\n    print('refused:', e)\n"
    out = run(code, BINDINGS, {"LIBVIRT_MIGRATION_CHECK_LIBRARY": "/nonexistent/libvirt-migration-check.so.0"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused:") and "/nonexistent/libvirt-migration-check.so.0" in out.stdout
    assert "LIBVIRT_MIGRATION_CHECK_LIBRARY" in out.stdout
    # Another library altogether: refused for lacking the API.
    libc = "/lib/x86_64-linux-gnu/libc.so.6"
    if Path(libc).exists():
        out = run(code, BINDINGS, {"LIBVIRT_MIGRATION_CHECK_LIBRARY": libc})
        assert "does not export virMigrationCheck" in out.stdout, out.stdout + out.stderr


def test_the_build_tree_is_found_from_a_source_checkout():
    release = ROOT / "target" / "release" / "libvirt_migration_check.so"
    if not release.exists():
        pytest.skip("no release build")
    out = run(PROBE, BINDINGS, {})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == str(release)


def test_an_installed_library_is_loaded_by_its_soname(tmp_path):
    # As `make install` lays it out: PREFIX/lib/libvirt-migration-check.so.0, and the package
    # installed away from any build tree.
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(built_library(), lib / "libvirt-migration-check.so.0.1.0")
    (lib / "libvirt-migration-check.so.0").symlink_to("libvirt-migration-check.so.0.1.0")
    site = tmp_path / "site-packages"
    shutil.copytree(BINDINGS / "libvirt_migration_check", site / "libvirt_migration_check")
    out = run(PROBE, site, {"LD_LIBRARY_PATH": str(lib)})
    assert out.returncode == 0, out.stderr
    path, number, mapped = out.stdout.split()
    assert path == "libvirt-migration-check.so.0"
    assert Path(mapped).parent == lib
    assert int(number) == lmc.VERSION_NUMBER
    # Without it on the search path: a clear error listing what was tried.
    out = run("import libvirt_migration_check as lmc\nlmc.version()\n", site, {})
    if "cannot load libvirt-migration-check" not in out.stderr:
        pytest.skip("a libvirt-migration-check.so.0 is installed system-wide")
    assert out.returncode != 0 and "LibraryNotFoundError" in out.stderr


def test_importing_does_not_load_the_library():
    code = "import sys, libvirt_migration_check as lmc\nprint(lmc._ffi._loaded is None)\n"
    out = run(code, BINDINGS, {"LIBVIRT_MIGRATION_CHECK_LIBRARY": "/nonexistent.so"})
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr


def test_the_package_is_typed():
    assert (BINDINGS / "libvirt_migration_check" / "py.typed").exists()
    pyproject = (BINDINGS / "pyproject.toml").read_text()
    assert 'name = "libvirt-migration-check"' in pyproject and "py.typed" in pyproject
