# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python enums, constants and ctypes structures against include/libvirt-migration-check.h:
every value of every enum of the header, in both directions, and (where a C compiler is at
hand) the structure layouts as the compiler lays them out."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from typing import Dict

import pytest

import libvirt_migration_check as lmc
from libvirt_migration_check import _ffi
from libvirt_migration_check._enums import NEVER_ASSIGNED
from support import HEADER

ENUM_LINE = re.compile(r"^\s*(VIR_MIGRATION_\w+)\s*=\s*(.+?),?\s*$")
DEFINE_LINE = re.compile(r"^#define\s+(\w+)\s+(.+?)\s*$")


def _value(expression: str) -> int:
    shift = re.fullmatch(r"\(\s*(\d+)u?\s*<<\s*(\d+)\s*\)", expression)
    if shift:
        return int(shift.group(1)) << int(shift.group(2))
    return int(expression, 0)


def header_enums() -> Dict[str, int]:
    values = {}
    for line in HEADER.read_text().splitlines():
        m = ENUM_LINE.match(line)
        if m:
            values[m.group(1)] = _value(m.group(2))
    return values


def header_defines() -> Dict[str, str]:
    return {m.group(1): m.group(2) for m in map(DEFINE_LINE.match, HEADER.read_text().splitlines()) if m}


def python_name(c_name: str):
    """The Python member for a C enum constant."""
    for prefix, enum in [
        ("VIR_MIGRATION_CHECK_SEVERITY_", lmc.Severity),
        ("VIR_MIGRATION_CHECK_ERR_", lmc.ErrorCode),
        ("VIR_MIGRATION_BASELINE_", lmc.BaselineFlag),
    ]:
        if c_name.startswith(prefix):
            return enum, c_name[len(prefix):]
    name = c_name[len("VIR_MIGRATION_CHECK_"):]
    return (lmc.Check if name in lmc.Check.__members__ else lmc.Flag), name


def test_the_header_has_the_enums_we_expect():
    values = header_enums()
    checks = len(lmc.Check.__members__) - 1  # without ALL
    assert checks >= 18
    assert len([n for n in values if not n.startswith(("VIR_MIGRATION_CHECK_SEVERITY_", "VIR_MIGRATION_CHECK_ERR_"))]) >= checks + 4 + 1
    assert len([n for n in values if n.startswith("VIR_MIGRATION_CHECK_SEVERITY_")]) == 5
    assert len([n for n in values if n.startswith("VIR_MIGRATION_CHECK_ERR_")]) == 7
    assert values["VIR_MIGRATION_CHECK_HOST"] == 1 << 17
    assert values["VIR_MIGRATION_CHECK_STRICT"] == 1 << 27


def test_every_header_value_equals_the_python_enum():
    for c_name, value in header_enums().items():
        enum, name = python_name(c_name)
        assert name in enum.__members__, f"{c_name} has no Python counterpart {enum.__name__}.{name}"
        assert int(enum.__members__[name]) == value, c_name


def test_every_python_member_is_in_the_header():
    values = header_enums()
    prefixes = {
        lmc.Check: "VIR_MIGRATION_CHECK_",
        lmc.Flag: "VIR_MIGRATION_CHECK_",
        lmc.Severity: "VIR_MIGRATION_CHECK_SEVERITY_",
        lmc.ErrorCode: "VIR_MIGRATION_CHECK_ERR_",
        lmc.BaselineFlag: "VIR_MIGRATION_BASELINE_",
    }
    for enum, prefix in prefixes.items():
        for name, member in enum.__members__.items():
            if enum is lmc.Check and name == "ALL":
                assert int(member) == 0  # "all zero selects every check", not a header constant
                continue
            assert values.get(prefix + name) == int(member), f"{enum.__name__}.{name}"
    assert int(lmc.VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL) == values["VIR_MIGRATION_BASELINE_VENDOR_NEUTRAL"]


def test_selection_bits_and_modifiers_do_not_overlap():
    checks = 0
    for member in lmc.Check.__members__.values():
        checks |= int(member)
    modifiers = 0
    for member in lmc.Flag.__members__.values():
        modifiers |= int(member)
    # The checks take the bits from 0 up, without a gap, all below the modifiers; the bit never
    # assigned is neither.
    assert checks == (1 << checks.bit_length()) - 1
    assert checks < min(int(m) for m in lmc.Flag.__members__.values())
    assert checks & modifiers == 0
    assert NEVER_ASSIGNED & (checks | modifiers) == 0
    assert NEVER_ASSIGNED not in header_enums().values()


