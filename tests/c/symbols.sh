#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The dynamic symbols of a built library against its version script: every function the script
# lists is exported under the version node that lists it (not as `Base`), and nothing else is
# exported.
#   tests/c/symbols.sh LIBRARY SYMS
set -euo pipefail
lib=${1:?LIBRARY}
syms=${2:?SYMS}

# "NODE function" for each global of the version script.
expected=$(sed 's/#.*//' "$syms" | awk '
    /^[ \t]*[A-Za-z0-9_.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); scope = ""; next }
    /^[ \t]*\}/ { node = ""; next }
    /global:/ { scope = "global"; next }
    /local:/ { scope = "local"; next }
    scope == "global" && NF { name = $1; sub(/;.*/, "", name); print node, name }' | sort)
# "VERSION name" for each symbol the library defines (undefined ones are what it imports).
actual=$(objdump -T "$lib" | awk '/^[0-9a-f]+ / && !/\*UND\*/ && $(NF-1) != $NF { print $(NF-1), $NF }' | sort)

if [ -z "$expected" ]; then
    echo "no exported function in $syms"
    exit 1
fi
if [ "$expected" != "$actual" ]; then
    echo "$lib exports differ from $syms (- listed, + exported):"
    diff -u <(echo "$expected") <(echo "$actual") | tail -n +3
    exit 1
fi
echo "exports: $(echo "$actual" | wc -l) functions, each under its version node of $(basename "$syms")"
