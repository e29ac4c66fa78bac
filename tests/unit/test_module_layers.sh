#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The module's files call only downward (docs/architecture.md): every td_*
# function or object a file uses from another file must be defined in a
# file of a lower rank. Definitions are the non-static ones at column 0 of
# each .c file; uses are the identifiers in the other files' code (comments
# and strings dropped).
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
dir="$top_srcdir/drivers/testdev"
fail() { echo "FAIL: $*"; exit 1; }

# Rank per file: higher calls lower. Files of one rank call none of each other.
declare -A rank=(
	[main.c]=9 [ioctl.c]=8
	[dma.c]=7 [io.c]=7
	[attach.c]=6 [domain.c]=5 [buf.c]=4
	[engine_edu.c]=3 [engine_labdev.c]=3 [engine_nvme.c]=3 [engine_pci.c]=2
	[device.c]=1 [fault.c]=1 [ucmd.c]=1 [nvme_core.c]=1
)

# Every module source has a rank (a new file must be placed).
for f in "$dir"/*.c; do
	[ -n "${rank[$(basename "$f")]:-}" ] || fail "$(basename "$f") has no layer in $0"
done

# code FILE: the file without comments and string literals.
code() {
	sed -e 's://.*$::' "$1" | perl -0777 -pe 's:/\*.*?\*/::gs; s/"(\\.|[^"\\])*"/""/g'
}

# Definitions: "type name(" or "type name =" at column 0, not static, not a prototype.
declare -A owner=()
for f in "$dir"/*.c; do
	b=$(basename "$f")
	while read -r sym; do
		[ -n "${owner[$sym]:-}" ] && fail "$sym defined in ${owner[$sym]} and $b"
		owner[$sym]=$b
	done < <(code "$f" | grep -E '^[a-z]' | grep -v -E '^(static|extern|#)' | grep -v ';[[:space:]]*$' |
		grep -oE '\btd_[a-z0-9_]+[[:space:]]*(\(|=|\[)' | sed -E 's/[[:space:]]*[(=[]$//' | sort -u)
done
[ "${#owner[@]}" -gt 20 ] || fail "found only ${#owner[@]} definitions: the parser is broken"

bad=0
for f in "$dir"/*.c; do
	b=$(basename "$f")
	for sym in $(code "$f" | grep -oE '\btd_[a-z0-9_]+\b' | sort -u); do
		o=${owner[$sym]:-}
		[ -z "$o" ] || [ "$o" = "$b" ] && continue
		if [ "${rank[$o]}" -ge "${rank[$b]}" ]; then
			echo "$b (rank ${rank[$b]}) uses $sym of $o (rank ${rank[$o]}): calls must go down"
			bad=$((bad + 1))
		fi
	done
done
[ $bad = 0 ] || fail "$bad upward or sideways uses"
echo "test_module_layers: ${#owner[@]} definitions, every use goes down"