def test_defines_equal_the_python_constants():
    defines = header_defines()
    params = {name[len("VIR_MIGRATION_CHECK_"):]: value for name, value in defines.items() if name.startswith("VIR_MIGRATION_CHECK_PARAM_")}
    python = {name: f'"{getattr(lmc, name)}"' for name in dir(lmc) if name.startswith("PARAM_")}
    assert params == python
    assert int(defines["LIBVIR_MIGRATION_CHECK_VERSION_NUMBER"]) == lmc.VERSION_NUMBER


def test_every_declared_function_has_a_prototype():
    declared = set(re.findall(r"^(?:int|void|const char \*)\s*(vir\w+)\(", HEADER.read_text(), re.M))
    assert len(declared) >= 12
    assert declared == set(_ffi.PROTOTYPES), declared ^ set(_ffi.PROTOTYPES)
    loaded = _ffi.load()
    for name, (restype, argtypes) in _ffi.PROTOTYPES.items():
        if name in _ffi.OPTIONAL and not loaded.has(name):
            continue  # a library built before the function: the binding says UNSUPPORTED
        function = getattr(loaded.lib, name)
        assert function.restype is restype and function.argtypes == argtypes, name


LAYOUT_PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include <libvirt-migration-check.h>
int main(void)
{
    printf("param %zu %zu %zu %zu\n", sizeof(virTypedParameter), offsetof(virTypedParameter, field),
           offsetof(virTypedParameter, type), offsetof(virTypedParameter, value));
    printf("result %zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof(virMigrationCheckResult),
           offsetof(virMigrationCheckResult, check), offsetof(virMigrationCheckResult, severity),
           offsetof(virMigrationCheckResult, code), offsetof(virMigrationCheckResult, message),
           offsetof(virMigrationCheckResult, hint), offsetof(virMigrationCheckResult, params),
           offsetof(virMigrationCheckResult, nparams));
    printf("types %d %d %d %d %d %d %d %d\n", VIR_TYPED_PARAM_FIELD_LENGTH, VIR_TYPED_PARAM_INT,
           VIR_TYPED_PARAM_UINT, VIR_TYPED_PARAM_LLONG, VIR_TYPED_PARAM_ULLONG, VIR_TYPED_PARAM_DOUBLE,
           VIR_TYPED_PARAM_BOOLEAN, VIR_TYPED_PARAM_STRING);
    return 0;
}
"""


def test_ctypes_structures_match_the_c_compilers_layout(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or subprocess.run(["pkg-config", "--exists", "libvirt"]).returncode != 0:
        pytest.skip("no C compiler or libvirt-dev")
    source = tmp_path / "layout.c"
    source.write_text(LAYOUT_PROGRAM)
    cflags = subprocess.run(["pkg-config", "--cflags", "libvirt"], capture_output=True, text=True).stdout.split()
    subprocess.run([cc, "-o", str(tmp_path / "layout"), str(source), f"-I{HEADER.parent}", *cflags], check=True)
    out = dict(
        (line.split()[0], [int(x) for x in line.split()[1:]])
        for line in subprocess.run([str(tmp_path / "layout")], capture_output=True, text=True, check=True).stdout.splitlines()
    )
    P, R = _ffi.TypedParameter, _ffi.CResult
    assert out["param"] == [ctypes.sizeof(P), P.field.offset, P.type.offset, P.value.offset]
    assert out["result"] == [
        ctypes.sizeof(R),
        R.check.offset,
        R.severity.offset,
        R.code.offset,
        R.message.offset,
        R.hint.offset,
        R.params.offset,
        R.nparams.offset,
    ]
    assert out["types"] == [
        _ffi.TYPED_PARAM_FIELD_LENGTH,
        _ffi.TYPED_PARAM_INT,
        _ffi.TYPED_PARAM_UINT,
        _ffi.TYPED_PARAM_LLONG,
        _ffi.TYPED_PARAM_ULLONG,
        _ffi.TYPED_PARAM_DOUBLE,
        _ffi.TYPED_PARAM_BOOLEAN,
        _ffi.TYPED_PARAM_STRING,
    ]
