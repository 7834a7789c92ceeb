# SPDX-License-Identifier: LGPL-2.1-or-later
"""help(libvirt_migration_check) starts with the functions: its first screen lists every public
function, before pydoc's long pages of the classes (the enums alone inherit hundreds of lines of
int's methods)."""

from __future__ import annotations

import inspect
import pydoc

import libvirt_migration_check as lmc


def test_the_first_screen_of_help_lists_every_function():
    lines = pydoc.render_doc(lmc, renderer=pydoc.plaintext).splitlines()
    functions = sorted(name for name in lmc.__all__ if inspect.isfunction(getattr(lmc, name)))
    assert len(functions) >= 12, functions
    first_screen = "\n".join(lines[:40])
    missing = [name for name in functions if f"{name}(" not in first_screen]
    assert not missing, f"not on the first screen of help(): {missing}\n{first_screen}"
    # The overview is the module's docstring, before the classes.
    assert first_screen.index("check(") < "\n".join(lines).index("CLASSES")
